from odoo import fields, models


class ReturnGrade(models.Model):
    """A grade of the condition of a returned unit (A like new ... Scrap)."""

    _name = "return.grade"
    _description = "Return Grade"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(required=True, help="Short code used by the disposition engine and on labels, e.g. A.")
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    sellable_as_new = fields.Boolean(help="Units of this grade may go back to stock as new.")
    scrap = fields.Boolean(help="Units of this grade can only be recycled or destroyed.")
    description = fields.Text(translate=True, help="What an inspector checks to give this grade.")

    _sql_constraints = [("code_uniq", "unique(code)", "A grade code must be unique.")]
