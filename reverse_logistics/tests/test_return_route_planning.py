"""Routes decided by the planner: at approval, in the route planner, and when a load leaves.

A company in Zaragoza, a hub in Frankfurt serving Germany, customers in Berlin. Parcel card: within a
country 5.00 + 0.50/kg (2 days), within the EU customs territory 14.00 + 1.00/kg (4 days), across a border
30.00 + 2.00/kg (6 days) and 20.00 per declaration. The hub: handling 1.00 per return, weekly departures on
Friday, a truck to Zaragoza at 300.00 per shipment + 0.05/kg (3 days). A chair weighs 2 kg: direct from
Berlin it costs 14 + 2 = 16.00; through the hub, at the margin, its parcel 5 + 1 = 6.00, the handling 1.00 and
0.05 x 2 = 0.10 of freight: 7.10.
"""

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

from ..returns_lib.consolidation.emissions import default_factors
from .common import ReturnsCase


@tagged("post_install", "-at_install")
class TestReturnRoutePlanning(ReturnsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.partner_id.write({"country_id": cls.env.ref("base.es").id, "zip": "50001", "city": "Zaragoza",
                                      "partner_latitude": 41.6488, "partner_longitude": -0.8891})
        cls.warehouse.partner_id = cls.company.partner_id
        cls.customer.write({"zip": "10115", "city": "Berlin", "partner_latitude": 52.52,
                            "partner_longitude": 13.405})
        cls.product.weight = 2.0
        cls.hub = cls._create_hub(
            "Hub Frankfurt", "de", "60549", "Frankfurt",
            address={"street": "Cargo City Süd 1", "partner_latitude": 50.05, "partner_longitude": 8.57},
            modes=[{"mode": "road", "vehicle_class": "artic_34_40t", "per_shipment": 300, "per_kg": 0.05,
                    "transit_days": 3}],
            release_kind="weekly", release_weekday="4", handling_cost=1.0,
        )
        cls.env["return.parcel.rate"].create([
            {"zone": "domestic", "per_parcel": 5.0, "per_kg": 0.5, "transit_days": 2},
            {"zone": "territory", "per_parcel": 14.0, "per_kg": 1.0, "transit_days": 4},
            {"zone": "international", "per_parcel": 30.0, "per_kg": 2.0, "transit_days": 6,
             "declaration_cost": 20.0},
        ])
        cls.manager = new_test_user(cls.env, "route_manager", groups="reverse_logistics.group_returns_manager")
        cls.clerk = new_test_user(cls.env, "route_clerk", groups="reverse_logistics.group_returns_user")

    def _approved_returns(self, count):
        order = self._deliver_sale(self.customer, [(self.product, count)])
        returns = self.env["return.order"]
        for _i in range(count):
            returns |= self._approve(self._return_from_sale(order, [(self.product, 1, {})]))
        return returns

    def _customer_mails(self, orders):
        return self.env["mail.message"].search_count([
            ("model", "=", "return.order"), ("res_id", "in", orders.ids), ("message_type", "!=", "notification"),
            ("subtype_id", "=", self.env.ref("mail.mt_comment").id)])

    def test_at_approval_a_return_goes_through_the_hub_when_cheaper_at_the_margin(self):
        rma = self._approved_returns(1)
        self.assertEqual(rma.hub_id, self.hub)
        self.assertAlmostEqual(rma.route_cost, 7.10)
        self.assertAlmostEqual(rma.baseline_cost, 16.00)
        self.assertEqual((rma.route_declarations, rma.baseline_declarations), (0, 0), "Germany to Spain: one EU")
        self.assertGreater(rma.baseline_co2e_kg, 0.0)
        self.assertIn("Through hub Hub Frankfurt", rma.route_reason)
        self.assertIn("Estimated alone", rma.route_reason, "the truck's fixed price is shared once the load forms")
        self.assertIn("out by Road by", rma.route_reason, "the mode's name, not its code")

    def test_at_approval_a_hub_dearer_than_the_parcel_is_not_used_and_says_why(self):
        self.hub.handling_cost = 12.0
        rma = self._approved_returns(1)
        self.assertFalse(rma.hub_id, "6.00 + 12.00 + 0.10 through the hub against 16.00 direct")
        self.assertAlmostEqual(rma.route_cost, 16.00)
        self.assertIn("it would cost at least 18.10, direct 16.00", rma.route_reason)
        html = self.env["ir.actions.report"]._render_qweb_html(
            "reverse_logistics.action_report_return_label", rma.ids)[0].decode()
        self.assertNotIn("Cargo City", html, "the label sends the parcel straight to the warehouse")

    def test_without_a_parcel_card_the_serving_hub_is_used_and_no_figure_is_made_up(self):
        self.env["return.parcel.rate"].search([("company_id", "=", self.company.id)]).unlink()
        rma = self._approved_returns(1)
        self.assertEqual(rma.hub_id, self.hub)
        self.assertEqual((rma.route_cost, rma.baseline_cost, rma.route_reason), (0.0, 0.0, False))
        rma.action_arrived_at_hub()
        rma.consolidation_id.action_ship()
        load = rma.consolidation_id
        # the load itself is still priced by its hub's rate card: 300 + 0.05 x 2 kg, no border to Zaragoza
        self.assertEqual(load.mode_id, self.hub.mode_ids)
        self.assertAlmostEqual(load.freight_cost, 300.10)
        self.assertEqual(load.declarations, 0)
        self.assertGreater(load.co2e_kg, 0.0)
        self.assertEqual(rma.route_cost, 0.0, "the return's share is not made up without the baseline")

    def test_without_an_active_hub_a_return_is_priced_as_its_parcel_direct(self):
        self.hub.active = False
        rma = self._approved_returns(1)
        self.assertFalse(rma.hub_id)
        self.assertAlmostEqual(rma.baseline_cost, 16.00, msg="Berlin to Zaragoza: 14.00 + 1.00/kg x 2 kg")
        self.assertEqual((rma.route_cost, rma.route_co2e_kg), (rma.baseline_cost, rma.baseline_co2e_kg))
        self.assertGreater(rma.route_co2e_kg, 0.0)
        self.assertIn("No hub serves", rma.route_reason)
        # approved before the company had its card: priced afterwards as of its approval, not through a hub
        self.env["return.parcel.rate"].search([("company_id", "=", self.company.id)]).unlink()
        late = self._approved_returns(1)
        self.assertEqual(late.baseline_cost, 0.0)
        self.hub.active = True
        self.env["return.parcel.rate"].create([
            {"zone": "domestic", "per_parcel": 5.0, "per_kg": 0.5, "transit_days": 2},
            {"zone": "territory", "per_parcel": 14.0, "per_kg": 1.0, "transit_days": 4},
            {"zone": "international", "per_parcel": 30.0, "per_kg": 2.0, "transit_days": 6},
        ])
        (late | rma)._price_unpriced_routes()
        self.assertAlmostEqual(late.route_cost, 16.00, msg="its parcel direct, though the hub would be cheaper now")
        self.assertFalse(late.hub_id, "priced as the parcel it went as, not rerouted")

    def _packaging_return(self, pallets=2):
        """A customer's packaging return of ``pallets`` EUR pallets of 25 kg, delivered to them before."""
        pallet = self.env["product.product"].create({
            "name": "EUR pallet", "is_storable": True, "weight": 25.0, "categ_id": self.category.id,
            "returnable_packaging": True, "packaging_deposit_price": 10.0,
        })
        self.env["stock.quant"]._update_available_quantity(pallet, self.stock_location, pallets)
        self._deliver_sale(self.customer, [(pallet, pallets)])
        rma = self.env["return.order"].create({
            "partner_id": self.customer.id, "return_kind": "packaging",
            "line_ids": [Command.create({"product_id": pallet.id, "product_uom_qty": pallets})],
        })
        rma.action_submit()
        self.assertEqual(rma.state, "approved")
        return rma

    def test_a_packaging_return_is_priced_as_its_direct_shipment_and_never_routed_through_a_hub(self):
        chair = self._approved_returns(1)
        rma = self._packaging_return()
        # through the hub at the margin 5 + 0.5 x 50 + 1 + 0.05 x 50 = 33.50 would be cheaper: never taken
        self.assertFalse(rma.hub_id)
        self.assertAlmostEqual(rma.baseline_cost, 64.00, msg="Berlin to Zaragoza: 14.00 + 1.00/kg x 2 x 25 kg")
        self.assertEqual((rma.route_cost, rma.route_co2e_kg, rma.route_declarations),
                         (rma.baseline_cost, rma.baseline_co2e_kg, rma.baseline_declarations))
        # the same parcel from the same address as the 2 kg chair's direct baseline, 25 times heavier
        self.assertAlmostEqual(rma.route_co2e_kg, 25 * chair.baseline_co2e_kg, places=3)
        self.assertGreater(rma.route_co2e_kg, 0.0)
        self.assertIn("Returnable packaging comes back direct", rma.route_reason)
        self.assertNotIn("No hub serves", rma.route_reason)
        row = self.env["return.sustainability.report"].search([("order_id", "=", rma.id)])
        self.assertEqual((row.mode, row.hub_id, row.parcels_avoided, row.saving), ("parcel", self.hub.browse(), 0, 0))
        self.assertAlmostEqual(row.route_cost, 64.00)
        self.assertAlmostEqual(row.route_co2e_kg, rma.route_co2e_kg)
        # nor does the route planner take it to a hub
        self.assertNotIn(rma, self._plan().line_ids.order_id)

    def test_without_a_parcel_card_a_packaging_return_is_neither_priced_nor_routed_until_the_card_exists(self):
        cards = self.env["return.parcel.rate"].search([("company_id", "=", self.company.id)])
        values = cards.read(["zone", "per_parcel", "per_kg", "transit_days", "declaration_cost"], load=None)
        cards.unlink()
        rma = self._packaging_return()
        self.assertEqual((rma.hub_id, rma.route_cost, rma.baseline_cost, rma.route_reason),
                         (self.hub.browse(), 0.0, 0.0, False), "no hub serving the address is assigned either")
        self.env["return.parcel.rate"].create([{key: value for key, value in row.items() if key != "id"}
                                               for row in values])
        rma._price_unpriced_routes()
        self.assertFalse(rma.hub_id)
        self.assertAlmostEqual(rma.route_cost, 64.00, msg="priced afterwards as its direct shipment")

    def _plan(self, user=None):
        action = self.env["return.route.plan.wizard"].with_user(user or self.manager).action_open()
        return self.env["return.route.plan.wizard"].with_user(user or self.manager).browse(action["res_id"])

    def test_the_planner_sends_direct_a_load_that_does_not_pay_for_its_truck(self):
        returns = self._approved_returns(3)
        self.assertEqual(returns.hub_id, self.hub, "each on its own is cheaper through the hub at the margin")
        mails = self._customer_mails(returns)
        wizard = self._plan()
        self.assertEqual(wizard.display_name, f"Route Plan of {self.company.name}", "the dialog's title")
        # together: 3 x 7.00 + a truck of 300.30 = 321.30 against 3 x 16.00 direct: not formed
        self.assertEqual(wizard.load_count, 0)
        self.assertAlmostEqual(wizard.cost, 48.0)
        self.assertAlmostEqual(wizard.baseline_cost, 48.0)
        self.assertEqual(wizard.change_count, 3)
        self.assertTrue(all(line.route == "direct" for line in wizard.line_ids))
        self.assertIn("The load it would join costs 321.30, its returns direct 48.00",
                      wizard.line_ids[0].route_reason)
        wizard.action_apply()
        self.assertFalse(returns.hub_id)
        self.assertEqual([round(cost, 2) for cost in returns.mapped("route_cost")], [16.0] * 3)
        self.assertEqual(self._customer_mails(returns), mails + 3, "each customer is told the new address")
        expected = returns.picking_ids.filtered(lambda picking: picking.state not in ("done", "cancel"))
        self.assertEqual(len(expected), 3, "one receipt each, the ones towards the hub cancelled")
        self.assertEqual(expected.location_dest_id, self.warehouse.return_location_id)
        returns[0].action_receive()
        self.assertEqual(returns[0].state, "received", "received at the warehouse like any direct return")

    def test_the_planner_keeps_a_load_that_pays_and_a_reviewer_may_leave_a_return_out(self):
        self.hub.mode_ids.per_shipment = 0.0
        returns = self._approved_returns(3)
        self.hub.mode_ids.per_shipment = 20.0
        wizard = self._plan()
        # 3 x 7.00 + 20.30 = 41.30 against 48.00: one load, leaving on Friday
        self.assertEqual(wizard.load_count, 1)
        self.assertAlmostEqual(wizard.cost, 41.30)
        self.assertEqual(wizard.change_count, 0)
        self.assertEqual(wizard.line_ids.mapped("route"), ["hub"] * 3)
        self.assertEqual(len(set(wizard.line_ids.mapped("departs"))), 1)
        self.assertEqual(wizard.line_ids[0].departs.weekday(), 4)
        left_out = wizard.line_ids.filtered(lambda line: line.order_id == returns[0])
        left_out.to_apply = False
        mails = self._customer_mails(returns)
        wizard.action_apply()
        # each 7.00 and its third of 20.30 (6.77, 6.77 and 6.76: the cents add up)
        self.assertEqual(sorted(round(cost, 2) for cost in (returns - returns[0]).mapped("route_cost"))[-1], 13.77)
        self.assertTrue(all(13.76 <= cost <= 13.77 for cost in (returns - returns[0]).mapped("route_cost")))
        self.assertAlmostEqual(returns[0].route_cost, 7.10, msg="left out: its approval figures stay")
        self.assertEqual(self._customer_mails(returns), mails, "nobody's route changed: nobody is e-mailed")

    def test_a_plan_is_applied_only_to_returns_still_waiting_and_only_as_planned(self):
        returns = self._approved_returns(2)
        wizard = self._plan()
        returns[0].action_mark_in_transit()
        with self.assertRaisesRegex(UserError, "changed since the plan was made"):
            wizard.action_apply()
        self.assertEqual(returns.hub_id, self.hub, "nothing applied")
        with self.assertRaisesRegex(UserError, "cannot be set by hand"):
            wizard.line_ids[0].write({"route_cost": 0.0})
        with self.assertRaisesRegex(UserError, "cannot be set by hand"):
            wizard.write({"line_ids": [Command.create({"order_id": returns[1].id, "hub_id": False})]})

    def test_a_parcel_rate_is_neither_negative_nor_absurd(self):
        rate = self.env["return.parcel.rate"].search([("zone", "=", "domestic"), ("company_id", "=", self.company.id)])
        for value in (-1.0, 1e300):
            # the savepoint stands for the request's transaction, rolled back on the error
            with self.assertRaisesRegex(ValidationError, "cannot be negative or above"), self.env.cr.savepoint():
                rate.write({"per_kg": value})
        rate.invalidate_recordset()
        self.assertEqual(rate.per_kg, 0.5, "nothing written")

    def test_only_a_returns_manager_plans_and_nobody_types_route_figures(self):
        rma = self._approved_returns(1)
        with self.assertRaises(AccessError):
            self._plan(self.clerk)
        with self.assertRaisesRegex(UserError, "cannot be set by hand"):
            rma.with_user(self.manager).write({"route_cost": 1.0})

    def test_a_load_leaving_gets_its_real_mode_cost_and_co2e_shared_among_its_returns(self):
        returns = self._approved_returns(3)
        returns.action_arrived_at_hub()
        load = returns.consolidation_id
        load.action_ship()
        self.assertEqual(load.mode_id, self.hub.mode_ids)
        self.assertAlmostEqual(load.freight_cost, 300.30)
        self.assertEqual((load.declaration_cost, load.declarations), (0.0, 0), "Frankfurt to Zaragoza: no border")
        self.assertGreater(load.co2e_kg, 0.0)
        # the truck did leave with three returns: 3 x 7.00 + 300.30, each its third of the freight
        self.assertAlmostEqual(sum(returns.mapped("route_cost")), 321.30)
        self.assertEqual(sorted(round(cost, 2) for cost in returns.mapped("route_cost")), [107.1, 107.1, 107.1])
        self.assertAlmostEqual(sum(returns.mapped("baseline_cost")), 48.0)
        self.assertNotIn("Estimated alone", returns[0].route_reason)
        self.assertIn("Out of the hub by Road (Articulated truck 34-40 t)", returns[0].route_reason)
        self.assertNotIn("artic_34_40t", returns[0].route_reason)

    def test_the_carriers_own_intensity_replaces_the_default_for_the_load(self):
        returns = self._approved_returns(2)
        returns.action_arrived_at_hub()
        returns[:1].consolidation_id.action_ship()
        default_co2e = returns[:1].consolidation_id.co2e_kg
        with self.assertRaisesRegex(ValidationError, "cannot be negative"):
            self.hub.mode_ids.carrier_intensity = -5
        # the carrier reports half the default intensity of its class for this service
        factors = default_factors()
        mode = self.hub.mode_ids
        mode.carrier_intensity = factors.intensity(mode.mode, mode.vehicle_class).g_per_tkm / 2
        others = self._approved_returns(2)
        others.action_arrived_at_hub()
        others[:1].consolidation_id.action_ship()
        self.assertAlmostEqual(others[:1].consolidation_id.co2e_kg, default_co2e / 2, places=3)

    def test_a_returns_clerk_approving_several_returns_at_once_emails_each_customer(self):
        order = self._deliver_sale(self.customer, [(self.product, 2)])
        returns = self.env["return.order"]
        for _i in range(2):
            returns |= self._return_from_sale(order, [(self.product, 1, {})])
        returns.with_user(self.clerk).action_submit()
        returns.with_user(self.clerk).action_approve()
        self.assertEqual(set(returns.mapped("state")), {"approved"})
        for rma in returns:
            self.assertTrue(rma.message_ids.filtered(lambda m: "60549" in str(m.body)), "the hub's address, e-mailed")
