from odoo import api, fields, models
from odoo.exceptions import ValidationError


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
    restocking_fee_override = fields.Boolean(
        "Own Restocking Fee", groups="base.group_user",
        help="This reason carries its own restocking fee (e.g. opened packaging), instead of the policy's fee "
        "for customer-fault reasons.",
    )
    restocking_fee_percent = fields.Float("Restocking Fee (%)", digits=(5, 2), groups="base.group_user")
    restocking_fee_fixed = fields.Float(
        "Restocking Fee per Unit", digits="Product Price", groups="base.group_user",
        help="Fixed amount per returned unit, in the currency of the company of the return.",
    )

    @api.constrains("restocking_fee_percent", "restocking_fee_fixed")
    def _check_restocking_fee(self):
        for reason in self:
            if not 0 <= reason.restocking_fee_percent <= 100 or not 0 <= reason.restocking_fee_fixed < 1e9:
                raise ValidationError(self.env._(
                    "The restocking fee of reason %s is a percentage between 0 and 100 and an amount that is not "
                    "negative.", reason.name))

    _sql_constraints = [
        ("code_company_uniq", "unique(code, company_id)", "A return reason code must be unique per company."),
    ]
