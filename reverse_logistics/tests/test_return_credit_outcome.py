"""What posting a return's credit note does (apply, refund, store credit), what posting refuses, credits of
returns without an invoice, and the return shipping the customer pays."""

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from .test_return_credit import CreditCase

CHAIR_CREDIT = 103.5  # one chair: 100 less 10 % discount, plus 15 % tax


@tagged("post_install", "-at_install")
class TestReturnCreditOutcome(CreditCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bank = cls.env["account.journal"].search(
            [*cls.env["account.journal"]._check_company_domain(cls.company), ("type", "=", "bank")], limit=1)
        cls.accountant = cls.env["res.users"].create({
            "name": "Accountant", "login": "rl_outcome_accountant", "email": "accountant@example.com",
            "groups_id": [Command.set([cls.env.ref("account.group_account_invoice").id])],
        })
        cls.clerk = cls.env["res.users"].create({
            "name": "Returns clerk", "login": "rl_outcome_clerk", "email": "clerk@example.com",
            "groups_id": [Command.set([cls.env.ref("reverse_logistics.group_returns_user").id])],
        })
        cls.manager = cls.env["res.users"].create({
            "name": "Returns manager", "login": "rl_outcome_manager", "email": "manager@example.com",
            "groups_id": [Command.set([cls.env.ref("reverse_logistics.group_returns_manager").id])],
        })

    def _pay(self, invoice):
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids,
        ).create({"journal_id": self.bank.id})._create_payments()
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))

    def _drafted_credit(self, outcome, paid):
        order, invoice = self._invoiced_sale()
        if paid:
            self._pay(invoice)
        rma = self._received_return(order, [(self.product, 1, {})])
        rma.credit_outcome = outcome
        rma.with_user(self.clerk).action_draft_credit_notes()
        refund = rma.credit_note_ids
        self.assertEqual((refund.state, refund.return_credit_outcome, refund.amount_total),
                         ("draft", outcome, CHAIR_CREDIT))
        return rma, invoice, refund

    def test_applied_to_the_open_invoice_by_an_accountant(self):
        rma, invoice, refund = self._drafted_credit("invoice", paid=False)
        refund.with_user(self.accountant).action_post()
        self.assertEqual(refund.state, "posted")
        self.assertTrue(refund.currency_id.is_zero(refund.amount_residual), "the whole credit is applied")
        self.assertAlmostEqual(invoice.amount_residual, 402.5 - CHAIR_CREDIT,
                               msg="the customer owes the invoice less the credit")
        self.assertIn(refund, invoice.line_ids.matched_credit_ids.credit_move_id.move_id, "reconciled with the invoice")
        self.assertIn(f"{refund.display_name} posted", rma.message_ids[0].body,
                      "the return says what became of its credit, though the accountant has no Returns rights")

    def test_refunded_through_the_journal_the_invoice_was_paid_with(self):
        _rma, invoice, refund = self._drafted_credit("payment", paid=True)
        refund.action_post()
        payment = refund._get_reconciled_payments()
        self.assertEqual(len(payment), 1, "one refund payment, reconciled with the credit note")
        self.assertEqual((payment.payment_type, payment.partner_type, payment.journal_id, payment.amount),
                         ("outbound", "customer", self.bank, CHAIR_CREDIT))
        paid_with = invoice._get_reconciled_payments().payment_method_line_id
        self.assertEqual(payment.payment_method_line_id.code, paid_with.code, "back the way it was paid")
        self.assertIn(refund.payment_state, ("paid", "in_payment"))
        self.assertIn(invoice.payment_state, ("paid", "in_payment"), "the invoice stays paid")

    def test_a_refund_of_an_unpaid_invoice_reduces_what_is_owed_and_pays_nothing_out(self):
        _rma, invoice, refund = self._drafted_credit("payment", paid=False)
        refund.action_post()
        self.assertFalse(refund._get_reconciled_payments(), "nothing was paid: nothing is paid back")
        self.assertAlmostEqual(invoice.amount_residual, 402.5 - CHAIR_CREDIT)
        self.assertTrue(refund.currency_id.is_zero(refund.amount_residual))

    def test_store_credit_stays_on_the_customer_for_the_next_invoice(self):
        _rma, _invoice, refund = self._drafted_credit("store_credit", paid=True)
        refund.action_post()
        self.assertAlmostEqual(refund.amount_residual, CHAIR_CREDIT, msg="outstanding on the customer")
        self.assertFalse(refund._get_reconciled_payments())
        next_order, next_invoice = self._invoiced_sale()
        self.assertTrue(next_order)
        outstanding = next_invoice.invoice_outstanding_credits_debits_widget
        self.assertIn(refund.id, [credit["move_id"] for credit in outstanding["content"]],
                      "Odoo proposes the store credit on the customer's next invoice")

    def test_posting_checks_what_an_accountant_changed_on_the_draft(self):
        _rma, _invoice, refund = self._drafted_credit("invoice", paid=False)
        goods = refund.invoice_line_ids.filtered(lambda line: line.return_credit_kind == "goods")
        goods.quantity = 2.0
        with self.assertRaisesRegex(UserError, "2.0 credited in all, 1.0 returned"):
            refund.action_post()
        goods.quantity = 1.0
        refund.partner_id = self.other_customer
        with self.assertRaisesRegex(UserError, "credits returns of Kunde GmbH"):
            refund.action_post()
        refund.partner_id = self.customer
        other_currency = self.env.ref("base.CHF")
        other_currency.active = True
        refund.currency_id = other_currency
        with self.assertRaisesRegex(UserError, "credit in the invoice's currency"):
            refund.action_post()
        self.assertEqual(refund.state, "draft", "nothing posted")
        refund.currency_id = self.company.currency_id
        refund.action_post()
        self.assertEqual(refund.state, "posted")

    def test_a_line_without_invoice_is_credited_at_a_managers_price(self):
        uninvoiced = self._deliver_sale(self.customer, [(self.product_b, 2)])
        rma = self._received_return(uninvoiced, [(self.product_b, 2, {})])
        line = rma.line_ids
        with self.assertRaisesRegex(UserError, "returns manager sets its credit price"):
            rma.action_draft_credit_notes()
        with self.assertRaises(AccessError):
            self.env["return.credit.price.wizard"].with_user(self.clerk).create(
                {"return_line_id": line.id, "price_unit": 1000.0, "justification": "generous"})
        with self.assertRaisesRegex(UserError, "cannot change any more|cannot be set by hand"):
            line.with_user(self.manager).write({"credit_price_unit": 1000.0})
        wizard = Form(self.env["return.credit.price.wizard"].with_user(self.manager).with_context(
            default_return_line_id=line.id))
        wizard.price_unit = -5.0
        wizard.justification = "Paid cash in the shop, receipt 4711"
        with self.assertRaisesRegex(UserError, "must be above zero"):
            wizard.save().action_apply()
        wizard.price_unit = 35.0
        wizard.save().action_apply()
        self.assertEqual((line.credit_price_unit, line.credit_price_user_id), (35.0, self.manager))
        self.assertIn("receipt 4711", rma.message_ids[0].body)

        rma.with_user(self.clerk).action_draft_credit_notes()
        refund = rma.credit_note_ids
        self.assertFalse(refund.reversed_entry_id)
        self.assertEqual((refund.move_type, refund.partner_id, refund.currency_id, refund.journal_id.type),
                         ("out_refund", self.customer, self.company.currency_id, "sale"))
        goods = refund.invoice_line_ids
        self.assertEqual((goods.product_id, goods.quantity, goods.price_unit, goods.return_credit_kind),
                         (self.product_b, 2.0, 35.0, "goods"))
        self.assertEqual(goods.tax_ids, self.product_b.taxes_id.filtered(lambda t: t.company_id == self.company),
                         "taxes of the product, as on an invoice typed by hand")
        self.assertEqual(goods.account_id, self.product_b.product_tmpl_id._get_product_accounts()["income"])
        refund.action_post()
        self.assertEqual(line.credited_qty, 2.0)
        self.assertEqual((line.credit_expected_amount, line.credit_posted_amount, line.credit_anomaly_amount),
                         (70.0, 70.0, False), "the workspace expects the manager's price")
        with self.assertRaisesRegex(UserError, "Nothing to credit now"):
            rma.action_draft_credit_notes()
        with self.assertRaisesRegex(UserError, "has a credit note already"):
            self.env["return.credit.price.wizard"].with_user(self.manager).create(
                {"return_line_id": line.id, "price_unit": 50.0, "justification": "more"}).action_apply()

    def test_the_return_shipping_the_customer_pays_is_deducted_once(self):
        shipping_product = self.env["product.product"].create({"name": "Return shipping", "type": "service"})
        self.company.return_shipping_fee_product_id = shipping_product
        self.policy.write({"return_shipping_payer": "customer", "return_shipping_fee": 7.5})
        # Chairs and lamps invoiced separately: their return is credited on two credit notes.
        order = self._deliver_sale(self.customer, [(self.product, 1), (self.product_b, 1)])
        order.order_line.tax_id = self.tax
        for product in (self.product, self.product_b):
            invoice = order._create_invoices()
            invoice.invoice_line_ids.filtered(lambda line, p=product: line.product_id != p).unlink()
            invoice.action_post()
        rma = self._received_return(order, [(self.product, 1, {}), (self.product_b, 1, {})])
        self.assertEqual((rma.return_shipping_payer, rma.return_shipping_fee), ("customer", 7.5))
        rma.action_draft_credit_notes()
        self.assertEqual(len(rma.credit_note_ids), 2, "one credit note per invoice")
        shipping = rma.credit_note_ids.invoice_line_ids.filtered(
            lambda line: line.return_credit_kind == "return_shipping")
        self.assertEqual(len(shipping), 1, "deducted once per return, not once per credit note")
        self.assertEqual((shipping.product_id, shipping.price_subtotal, shipping.tax_ids),
                         (shipping_product, -7.5, self.tax))
        self.assertEqual(rma.line_ids.mapped("credited_qty"), [1.0, 1.0], "the charge is no credited quantity")
        self.assertFalse(any(rma.line_ids.mapped("credit_anomaly_amount")), "the charge is the policy's")

    def test_charges_and_exchange_products_refuse_nonsense(self):
        for value in (-1.0, 1e12):
            with self.assertRaisesRegex(ValidationError, "must be a positive amount"):
                self.policy.return_shipping_fee = value
            with self.assertRaisesRegex(ValidationError, "cannot be negative"):
                self.policy.restocking_fee_fixed = value
        with self.assertRaises(ValueError, msg="Odoo's monetary fields refuse NaN themselves"):
            self.policy.return_shipping_fee = float("nan")
        service = self.env["product.product"].create({"name": "Extended warranty", "type": "service"})
        order, _invoice = self._invoiced_sale()
        with self.assertRaisesRegex(ValidationError, "cannot be sent in exchange"):
            self._return_from_sale(order, [(self.product, 1, {"requested_outcome": "exchange",
                                                              "exchange_product_id": service.id})])

    def test_the_company_pays_the_return_shipping_nothing_deducted(self):
        self.policy.write({"return_shipping_payer": "company", "return_shipping_fee": 7.5})
        order, _invoice = self._invoiced_sale()
        rma = self._received_return(order, [(self.product, 1, {})])
        self.assertEqual(rma.return_shipping_fee, 0.0)
        rma.action_draft_credit_notes()
        self.assertEqual(rma.credit_note_ids.amount_total, CHAIR_CREDIT)

    def _exchanged(self, exchange_product, paid=True):
        exchange_product.taxes_id = self.tax
        order, invoice = self._invoiced_sale()
        if paid:
            self._pay(invoice)
        rma = self._received_return(order, [(self.product, 1, {
            "requested_outcome": "exchange", "exchange_product_id": exchange_product.id})])
        rma.credit_outcome = "payment"
        rma.with_user(self.clerk).action_draft_credit_notes()
        refund = rma.credit_note_ids.filtered(lambda move: move.move_type == "out_refund")
        exchange_invoice = rma.credit_note_ids - refund
        self.assertEqual((refund.amount_total, exchange_invoice.move_type, exchange_invoice.state),
                         (CHAIR_CREDIT, "out_invoice", "draft"),
                         "the returned chair credited at its invoiced price, the new product invoiced")
        self.assertEqual(exchange_invoice.invoice_line_ids.return_credit_kind, "exchange")
        return rma, invoice, refund, exchange_invoice

    def test_an_exchange_for_a_dearer_product_invoices_the_difference(self):
        deluxe = self._create_product("Deluxe chair", list_price=150.0)
        rma, invoice, refund, exchange_invoice = self._exchanged(deluxe)
        self.assertEqual(rma.line_ids.exchange_price_unit, 150.0, "the sale order's pricelist price")
        self.assertEqual(exchange_invoice.amount_total, 172.5)
        refund.with_user(self.accountant).action_post()
        self.assertEqual(exchange_invoice.state, "posted", "posted with the credit of the goods it replaces")
        self.assertTrue(refund.currency_id.is_zero(refund.amount_residual))
        self.assertAlmostEqual(exchange_invoice.amount_residual, 172.5 - CHAIR_CREDIT,
                               msg="the customer pays the difference")
        self.assertFalse(refund._get_reconciled_payments(), "nothing to pay back")
        self.assertIn(invoice.payment_state, ("paid", "in_payment"), "the original invoice is left alone")
        self.assertEqual(rma.line_ids.credited_qty, 1.0)
        self.assertEqual((rma.line_ids.credit_posted_amount, rma.line_ids.credit_status,
                          rma.line_ids.credit_anomaly_amount), (90.0, "reconciled", False),
                         "in the workspace the chair is credited; the new chair's invoice is a sale")

    def test_an_exchange_for_a_cheaper_product_refunds_the_difference(self):
        lamp = self._create_product("Small lamp", list_price=40.0)
        _rma, _invoice, refund, exchange_invoice = self._exchanged(lamp)
        refund.action_post()
        self.assertTrue(exchange_invoice.currency_id.is_zero(exchange_invoice.amount_residual),
                        "the credit pays the new product")
        payment = refund._get_reconciled_payments()
        self.assertEqual((payment.payment_type, payment.amount), ("outbound", CHAIR_CREDIT - 46.0),
                         "the difference goes back to the customer")

    def test_a_like_for_like_exchange_has_nothing_to_credit(self):
        order, _invoice = self._invoiced_sale()
        rma = self._received_return(order, [(self.product, 1, {
            "requested_outcome": "exchange", "exchange_product_id": self.product.id})])
        with self.assertRaisesRegex(UserError, "Nothing to credit now"):
            rma.action_draft_credit_notes()
        with self.assertRaisesRegex(ValidationError, "is not an exchange"):
            rma.line_ids.sudo().write({"requested_outcome": "refund"})

    def test_an_accountant_confirms_many_credit_notes_at_once_each_with_its_outcome(self):
        drafted = [self._drafted_credit(outcome, paid=outcome != "invoice")
                   for outcome in ("invoice", "payment", "store_credit")]
        refunds = self.env["account.move"].union(*(refund for _rma, _invoice, refund in drafted))
        self.env["validate.account.move"].with_user(self.accountant).with_context(
            active_model="account.move", active_ids=refunds.ids,
        ).create({}).validate_move()
        self.assertEqual(set(refunds.mapped("state")), {"posted"})
        (_r1, applied_invoice, applied), (_r2, _i2, refunded), (_r3, _i3, stored) = drafted
        self.assertAlmostEqual(applied_invoice.amount_residual, 402.5 - CHAIR_CREDIT)
        self.assertEqual(refunded._get_reconciled_payments().amount, CHAIR_CREDIT)
        self.assertAlmostEqual(stored.amount_residual, CHAIR_CREDIT)
        self.assertTrue(applied.currency_id.is_zero(applied.amount_residual))
