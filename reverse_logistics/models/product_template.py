from odoo import fields, models


class ProductTemplate(models.Model):
    _inherit = "product.template"

    return_hazardous = fields.Boolean(
        "Hazardous when Returned",
        help="Returned units may only go to certified recycling, whatever their category says.",
        groups="base.group_user",
    )
    customs_net_weight = fields.Float(
        "Net Weight (customs)", digits="Stock Weight", groups="base.group_user",
        help="Weight of one unit without any packing, declared as net mass; empty: the weight is used.",
    )
    resale_margin_scheme = fields.Boolean(
        "Resold under the VAT Margin Scheme", groups="base.group_user",
        help="Second-hand goods bought from private persons: their resale listings are under the margin scheme "
             "(VAT due on the margin only).",
    )
