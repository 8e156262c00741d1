from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from ..models.customs_declaration_costs import BILLABLE_STATES


class CustomsBillMatchWizard(models.TransientModel):
    """A broker invoiced the duties and import VAT of declarations: their bill books them, instead of a
    bill drafted from the customs authority."""

    _name = "customs.bill.match.wizard"
    _description = "Match a Broker's Bill to Customs Declarations"

    bill_id = fields.Many2one("account.move", required=True, readonly=True, ondelete="cascade")
    company_id = fields.Many2one(related="bill_id.company_id")
    declaration_ids = fields.Many2many(
        "customs.declaration", string="Declarations", required=True,
        domain=f"[('company_id', '=', company_id), ('state', 'in', {list(BILLABLE_STATES)}), "
        "('cost_bill_id', '=', False)]",
    )
    assessed_amount = fields.Monetary(compute="_compute_assessed_amount", currency_field="currency_id",
                                      help="Duties and import VAT customs assessed on these declarations.")
    currency_id = fields.Many2one(related="bill_id.currency_id")

    @api.depends("declaration_ids")
    def _compute_assessed_amount(self):
        for wizard in self:
            wizard.assessed_amount = sum(
                tax.currency_id._convert(tax.amount, wizard.currency_id, wizard.company_id,
                                         fields.Date.context_today(wizard))
                for tax in wizard.declaration_ids.tax_assessment_ids
            )

    def action_match(self):
        self.ensure_one()
        if not self.env.user.has_group("account.group_account_invoice"):
            raise AccessError(self.env._("Only accountants match bills to customs declarations."))
        bill = self.bill_id
        declarations = self.declaration_ids
        self.env.cr.execute(SQL("SELECT id FROM customs_declaration WHERE id IN %s FOR UPDATE",
                                tuple(declarations.ids)), log_exceptions=False)  # retried by Odoo: no ERROR line
        declarations.invalidate_recordset(["cost_bill_id", "state"])
        problems = []
        if bill.move_type != "in_invoice" or bill.state == "cancel":
            problems.append(self.env._("%s is not a vendor bill that can book customs costs.", bill.display_name))
        for declaration in declarations.sudo():
            if declaration.company_id != bill.company_id:
                problems.append(self.env._("%s belongs to another company.", declaration.lrn))
            if declaration.state not in BILLABLE_STATES:
                problems.append(self.env._("%s: customs have not accepted it yet: nothing is owed.", declaration.lrn))
            if declaration.cost_bill_id and declaration.cost_bill_id.state != "cancel":
                problems.append(self.env._("%(lrn)s is booked already on %(bill)s.", lrn=declaration.lrn,
                                           bill=declaration.cost_bill_id.display_name))
        if problems:
            raise UserError("\n".join(problems))
        # sudo: accountants need no customs rights to say which bill pays a declaration; only the link is written.
        for declaration in declarations.sudo():
            declaration._flow_write({"cost_bill_id": bill.id})
            declaration.message_post(body=self.env._("Customs costs booked on the broker's bill %s.",
                                                     bill.display_name), subtype_xmlid="mail.mt_note")
        bill.message_post(body=self.env._(
            "Books the customs costs of %(lrns)s: %(assessed)s assessed by customs, %(billed)s billed.",
            lrns=", ".join(declarations.mapped("lrn")), assessed=bill.currency_id.format(self.assessed_amount),
            billed=bill.currency_id.format(bill.amount_total)), subtype_xmlid="mail.mt_note")
        return {"type": "ir.actions.act_window_close"}
