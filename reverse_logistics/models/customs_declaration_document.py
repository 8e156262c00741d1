from odoo import api, fields, models


class CustomsDeclarationDocument(models.Model):
    _name = "customs.declaration.document"
    _description = "Customs Declaration Document"
    _inherit = ["customs.declaration.header.or.item.part"]

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

    @api.depends("type_code", "reference")
    def _compute_display_name(self):
        for document in self:
            document.display_name = " ".join(filter(None, (document.type_code, document.reference)))
