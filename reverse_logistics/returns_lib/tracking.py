"""Carrier tracking events: signature check, parsing and status mapping, without Odoo.

Carriers post (webhook) or serve (polling) events as JSON, either one object or
``{"events": [...]}`` or a bare list. Each event carries the carrier's own ``event_id``, the
``tracking_ref`` of the parcel, a ``status`` and optionally ``time`` (ISO 8601), ``place`` and
``description``. Everything is validated before anything is recorded: one bad event refuses
the whole batch, so a carrier retrying a batch never half-records it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

SIGNATURE_PREFIX = "sha256="
MAX_EVENTS = 500
MAX_FIELD_LENGTH = 256
# A batch of MAX_EVENTS ordinary events is about 150 KB: a bigger body is refused unread.
MAX_BODY_BYTES = 1024 * 1024
# Carrier clocks run a little fast or in odd zones; an event further ahead than this is made up,
# and would sit on top of the timeline for ever.
MAX_CLOCK_SKEW = timedelta(days=1)
# Parcels were not tracked by webhooks before; an older time is a placeholder (1970, year 1).
EARLIEST_EVENT_TIME = datetime(2000, 1, 1)
MAX_TRACKING_REF_LENGTH = 64  # the longest common formats (USPS with its routing code) have 34
# NUL and lone surrogates cannot be stored (PostgreSQL text is UTF-8 without NUL); other control
# characters make an identifier look like another one on screen.
_IDENTIFIER_FORBIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
# Free text may span lines.
_TEXT_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_FREE_TEXT_FIELDS = frozenset({"place", "description"})

# Carrier status codes (normalised: upper case, spaces and dashes as underscores) -> event type.
STATUS_MAP = {
    "LABEL_CREATED": "label_issued",
    "PICKED_UP": "picked_up",
    "PICKUP": "picked_up",
    "COLLECTED": "picked_up",
    "IN_TRANSIT": "in_transit",
    "DEPARTED": "in_transit",
    "OUT_FOR_DELIVERY": "in_transit",
    "ARRIVED_AT_HUB": "arrived_hub",
    "HUB": "arrived_hub",
    "AT_HUB": "arrived_hub",
    "CUSTOMS": "customs",
    "HELD_BY_CUSTOMS": "customs",
    "DELIVERED": "delivered",
    "EXCEPTION": "carrier_exception",
    "FAILED": "carrier_exception",
    "FAILED_ATTEMPT": "carrier_exception",
    "DAMAGED": "carrier_exception",
    "RETURNED_TO_SENDER": "carrier_exception",
}
# An unknown status is still a sign of life of the parcel: recorded as in transit, status kept.
DEFAULT_EVENT_TYPE = "in_transit"


class MalformedEvents(ValueError):
    """The body is not a batch of well-formed carrier events; the message says what is wrong."""


@dataclass(frozen=True)
class CarrierEvent:
    event_id: str
    tracking_ref: str
    status: str
    event_type: str
    time: datetime | None  # naive UTC
    place: str | None
    description: str | None


def sign(secret: str, body: bytes) -> str:
    """The signature header value a carrier sends with ``body``."""
    return SIGNATURE_PREFIX + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_signature(secret: str | None, body: bytes, header: str | None) -> bool:
    """HMAC-SHA256 of the raw body with the carrier's secret, compared in constant time."""
    if not secret or not header:
        return False
    # Hex digits are case-insensitive (some carriers send them upper case); compared as bytes, as
    # compare_digest refuses text that is not ASCII, which a forged header may well be.
    given = header.strip().lower().encode("utf-8", "replace")
    return hmac.compare_digest(sign(secret, body).encode(), given)


def map_status(status: str) -> str | None:
    """Our event type of a carrier status code, None if the code is unknown."""
    key = status.strip().upper().replace(" ", "_").replace("-", "_")
    return STATUS_MAP.get(key)


def tracking_ref_problem(ref: str) -> str | None:
    """What is wrong with a parcel's tracking number as we store it: "too_long",
    "control_characters", or None."""
    if len(ref) > MAX_TRACKING_REF_LENGTH:
        return "too_long"
    if _IDENTIFIER_FORBIDDEN.search(ref):
        return "control_characters"
    return None


def _text(raw, field, index, required):
    value = raw.get(field)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise MalformedEvents(f"event {index}: '{field}' is missing")
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise MalformedEvents(f"event {index}: '{field}' must be text")
    value = str(value).strip()
    if len(value) > MAX_FIELD_LENGTH:
        raise MalformedEvents(f"event {index}: '{field}' is longer than {MAX_FIELD_LENGTH} characters")
    forbidden = _TEXT_FORBIDDEN if field in _FREE_TEXT_FIELDS else _IDENTIFIER_FORBIDDEN
    if forbidden.search(value):
        raise MalformedEvents(f"event {index}: '{field}' has control characters")
    return value


def _time(raw, index, now):
    value = raw.get("time")
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise MalformedEvents(f"event {index}: 'time' must be an ISO 8601 text")
    shown = value if len(value) <= 40 else value[:40] + "..."  # the refusal is an answer, not an echo
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as error:
        raise MalformedEvents(f"event {index}: 'time' {shown!r} is not ISO 8601") from error
    if moment.tzinfo is None:
        raise MalformedEvents(f"event {index}: 'time' {shown!r} has no time zone")
    try:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    except OverflowError as error:
        # 0001-01-01T00:00:00+01:00 is in year 0 once in UTC, which datetime cannot hold.
        raise MalformedEvents(f"event {index}: 'time' {shown!r} is out of range") from error
    if moment < EARLIEST_EVENT_TIME:
        raise MalformedEvents(f"event {index}: 'time' {shown!r} is before {EARLIEST_EVENT_TIME:%Y-%m-%d}")
    if moment > now + MAX_CLOCK_SKEW:
        raise MalformedEvents(f"event {index}: 'time' {shown!r} is in the future")
    return moment


def parse_events(payload, allow_empty=False, now=None) -> list[CarrierEvent]:
    """Validate a decoded JSON payload; every event or none.

    ``allow_empty``: a polled parcel may have no events yet; a posted batch without any is an error.
    ``now``: naive UTC, the current time by default; event times must not be later than
    ``now + MAX_CLOCK_SKEW``.
    """
    if now is None:
        now = datetime.now(timezone.utc).replace(tzinfo=None)
    if isinstance(payload, dict) and "events" in payload:
        raw_events = payload["events"]
    elif isinstance(payload, dict):
        raw_events = [payload]
    else:
        raw_events = payload
    if not isinstance(raw_events, list) or not (raw_events or allow_empty):
        raise MalformedEvents("expected an event, a list of events or {\"events\": [...]}")
    if len(raw_events) > MAX_EVENTS:
        raise MalformedEvents(f"at most {MAX_EVENTS} events per call")
    events = []
    for index, raw in enumerate(raw_events, start=1):
        if not isinstance(raw, dict):
            raise MalformedEvents(f"event {index} is not an object")
        status = _text(raw, "status", index, required=True)
        description = _text(raw, "description", index, required=False)
        event_type = map_status(status)
        if event_type is None:
            # Keep the carrier's own code in view: it is all we know of what happened.
            event_type = DEFAULT_EVENT_TYPE
            description = f"{status}: {description}" if description else status
        events.append(CarrierEvent(
            event_id=_text(raw, "event_id", index, required=True),
            tracking_ref=_text(raw, "tracking_ref", index, required=True),
            status=status,
            event_type=event_type,
            time=_time(raw, index, now),
            place=_text(raw, "place", index, required=False),
            description=description,
        ))
    return events


def decode_body(body: bytes):
    """The JSON value of a raw body, whatever the body is."""
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise MalformedEvents(f"the body is not JSON: {error}") from error
    except RecursionError as error:
        # json.loads recurses once per nesting level: a body of [[[[... would crash the caller.
        raise MalformedEvents("the body is nested too deeply") from error


def parse_body(body: bytes, now=None) -> list[CarrierEvent]:
    """Decode and validate a raw JSON body."""
    return parse_events(decode_body(body), now=now)


def poll_backoff_seconds(failures: int, base_seconds: int = 300, cap_seconds: int = 6 * 3600) -> int:
    """Seconds to wait before polling again after ``failures`` failed polls in a row."""
    if failures <= 0:
        return 0
    return min(base_seconds * 2 ** (failures - 1), cap_seconds)
