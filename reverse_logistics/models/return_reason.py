from odoo import fields, models


class ReturnReason(models.Model):
    _name = "return.reason"
    _description = "Return Reason"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(help="Short code used in reports and exchanges with carriers or marketplaces.")
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", help="Leave empty to share the reason between companies."
    )
    description = fields.Text(translate=True, help="Shown to customers in the portal.")
    customer_fault = fields.Boolean(
        help="The customer changed their mind or ordered by mistake: "
        "restocking fees and return shipping charges apply according to the policy."
    )

    _sql_constraints = [
        ("code_company_uniq", "unique(code, company_id)", "A return reason code must be unique per company."),
    ]
