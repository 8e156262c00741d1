from odoo import models


class ProductProduct(models.Model):
    _inherit = "product.product"

    def _is_add_to_cart_allowed(self):
        allowed = super()._is_add_to_cart_allowed()
        listing_id = self.env.context.get("resale_cart_listing_id")
        if allowed or not listing_id:
            return allowed
        # A refurbished unit is sold through its listing even when the product as new is not (or no longer)
        # published in the shop. The context key is set by the cart itself, never read from the request.
        # sudo: the visitor may not read listings; whether this one is offered is what decides.
        listing = self.env["resale.listing"].sudo().browse(listing_id).exists()
        website = self.env["website"].get_current_website()
        return bool(
            listing and listing.product_id == self and listing._shop_offered(website) and website.has_ecommerce_access()
        )
