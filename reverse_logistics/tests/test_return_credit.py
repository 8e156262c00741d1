"""Credit notes of returns, derived from the invoice line being refunded."""

import uuid

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import BaseCase, tagged

from .common import ReturnsCase
from .test_return_concurrency import (
    _deliver,
    let_worker_threads_in,
    race,
    returnable_product,
    transaction,
    without_error_log,
)


class CreditCase(ReturnsCase):
    """Invoiced sales (discount, 15 % tax) to return and credit; a policy crediting on receipt."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.policy.credit_moment = "receipt"
        Tax = cls.env["account.tax"]
        cls.tax = Tax.create({"name": "RL sales 15%", "amount": 15.0, "type_tax_use": "sale",
                              "company_id": cls.company.id})
        cls.tax_zero = Tax.create({"name": "RL export 0%", "amount": 0.0, "type_tax_use": "sale",
                                   "company_id": cls.company.id})
        cls.fiscal_position = cls.env["account.fiscal.position"].create({
            "name": "RL export", "company_id": cls.company.id,
            "tax_ids": [Command.create({"tax_src_id": cls.tax.id, "tax_dest_id": cls.tax_zero.id})],
        })
        cls.product_b = cls._create_product("Returnable lamp", 40.0)
        cls.env["stock.quant"]._update_available_quantity(cls.product_b, cls.stock_location, 10)

    def _invoiced_sale(self, fiscal_position=None):
        """3 chairs at 100 with 10 % discount and 2 lamps, taxed 15 %, delivered and invoiced."""
        order = self.env["sale.order"].create({
            "partner_id": self.customer.id, "warehouse_id": self.warehouse.id,
            "fiscal_position_id": fiscal_position.id if fiscal_position else False,
            "order_line": [
                Command.create({"product_id": self.product.id, "product_uom_qty": 3, "price_unit": 100.0,
                                "discount": 10.0, "tax_id": [Command.set(self.tax.ids)]}),
                Command.create({"product_id": self.product_b.id, "product_uom_qty": 2, "price_unit": 40.0,
                                "tax_id": [Command.set(self.tax.ids)]}),
            ],
        })
        return order, self._confirm_deliver_invoice(order)

    def _received_return(self, order, lines):
        rma = self._return_from_sale(order, lines)
        self._approve_and_receive(rma)
        return rma


@tagged("post_install", "-at_install")
class TestReturnCredit(CreditCase):
    def test_the_credit_note_is_the_invoice_lines_own_for_the_returned_quantity(self):
        order, invoice = self._invoiced_sale(self.fiscal_position)
        rma = self._received_return(order, [(self.product, 2, {}), (self.product_b, 1, {})])
        rma.action_draft_credit_notes()
        refund = rma.credit_note_ids
        self.assertEqual(len(refund), 1, "one credit note per invoice, for all its returned lines")
        self.assertEqual((refund.move_type, refund.state, refund.reversed_entry_id), ("out_refund", "draft", invoice))
        self.assertEqual((refund.partner_id, refund.currency_id, refund.journal_id, refund.fiscal_position_id),
                         (invoice.partner_id, invoice.currency_id, invoice.journal_id, self.fiscal_position))
        for credit in refund.invoice_line_ids:
            source = credit.return_line_id.invoice_line_id or credit.return_line_id._credit_source_line()
            self.assertEqual(source.move_id, invoice)
            self.assertEqual((credit.price_unit, credit.discount, credit.tax_ids, credit.account_id,
                              credit.sale_line_ids),
                             (source.price_unit, source.discount, source.tax_ids, source.account_id,
                              source.sale_line_ids))
        chairs = refund.invoice_line_ids.filtered(lambda line: line.product_id == self.product)
        self.assertEqual((chairs.quantity, chairs.price_subtotal), (2.0, 180.0), "invoiced price and discount")
        self.assertEqual((refund.amount_untaxed, refund.amount_tax), (220.0, 33.0), "the invoiced taxes")
        self.assertEqual(rma.line_ids.mapped("credited_qty"), [2.0, 1.0])

        refund.action_post()
        self.assertEqual(order.order_line.filtered(lambda line: line.product_id == self.product).qty_invoiced, 1.0,
                         "the sale order sees the refund: it will not propose another credit note")

    def test_a_line_is_never_credited_twice_nor_beyond_what_was_invoiced(self):
        order, invoice = self._invoiced_sale()
        rma = self._received_return(order, [(self.product, 2, {})])
        rma.action_draft_credit_notes()
        before = self.env["account.move"].search_count([("move_type", "=", "out_refund")])
        with self.assertRaisesRegex(UserError, "Nothing to credit now"):
            rma.action_draft_credit_notes()
        # Someone credited the invoice line by another return already: this return's line is refused.
        other = self._received_return(order, [(self.product, 1, {})])
        rma.credit_note_ids.invoice_line_ids.quantity = 3.0
        with self.assertRaisesRegex(UserError, "has only 0.0 of it left to credit"):
            other.action_draft_credit_notes()
        self.assertEqual(self.env["account.move"].search_count([("move_type", "=", "out_refund")]), before)

    def test_a_credit_note_issued_outside_the_returns_is_not_credited_again(self):
        order, invoice = self._invoiced_sale()
        rma = self._received_return(order, [(self.product, 1, {})])
        # An accountant reversed the whole invoice with Odoo's Credit Note button, before the return was credited.
        invoice._reverse_moves([{"invoice_date": fields.Date.today()}]).action_post()
        with self.assertRaisesRegex(UserError, "Nothing to credit now"):
            rma.action_draft_credit_notes()
        self.assertFalse(rma.credit_note_ids)

    def _credit_by_hand(self, invoice, chairs, reason=""):
        """An accountant's credit of ``chairs`` chairs with the invoice's own Credit Note button, posted."""
        wizard = self.env["account.move.reversal"].with_context(
            active_model="account.move", active_ids=invoice.ids,
        ).create({"journal_id": invoice.journal_id.id, "reason": reason})
        wizard.reverse_moves()
        by_hand = wizard.new_move_ids
        lines = by_hand.invoice_line_ids
        chair = lines.filtered(lambda line: line.product_id == self.product)
        by_hand.write({"invoice_line_ids": [Command.update(chair.id, {"quantity": chairs})]
                       + [Command.delete(line.id) for line in lines - chair]})
        by_hand.action_post()
        return by_hand

    def test_a_credit_made_by_hand_for_the_return_counts_against_it(self):
        order, invoice = self._invoiced_sale()
        rma = self._received_return(order, [(self.product, 2, {})])
        # 1 of the 2 returned chairs credited with the invoice's Credit Note button, the reason naming the return.
        self._credit_by_hand(invoice, 1, reason=f"Return {rma.name}")
        self.env.flush_all()
        line = rma.line_ids
        self.assertEqual((line.credited_qty, line.credit_status, line.credit_anomaly_twice), (1.0, "to_credit", False))
        rma.action_draft_credit_notes()
        self.assertEqual(rma.credit_note_ids.invoice_line_ids.quantity, 1.0, "only the chair left is credited")
        rma.credit_note_ids.action_post()
        self.env.flush_all()
        self.assertEqual((line.credited_qty, line.credit_anomaly_twice), (2.0, False), "2 returned, 2 credited")
        self.assertNotEqual(line.credit_status, "to_credit")
        with self.assertRaisesRegex(UserError, "Nothing to credit now"):
            rma.action_draft_credit_notes()

    def test_a_credit_by_hand_after_the_returns_own_shows_as_credited_twice(self):
        order, invoice = self._invoiced_sale()
        rma = self._received_return(order, [(self.product, 2, {})])
        rma.action_draft_credit_notes()
        rma.credit_note_ids.action_post()
        self.env.flush_all()
        self.assertFalse(rma.line_ids.credit_anomaly_twice)
        # The accountant, unaware, credits one more chair by hand for the same return: 3 for 2 returned.
        self._credit_by_hand(invoice, 1, reason=f"Return {rma.name}")
        self.env.flush_all()
        self.assertEqual(rma.line_ids.credited_qty, 3.0)
        self.assertTrue(rma.line_ids.credit_anomaly_twice, "the workspace flags it as credited twice")

    def test_a_reversal_of_the_invoice_line_naming_no_return_is_not_credited_again(self):
        order, invoice = self._invoiced_sale()
        rma = self._received_return(order, [(self.product, 2, {})])
        self._credit_by_hand(invoice, 1, reason="Chair returned to the shop")
        rma.action_draft_credit_notes()
        self.assertEqual(rma.credit_note_ids.invoice_line_ids.quantity, 1.0,
                         "the reversal of the same invoice line for the same chairs counts: 1 is left")
        # Another return of the same invoice is not charged with a credit named after the first one.
        other = self._received_return(order, [(self.product, 1, {})])
        self.assertEqual(other.line_ids.credited_qty, 0.0)

    def test_credit_waits_for_the_policy_moment(self):
        order, _invoice = self._invoiced_sale()
        rma = self._return_from_sale(order, [(self.product, 1, {})])
        self._approve(rma)
        with self.assertRaisesRegex(UserError, "not due yet"):
            rma.action_draft_credit_notes()
        self.policy.credit_moment = "approval"
        rma.action_draft_credit_notes()
        self.assertEqual(rma.line_ids.credited_qty, 1.0, "drop-off refunds: credited on approval")
        # Cancelled before the goods came back: the draft credit note is cancelled with it.
        rma.action_cancel()
        self.assertEqual(rma.credit_note_ids.state, "cancel")
        self.assertEqual(rma.line_ids.credited_qty, 0.0)

    def test_the_restocking_fee_is_a_line_of_its_own_on_its_account(self):
        self.policy.restocking_fee_percent = 10.0
        fee_product = self.env["product.product"].create({"name": "Restocking fee", "type": "service"})
        self.company.return_restocking_fee_product_id = fee_product
        order, _invoice = self._invoiced_sale()
        rma = self._received_return(order, [(self.product, 2, {"reason_id": self.reason_changed.id})])
        rma.action_draft_credit_notes()
        refund = rma.credit_note_ids
        goods = refund.invoice_line_ids.filtered(lambda line: line.product_id == self.product)
        fee = refund.invoice_line_ids.filtered(lambda line: line.product_id == fee_product)
        self.assertEqual(goods.price_subtotal, 180.0)
        self.assertEqual((fee.price_subtotal, fee.tax_ids), (-18.0, self.tax), "10 % of the credited value")
        self.assertEqual(refund.amount_untaxed, 162.0)
        self.assertEqual(rma.line_ids.credited_qty, 2.0, "the fee line is no credited quantity")

    def test_the_restocking_fee_is_a_percentage_plus_an_amount_per_unit_or_the_reasons_own(self):
        self.policy.write({"restocking_fee_percent": 10.0, "restocking_fee_fixed": 5.0})
        order, _invoice = self._invoiced_sale()
        rma = self._received_return(order, [(self.product, 2, {"reason_id": self.reason_changed.id})])
        self.assertEqual(rma.line_ids.restocking_fee_amount, 28.0, "10 % of 180 and 5 per chair")
        rma.action_draft_credit_notes()
        fee = rma.credit_note_ids.invoice_line_ids.filtered(lambda line: line.return_credit_kind == "restocking_fee")
        self.assertEqual(fee.price_subtotal, -28.0)
        opened = self.env["return.reason"].create({"name": "Opened packaging", "restocking_fee_override": True,
                                                   "restocking_fee_percent": 5.0})
        other = self._received_return(order, [(self.product, 1, {"reason_id": opened.id})])
        self.assertEqual(other.line_ids.restocking_fee_amount, 4.5, "the reason's own 5 %, though no customer fault")
        with self.assertRaisesRegex(ValidationError, "between 0 and 100"):
            opened.restocking_fee_percent = 120.0
        with self.assertRaisesRegex(ValidationError, "per unit of Test policy cannot be negative"):
            self.policy.restocking_fee_fixed = -1.0

    def test_a_line_without_a_posted_invoice_is_refused_and_nothing_is_drafted(self):
        order, _invoice = self._invoiced_sale()
        uninvoiced = self._deliver_sale(self.customer, [(self.product_b, 1)])
        rma = self._received_return(order, [(self.product, 1, {})])
        other = self._received_return(uninvoiced, [(self.product_b, 1, {})])
        with self.assertRaisesRegex(UserError, "has no posted invoice to credit"):
            (rma | other).action_draft_credit_notes()
        self.assertFalse((rma | other).credit_note_ids, "one line refused: nothing drafted for the others either")
        rma.action_draft_credit_notes()
        self.assertEqual(rma.line_ids.credited_qty, 1.0)

    def test_after_inspection_each_unit_is_credited_its_grades_share(self):
        self.policy.write({"credit_moment": "inspection", "inspection_required": True})
        grade_b = self.env.ref("reverse_logistics.grade_b")
        grade_b.credit_percent = 90.0
        order, _invoice = self._invoiced_sale()
        rma = self._received_return(order, [(self.product, 2, {})])
        with self.assertRaisesRegex(UserError, "not due yet"):
            rma.action_draft_credit_notes()
        for inspection in rma.inspection_ids:
            inspection.answer_ids.result = "pass"
            inspection.grade_id = grade_b
            inspection.action_done()
        rma.action_draft_credit_notes()
        refund = rma.credit_note_ids
        goods = refund.invoice_line_ids.filtered(lambda line: line.product_id == self.product)
        condition = refund.invoice_line_ids.filtered(lambda line: line.name.startswith("Condition on return"))
        self.assertEqual(goods.price_subtotal, 180.0)
        self.assertAlmostEqual(condition.price_subtotal, -18.0, msg="grade B: 90 % credited")
        self.assertEqual(refund.amount_untaxed, 162.0)

    def test_a_line_credited_in_parts_deducts_each_units_own_grade_once(self):
        self.policy.write({"credit_moment": "inspection", "inspection_required": True})
        self.env.ref("reverse_logistics.grade_a").credit_percent = 100.0
        self.env.ref("reverse_logistics.grade_c").credit_percent = 70.0
        order, _invoice = self._invoiced_sale()
        rma = self._received_return(order, [(self.product, 2, {})])
        # The two chairs are inspected one after the other.
        first = rma.inspection_ids
        second = first.copy({"quantity": 1.0})
        first.quantity = 1.0
        for inspection, grade in ((first, "grade_a"), (second, "grade_c")):
            inspection.answer_ids.result = "pass"
            inspection.grade_id = self.env.ref(f"reverse_logistics.{grade}")
            inspection.action_done()
            rma.action_draft_credit_notes()
        conditions = rma.credit_note_ids.invoice_line_ids.filtered(lambda line: line.return_credit_kind == "condition")
        self.assertEqual(len(rma.credit_note_ids), 2)
        self.assertEqual(conditions.mapped("price_subtotal"), [-27.0],
                         "the A chair is credited in full, the C chair 70 % of its 90: 27 withheld once")
        self.assertEqual(sum(rma.credit_note_ids.mapped("amount_untaxed")), 153.0)

    def test_no_credit_note_in_a_locked_period(self):
        order, invoice = self._invoiced_sale()
        rma = self._received_return(order, [(self.product, 1, {})])
        self.company.sale_lock_date = fields.Date.today()
        with self.assertRaisesRegex(UserError, "locked until"):
            rma.action_draft_credit_notes()
        self.assertFalse(rma.credit_note_ids)

    def test_returns_users_draft_accountants_post(self):
        order, _invoice = self._invoiced_sale()
        rma = self._received_return(order, [(self.product, 1, {})])
        clerk = self.env["res.users"].create({
            "name": "Returns clerk", "login": "rl_credit_clerk", "email": "clerk@example.com",
            "groups_id": [Command.set([self.env.ref("reverse_logistics.group_returns_user").id,
                                       self.env.ref("stock.group_stock_user").id])],
        })
        action = rma.with_user(clerk).action_draft_credit_notes()
        self.assertEqual(action["tag"], "display_notification", "no credit note opened for a clerk who may not read it")
        self.assertIn("Drafted for the accountants to post", action["params"]["message"])
        refund = rma.credit_note_ids
        self.assertEqual(refund.state, "draft")
        with self.assertRaises(AccessError):
            refund.with_user(clerk).action_post()


@tagged("post_install", "-at_install")
class TestCreditRace(BaseCase):
    """Two people draft the credit of the same return at the same moment: one credit note results."""

    @without_error_log
    def test_two_transactions_credit_a_line_once(self):
        let_worker_threads_in(self)
        tag = uuid.uuid4().hex[:8]
        with transaction() as env:
            product = returnable_product(env, f"Credit widget {tag}", credit_moment="receipt")
            partner = env["res.partner"].create({"name": f"Credit customer {tag}"})
            order = _deliver(env, partner, product, 1)
            order._create_invoices().action_post()
            rma = env["return.order"].create({"partner_id": partner.id, "sale_order_id": order.id, "line_ids": [
                Command.create({"product_id": product.id, "product_uom_qty": 1})]})
            ReturnsCase._approve_and_receive(rma)
            return_id = rma.id

        def draft(env):
            return env["return.order"].browse(return_id).action_draft_credit_notes()

        outcome = race(draft, draft)
        self.assertNotIsInstance(outcome["first"], Exception, outcome)
        self.assertIsInstance(outcome["second"], UserError, outcome)
        self.assertIn("Nothing to credit now", str(outcome["second"]))
        with transaction() as env:
            refunds = env["return.order"].browse(return_id).credit_note_ids
            self.assertEqual(len(refunds), 1)
            self.assertEqual(refunds.invoice_line_ids.quantity, 1.0)
