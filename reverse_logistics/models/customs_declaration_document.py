from odoo import api, fields, models


class CustomsDeclarationDocument(models.Model):
    _name = "customs.declaration.document"
    _description = "Customs Declaration Document"
    _inherit = ["customs.declaration.part"]
    _order = "declaration_id, line_id, id"
    _check_company_auto = True

    # An item's document or statement belongs to the item's declaration, also when the item is copied.
    declaration_id = fields.Many2one(compute="_compute_declaration_id", store=True, readonly=False, precompute=True)
    line_id = fields.Many2one(
        "customs.declaration.line", "Goods Item", ondelete="cascade", index="btree_not_null",
        domain="[('declaration_id', '=', declaration_id)]",
        help="Empty: the document concerns the whole declaration.",
    )
    category_code = fields.Char(
        required=True, default="N",
        help="Z previous document (DE 2/1), N or C supporting document or certificate (DE 2/3), "
        "1-4 additional references.",
    )
    type_code = fields.Char(required=True, help="e.g. 380 commercial invoice, 935 invoice for customs value, "
                            "830 export declaration.")
    reference = fields.Char(required=True)
    line_number = fields.Integer(help="Goods item number on the previous document, where it has several.")
    attachment_id = fields.Many2one("ir.attachment")

    @api.depends("line_id")
    def _compute_declaration_id(self):
        for record in self.filtered("line_id"):
            record.declaration_id = record.line_id.declaration_id
