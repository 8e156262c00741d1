# pylint: disable=consider-merging-classes-inherited
# return.agreement is extended per business concept: this file checks proposals and makes their returns.
"""A customer's proposal of excess stock, checked against its agreement in one batch, and its return.

The facts are read in a fixed number of queries whatever the length of the list (the products, the
customer's invoice lines of the period for those products, what open returns and credit notes hold of
them, the purchases and the allowance used), decided by ``returns_lib.excess`` and, for a return,
decided again under a lock of the agreement: two proposals at once cannot both take the last of the
allowance. Approved quantities become return lines split per invoice line (oldest first), so that the
credit note refunds the prices actually paid.
"""

from collections import defaultdict
from datetime import datetime, time

from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL
from odoo.tools.misc import format_amount

from ..returns_lib import excess as excess_lib
from .return_input_guard import flow_writes
from .return_states import CLAIMING_STATES

# A pasted list longer than this is a mistake or an attack, not a customer's overstock.
MAX_PROPOSAL_LINES = 5_000


class ReturnAgreement(models.Model):
    _inherit = "return.agreement"

    # ------------------------------------------------------------------
    # Facts, read in batch
    # ------------------------------------------------------------------
    def _period(self, today=None):
        """(first day, last day) of the rolling period the purchases and the allowance are counted over."""
        self.ensure_one()
        today = today or fields.Date.context_today(self)
        return today - relativedelta(months=self.period_months), today

    def _purchases_amount(self, start, end):
        """Net invoiced value to the customer in the period, in the company's currency, before taxes.

        Credit notes lower it, except those of excess returns: their value is counted as allowance used,
        and must not shrink the base it is a share of.
        """
        self.ensure_one()
        self.env["account.move.line"].flush_model(["balance", "display_type", "move_id", "return_line_id"])
        self.env["account.move"].flush_model(["move_type", "state", "commercial_partner_id", "company_id",
                                              "invoice_date"])
        self.env["return.order.line"].flush_model(["order_id"])
        self.env["return.order"].flush_model(["return_kind"])
        self.env.cr.execute(SQL(
            """
            SELECT COALESCE(SUM(-aml.balance), 0)
              FROM account_move_line aml
              JOIN account_move am ON am.id = aml.move_id
         LEFT JOIN return_order_line rol ON rol.id = aml.return_line_id
         LEFT JOIN return_order ro ON ro.id = rol.order_id
             WHERE am.move_type IN ('out_invoice', 'out_refund') AND am.state = 'posted'
               AND am.commercial_partner_id = %(partner)s AND am.company_id = %(company)s
               AND am.invoice_date BETWEEN %(start)s AND %(end)s
               AND aml.display_type = 'product'
               AND (ro.id IS NULL OR ro.return_kind != 'excess')
            """,
            partner=self.partner_id.id, company=self.company_id.id, start=start, end=end,
        ))
        return self.env.cr.fetchone()[0] or 0.0

    def _used_amount(self, start, exclude_orders=None):
        """Value of the agreement's excess returns requested in the period, unless refused or cancelled."""
        self.ensure_one()
        domain = [
            ("order_id.return_agreement_id", "=", self.id),
            ("state", "in", CLAIMING_STATES),
            ("date_requested", ">=", datetime.combine(start, time.min)),
        ]
        if exclude_orders:
            domain.append(("order_id", "not in", exclude_orders.ids))
        # sudo: the allowance counts every return under the agreement, whoever may read them.
        [(used,)] = self.env["return.order.line"].sudo()._read_group(domain, [], ["price_subtotal:sum"])
        return used or 0.0

    def _allowance_figures(self, exclude_orders=None):
        self.ensure_one()
        start, end = self._period()
        purchases = self._purchases_amount(start, end)
        used = self._used_amount(start, exclude_orders)
        return {
            "start": start, "end": end, "purchases": purchases, "used": used,
            "allowance": purchases * self.share_percent / 100.0,
            "left": excess_lib.allowance_left(purchases, self.share_percent, used),
        }

    def _product_facts(self, products):
        """{product id: ProductFacts}: in the agreement's range, still sold, the unit's precision."""
        self.ensure_one()
        categories = (
            self.env["product.category"].search([("id", "child_of", self.categ_ids.ids)]) if self.categ_ids
            else self.env["product.category"]
        )
        open_range = not self.categ_ids and not self.product_ids
        counted = self.env.ref("uom.product_uom_categ_unit", raise_if_not_found=False)
        return {
            product.id: excess_lib.ProductFacts(
                in_range=product.type == "consu" and (
                    open_range or product in self.product_ids or product.categ_id in categories),
                discontinued=not (product.active and product.product_tmpl_id.active and product.sale_ok),
                rounding=max(product.uom_id.rounding, 1.0) if product.uom_id.category_id == counted
                else product.uom_id.rounding,
            )
            for product in products
        }

    def _invoice_lots(self, products, start, end, exclude_orders=None):
        """The customer's posted invoice lines of the period for ``products`` (excess_lib.InvoiceLot), with
        what returns and credit notes hold of each already; a fixed number of queries.

        sudo: the check counts the customer's purchases whoever proposes (a returns clerk without
        accounting rights, the customer on the portal); only quantities, dates and values are read.
        """
        self.ensure_one()
        AccountMoveLine = self.env["account.move.line"].sudo()
        invoice_lines = AccountMoveLine.search_fetch([
            ("move_type", "=", "out_invoice"), ("parent_state", "=", "posted"),
            ("move_id.commercial_partner_id", "=", self.partner_id.id), ("company_id", "=", self.company_id.id),
            ("invoice_date", ">=", start), ("invoice_date", "<=", end),
            ("display_type", "=", "product"), ("product_id", "in", products.ids), ("quantity", ">", 0),
        ], ["product_id", "quantity", "product_uom_id", "balance", "invoice_date", "move_id"])
        if not invoice_lines:
            return []
        # Held by returns (of any kind) that are not refused or cancelled: the ledger of return_order_line_returnable.
        domain = [("invoice_line_id", "in", invoice_lines.ids), ("state", "in", CLAIMING_STATES)]
        if exclude_orders:
            domain.append(("order_id", "not in", exclude_orders.ids))
        held = dict(self.env["return.order.line"].sudo()._read_group(
            domain, ["invoice_line_id"], ["product_uom_qty:sum"]))
        # Credit notes made outside the returns (the invoice's Credit Note button) reverse an invoice, not a
        # line: their quantity is taken off that invoice's lines of the product, oldest first.
        outside = defaultdict(float)  # (invoice id, product id) -> quantity, in the product's unit
        for credit in AccountMoveLine.search_fetch([
            ("move_type", "=", "out_refund"), ("parent_state", "!=", "cancel"),
            ("move_id.reversed_entry_id", "in", invoice_lines.move_id.ids),
            ("display_type", "=", "product"), ("product_id", "in", products.ids), ("return_line_id", "=", False),
        ], ["product_id", "quantity", "product_uom_id", "move_id"]):
            key = (credit.move_id.reversed_entry_id.id, credit.product_id.id)
            outside[key] += credit.product_uom_id._compute_quantity(credit.quantity, credit.product_id.uom_id,
                                                                    round=False)
        lots = []
        for line in invoice_lines.sorted(lambda il: (il.invoice_date, il.id)):
            product = line.product_id
            quantity = line.product_uom_id._compute_quantity(line.quantity, product.uom_id, round=False) \
                if line.product_uom_id else line.quantity
            key = (line.move_id.id, product.id)
            credited = min(outside[key], quantity)
            outside[key] -= credited
            lots.append(excess_lib.InvoiceLot(
                invoice_line_id=line.id, product_id=product.id, date=line.invoice_date, quantity=quantity,
                returned=held.get(line, 0.0) + credited,
                # What one unit was invoiced at, net of discount, in the company's currency: the credit's price.
                # Rounded as the return line's unit value is, so that both count the allowance alike.
                price_unit=self.currency_id.round(-line.balance / quantity) if quantity else 0.0,
            ))
        return lots

    # ------------------------------------------------------------------
    # Deciding
    # ------------------------------------------------------------------
    def _prepare_proposal(self, proposal):
        """[excess_lib.ProposedLine] of ``proposal`` [(product, quantity)], refused whole on bad input."""
        proposal = list(proposal)
        if not proposal:
            raise UserError(self.env._("Add at least one product and quantity to the proposal."))
        if len(proposal) > MAX_PROPOSAL_LINES:
            raise UserError(self.env._("A proposal has at most %(max)s lines (%(count)s given): split it.",
                                       max=MAX_PROPOSAL_LINES, count=len(proposal)))
        lines, problems = [], []
        for index, (product, quantity) in enumerate(proposal, start=1):
            if not product:
                problems.append(self.env._("Line %(line)s: choose a product.", line=index))
                continue
            if isinstance(quantity, bool) or not isinstance(quantity, (int, float)) or not 0 < quantity < 1e9:
                problems.append(self.env._("Line %(line)s: the quantity of %(product)s must be a positive number "
                                           "(%(qty)r given).", line=index, product=product.display_name, qty=quantity))
                continue
            lines.append(excess_lib.ProposedLine(index, product.id, float(quantity)))
        if problems:
            raise UserError("\n".join(problems))
        return lines

    def _decide_proposal(self, proposal, exclude_orders=None):
        """(decision, figures) of ``proposal`` [(product, quantity)] under this agreement now."""
        self.ensure_one()
        lines = self._prepare_proposal(proposal)
        products = self.env["product.product"].with_context(active_test=False).browse(
            {line.product_id for line in lines})
        figures = self._allowance_figures(exclude_orders)
        lots = self._invoice_lots(products, figures["start"], figures["end"], exclude_orders)
        decision = excess_lib.decide(
            lines, self._product_facts(products), lots, figures["left"], self.currency_id.rounding)
        return decision, figures

    def _explain_cuts(self, decision):
        """One sentence per cut, in the order of the proposal, for the person who proposed it."""
        return [message for _key, message in self._cut_messages(decision)]

    def _cut_messages(self, decision):
        """[(proposed line's key, sentence)] of every cut, in the order of the proposal."""
        self.ensure_one()
        products = self.env["product.product"].with_context(active_test=False).browse(
            [line.product_id for line in decision.lines])
        Order = self.env["return.order"]
        messages = []
        for line in decision.lines:
            product = products.browse(line.product_id).with_prefetch(products._prefetch_ids)
            uom = product.uom_id

            def qty(value, uom=uom):
                return Order._portal_format_qty(value, uom)

            for cut in line.cuts:
                params = cut.params
                common = {"product": product.display_name, "qty": qty(cut.quantity), "uom": uom.name,
                          "requested": qty(line.requested), "months": self.period_months}
                if cut.code == excess_lib.NOT_IN_RANGE:
                    why = self.env._("not in the range of agreement %(agreement)s", agreement=self.name)
                elif cut.code == excess_lib.DISCONTINUED:
                    why = self.env._("discontinued (no longer sold)")
                elif cut.code == excess_lib.NOT_BOUGHT and params.get("returned"):
                    why = self.env._("all %(bought)s bought in the last %(months)s months are returned already",
                                     bought=qty(params["bought"]), months=self.period_months)
                elif cut.code == excess_lib.NOT_BOUGHT:
                    why = self.env._("not bought in the last %(months)s months", months=self.period_months)
                elif cut.code == excess_lib.HISTORY:
                    why = self.env._("only %(bought)s bought in the last %(months)s months, %(returned)s already "
                                     "returned", bought=qty(params["bought"]), months=self.period_months,
                                     returned=qty(params["returned"]))
                    if params.get("proposed_before"):
                        why += self.env._(", %(before)s on earlier lines of this list",
                                          before=qty(params["proposed_before"]))
                else:
                    share = f"{self.share_percent:g}"
                    why = self.env._("above the %(share)s %% allowance: %(left)s left", share=share,
                                     left=format_amount(self.env, params["left"], self.currency_id))
                messages.append((line.key, self.env._("%(product)s: %(qty)s %(uom)s of %(requested)s cut, %(why)s.",
                                                      **common, why=why)))
        return messages

    # ------------------------------------------------------------------
    # The return
    # ------------------------------------------------------------------
    def _create_excess_return(self, proposal, partner=None, warehouse=None, customer_note=None, via_portal=False):
        """Check ``proposal`` [(product, quantity)] under the agreement's lock and create its return.

        Returns (return, decision). Refused with every reason, nothing written, when nothing can come back.
        """
        self.ensure_one()
        self._check_valid()
        partner = partner or self.partner_id
        if partner.commercial_partner_id != self.partner_id:
            raise UserError(self.env._("%(partner)s is not a contact of %(customer)s: it cannot return goods under "
                                       "agreement %(agreement)s.", partner=partner.display_name,
                                       customer=self.partner_id.display_name, agreement=self.name))
        lines = self._prepare_proposal(proposal)  # bad input refused before anything is locked
        self._lock_rows_or_refuse(self.env._(
            "Another proposal under agreement %s is being decided right now: try again in a moment.", self.name))
        self._check_valid()
        decision, figures = self._decide_proposal(proposal)
        explanations = self._explain_cuts(decision)
        if not decision.approved_lines:
            raise UserError(self.env._("Nothing of this proposal can be returned under agreement %(agreement)s:\n"
                                       "%(why)s", agreement=self.name, why="\n".join(explanations)))
        # Stamped under the lock: a proposal decided on an older snapshot fails on this row instead of
        # taking the same allowance again (see _lock_rows_or_refuse).
        # sudo: the stamp is the check's, not an edit of the agreement, which the proposing clerk may not make.
        self.sudo()._flow_write({"date_last_check": fields.Datetime.now()})
        values = self._prepare_excess_return_values(decision, partner, warehouse, customer_note, via_portal)
        with flow_writes():
            order = self.env["return.order"].create(values)
        order._message_log(body=self._excess_note(decision, figures, explanations, len(lines)))
        return order, decision

    def _prepare_excess_return_values(self, decision, partner, warehouse=None, customer_note=None, via_portal=False):
        """The return of the approved quantities: one line per invoice line drawn on, oldest first."""
        self.ensure_one()
        values = {
            "partner_id": partner.id,
            "company_id": self.company_id.id,
            "return_kind": "excess",
            "return_agreement_id": self.id,
            "credit_outcome": self.credit_outcome,
            "customer_note": customer_note or False,
            "requested_via_portal": via_portal,
            "line_ids": [
                fields.Command.create({
                    "product_id": line.product_id,
                    "product_uom_qty": qty,
                    "invoice_line_id": invoice_line_id,
                    "requested_outcome": "refund",
                })
                for line in decision.approved_lines
                for invoice_line_id, qty, _price in line.allocations
            ],
        }
        if warehouse:
            values["warehouse_id"] = warehouse.id
        return values

    def _excess_note(self, decision, figures, explanations, proposed_count):
        """The internal note of a new excess return: what the check decided, and why it cut what it cut."""
        self.ensure_one()
        money = lambda amount: format_amount(self.env, amount, self.currency_id)  # noqa: E731
        share = f"{self.share_percent:g}"
        body = Markup("<p>%s</p>") % self.env._(
            "Checked against agreement %(agreement)s: %(approved)s of %(proposed)s proposed lines accepted, "
            "%(value)s of the %(left)s allowance left (%(share)s %% of %(purchases)s purchases since %(start)s).",
            agreement=self.name, approved=len(decision.approved_lines), proposed=proposed_count,
            value=money(decision.value), left=money(decision.allowance), share=share,
            purchases=money(figures["purchases"]), start=figures["start"])
        if explanations:
            body += Markup("<p>%s</p><ul>%s</ul>") % (
                self.env._("Cut:"), Markup().join(Markup("<li>%s</li>") % text for text in explanations))
        return body
