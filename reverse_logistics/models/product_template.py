from odoo import fields, models


class ProductTemplate(models.Model):
    _inherit = "product.template"

    return_hazardous = fields.Boolean(
        "Hazardous when Returned",
        help="Returned units may only go to certified recycling, whatever their category says.",
    )
