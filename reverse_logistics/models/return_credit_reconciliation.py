# pylint: disable=consider-merging-classes-inherited
# The accountants' side of return credits: one business concept across the models it reads.
"""Reconciliation workspace of return credits: one row per refund line of a return.

Each row tells what its policy says is due now, what was drafted, posted, applied to invoices and paid
out, in the company currency and untaxed (deductions are credit-note lines of their own), and flags what
an accountant must explain before closing the month. Amounts and flags are stored so that the list,
pivot and graph group and sum them; only what depends on today's date or on documents that do not link
to the return (credit notes naming it in their reference) is computed when searched.
"""

from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.osv import expression
from odoo.tools import SQL, float_compare, float_is_zero
from odoo.tools.safe_eval import safe_eval

from .return_credit import credit_note_words
from .return_states import ABANDONED_STATES

ACCOUNTING_GROUPS = "account.group_account_invoice,account.group_account_readonly"
CREDIT_STATUSES = [
    ("not_due", "Not Due Yet"),
    ("to_credit", "To Credit"),
    ("nothing_due", "Nothing to Credit"),
    ("drafted", "Drafted"),
    ("credited", "Credited"),
    ("partial", "Partly Reconciled"),
    ("reconciled", "Reconciled"),
    ("refunded", "Refunded"),
    ("disputed", "Disputed"),
]
# Moves whose matching with a credit note means money went back to the customer.
PAYMENT_LIKE = ("payment", "statement")


class ResCompany(models.Model):
    _inherit = "res.company"

    return_credit_overdue_days = fields.Integer(
        "Credit Overdue After (days)", default=14, groups="base.group_user",
        help="A refund line whose credit is due (by its policy: approval, receipt or inspection) and not posted "
        "this many days later is flagged on the accounting dashboard.",
    )

    _sql_constraints = [
        ("return_credit_overdue_days_positive", "CHECK(return_credit_overdue_days >= 0)",
         "The days after which a return credit is overdue cannot be negative."),
    ]


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    return_credit_overdue_days = fields.Integer(related="company_id.return_credit_overdue_days", readonly=False)


class ReturnOrderLine(models.Model):
    _inherit = "return.order.line"

    company_currency_id = fields.Many2one(related="company_id.currency_id", string="Company Currency",
                                          groups=ACCOUNTING_GROUPS)
    credit_source_line_id = fields.Many2one(
        "account.move.line", "Refunded Invoice Line", compute="_compute_credit_source", store=True,
        groups=ACCOUNTING_GROUPS, help="The posted customer invoice line this line is credited from.",
    )
    credit_journal_id = fields.Many2one(
        "account.journal", "Sales Journal", compute="_compute_credit_source", store=True, index="btree_not_null",
        groups=ACCOUNTING_GROUPS,
        help="Journal of the refunded invoice (else the company's first sales journal): the dashboard card the "
        "line is counted on.",
    )
    credit_receipt_date = fields.Date(
        "Received On", compute="_compute_credit_dates", store=True, groups=ACCOUNTING_GROUPS,
        help="When the last unit of this line was received.",
    )
    credit_due_date = fields.Date(
        "Credit Due On", compute="_compute_credit_dates", store=True, groups=ACCOUNTING_GROUPS,
        help="When the policy made the credit due: approval, receipt or inspection date.",
    )
    credit_due_qty = fields.Float(
        "Due Qty", digits="Product Unit of Measure", compute="_compute_credit_reconciliation", store=True,
        groups=ACCOUNTING_GROUPS, help="Quantity the policy says is due for credit now.",
    )
    credit_posted_qty = fields.Float(
        "Posted Qty", digits="Product Unit of Measure", compute="_compute_credit_reconciliation", store=True,
        groups=ACCOUNTING_GROUPS,
    )
    credit_expected_amount = fields.Monetary(
        "Expected Credit", currency_field="company_currency_id", compute="_compute_credit_reconciliation",
        store=True, groups=ACCOUNTING_GROUPS,
        help="Untaxed credit the policy says is due now: the due quantity at the invoiced net price, less the "
        "restocking fee and the condition deduction, as the credit note would be drafted.",
    )
    credit_drafted_amount = fields.Monetary(
        "Drafted", currency_field="company_currency_id", compute="_compute_credit_reconciliation", store=True,
        groups=ACCOUNTING_GROUPS,
    )
    credit_posted_amount = fields.Monetary(
        "Posted", currency_field="company_currency_id", compute="_compute_credit_reconciliation", store=True,
        groups=ACCOUNTING_GROUPS,
    )
    credit_reconciled_amount = fields.Monetary(
        "Applied to Invoices", currency_field="company_currency_id", compute="_compute_credit_reconciliation",
        store=True, groups=ACCOUNTING_GROUPS,
        help="The line's share of its posted credit notes matched with customer invoices.",
    )
    credit_refunded_amount = fields.Monetary(
        "Paid Out", currency_field="company_currency_id", compute="_compute_credit_reconciliation", store=True,
        groups=ACCOUNTING_GROUPS,
        help="The line's share of its posted credit notes matched with outgoing payments or bank transactions.",
    )
    credit_outstanding = fields.Boolean(
        "Credit Not Posted", compute="_compute_credit_reconciliation", store=True, groups=ACCOUNTING_GROUPS,
        help="Less is posted than the policy says is due.",
    )
    credit_status = fields.Selection(
        CREDIT_STATUSES, compute="_compute_credit_reconciliation", store=True, index=True,
        groups=ACCOUNTING_GROUPS,
    )
    credit_disputed = fields.Boolean(
        readonly=True, copy=False, groups=ACCOUNTING_GROUPS,
        help="Set and cleared by accountants with a reason logged on the return.",
    )
    credit_anomaly_not_received = fields.Boolean(
        "Credited Before Receipt", compute="_compute_credit_reconciliation", store=True, groups=ACCOUNTING_GROUPS,
        help="More is credited on posted credit notes than was received, under a policy crediting on receipt or "
        "later, or on a return abandoned before its goods came back.",
    )
    credit_anomaly_amount = fields.Boolean(
        "Amount Differs From Policy", compute="_compute_credit_reconciliation", store=True,
        groups=ACCOUNTING_GROUPS,
        help="The credit notes credit another amount than the policy gives for their quantity.",
    )
    credit_anomaly_twice = fields.Boolean(
        "Credited Twice", compute="_compute_credit_reconciliation", store=True, groups=ACCOUNTING_GROUPS,
        help="More is credited than returned, or the invoice line is credited beyond what it invoiced "
        "(counting credit notes of the invoice that do not link to a return).",
    )
    credit_anomaly_partner = fields.Boolean(
        "Credited to Another Customer", compute="_compute_credit_reconciliation", store=True,
        groups=ACCOUNTING_GROUPS,
        help="A credit note of this line is another customer's than the return's.",
    )
    credit_anomaly_customs = fields.Boolean(
        "Customs Taxes Not Booked", compute="_compute_credit_anomaly_customs", store=True,
        groups=ACCOUNTING_GROUPS,
        help="Customs notified duties or taxes on this return and no customs bill books them.",
    )
    credit_anomaly_unlinked = fields.Boolean(
        "Unlinked Credit Note", compute="_compute_credit_anomaly_unlinked", search="_search_credit_anomaly_unlinked",
        groups=ACCOUNTING_GROUPS,
        help="A credit note names this return in its reference or origin but none of its lines links to it.",
    )
    credit_overdue = fields.Boolean(
        compute="_compute_credit_overdue", search="_search_credit_overdue",
        groups=ACCOUNTING_GROUPS,
        help="Due and not posted for longer than the company allows (Settings: credit overdue after).",
    )

    def _get_flow_fields(self):
        # Disputes go through their actions, with a reason on the return's chatter.
        return super()._get_flow_fields() | {"credit_disputed"}

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------
    @api.depends("invoice_line_id", "sale_line_id.invoice_lines.parent_state", "company_id")
    def _compute_credit_source(self):
        sale_journals = {}
        companies = self.company_id
        if companies:
            for journal in self.env["account.journal"].search(
                [("type", "=", "sale"), ("company_id", "in", companies.ids)], order="sequence, id"
            ):
                sale_journals.setdefault(journal.company_id, journal)
        for line in self:
            credited = line.requested_outcome == "refund" or line._is_priced_exchange()
            source = line._credit_source_line() if credited else line.invoice_line_id
            line.credit_source_line_id = source
            line.credit_journal_id = source.move_id.journal_id or sale_journals.get(line.company_id, False)

    @api.depends("policy_id.credit_moment", "order_id.date_approved", "move_ids.state", "move_ids.date",
                 "inspection_ids.state", "inspection_ids.date_inspected")
    def _compute_credit_dates(self):
        for line in self:
            received = line.move_ids.filtered(lambda m: m.state == "done").mapped("date")
            inspected = line.inspection_ids.filtered(lambda i: i.state == "done").mapped("date_inspected")
            line.credit_receipt_date = fields.Date.to_date(max(received)) if received else False
            moment = line.policy_id.credit_moment or "inspection"
            due = {
                "approval": line.order_id.date_approved,
                "receipt": max(received) if received else False,
                "inspection": max(inspected) if inspected else False,
            }[moment]
            line.credit_due_date = fields.Date.to_date(due) if due else False

    @api.depends(
        "state", "requested_outcome", "product_uom_qty", "qty_received", "restocking_fee_amount",
        "policy_id.credit_moment", "inspection_ids.state", "inspection_ids.quantity",
        "inspection_ids.grade_id.credit_percent", "order_id.partner_id.commercial_partner_id",
        "credit_source_line_id", "credit_disputed",
        "credit_line_ids.parent_state", "credit_line_ids.quantity", "credit_line_ids.balance",
        "credit_line_ids.price_subtotal", "credit_line_ids.move_id.commercial_partner_id",
        "credit_line_ids.move_id.amount_residual", "credit_line_ids.move_id.payment_state",
        "credit_line_ids.move_id.matched_payment_ids.state",
        "credit_source_line_id.move_id.reversal_move_ids.state",
        "credit_source_line_id.move_id.reversal_move_ids.invoice_line_ids.quantity",
    )
    def _compute_credit_reconciliation(self):
        settlement = self._credit_settlement()
        beyond_invoiced = self._credit_sources_beyond_invoiced()
        hand_drafted = set()
        by_hand = self._credit_hand_quantities(drafted=hand_drafted)
        for line in self:
            if not line.product_id:
                # A line being typed in a form: nothing to credit yet.
                line.update({
                    "credit_due_qty": 0.0, "credit_posted_qty": 0.0, "credit_expected_amount": 0.0,
                    "credit_drafted_amount": 0.0, "credit_posted_amount": 0.0, "credit_reconciled_amount": 0.0,
                    "credit_refunded_amount": 0.0, "credit_outstanding": False, "credit_status": "not_due",
                    "credit_anomaly_not_received": False, "credit_anomaly_twice": False,
                    "credit_anomaly_amount": False, "credit_anomaly_partner": False,
                })
                continue
            uom = line.product_id.uom_id
            rounding = uom.rounding
            source = line.credit_source_line_id
            # The invoice of a product sent in exchange is a sale, not a credit of this line.
            credit_lines = line.credit_line_ids.filtered(
                lambda c: c.parent_state != "cancel" and c.return_credit_kind != "exchange")
            drafted = credit_lines.filtered(lambda c: c.parent_state == "draft")
            posted = credit_lines.filtered(lambda c: c.parent_state == "posted")
            due_qty = line._credit_due_qty()
            # Credits made by hand for this line count too: it is not to credit again, and over-credited shows.
            own_qty = line._credit_quantity(credit_lines)
            credited_qty = own_qty + by_hand.get(line.id, 0.0)
            posted_qty = line._credit_quantity(posted)
            posted_amount = sum(posted.mapped("balance"))
            reconciled = refunded = 0.0
            for move, lines in posted.grouped("move_id").items():
                untaxed = sum(lines.mapped("balance"))
                reconciled += untaxed * settlement[move]["invoice"]
                refunded += untaxed * settlement[move]["payment"]
            currency = line.company_id.currency_id
            line.credit_due_qty = due_qty
            line.credit_posted_qty = posted_qty
            line.credit_expected_amount = line._credit_policy_amount(source, due_qty, company_currency=True)
            line.credit_drafted_amount = sum(drafted.mapped("balance"))
            line.credit_posted_amount = posted_amount
            line.credit_reconciled_amount = currency.round(reconciled)
            line.credit_refunded_amount = currency.round(refunded)
            hand_qty = credited_qty - own_qty
            # Credits made by hand count as drafted or posted alike; a rest worth nothing is not outstanding.
            outstanding = float_compare(posted_qty + hand_qty, due_qty, precision_rounding=rounding) < 0 \
                and not line._credit_worthless(source, due_qty - posted_qty - hand_qty)
            line.credit_outstanding = outstanding

            settled = currency.round(reconciled + refunded)
            if line.credit_disputed:
                status = "disputed"
            elif float_compare(credited_qty, due_qty, precision_rounding=rounding) < 0 \
                    and not line._credit_worthless(source, due_qty - credited_qty):
                status = "to_credit"
            elif drafted or line.id in hand_drafted:
                status = "drafted"
            elif not posted:
                status = ("credited" if not float_is_zero(hand_qty, precision_rounding=rounding)
                          else "nothing_due" if not float_is_zero(due_qty, precision_rounding=rounding)
                          else "not_due")
            elif currency.is_zero(settled):
                status = "credited"
            elif currency.compare_amounts(settled, posted_amount) < 0:
                status = "partial"
            else:
                status = "refunded" if not currency.is_zero(refunded) else "reconciled"
            line.credit_status = status

            moment = line.policy_id.credit_moment or "inspection"
            line.credit_anomaly_not_received = (
                (moment != "approval" or line.state in ABANDONED_STATES)
                and float_compare(posted_qty, line.qty_received, precision_rounding=rounding) > 0
            )
            line.credit_anomaly_twice = (
                float_compare(credited_qty, line.product_uom_qty, precision_rounding=rounding) > 0
                or source in beyond_invoiced
            )
            line.credit_anomaly_amount = bool(credit_lines) and line._credit_amount_differs(
                source, credit_lines, own_qty)
            customer = line.order_id.partner_id.commercial_partner_id
            line.credit_anomaly_partner = any(
                move.commercial_partner_id != customer for move in credit_lines.move_id
            ) or any(
                credited.move_id.commercial_partner_id != customer for credited in credit_lines.return_credited_line_id
            )

    @api.depends("order_id.customs_declaration_ids.state", "order_id.customs_declaration_ids.tax_assessment_ids.amount",
                 "order_id.customs_declaration_ids.cost_bill_id.state")
    def _compute_credit_anomaly_customs(self):
        for line in self:
            line.credit_anomaly_customs = any(
                declaration.state not in ("rejected", "cancelled")
                and any(declaration.tax_assessment_ids.mapped("amount"))
                and (not declaration.cost_bill_id or declaration.cost_bill_id.state == "cancel")
                for declaration in line.order_id.customs_declaration_ids
            )

    def _compute_credit_anomaly_unlinked(self):
        flagged = self._credit_unlinked_line_ids(self.ids)
        for line in self:
            line.credit_anomaly_unlinked = line.id in flagged

    def _search_credit_anomaly_unlinked(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Search unlinked credit notes with “is set” or “is not set” only."))
        return [("id", "in" if (operator == "=") == value else "not in", list(self._credit_unlinked_line_ids()))]

    def _compute_credit_overdue(self):
        today = fields.Date.context_today(self)
        for line in self:
            days = line.company_id.sudo().return_credit_overdue_days
            line.credit_overdue = bool(
                line.credit_outstanding and not line.credit_disputed and line.credit_due_date
                and line.credit_due_date <= today - timedelta(days=days)
            )

    def _search_credit_overdue(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Search overdue credits with “is set” or “is not set” only."))
        today = fields.Date.context_today(self)
        # One threshold per company: each company says after how many days a credit is overdue.
        companies = (self.env.user.company_ids | self.env.companies).sudo()
        domain = expression.AND([
            [("credit_outstanding", "=", True), ("credit_disputed", "=", False)],
            expression.OR([
                [("company_id", "=", company.id),
                 ("credit_due_date", "<=", today - timedelta(days=company.return_credit_overdue_days))]
                for company in companies
            ]),
        ])
        return domain if (operator == "=") == value else ["!", *expression.normalize_domain(domain)]

    # ------------------------------------------------------------------
    # Helpers of the computes (batched: one query per batch of lines)
    # ------------------------------------------------------------------
    def _credit_quantity(self, credit_lines):
        """Quantity of ``credit_lines`` that credit the goods (not the deduction lines), in the product's unit."""
        self.ensure_one()
        return sum(
            credit.product_uom_id._compute_quantity(credit.quantity, self.product_id.uom_id)
            for credit in credit_lines if credit.return_credit_kind == "goods"
        )

    def _credit_subtotal(self, source, price_unit, quantity, discount=0.0):
        """Untaxed amount of a credit-note line derived from ``source``, computed as Odoo computes it."""
        AccountTax = self.env["account.tax"]
        base_line = AccountTax._prepare_base_line_for_taxes_computation(
            source, price_unit=price_unit, quantity=quantity, discount=discount,
            rate=source.move_id.invoice_currency_rate, sign=1, special_mode=False,
        )
        AccountTax._add_tax_details_in_base_line(base_line, source.company_id)
        return source.currency_id.round(base_line["tax_details"]["raw_total_excluded_currency"])

    def _credit_policy_parts(self, source, quantity):
        """Untaxed amounts, in the invoice's currency, of the lines the policy credits for ``quantity``
        (product unit): the goods, then each deduction. The very ``_prepare_*`` hooks that draft the credit
        note decide the deductions, so both sides agree."""
        self.ensure_one()
        if not self.product_id or float_is_zero(quantity, precision_rounding=self.product_id.uom_id.rounding):
            return []
        if not source:
            # Credited at the price a returns manager set, in the return's (the company's) currency.
            return [self.currency_id.round(self.credit_price_unit * quantity)] if self.credit_price_unit else []
        order = self.order_id
        qty = self.product_id.uom_id._compute_quantity(quantity, source.product_uom_id, round=False)
        parts = [self._credit_subtotal(source, source.price_unit, qty, source.discount)]
        for values in (order._prepare_restocking_fee_values(self, source, qty),
                       order._prepare_grade_deduction_values(self, source, qty)):
            if values:
                parts.append(self._credit_subtotal(source, values["price_unit"], values["quantity"]))
        return parts

    def _credit_worthless(self, source, quantity):
        """Is crediting ``quantity`` more of this refund worth nothing (free goods, a fee or a grade taking the
        whole value)? Then no credit note is to draft. A line without invoice nor price is not: a returns
        manager prices it; nor an exchange, whose product sent is still to invoice."""
        self.ensure_one()
        if self.requested_outcome != "refund" or not (source or self.credit_price_unit) or quantity <= 0:
            return False
        currency = source.currency_id or self.currency_id
        return currency.is_zero(self._credit_policy_amount(source, quantity))

    def _credit_policy_amount(self, source, quantity, company_currency=False):
        amount = sum(self._credit_policy_parts(source, quantity))
        if not company_currency:
            return amount
        rate = source.move_id.invoice_currency_rate if source else 1.0
        return self.company_id.currency_id.round(amount / rate if rate else amount)

    def _credit_amount_differs(self, source, credit_lines, credited_qty):
        """Do ``credit_lines`` credit another untaxed amount than the policy gives for their quantity?

        Compared in the invoice's currency, so that exchange rates move nothing; each line is rounded on
        its own, hence one rounding unit of tolerance per line.
        """
        # The return shipping is the return's, deducted once on one of its lines: checked when drafted.
        credit_lines = credit_lines.filtered(lambda c: c.return_credit_kind != "return_shipping")
        currency = source.currency_id or self.currency_id
        expected = self._credit_policy_parts(source, credited_qty)
        credited = sum(credit_lines.mapped("price_subtotal"))
        tolerance = currency.rounding * max(len(credit_lines), len(expected))
        return abs(credited - sum(expected)) > tolerance + currency.rounding / 2

    def _credit_settlement(self):
        """{posted credit note: {"invoice": share matched with invoices, "payment": share paid out}}."""
        notes = self.credit_line_ids.move_id.filtered(lambda m: m.state == "posted")
        shares = defaultdict(lambda: {"invoice": 0.0, "payment": 0.0})
        receivables = notes.line_ids.filtered(
            lambda aml: aml.account_id.account_type in ("asset_receivable", "liability_payable"))
        for own in receivables:
            note = own.move_id
            total = abs(note.amount_total_signed)
            if not total:
                continue
            for partial in own.matched_debit_ids | own.matched_credit_ids:
                other = partial.debit_move_id if partial.credit_move_id == own else partial.credit_move_id
                move = other.move_id
                kind = "payment" if (move.origin_payment_id or move.statement_line_id) else "invoice"
                shares[note][kind] += partial.amount / total
        # Payments without a journal entry (journals without an outstanding account) settle by their link alone.
        for note in notes:
            total = abs(note.amount_total_signed)
            for payment in note.matched_payment_ids:
                if total and not payment.move_id and payment.state in ("in_process", "paid"):
                    shares[note]["payment"] += abs(payment.amount_company_currency_signed) / total
        return shares

    def _credit_sources_beyond_invoiced(self):
        """Invoice lines of these rows credited beyond what they invoiced, by the returns' credit notes and by
        credit notes of the same invoice and product that link to no return (a reversal made by hand)."""
        sources = self.credit_source_line_id
        if not sources:
            return sources
        credit_lines = self.env["account.move.line"].search([
            ("move_id.move_type", "=", "out_refund"),
            ("parent_state", "!=", "cancel"),
            ("display_type", "=", "product"),
            "|",
            ("return_credited_line_id", "in", sources.ids),
            "&", "&",
            ("return_line_id", "=", False),
            ("move_id.reversed_entry_id", "in", sources.move_id.ids),
            ("product_id", "in", sources.product_id.ids),
        ])
        by_invoice_product = defaultdict(lambda: sources.browse())
        for source in sources:
            by_invoice_product[source.move_id, source.product_id] |= source
        credited = defaultdict(float)
        for credit in credit_lines:
            targets = credit.return_credited_line_id or by_invoice_product[credit.move_id.reversed_entry_id,
                                                                              credit.product_id][:1]
            for source in targets:
                credited[source] += credit.product_uom_id._compute_quantity(credit.quantity, source.product_uom_id)
        return sources.filtered(lambda s: float_compare(
            credited[s], s.quantity, precision_rounding=s.product_uom_id.rounding) > 0)

    def _credit_unlinked_line_ids(self, line_ids=None):
        """Refund lines of returns named by a credit note (reference or origin) none of whose lines links to
        that return: a credit note typed by hand, the return forgotten.

        The credit notes' references are cut into words and joined to the returns' names by equality (a hash
        join), rather than each name looked for in each reference: the dashboard counts this on every load.
        A name counts as a word of its own: RMA/0001 is not named by a reference to RMA/00012.
        """
        if line_ids is not None and not line_ids:
            return set()
        self.env["account.move"].flush_model(["move_type", "state", "ref", "invoice_origin", "company_id",
                                              "reversed_entry_id"])
        self.env["account.move.line"].flush_model(["return_line_id", "move_id"])
        self.flush_model(["order_id", "requested_outcome", "exchange_product_id"])
        self.env["return.order"].flush_model(["name", "company_id"])
        self.env.cr.execute(SQL(
            """
            WITH word AS (%s)
            SELECT DISTINCT rol.id
              FROM word
              JOIN return_order ro ON upper(ro.name) = word.name AND ro.company_id = word.company_id
              JOIN return_order_line rol ON rol.order_id = ro.id
                   AND (rol.requested_outcome = 'refund' OR rol.exchange_product_id IS NOT NULL)
             WHERE NOT EXISTS (
                   SELECT 1 FROM account_move_line aml
                     JOIN return_order_line linked ON linked.id = aml.return_line_id
                    WHERE aml.move_id = word.move_id AND linked.order_id = ro.id) %s
            """,
            credit_note_words(SQL("TRUE")),
            SQL("AND rol.id IN %s", tuple(line_ids)) if line_ids is not None else SQL(""),
        ))
        return {line_id for (line_id,) in self.env.cr.fetchall()}

    # ------------------------------------------------------------------
    # Disputes
    # ------------------------------------------------------------------
    def _check_credit_accountant(self):
        if not self.env.user.has_group("account.group_account_invoice"):
            raise AccessError(self.env._("Only accountants (Invoicing rights) dispute or settle return credit_lines."))

    def action_credit_dispute(self):
        return self._open_credit_dispute_wizard(True)

    def action_credit_undispute(self):
        return self._open_credit_dispute_wizard(False)

    def _open_credit_dispute_wizard(self, dispute):
        self._check_credit_accountant()
        lines = self.filtered(lambda line: line.credit_disputed != dispute)
        if not lines:
            raise UserError(self.env._("These credits are disputed already.") if dispute
                            else self.env._("These credits are not disputed."))
        wizard = self.env["return.credit.dispute.wizard"].create({
            "line_ids": [fields.Command.set(lines.ids)], "dispute": dispute,
        })
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Dispute Credit") if dispute else self.env._("Settle Dispute"),
            "res_model": wizard._name,
            "res_id": wizard.id,
            "view_mode": "form",
            "target": "new",
        }

    def _set_credit_disputed(self, dispute, reason):
        """Mark or clear the dispute of these lines, the reason logged on each return.

        sudo: accountants read returns without writing them; the dispute is theirs to set, nothing else.
        """
        self._check_credit_accountant()
        reason = (reason or "").strip()
        if not reason:
            raise UserError(self.env._("Give the reason: it is logged on the return."))
        lines = self.filtered(lambda line: line.credit_disputed != dispute)
        lines.sudo()._flow_write({"credit_disputed": dispute})
        for order, order_lines in lines.grouped("order_id").items():
            products = ", ".join(order_lines.product_id.mapped("display_name"))
            body = (self.env._("Credit disputed (%(products)s): %(reason)s", products=products, reason=reason)
                    if dispute else
                    self.env._("Credit dispute settled (%(products)s): %(reason)s", products=products, reason=reason))
            order.sudo().message_post(body=body, subtype_xmlid="mail.mt_note", author_id=self.env.user.partner_id.id)
        return lines


class AccountJournal(models.Model):
    _inherit = "account.journal"

    def _return_credit_dashboard_filters(self):
        """{filter of the workspace's search view: its domain}, counted on sales journal cards; the same
        domains as the search view's filters of these names."""
        return {
            "to_credit": [("credit_status", "=", "to_credit")],
            "anomaly_overdue": [("credit_overdue", "=", True)],
            "anomaly_not_received": [("credit_anomaly_not_received", "=", True)],
            "anomaly_amount": [("credit_anomaly_amount", "=", True)],
            "anomaly_twice": [("credit_anomaly_twice", "=", True)],
            "anomaly_unlinked": [("credit_anomaly_unlinked", "=", True)],
            "anomaly_partner": [("credit_anomaly_partner", "=", True)],
            "anomaly_customs": [("credit_anomaly_customs", "=", True)],
        }

    def _return_credit_workspace_domain(self):
        action = self.env.ref("reverse_logistics.action_return_credit").sudo()
        return safe_eval(action.domain or "[]")

    def _get_journal_dashboard_data_batched(self):
        dashboard_data = super()._get_journal_dashboard_data_batched()
        self._fill_return_credit_dashboard_data(dashboard_data)
        return dashboard_data

    def _fill_return_credit_dashboard_data(self, dashboard_data):
        """Per sales journal, how many return credits wait and how many anomalies remain to explain."""
        sale_journals = self.filtered(lambda journal: journal.type == "sale")
        for journal in self:
            dashboard_data[journal.id]["return_credits"] = {}
        if not sale_journals or not self.env.user.has_groups(ACCOUNTING_GROUPS):
            return
        Line = self.env["return.order.line"]
        base = expression.AND([
            self._return_credit_workspace_domain(),
            [("credit_journal_id", "in", sale_journals.ids)],
        ])
        for name, domain in self._return_credit_dashboard_filters().items():
            for journal, count in Line._read_group(expression.AND([base, domain]), ["credit_journal_id"], ["__count"]):
                dashboard_data[journal.id]["return_credits"][name] = count

    def action_open_return_credits(self):
        """The workspace filtered as the dashboard link says (context ``return_credit_filter``), on this journal."""
        self.ensure_one()
        name = self.env.context.get("return_credit_filter")
        if name not in self._return_credit_dashboard_filters():
            raise UserError(self.env._("Unknown return credit filter: %s", name))
        action = self.env["ir.actions.act_window"]._for_xml_id("reverse_logistics.action_return_credit")
        action["context"] = {f"search_default_{name}": 1, "search_default_credit_journal_id": self.id}
        return action
