from werkzeug.exceptions import NotFound

from odoo import http
from odoo.exceptions import UserError
from odoo.http import request

# Every route reads listings through sudo(): visitors (the public user, portal customers) have no access to
# resale.listing, on purpose, because a listing holds its cost, floor, margin and the inspectors' notes.
# The routes only ever hand the templates the values built by resale.listing._shop_cards() and
# _shop_detail_values(), which name the buyer-facing fields one by one; no sudo record reaches a template.


class RefurbishedShop(http.Controller):
    def _shop_listing(self, listing_id):
        """The listing behind a shop address, or 404: only listings offered (or once offered) in this shop."""
        listing = request.env["resale.listing"].sudo().browse(listing_id).exists()
        if not listing or not listing._shop_visible(request.website):
            raise NotFound()
        return listing

    def _login_first(self):
        if not request.website.has_ecommerce_access():
            return request.redirect(f"/web/login?redirect={request.httprequest.path}")
        return None

    @http.route("/shop/refurbished", type="http", auth="public", website=True, sitemap=True)
    def refurbished(self, **kwargs):
        if redirect := self._login_first():
            return redirect
        Listing = request.env["resale.listing"].sudo()
        listings = Listing.search(Listing._shop_domain(request.website))
        return request.render("reverse_logistics_website_sale.refurbished_shop", {
            "cards": listings._shop_cards(),
        })

    @http.route("/shop/refurbished/<int:listing_id>", type="http", auth="public", website=True, sitemap=False)
    def refurbished_unit(self, listing_id, **kwargs):
        if redirect := self._login_first():
            return redirect
        listing = self._shop_listing(listing_id)
        return request.render("reverse_logistics_website_sale.refurbished_unit", {
            "unit": listing._shop_detail_values(request.website),
        })

    @http.route("/shop/refurbished/<int:listing_id>/photo/<int:photo_id>", type="http", auth="public",
                website=True, sitemap=False)
    def refurbished_photo(self, listing_id, photo_id, **kwargs):
        listing = self._shop_listing(listing_id)
        photo = listing.photo_ids.filtered(lambda attachment: attachment.id == photo_id)
        if not photo:
            raise NotFound()
        return request.env["ir.binary"]._get_stream_from(photo).get_response()

    @http.route("/shop/refurbished/<int:listing_id>/add", type="http", auth="public", methods=["POST"],
                website=True, sitemap=False)
    def refurbished_add(self, listing_id, **kwargs):
        if redirect := self._login_first():
            return redirect
        listing = self._shop_listing(listing_id)
        if not listing._shop_offered(request.website):
            return request.redirect(f"/shop/refurbished/{listing.id}")
        order = request.website.sale_get_order(force_create=True)
        if order.state != "draft":
            request.session["sale_order_id"] = None
            order = request.website.sale_get_order(force_create=True)
        try:
            values = order._cart_update(product_id=listing.product_id.id, add_qty=1, resale_listing_id=listing.id)
        except UserError:
            return request.redirect(f"/shop/refurbished/{listing.id}")
        request.session["website_sale_cart_quantity"] = order.cart_quantity
        if not values.get("line_id"):
            return request.redirect(f"/shop/refurbished/{listing.id}")
        return request.redirect("/shop/cart")
