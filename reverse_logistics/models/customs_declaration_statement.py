from odoo import api, fields, models


class CustomsDeclarationStatement(models.Model):
    _name = "customs.declaration.statement"
    _description = "Customs Declaration Additional Information"
    _inherit = ["customs.declaration.header.or.item.part"]

    code = fields.Char(required=True, help="Additional information code (DE 2/2), e.g. 00500 (importer and "
                       "declarant the same) or a national code.")
    text = fields.Char(help="The statement's text, where the code needs one.")

    @api.depends("code", "text")
    def _compute_display_name(self):
        for statement in self:
            statement.display_name = ": ".join(filter(None, (statement.code, statement.text)))
