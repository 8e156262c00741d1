from collections import defaultdict

from odoo import api, models
from odoo.tools import float_compare, float_is_zero

# What a buyer reads about a listing, and nothing else: the shop's templates get these values, never the record.
# Cost basis, floor, margin, predicted value, the inspectors' defects text and the serial stay out.


class ResaleListing(models.Model):
    _inherit = "resale.listing"

    @api.model
    def _shop_domain(self, website):
        """Listings the web shop offers now: published on a web shop channel of the website's company."""
        return [
            ("state", "=", "published"),
            ("company_id", "=", website.company_id.id),
            ("channel_ids", "any", [("kind", "=", "website")]),
        ]

    def _shop_channel(self):
        """The web shop channel the listing is offered on (the order's channel when it is sold there)."""
        self.ensure_one()
        return self.channel_ids.filtered(lambda channel: channel.kind == "website")[:1]

    def _shop_visible(self, website):
        """Whether the listing has a page in the shop: offered now, or once offered and gone since."""
        self.ensure_one()
        return bool(self.state != "draft" and self.company_id == website.company_id and self._shop_channel())

    def _shop_offered(self, website):
        """Whether a buyer may put the listing in a cart now: published there with a unit left in stock."""
        self.ensure_one()
        return bool(
            self.state == "published" and self._shop_visible(website)
            and not float_is_zero(self.quantity_available, precision_rounding=self.product_id.uom_id.rounding)
        )

    def _shop_product_name(self):
        """The product as buyers know it: its name and variant, never the internal reference (as Odoo's cart)."""
        self.ensure_one()
        return self.product_id.with_context(display_default_code=False).display_name

    def _shop_condition(self):
        self.ensure_one()
        return self.env._("Refurbished") if self.refurbished else self.env._("Used")

    def _shop_photo_urls(self):
        self.ensure_one()
        return [f"/shop/refurbished/{self.id}/photo/{photo.id}" for photo in self.photo_ids.sorted("id")]

    def _shop_cards(self):
        """One card per product, grade and condition, with the lowest price and the units left.

        A card leads to its cheapest listing. Listings without a unit left in stock are left out.
        """
        groups = defaultdict(lambda: self.browse())
        for listing in self.filtered(lambda listing: listing.quantity_available > 0):
            groups[listing.product_id, listing.grade_id, listing.refurbished] |= listing
        cards = []
        for (product, grade, _refurbished), listings in groups.items():
            units = sum(listings.mapped("quantity_available"))
            cheapest = listings.sorted(lambda listing: (listing.price, listing.id))[0]
            photos = next((listing._shop_photo_urls() for listing in listings.sorted("price") if listing.photo_ids),
                          [])
            cards.append({
                "listing_id": cheapest.id,
                "url": f"/shop/refurbished/{cheapest.id}",
                "product_name": cheapest._shop_product_name(),
                "grade_name": grade.name,
                "condition": cheapest._shop_condition(),
                "price": cheapest.price,
                "currency": cheapest.currency_id,
                "units": int(units) if float(units).is_integer() else units,
                "uom_name": product.uom_id.name,
                "photo_url": photos[0] if photos else False,
            })
        return sorted(cards, key=lambda card: (card["product_name"], card["grade_name"], card["price"]))

    def _shop_detail_values(self, website):
        """The listing's page: what the buyer needs to decide, and whether the unit can still be bought."""
        self.ensure_one()
        return {
            "listing_id": self.id,
            "product_name": self._shop_product_name(),
            "description": self.product_id.description_sale or False,
            "grade_name": self.grade_id.name,
            "grade_description": self.grade_id.description or False,
            "condition": self._shop_condition(),
            "condition_note": self.condition_note or False,
            "warranty_months": self.warranty_months,
            "price": self.price,
            "currency": self.currency_id,
            "units": self.quantity_available,
            "serial": self.tracking == "serial",
            "uom_name": self.product_id.uom_id.name,
            "photo_urls": self._shop_photo_urls(),
            "available": self._shop_offered(website),
        }

    def _shop_can_supply(self, website, quantity):
        """Whether ``quantity`` (in the product's unit) is still available to a cart of ``website``."""
        self.ensure_one()
        return self._shop_offered(website) and float_compare(
            quantity, self.quantity_available, precision_rounding=self.product_id.uom_id.rounding
        ) <= 0
