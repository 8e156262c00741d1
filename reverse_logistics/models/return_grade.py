from odoo import fields, models


class ReturnGrade(models.Model):
    """A grade of the condition of a returned unit (A like new ... Scrap).

    Shared by all companies, without a company field: the grades are one condition scale that
    the disposition engine reads whole (every active grade, for resale values and the
    refurbished grade), and a unit keeps its grade on its lot and its events whichever company
    resells it. Grades of one company would change the economics computed for the others.
    """

    _name = "return.grade"
    _description = "Return Grade"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(required=True, help="Short code used by the disposition engine and on labels, e.g. A.")
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    sellable_as_new = fields.Boolean(help="Units of this grade may go back to stock as new.")
    scrap = fields.Boolean(help="Units of this grade can only be recycled or destroyed.")
    resale_value_percent = fields.Float(
        "Resale Value (%)",
        digits=(5, 2),
        default=100.0,
        help="What a unit of this grade sells for on secondary markets, in percent of its price as new.",
    )
    description = fields.Text(translate=True, help="What an inspector checks to give this grade.")

    _sql_constraints = [
        ("code_uniq", "unique(code)", "A grade code must be unique."),
        ("resale_value_percent_range", "CHECK(resale_value_percent BETWEEN 0 AND 100)",
         "The resale value of a grade is between 0 and 100 % of the price as new."),
    ]

    def _engine_code(self):
        """The grade as the decision engine knows it: A sells as new, SCRAP only recycles or goes."""
        self.ensure_one()
        if self.sellable_as_new:
            return "A"
        if self.scrap:
            return "SCRAP"
        return self.code if self.code.upper() not in ("A", "SCRAP") else self.code + "*"
