from odoo import api, fields, models


class ReturnDispositionOverrideWizard(models.TransientModel):
    _name = "return.disposition.override.wizard"
    _description = "Choose Another Disposition"

    disposition_ids = fields.Many2many("return.disposition", string="Units", required=True)
    allowed_type_ids = fields.Many2many("return.disposition.type", compute="_compute_allowed_type_ids")
    type_id = fields.Many2one(
        "return.disposition.type", "Disposition", required=True, domain="[('id', 'in', allowed_type_ids)]"
    )
    ranking = fields.Text(related="disposition_ids.ranking", string="Engine Ranking")
    reason = fields.Text(required=True, help="Logged on the return and in its traceability events.")

    @api.depends("disposition_ids")
    def _compute_allowed_type_ids(self):
        for wizard in self:
            allowed = wizard.disposition_ids[:1].allowed_type_ids
            for disposition in wizard.disposition_ids[1:]:
                allowed &= disposition.allowed_type_ids
            wizard.allowed_type_ids = allowed

    def action_apply(self):
        self.ensure_one()
        self.disposition_ids._decide(self.type_id, self.reason)
        return {"type": "ir.actions.act_window_close"}
