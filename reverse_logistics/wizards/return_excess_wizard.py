"""Propose an excess-stock return under a customer's agreement: products and quantities, typed or pasted,
checked in one batch, then turned into a return with every cut explained."""

import re

from odoo import api, fields, models
from odoo.exceptions import UserError

# "CODE 12", "CODE;12", "CODE,12", "CODE<tab>12": a reference (internal reference or barcode), a quantity.
PASTED_LINE = re.compile(r"^\s*(?P<code>[^\s;,\t]+)\s*[;,\t ]\s*(?P<qty>[0-9]+(?:[.,][0-9]+)?)\s*$")
MAX_PASTED_CHARS = 500_000


class ReturnExcessWizard(models.TransientModel):
    _name = "return.excess.wizard"
    _description = "Propose an Excess-Stock Return"

    agreement_id = fields.Many2one(
        "return.agreement", "Return Agreement", required=True, domain="[('state', '=', 'active')]")
    company_id = fields.Many2one(related="agreement_id.company_id", store=True)
    customer_id = fields.Many2one(related="agreement_id.partner_id", string="Customer")
    partner_id = fields.Many2one(
        "res.partner", "Proposed By", domain="[('commercial_partner_id', '=', customer_id)]",
        help="The customer's contact who proposes the return; the customer itself when empty.")
    warehouse_id = fields.Many2one("stock.warehouse", "Receiving Warehouse",
                                   domain="[('company_id', '=', company_id)]")
    customer_note = fields.Text("Customer Comment")
    pasted = fields.Text(
        "Paste a List", help="One product a line: its internal reference or barcode, then the quantity (separated by "
        "a space, a tab, a comma or a semicolon), as copied from a spreadsheet.")
    line_ids = fields.One2many("return.excess.wizard.line", "wizard_id", "Proposed Products")
    checked = fields.Boolean(readonly=True)
    summary = fields.Text("Check", readonly=True)

    def _reopen(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Propose Excess-Stock Return"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }

    def _proposal(self):
        return [(line.product_id, line.quantity) for line in self.line_ids]

    @api.model
    def _parse_pasted(self, text, company):
        """[(product, quantity)] of a pasted list, in its order; every unreadable or unknown line refused at once."""
        if len(text or "") > MAX_PASTED_CHARS:
            raise UserError(self.env._("The pasted list is too long: split it."))
        rows, problems = [], []
        for number, raw in enumerate((text or "").splitlines(), start=1):
            if not raw.strip():
                continue
            match = PASTED_LINE.match(raw)
            if not match:
                problems.append((number, self.env._("Line %(line)s (%(text)s): write a reference, then a quantity.",
                                                    line=number, text=raw.strip()[:80])))
                continue
            rows.append((number, match["code"], float(match["qty"].replace(",", "."))))
        codes = {code for _n, code, _q in rows}
        # Archived products too: the check says they are discontinued rather than unknown.
        products = self.env["product.product"].with_context(active_test=False).search([
            "|", ("default_code", "in", list(codes)), ("barcode", "in", list(codes)),
            ("company_id", "in", [company.id, False]),
        ]) if codes else self.env["product.product"]
        by_code = {}
        for product in products.sorted(lambda p: (not p.active, p.id)):
            for code in (product.default_code, product.barcode):
                if code:
                    by_code.setdefault(code, product)
        proposal = []
        for number, code, qty in rows:
            if code not in by_code:
                problems.append((number, self.env._(
                    "Line %(line)s: no product has the reference or barcode %(code)s.", line=number, code=code)))
            else:
                proposal.append((by_code[code], qty))
        if problems:
            raise UserError("\n".join(message for _number, message in sorted(problems, key=lambda p: p[0])))
        return proposal

    def action_add_pasted(self):
        self.ensure_one()
        proposal = self._parse_pasted(self.pasted, self.agreement_id.company_id)
        if not proposal:
            raise UserError(self.env._("Paste the list first: a reference and a quantity on each line."))
        self.write({
            "pasted": False, "checked": False, "summary": False,
            "line_ids": [fields.Command.create({"product_id": product.id, "quantity": qty})
                         for product, qty in proposal],
        })
        return self._reopen()

    def action_check(self):
        """What the agreement would accept now, line by line, with the reason of every cut; nothing is written
        but the wizard's own lines."""
        self.ensure_one()
        agreement = self.agreement_id
        agreement._check_valid()
        lines = self.line_ids
        decision, figures = agreement._decide_proposal(self._proposal())
        reasons = {}
        for key, message in agreement._cut_messages(decision):
            reasons.setdefault(key, []).append(message)
        for line, decided in zip(lines, decision.lines, strict=True):
            line.write({"approved_qty": decided.approved, "explanation": "\n".join(reasons.get(decided.key, []))})
        currency = agreement.currency_id
        share = f"{agreement.share_percent:g}"
        self.write({"checked": True, "summary": self.env._(
            "%(approved)s of %(count)s lines accepted for %(value)s; allowance left %(left)s of %(allowance)s "
            "(%(share)s %% of %(purchases)s purchased since %(start)s).",
            approved=len(decision.approved_lines), count=len(lines), value=currency.format(decision.value),
            left=currency.format(figures["left"]), allowance=currency.format(figures["allowance"]),
            share=share, purchases=currency.format(figures["purchases"]),
            start=figures["start"])})
        return self._reopen()

    def action_create_return(self):
        self.ensure_one()
        if not self.env.user.has_group("reverse_logistics.group_returns_user"):
            return self._create_return_for_returns_team()
        order, _decision = self.agreement_id._create_excess_return(
            self._proposal(), partner=self.partner_id or None, warehouse=self.warehouse_id or None,
            customer_note=self.customer_note)
        action = self.env["ir.actions.act_window"]._for_xml_id("reverse_logistics.action_return_order")
        action.update(views=[(False, "form")], res_id=order.id, target="current")
        return action


    def _create_return_for_returns_team(self):
        """A salesperson proposes for their customer, as the customer could on the portal: the return is
        created and submitted at once, and the returns team approves and receives it."""
        # sudo: salespeople do not manage returns; what comes back is decided by the agreement's check under
        # its lock (the same as for a returns clerk or the portal), never by what the salesperson writes, and
        # the return waits for a returns manager's approval unless the agreement approves checked returns.
        order, decision = self.agreement_id.sudo()._create_excess_return(
            self._proposal(), partner=self.partner_id or None, warehouse=self.warehouse_id or None,
            customer_note=self.customer_note)
        # Nobody of the returns team is its responsible yet: the approval goes to a returns manager.
        order._flow_write({"user_id": False})
        order.action_submit()
        order._message_log(body=self.env._("Proposed by %s (sales).", self.env.user.name))
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "sticky": True,
                "title": self.env._("Excess-stock return %s submitted", order.name),
                "message": self.env._(
                    "%(accepted)s of %(count)s lines accepted; the returns team approves and receives it.",
                    accepted=len(decision.approved_lines), count=len(self.line_ids)),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }


class ReturnExcessWizardLine(models.TransientModel):
    _name = "return.excess.wizard.line"
    _description = "Proposed Excess-Stock Line"

    wizard_id = fields.Many2one("return.excess.wizard", required=True, ondelete="cascade")
    product_id = fields.Many2one("product.product", required=True, domain="[('type', '=', 'consu')]")
    uom_id = fields.Many2one(related="product_id.uom_id", string="Unit")
    quantity = fields.Float(digits="Product Unit of Measure", required=True, default=1.0)
    approved_qty = fields.Float("Accepted", digits="Product Unit of Measure", readonly=True)
    explanation = fields.Text("Why Cut", readonly=True)
