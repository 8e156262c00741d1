from odoo import fields, models


class ReturnCreditDisputeWizard(models.TransientModel):
    _name = "return.credit.dispute.wizard"
    _description = "Dispute or Settle Return Credits"

    line_ids = fields.Many2many("return.order.line", string="Return Lines", required=True)
    dispute = fields.Boolean(default=True)
    reason = fields.Text(help="Logged on the returns: why the credit is disputed, or how the dispute was settled.")

    def action_apply(self):
        self.ensure_one()
        self.line_ids._set_credit_disputed(self.dispute, self.reason)
        return {"type": "ir.actions.act_window_close"}
