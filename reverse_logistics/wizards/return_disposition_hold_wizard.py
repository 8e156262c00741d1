from odoo import fields, models


class ReturnDispositionHoldWizard(models.TransientModel):
    """Hold units in quarantine for investigation, with the reason kept on them and on their return."""

    _name = "return.disposition.hold.wizard"
    _description = "Hold Units for Investigation"

    disposition_ids = fields.Many2many("return.disposition", string="Units", required=True)
    reason = fields.Text(required=True, help="What is investigated: suspected fraud, a hazard, a dispute...")

    def action_apply(self):
        self.ensure_one()
        self.disposition_ids._hold(self.reason)
        return {"type": "ir.actions.act_window_close"}
