# pylint: disable=consider-merging-classes-inherited
# Credit notes of returns: one business concept across the models it links (policy, return, invoice line).
"""Credit notes derived from the invoice lines being refunded, as Odoo's own reversal does.

A return line is credited at most once for what its policy says is due (on approval, on receipt or after
inspection), never beyond what its invoice line invoiced (counting every earlier credit of that line),
and always from that invoice line: same price, discount, taxes, fiscal position, accounts, analytic
distribution, journal and currency, the credit note's ``reversed_entry_id`` being the invoice.
"""

from collections import defaultdict

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, float_compare, float_is_zero

from .return_order_line_returnable import lock_sources
from .return_states import ABANDONED_STATES, LABEL_STATES

CREDIT_MOMENTS = [
    ("approval", "On approval"),
    ("receipt", "On receipt"),
    ("inspection", "After inspection"),
]
CREDIT_LOCK_MODEL = "credit:account.move.line"
# No fee of a return comes near this; beyond it a typo or a forged value, not a price.
FEE_LIMIT = 1e9
# What a credit-note line of a return is: the credited goods, or a deduction of its own.
CREDIT_LINE_KINDS = [
    ("goods", "Returned goods"),
    ("restocking_fee", "Restocking fee"),
    ("condition", "Condition on return"),
    ("return_shipping", "Return shipping"),
    ("exchange", "Product sent in exchange"),
]



def credit_note_words(where):
    """SQL of the words of customer credit notes (not cancelled) matching ``where`` (on ``move``): one row
    (move_id, company_id, reversed_entry_id, name) per word of their reference and origin, upper case, stripped
    of punctuation. How a credit note names a return, for the hand credits and the unlinked anomaly alike:
    RMA/0001 is not named by a reference to RMA/00012."""
    return SQL(
        """
        SELECT DISTINCT move.id AS move_id, move.company_id, move.reversed_entry_id,
               btrim(token, '()[]{}<>.,;:"''#') AS name
          FROM account_move move,
               regexp_split_to_table(upper(concat_ws(' ', move.ref, move.invoice_origin)), '[[:space:],;]+') token
         WHERE move.move_type = 'out_refund'
           AND move.state != 'cancel'
           AND (move.ref IS NOT NULL OR move.invoice_origin IS NOT NULL) AND %s
        """,
        where,
    )

class ReturnPolicy(models.Model):
    _inherit = "return.policy"

    credit_moment = fields.Selection(
        CREDIT_MOMENTS, "Credit", required=True, default="inspection",
        help="When the customer is credited: on approval (before the goods are back, as drop-off services do), "
        "on receipt, or after inspection (the safe default for graded goods).",
    )


    return_shipping_fee = fields.Monetary(
        "Return Shipping Charge", currency_field="currency_id",
        help="Deducted once from the credit of each return whose shipping the customer pays (see Return Shipping "
        "Paid By), on a credit-note line of its own.",
    )

    @api.constrains("return_shipping_fee")
    def _check_return_shipping_fee(self):
        for policy in self:
            # Written so that NaN fails too.
            if not 0 <= policy.return_shipping_fee < FEE_LIMIT:
                raise ValidationError(self.env._("The return shipping charge of %s must be a positive amount.",
                                                 policy.name))


class ReturnGrade(models.Model):
    _inherit = "return.grade"

    credit_percent = fields.Float(
        "Credit (%)", digits=(5, 2), default=100.0,
        help="Share of the refunded value credited for a unit inspected with this grade, under policies that "
        "credit after inspection; the rest is deducted on a credit-note line of its own.",
    )

    _sql_constraints = [
        ("credit_percent_range", "CHECK(credit_percent BETWEEN 0 AND 100)",
         "The credit of a grade is between 0 and 100 % of the refunded value."),
    ]


class ResCompany(models.Model):
    _inherit = "res.company"

    return_restocking_fee_product_id = fields.Many2one(
        "product.product", "Restocking Fee Product", groups="base.group_user",
        help="Service product of the restocking-fee line deducted on credit notes of returns, with its own income "
        "account so that revenue reports stay clean. Empty: the line goes to the refunded line's account.",
    )
    return_shipping_fee_product_id = fields.Many2one(
        "product.product", "Return Shipping Product", groups="base.group_user",
        help="Service product of the return-shipping line deducted on credit notes of returns the customer ships "
        "at their cost, with its own income account. Empty: the line goes to the refunded line's account.",
    )


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    return_line_id = fields.Many2one(
        "return.order.line", index="btree_not_null", copy=False, readonly=True, groups="base.group_user",
        help="The return line this credit note line credits.",
    )
    return_credited_line_id = fields.Many2one(
        "account.move.line", "Credited Invoice Line", index="btree_not_null", copy=False, readonly=True,
        groups="base.group_user",
        help="The invoice line a return's credit note line credits: no line is credited beyond what it invoiced.",
    )
    return_credit_kind = fields.Selection(
        CREDIT_LINE_KINDS, "Return Credit", copy=False, readonly=True, groups="base.group_user",
        help="What this line of a return's credit note is: the returned goods, or a deduction from their credit.",
    )


class ReturnOrderLine(models.Model):
    _inherit = "return.order.line"

    credit_line_ids = fields.One2many("account.move.line", "return_line_id", "Credit Note Lines", readonly=True,
                                      groups="base.group_user")
    credited_qty = fields.Float(
        "Credited", digits="Product Unit of Measure", compute="_compute_credited_qty", groups="base.group_user",
        help="Quantity on credit notes of this line that are not cancelled, drafts included.",
    )

    credit_price_unit = fields.Monetary(
        "Credit Price", currency_field="currency_id", readonly=True, copy=False, groups="base.group_user",
        help="Unit price a returns manager set to credit a line that has no posted invoice to derive it from.",
    )
    credit_price_user_id = fields.Many2one("res.users", "Credit Price Set By", readonly=True, copy=False,
                                           groups="base.group_user")

    def _get_flow_fields(self):
        # Set through Set Credit Price only, by a returns manager.
        return super()._get_flow_fields() | {"credit_price_unit", "credit_price_user_id"}

    @api.depends("credit_line_ids.quantity", "credit_line_ids.parent_state")
    def _compute_credited_qty(self):
        by_hand = self._credit_hand_quantities()
        for line in self:
            line.credited_qty = line._credit_own_qty() + by_hand.get(line.id, 0.0)

    def _credit_own_qty(self):
        """Goods quantity on this line's own credit notes (drafted by the return) that are not cancelled."""
        self.ensure_one()
        return sum(
            credit.product_uom_id._compute_quantity(credit.quantity, self.product_id.uom_id)
            for credit in self.sudo().credit_line_ids
            if credit.parent_state != "cancel" and credit.return_credit_kind == "goods"
        )

    def _credit_hand_quantities(self, drafted=None):
        """{return line id: quantity (product unit) credited for it by hand}, for refund lines of these returns.

        A credit note made outside the returns (the invoice's Credit Note button, a credit note typed by hand)
        credits a return's goods when it names the return in its reference or origin (as the unlinked-credit-note
        anomaly reads them), or when it reverses the invoice the line is refunded from, for the same product.
        A named credit counts in full (so that crediting more than returned shows as credited twice); a reversal
        naming no return counts only up to what the line has left to credit: it may be for other units.
        ``drafted``, a set, receives the ids of the lines some of whose hand credit is still a draft.
        """
        lines = self.filtered(lambda line: line.id and line.product_id and (
            line.requested_outcome == "refund" or line._is_priced_exchange()))
        if not lines:
            return {}
        invoices = lines.sudo().mapped(lambda line: line._credit_source_line()).move_id
        named = self.env["return.order"]._credit_moves_naming_returns(lines.order_id.ids, invoices.ids)
        hand = self.env["account.move.line"].sudo().search([
            ("move_id.move_type", "=", "out_refund"),
            ("parent_state", "!=", "cancel"),
            ("display_type", "=", "product"),
            ("return_line_id", "=", False),
            ("product_id", "in", lines.product_id.ids),
            "|", ("move_id", "in", list(named)), ("move_id.reversed_entry_id", "in", invoices.ids),
        ], order="id")
        if not hand:
            return {}
        # Every line a hand credit may be for, whichever return: the answer must not depend on the batch asked.
        named_orders = set().union(*named.values())
        pool = (lines | self.sudo().search([
            ("product_id", "in", lines.product_id.ids),
            ("state", "not in", ABANDONED_STATES),
            "|", ("requested_outcome", "=", "refund"), ("exchange_product_id", "!=", False),
            "|", ("order_id", "in", list(named_orders)), ("credit_source_line_id.move_id", "in", invoices.ids),
        ])).sudo().sorted("id")
        sources = {line.id: line._credit_source_line() for line in pool}
        left = {line.id: line.product_uom_qty - line._credit_own_qty() for line in pool}
        counted = defaultdict(float)
        # Named credits first: they say which return they are for; reversals take what is left after them.
        for credit in hand.sorted(lambda c: (c.move_id.id not in named, c.id)):
            if credit.move_id.id in named:
                # Named returns only: a credit naming another return is that return's.
                orders = named[credit.move_id.id]
                candidates = pool.filtered(lambda line, orders=orders, credit=credit: line.order_id.id in orders
                                           and line.product_id == credit.product_id)
                capped = False
            else:
                candidates = pool.filtered(lambda line, credit=credit: line.product_id == credit.product_id
                                           and sources[line.id].move_id == credit.move_id.reversed_entry_id)
                capped = True
            quantity = credit.product_uom_id._compute_quantity(credit.quantity, credit.product_id.uom_id)
            for index, line in enumerate(candidates):
                last = index == len(candidates) - 1
                share = quantity if last and not capped else min(quantity, max(left[line.id] - counted[line.id], 0.0))
                counted[line.id] += share
                quantity -= share
                if drafted is not None and share and credit.parent_state == "draft":
                    drafted.add(line.id)
                if float_is_zero(quantity, precision_rounding=line.product_id.uom_id.rounding):
                    break
        return {line.id: counted[line.id] for line in lines if line.id in counted}

    def _credit_due_qty(self):
        """What the policy says is due for credit now, in the product's unit."""
        self.ensure_one()
        if not (self.requested_outcome == "refund" or self._is_priced_exchange()) or self.state in ABANDONED_STATES:
            return 0.0
        moment = self.policy_id.credit_moment or "inspection"
        if moment == "approval":
            return self.product_uom_qty if self.state in LABEL_STATES else 0.0
        if moment == "receipt":
            return self.qty_received
        return sum(self.inspection_ids.filtered(lambda i: i.state == "done").mapped("quantity"))

    def _credit_source_line(self):
        """The posted customer invoice line this line is refunded from: its own, or its sale line's latest."""
        self.ensure_one()
        if self.invoice_line_id:
            return self.invoice_line_id
        invoiced = self.sale_line_id.invoice_lines.filtered(
            lambda il: il.move_id.move_type == "out_invoice" and il.parent_state == "posted"
        )
        return invoiced.sorted(lambda il: (il.move_id.invoice_date or fields.Date.today(), il.id))[-1:]


class ReturnOrder(models.Model):
    _inherit = "return.order"

    return_shipping_fee = fields.Monetary(
        "Return Shipping Charge", compute="_compute_return_shipping_fee", store=True, groups="base.group_user",
        help="Deducted once from this return's credit when the customer pays the return shipping.",
    )

    credit_note_ids = fields.Many2many("account.move", compute="_compute_credit_note_ids",
                                       groups="base.group_user", string="Credit Notes")
    credit_note_count = fields.Integer(compute="_compute_credit_note_ids", groups="base.group_user")

    @api.depends("return_shipping_payer", "line_ids.policy_id.return_shipping_fee")
    def _compute_return_shipping_fee(self):
        for order in self:
            order.return_shipping_fee = max(order.line_ids.policy_id.mapped("return_shipping_fee") or [0.0]) \
                if order.return_shipping_payer == "customer" else 0.0

    @api.depends("line_ids.credit_line_ids")
    def _compute_credit_note_ids(self):
        for order in self:
            moves = order.sudo().line_ids.credit_line_ids.move_id
            order.credit_note_ids = moves
            order.credit_note_count = len(moves)

    @api.model
    def _credit_moves_naming_returns(self, order_ids, invoice_ids=(), move_ids=None):
        """{credit note id: {ids of the returns it names}}: credit notes (not cancelled) naming one of
        ``order_ids`` in their reference or origin, and credit notes reversing ``invoice_ids`` that name any
        return; with ``move_ids``, the returns these credit notes name. Names are read as words, as the
        unlinked-credit-note anomaly reads them: RMA/0001 is not named by a reference to RMA/00012."""
        if move_ids is None and not order_ids and not invoice_ids:
            return {}
        self.env["account.move"].flush_model(["move_type", "state", "ref", "invoice_origin", "company_id",
                                              "reversed_entry_id"])
        self.flush_model(["name", "company_id"])
        self.env.cr.execute(SQL(
            """
            WITH word AS (%s)
            SELECT word.move_id, ro.id
              FROM word
              JOIN return_order ro ON upper(ro.name) = word.name AND ro.company_id = word.company_id
             WHERE %s
            """,
            # Only credit notes that may name these returns are cut into words: the rest is skipped by strpos.
            credit_note_words(SQL("move.id = ANY(%s)", list(move_ids)) if move_ids is not None else SQL(
                """(move.reversed_entry_id = ANY(%s)
                    OR EXISTS (SELECT 1 FROM return_order named
                                WHERE named.id = ANY(%s)
                                  AND strpos(upper(concat_ws(' ', move.ref, move.invoice_origin)),
                                             upper(named.name)) > 0))""",
                list(invoice_ids), list(order_ids))),
            SQL("TRUE") if move_ids is not None else SQL(
                "ro.id = ANY(%s) OR word.reversed_entry_id = ANY(%s)", list(order_ids), list(invoice_ids)),
        ))
        named = defaultdict(set)
        for move_id, order_id in self.env.cr.fetchall():
            named[move_id].add(order_id)
        return dict(named)

    def action_view_credit_notes(self):
        self.ensure_one()
        return self.credit_note_ids._get_records_action(name=self.env._("Credit Notes"))

    # ------------------------------------------------------------------
    @api.model
    def _lock_credit_sources(self, records):
        """Serialise credits of the same invoice lines, or of the same return lines credited without an
        invoice (see ``_lock_sources``: under REPEATABLE READ the second transaction fails on the upsert and
        Odoo runs it again on fresh data)."""
        lock_sources(self.env.cr, [(f"credit:{record._name}", record.id) for record in records])

    def _credit_plan(self):
        """[(return line, invoice line, quantity in the invoice line's unit)] still to credit, validated.

        Every refusal is collected first: nothing is drafted when one line cannot be credited.
        """
        problems = []
        plan = []
        lines = self.line_ids.filtered(lambda line: line.requested_outcome == "refund" or line._is_priced_exchange())
        sources = {line: line.sudo()._credit_source_line() for line in lines}
        already = defaultdict(float)  # invoice line -> quantity on earlier credits (any return), its unit
        # One query for the earlier credits of all these invoice lines, whichever return drafted them.
        previous = self.env["account.move.line"].sudo().search([
            ("return_credited_line_id", "in", [source.id for source in sources.values() if source]),
            ("parent_state", "!=", "cancel"),
        ])
        for credit in previous:
            source = credit.return_credited_line_id
            already[source] += credit.product_uom_id._compute_quantity(credit.quantity, source.product_uom_id)
        # Credit notes made by hand for these returns' goods count against them: only what is left is credited.
        by_hand = lines._credit_hand_quantities()
        sale_left = {}  # sale line -> quantity invoiced and not credited by any credit note, drafts included
        for line in lines:
            source = sources[line]
            due = line._credit_due_qty() - line._credit_own_qty() - by_hand.get(line.id, 0.0)
            if float_is_zero(due, precision_rounding=line.product_id.uom_id.rounding) or due < 0:
                continue
            if line._credit_worthless(source, due):
                continue  # the policy credits nothing for it: no credit note of 0.00
            if not source:
                if line.credit_price_unit > 0:
                    # No invoice to derive from: credited at the price a manager set, in the line's own unit.
                    plan.append((line, source, due))
                    continue
                problems.append(self.env._(
                    "%(line)s has no posted invoice to credit: refund it from an invoice, or a returns manager sets "
                    "its credit price (Set Credit Price on the line).", line=line.display_name))
                continue
            invoice = source.move_id
            if invoice.company_id != line.company_id:
                problems.append(self.env._("%(line)s: invoice %(invoice)s belongs to another company.",
                                           line=line.display_name, invoice=invoice.name))
                continue
            if invoice.commercial_partner_id != line.order_id.partner_id.commercial_partner_id:
                problems.append(self.env._("%(line)s: invoice %(invoice)s is another customer's.",
                                           line=line.display_name, invoice=invoice.name))
                continue
            lock_date = invoice.company_id._get_user_fiscal_lock_date(invoice.journal_id)
            if fields.Date.context_today(self) <= lock_date:
                problems.append(self.env._(
                    "%(line)s: the accounts of journal %(journal)s are locked until %(date)s: no credit note can be "
                    "dated today. Ask an adviser to reopen the period.",
                    line=line.display_name, journal=invoice.journal_id.name, date=lock_date))
                continue
            quantity = line.product_id.uom_id._compute_quantity(due, source.product_uom_id)
            remaining = source.quantity - already[source]
            if float_compare(quantity, remaining, precision_rounding=source.product_uom_id.rounding) > 0:
                problems.append(self.env._(
                    "%(line)s: %(qty)s to credit, but invoice %(invoice)s has only %(remaining)s of it left to "
                    "credit (%(invoiced)s invoiced, %(credited)s credited already).",
                    line=line.display_name, qty=quantity, invoice=invoice.name, remaining=max(remaining, 0.0),
                    invoiced=source.quantity, credited=already[source]))
                continue
            # Credit notes made outside the returns (the invoice's Credit Note button, the sale order's
            # invoicing) credit the sale line too: what it still has invoiced is the cap.
            sale_line = source.sale_line_ids[:1]
            if sale_line:
                sale_left.setdefault(sale_line, sale_line.qty_invoiced)
                sale_qty = source.product_uom_id._compute_quantity(quantity, sale_line.product_uom)
                if float_compare(sale_qty, sale_left[sale_line], precision_rounding=sale_line.product_uom.rounding) > 0:
                    problems.append(self.env._(
                        "%(line)s: %(order)s has only %(left)s of %(product)s invoiced and not credited: a credit note "
                        "was issued outside the returns (from the invoice or the sale order). Check it before "
                        "crediting again.", line=line.display_name, order=sale_line.order_id.name,
                        left=max(sale_left[sale_line], 0.0), product=sale_line.product_id.display_name))
                    continue
                sale_left[sale_line] -= sale_qty
            already[source] += quantity
            plan.append((line, source, quantity))
        if problems:
            raise UserError("\n".join(problems))
        return plan

    def _prepare_credit_note_values(self, invoice):
        """Header values of the credit note of ``invoice`` for these returns; override to add your own."""
        return {
            "ref": self.env._("Return %s", ", ".join(self.mapped("name"))),
            "invoice_origin": ", ".join(self.mapped("name")),
            "invoice_date": fields.Date.context_today(self),
            "date": fields.Date.context_today(self),
        }

    def _prepare_credit_line_values(self, return_line, invoice_line, quantity):
        """The credit line: the invoice line's business fields (price, discount, taxes, accounts, analytic,
        sale line), as Odoo's reversal copies them, for ``quantity``."""
        values = invoice_line.with_context(include_business_fields=True).copy_data({
            "quantity": quantity,
            "return_line_id": return_line.id,
            "return_credited_line_id": invoice_line.id,
        })[0]
        values.pop("move_id", None)
        return values

    def _prepare_restocking_fee_values(self, return_line, invoice_line, quantity):
        """The deduction of the line's restocking fee for ``quantity``, as a credit-note line of its own
        (None without a fee). Taxed as the refunded line: the fee lowers what that supply is credited.

        The fee is the return line's rate (its fee over its value) of the credited amount as invoiced: the
        return's value is neither in the invoice's currency nor in its tax convention (it is tax excluded),
        the invoice line's price is, so no conversion nor tax-included price can bend the percentage."""
        if not return_line.restocking_fee_amount or not return_line.price_subtotal:
            return None
        invoice = invoice_line.move_id
        rate = return_line.restocking_fee_amount / return_line.price_subtotal
        fee = invoice.currency_id.round(
            invoice_line.price_unit * (1.0 - invoice_line.discount / 100.0) * quantity * rate)
        if invoice.currency_id.is_zero(fee):
            return None
        product = invoice.company_id.return_restocking_fee_product_id
        values = {
            "name": self.env._("Restocking fee: %s", return_line.product_id.display_name),
            "quantity": 1.0,
            "price_unit": -fee,
            "tax_ids": [Command.set(invoice_line.tax_ids.ids)],
            "return_line_id": return_line.id,
        }
        if product:
            # Its income account is computed on the credit note, in the invoice's company and fiscal position.
            values["product_id"] = product.id
        else:
            values["account_id"] = invoice_line.account_id.id
        return values

    def _prepare_grade_deduction_values(self, return_line, invoice_line, quantity, credited_before=0.0):
        """What the inspected condition takes off the credit of ``quantity`` units, as a line of its own (None
        when nothing): each inspected unit is credited its grade's percentage, under policies crediting after
        inspection. The units credited now are the inspected ones after the ``credited_before`` first (product
        unit), in inspection order: a line credited in parts is deducted each unit's own grade once.

        Taken from the invoice line's discounted price, in its tax convention: the line is taxed as the
        credited one, so with taxes included a tax-excluded amount would withhold too little."""
        if (return_line.policy_id.credit_moment or "inspection") != "inspection" or not invoice_line.quantity:
            return None
        inspections = return_line.inspection_ids.filtered(lambda i: i.state == "done" and i.grade_id).sorted("id")
        product_uom = return_line.product_id.uom_id
        start = credited_before
        end = start + invoice_line.product_uom_id._compute_quantity(quantity, product_uom, round=False)
        withheld = 0.0  # units of the product's unit not credited, weighted by their grade
        graded = inspections.browse()
        position = 0.0
        for inspection in inspections:
            overlap = min(position + inspection.quantity, end) - max(position, start)
            if overlap > 0:
                withheld += overlap * (100.0 - inspection.grade_id.credit_percent) / 100.0
                graded |= inspection
            position += inspection.quantity
        withheld = product_uom._compute_quantity(withheld, invoice_line.product_uom_id, round=False)
        deduction = invoice_line.currency_id.round(
            invoice_line.price_unit * (1.0 - invoice_line.discount / 100.0) * withheld)
        if invoice_line.currency_id.is_zero(deduction):
            return None
        grades = ", ".join(f"{grade.name} ({grade.credit_percent:g} %)" for grade in graded.grade_id)
        return {
            "name": self.env._("Condition on return: %(grades)s, %(product)s", grades=grades,
                               product=return_line.product_id.display_name),
            "quantity": 1.0,
            "price_unit": -deduction,
            "tax_ids": [Command.set(invoice_line.tax_ids.ids)],
            "account_id": invoice_line.account_id.id,
            "return_line_id": return_line.id,
        }

    def action_draft_credit_notes(self):
        """Draft the credit notes of what the returns' policies say is due; accountants post them.

        sudo: returns users draft credit notes of their returns without accounting rights; what they
        draft is derived from posted invoices and stays a draft until an accountant posts it.
        """
        plan = self._credit_plan()
        if not plan:
            raise UserError(self.env._("Nothing to credit now: each refund line is credited already or not due yet "
                                       "under its policy (on approval, on receipt or after inspection)."))
        self._lock_credit_sources([source or line for line, source, _q in plan])
        # Decided again under the lock: a concurrent credit of the same lines is seen, or this one retried.
        plan = self._credit_plan()
        # One credit note per invoice and outcome; lines priced by a manager: per customer, company and outcome.
        groups = defaultdict(list)
        for line, source, quantity in plan:
            order = line.order_id
            key = (source.move_id, order.partner_id.commercial_partner_id if not source else False,
                   order.company_id, order.credit_outcome)
            groups[key].append((line, source, quantity))
        Move = self.env["account.move"].sudo()
        reversed_invoice_ids, reversal_values, new_values = [], [], []
        shipping_charged = set()  # returns whose shipping is deducted by this batch already
        for (invoice, _partner, _company, outcome), items in groups.items():
            orders = self.browse([line.order_id.id for line, _s, _q in items])
            currency = invoice.currency_id or orders[:1].currency_id
            commands = [
                Command.create({**values, "return_credit_kind": kind})
                for line, source, quantity in items
                for kind, values in orders._prepare_credit_lines(line, source, quantity)
            ]
            for order in orders - self.browse(shipping_charged):
                shipping = order._prepare_return_shipping_values(currency, items)
                if shipping:
                    commands.append(Command.create({**shipping, "return_credit_kind": "return_shipping"}))
                    shipping_charged.add(order.id)
            if invoice:
                # The lines are given to the reversal itself: nothing of the invoice is copied to be deleted.
                reversed_invoice_ids.append(invoice.id)
                reversal_values.append({**orders._prepare_credit_note_values(invoice),
                                        "return_credit_outcome": outcome, "line_ids": commands})
            else:
                new_values.append({**orders._prepare_credit_note_values_without_invoice(items[0][0].order_id),
                                   "return_credit_outcome": outcome, "line_ids": commands})
        # One call for every invoice, as Odoo's reversal wizard does; an invoice twice (two outcomes) is
        # browsed twice, one reversal per values.
        credit_notes = Move.browse(reversed_invoice_ids)._reverse_moves(reversal_values) if reversal_values else Move
        credit_notes |= Move.create(new_values)
        credit_notes |= self._draft_exchange_invoices(plan)
        drafted = defaultdict(lambda: Move)
        for credit in credit_notes.invoice_line_ids.filtered("return_line_id"):
            drafted[credit.return_line_id.order_id.id] |= credit.move_id
        self.browse(list(drafted))._message_log_batch(bodies={
            order_id: self.env._("Drafted for the accountants: %s", ", ".join(moves.mapped("display_name")))
            for order_id, moves in drafted.items()
        })
        credit_notes = credit_notes.with_env(self.env)
        if not credit_notes.has_access("read"):
            # A returns clerk without accounting rights: say what waits for the accountants instead of
            # opening records they may not read.
            return {"type": "ir.actions.client", "tag": "display_notification", "params": {
                "type": "success", "next": {"type": "ir.actions.client", "tag": "soft_reload"},
                "message": self.env._("Drafted for the accountants to post: %s",
                                      ", ".join(credit_notes.sudo().mapped("display_name"))),
            }}
        return credit_notes._get_records_action(name=self.env._("Credit Notes"))

    def _prepare_credit_lines(self, return_line, source, quantity):
        """[(kind, values)] of the credit-note lines of ``quantity`` of ``return_line``: the goods and their
        deductions. ``source`` is the invoice line credited, empty when a manager priced the line."""
        if not source:
            return [("goods", self._prepare_credit_line_values_without_invoice(return_line, quantity))]
        lines = [("goods", self._prepare_credit_line_values(return_line, source, quantity))]
        for kind, values in (
            ("restocking_fee", self._prepare_restocking_fee_values(return_line, source, quantity)),
            ("condition", self._prepare_grade_deduction_values(return_line, source, quantity,
                                                               credited_before=return_line.credited_qty)),
        ):
            if values:
                lines.append((kind, values))
        return lines

    def _prepare_credit_note_values_without_invoice(self, order):
        """A credit note from scratch, for returns a manager priced: the customer's fiscal position and the
        company's sales journal, in the return's currency."""
        partner = order.partner_id.commercial_partner_id
        company = order.company_id
        journal = self.env["account.journal"].sudo().search(
            [*self.env["account.journal"]._check_company_domain(company), ("type", "=", "sale")], limit=1)
        if not journal:
            raise UserError(self.env._("Company %s has no sales journal to issue credit notes in.", company.name))
        return {
            **self._prepare_credit_note_values(self.env["account.move"]),
            "move_type": "out_refund",
            "company_id": company.id,
            "journal_id": journal.id,
            "partner_id": partner.id,
            "currency_id": order.currency_id.id,
            "fiscal_position_id": self.env["account.fiscal.position"].with_company(company)._get_fiscal_position(
                partner).id,
        }

    def _prepare_credit_line_values_without_invoice(self, return_line, quantity):
        """The goods at the manager's price; taxes and income account come from the product and the fiscal
        position, as on an invoice typed by hand."""
        return {
            "product_id": return_line.product_id.id,
            "quantity": quantity,
            "product_uom_id": return_line.product_id.uom_id.id,
            "price_unit": return_line.credit_price_unit,
            "return_line_id": return_line.id,
        }

    def _prepare_return_shipping_values(self, currency, items):
        """The return shipping the customer pays, deducted once per return on the first credit note that
        credits its goods (None when the company pays it, or it was deducted already)."""
        self.ensure_one()
        fee = self.return_shipping_fee
        if self.return_shipping_payer != "customer" or self.currency_id.is_zero(fee):
            return None
        deducted = self.line_ids.sudo().credit_line_ids.filtered(
            lambda credit: credit.return_credit_kind == "return_shipping" and credit.parent_state != "cancel")
        goods = [source for line, source, _q in items if line.order_id == self]
        if deducted or not goods:
            return None
        amount = self.currency_id._convert(fee, currency, self.company_id, fields.Date.context_today(self))
        first_line = next(line for line, _s, _q in items if line.order_id == self)
        values = {
            "name": self.env._("Return shipping: %s", self.name),
            "quantity": 1.0,
            "price_unit": -amount,
            "return_line_id": first_line.id,
        }
        product = self.company_id.return_shipping_fee_product_id
        source = goods[0]
        if product:
            values["product_id"] = product.id
        if source:
            # The carriage of goods follows their supply for VAT: taxed as the credited line.
            values["tax_ids"] = [Command.set(source.tax_ids.ids)]
            if not product:
                values["account_id"] = source.account_id.id
        return values

    def action_cancel(self):
        """A return cancelled after its credit was drafted: the draft goes with it (a posted one stays, for
        an accountant to reverse)."""
        result = super().action_cancel()
        drafts = self.sudo().line_ids.credit_line_ids.move_id.filtered(lambda m: m.state == "draft")
        if drafts:
            drafts.button_cancel()
        return result
