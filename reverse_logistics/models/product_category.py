from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ProductCategory(models.Model):
    """The economics and rules that decide what becomes of a returned unit of the category."""

    _inherit = "product.category"

    return_allowed_disposition_ids = fields.Many2many(
        "return.disposition.type",
        string="Allowed Dispositions",
        help="What returned units of this category may become. Empty: every disposition.",
        groups="base.group_user",
    )
    return_hazardous = fields.Boolean(
        "Hazardous Goods", help="Returned units (e.g. lithium batteries) may only go to certified recycling.",
        groups="base.group_user",
    )
    return_refurbished_grade_id = fields.Many2one(
        "return.grade", "Grade after Refurbishment", help="The grade a refurbishment brings a unit to (default B).",
        groups="base.group_user",
    )
    resale_warranty_months = fields.Integer(
        "Resale Warranty (Months)", default=12, help="Warranty of refurbished and graded units of the category.",
        groups="base.group_user",
    )
    return_refurbish_cost = fields.Float(
        "Refurbishment Cost", digits="Product Price", help="Parts and labour to refurbish one unit.",
        groups="base.group_user",
    )
    return_handling_cost = fields.Float(
        "Handling Cost", digits="Product Price", help="Handling one unit in the warehouse, whatever becomes of it.",
        groups="base.group_user",
    )
    return_vendor_shipping_cost = fields.Float(
        "Shipping to Vendor", digits="Product Price", help="Transport of one unit back to its vendor.",
        groups="base.group_user",
    )
    return_vendor_credit_percent = fields.Float(
        "Vendor Credit (%)",
        digits=(5, 2),
        help="Share of the vendor's price credited for a unit returned to them. 0: the vendor takes no returns.",
        groups="base.group_user",
    )
    return_recycling_value = fields.Float(
        "Recycling Value", digits="Product Price", help="Material value recovered by recycling one unit.",
        groups="base.group_user",
    )
    return_recycling_fee = fields.Float("Recycling Fee", digits="Product Price", groups="base.group_user")
    return_destruction_fee = fields.Float("Destruction Fee", digits="Product Price", groups="base.group_user")

    @api.constrains(
        "return_refurbish_cost", "return_handling_cost", "return_vendor_shipping_cost", "return_vendor_credit_percent",
        "return_recycling_value", "return_recycling_fee", "return_destruction_fee",
    )
    def _check_return_economics(self):
        for category in self:
            amounts = (
                category.return_refurbish_cost, category.return_handling_cost, category.return_vendor_shipping_cost,
                category.return_recycling_value, category.return_recycling_fee, category.return_destruction_fee,
            )
            if any(amount < 0 for amount in amounts):
                raise ValidationError(
                    self.env._("Costs, fees and values of returned %s cannot be negative.", category.display_name)
                )
            if not 0 <= category.return_vendor_credit_percent <= 100:
                raise ValidationError(
                    self.env._("The vendor credit of %s must be between 0 and 100 %%.", category.display_name)
                )

    def _ancestors_and_self(self):
        """The category, its parent, its parent's parent..., nearest first."""
        self.ensure_one()
        return self.browse([int(cid) for cid in reversed(self.parent_path.strip("/").split("/"))])
