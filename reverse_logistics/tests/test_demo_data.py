from lxml import etree

from odoo import Command
from odoo.tests import TransactionCase, tagged
from odoo.tools.safe_eval import safe_eval


@tagged("post_install", "-at_install")
class TestDemoTaxes(TransactionCase):
    """The demo company (Spain, generic chart) invoices with Spanish VAT, never with the chart's US taxes."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.ref("reverse_logistics.demo_company_es")
        cls.env = cls.env(context=dict(cls.env.context, allowed_company_ids=[cls.company.id], tracking_disable=True))
        cls.iva21_sale = cls.env.ref("reverse_logistics.demo_tax_iva21_sale")
        cls.iva21_purchase = cls.env.ref("reverse_logistics.demo_tax_iva21_purchase")
        cls.iva0_intra_eu = cls.env.ref("reverse_logistics.demo_tax_iva0_intra_eu")
        cls.iva0_export = cls.env.ref("reverse_logistics.demo_tax_iva0_export")
        cls.warehouse = cls.env["stock.warehouse"].search([("company_id", "=", cls.company.id)], limit=1)
        cls.product = cls.env["product.product"].create({
            "name": "Refurbished monitor 24 inch",
            "is_storable": True,
            "company_id": cls.company.id,
            "list_price": 200.0,
        })
        cls.env["stock.quant"]._update_available_quantity(cls.product, cls.warehouse.lot_stock_id, 10)
        spain, germany = cls.env.ref("base.es"), cls.env.ref("base.de")
        cls.spanish_customer = cls.env["res.partner"].create({
            "name": "Muebles Aragón S.L.", "is_company": True, "company_id": cls.company.id,
            "country_id": spain.id, "city": "Huesca", "zip": "22001", "vat": "ESB99286320",
        })
        cls.german_business = cls.env["res.partner"].create({
            "name": "Möbelhaus Krause GmbH", "is_company": True, "company_id": cls.company.id,
            "country_id": germany.id, "city": "Hamburg", "zip": "20095", "vat": "DE129273398",
        })

    def _sell_deliver_invoice(self, partner, qty=2):
        order = self.env["sale.order"].create({
            "partner_id": partner.id,
            "company_id": self.company.id,
            "warehouse_id": self.warehouse.id,
            "order_line": [Command.create({"product_id": self.product.id, "product_uom_qty": qty})],
        })
        order.action_confirm()
        picking = order.picking_ids
        self.assertEqual(len(picking), 1)
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
        picking.move_ids.picked = True
        picking.button_validate()
        self.assertEqual(picking.state, "done")
        invoice = order._create_invoices()
        invoice.action_post()
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.company_id, self.company)
        return order, invoice

    def test_a_new_product_of_the_demo_company_gets_iva_21(self):
        self.assertEqual(self.company.account_sale_tax_id, self.iva21_sale)
        self.assertEqual(self.company.account_purchase_tax_id, self.iva21_purchase)
        self.assertEqual(self.product.taxes_id, self.iva21_sale)
        self.assertEqual(self.product.supplier_taxes_id, self.iva21_purchase)

    def test_a_spanish_customer_pays_iva_21(self):
        order, invoice = self._sell_deliver_invoice(self.spanish_customer)
        self.assertEqual(order.fiscal_position_id, self.env.ref("reverse_logistics.demo_fpos_domestic"))
        line = invoice.invoice_line_ids
        self.assertEqual(line.tax_ids, self.iva21_sale)
        self.assertAlmostEqual(invoice.amount_untaxed, 400.0)
        self.assertAlmostEqual(invoice.amount_tax, 84.0)
        self.assertAlmostEqual(invoice.amount_total, 484.0)
        tax_line = invoice.line_ids.filtered("tax_line_id")
        self.assertEqual(tax_line.tax_line_id, self.iva21_sale)
        self.assertEqual(tax_line.account_id, self.env.ref(f"account.{self.company.id}_tax_received"),
                         "IVA charged goes to the generic chart's Tax Received")

    def test_a_german_business_with_a_vat_number_gets_the_intra_eu_exemption(self):
        order, invoice = self._sell_deliver_invoice(self.german_business)
        self.assertEqual(order.fiscal_position_id, self.env.ref("reverse_logistics.demo_fpos_intra_eu"))
        self.assertEqual(invoice.invoice_line_ids.tax_ids, self.iva0_intra_eu)
        self.assertAlmostEqual(invoice.amount_tax, 0.0)
        self.assertAlmostEqual(invoice.amount_total, 400.0)

    def test_a_german_consumer_without_vat_number_pays_iva_21(self):
        self.german_business.vat = False
        order, invoice = self._sell_deliver_invoice(self.german_business, qty=1)
        self.assertEqual(order.fiscal_position_id, self.env.ref("reverse_logistics.demo_fpos_eu_private"))
        self.assertEqual(invoice.invoice_line_ids.tax_ids, self.iva21_sale)
        self.assertAlmostEqual(invoice.amount_tax, 42.0)

    def test_a_customer_outside_the_eu_gets_the_export_exemption(self):
        order, invoice = self._sell_deliver_invoice(self.env.ref("reverse_logistics.demo_customer_us"), qty=1)
        self.assertEqual(order.fiscal_position_id, self.env.ref("reverse_logistics.demo_fpos_export"))
        self.assertEqual(invoice.invoice_line_ids.tax_ids, self.iva0_export)
        self.assertAlmostEqual(invoice.amount_tax, 0.0)

    def test_the_demo_orders_carry_the_tax_of_their_destination(self):
        expected = {
            "demo_so_de": self.iva0_intra_eu, "demo_so_de2": self.iva0_intra_eu, "demo_so_fr": self.iva0_intra_eu,
            "demo_so_uk": self.iva0_export, "demo_so_us": self.iva0_export, "demo_so_mx": self.iva0_export,
        }
        for xmlid, tax in expected.items():
            order = self.env.ref(f"reverse_logistics.{xmlid}")
            self.assertEqual(order.order_line.tax_id, tax, xmlid)
        uk_invoice = self.env.ref("reverse_logistics.demo_so_uk").invoice_ids
        self.assertEqual(uk_invoice.state, "posted")
        self.assertEqual(uk_invoice.invoice_line_ids.tax_ids, self.iva0_export)

    def test_no_tax_of_the_demo_company_is_one_of_the_generic_charts_us_taxes(self):
        taxes = self.env["account.tax"].with_context(active_test=False).search([("company_id", "=", self.company.id)])
        self.assertEqual(taxes, self.iva21_sale | self.iva21_purchase | self.iva0_intra_eu | self.iva0_export)
        for tax in taxes:
            self.assertEqual(tax.country_id, self.env.ref("base.es"), tax.name)
            self.assertNotIn("15%", tax.name)
            self.assertNotIn("(US)", tax.display_name)
        groups = self.env["account.tax.group"].search([("company_id", "=", self.company.id)])
        self.assertEqual(set(groups.mapped("name")), {"IVA 21%", "IVA 0%"})
        for xmlid in ("demo_product_laptop", "demo_product_phone", "demo_product_chair", "demo_product_lamp",
                      "demo_product_jacket"):
            product = self.env.ref(f"reverse_logistics.{xmlid}")
            self.assertEqual((product.taxes_id, product.supplier_taxes_id), (self.iva21_sale, self.iva21_purchase))


@tagged("post_install", "-at_install")
class TestDemoReturnCredits(TransactionCase):
    """An accountant opening Return Credits on the demo finds each kind of row to reconcile at month end."""

    def test_the_workspace_shows_credited_drafted_and_anomalous_returns(self):
        def row(xmlid):
            return self.env.ref(f"reverse_logistics.{xmlid}").line_ids

        refunded = row("demo_return_credit_refunded")
        self.assertEqual((refunded.credit_status, refunded.credit_refunded_amount), ("refunded", 189.0),
                         "paid back through the bank journal the invoice was paid with")
        self.assertEqual(row("demo_return_credit_drafted").credit_status, "drafted")
        partial = row("demo_return_credit_partial")
        self.assertEqual((partial.credit_posted_qty, partial.product_uom_qty), (1.0, 2.0), "partly credited")
        self.assertTrue(partial.credit_anomaly_amount, "the fee of two jackets on the credit of one")
        overdue = row("demo_return_credit_overdue")
        # Credited by hand, naming the return in the reference only: the credit counts (nothing left to credit,
        # not overdue), and the credit note linked to nothing is what remains to explain.
        self.assertEqual(overdue.credit_status, "credited")
        self.assertTrue(overdue.credit_anomaly_unlinked, "credited by hand, naming the return in the reference only")
        Line = self.env["return.order.line"]
        self.assertNotIn(overdue, Line.search([("credit_overdue", "=", True)]), "credited by hand: not overdue")
        # The month-end filter of the workspace finds them both.
        arch = etree.fromstring(self.env.ref("reverse_logistics.return_credit_view_search").arch)
        domain = safe_eval(arch.xpath("//filter[@name='unexplained']")[0].get("domain"))
        self.assertLessEqual(overdue | partial, Line.search(domain))
        self.assertNotIn(refunded, Line.search(domain))


@tagged("post_install", "-at_install")
class TestDemoHubs(TransactionCase):
    """The demo's hubs show a load that paid for itself, with its declaration, and a return on its way."""

    def test_the_london_load_left_with_one_declaration_and_cost_less_than_parcels(self):
        leeds = self.env.ref("reverse_logistics.demo_return_hub_leeds")
        load = leeds.consolidation_id
        self.assertEqual((load.state, load.hub_id), ("shipped", self.env.ref("reverse_logistics.demo_hub_london")))
        self.assertEqual(len(load.return_ids), 12)
        declaration = self.env["customs.declaration"].search([("consolidation_id", "=", load.id)])
        self.assertEqual(len(declaration), 1, "one import declaration for the load")
        self.assertLess(sum(load.return_ids.mapped("route_cost")), sum(load.return_ids.mapped("baseline_cost")))
        kent = self.env.ref("reverse_logistics.demo_return_hub_kent")
        self.assertEqual((kent.state, kent.hub_id, kent.consolidation_id), ("approved", load.hub_id, load.browse()))

    def test_every_demo_return_carries_its_parcels_cost_and_co2e(self):
        company = self.env.ref("reverse_logistics.demo_company_es")
        approved = self.env["return.order"].search(
            [("company_id", "=", company.id), ("date_approved", "!=", False)])._priceable()
        direct = approved.filtered(lambda order: not order.hub_id)
        self.assertGreaterEqual(len(direct), 10, "the demo's returns that went direct as parcels")
        packaging = approved.filtered(lambda order: order.return_kind == "packaging")
        self.assertTrue(packaging, "the demo's packaging return, priced as its direct shipment")
        self.assertLessEqual(packaging, direct, "never through a hub")
        for order in approved:
            self.assertGreater(order.baseline_cost, 0.0, order.name)
            self.assertGreater(order.baseline_co2e_kg, 0.0, order.name)
        for order in direct:
            self.assertEqual((order.route_cost, order.route_co2e_kg), (order.baseline_cost, order.baseline_co2e_kg),
                             f"{order.name}: direct, its route is its parcel")
        # no approved return of the demo with an address to price shows 0.00 / 0.0 in the report
        rows = self.env["return.sustainability.report"].search([("order_id", "in", approved.ids)])
        self.assertIn(packaging, rows.order_id)
        self.assertFalse([row.order_id.name for row in rows if not row.route_cost or not row.route_co2e_kg])
        # the printed summary opens on a period with figures, the direct parcels among them
        wizard = self.env["return.sustainability.summary.wizard"].with_company(company).create({})
        summary = wizard._summary()
        self.assertGreater(summary["total"]["return_count"], 0)
        parcels = [row for row in summary["by_mode"] if row["label"] == "Parcel (direct)"]
        self.assertTrue(parcels and parcels[0]["route_cost"] > 0, "the direct parcels' cost is in the totals")

    def test_the_consolidations_list_opens_on_the_demo_load(self):
        action = self.env["ir.actions.act_window"]._for_xml_id("reverse_logistics.action_return_consolidation")
        defaults = [key.removeprefix("search_default_") for key, value in safe_eval(action["context"]).items()
                    if key.startswith("search_default_") and value]
        self.assertTrue(defaults)
        arch = etree.fromstring(self.env.ref("reverse_logistics.return_consolidation_view_search").arch)
        domain = []
        for name in defaults:
            domain += safe_eval(arch.xpath(f"//filter[@name='{name}']")[0].get("domain"))
        load = self.env.ref("reverse_logistics.demo_return_hub_leeds").consolidation_id
        self.assertEqual(load.state, "shipped")
        self.assertIn(load, self.env["return.consolidation"].search(domain), "the demo's load, on its way")

    def test_plan_routes_on_the_demo_consolidates_a_load(self):
        company = self.env.ref("reverse_logistics.demo_company_es")
        Wizard = self.env["return.route.plan.wizard"].with_company(company)
        wizard = Wizard.browse(Wizard.action_open()["res_id"])
        self.assertGreaterEqual(wizard.load_count, 1, "the Birmingham returns leave London in one load")
        via_hub = wizard.line_ids.filtered(lambda line: line.route == "hub")
        self.assertGreaterEqual(len(via_hub), 2)
        self.assertEqual(via_hub.hub_id, self.env.ref("reverse_logistics.demo_hub_london"))
        self.assertLess(wizard.cost, wizard.baseline_cost, "the plan costs less than every return direct")
        wizard.action_apply()
        self.assertEqual(via_hub.order_id.hub_id, via_hub.hub_id)

    def test_the_frankfurt_hub_inspects_and_grades_with_its_local_locations(self):
        frankfurt = self.env.ref("reverse_logistics.demo_hub_frankfurt")
        self.assertEqual(frankfurt.service_level, "inspect")
        self.assertEqual(frankfurt.resale_location_id.location_id, frankfurt.location_id)
        self.assertEqual(frankfurt.recycling_location_id.location_id, frankfurt.location_id)
