import base64
import csv
import io

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

from ..returns_lib.customs import mrn as mrn_lib
from .common import ReturnsCase


@tagged("post_install", "-at_install")
class TestReturnHub(ReturnsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.partner_id.write({"country_id": cls.env.ref("base.es").id, "zip": "50001", "city": "Zaragoza"})
        cls.hub = cls._create_hub(
            "Hub Frankfurt", "de", "60549", "Frankfurt", address={"street": "Cargo City Süd 1"},
            areas=[{"country_id": cls.env.ref("base.de").id},
                   {"country_id": cls.env.ref("base.fr").id, "zip_prefix": "75"}],
            modes=[{"mode": "road", "vehicle_class": "artic_34_40t", "per_shipment": 300, "per_kg": 0.05,
                    "transit_days": 3, "destination_warehouse_ids": [Command.link(cls.warehouse.id)]}],
            release_kind="weekly", release_weekday="4",
        )
        cls.hub_address, cls.hub_location = cls.hub.partner_id, cls.hub.location_id
        cls.manager = new_test_user(cls.env, "hub_manager", groups="reverse_logistics.group_returns_manager")
        cls.clerk = new_test_user(cls.env, "hub_clerk", groups="reverse_logistics.group_returns_user")

    def _refused(self, regex, values):
        # The ORM's constraints refuse within the transaction, which the request then rolls back.
        with self.assertRaises(ValidationError) as caught:
            self.env["return.hub"].with_user(self.manager).create({
                "name": "Bad hub", "partner_id": self.hub_address.id, "location_id": self.hub_location.id, **values})
        self.assertRegex(str(caught.exception), regex)

    # ------------------------------------------------------------------ configuration
    def test_manager_configures_clerk_reads(self):
        hub = self.env["return.hub"].with_user(self.manager).create({
            "name": "Hub Lyon", "warehouse_id": self.warehouse.id,
            "area_ids": [Command.create({"territory_code": " eu "})],
        })
        self.assertEqual(hub.location_id, self.warehouse.return_location_id, "the warehouse's returns location")
        self.assertEqual(hub.partner_id, self.warehouse.partner_id)
        self.assertEqual(hub.area_ids.territory_code, "EU", "codes are kept without spaces, in capitals")
        self.assertEqual(self.hub.with_user(self.clerk).read(["name"])[0]["name"], "Hub Frankfurt")
        with self.assertRaises(AccessError):
            self.hub.with_user(self.clerk).write({"max_wait_days": 3})
        with self.assertRaises(AccessError):
            self.env["return.hub"].with_user(self.clerk).create({"name": "Rogue", "warehouse_id": self.warehouse.id})

    def test_bad_configurations_are_refused(self):
        self._refused("every 1 day at least", {"release_kind": "every_n_days", "release_every_days": 0})
        self._refused("cannot be negative", {"max_wait_days": -1})
        self._refused("cannot be negative", {"handling_cost": -2.0})
        # so large the planner's cent arithmetic would overflow at every approval
        self._refused("or above 1,000,000,000,000", {"handling_cost": 1e300})
        self._refused("or above", {"mode_ids": [Command.create(
            {"mode": "road", "vehicle_class": "artic_34_40t", "per_kg": 1e300})]})
        self._refused("either a country .* or a customs territory",
                      {"area_ids": [Command.create({"zip_prefix": "75"})]})
        self._refused("either a country .* or a customs territory", {"area_ids": [Command.create(
            {"country_id": self.env.ref("base.fr").id, "territory_code": "EU"})]})
        self._refused("letters and digits only", {"area_ids": [Command.create(
            {"country_id": self.env.ref("base.fr").id, "zip_prefix": "7-5"})]})
        self._refused("Articulated truck 34-40 t is not a vehicle class of Air", {"mode_ids": [Command.create(
            {"mode": "air", "vehicle_class": "artic_34_40t"})]})
        self._refused("cannot be negative", {"mode_ids": [Command.create(
            {"mode": "road", "vehicle_class": "artic_34_40t", "per_kg": -0.1})]})
        self._refused("does not take hazardous goods", {"mode_ids": [Command.create(
            {"mode": "road", "vehicle_class": "artic_34_40t", "hazardous_allowed": True})]})
        no_country = self.env["res.partner"].create({"name": "Somewhere", "company_id": self.company.id})
        self._refused("needs a country", {"partner_id": no_country.id})

    def test_hub_without_receiving_location_is_refused_naming_the_field(self):
        # A partner's site: no warehouse to take the location from. Refused before the INSERT, by name
        # (not by the database's NOT NULL, which would log an ERROR and say nothing a manager can act on).
        with self.assertRaisesRegex(ValidationError, "Hub Bare: give its Receiving Location"):
            self.env["return.hub"].with_user(self.manager).create(
                {"name": "Bare", "partner_id": self.hub_address.id})
        with self.assertRaisesRegex(ValidationError, "give its Receiving Location"):
            self.hub.with_user(self.manager).write({"location_id": False})
        self.assertEqual(self.hub.location_id, self.hub_location)

    def test_hub_cannot_use_another_companys_warehouse(self):
        other = self.env["res.company"].create({"name": "Other hub company"})
        other_warehouse = self.env["stock.warehouse"].search([("company_id", "=", other.id)], limit=1)
        with self.assertRaises(Exception):  # noqa: B017 - check_company raises UserError
            self.env["return.hub"].create({"name": "Crossed", "warehouse_id": other_warehouse.id})

    def test_release_rule_as_the_planner_reads_it(self):
        rule = self.hub._release_rule()
        self.assertEqual((rule.kind, rule.weekday, rule.weight_kg), ("weekly", 4, None))

    # ------------------------------------------------------------------ routing
    def _approved_return(self, partner, product=None):
        product = product or self.product
        order = self._deliver_sale(partner, [(product, 2)])
        rma = self._return_from_sale(order, [(product, 1, {})])
        return self._approve(rma)

    def _customer(self, country, zip_code=""):
        return self.env["res.partner"].create({
            "name": f"Customer {country} {zip_code}", "country_id": self.env.ref(f"base.{country}").id,
            "zip": zip_code, "street": "1 Rue", "city": "Town", "email": "c@example.com",
        })

    def _hazardous_product(self):
        product = self._create_product("Power bank", list_price=30.0)
        product.return_hazardous = True
        self.env["stock.quant"]._update_available_quantity(product, self.stock_location, 10)
        return product

    def test_served_address_goes_through_the_hub(self):
        rma = self._approved_return(self.customer)
        self.assertEqual(rma.state, "approved")
        self.assertEqual(rma.hub_id, self.hub)
        html = self.env["ir.actions.report"]._render_qweb_html(
            "reverse_logistics.action_report_return_label", rma.ids)[0].decode()
        self.assertIn("Cargo City", html, "the label sends the parcel to the hub")
        mail = self.env["mail.message"].search(
            [("model", "=", "return.order"), ("res_id", "=", rma.id), ("body", "ilike", "regional returns hub")])
        self.assertIn("60549", str(mail.body), "the approval e-mail gives the hub's address")

    def test_postal_area_served_but_not_the_rest_of_the_country(self):
        paris = self._approved_return(self._customer("fr", "75011"))
        lyon = self._approved_return(self._customer("fr", "69001"))
        self.assertEqual(paris.hub_id, self.hub)
        self.assertFalse(lyon.hub_id, "Lyon is not served: the parcel goes straight to the warehouse")
        html = self.env["ir.actions.report"]._render_qweb_html(
            "reverse_logistics.action_report_return_label", lyon.ids)[0].decode()
        self.assertNotIn("Cargo City", html)

    def test_hub_must_deliver_to_the_returns_warehouse(self):
        other = self.env["stock.warehouse"].create({"name": "Elsewhere", "code": "ELSW"})
        self.hub.mode_ids.destination_warehouse_ids = [Command.set(other.ids)]
        self.assertFalse(self._approved_return(self.customer).hub_id)

    def test_hazardous_goods_only_through_a_hub_taking_them(self):
        power_bank = self._hazardous_product()
        refused = self._approved_return(self.customer, power_bank)
        self.assertFalse(refused.hub_id, "the hub does not take hazardous goods")
        self.hub.accepts_hazardous = True
        self.hub.mode_ids.hazardous_allowed = True
        self.assertEqual(self._approved_return(self.customer, power_bank).hub_id, self.hub)

    def test_most_precise_hub_wins(self):
        paris_hub = self.hub.copy({"name": "Hub Paris", "sequence": 50, "area_ids": [
            Command.create({"country_id": self.env.ref("base.fr").id, "zip_prefix": "750"})]})
        self.assertEqual(self._approved_return(self._customer("fr", "75011")).hub_id, paris_hub)

    def test_users_cannot_set_the_hub(self):
        rma = self._approved_return(self._customer("fr", "69001"))
        with self.assertRaisesRegex(UserError, "cannot be set by hand"):
            rma.with_user(self.clerk).write({"hub_id": self.hub.id})
        with self.assertRaisesRegex(UserError, "does not go through a return hub"):
            rma.with_user(self.clerk).action_arrived_at_hub()

    # ------------------------------------------------------------------ consolidation
    def test_arrivals_group_by_key_and_keep_hazardous_apart(self):
        self.hub.accepts_hazardous = True
        self.hub.mode_ids.hazardous_allowed = True
        first, second = self._approved_return(self.customer), self._approved_return(self._customer("de", "10115"))
        dangerous = self._approved_return(self.customer, self._hazardous_product())
        (first | second | dangerous).with_user(self.clerk).action_arrived_at_hub()
        load = first.consolidation_id
        self.assertTrue(load)
        self.assertEqual(load.return_ids, first | second)
        self.assertEqual((load.state, load.hub_id, load.warehouse_id), ("open", self.hub, self.warehouse))
        self.assertEqual(load.return_count, 2)
        self.assertAlmostEqual(load.value, first.amount_total + second.amount_total)
        self.assertNotEqual(dangerous.consolidation_id, load)
        self.assertTrue(dangerous.consolidation_id.hazardous)
        self.assertFalse(load.hazardous)
        events = first.event_ids.filtered(lambda e: e.event_type == "arrived_hub")
        self.assertEqual(len(events), 1)
        with self.assertRaisesRegex(UserError, "arrived at the hub already"):
            first.action_arrived_at_hub()
        # Closed to arrivals: the next parcel opens a new load.
        load.with_user(self.clerk).action_ready()
        late = self._approved_return(self.customer)
        late.action_arrived_at_hub()
        self.assertNotIn(late.consolidation_id, load | dangerous.consolidation_id)
        with self.assertRaisesRegex(UserError, "cannot be reopened"):
            load.action_reopen()

    def test_states_change_through_actions_only(self):
        rma = self._approved_return(self.customer)
        rma.action_arrived_at_hub()
        load = rma.consolidation_id.with_user(self.clerk)
        with self.assertRaisesRegex(UserError, "cannot be set by hand"):
            load.write({"state": "shipped"})
        with self.assertRaisesRegex(UserError, "not by hand"):
            self.env["return.consolidation"].with_user(self.clerk).create(
                {"hub_id": self.hub.id, "warehouse_id": self.warehouse.id})
        with self.assertRaisesRegex(UserError, "Cannot receive"):
            load.action_receive()
        load.action_ship()
        self.assertEqual(load.state, "shipped")
        self.assertTrue(load.date_shipped)
        self.assertEqual(rma.state, "in_transit")
        self.assertIn("in_transit", rma.event_ids.mapped("event_type"))
        with self.assertRaisesRegex(UserError, "Cannot ship"):
            load.action_ship()
        load.action_receive()
        self.assertEqual(load.state, "received")
        self.assertFalse(load.customs_declaration_ids, "Germany to Spain: no customs border, no declaration")
        self.assertEqual(rma.state, "received", "receiving the load receives its returns")
        self.assertEqual(rma.line_ids.qty_received, 1)
        shipped = load.message_ids.filtered(lambda message: "Shipped by hub_clerk" in str(message.body))
        self.assertEqual(len(shipped), 1, "the load's chatter says who shipped it, by which mode and its CO2e")
        self.assertIn("Hub Frankfurt: Road (Articulated truck 34-40 t)", str(shipped.body))
        self.assertIn("kg CO2e", str(shipped.body))

    def test_hub_shows_its_loads_and_returns_and_tracks_its_changes(self):
        rma = self._approved_return(self.customer)
        rma.action_arrived_at_hub()
        other = self._approved_return(self.customer)
        hub = self.hub.with_user(self.clerk)
        self.assertEqual((hub.consolidation_count, hub.return_count), (1, 2))
        loads = hub.action_view_consolidations()
        self.assertEqual(self.env["return.consolidation"].search(loads["domain"]), rma.consolidation_id)
        self.assertNotIn("search_default", str(loads["context"]), "every load of the hub, whatever its state")
        returns = hub.action_view_returns()
        self.assertEqual(self.env["return.order"].search(returns["domain"]), rma | other)
        self.hub.with_user(self.manager).with_context(tracking_disable=False, mail_notrack=False).handling_cost = 4.0
        self.env.cr.precommit.run()
        self.assertTrue(self.hub.message_ids.tracking_value_ids.filtered(
            lambda value: value.field_id.name == "handling_cost"), "the hub's changes are in its chatter")

    def test_parcel_reaching_the_warehouse_off_route_is_received_there_as_a_deviation(self):
        rma = self._approved_return(self.customer)
        self.assertEqual(rma.hub_id, self.hub)
        with self.assertRaisesRegex(UserError, "travel through hub"):
            rma.with_user(self.clerk).action_receive()
        rma.with_user(self.clerk).action_receive_off_route()
        self.assertEqual(rma.state, "received", "received where the parcel is")
        self.assertEqual(rma.line_ids.qty_received, 1)
        receipt = rma.picking_ids.filtered(lambda picking: picking.state == "done")
        self.assertEqual(receipt.location_dest_id, self.warehouse.return_location_id)
        self.assertEqual(set(rma.picking_ids.mapped("state")), {"done", "cancel"}, "the hub's receipt cancelled")
        self.assertFalse(rma.hub_id, "off the hub's route")
        self.assertFalse(rma.consolidation_id, "in no load of the hub")
        self.assertIn("off its route: routed through hub Hub Frankfurt", rma.route_reason)
        self.assertEqual(rma.route_cost, rma.baseline_cost, "its figures are its parcel's, direct")
        deviation = rma.event_ids.filtered(lambda event: event.event_type == "off_route")
        self.assertEqual((len(deviation), deviation.res_model, deviation.res_id), (1, "return.hub", self.hub.id))
        self.assertTrue(rma.message_ids.filtered(lambda message: "off its route" in str(message.body)))
        self.assertFalse(self.hub.consolidation_count, "no load waits for it at the hub")
        # a parcel that did reach its hub leaves with its load: never received off route
        at_hub = self._approved_return(self.customer)
        at_hub.action_arrived_at_hub()
        with self.assertRaisesRegex(UserError, "arrived at its hub already"):
            at_hub.action_receive_off_route()
        direct = self._approved_return(self._customer("it", "00100"))
        with self.assertRaisesRegex(UserError, "does not go through a return hub"):
            direct.action_receive_off_route()

    def test_manifest_has_a_row_per_return_line_and_no_formula(self):
        self.product.default_code = "=HYPERLINK(\"http://evil\")"
        order = self._deliver_sale(self.customer, [(self.product, 3), (self.product_b, 1)])
        rma = self._approve(self._return_from_sale(order, [(self.product, 2, {}), (self.product_b, 1, {})]))
        rma.action_arrived_at_hub()
        load = rma.consolidation_id
        action = load.with_user(self.clerk).action_export_manifest()
        attachment = self.env["ir.attachment"].browse(int(action["url"].split("/")[3].split("?")[0]))
        self.assertEqual((attachment.res_model, attachment.res_id), ("return.consolidation", load.id))
        text = base64.b64decode(attachment.datas).decode("utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(text)))
        self.assertEqual(len(rows), 2)
        chair = next(row for row in rows if "chair" in row["description"])
        self.assertEqual(chair["shipment"], load.name)
        self.assertEqual(chair["return"], rma.name)
        self.assertEqual(chair["reason"], self.reason_defect.code)
        self.assertEqual(chair["sku"], "'=HYPERLINK(\"http://evil\")", "a formula is never a formula in the file")
        self.assertEqual((chair["quantity"], chair["unit_value"], chair["total_value"]), ("2", "100.00", "200.00"))
        self.assertEqual(chair["condition"], "not inspected")

    # ------------------------------------------------------------------ customs
    def test_load_crossing_a_border_leaves_with_one_declaration(self):
        self.company.write({"customs_eori": "ESB12345674", "customs_office_code": "ES004641"})
        self.warehouse.partner_id = self.company.partner_id
        self.product_b.hs_code = "94054000"
        uk = self.env.ref("base.uk")
        london = self.env["res.partner"].create({
            "name": "Hub London", "street": "1 Dock Road", "zip": "E16 2QU", "city": "London", "country_id": uk.id,
            "company_id": self.company.id,
        })
        hub_gb = self.env["return.hub"].create({
            "name": "Hub London", "partner_id": london.id, "location_id": self.hub_location.id,
            "area_ids": [Command.create({"country_id": uk.id})],
            "mode_ids": [Command.create({"mode": "sea", "vehicle_class": "container_short_sea"})],
        })
        mrn_a = "24ES004641100000A2"
        mrn_b = "24ES004641100001A"
        mrn_b += mrn_lib.check_digit(mrn_b)
        returns = self.env["return.order"]
        for mrn, products in ((mrn_a, [self.product]), (mrn_b, [self.product, self.product_b])):
            order = self._deliver_sale(self._customer("uk", "SW1A 1AA"), [(product, 2) for product in products])
            order.picking_ids.export_mrn = mrn
            returns |= self._approve(self._return_from_sale(order, [(product, 1, {}) for product in products]))
        self.assertEqual(returns.hub_id, hub_gb)
        returns.action_arrived_at_hub()
        load = returns.consolidation_id
        self.assertEqual(len(load), 1)
        # people read the customs territory, the goods and the mode, not their codes
        self.assertEqual((load.customs_regime, load.customs_regime_name), ("GB", uk.name))
        self.assertEqual(load.product_class_name, "General goods")
        self.assertEqual(hub_gb.mode_ids.display_name, "Hub London: Sea (Short-sea container ship)")
        self.assertEqual(dict(hub_gb.mode_ids._fields["vehicle_class"]._description_selection(self.env))[
            "artic_34_40t"], "Articulated truck 34-40 t")
        self.assertTrue(load.crosses_border)
        self.assertFalse(load.customs_declaration_ids)

        load.with_user(self.clerk).action_ship()
        declaration = load.customs_declaration_ids
        self.assertEqual(len(declaration), 1, "one declaration for the whole load")
        self.assertEqual((declaration.state, declaration.territory_code), ("draft", "EU"))
        chairs = declaration.line_ids.filtered(lambda item: item.hs_code == "94017100")
        lamps = declaration.line_ids - chairs
        self.assertEqual(len(chairs), 1, "same HS code, origin and procedure: one item for both returns")
        self.assertEqual((chairs.quantity, lamps.quantity), (2, 1))
        self.assertEqual((chairs.procedure_code, chairs.additional_procedure_codes), ("6110", "F05"))
        self.assertEqual(chairs.export_mrn, mrn_a)
        self.assertEqual(chairs.document_ids.mapped("reference"), [mrn_b],
                         "the merged item quotes the other return's export declaration too")
        self.assertEqual(chairs.document_ids.category_code, "Z")
        self.assertFalse(lamps.document_ids)
        self.assertEqual(sorted(declaration.line_ids.mapped("sequence")), [1, 2])

        split = self.env["customs.declaration"]._prepare_from_consolidation(load, max_items=1)
        self.assertEqual(len(split), 2, "beyond the item limit the load needs a second declaration")
        self.assertEqual([len(values["line_ids"]) for values in split], [1, 1])
        self.assertEqual({values["line_ids"][0][2]["sequence"] for values in split}, {1})

    # ------------------------------------------------------------------ demo
    def test_demo_hubs_serve_the_eu_and_great_britain(self):
        frankfurt = self.env.ref("reverse_logistics.demo_hub_frankfurt", raise_if_not_found=False)
        if not frankfurt:
            self.skipTest("installed without demo data")
        company = self.env.ref("reverse_logistics.demo_company_es")
        hubs = self.env["return.hub"].search([("company_id", "=", company.id)])
        rules = self.env["customs.territory.rule"]._get_rules()
        destinations = {hub: hub._destination_warehouses() for hub in hubs}
        warehouse = self.env["stock.warehouse"].search([("company_id", "=", company.id)], limit=1)
        routes = {}
        for customer in ("demo_customer_de", "demo_customer_fr", "demo_customer_uk", "demo_customer_us"):
            draft = self.env["return.order"].new({
                "company_id": company.id, "warehouse_id": warehouse.id,
                "partner_id": self.env.ref(f"reverse_logistics.{customer}").id,
            })
            routes[customer] = draft._find_hub(hubs, rules, destinations)
        self.assertEqual(routes, {
            "demo_customer_de": frankfurt, "demo_customer_fr": frankfurt,
            "demo_customer_uk": self.env.ref("reverse_logistics.demo_hub_london"),
            "demo_customer_us": self.env["return.hub"],
        })
