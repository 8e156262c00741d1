# pylint: disable=consider-merging-classes-inherited
import hashlib
import hmac
import logging
import math
from collections import Counter, defaultdict
from datetime import timedelta
from decimal import Decimal

from odoo import api, fields, models

from ..returns_lib.resale import conditions, marketplace_csv, merchant_feed

_logger = logging.getLogger(__name__)

# A listing that left sale (sold, reserved, delisted, unit gone) stays in the marketplace file with
# quantity 0 this long: a marketplace keeps selling an offer until a file says 0, and a file read at
# least monthly has said it by then. Older ones would only grow the file.
FEED_WITHDRAWN_DAYS = 30


class ResaleChannel(models.Model):
    _inherit = "resale.channel"

    feed_url_google = fields.Char(
        "Google Merchant Center Feed", compute="_compute_feed_urls", groups="sales_team.group_sale_manager",
        help="Register this address as a scheduled fetch in Merchant Center.",
    )
    feed_url_backmarket = fields.Char(
        "Back Market File", compute="_compute_feed_urls", groups="sales_team.group_sale_manager",
        help="Bulk listing file; add ?part=2, ?part=3... beyond 15,000 offers (the X-Feed-Parts header says how "
             "many parts there are).",
    )
    feed_url_offers = fields.Char(
        "Offers (JSON)", compute="_compute_feed_urls", groups="sales_team.group_sale_manager",
        help="Every offer of the channel as JSON, for any other reader.",
    )
    feed_excluded_count = fields.Integer(
        "Left Out of the Feed", compute="_compute_feed_exclusions",
        help="Listings for sale on this channel that its feed leaves out: the readers never see them.",
    )
    feed_excluded_reasons = fields.Text("Why They Are Left Out", compute="_compute_feed_exclusions")

    @api.depends("feed_token", "kind")
    def _compute_feed_urls(self):
        for channel in self:
            token = channel.sudo().feed_token
            if not channel.id or not token:
                channel.update({"feed_url_google": False, "feed_url_backmarket": False, "feed_url_offers": False})
                continue
            base = f"{channel.get_base_url()}{channel._feed_path()}"
            channel.feed_url_google = f"{base}/google.xml" if channel.kind == conditions.GOOGLE else False
            channel.feed_url_backmarket = f"{base}/backmarket.csv" if channel.kind == conditions.BACKMARKET else False
            channel.feed_url_offers = f"{base}/offers.json"

    def _compute_feed_exclusions(self):
        # One search per channel, as the feed itself reads them: shown on the channel's form.
        for channel in self:
            exclusions = channel._feed_exclusions(channel._feed_listings()) if channel.id else {}
            reasons = Counter(reason for why in exclusions.values() for reason in why)
            channel.feed_excluded_count = len(exclusions)
            channel.feed_excluded_reasons = "\n".join(
                self.env._("%(reason)s: %(count)s listing(s)", reason=reason, count=count)
                for reason, count in reasons.most_common()
            ) or False

    def action_view_excluded_listings(self):
        """The listings the channel's feed leaves out, with the reason on each."""
        self.ensure_one()
        action = self.action_view_listings()
        action["domain"] = [("id", "in", [listing.id for listing in self._feed_exclusions(self._feed_listings())])]
        action["name"] = self.env._("Left Out of %s", self.name)
        return action

    def _feed_path(self):
        self.ensure_one()
        return f"/resale/feed/{self.id}/{self.sudo().feed_token}"

    def _feed_signature(self, purpose, listing_id):
        """Secret of one listing's image or page address, derived from the feed token.

        Those addresses end up where buyers see them (Merchant Center shows the link): they must not
        carry the feed token itself, and regenerating the token retires them with the feeds.
        """
        self.ensure_one()
        message = f"{purpose}/{self.id}/{listing_id}".encode()
        return hmac.new(self.sudo().feed_token.encode(), message, hashlib.sha256).hexdigest()[:40]

    # ------------------------------------------------------------------
    # What the channel offers
    # ------------------------------------------------------------------
    def _feed_listings(self, withdrawn=False):
        """Published listings of the channel, in one search; ``withdrawn`` adds those that recently left sale."""
        self.ensure_one()
        domain = [("channel_ids", "in", self.ids), ("company_id", "=", self.company_id.id)]
        if withdrawn:
            cutoff = fields.Datetime.now() - timedelta(days=FEED_WITHDRAWN_DAYS)
            domain += ["|", ("state", "=", "published"),
                       "&", ("date_published", "!=", False), ("write_date", ">=", cutoff)]
        else:
            domain += [("state", "=", "published")]
        listings = self.env["resale.listing"].search(domain, order="id")
        # Fields read below for every listing, in a handful of queries for the batch.
        listings.fetch(["name", "state", "price", "quantity", "quantity_sold", "quantity_reserved", "product_id",
                        "lot_id", "grade_id", "refurbished", "location_id", "condition_note", "warranty_months",
                        "company_id"])
        listings.product_id.fetch(["default_code", "barcode", "product_tmpl_id"])
        return listings

    def _offer_quantity(self, listing):
        """Whole units the channel may sell; 0 for a listing that left sale or left this channel."""
        if listing.state != "published" or self not in listing.channel_ids:
            return 0
        return max(0, math.floor(listing.quantity_available + 1e-9))

    def _feed_condition(self, listing):
        """(value, label) of the listing's condition on this channel, or None (logged) when it has none."""
        try:
            return self._condition_of(listing.grade_id, listing.refurbished)
        except conditions.ConditionError as error:
            _logger.warning("Channel %s: %s left out of the feed: %s", self.id, listing.name, error)
            return None

    def _feed_exclusions(self, listings):
        """{listing: [why]} for those of ``listings`` for sale on this channel that its feed leaves out.

        The same checks as the feeds make (the condition the channel speaks, and for Merchant Center
        every attribute it requires), so that the sales team learns why a feed is short, or empty.
        """
        self.ensure_one()
        for_sale = listings.filtered(lambda listing: self in listing.channel_ids and self._offer_quantity(listing) > 0)
        images = self._feed_images(for_sale) if self.kind == conditions.GOOGLE else {}
        exclusions = {}
        for listing in for_sale:
            try:
                condition = self._condition_of(listing.grade_id, listing.refurbished)
            except conditions.ConditionError as error:
                exclusions[listing] = [self.env._("the channel takes no unit in this condition (%s)", error)]
                continue
            if self.kind == conditions.GOOGLE:
                item = self._prepare_feed_item(listing, condition, images[listing])
                why = [self._describe_feed_problem(problem) for problem in merchant_feed.item_problems(item)]
                if why:
                    exclusions[listing] = why
        return exclusions

    def _describe_feed_problem(self, problem):
        """What the sales team reads for one of the pure package's reasons to leave an item out."""
        if problem == "image_link is missing":
            return self.env._(
                "no photo and no product image: Merchant Center takes no item without one (add a photo to "
                "the listing or an image to the product)"
            )
        return self.env._("Merchant Center would refuse it: %s", problem)

    def _feed_product_name(self, listing):
        """The product's name as buyers read it: with its variant values, never the internal reference."""
        return listing.product_id.with_context(display_default_code=False).display_name

    def _feed_title(self, listing, condition_label):
        return f"{self._feed_product_name(listing)} - {condition_label}"

    def _feed_description(self, listing, condition_label):
        return (listing.condition_note or listing.product_id.description_sale
                or self.env._("%(product)s, condition: %(condition)s, %(months)s months warranty",
                              product=self._feed_product_name(listing), condition=condition_label,
                              months=listing.warranty_months))

    def _feed_brand(self, listing):
        """The product's brand when a brand module gives it one, else the company's name (its own brand)."""
        product = listing.product_id
        for name in ("product_brand_id", "brand_id"):
            if name in product._fields and product[name]:
                return product[name].display_name
        return listing.company_id.name

    def _feed_images(self, listings):
        """{listing: True} for listings with something to show: an image photo or a product image."""
        products = listings.product_id.with_context(bin_size=True)
        with_image = {product.id for product in products if product.image_1920}
        return {
            listing: bool(listing.photo_ids.filtered(lambda p: (p.mimetype or "").startswith("image/"))
                          or listing.product_id.id in with_image)
            for listing in listings
        }

    def _feed_image_url(self, listing):
        return (f"{self.get_base_url()}/resale/feed/{self.id}/image/{listing.id}/"
                f"{self._feed_signature('image', listing.id)}")

    def _feed_link(self, listing):
        """The product page on the company's web shop when there is one, else the listing's own page."""
        template = listing.product_id.product_tmpl_id
        if "website_url" in template._fields and "website_published" in template._fields \
                and template.website_published and template.website_url:
            return f"{template.get_base_url()}{template.website_url}"
        return (f"{self.get_base_url()}/resale/feed/{self.id}/item/{listing.id}/"
                f"{self._feed_signature('item', listing.id)}")

    def _prepare_feed_item(self, listing, condition, has_image):
        """The Merchant Center item of a listing; override to add attributes or change the title."""
        value, label = condition
        product = listing.product_id
        return merchant_feed.FeedItem(
            id=listing.name,
            title=self._feed_title(listing, label),
            description=self._feed_description(listing, label),
            link=self._feed_link(listing),
            image_link=self._feed_image_url(listing) if has_image else "",
            availability="in_stock",
            price=Decimal(str(listing.price)),
            currency=listing.currency_id.name,
            condition=value,
            brand=self._feed_brand(listing),
            gtin=product.barcode or "",
            mpn=product.default_code or "",
        )

    def _build_google_feed(self):
        """The channel's Merchant Center feed: its published listings with a unit to sell."""
        self.ensure_one()
        listings = self._feed_listings()
        images = self._feed_images(listings)
        items = []
        for listing in listings:
            condition = self._feed_condition(listing)
            # Merchant Center removes an item missing from the next fetch: units gone are simply absent.
            if condition and self._offer_quantity(listing) > 0:
                items.append(self._prepare_feed_item(listing, condition, images[listing]))
        result = merchant_feed.build_feed(
            items, title=self.name, link=self.get_base_url(),
            description=self.env._("Refurbished and graded units of %s", self.company_id.name),
        )
        for message in result.messages:
            _logger.warning("Channel %s (Merchant Center feed): %s", self.id, message)
        return result

    def _prepare_marketplace_offer(self, listing, condition):
        return marketplace_csv.MarketplaceOffer(
            sku=listing.name,
            quantity=self._offer_quantity(listing),
            price=Decimal(str(listing.price)),
            currency=listing.currency_id.name,
            grade=condition[0],
            warranty_months=listing.warranty_months,
            comment=listing.condition_note or "",
        )

    def _build_marketplace_csv(self):
        """Back Market bulk files: offers for sale with their quantity, those withdrawn lately at 0."""
        self.ensure_one()
        offers = []
        for listing in self._feed_listings(withdrawn=True):
            condition = self._feed_condition(listing)
            if condition and listing.price:
                offers.append(self._prepare_marketplace_offer(listing, condition))
        export = marketplace_csv.build_csv(offers)
        for sku, message in export.warnings:
            _logger.warning("Channel %s (marketplace file): %s %s", self.id, sku, message)
        return export

    def _build_offers_json(self):
        """Every offer of the channel as plain data: for sale, or withdrawn lately with quantity 0."""
        self.ensure_one()
        listings = self._feed_listings(withdrawn=True)
        images = self._feed_images(listings)
        offers = []
        for listing in listings:
            condition = self._feed_condition(listing)
            if not condition or not listing.price:
                continue
            offers.append({
                "sku": listing.name,
                "title": self._feed_title(listing, condition[1]),
                "description": self._feed_description(listing, condition[1]),
                "quantity": self._offer_quantity(listing),
                "price": f"{Decimal(str(listing.price)).quantize(Decimal('0.01'))}",
                "currency": listing.currency_id.name,
                "condition": condition[0],
                "condition_label": condition[1],
                "refurbished": listing.refurbished,
                "warranty_months": listing.warranty_months,
                "comment": listing.condition_note or "",
                "gtin": merchant_feed.valid_gtin(listing.product_id.barcode or "") or "",
                "mpn": listing.product_id.default_code or "",
                "link": self._feed_link(listing),
                "image_link": self._feed_image_url(listing) if images[listing] else "",
            })
        return {"channel": self.name, "currency": self.currency_id.name, "offers": offers}


class ResaleListing(models.Model):
    _inherit = "resale.listing"

    feed_exclusion = fields.Text(
        "Left Out of Feeds", compute="_compute_feed_exclusion",
        help="The channels whose feed leaves this listing out although it is for sale, and why.",
    )

    @api.depends("state", "channel_ids", "photo_ids", "price", "grade_id", "refurbished")
    def _compute_feed_exclusion(self):
        reasons = defaultdict(list)
        # Once per channel for all its listings: the checks read images and stock for the batch.
        for channel in self.channel_ids:
            listings = self.filtered(lambda listing, channel=channel: channel in listing.channel_ids)
            for listing, why in channel._feed_exclusions(listings).items():
                reasons[listing.id].extend(f"{channel.name}: {reason}" for reason in why)
        for listing in self:
            listing.feed_exclusion = "\n".join(reasons[listing.id]) or False
