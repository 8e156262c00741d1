from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import ReturnsCase


@tagged("post_install", "-at_install")
class TestReturnPolicy(ReturnsCase):
    def test_most_specific_category_policy_applies(self):
        electronics = self.env["product.category"].create({"name": "Electronics", "parent_id": self.category.id})
        phones = self.env["product.category"].create({"name": "Phones", "parent_id": electronics.id})
        strict = self.env["return.policy"].create(
            {"name": "Electronics 14 days", "window_days": 14, "category_ids": [Command.link(electronics.id)],
             "sequence": 50}
        )
        self.product_serial.categ_id = phones
        policies = self.env["return.policy"]._get_policies_by_product(
            self.product | self.product_serial, self.env.company
        )
        self.assertEqual(policies[self.product_serial], strict, "Phones sit under Electronics: 14 days")
        self.assertEqual(policies[self.product], self.policy, "the chair stays under the generic category policy")

    def test_window_follows_the_line_policy(self):
        self.policy.window_days = 10
        order = self._deliver_sale(self.customer, [(self.product, 1)], days_ago=12)
        rma = self._return_from_sale(order, [(self.product, 1, {})])
        self.assertTrue(rma.out_of_policy)
        self.assertIn("12 days ago", rma.policy_summary)
        self.policy.window_days = 15
        rma.invalidate_recordset(["out_of_policy", "policy_summary"])
        self.assertFalse(rma.out_of_policy, rma.policy_summary)

    def test_policy_values_are_checked(self):
        with self.assertRaisesRegex(ValidationError, "cannot be negative"):
            self.policy.window_days = -1
        with self.assertRaisesRegex(ValidationError, "between 0 and 100"):
            self.policy.write({"window_days": 30, "restocking_fee_percent": 120})

    def test_shipping_payer_comes_from_policy(self):
        self.policy.return_shipping_payer = "customer"
        order = self._deliver_sale(self.customer, [(self.product, 1)])
        rma = self._return_from_sale(order, [(self.product, 1, {})])
        self.assertEqual(rma.return_shipping_payer, "customer")
