from odoo import api, fields, models


class CustomsDeclarationStatement(models.Model):
    _name = "customs.declaration.statement"
    _description = "Customs Declaration Additional Information"
    _inherit = ["customs.declaration.part"]
    _order = "declaration_id, line_id, id"
    _check_company_auto = True

    # An item's document or statement belongs to the item's declaration, also when the item is copied.
    declaration_id = fields.Many2one(compute="_compute_declaration_id", store=True, readonly=False, precompute=True)
    line_id = fields.Many2one(
        "customs.declaration.line", "Goods Item", ondelete="cascade", index="btree_not_null",
        domain="[('declaration_id', '=', declaration_id)]",
        help="Empty: the statement concerns the whole declaration.",
    )
    code = fields.Char(required=True, help="Additional information code (DE 2/2), e.g. 00500 (importer and "
                       "declarant the same) or a national code.")
    text = fields.Char(help="The statement's text, where the code needs one.")

    @api.depends("line_id")
    def _compute_declaration_id(self):
        for record in self.filtered("line_id"):
            record.declaration_id = record.line_id.declaration_id
