# pylint: disable=consider-merging-classes-inherited
# return.order is extended per business concept: this file is its carrier tracking.
import logging
import time
from datetime import timedelta

import psycopg2
import requests

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..returns_lib import tracking as tracking_lib
from .return_states import RECEIVABLE_STATES

_logger = logging.getLogger(__name__)

# Transport events that mean the parcel is on its way back.
MOVING_EVENT_TYPES = frozenset({"picked_up", "in_transit", "arrived_hub", "customs", "delivered"})
# return.event's unique (carrier, event id): a violation of it is a duplicate delivery.
CARRIER_EVENT_CONSTRAINT = "return_event_carrier_event_uniq"
POLL_ATTEMPTS = 3  # within one run, for connection errors and 5xx answers
POLL_RETRY_SECONDS = 0.5
POLL_BATCH_SIZE = 50
POLL_MAX_ANSWER_BYTES = 2 * 1024 * 1024
POLL_READ_TIMEOUTS = 3  # the whole answer must come within this many timeouts
# A parcel is asked about at most this often, however often the job runs.
POLL_INTERVAL_MINUTES = 20


class CarrierPollError(Exception):
    """A poll that gave nothing usable; the message is shown on the return."""


class _DuplicateDeliveryFilter(logging.Filter):
    """Drops odoo.sql_db's "bad query" record of a carrier event delivered twice at once, which
    _record_carrier_events expects and acknowledges. Not mute_logger: it swaps the logger's handlers
    for every thread, and two overlapping deliveries restoring them in turn would mute SQL errors
    for good."""

    def filter(self, record):
        error = record.args[-1] if isinstance(record.args, tuple) and record.args else None
        return not (
            isinstance(error, psycopg2.errors.UniqueViolation)
            and error.diag.constraint_name == CARRIER_EVENT_CONSTRAINT
        )


logging.getLogger("odoo.sql_db").addFilter(_DuplicateDeliveryFilter())


class ReturnOrder(models.Model):
    _inherit = "return.order"

    carrier_id = fields.Many2one("delivery.carrier", "Return Carrier", tracking=True, check_company=True)
    carrier_tracking_ref = fields.Char("Tracking Number", copy=False, tracking=True, index="btree_not_null")
    # How the carrier is polled is the company's business: internal users only, even on the returns
    # a customer may read.
    tracking_last_poll = fields.Datetime("Last Tracking Poll", readonly=True, copy=False, groups="base.group_user")
    tracking_next_poll = fields.Datetime("Next Tracking Poll", readonly=True, copy=False, groups="base.group_user")
    tracking_poll_failures = fields.Integer(readonly=True, copy=False, groups="base.group_user")
    tracking_poll_error = fields.Char("Tracking Problem", readonly=True, copy=False, groups="base.group_user")

    _sql_constraints = [
        (
            "carrier_tracking_ref_uniq",
            "unique(carrier_id, carrier_tracking_ref)",
            "This tracking number is on another return of the same carrier already.",
        ),
    ]

    # ------------------------------------------------------------------
    # Tracking numbers
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_tracking_ref_value(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._check_tracking_ref_value(vals)
        return super().write(vals)

    @api.model
    def _check_tracking_ref_value(self, vals):
        """Refuse a tracking number that is no tracking number, before anything is written: a huge
        one would otherwise fail in the database index, not with a message."""
        ref = vals.get("carrier_tracking_ref")
        if not ref:
            return
        ref = str(ref)
        problem = tracking_lib.tracking_ref_problem(ref)
        if problem == "too_long":
            raise ValidationError(self.env._(
                "A tracking number has at most %(max)s characters; this one has %(length)s.",
                max=tracking_lib.MAX_TRACKING_REF_LENGTH, length=len(ref),
            ))
        if problem == "control_characters":
            raise ValidationError(self.env._(
                "A tracking number cannot contain control characters (line breaks, tabs...): %(ref)r",
                ref=ref,
            ))

    # ------------------------------------------------------------------
    # Events from the carrier (webhook and poll alike)
    # ------------------------------------------------------------------
    def _apply_carrier_events(self, carrier, events):
        """Record parsed carrier events; replays, also concurrent ones, are acknowledged and recorded once.

        ``events``: validated :class:`CarrierEvent` of ``carrier``. The returns they belong to are
        found by tracking number among ``self``, or among all returns if ``self`` is empty.
        Returns (recorded events, number of duplicates, unknown tracking numbers).
        """
        refs = {event.tracking_ref for event in events}
        orders = self.filtered(lambda o: o.carrier_id == carrier and o.carrier_tracking_ref in refs) if self else (
            self.search([("carrier_id", "=", carrier.id), ("carrier_tracking_ref", "in", list(refs))])
        )
        by_ref = {order.carrier_tracking_ref: order for order in orders}
        Event = self.env["return.event"]
        # One query for the whole batch. sudo: whoever reports the events (a carrier, the cron)
        # must see the events already recorded on every return, to acknowledge a replay.
        known = set(
            Event.sudo().search([
                ("carrier_id", "=", carrier.id), ("external_ref", "in", [event.event_id for event in events])
            ]).mapped("external_ref")
        )
        values, duplicates, unknown, seen = [], 0, [], set()
        for event in events:
            order = by_ref.get(event.tracking_ref)
            if not order:
                unknown.append(event.tracking_ref)
                continue
            if event.event_id in known or event.event_id in seen:
                duplicates += 1
                continue
            seen.add(event.event_id)
            values.append({
                "order_id": order.id,
                "event_type": event.event_type,
                "source": "carrier",
                "carrier_id": carrier.id,
                "external_ref": event.event_id,
                "date": event.time or fields.Datetime.now(),
                "place": event.place,
                "description": event.description,
                # Everything a carrier reports is where the parcel is: the customer may see it.
                "public": True,
            })
        recorded, conflicts = self._record_carrier_events(values)
        values = [vals for vals in values if vals["external_ref"] not in conflicts]
        shipped = self.browse(
            {vals["order_id"] for vals in values if vals["event_type"] in MOVING_EVENT_TYPES}
        ).filtered(lambda o: o.state == "approved")
        if shipped:
            # The carrier has the parcel: the return is on its way, whoever marks it. The stock
            # is received by the warehouse, not by the carrier's word. Batches of one carrier often
            # name the same return at once: the rows are taken first, so the loser is retried quietly.
            shipped._lock_rows_for_update()
            shipped._flow_write({"state": "in_transit"})
        return recorded, duplicates + len(conflicts), sorted(set(unknown))

    @api.model
    def _record_carrier_events(self, values):
        """Record carrier events; returns (events, event ids recorded meanwhile by another transaction).

        A carrier that gets no answer quickly sends again, so the same event may be in several
        transactions at once, none seeing the others' rows (repeatable read): the unique index
        (carrier, event id) decides. The batch is tried whole first; on a conflict each event is tried
        in its own savepoint and the conflicting ones are duplicates, acknowledged like replays.
        Odoo would turn the unique violation into an error answer, so the carrier would retry an
        event that is recorded.
        """
        Event = self.env["return.event"]
        try:
            with self.env.cr.savepoint():
                return Event._record(values), set()
        except psycopg2.errors.UniqueViolation as error:
            if error.diag.constraint_name != CARRIER_EVENT_CONSTRAINT:
                raise
        recorded, conflicts = Event, set()
        for vals in values:
            try:
                with self.env.cr.savepoint():
                    recorded |= Event._record([vals])
            except psycopg2.errors.UniqueViolation as error:
                if error.diag.constraint_name != CARRIER_EVENT_CONSTRAINT:
                    raise
                conflicts.add(vals["external_ref"])
        return recorded, conflicts

    @api.model
    def _apply_carrier_payload(self, carrier_id, payload):
        """Validate and record decoded JSON events of a carrier; for connectors and data files."""
        carrier = self.env["delivery.carrier"].browse(carrier_id)
        recorded, duplicates, unknown = self._apply_carrier_events(carrier, tracking_lib.parse_events(payload))
        return {"recorded": len(recorded), "duplicates": duplicates, "unknown": unknown}

    # ------------------------------------------------------------------
    # Polling the carriers
    # ------------------------------------------------------------------
    @api.model
    def _get_poll_domain(self):
        """Returns whose carrier can be asked where the parcel is, and whose turn it is."""
        return [
            ("state", "in", RECEIVABLE_STATES),
            ("carrier_tracking_ref", "!=", False),
            ("carrier_id.return_tracking_url", "!=", False),
            "|", ("tracking_next_poll", "=", False), ("tracking_next_poll", "<=", fields.Datetime.now()),
        ]

    @api.model
    def _cron_poll_carrier_tracking(self, limit=POLL_BATCH_SIZE):
        """Poll the tracking URL of the returns on their way, each in its own savepoint.

        Returns how many were polled. Batches are reported to the cron, which commits and calls
        again while some are left, so a long list never holds one huge transaction.
        """
        orders = self.search(self._get_poll_domain(), order="tracking_next_poll asc nulls first, id", limit=limit)
        for order in orders:
            try:
                with self.env.cr.savepoint():
                    order._poll_carrier_tracking()
            except Exception as error:  # pylint: disable=broad-except
                # Whatever one return's carrier does, the others are still polled.
                _logger.exception("Tracking poll of %s failed", order.name)
                order._note_poll_failure(self.env._("Unexpected error: %s", error))
        # Every polled return has its next poll in the future now, so this counts the others.
        remaining = self.search_count(self._get_poll_domain()) if len(orders) == limit else 0
        self.env["ir.cron"]._notify_progress(done=len(orders), remaining=remaining)
        return len(orders)

    def _poll_carrier_tracking(self):
        self.ensure_one()
        carrier = self.carrier_id
        # Quoted whole: a tracking number is one path segment, whatever characters it has.
        ref = requests.utils.quote(self.carrier_tracking_ref, safe="")
        url = carrier.return_tracking_url.replace("{tracking_ref}", ref)
        try:
            events = tracking_lib.parse_events(
                self._fetch_tracking(url, carrier.return_tracking_timeout or 10), allow_empty=True
            )
        except (CarrierPollError, tracking_lib.MalformedEvents) as error:
            self._note_poll_failure(str(error))
            return False
        # A carrier's answer is about this parcel: events of other parcels in it are not trusted.
        events = [event for event in events if event.tracking_ref == self.carrier_tracking_ref]
        self._apply_carrier_events(carrier, events)
        now = fields.Datetime.now()
        self.write({
            "tracking_last_poll": now,
            "tracking_next_poll": now + timedelta(minutes=POLL_INTERVAL_MINUTES),
            "tracking_poll_failures": 0,
            "tracking_poll_error": False,
        })
        return True

    @api.model
    def _fetch_tracking(self, url, timeout):
        """GET the carrier's answer: connection errors and 5xx are retried with back-off, timeouts are not
        (a carrier that hangs would hold the job for several timeouts); the next run tries again."""
        for attempt in range(POLL_ATTEMPTS):
            last = attempt == POLL_ATTEMPTS - 1
            try:
                # stream: the body is read below within a size and time limit.
                response = requests.get(url, timeout=timeout, headers={"Accept": "application/json"}, stream=True)
            except requests.Timeout as error:
                raise CarrierPollError(
                    self.env._("The carrier did not answer within %s seconds.", timeout)
                ) from error
            except requests.RequestException as error:
                if last:
                    raise CarrierPollError(
                        self.env._("The carrier could not be reached: %s", type(error).__name__)
                    ) from error
            else:
                if response.status_code < 500 or last:
                    break
                response.close()
            time.sleep(POLL_RETRY_SECONDS * 2 ** attempt)
        with response:
            if response.status_code != 200:
                raise CarrierPollError(self.env._("The carrier answered HTTP %s.", response.status_code))
            body = self._read_tracking_answer(response, timeout)
        try:
            return tracking_lib.decode_body(body)
        except tracking_lib.MalformedEvents as error:
            raise CarrierPollError(self.env._("The carrier's answer is not JSON.")) from error

    @api.model
    def _read_tracking_answer(self, response, timeout):
        """The body, unless it is too big or trickles in: the timeout of requests is per read."""
        deadline = time.monotonic() + POLL_READ_TIMEOUTS * timeout
        body = bytearray()
        try:
            for chunk in response.iter_content(64 * 1024):
                body += chunk
                if len(body) > POLL_MAX_ANSWER_BYTES:
                    raise CarrierPollError(self.env._("The carrier's answer is too large."))
                if time.monotonic() > deadline:
                    raise CarrierPollError(
                        self.env._("The carrier did not answer within %s seconds.", POLL_READ_TIMEOUTS * timeout)
                    )
        except requests.RequestException as error:
            raise CarrierPollError(
                self.env._("The carrier's answer was cut off: %s", type(error).__name__)
            ) from error
        return bytes(body)

    def _note_poll_failure(self, message):
        """Keep the problem on the return, tell the chatter when it changes, and wait longer next time."""
        self.ensure_one()
        failures = self.tracking_poll_failures + 1
        if message != self.tracking_poll_error:
            self.message_post(
                body=self.env._("Tracking of %(ref)s failed: %(error)s", ref=self.carrier_tracking_ref, error=message),
                subtype_xmlid="mail.mt_note",
            )
        now = fields.Datetime.now()
        self.write({
            "tracking_last_poll": now,
            "tracking_poll_failures": failures,
            "tracking_next_poll": now + timedelta(seconds=tracking_lib.poll_backoff_seconds(failures)),
            "tracking_poll_error": message[:250],
        })

    def action_poll_carrier_tracking(self):
        """Ask the carrier now; a problem is shown on the return as for the scheduled job."""
        pollable = self.filtered(lambda o: o.carrier_id.return_tracking_url and o.carrier_tracking_ref)
        if not pollable:
            raise UserError(self.env._(
                "Set a carrier with a tracking URL (Inventory > Configuration > Shipping Methods) and the "
                "tracking number first."
            ))
        for order in pollable:
            order._poll_carrier_tracking()
        return True

    # ------------------------------------------------------------------
    # Customer tracking page
    # ------------------------------------------------------------------
    def _get_tracking_portal_url(self):
        """The tokenised link a customer follows without logging in."""
        self.ensure_one()
        return self.get_portal_url(suffix="/tracking")

    def _get_public_events(self):
        """What the customer may see: public events only, newest first."""
        self.ensure_one()
        # sudo: the caller is the portal page, which checked the access token to this return.
        return self.env["return.event"].sudo().search(
            [("order_id", "=", self.id), ("public", "=", True)], order="date desc, id desc"
        )
