from odoo import api, fields, models


class CustomsDeclarationPackage(models.Model):
    _name = "customs.declaration.package"
    _description = "Customs Declaration Package"
    _inherit = ["customs.declaration.part"]
    _order = "line_id, id"

    line_id = fields.Many2one("customs.declaration.line", "Goods Item", required=True, ondelete="cascade",
                              index=True)
    declaration_id = fields.Many2one(related="line_id.declaration_id", store=True, index=True, required=False)
    type_code = fields.Char("Kind", required=True, default="PK",
                            help="Kind of packages (DE 6/9), UN/ECE Recommendation 21: PK package, CT carton, "
                            "PX pallet, BX box...")
    count = fields.Integer("Number", default=1, help="Number of packages (DE 6/10).")
    marks = fields.Char("Shipping Marks", help="Marks and numbers on the packages (DE 6/11).")

    @api.depends("count", "type_code", "marks")
    def _compute_display_name(self):
        for package in self:
            name = f"{package.count} × {package.type_code or ''}"
            package.display_name = f"{name} ({package.marks})" if package.marks else name
