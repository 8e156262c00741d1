from odoo import api, fields, models

from ..returns_lib import categories as categories_lib


class ReturnInspectionChecklist(models.Model):
    """The questions an inspector answers for returned units of some product categories."""

    _name = "return.inspection.checklist"
    _description = "Inspection Checklist"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10, help="Among checklists covering a category equally closely, the first.")
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", default=lambda self: self.env.company, index=True)
    category_ids = fields.Many2many(
        "product.category",
        string="Product Categories",
        help="Categories (with their sub-categories) whose returned units are inspected with this checklist. "
        "Empty: every category without a more specific checklist.",
    )
    question_ids = fields.One2many("return.inspection.question", "checklist_id", "Questions", copy=True)

    @api.model
    def _get_by_category(self, categories, company):
        """The checklist of each category: the one covering its nearest ancestor, else a catch-all one."""
        checklists = self.search([("company_id", "in", (company.id, False))])
        candidates = [(checklist, frozenset(checklist.category_ids.ids)) for checklist in checklists]
        result = {}
        for category in categories:
            path = category._ancestors_and_self().ids
            result[category] = categories_lib.pick_most_specific(path, candidates) or self.browse()
        return result


class ReturnInspectionQuestion(models.Model):
    _name = "return.inspection.question"
    _description = "Inspection Question"
    _order = "checklist_id, sequence, id"

    checklist_id = fields.Many2one("return.inspection.checklist", required=True, ondelete="cascade", index=True)
    # Follows the checklist: empty when the checklist is shared by all companies.
    company_id = fields.Many2one(related="checklist_id.company_id", store=True, index=True)
    sequence = fields.Integer(default=10)
    name = fields.Char("Question", required=True, translate=True)
    answer_type = fields.Selection(
        [("pass_fail", "Pass / Fail"), ("value", "Value")], required=True, default="pass_fail"
    )
    required = fields.Boolean(default=True, help="The inspection cannot be completed without an answer.")
    fail_grade_id = fields.Many2one(
        "return.grade",
        "Best Grade if Failed",
        help="A unit failing this check cannot be graded better than this, e.g. 'Screen cracked' caps at C.",
    )
    help_text = fields.Char("Instructions", translate=True)
