"""Pushing listing prices and quantities to a marketplace's REST API, without ever crashing the caller.

A channel adapter answers one question: of these offer updates (SKU, price, quantity), which did the
channel take, which did it refuse and why, and what went wrong on the way. ``ChannelAdapter`` is that
interface; ``RestChannelClient`` is the generic adapter for JSON APIs that take offers in batches:

    POST {base_url}/offers/batch   Authorization: Bearer <token>
    {"offers": [{"sku": "...", "price": "199.00", "currency": "EUR", "quantity": 1}, ...]}
    -> 200 {"results": [{"sku": "...", "status": "accepted" | "rejected", "reason": "..."}]}

Behaviour, so that a scheduled job can call it for every channel and carry on:
- updates are sent in batches of at most ``batch_size`` (marketplaces cap them, e.g. 25 SKUs per
  price/quantity call);
- 429 (rate limited) waits for ``Retry-After`` (capped at ``max_wait``) and tries again; 5xx, timeouts and
  connection errors back off exponentially (``backoff`` x 2^attempt); after ``max_attempts`` the batch is
  reported as an error and the next batch is still sent;
- 401/403 stop the push (the credentials are wrong: retrying would only lock the account), any other 4xx
  refuses that batch without retrying it;
- nothing raises for an HTTP or network problem: every problem is in the result, for the channel's and
  the listing's error fields.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from decimal import Decimal

import requests

AUTH = "auth"
RATE_LIMITED = "rate_limited"
TIMEOUT = "timeout"
UNAVAILABLE = "unavailable"
REFUSED = "refused"
MALFORMED = "malformed"


@dataclass(frozen=True)
class OfferUpdate:
    """What a channel should show for one SKU; ``None`` leaves that value as the channel has it."""

    sku: str
    currency: str = "EUR"
    price: Decimal | None = None
    quantity: int | None = None

    def to_json(self):
        offer = {"sku": self.sku, "currency": self.currency}
        if self.price is not None:
            offer["price"] = f"{Decimal(self.price).quantize(Decimal('0.01'))}"
        if self.quantity is not None:
            offer["quantity"] = int(self.quantity)
        return offer


@dataclass(frozen=True)
class ChannelError:
    kind: str  # AUTH, RATE_LIMITED, TIMEOUT, UNAVAILABLE, REFUSED, MALFORMED
    message: str
    skus: tuple[str, ...] = ()
    status: int | None = None


@dataclass
class PushResult:
    accepted: list[str] = field(default_factory=list)
    rejected: dict[str, str] = field(default_factory=dict)  # sku -> the channel's reason
    errors: list[ChannelError] = field(default_factory=list)
    calls: int = 0

    @property
    def ok(self):
        return not self.rejected and not self.errors


class ChannelAdapter:
    """The interface of a sales channel: push offer updates, report what happened."""

    def push(self, updates):  # pragma: no cover - interface
        raise NotImplementedError


class RestChannelClient(ChannelAdapter):
    def __init__(self, base_url, token, *, timeout=10.0, max_attempts=3, backoff=0.5, max_wait=30.0,
                 batch_size=25, session=None, sleep=time.sleep):
        if batch_size < 1 or max_attempts < 1:
            raise ValueError("batch_size and max_attempts must be at least 1")
        self.url = base_url.rstrip("/") + "/offers/batch"
        self.token = token
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.max_wait = max_wait
        self.batch_size = batch_size
        self.session = session or requests.Session()
        self.sleep = sleep

    def push(self, updates):
        updates = list(updates)
        result = PushResult()
        for start in range(0, len(updates), self.batch_size):
            batch = updates[start:start + self.batch_size]
            if not self._push_batch(batch, result):
                skipped = tuple(update.sku for update in updates[start + self.batch_size:])
                if skipped:
                    result.errors.append(ChannelError(AUTH, "not sent: the channel refused the credentials", skipped))
                break
        return result

    def _push_batch(self, batch, result):
        """Send one batch with its retries; False when the push must stop (wrong credentials)."""
        skus = tuple(update.sku for update in batch)
        body = {"offers": [update.to_json() for update in batch]}
        last_error = None
        for attempt in range(self.max_attempts):
            if attempt:
                self.sleep(self._wait(last_error, attempt))
            result.calls += 1
            try:
                response = self.session.post(self.url, json=body, timeout=self.timeout,
                                             headers={"Authorization": f"Bearer {self.token}"})
            except requests.Timeout:
                last_error = (ChannelError(TIMEOUT, f"no answer within {self.timeout:g} s", skus), None)
                continue
            except requests.RequestException as error:
                last_error = (ChannelError(UNAVAILABLE, f"connection failed: {error.__class__.__name__}", skus), None)
                continue
            status = response.status_code
            if status in (401, 403):
                result.errors.append(ChannelError(AUTH, "the channel refused the credentials", skus, status))
                return False
            if status == 429:
                last_error = (ChannelError(RATE_LIMITED, "rate limited by the channel", skus, status),
                              response.headers.get("Retry-After"))
                continue
            if status >= 500:
                last_error = (ChannelError(UNAVAILABLE, f"the channel answered HTTP {status}", skus, status), None)
                continue
            if status >= 400:
                result.errors.append(ChannelError(REFUSED, _short(response.text) or f"HTTP {status}", skus, status))
                return True
            self._read_results(response, batch, result)
            return True
        error, _retry_after = last_error
        result.errors.append(ChannelError(error.kind, f"{error.message} (after {self.max_attempts} attempts)",
                                          error.skus, error.status))
        return True

    def _wait(self, last_error, attempt):
        _error, retry_after = last_error
        # Retry-After in seconds; an HTTP date or garbage backs off as any other failure does.
        if retry_after is not None and retry_after.strip().replace(".", "", 1).isdigit():
            return min(float(retry_after), self.max_wait)
        return min(self.backoff * 2 ** (attempt - 1), self.max_wait)

    @staticmethod
    def _read_results(response, batch, result):
        sent = {update.sku for update in batch}
        try:
            rows = response.json()["results"]
            answered = {str(row["sku"]): row for row in rows if isinstance(row, dict)}
        except (ValueError, KeyError, TypeError):
            result.errors.append(ChannelError(MALFORMED, "the channel's answer is not the expected JSON",
                                              tuple(sorted(sent)), response.status_code))
            return
        for sku in (update.sku for update in batch):
            row = answered.get(sku)
            if row is None:
                result.errors.append(ChannelError(MALFORMED, "the channel did not answer for this SKU", (sku,)))
            elif row.get("status") == "accepted":
                result.accepted.append(sku)
            else:
                result.rejected[sku] = _short(str(row.get("reason") or "rejected"))


def _short(text, limit=500):
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
