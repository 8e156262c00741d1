from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import ReturnsCase


@tagged("post_install", "-at_install")
class TestReturnSecurity(ReturnsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.order = cls._deliver_sale(cls.customer, [(cls.product, 5)])
        cls.clerk = new_test_user(cls.env, "sec_clerk", groups="reverse_logistics.group_returns_user")
        cls.salesman = new_test_user(cls.env, "sec_sales", groups="sales_team.group_sale_salesman")
        cls.company_b = cls.env["res.company"].create({"name": "Company B"})
        cls.clerk_b = new_test_user(
            cls.env, "sec_clerk_b", groups="reverse_logistics.group_returns_user",
            company_id=cls.company_b.id, company_ids=[Command.set(cls.company_b.ids)],
        )

    def test_returns_user_runs_returns_but_cannot_configure(self):
        rma = self._return_from_sale(self.order, [(self.product, 1, {})]).with_user(self.clerk)
        rma.action_submit()
        rma.action_approve()
        self.assertEqual(rma.state, "approved")
        with self.assertRaises(AccessError):
            self.policy.with_user(self.clerk).window_days = 365
        with self.assertRaises(AccessError):
            self.env["return.reason"].with_user(self.clerk).create({"name": "Because"})
        with self.assertRaises(AccessError):
            rma.unlink()

    def test_salesman_reads_returns_but_does_not_change_them(self):
        rma = self._return_from_sale(self.order, [(self.product, 1, {})])
        as_sales = rma.with_user(self.salesman)
        self.assertEqual(as_sales.state, "draft")
        self.assertEqual(self.order.with_user(self.salesman).return_order_count, 1)
        with self.assertRaises(AccessError):
            as_sales.write({"customer_note": "x"})
        rma.action_submit()
        rma.action_approve()
        with self.assertRaises(AccessError, msg="told they may not write, not that the return is frozen"):
            rma.line_ids.with_user(self.salesman).write({"product_uom_qty": 2})

    def test_companies_do_not_see_each_others_returns(self):
        rma = self._return_from_sale(self.order, [(self.product, 1, {})])
        self.assertFalse(self.env["return.order"].with_user(self.clerk_b).search([("id", "=", rma.id)]))
        with self.assertRaises(AccessError):
            rma.with_user(self.clerk_b).read(["name"])
        self.assertTrue(self.env["return.order"].with_user(self.clerk).search([("id", "=", rma.id)]))

    def test_only_managers_may_override(self):
        old = self._deliver_sale(self.customer, [(self.product_b, 1)], days_ago=90)
        rma = self._return_from_sale(old, [(self.product_b, 1, {})])
        rma.action_submit()
        with self.assertRaises(UserError):
            self.env["return.order.override.wizard"].with_user(self.clerk).create(
                {"return_order_ids": [Command.set(rma.ids)], "reason": "x"}
            ).action_approve()
        self.assertEqual(rma.state, "to_approve")

    def test_every_menu_of_a_returns_user_opens(self):
        """Each action under the Returns menu loads its views for a plain Returns user."""
        Menu = self.env["ir.ui.menu"].with_user(self.clerk)
        tree = Menu.load_menus(debug=False)
        reachable, todo = [], [self.env.ref("reverse_logistics.menu_returns_root").id]
        while todo:
            menu_id = todo.pop()
            reachable.append(menu_id)
            todo += tree[menu_id]["children"]
        menus = Menu.browse(reachable).filtered("action")
        self.assertIn(self.env.ref("reverse_logistics.menu_return_orders"), menus)
        self.assertNotIn(self.env.ref("reverse_logistics.menu_return_policies"), menus, "configuration is for managers")
        for menu in menus:
            action = menu.action.sudo().read()[0]
            model = self.env[action["res_model"]].with_user(self.clerk)
            view_types = [view_type.strip() for view_type in action["view_mode"].split(",")]
            views = model.get_views([(False, view_type) for view_type in view_types] + [(False, "search")])
            self.assertEqual(set(views["views"]), {*view_types, "search"})
            model.web_search_read([], {"display_name": {}})

    def test_warehouse_and_returns_users_carry_the_units_through(self):
        """A stock user without the Returns app validates the receipt; a Returns user inspects and disposes."""
        storeman = new_test_user(self.env, "sec_storeman", groups="stock.group_stock_user")
        rma = self._return_from_sale(self.order, [(self.product, 2, {})])
        rma.action_submit()
        rma.action_approve()
        receipt = rma.picking_ids.with_user(storeman)
        receipt.move_ids.quantity = 2
        receipt.move_ids.picked = True
        receipt.button_validate()
        self.assertEqual(rma.state, "received")
        inspection = rma.inspection_ids.with_user(self.clerk)
        self.assertEqual(inspection.state, "to_inspect")
        inspection.answer_ids.result = "pass"
        inspection.grade_id = self.env.ref("reverse_logistics.grade_a")
        inspection.action_done()
        inspection.disposition_ids.action_accept()
        self.assertEqual(inspection.disposition_ids.state, "done")
        self.assertEqual(inspection.disposition_ids.decided_by_id, self.clerk)
        with self.assertRaises(AccessError):
            self.env["return.disposition"].with_user(self.salesman).browse(inspection.disposition_ids.id).write(
                {"state": "proposed"}
            )

    def test_portal_customers_read_only_the_public_events_of_their_returns(self):
        portal = new_test_user(self.env, "sec_portal", groups="base.group_portal", partner_id=self.customer.id)
        rma = self._return_from_sale(self.order, [(self.product, 1, {})])
        rma.action_submit()
        rma.action_approve()
        rma.action_receive()
        inspection = rma.inspection_ids
        inspection.grade_id = self.env.ref("reverse_logistics.grade_b")
        inspection.answer_ids.result = "pass"
        inspection.action_done()
        inspection.disposition_ids.action_accept()
        seen = self.env["return.event"].with_user(portal).search([("order_id", "=", rma.id)])
        self.assertEqual(set(seen.mapped("event_type")), {"requested", "approved", "received", "inspected"})
        internal = rma.event_ids.filtered(lambda e: not e.public)
        self.assertTrue(internal, "dispositions and moves are recorded, for staff")
        with self.assertRaises(AccessError):
            internal.with_user(portal).read(["description"])
        other = self._return_from_sale(self._deliver_sale(self.other_customer, [(self.product, 1)]),
                                       [(self.product, 1, {})])
        self.assertFalse(self.env["return.event"].with_user(portal).search([("order_id", "=", other.id)]))
