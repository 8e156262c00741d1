from odoo import fields, models

from ..returns_lib import disposition as disposition_lib


class ReturnDispositionType(models.Model):
    """What can become of a returned unit: restock, refurbish, resell, return to vendor...

    The codes are the decision engine's; records exist so that product categories can list
    the dispositions they allow, and so that the names are translatable.

    Shared by all companies, without a company field: there is exactly one record per engine
    code, shipped by the addon (nobody may create more); a company restricts dispositions
    through its product categories, not by owning types.
    """

    _name = "return.disposition.type"
    _description = "Disposition"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Selection(
        [(code, code) for code in disposition_lib.DISPOSITIONS], required=True, readonly=True
    )
    sequence = fields.Integer(default=10)
    description = fields.Text(translate=True)

    _sql_constraints = [("code_uniq", "unique(code)", "There is one disposition per code.")]
