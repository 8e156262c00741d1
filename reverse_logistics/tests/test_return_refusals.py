"""Bad input: each case gets a clear error and nothing is written."""

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import ReturnsCase


@tagged("post_install", "-at_install")
class TestReturnRefusals(ReturnsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.order = cls._deliver_sale(cls.customer, [(cls.product, 5)])
        cls.old_order = cls._deliver_sale(cls.customer, [(cls.product_b, 3)], days_ago=45)
        cls.returns_user = new_test_user(
            cls.env, "returns_clerk", groups="reverse_logistics.group_returns_user,sales_team.group_sale_salesman"
        )
        cls.returns_manager = new_test_user(
            cls.env, "returns_boss", groups="reverse_logistics.group_returns_manager,sales_team.group_sale_salesman"
        )

    def test_more_than_delivered(self):
        self.assertRefused(
            ValidationError,
            r"at most 5 can be returned",
            self._return_from_sale,
            self.order,
            [(self.product, 6, {})],
        )

    def test_more_than_delivered_counting_other_open_returns(self):
        first = self._return_from_sale(self.order, [(self.product, 3, {})])
        self.assertRefused(
            ValidationError,
            r"3 are already being returned, so at most 2 can",
            self._return_from_sale,
            self.order,
            [(self.product, 3, {})],
        )
        # Raising the quantity of an existing return is checked the same way.
        self.assertRefused(ValidationError, "at most 5", first.line_ids.write, {"product_uom_qty": 6})
        self.assertEqual(first.line_ids.product_uom_qty, 3)
        # Two lines of one request count together.
        self.assertRefused(
            ValidationError,
            "at most 2",
            self._return_from_sale,
            self.order,
            [(self.product, 1, {}), (self.product, 2, {})],
        )
        # A cancelled return no longer counts.
        first.action_cancel()
        self._return_from_sale(self.order, [(self.product, 5, {})])

    def test_product_not_on_source_document(self):
        self.assertRefused(
            ValidationError, "is not on sale order", self._return_from_sale, self.order, [(self.product_b, 1, {})]
        )

    def test_zero_or_negative_quantity(self):
        for qty in (0, -2):
            self.assertRefused(
                ValidationError, "must be positive", self._return_from_sale, self.order, [(self.product, qty, {})]
            )

    def test_wizard_refuses_more_than_returnable(self):
        wizard = self.env["return.order.wizard"].browse(self.order.action_create_return_order()["res_id"])
        wizard.line_ids.quantity = 7
        self.assertRefused(UserError, r"At most 5\.0", wizard.action_create_return)

    def test_nothing_left_to_return(self):
        self._return_from_sale(self.order, [(self.product, 5, {})])
        with self.assertRaisesRegex(UserError, "left to return"):
            self.order.action_create_return_order()

    def test_customer_of_another_document(self):
        self.assertRefused(
            ValidationError,
            "belongs to Kunde GmbH",
            self._return_from_sale,
            self.order,
            [(self.product, 1, {})],
            partner_id=self.other_customer.id,
        )

    def test_after_policy_window_needs_manager_with_reason(self):
        rma = self._return_from_sale(self.old_order, [(self.product_b, 1, {})]).with_user(self.returns_user)
        self.assertTrue(rma.out_of_policy)
        self.assertIn("return window is 30 days", rma.policy_summary)
        rma.action_submit()
        self.assertEqual(rma.state, "to_approve")

        self.assertRefused(UserError, "Only a Returns Manager can approve it", rma.action_approve)
        self.assertEqual(rma.state, "to_approve")

        as_manager = rma.with_user(self.returns_manager)
        action = as_manager.action_approve()
        self.assertEqual(action["res_model"], "return.order.override.wizard")
        self.assertEqual(rma.state, "to_approve", "opening the override wizard approves nothing")
        wizard = self.env[action["res_model"]].with_user(self.returns_manager).with_context(**action["context"])
        self.assertRefused(UserError, "Give the reason", wizard.create({"reason": "   "}).action_approve)
        self.assertEqual(rma.state, "to_approve")

        wizard.create({"reason": "Loyal customer, goodwill"}).action_approve()

        self.assertEqual(rma.state, "approved")
        self.assertEqual(rma.override_reason, "Loyal customer, goodwill")
        self.assertEqual(rma.override_user_id, self.returns_manager)
        self.assertTrue(rma.picking_ids)
        logged = rma.message_ids.filtered(lambda m: "Approved out of policy" in (m.body or ""))
        self.assertIn("Loyal customer, goodwill", logged.body)

    def test_returns_user_cannot_use_the_override_directly(self):
        rma = self._return_from_sale(self.old_order, [(self.product_b, 1, {})])
        rma.action_submit()
        with self.assertRaisesRegex(UserError, "Only a Returns Manager"):
            rma.with_user(self.returns_user)._approve_with_override("I say so")
        self.assertEqual(rma.state, "to_approve")

    def test_category_no_policy_covers(self):
        uncovered = self.env["product.product"].create(
            {"name": "Gift card", "is_storable": True, "categ_id": self.env.ref("product.product_category_all").id}
        )
        self.env["return.policy"].search([("category_ids", "=", False)]).active = False
        self.env["stock.quant"]._update_available_quantity(uncovered, self.stock_location, 5)
        order = self._deliver_sale(self.customer, [(uncovered, 1)])
        rma = self._return_from_sale(order, [(uncovered, 1, {})])
        self.assertTrue(rma.out_of_policy)
        self.assertIn("No return policy of the company covers", rma.policy_summary)

    def test_mixing_companies(self):
        other_company = self.env["res.company"].create({"name": "Other Co", "country_id": self.env.ref("base.fr").id})
        other_warehouse = self.env["stock.warehouse"].search([("company_id", "=", other_company.id)])
        # A sale order of this company cannot be returned into the other company's books...
        self.assertRefused(
            ValidationError,
            "belongs to company .* a return stays within one company",
            self.env["return.order"].create,
            {
                "partner_id": self.customer.id,
                "company_id": other_company.id,
                "warehouse_id": other_warehouse.id,
                "sale_order_id": self.order.id,
                "line_ids": [Command.create({"product_id": self.product.id, "product_uom_qty": 1})],
            },
        )
        # ...nor received in a warehouse of another company.
        self.assertRefused(
            ValidationError,
            "belongs to company Other Co",
            self.env["return.order"].create,
            {
                "partner_id": self.customer.id,
                "warehouse_id": other_warehouse.id,
                "sale_order_id": self.order.id,
                "line_ids": [Command.create({"product_id": self.product.id, "product_uom_qty": 1})],
            },
        )

    def test_approve_twice_in_one_transaction(self):
        rma = self._return_from_sale(self.order, [(self.product, 1, {})])
        rma.action_submit()
        rma.action_approve()
        self.assertRefused(UserError, "Cannot approve .* it is Approved", rma.action_approve)
        self.assertEqual(len(rma.picking_ids), 1)

    def test_submit_empty_return(self):
        rma = self.env["return.order"].create({"partner_id": self.customer.id})
        with self.assertRaisesRegex(UserError, "Add at least one product"):
            rma.action_submit()
        self.assertEqual(rma.state, "draft")

    def test_cannot_delete_submitted_return(self):
        rma = self._return_from_sale(self.order, [(self.product, 1, {})])
        rma.action_submit()
        with self.assertRaisesRegex(UserError, "cannot be deleted once submitted"):
            rma.unlink()
