"""Feeds of a resale channel for the readers that fetch them: Merchant Center, Back Market, anything else.

The address carries the channel's feed token: it is the reader's only credential. Every refusal is the
same 403, whether the channel does not exist, is archived, or the token is wrong.

What the feeds carry, and the choices made:
- only listings published on the channel; Merchant Center gets those with a unit to sell (it drops an
  item missing from the next fetch), the Back Market file and the JSON offers also list, with quantity 0,
  those that left sale in the last 30 days (sold, reserved, delisted, unit gone): a marketplace keeps
  selling an offer until a file says 0;
- the offer id is the listing's SKU; the brand is the product's brand when a brand module adds one
  (``product_brand_id``/``brand_id``), else the company's name; the GTIN is the product's barcode when it is
  a valid GTIN (else the MPN, the internal reference);
- the link is the product's page on the web shop when website_sale publishes it, else a plain page of the
  listing served here; images and pages have their own address, signed per listing with a key derived
  from the feed token, because Merchant Center shows them to buyers: they never carry the token itself.
"""

import hmac
import logging
import secrets

from markupsafe import Markup, escape

from odoo import http
from odoo.http import request

_logger = logging.getLogger(__name__)

# Ids are PostgreSQL integers: a bigger number in the address is no channel, not a database error.
MAX_RECORD_ID = 2**31 - 1
NO_STORE = [("Cache-Control", "no-store"), ("X-Robots-Tag", "noindex")]


class ResaleFeed(http.Controller):
    def _channel(self, channel_id, token):
        """The channel whose feed token is ``token``, as superuser; None when anything is wrong.

        sudo: the reader is a machine with the feed address, not a user; the token, compared first
        in constant time, is its credential, and it opens only this channel's feeds: the routes read
        this channel's published listings, in its company, and the fields the formats carry.
        """
        channel = request.env["resale.channel"]
        if 0 < channel_id <= MAX_RECORD_ID:
            channel = channel.sudo().browse(channel_id).exists()
        expected = channel.feed_token if channel and channel.active else None
        # Compared against a random value when there is nothing to compare with, so that how long the
        # answer takes does not tell a reader which channels exist. Bytes: compare_digest refuses non-ASCII str.
        candidate = (token or "").encode()
        valid = hmac.compare_digest(candidate, (expected or secrets.token_urlsafe(32)).encode())
        if not (expected and valid):
            _logger.info("Resale feed of channel %s: token refused", channel_id)
            return None
        return channel.with_company(channel.company_id)

    def _signed_listing(self, channel_id, listing_id, purpose, signature):
        """(channel, listing) for an image or page address signed for that listing; None when refused."""
        channel = request.env["resale.channel"]
        if 0 < channel_id <= MAX_RECORD_ID:
            # sudo: as for the feeds, the signature derived from the feed token is the credential, checked first.
            channel = channel.sudo().browse(channel_id).exists()
        if not (channel and channel.active and channel.feed_token and 0 < listing_id <= MAX_RECORD_ID):
            hmac.compare_digest((signature or "").encode(), secrets.token_hex(20).encode())
            return None
        if not hmac.compare_digest((signature or "").encode(),
                                   channel._feed_signature(purpose, listing_id).encode()):
            return None
        channel = channel.with_company(channel.company_id)
        listing = channel.env["resale.listing"].browse(listing_id).exists()
        # Drafts were never offered; a listing taken off this channel is not shown through it any more.
        if not listing or listing.state == "draft" or channel not in listing.channel_ids:
            return None
        return channel, listing

    def _forbidden(self):
        return request.make_response("Forbidden", [("Content-Type", "text/plain; charset=utf-8"), *NO_STORE],
                                     status=403)

    def _not_found(self):
        return request.make_response("Not Found", [("Content-Type", "text/plain; charset=utf-8"), *NO_STORE],
                                     status=404)

    @http.route(["/resale/feed/<int:channel_id>/<string:token>/google.xml",
                 "/resale/feed/<int:channel_id>/google.xml"], type="http", auth="public",
                methods=["GET"], save_session=False, readonly=True)
    def google_feed(self, channel_id, token=None, **_kwargs):
        """Google Merchant Center feed (RSS 2.0), fetched on Merchant Center's schedule."""
        channel = self._channel(channel_id, token)
        if channel is None:
            return self._forbidden()
        if channel.kind != "google":
            return self._not_found()
        result = channel._build_google_feed()
        return request.make_response(result.xml, [("Content-Type", "application/xml; charset=utf-8"), *NO_STORE])

    @http.route(["/resale/feed/<int:channel_id>/<string:token>/backmarket.csv",
                 "/resale/feed/<int:channel_id>/backmarket.csv"], type="http", auth="public",
                methods=["GET"], save_session=False, readonly=True)
    def backmarket_feed(self, channel_id, token=None, part="1", **_kwargs):
        """Back Market bulk listing file; ``?part=N`` for the N-th file of 15,000 offers."""
        channel = self._channel(channel_id, token)
        if channel is None:
            return self._forbidden()
        if channel.kind != "backmarket":
            return self._not_found()
        export = channel._build_marketplace_csv()
        files = export.files or (b"sku,quantity,price,currency,grade,warranty,comment\n",)
        try:
            index = int(part) - 1
        except ValueError:
            index = -1
        if not 0 <= index < len(files):
            return self._not_found()
        return request.make_response(files[index], [
            ("Content-Type", "text/csv; charset=utf-8"),
            ("Content-Disposition", f'attachment; filename="channel-{channel.id}-part-{index + 1}.csv"'),
            ("X-Feed-Parts", str(len(files))),
            *NO_STORE,
        ])

    @http.route(["/resale/feed/<int:channel_id>/<string:token>/offers.json",
                 "/resale/feed/<int:channel_id>/offers.json"], type="http", auth="public",
                methods=["GET"], save_session=False, readonly=True)
    def offers_feed(self, channel_id, token=None, **_kwargs):
        """Every offer of the channel as JSON, whatever its kind."""
        channel = self._channel(channel_id, token)
        if channel is None:
            return self._forbidden()
        return request.make_json_response(channel._build_offers_json(), headers=NO_STORE)

    @http.route("/resale/feed/<int:channel_id>/image/<int:listing_id>/<string:signature>", type="http",
                auth="public", methods=["GET"], save_session=False, readonly=True)
    def listing_image(self, channel_id, listing_id, signature, **_kwargs):
        """The listing's first photo, else its product's image: the feed's image_link."""
        found = self._signed_listing(channel_id, listing_id, "image", signature)
        if found is None:
            return self._forbidden()
        _channel, listing = found
        binary = request.env["ir.binary"].sudo()
        photo = listing.photo_ids.filtered(lambda p: (p.mimetype or "").startswith("image/"))[:1]
        if photo:
            stream = binary._get_stream_from(photo, "raw")
        elif listing.product_id.with_context(bin_size=True).image_1920:
            stream = binary._get_image_stream_from(listing.product_id, "image_1920")
        else:
            return self._not_found()
        return stream.get_response()

    @http.route("/resale/feed/<int:channel_id>/item/<int:listing_id>/<string:signature>", type="http",
                auth="public", methods=["GET"], save_session=False, readonly=True)
    def listing_page(self, channel_id, listing_id, signature, **_kwargs):
        """A plain page of the unit, the feed's link when the company has no web shop page for the product."""
        found = self._signed_listing(channel_id, listing_id, "item", signature)
        if found is None:
            return self._forbidden()
        channel, listing = found
        condition = channel._feed_condition(listing)
        label = condition[1] if condition else listing.grade_id.name
        title = channel._feed_title(listing, label)
        quantity = channel._offer_quantity(listing)
        availability = (request.env._("In stock") if quantity else request.env._("No longer available"))
        image = channel._feed_image_url(listing) if channel._feed_images(listing)[listing] else None
        body = Markup(
            "<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title></head><body>"
            "<h1>{title}</h1>{image}<p>{price}</p><p>{availability}</p><p>{description}</p>"
            "<p>{warranty}</p><p>{company}</p></body></html>"
        ).format(
            title=title,
            image=Markup("<img src='{src}' alt='{alt}' style='max-width: 480px'/>").format(src=image, alt=title)
            if image else "",
            price=listing.currency_id.format(listing.price),
            availability=availability,
            description=channel._feed_description(listing, label),
            warranty=request.env._("%s months warranty", listing.warranty_months),
            company=escape(listing.company_id.name),
        )
        return request.make_response(str(body), [("Content-Type", "text/html; charset=utf-8"),
                                                 ("Cache-Control", "no-store")])
