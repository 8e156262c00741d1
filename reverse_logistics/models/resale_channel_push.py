# pylint: disable=consider-merging-classes-inherited
import logging
from collections import defaultdict
from decimal import Decimal

import psycopg2

from odoo import api, fields, models, modules
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, float_compare

from ..returns_lib.resale import channel_client
from .return_input_guard import flow_writes

_logger = logging.getLogger(__name__)


class ResaleChannel(models.Model):
    """Channels that take offers through an API: the listings' prices and quantities are pushed to them."""

    _inherit = "resale.channel"

    push_enabled = fields.Boolean(
        "Push Offers", help="Send the listings' prices and quantities to the channel's API every few minutes.",
    )
    push_url = fields.Char(
        "Offer API URL", help="Base address of the channel's offer API: batches go to <address>/offers/batch.",
    )
    push_token = fields.Char("Offer API Token", copy=False, groups="sales_team.group_sale_manager")
    push_batch_size = fields.Integer("Offers per Call", default=25,
                                     help="The most offers the channel takes in one call.")
    last_push_date = fields.Datetime("Last Push", readonly=True, copy=False)
    last_push_error = fields.Text("Last Push Problems", readonly=True, copy=False)
    offer_ids = fields.One2many("resale.offer", "channel_id", "Offers")
    offer_error_count = fields.Integer("Offers in Error", compute="_compute_offer_error_count")

    _sql_constraints = [
        ("push_batch_size_range", "CHECK(push_batch_size >= 1 AND push_batch_size <= 1000)",
         "A channel takes between 1 and 1,000 offers per call."),
    ]

    @api.constrains("push_enabled", "push_url", "push_token")
    def _check_push_settings(self):
        for channel in self.sudo().filtered("push_enabled"):
            if not (channel.push_url or "").startswith(("https://", "http://")):
                raise ValidationError(self.env._("%s: the offer API URL must start with https://.", channel.name))
            if not channel.push_token:
                raise ValidationError(self.env._("%s: pushing offers needs the API token.", channel.name))

    def _compute_offer_error_count(self):
        counts = dict(self.env["resale.offer"]._read_group(
            [("channel_id", "in", self.ids), ("state", "=", "error")], ["channel_id"], ["__count"]
        ))
        for channel in self:
            channel.offer_error_count = counts.get(channel, 0)

    def action_view_offers(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("reverse_logistics.action_resale_offer")
        action["domain"] = [("channel_id", "=", self.id)]
        action["context"] = {"search_default_error": 1} if self.offer_error_count else {}
        return action

    def action_push_now(self):
        """Push the changed offers of these channels now instead of waiting for the scheduled push."""
        self.check_access("write")
        disabled = self.filtered(lambda channel: not channel.push_enabled)
        if disabled:
            raise UserError(self.env._("Pushing offers is not enabled on %s.", ", ".join(disabled.mapped("name"))))
        results = self._push_offers(busy_raises=True)
        problems = [channel.last_push_error for channel in self if channel.last_push_error]
        sent = sum(len(result.accepted) for result in results.values() if result)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "warning" if problems else "success",
                "title": self.env._("Offers pushed"),
                "message": "\n".join(problems) or self.env._("%s offers accepted by the channel.", sent),
                "sticky": bool(problems),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    @api.model
    def _cron_push_offers(self):
        """Push the changed offers of every channel that takes them. Never raises.

        Each channel is committed once pushed. Its marketplace changed the moment it answered: the
        record of what it accepted must not be rolled back because a later channel failed or the
        worker hit its time limit (every channel may wait out Retry-After delays), else the next run
        compares with stale values. It also releases the channel's and offers' row locks instead of
        holding them across the other channels' HTTP calls. Nothing else is written by this job.
        """
        channels = self.search([("push_enabled", "=", True)])
        results = channels._push_offers(commit=not modules.module.current_test)
        self.env["ir.cron"]._notify_progress(done=len(channels), remaining=0)
        return results

    def _push_offers(self, commit=False, busy_raises=False):
        """{channel: PushResult or None}; one channel's failure is recorded on it and the others carry on."""
        results, busy = {}, []
        for channel in self:
            channel = channel.with_company(channel.company_id)
            results[channel] = None
            try:
                with self.env.cr.savepoint():
                    if channel._lock_for_push():
                        results[channel] = channel._push_channel_offers()
                    else:
                        busy.append(channel.name)
            except Exception as error:  # pylint: disable=broad-except
                # Whatever went wrong on one channel, the others are still pushed; the error is kept on it.
                _logger.exception("Offer push of channel %s failed", channel.id)
                channel.write({
                    "last_push_date": fields.Datetime.now(),
                    "last_push_error": self.env._("The push failed: %s", error),
                })
            if commit:
                self.env.cr.commit()  # pylint: disable=invalid-commit
        if busy and busy_raises:
            raise UserError(self.env._("%s is being pushed at this moment: try again in a minute.", ", ".join(busy)))
        return results

    def _lock_for_push(self):
        """False when another push of this channel holds it (the cron and a Push Now at the same time)."""
        self.ensure_one()
        try:
            with self.env.cr.savepoint(flush=False):
                # A busy channel is answered (skipped, or the user told): no ERROR line in the log.
                self.env.cr.execute(SQL("SELECT id FROM resale_channel WHERE id = %s FOR NO KEY UPDATE NOWAIT",
                                        self.id), log_exceptions=False)
        except psycopg2.errors.LockNotAvailable:
            return False
        return True

    def _push_client(self):
        """The channel's adapter; override for a marketplace whose API is not the generic batch API."""
        self.ensure_one()
        return channel_client.RestChannelClient(self.push_url, self.push_token, batch_size=self.push_batch_size)

    def _wanted_offer(self, listing):
        """(price, quantity) the channel should show for the listing now; quantity 0 once it left sale."""
        return listing.price or 0.0, self._offer_quantity(listing)

    def _push_channel_offers(self):
        """Send the offers whose price or quantity changed since the channel last accepted them."""
        self.ensure_one()
        # sudo: offers are the push's own record of what the channel was told; no user creates or edits
        # them, and only this channel's offers, for its listings, are touched.
        offers = self.env["resale.offer"].sudo().search([("channel_id", "=", self.id)])
        listings = self._feed_listings()
        known = set(offers.listing_id.ids)
        new_listings = listings.filtered(lambda listing: listing.id not in known
                                         and self._offer_quantity(listing) > 0)
        with flow_writes():
            offers |= self.env["resale.offer"].sudo().create([
                {"listing_id": listing.id, "channel_id": self.id, "state": "to_push"} for listing in new_listings
            ])
        # Listings of older offers may have been sold or taken off the channel: read them all at once.
        offers.listing_id.fetch(["name", "state", "price", "quantity", "quantity_sold", "quantity_reserved",
                                 "product_id", "lot_id", "location_id", "channel_ids"])
        rounding = self.currency_id.rounding
        to_send, quiet = {}, self.env["resale.offer"].sudo()
        for offer in offers:
            price, quantity = self._wanted_offer(offer.listing_id)
            changed = (quantity != offer.pushed_quantity
                       or float_compare(price, offer.pushed_price, precision_rounding=rounding) != 0)
            if offer.state == "in_sync" and not changed:
                continue
            if not offer.date_pushed and not quantity and offer.state == "to_push":
                quiet |= offer  # never on the channel, nothing to withdraw there
                continue
            to_send[offer] = (price, quantity)
        with flow_writes():
            quiet.write({"state": "in_sync", "pushed_quantity": 0, "last_error": False})
        if not to_send:
            self.write({"last_push_date": fields.Datetime.now(), "last_push_error": False})
            return channel_client.PushResult()
        currency = self.currency_id.name
        updates = [
            channel_client.OfferUpdate(
                sku=offer.listing_id.name, currency=currency,
                price=Decimal(str(price)).quantize(Decimal("0.01")) if price else None, quantity=quantity,
            )
            for offer, (price, quantity) in to_send.items()
        ]
        result = self._push_client().push(updates)
        self._record_push(to_send, result)
        return result

    def _record_push(self, sent, result):
        """What the channel took, refused and never got, on the offers and on the channel."""
        now = fields.Datetime.now()
        by_sku = {offer.listing_id.name: offer for offer in sent}
        accepted = defaultdict(lambda: self.env["resale.offer"].sudo())
        for sku in result.accepted:
            offer = by_sku.get(sku)
            if offer is not None:
                accepted[sent[offer]] |= offer
        failed = defaultdict(lambda: self.env["resale.offer"].sudo())
        for sku, reason in result.rejected.items():
            if sku in by_sku:
                failed[self.env._("Refused by the channel: %s", reason)] |= by_sku[sku]
        for error in result.errors:
            for sku in error.skus:
                if sku in by_sku:
                    failed[error.message] |= by_sku[sku]
        answered = set(result.accepted) | set(result.rejected) | {sku for e in result.errors for sku in e.skus}
        for sku, offer in by_sku.items():
            if sku not in answered:
                failed[self.env._("The channel did not answer for this offer.")] |= offer
        with flow_writes():
            for (price, quantity), offers in accepted.items():
                offers.write({"pushed_price": price, "pushed_quantity": quantity, "date_pushed": now,
                              "last_error": False, "state": "in_sync"})
            for message, offers in failed.items():
                offers.write({"last_error": message, "state": "error"})
        problems = []
        if result.rejected:
            problems.append(self.env._("%s offers refused by the channel.", len(result.rejected)))
        for message in dict.fromkeys(error.message for error in result.errors):
            problems.append(message)
        self.write({"last_push_date": now, "last_push_error": "\n".join(problems) or False})
        _logger.info("Offer push of channel %s: %s accepted, %s refused, %s errors", self.id,
                     len(result.accepted), len(result.rejected), len(result.errors))


class ResaleListing(models.Model):
    _inherit = "resale.listing"

    def _after_offer_change(self):
        """A listing offered on a channel that takes pushes changed: ask for the push to run soon.

        Only a cron trigger is inserted, no offer is written here: a sale that reserves a unit never
        waits on (or conflicts with) a push holding the offer rows, and the push compares what every
        listing wants with what its channel accepted anyway.
        """
        result = super()._after_offer_change()
        # sudo: the hook runs in the flows of users who may not read channels (a delivery validated by
        # the warehouse); only whether some channel pushes is read.
        listings = self.sudo()
        pushing = listings.channel_ids.filtered("push_enabled") or self.env["resale.offer"].sudo().search_count(
            [("listing_id", "in", self.ids)], limit=1
        )
        cron = self.env.ref("reverse_logistics.ir_cron_push_resale_offers", raise_if_not_found=False)
        if pushing and cron:
            cron.sudo()._trigger()
        return result
