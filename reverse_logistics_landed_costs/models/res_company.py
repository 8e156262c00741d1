from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    customs_duty_landed_cost_product_id = fields.Many2one(
        "product.product", "Customs Duty Landed Cost", groups="base.group_user",
        domain="[('landed_cost_ok', '=', True), ('type', '=', 'service')]",
        help="Landed-cost product of the customs duties assessed on returned goods: the duty lines of the "
        "customs bill use it, and posting the bill adds the duty to the cost of the returned units. Empty: "
        "duties are booked to the Customs Duty Account as an expense.",
    )
