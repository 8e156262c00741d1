"""Returnable packaging arithmetic: balances, open deposits, ageing and reuse, on plain values.

A partner's packaging ledger is a list of entries: packaging sent to the partner (they hold it),
returned by the partner, or written off (lost). Everything the addon decides from it is computed
here without the ORM, so that the rules can be tested alone:

- the balance is what was sent minus what came back or was written off, never negative;
- a return or a write-off is refused when it asks for more than the balance;
- the deposit still held per unit is what was charged minus what was credited or kept, spread over
  the units still out, so a deposit is never credited beyond what was charged;
- units out are aged first-in first-out: what comes back settles the oldest shipment first;
- a container (a serial) makes one trip each time it comes back.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

SENT = "sent"
RETURNED = "returned"
WRITTEN_OFF = "written_off"
DIRECTIONS = (SENT, RETURNED, WRITTEN_OFF)


@dataclass(frozen=True)
class Entry:
    """One ledger entry, as plain values; ``quantity`` is always positive."""

    key: tuple  # what the balance is kept per, e.g. (partner id, product id, side)
    direction: str
    quantity: float
    date: dt.date | None = None
    deposit: float = 0.0  # signed: charged (+) on a send, credited or kept (-) otherwise
    lot: int | None = None


@dataclass(frozen=True)
class Shortfall:
    key: tuple
    requested: float
    balance: float


def signed_quantity(direction: str, quantity: float) -> float:
    if direction not in DIRECTIONS:
        raise ValueError(f"unknown direction {direction!r}")
    return quantity if direction == SENT else -quantity


def balances(entries) -> dict:
    """{key: units the partner still holds}."""
    result = defaultdict(float)
    for entry in entries:
        result[entry.key] += signed_quantity(entry.direction, entry.quantity)
    return dict(result)


def shortfalls(requests, current, precision=1e-6) -> list[Shortfall]:
    """Requests [(key, quantity)] to take back or write off that exceed ``current`` balances.

    Requests of the same key add up: two lines of 3 pallets against a balance of 5 are refused.
    Non-positive quantities are refused as well (balance reported as is).
    """
    wanted = defaultdict(float)
    problems = []
    for key, quantity in requests:
        if quantity <= 0:
            problems.append(Shortfall(key, quantity, current.get(key, 0.0)))
            continue
        wanted[key] += quantity
    for key, quantity in wanted.items():
        held = current.get(key, 0.0)
        if quantity - held > precision:
            problems.append(Shortfall(key, quantity, held))
    return problems


def open_deposit_per_unit(charged: float, settled: float, balance: float) -> float:
    """Deposit still held per unit out: (charged - credited or kept) / units out, 0 when nothing is out.

    ``settled`` is positive (what was credited back or kept on write-offs).
    """
    if balance <= 0:
        return 0.0
    return max(charged - settled, 0.0) / balance


def open_shipments(entries) -> dict:
    """{key: [(date, quantity still out)]} oldest first: returns and write-offs settle the oldest sends."""
    by_key = defaultdict(list)
    for entry in sorted(entries, key=lambda e: (e.date or dt.date.min, e.direction != SENT)):
        by_key[entry.key].append(entry)
    result = {}
    for key, key_entries in by_key.items():
        queue = []  # [date, open quantity]
        for entry in key_entries:
            if entry.direction == SENT:
                queue.append([entry.date, entry.quantity])
                continue
            left = entry.quantity
            while left > 1e-9 and queue:
                taken = min(left, queue[0][1])
                queue[0][1] -= taken
                left -= taken
                if queue[0][1] <= 1e-9:
                    queue.pop(0)
        result[key] = [(date, qty) for date, qty in queue if qty > 1e-9]
    return result


def overdue(entries, today: dt.date, days: int) -> dict:
    """{key: (units out for longer than ``days``, date of the oldest such shipment)}, keys with none left out."""
    limit = today - dt.timedelta(days=days)
    result = {}
    for key, shipments in open_shipments(entries).items():
        late = [(date, qty) for date, qty in shipments if date is not None and date <= limit]
        if late:
            result[key] = (sum(qty for _date, qty in late), min(date for date, _qty in late))
    return result


@dataclass(frozen=True)
class ReuseFigures:
    sent: float
    returned: float
    containers: int
    trips: int

    @property
    def returned_share(self) -> float:
        """Share of the packaging sent that came back (0..1); 0 when nothing was sent."""
        return self.returned / self.sent if self.sent else 0.0

    @property
    def trips_per_container(self) -> float:
        return self.trips / self.containers if self.containers else 0.0


def reuse_figures(entries) -> ReuseFigures:
    """Reuse of the packaging sent to customers: share returned, and round trips per container.

    A trip is a container (a serial) coming back; containers are the serials ever sent.
    """
    sent = returned = 0.0
    containers, trips = set(), 0
    for entry in entries:
        if entry.direction == SENT:
            sent += entry.quantity
            if entry.lot:
                containers.add(entry.lot)
        elif entry.direction == RETURNED:
            returned += entry.quantity
            if entry.lot:
                trips += 1
    return ReuseFigures(sent, returned, len(containers), trips)
