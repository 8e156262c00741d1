from odoo import Command, api, fields, models
from odoo.exceptions import UserError


class ReturnInspectionBatchWizard(models.TransientModel):
    """Inspect and dispose of many units in one go: a whole receipt, a return, a selection."""

    _name = "return.inspection.batch.wizard"
    _description = "Inspect and Dispose in Batch"

    line_ids = fields.One2many("return.inspection.batch.wizard.line", "wizard_id", "Units")
    default_grade_id = fields.Many2one(
        "return.grade", "Grade for All", help="Applied to every unit below that has no grade of its own."
    )
    checks_passed = fields.Boolean(
        "Unanswered Checks Passed", default=True,
        help="Pass/fail checks left unanswered count as passed.",
    )
    accept_recommendations = fields.Boolean(
        "Carry Out Recommendations", default=True,
        help="Accept the engine's recommended disposition of every unit and create the operations at once. "
        "Unchecked: the dispositions stay proposed for review.",
    )

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        inspections = self._inspections_from_context()
        if not inspections:
            raise UserError(self.env._("Nothing is waiting for inspection here."))
        values["line_ids"] = [
            Command.create({"inspection_id": inspection.id, "grade_id": inspection.grade_id.id})
            for inspection in inspections
        ]
        return values

    def _inspections_from_context(self):
        model = self.env.context.get("active_model")
        ids = self.env.context.get("active_ids") or []
        domain = [("state", "=", "to_inspect")]
        if model == "stock.picking":
            domain.append(("picking_id", "in", ids))
        elif model == "return.order":
            domain.append(("order_id", "in", ids))
        elif model == "return.inspection":
            domain.append(("id", "in", ids))
        else:
            return self.env["return.inspection"]
        return self.env["return.inspection"].search(domain)

    def action_apply(self):
        self.ensure_one()
        self.line_ids.filtered(lambda line: not line.grade_id).grade_id = self.default_grade_id
        inspections = self.line_ids.inspection_id
        for grade, lines in self.line_ids.grouped("grade_id").items():
            lines.inspection_id.write({"grade_id": grade.id})
        if self.checks_passed:
            inspections.answer_ids.filtered(
                lambda a: a.answer_type == "pass_fail" and not a.result
            ).write({"result": "pass"})
        for line in self.line_ids.filtered("defects"):
            line.inspection_id.defects = line.defects
        inspections.action_done()
        dispositions = inspections.disposition_ids
        if self.accept_recommendations:
            dispositions.filtered("recommended_type_id").action_accept()
        action = self.env["ir.actions.act_window"]._for_xml_id("reverse_logistics.action_return_disposition")
        action["domain"] = [("id", "in", dispositions.ids)]
        return action


class ReturnInspectionBatchWizardLine(models.TransientModel):
    _name = "return.inspection.batch.wizard.line"
    _description = "Unit to Inspect in Batch"

    wizard_id = fields.Many2one("return.inspection.batch.wizard", required=True, ondelete="cascade")
    inspection_id = fields.Many2one("return.inspection", required=True)
    product_id = fields.Many2one(related="inspection_id.product_id")
    lot_id = fields.Many2one(related="inspection_id.lot_id")
    quantity = fields.Float(related="inspection_id.quantity")
    grade_id = fields.Many2one("return.grade")
    defects = fields.Char()
