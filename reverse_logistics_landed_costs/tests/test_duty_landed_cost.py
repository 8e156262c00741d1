"""Duties customs assess on returned goods raise the cost of the returned units (stock_landed_costs)."""

from odoo import fields
from odoo.tests import tagged

from odoo.addons.reverse_logistics.tests.common import CustomsCase


@tagged("post_install", "-at_install")
class TestDutyLandedCost(CustomsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Account = cls.env["account.account"]
        cls.duty_account = Account.create({"name": "Customs duties", "code": "631901", "account_type": "expense"})
        cls.duty_product = cls.env["product.product"].create({
            "name": "Customs duty", "type": "service", "landed_cost_ok": True,
            "split_method_landed_cost": "by_quantity", "property_account_expense_id": cls.duty_account.id,
        })
        cls.company.write({
            "customs_authority_partner_id": cls.env["res.partner"].create({"name": "Agencia Tributaria"}).id,
            "customs_duty_account_id": cls.duty_account.id,
            "customs_import_vat_account_id": Account.create({"name": "Import VAT", "code": "472901",
                                                             "account_type": "asset_current"}).id,
            "customs_duty_landed_cost_product_id": cls.duty_product.id,
        })

    def _returned_product(self, cost_method):
        category = self.env["product.category"].create({
            "name": f"Returnable goods ({cost_method})", "parent_id": self.category.id,
            "property_cost_method": cost_method, "property_valuation": "real_time",
        })
        product = self._create_product(f"Server ({cost_method})", list_price=400.0)
        product.write({"categ_id": category.id, "standard_price": 250.0, "hs_code": "8471300000",
                       "country_of_origin": self.env.ref("base.cn").id, "weight": 9.0})
        # Counted in stock through an inventory, so that the units have a value to add the duty to.
        self.env["stock.quant"].with_context(inventory_mode=True).create({
            "product_id": product.id, "location_id": self.stock_location.id, "inventory_quantity": 4,
        })._apply_inventory()
        order = self._deliver_sale(self.customer, [(product, 2)])
        order.picking_ids.export_mrn = "24ES004641100000A2"
        return product, order

    def _booked_declaration(self, product, order):
        rma = self._approved_return(2, order=order, product=product)
        declaration = self._prepare(rma)
        rma.action_receive()
        declaration._flow_write({"state": "accepted"})
        self.env["customs.declaration.tax"].create({
            "declaration_id": declaration.id, "tax_type": "A00", "item_number": 1, "amount": 30.0,
            "currency_id": self.company.currency_id.id,
        })
        declaration.action_create_cost_bill()
        bill = declaration.cost_bill_id
        bill.invoice_date = fields.Date.today()
        return rma, declaration, bill

    def test_the_duty_of_a_cleared_return_is_added_to_the_cost_of_its_units(self):
        product, order = self._returned_product("average")
        rma, declaration, bill = self._booked_declaration(product, order)
        duty = bill.invoice_line_ids.filtered("is_landed_costs_line")
        self.assertEqual((duty.product_id, duty.price_subtotal, duty.account_id),
                         (self.duty_product, 30.0, self.duty_account))
        value_before = sum(rma.picking_ids.move_ids.stock_valuation_layer_ids.mapped("value"))
        bill.action_post()
        landed_cost = bill.landed_costs_ids
        self.assertEqual((len(landed_cost), landed_cost.state), (1, "done"), "validated: the units are valued average")
        self.assertEqual(landed_cost.picking_ids, rma.picking_ids.filtered(lambda p: p.state == "done"))
        value_after = sum(rma.picking_ids.move_ids.stock_valuation_layer_ids.mapped("value"))
        self.assertAlmostEqual(value_after - value_before, 30.0, msg="15 more per returned unit")
        balance = sum(self.env["account.move.line"].search([
            ("account_id", "=", self.duty_account.id), ("parent_state", "=", "posted")]).mapped("balance"))
        self.assertAlmostEqual(balance, 0.0, msg="the duty left the expense account for the goods' value")
        self.assertIn("Duty added to the cost of the returned units", declaration.message_ids[0].body)

    def test_units_at_standard_cost_keep_it_and_the_landed_cost_waits_in_draft(self):
        product, order = self._returned_product("standard")
        _rma, declaration, bill = self._booked_declaration(product, order)
        bill.action_post()
        self.assertEqual(bill.landed_costs_ids.state, "draft")
        self.assertEqual(product.standard_price, 250.0)
        self.assertIn("products at standard cost keep their cost", declaration.message_ids[0].body)

    def test_without_a_landed_cost_product_the_duty_stays_an_expense(self):
        self.company.customs_duty_landed_cost_product_id = False
        product, order = self._returned_product("average")
        _rma, _declaration, bill = self._booked_declaration(product, order)
        self.assertFalse(bill.invoice_line_ids.filtered("is_landed_costs_line"))
        bill.action_post()
        self.assertFalse(bill.landed_costs_ids)
