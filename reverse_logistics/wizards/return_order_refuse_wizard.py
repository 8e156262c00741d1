from odoo import fields, models


class ReturnOrderRefuseWizard(models.TransientModel):
    _name = "return.order.refuse.wizard"
    _description = "Refuse a Return"

    return_order_ids = fields.Many2many("return.order", required=True)
    reason = fields.Text(required=True, help="Sent to the customer.")

    def action_refuse(self):
        self.ensure_one()
        self.return_order_ids._refuse(self.reason)
        return {"type": "ir.actions.act_window_close"}
