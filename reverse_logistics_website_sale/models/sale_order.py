# pylint: disable=consider-merging-classes-inherited
from odoo import models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import float_round


class SaleOrder(models.Model):
    _inherit = "sale.order"

    def _cart_update(self, product_id, line_id=None, add_qty=0, set_qty=0, **kwargs):
        """Add a listed unit with ``resale_listing_id=<listing id>``; lines of listings stay apart from the rest.

        The line gets ``resale_listing_id``: the core then sells the listed unit at the listing's price, also
        when the cart recomputes its prices (quantity, pricelist or address changes).
        """
        listing_id = kwargs.get("resale_listing_id")
        if not listing_id:
            return super()._cart_update(product_id, line_id=line_id, add_qty=add_qty, set_qty=set_qty, **kwargs)
        self.ensure_one()
        # sudo: the visitor's cart may sell a listing whatever the visitor may read; only an offered one.
        listing = self.env["resale.listing"].sudo().browse(int(listing_id)).exists()
        if not listing or listing.product_id.id != int(product_id) or not listing._shop_offered(self.website_id):
            raise UserError(self.env._("This unit is no longer available."))
        kwargs["resale_listing_id"] = listing.id
        order = self.with_context(resale_cart_listing_id=listing.id)
        result = super(SaleOrder, order)._cart_update(
            product_id, line_id=line_id, add_qty=add_qty, set_qty=set_qty, **kwargs
        )
        if result.get("line_id") and not self.resale_channel_id:
            self.resale_channel_id = listing._shop_channel()
        return result

    def _cart_find_product_line(self, product_id, line_id=None, **kwargs):
        lines = super()._cart_find_product_line(product_id, line_id=line_id, **kwargs)
        if line_id:
            return lines
        # Adding the product as new never adds to a listed unit's line, and a listing only to its own line.
        listing_id = int(kwargs.get("resale_listing_id") or 0)
        if listing_id:
            return lines.filtered(lambda line: line.resale_listing_id.id == listing_id)
        return lines.filtered(lambda line: not line.resale_listing_id)

    def _verify_updated_quantity(self, order_line, product_id, new_qty, **kwargs):
        listing = order_line.resale_listing_id or self.env["resale.listing"].browse(
            int(kwargs.get("resale_listing_id") or 0)
        )
        if not listing:
            return super()._verify_updated_quantity(order_line, product_id, new_qty, **kwargs)
        # A listed line sells what its listing has left (one for a serial), not the product's stock: the
        # product-wide check (website_sale_stock) does not apply to it, so super() is not called.
        # sudo: the availability comes from the stock and the listing, which the visitor may not read.
        listing = listing.sudo()
        available = float_round(listing.quantity_available, precision_digits=0, rounding_method="DOWN")
        if new_qty <= available:
            return new_qty, ""
        allowed = max(int(available), 0)
        if allowed:
            warning = self.env._("Only %(units)s left of %(product)s in this condition.",
                                 units=allowed, product=listing._shop_product_name())
        else:
            warning = self.env._("%s in this condition is no longer available.", listing._shop_product_name())
        if order_line:
            order_line.shop_warning = warning
        else:
            self.shop_warning = warning
        return allowed, warning

    def _prepare_order_line_values(self, product_id, quantity, **kwargs):
        values = super()._prepare_order_line_values(product_id, quantity, **kwargs)
        if kwargs.get("resale_listing_id"):
            values["resale_listing_id"] = int(kwargs["resale_listing_id"])
        return values

    def _check_cart_is_ready_to_be_paid(self):
        # The buyer is not asked to pay for a unit sold meanwhile on another channel; confirmation would
        # refuse the order anyway (the core's reservation), after the payment.
        quantities = self.order_line._resale_quantities()
        gone = [
            listing._shop_product_name() for listing, quantity in quantities.items()
            if not listing.sudo()._shop_can_supply(self.website_id, quantity)
        ]
        if gone:
            raise ValidationError(self.env._(
                "No longer available, remove it from your cart: %s", ", ".join(gone)
            ))
        return super()._check_cart_is_ready_to_be_paid()
