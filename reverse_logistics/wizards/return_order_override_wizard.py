from odoo import fields, models


class ReturnOrderOverrideWizard(models.TransientModel):
    _name = "return.order.override.wizard"
    _description = "Approve a Return Out of Policy"

    return_order_ids = fields.Many2many("return.order", required=True)
    policy_summary = fields.Text(compute="_compute_policy_summary")
    reason = fields.Text(required=True, help="Logged on the return: why the policy is overridden.")

    def _compute_policy_summary(self):
        for wizard in self:
            wizard.policy_summary = "\n\n".join(
                f"{order.name}:\n{order.policy_summary}" for order in wizard.return_order_ids
            )

    def action_approve(self):
        self.ensure_one()
        self.return_order_ids._approve_with_override(self.reason)
        return {"type": "ir.actions.act_window_close"}
