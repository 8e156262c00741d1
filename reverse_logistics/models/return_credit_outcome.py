# pylint: disable=consider-merging-classes-inherited
# What becomes of a return's credit note once an accountant posts it: one business concept across the policy,
# the return and the credit note.
"""Posting a return's credit note: checked again, then applied as the return says.

Drafts can be edited by accountants before they are posted, so what the drafting checked is checked
again at posting, under the same lock: the customer, the company and the currency are the invoice's,
no invoice line is credited beyond what it invoiced, no return line beyond what was returned, and a
cancelled return is not credited.

Outcomes:
- *Apply to the invoice*: the credit is reconciled with what is still open on the invoice it reverses;
  anything above stays on the customer's account.
- *Refund payment*: the same, then what remains is paid back through the journal the invoice was paid
  with (an outbound payment, reconciled with the credit note).
- *Store credit*: the posted credit note stays outstanding on the customer, as Odoo proposes it on their
  next invoice.
"""

from collections import defaultdict

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare

from .return_states import ABANDONED_STATES

CREDIT_OUTCOMES = [
    ("invoice", "Apply to the invoice"),
    ("payment", "Refund payment"),
    ("store_credit", "Store credit"),
]


class ReturnPolicy(models.Model):
    _inherit = "return.policy"

    credit_outcome = fields.Selection(
        CREDIT_OUTCOMES, required=True, default="payment",
        help="What a posted credit note does: reduce what is still open on the invoice (any rest stays on the "
        "customer's account), pay the customer back through the journal the invoice was paid with, or stay as "
        "store credit for the next invoice.",
    )


class ReturnOrder(models.Model):
    _inherit = "return.order"

    credit_outcome = fields.Selection(
        CREDIT_OUTCOMES, compute="_compute_credit_outcome", store=True, readonly=False,
        groups="base.group_user",
        help="What the credit notes of this return do once posted; from its policy, or as agreed with the customer.",
    )

    @api.depends("line_ids.policy_id.credit_outcome")
    def _compute_credit_outcome(self):
        for order in self:
            if not order.credit_outcome:
                order.credit_outcome = order.line_ids.policy_id[:1].credit_outcome or "payment"


    def _portal_credits(self):
        """What the customer is told of their refund: the posted credit notes of this return only (never a
        draft an accountant may still change), each with its total and what became of it."""
        self.ensure_one()
        # sudo: portal customers read the credit notes of their own return (checked by the portal controller).
        credit_notes = self.sudo().line_ids.credit_line_ids.move_id.filtered(
            lambda move: move.state == "posted" and move.move_type == "out_refund")
        shown = []
        for move in credit_notes.sorted(lambda m: (m.invoice_date or m.date, m.id)):
            paid_back = move._get_reconciled_payments() or move._get_reconciled_statement_lines()
            if move.currency_id.is_zero(move.amount_residual):
                status = (self.env._("Paid back") if paid_back else
                          self.env._("Deducted from your invoice %s", move.reversed_entry_id.name or ""))
            elif paid_back or move.payment_state == "partial":
                status = self.env._("Partly settled, %s still to come", move.currency_id.format(move.amount_residual))
            else:
                status = self.env._("Available as credit on your next invoice")
            shown.append({"name": move.name, "date": move.invoice_date, "status": status,
                          "amount": move.currency_id.format(move.amount_total)})
        return shown


class AccountMove(models.Model):
    _inherit = "account.move"

    return_credit_outcome = fields.Selection(
        CREDIT_OUTCOMES, copy=False, groups="base.group_user",
        help="Set on credit notes of returns: what posting does with the credit (see the return's outcome).",
    )

    def _post(self, soft=True):
        of_returns = self.sudo().filtered(lambda move: move.invoice_line_ids.return_line_id)
        exchange_invoices = of_returns.filtered(lambda move: move.move_type == "out_invoice" and set(
            move.invoice_line_ids.filtered("return_line_id").mapped("return_credit_kind")) == {"exchange"})
        return_credits = of_returns - exchange_invoices
        if return_credits:
            return_credits._check_return_credits()
        posted = super()._post(soft=soft)
        return_credits = return_credits.filtered(lambda move: move in posted and move.state == "posted")
        if not (return_credits or exchange_invoices):
            return posted
        # The goods sent in exchange are invoiced when their returned goods are credited, not later.
        pending_exchanges = return_credits.invoice_line_ids.return_line_id.credit_line_ids.filtered(
            lambda line: line.return_credit_kind == "exchange" and line.parent_state == "draft").move_id
        if pending_exchanges:
            pending_exchanges.with_env(self.env)._post(soft=False)
        settled = (return_credits | exchange_invoices | pending_exchanges).filtered(lambda m: m.state == "posted")
        settled._reconcile_return_exchanges()
        if return_credits:
            return_credits.with_env(self.env)._apply_return_credit_outcomes()
        return posted

    def _reconcile_return_exchanges(self):
        """Credit notes of exchanged goods pay the invoices of the goods sent instead, return by return."""
        for order in self.invoice_line_ids.return_line_id.order_id:
            moves = order.line_ids.credit_line_ids.move_id.filtered(lambda m: m.state == "posted")
            if not moves.filtered(lambda m: m.move_type == "out_invoice") or not moves.filtered(
                    lambda m: m.move_type == "out_refund"):
                continue
            receivable = moves.line_ids.filtered(
                lambda line: line.account_id.account_type == "asset_receivable" and not line.reconciled)
            for _account, lines in receivable.grouped("account_id").items():
                if len(lines.move_id) > 1 and lines.filtered(lambda line: line.move_id.move_type == "out_invoice"):
                    lines.reconcile()

    def _check_return_credits(self):
        """Every problem of these credit notes of returns at once; nothing is posted when there is one."""
        Return = self.env["return.order"]
        credit_lines = self.invoice_line_ids.filtered("return_line_id")
        Return._lock_credit_sources([*credit_lines.return_credited_line_id,
                                     *credit_lines.filtered(lambda c: not c.return_credited_line_id).return_line_id])
        problems = []
        for move in self:
            lines = credit_lines.filtered(lambda c, m=move: c.move_id == m)
            orders = lines.return_line_id.order_id
            invoice = move.reversed_entry_id
            if move.move_type != "out_refund":
                problems.append(self.env._("%s is not a customer credit note: returns are credited by credit notes.",
                                           move.display_name))
            if orders.commercial_partner_id != move.commercial_partner_id:
                problems.append(self.env._("%(move)s is for %(partner)s, but credits returns of %(customers)s.",
                                           move=move.display_name, partner=move.commercial_partner_id.display_name,
                                           customers=", ".join(orders.commercial_partner_id.mapped("display_name"))))
            if orders.company_id != move.company_id:
                problems.append(self.env._("%s credits returns of another company.", move.display_name))
            expected_currency = invoice.currency_id if invoice else orders.currency_id
            if move.currency_id != expected_currency:
                problems.append(self.env._(
                    "%(move)s is in %(currency)s but credits %(origin)s in %(expected)s: credit in the invoice's "
                    "currency.", move=move.display_name, currency=move.currency_id.name,
                    origin=invoice.display_name if invoice else ", ".join(orders.mapped("name")),
                    expected=", ".join(expected_currency.mapped("name"))))
            abandoned = orders.filtered(lambda order: order.state in ABANDONED_STATES)
            if abandoned:
                problems.append(self.env._("%(move)s credits %(returns)s, which was refused or cancelled: cancel "
                                           "the credit note.", move=move.display_name,
                                           returns=", ".join(abandoned.mapped("name"))))
            foreign = lines.return_credited_line_id.move_id - invoice
            if foreign:
                problems.append(self.env._("%(move)s credits lines of %(invoices)s, not of the invoice it reverses.",
                                           move=move.display_name,
                                           invoices=", ".join(foreign.mapped("display_name"))))
        problems += self._return_credit_quantity_problems(credit_lines)
        if problems:
            raise UserError("\n".join(problems))

    def _return_credit_quantity_problems(self, credit_lines):
        """No invoice line credited beyond what it invoiced, no return line beyond what was returned, counting
        every credit note that is not cancelled (these ones included), in one query."""
        sources = credit_lines.return_credited_line_id
        return_lines = credit_lines.return_line_id
        others = self.env["account.move.line"].search([
            "|", ("return_credited_line_id", "in", sources.ids), ("return_line_id", "in", return_lines.ids),
            ("return_credit_kind", "=", "goods"), ("parent_state", "!=", "cancel"), ("move_id", "not in", self.ids),
        ])
        per_source = defaultdict(float)
        per_return_line = defaultdict(float)
        for credit in (others | credit_lines).filtered(lambda c: c.return_credit_kind == "goods"):
            if credit.return_credited_line_id:
                source = credit.return_credited_line_id
                per_source[source] += credit.product_uom_id._compute_quantity(credit.quantity, source.product_uom_id)
            line = credit.return_line_id
            per_return_line[line] += credit.product_uom_id._compute_quantity(credit.quantity, line.product_id.uom_id)
        problems = []
        for source, quantity in per_source.items():
            if source in sources and float_compare(
                    quantity, source.quantity, precision_rounding=source.product_uom_id.rounding) > 0:
                problems.append(self.env._(
                    "%(product)s of %(invoice)s: %(quantity)s credited in all, %(invoiced)s invoiced.",
                    product=source.product_id.display_name, invoice=source.move_id.display_name, quantity=quantity,
                    invoiced=source.quantity))
        for line, quantity in per_return_line.items():
            if line in return_lines and float_compare(
                    quantity, line.product_uom_qty, precision_rounding=line.product_id.uom_id.rounding) > 0:
                problems.append(self.env._("%(line)s: %(quantity)s credited in all, %(returned)s returned.",
                                           line=line.display_name, quantity=quantity, returned=line.product_uom_qty))
        return problems

    # ------------------------------------------------------------------
    def _apply_return_credit_outcomes(self):
        """Apply the posted credit notes of returns to their invoices, then refund what is due, per journal."""
        to_apply = self.filtered(lambda move: move.return_credit_outcome in ("invoice", "payment"))
        for refund in to_apply:
            refund._reconcile_with_reversed_invoice()
        to_refund = to_apply.filtered(
            lambda move: move.return_credit_outcome == "payment" and not move.currency_id.is_zero(move.amount_residual))
        by_method = defaultdict(lambda: self.env["account.move"])
        unpaid = self.env["account.move"]
        for refund in to_refund:
            journal, method_line = refund._return_refund_method()
            if journal:
                by_method[journal, method_line] |= refund
            else:
                unpaid |= refund
        for (journal, method_line), refunds in by_method.items():
            self.env["account.payment.register"].with_context(
                active_model="account.move", active_ids=refunds.ids,
            ).create(refunds._prepare_return_refund_payment_values(journal, method_line))._create_payments()
        # sudo: the accountant posting may not have the Returns app; the notes are written in their name.
        bodies = defaultdict(list)
        for refund in self.sudo():
            body = refund._return_credit_outcome_message(refund in unpaid)
            for order in refund.invoice_line_ids.return_line_id.order_id:
                bodies[order.id].append(body)
        self.env["return.order"].sudo().browse(list(bodies))._message_log_batch(
            bodies={order_id: Markup("<br/>").join(texts) for order_id, texts in bodies.items()},
            author_id=self.env.user.partner_id.id,
        )

    def _reconcile_with_reversed_invoice(self):
        self.ensure_one()
        invoice = self.reversed_entry_id
        if not invoice or invoice.state != "posted" or invoice.currency_id.is_zero(invoice.amount_residual):
            return
        receivable = (self.line_ids | invoice.line_ids).filtered(
            lambda line: line.account_id.account_type == "asset_receivable" and not line.reconciled
            and line.partner_id.commercial_partner_id == self.commercial_partner_id)
        for _account, lines in receivable.grouped("account_id").items():
            if self in lines.move_id and invoice in lines.move_id:
                lines.reconcile()

    def _return_refund_method(self):
        """(journal, outbound payment method line) the customer is refunded through: the bank or cash journal
        the reversed invoice was paid through, and there the outbound method of the payment's own method
        (e.g. card back to card) when the journal has one. Empty journal: no payment to follow."""
        self.ensure_one()
        Journal, MethodLine = self.env["account.journal"], self.env["account.payment.method.line"]
        invoice = self.reversed_entry_id
        if not invoice:
            return Journal, MethodLine
        payment = invoice._get_reconciled_payments().sorted("id")[-1:]
        journal = payment.journal_id or invoice._get_reconciled_statement_lines()[-1:].journal_id
        outbound = journal._get_available_payment_method_lines("outbound") if journal else MethodLine
        if not outbound:
            return Journal, MethodLine
        same = outbound.filtered(lambda line: line.code == payment.payment_method_line_id.code)
        return journal, same[:1] or outbound[:1]

    def _prepare_return_refund_payment_values(self, journal, method_line):
        """Values of the payment register that refunds these credit notes through ``journal`` and
        ``method_line``; override to choose another method or a grouped payment."""
        return {"journal_id": journal.id, "payment_method_line_id": method_line.id, "group_payment": False,
                "payment_date": fields.Date.context_today(self)}

    def _return_credit_outcome_message(self, no_payment_found):
        """What became of this posted credit note, for the chatter of its returns."""
        self.ensure_one()
        if self.return_credit_outcome == "store_credit" or no_payment_found:
            body = self.env._("%(move)s posted: %(amount)s stays as store credit on %(partner)s.",
                              move=self.display_name, amount=self.currency_id.format(self.amount_residual),
                              partner=self.commercial_partner_id.display_name)
            if no_payment_found and self.return_credit_outcome == "payment":
                body = self.env._("%(move)s posted: the invoice was not paid through a bank or cash journal, so "
                                  "%(amount)s could not be refunded automatically: register the refund payment on "
                                  "the credit note.", move=self.display_name,
                                  amount=self.currency_id.format(self.amount_residual))
        else:
            body = self.env._("%(move)s posted and %(state)s.", move=self.display_name,
                              state=dict(self._fields["payment_state"]._description_selection(self.env)).get(
                                  self.payment_state, self.payment_state))
        return body
