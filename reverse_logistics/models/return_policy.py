from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..returns_lib import categories as categories_lib
from ..returns_lib import policy as policy_lib


class ReturnPolicy(models.Model):
    _name = "return.policy"
    _description = "Return Policy"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10, help="Among policies equally specific, the first one applies.")
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    category_ids = fields.Many2many(
        "product.category",
        string="Eligible Categories",
        help="Product categories (with their sub-categories) this policy covers. "
        "Leave empty to cover every category. Products of a category that no policy of "
        "the company covers cannot be returned without a manager's override.",
    )
    window_days = fields.Integer(
        "Return Window (days)", default=30, required=True, help="Days after delivery during which a return is accepted."
    )
    require_source_document = fields.Boolean(
        default=True,
        help="A return must refer to a sale order, delivery or invoice; otherwise a manager must approve it.",
    )
    inspection_required = fields.Boolean(
        default=True, help="Received goods must be inspected before a disposition is decided."
    )
    restocking_fee_percent = fields.Float(
        "Restocking Fee (%)",
        digits=(5, 2),
        help="Share of the returned goods' value kept when the customer is at fault.",
    )
    restocking_fee_fixed = fields.Monetary(
        "Restocking Fee per Unit", currency_field="currency_id",
        help="Fixed amount kept per returned unit when the customer is at fault, on top of the percentage; "
        "never more than the unit's value.",
    )
    return_shipping_payer = fields.Selection(
        [("customer", "Customer"), ("company", "Company")],
        string="Return Shipping Paid By",
        default="company",
        required=True,
    )
    auto_approve = fields.Boolean(
        help="Requests that are in policy are approved as soon as they are submitted, "
        "within the limits below, without waiting for a person."
    )
    auto_approve_max_amount = fields.Monetary(
        "Auto-approval Limit",
        currency_field="currency_id",
        help="Requests worth more than this are left for a person to approve. 0 means no limit.",
    )
    auto_approve_reason_ids = fields.Many2many(
        "return.reason",
        string="Auto-approved Reasons",
        help="Only requests whose lines all have one of these reasons are auto-approved. Empty: any reason.",
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    note = fields.Html("Customer Instructions", translate=True, help="Printed on the return label and instructions.")

    @api.constrains("window_days", "restocking_fee_percent", "restocking_fee_fixed", "auto_approve_max_amount")
    def _check_values(self):
        for policy in self:
            if policy.window_days < 0:
                raise ValidationError(self.env._("The return window of %s cannot be negative.", policy.name))
            if not 0 <= policy.restocking_fee_percent <= 100:
                raise ValidationError(
                    self.env._("The restocking fee of %s must be between 0 and 100 %%.", policy.name)
                )
            if not 0 <= policy.restocking_fee_fixed < 1e9:  # written so that NaN fails too
                raise ValidationError(self.env._("The restocking fee per unit of %s cannot be negative.", policy.name))
            if policy.auto_approve_max_amount < 0:
                raise ValidationError(self.env._("The auto-approval limit of %s cannot be negative.", policy.name))

    def _to_policy_rule(self):
        self.ensure_one()
        return policy_lib.Policy(
            policy_id=self.id,
            window_days=self.window_days,
            auto_approve=self.auto_approve,
            auto_approve_max_amount=self.auto_approve_max_amount,
            auto_approve_reason_ids=frozenset(self.auto_approve_reason_ids.ids),
            require_source_document=self.require_source_document,
        )

    @api.model
    def _get_policies_by_product(self, products, company):
        """Map each product to the policy of ``company`` that covers its category most specifically.

        One search for all products; products that no policy covers map to an empty recordset.
        """
        policies = self.search([("company_id", "=", company.id)])
        rules = [(policy._to_policy_rule(), frozenset(policy.category_ids.ids)) for policy in policies]
        by_id = {policy.id: policy for policy in policies}
        result = {}
        for product in products:
            rule = categories_lib.pick_most_specific(product.categ_id._ancestors_and_self().ids, rules)
            result[product] = by_id[rule.policy_id] if rule else self.browse()
        return result
