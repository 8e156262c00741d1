"""What may still be returned: quantities delivered, held by open returns, and requested now.

Every source a return line draws on is a *bucket*: the sale line, the delivery move the goods
left with, the invoice line they were billed on, the serial number, a lot on a source. Each bucket
has a capacity (what was delivered or invoiced, net of returns made outside return
authorisations) and a claimed quantity (what other open returns hold already). A requested line
draws on all of its buckets at once; it is acceptable only if each of them still has room for it
together with every other requested line drawing on the same bucket.

Buckets are plain hashable keys chosen by the caller (e.g. ``("sale_line", 12)``); this module
only does the arithmetic, so that one rule decides for the wizards, the portal and the checks.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Request:
    """A quantity asked for on one return line."""

    key: Hashable  # the caller's handle on the line (index, id...)
    quantity: float
    buckets: tuple[Hashable, ...]
    rounding: float = 0.01  # precision of the product's unit


@dataclass(frozen=True)
class Shortfall:
    """A bucket that cannot give what the requests drawing on it ask for."""

    key: Hashable  # the first request that draws on the bucket
    bucket: Hashable
    capacity: float
    claimed: float  # held by other returns
    requested: float  # asked for by all the requests on this bucket together

    @property
    def left(self) -> float:
        return max(self.capacity - self.claimed, 0.0)


def _greater(value: float, limit: float, rounding: float) -> bool:
    """``value > limit`` at the unit's precision (as Odoo's float_compare)."""
    return (value - limit) >= rounding / 2


def shortfalls(
    requests: Iterable[Request], capacity: Mapping[Hashable, float], claimed: Mapping[Hashable, float]
) -> list[Shortfall]:
    """Every bucket that the requests overdraw, once each, in the order of the requests.

    A bucket without a capacity has none: nothing was delivered from it.
    """
    requests = list(requests)
    for request in requests:
        if not math.isfinite(request.quantity) or request.quantity <= 0:
            raise ValueError(f"request {request.key!r}: quantity {request.quantity!r} is not a positive number")
    totals = defaultdict(float)
    for request in requests:
        for bucket in set(request.buckets):
            totals[bucket] += request.quantity
    found, reported = [], set()
    for request in requests:
        for bucket in request.buckets:
            if bucket in reported:
                continue
            held = claimed.get(bucket, 0.0)
            available = capacity.get(bucket, 0.0)
            if _greater(held + totals[bucket], available, request.rounding):
                reported.add(bucket)
                found.append(Shortfall(request.key, bucket, available, held, totals[bucket]))
    return found


def remaining(
    buckets: Iterable[Hashable], capacity: Mapping[Hashable, float], claimed: Mapping[Hashable, float]
) -> float | None:
    """What can still be drawn from all of ``buckets`` together; None when no bucket limits it."""
    lefts = [capacity.get(bucket, 0.0) - claimed.get(bucket, 0.0) for bucket in buckets]
    if not lefts:
        return None
    return max(min(lefts), 0.0)
