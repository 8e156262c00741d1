"""The accountants' reconciliation workspace of return credits: statuses through the real credit
flow, anomalies built to trigger each filter and counted on the accounting dashboard, aging, access."""

from datetime import timedelta

from lxml import etree

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.osv import expression
from odoo.tests import new_test_user, tagged
from odoo.tools.safe_eval import safe_eval

from .common import ReturnsCase

ANOMALIES = ("anomaly_overdue", "anomaly_not_received", "anomaly_amount", "anomaly_twice", "anomaly_unlinked",
             "anomaly_partner", "anomaly_customs")


@tagged("post_install", "-at_install")
class TestReturnCreditReconciliation(ReturnsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.policy.credit_moment = "receipt"
        cls.tax = cls.env["account.tax"].create({"name": "RL recon 15%", "amount": 15.0, "type_tax_use": "sale",
                                                 "company_id": cls.company.id})
        cls.Line = cls.env["return.order.line"]
        cls.Journal = cls.env["account.journal"]
        cls.workspace = cls.Journal._return_credit_workspace_domain()
        cls.filters = cls.Journal._return_credit_dashboard_filters()

    # ------------------------------------------------------------------
    def _invoiced_sale(self, partner=None, qty=3):
        """``qty`` chairs at 100 with 10 % discount, taxed 15 %, delivered and invoiced (net 90 a chair)."""
        order = self.env["sale.order"].create({
            "partner_id": (partner or self.customer).id, "warehouse_id": self.warehouse.id,
            "order_line": [Command.create({"product_id": self.product.id, "product_uom_qty": qty, "price_unit": 100.0,
                                           "discount": 10.0, "tax_id": [Command.set(self.tax.ids)]})],
        })
        return order, self._confirm_deliver_invoice(order)

    def _received_return(self, order, qty=1):
        rma = self._return_from_sale(order, [(self.product, qty, {})])
        self._approve_and_receive(rma)
        return rma

    def _credited(self, rma, post=True):
        rma.action_draft_credit_notes()
        refund = rma.credit_note_ids
        if post:
            refund.action_post()
        return refund

    def _apply_to_invoice(self, refund, invoice):
        (refund + invoice).line_ids.filtered(lambda aml: aml.account_id.account_type == "asset_receivable").reconcile()

    def _pay_out(self, refund, amount=None):
        values = {"amount": amount} if amount is not None else {}
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=refund.ids,
        ).create(values).action_create_payments()

    def _row(self, rma):
        return rma.line_ids

    def _status(self, rma):
        self.env.flush_all()
        line = self._row(rma)
        return (line.credit_status, line.credit_expected_amount, line.credit_drafted_amount, line.credit_posted_amount,
                line.credit_reconciled_amount, line.credit_refunded_amount)

    def _filtered(self, name, exclude=()):
        """Rows the workspace shows under filter ``name``, leaving out rows that were there before the test."""
        found = self.Line.search(expression.AND([self.workspace, self.filters[name]]))
        return found - self.Line.browse(exclude)

    def _dashboard(self, journal):
        self.env.flush_all()
        return journal._get_journal_dashboard_data_batched()[journal.id]["return_credits"]

    # ------------------------------------------------------------------
    def test_status_follows_the_credit_from_due_to_reconciled(self):
        order, invoice = self._invoiced_sale()
        rma = self._return_from_sale(order, [(self.product, 2, {})])
        self._approve(rma)
        self.assertEqual(self._status(rma), ("not_due", 0.0, 0.0, 0.0, 0.0, 0.0),
                         "the policy credits on receipt: nothing is due on approval")
        self.assertNotIn(rma.line_ids, self._filtered("to_credit"))
        rma.action_receive()
        self.assertEqual(self._status(rma), ("to_credit", 180.0, 0.0, 0.0, 0.0, 0.0), "2 chairs at the net 90")
        self.assertEqual(rma.line_ids.credit_due_date, fields.Date.context_today(rma))
        self.assertEqual(rma.line_ids.credit_journal_id, invoice.journal_id)
        self.assertIn(rma.line_ids, self._filtered("to_credit"))

        refund = self._credited(rma, post=False)
        self.assertEqual(self._status(rma), ("drafted", 180.0, 180.0, 0.0, 0.0, 0.0))
        refund.action_post()
        self.assertEqual(self._status(rma), ("reconciled", 180.0, 0.0, 180.0, 180.0, 0.0),
                         "Odoo applies the posted credit note to the open invoice it reverses: nothing paid out")
        self.assertEqual(rma.line_ids.credit_posted_qty, 2.0)
        # Taken off the invoice, then applied again by hand.
        refund.line_ids.remove_move_reconcile()
        self.assertEqual(self._status(rma), ("credited", 180.0, 0.0, 180.0, 0.0, 0.0))
        self._apply_to_invoice(refund, invoice)
        self.assertEqual(refund.payment_state, "paid")
        self.assertEqual(self._status(rma), ("reconciled", 180.0, 0.0, 180.0, 180.0, 0.0))
        self.assertFalse(any(rma.line_ids[f"credit_{name}"] for name in ANOMALIES if name != "anomaly_overdue"))

        # An accountant takes the credit note back: the line is to credit again.
        refund.line_ids.remove_move_reconcile()
        refund.button_draft()
        refund.button_cancel()
        self.assertEqual(self._status(rma), ("to_credit", 180.0, 0.0, 0.0, 0.0, 0.0))

    def test_refunds_paid_out_in_part_then_in_full_and_a_restocking_fee(self):
        self.policy.restocking_fee_percent = 20.0
        order, invoice = self._invoiced_sale()
        self._pay_out(invoice)  # the customer paid: the credit note stays open, to be paid back
        rma = self._return_from_sale(order, [(self.product, 1, {"reason_id": self.reason_changed.id})])
        self._approve_and_receive(rma)
        self.assertEqual(self._status(rma)[:2], ("to_credit", 72.0), "the net 90 less the 20 % fee")
        rma.credit_outcome = "store_credit"  # paid back by hand below, in two parts
        refund = self._credited(rma)
        self.assertEqual(self._status(rma), ("credited", 72.0, 0.0, 72.0, 0.0, 0.0))
        self.assertEqual(refund.amount_untaxed, 72.0, "the workspace expects what the credit note credits")
        self.assertEqual(refund.amount_total, 82.8)
        self._pay_out(refund, 41.4)
        self.assertEqual(self._status(rma), ("partial", 72.0, 0.0, 72.0, 0.0, 36.0), "half paid out: half of 72")
        self._pay_out(refund)
        self.assertEqual(self._status(rma), ("refunded", 72.0, 0.0, 72.0, 0.0, 72.0))
        self.assertFalse(rma.line_ids.credit_anomaly_amount, "the fee is the policy's: no anomaly")

    def test_disputes_are_set_and_settled_with_a_reason_on_the_return(self):
        order, _invoice = self._invoiced_sale()
        rma = self._received_return(order)
        accountant = new_test_user(self.env, "rl_recon_accountant", groups="account.group_account_invoice")
        line = rma.line_ids.with_user(accountant)
        action = line.action_credit_dispute()
        wizard = self.env[action["res_model"]].with_user(accountant).browse(action["res_id"])
        wizard.reason = "Customer says two chairs were sent back"
        wizard.action_apply()
        self.assertEqual(self._status(rma)[0], "disputed")
        self.assertTrue(rma.line_ids.credit_disputed)
        self.assertFalse(self._filtered("to_credit") & rma.line_ids, "a disputed line waits for its dispute")
        self.assertIn("Credit disputed (Returnable chair): Customer says two chairs were sent back",
                      rma.message_ids[0].body)
        action = line.action_credit_undispute()
        self.env[action["res_model"]].with_user(accountant).browse(action["res_id"]).write({"reason": "One chair"})
        self.env[action["res_model"]].with_user(accountant).browse(action["res_id"]).action_apply()
        self.assertEqual(self._status(rma)[0], "to_credit")
        self.assertIn("Credit dispute settled", rma.message_ids[0].body)
        # Refused (an AccessError is a UserError): the status is never written directly.
        with self.assertRaises(UserError):
            line.write({"credit_disputed": True})
        self.assertFalse(rma.line_ids.credit_disputed)

    def test_each_anomaly_is_a_filter_and_a_count_on_the_dashboard(self):
        before = self.Line.search(self.workspace).ids
        self.env.flush_all()
        order, invoice = self._invoiced_sale(qty=10)
        journal = invoice.journal_id
        counts_before = self.Journal.browse(journal.id)._get_journal_dashboard_data_batched()[journal.id][
            "return_credits"]
        expected = {}

        # Credited and applied as it should be: no anomaly at all.
        clean = self._received_return(order)
        self._credited(clean)

        # Overdue: received 20 days ago, the company allows 14; another received today is merely to credit.
        self.company.return_credit_overdue_days = 14
        overdue = self._received_return(order)
        overdue.line_ids.move_ids.write({"date": fields.Datetime.now() - timedelta(days=20)})
        fresh = self._received_return(order)
        expected["anomaly_overdue"] = overdue.line_ids

        # Credited on approval, then the return was cancelled before the goods came back.
        approval_policy = self.env["return.policy"].create({
            "name": "Drop-off", "company_id": self.company.id, "sequence": 0, "credit_moment": "approval",
            "category_ids": [Command.link(self.category.id)],
        })
        not_received = self._approve(self._return_from_sale(order, [(self.product, 1, {})]))
        self.assertEqual(not_received.line_ids.policy_id, approval_policy)
        self._credited(not_received)
        self.assertFalse(not_received.line_ids.credit_anomaly_not_received, "credited on approval: as agreed")
        not_received.action_cancel()
        expected["anomaly_not_received"] = not_received.line_ids
        approval_policy.active = False

        # Amount changed on the credit note by hand.
        amount = self._received_return(order)
        refund = self._credited(amount, post=False)
        refund.invoice_line_ids.price_unit = 80.0
        refund.action_post()
        expected["anomaly_amount"] = amount.line_ids

        # One chair returned, two credited.
        twice = self._received_return(order)
        refund = self._credited(twice, post=False)
        refund.invoice_line_ids.quantity = 2.0
        expected["anomaly_twice"] = twice.line_ids

        # A credit note typed by hand naming the return, linked to nothing.
        unlinked = self._received_return(order)
        self.env["account.move"].create({
            "move_type": "out_refund", "partner_id": self.customer.id, "ref": f"Refund of {unlinked.name}",
            "invoice_line_ids": [Command.create({"product_id": self.product.id, "quantity": 1, "price_unit": 90.0})],
        })
        expected["anomaly_unlinked"] = unlinked.line_ids

        # The credit note made out to another customer.
        partner = self._received_return(order)
        refund = self._credited(partner, post=False)
        refund.partner_id = self.other_customer
        expected["anomaly_partner"] = partner.line_ids

        # Customs assessed import VAT on the return and no bill books it.
        customs = self._received_return(order)
        declaration = self.env["customs.declaration"].create({
            "return_order_id": customs.id, "declarant_id": self.company.partner_id.id,
        })
        self.env["customs.declaration.tax"].create({
            "declaration_id": declaration.id, "tax_type": "B00", "amount": 21.0,
            "currency_id": self.company.currency_id.id,
        })
        expected["anomaly_customs"] = customs.line_ids
        # Received and not credited yet, whatever else is to explain.
        # The credit note typed by hand for ``unlinked`` counts against it: drafted, not to credit again.
        expected["to_credit"] = overdue.line_ids | fresh.line_ids | customs.line_ids

        self.env.flush_all()
        counts = self._dashboard(journal)
        for name in self.filters:
            with self.subTest(filter=name):
                self.assertEqual(self._filtered(name, before), expected.get(name, self.Line),
                                 f"{name} finds exactly the rows built to trigger it")
                self.assertEqual(counts.get(name, 0) - counts_before.get(name, 0), len(expected.get(name, [])))
                action = journal.with_context(return_credit_filter=name).action_open_return_credits()
                self.assertEqual(action["context"], {f"search_default_{name}": 1,
                                                     "search_default_credit_journal_id": journal.id})
        self.assertFalse(self._filtered("anomaly_unlinked", before) & clean.line_ids,
                         "the credit note the return drafted names it and links to it")

        # Explained: the bill books the customs taxes, the overdue line is disputed.
        bill = self.env["account.move"].create({"move_type": "in_invoice", "partner_id": self.customer.id})
        declaration.sudo()._flow_write({"cost_bill_id": bill.id})
        overdue.line_ids._set_credit_disputed(True, "Goods missing from the parcel")
        self.assertFalse(self._filtered("anomaly_customs", before))
        self.assertFalse(self._filtered("anomaly_overdue", before))
        self.assertEqual(self._filtered("to_credit", before), fresh.line_ids | customs.line_ids)
        self.assertEqual(unlinked.line_ids.credit_status, "drafted", "the hand-made draft waits to be posted")

    def test_a_line_whose_credit_is_worth_nothing_is_not_to_credit(self):
        # The whole value goes in restocking fee: the policy credits 0.00 for the received chair.
        self.policy.restocking_fee_percent = 100.0
        before = self.Line.search(self.workspace).ids
        order, _invoice = self._invoiced_sale()
        rma = self._return_from_sale(order, [(self.product, 1, {"reason_id": self.reason_changed.id})])
        self._approve_and_receive(rma)
        self.company.return_credit_overdue_days = 0
        self.assertEqual(self._status(rma)[:2], ("nothing_due", 0.0))
        self.assertFalse(self._filtered("to_credit", before), "nothing due: not in To Credit")
        self.assertFalse(self._filtered("anomaly_overdue", before), "nor overdue")
        self.assertIn(rma.line_ids, self.Line.search([("credit_status", "=", "nothing_due")]))
        with self.assertRaisesRegex(UserError, "Nothing to credit now"):
            rma.action_draft_credit_notes()

    def test_the_workspace_list_keeps_its_columns_readable(self):
        arch = self.Line.get_views([(self.env.ref("reverse_logistics.return_credit_view_list").id, "list")])[
            "views"]["list"]["arch"]
        columns = etree.fromstring(arch).xpath("//list/field")
        shown = [col.get("name") for col in columns
                 if col.get("optional") != "hide" and col.get("column_invisible") not in ("1", "True")]
        self.assertLessEqual(len(shown), 13, f"a laptop screen shows every default column: {shown}")
        order = next(col for col in columns if col.get("name") == "order_id")
        self.assertTrue(order.get("width"), "the return's name is not cut")
        self.assertTrue(all(col.get("optional") for col in columns
                            if col.get("name") not in ("order_id", "credit_expected_amount", "credit_posted_amount",
                                                        "credit_status", "company_currency_id")),
                        "every other column can be hidden")

    def test_aging_buckets_by_days_since_receipt(self):
        order, _invoice = self._invoiced_sale()
        rows = {}
        for days in (5, 45, 100):
            rma = self._received_return(order)
            rma.line_ids.move_ids.write({"date": fields.Datetime.now() - timedelta(days=days)})
            rows[days] = rma
        rows[5].action_draft_credit_notes()
        rows[5].credit_note_ids.action_post()
        rows[5].credit_note_ids.line_ids.remove_move_reconcile()
        self.env.flush_all()
        Aging = self.env["return.credit.aging"]
        aging = {days: Aging.search([("order_id", "=", rma.id)]) for days, rma in rows.items()}
        self.assertEqual({days: (row.aging_bucket, row.days_since_receipt) for days, row in aging.items()},
                         {5: ("0_30", 5), 45: ("31_60", 45), 100: ("90_plus", 100)})
        self.assertEqual((aging[5].to_credit_amount, aging[5].unsettled_amount), (0.0, 90.0), "posted, not settled")
        self.assertEqual((aging[100].to_credit_amount, aging[100].unsettled_amount), (90.0, 0.0))
        groups = dict(Aging._read_group([("order_id", "in", [r.id for r in rows.values()])], ["aging_bucket"],
                                        ["to_credit_amount:sum"]))
        self.assertEqual(groups, {"0_30": 0.0, "31_60": 90.0, "90_plus": 90.0})

    def test_returns_users_without_accounting_rights_stay_out(self):
        order, _invoice = self._invoiced_sale()
        rma = self._received_return(order)
        clerk = new_test_user(self.env, "rl_recon_clerk", groups="reverse_logistics.group_returns_user")
        readonly = new_test_user(self.env, "rl_recon_auditor", groups="account.group_account_readonly")
        menu = self.env.ref("reverse_logistics.menu_return_credit")
        self.assertNotIn(menu.id, self.env["ir.ui.menu"].with_user(clerk)._visible_menu_ids())
        self.assertIn(menu.id, self.env["ir.ui.menu"].with_user(readonly)._visible_menu_ids())
        line = rma.line_ids.with_user(clerk)
        self.assertEqual(line.product_uom_qty, 1.0, "the clerk still sees the return itself")
        with self.assertRaises(AccessError):
            line.read(["credit_status"])
        with self.assertRaises(AccessError):
            self.Line.with_user(clerk).search([("credit_status", "=", "to_credit")])
        with self.assertRaises(UserError):
            line.write({"credit_disputed": True})
        with self.assertRaises(AccessError):
            line.action_credit_dispute()
        with self.assertRaises(AccessError):
            self.env["return.credit.aging"].with_user(clerk).search([])
        # Read-only accountants read the workspace, and do not dispute.
        self.assertEqual(rma.line_ids.with_user(readonly).credit_status, "to_credit")
        with self.assertRaises(AccessError):
            rma.line_ids.with_user(readonly).action_credit_dispute()
        self.assertFalse(rma.line_ids.credit_disputed)

    def test_every_view_of_the_workspace_loads_for_accountants(self):
        """What the menus open: list, pivot, graph, form and search of Return Credits, the aging report,
        the return form with its credit columns, and the accounting dashboard with its counts."""
        order, _invoice = self._invoiced_sale()
        self._received_return(order)
        for groups in ("account.group_account_invoice", "account.group_account_readonly"):
            user = new_test_user(self.env, f"rl_views_{groups.split('.')[1]}", groups=groups)
            for xmlid in ("reverse_logistics.action_return_credit", "reverse_logistics.action_return_credit_aging"):
                action = self.env["ir.actions.act_window"]._for_xml_id(xmlid)
                Model = self.env[action["res_model"]].with_user(user)
                views = Model.get_views([(view_id, kind) for view_id, kind in action["views"]] + [(False, "search")])
                self.assertEqual(set(views["views"]), {kind for _id, kind in action["views"]} | {"search"}, xmlid)
                Model.web_search_read(safe_eval(action.get("domain") or "[]"), {"display_name": {}})
            returns = new_test_user(self.env, f"rl_views_returns_{groups.split('.')[1]}",
                                    groups=f"{groups},reverse_logistics.group_returns_user")
            form = self.env["return.order"].with_user(returns).get_views([(False, "form")])["views"]["form"]["arch"]
            self.assertIn('name="credit_status"', form, "accountants see the credit of each line on the return")
            journals = self.env["account.journal"].with_user(user).search([("type", "=", "sale")])
            self.assertTrue(journals._get_journal_dashboard_data_batched())
