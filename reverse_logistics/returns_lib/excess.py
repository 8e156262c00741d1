"""Excess-stock returns: what a trade customer's proposal may send back under its return agreement.

A proposal is a list of (product, quantity) lines. It is decided in one pass over plain values:

1. *Eligibility*: a product outside the agreement's range, or discontinued, is cut whole.
2. *Purchase history*: a product comes back only as far as the customer bought it in the period, less
   what was returned or credited against those purchases already. The quantity is drawn from the
   customer's invoice lines oldest first (FIFO), so each returned unit is traced to the invoice line
   it was bought on and credited at the price paid there.
3. *Allowance*: the value drawn (at those prices) stays within what the agreement still allows in the
   period: its share of the customer's net purchases, less the value of its earlier excess returns.
   Lines are served in the order given; a line that does not fit in full gets the units that fit, its
   invoice lines still taken oldest first.

Every cut quantity carries a code and the figures that explain it; the caller turns them into
sentences. Nothing here knows about Odoo: the caller loads the facts in one batch and writes the
result.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field

# Why a quantity is cut.
NOT_IN_RANGE = "not_in_range"  # the agreement does not cover the product
DISCONTINUED = "discontinued"  # archived, or no longer sold
NOT_BOUGHT = "not_bought"  # nothing of it left from the customer's purchases in the period
HISTORY = "history"  # more than bought in the period, net of what came back already
ALLOWANCE = "allowance"  # above the agreement's share of purchases


@dataclass(frozen=True)
class ProductFacts:
    """What the agreement and the catalogue say of one product."""

    in_range: bool = True
    discontinued: bool = False
    # The smallest quantity that comes back: 1 for goods counted in units (Odoo's Units round at 0.01, but
    # nobody returns 1.52 lamps), the unit's precision for goods measured (kg, m).
    rounding: float = 1.0


@dataclass(frozen=True)
class InvoiceLot:
    """One posted invoice line of the customer for a product, in the product's unit and the company's currency."""

    invoice_line_id: Hashable
    product_id: Hashable
    date: object  # anything ordered: a date, an ISO string
    quantity: float
    returned: float  # returned or credited against this line already (open returns, credit notes)
    price_unit: float  # value of one unit as invoiced, net of discount, before taxes

    @property
    def left(self) -> float:
        return max(self.quantity - self.returned, 0.0)


@dataclass(frozen=True)
class ProposedLine:
    key: Hashable
    product_id: Hashable
    quantity: float


@dataclass(frozen=True)
class Cut:
    code: str
    quantity: float
    params: dict = field(default_factory=dict)


@dataclass
class LineDecision:
    key: Hashable
    product_id: Hashable
    requested: float
    allocations: list[tuple[Hashable, float, float]] = field(default_factory=list)  # (invoice line, qty, price)
    cuts: list[Cut] = field(default_factory=list)

    @property
    def approved(self) -> float:
        return sum(qty for _line, qty, _price in self.allocations)

    @property
    def value(self) -> float:
        return sum(qty * price for _line, qty, price in self.allocations)


@dataclass
class Decision:
    lines: list[LineDecision]
    allowance: float  # left before this proposal
    allowance_left: float  # left after it

    @property
    def value(self) -> float:
        return sum(line.value for line in self.lines)

    @property
    def approved_lines(self) -> list[LineDecision]:
        return [line for line in self.lines if line.allocations]

    @property
    def cut_lines(self) -> list[LineDecision]:
        return [line for line in self.lines if line.cuts]


def allowance_left(purchases: float, share_percent: float, used: float) -> float:
    """What the agreement still allows: its share of the net purchases, less the value returned already."""
    return max(purchases * share_percent / 100.0 - used, 0.0)


def _floor_to(value: float, rounding: float) -> float:
    """``value`` rounded down to the unit's precision, tolerant of float noise (2.9999999 is 3)."""
    steps = math.floor(value / rounding + 1e-9)
    return round(max(steps, 0) * rounding, 10)


def decide(
    proposal: Iterable[ProposedLine],
    products: Mapping[Hashable, ProductFacts],
    lots: Iterable[InvoiceLot],
    allowance: float,
    currency_rounding: float = 0.01,
) -> Decision:
    """Decide every proposed line at once (see the module's docstring).

    ``products``: the facts of every proposed product (a product missing is out of range).
    ``lots``: the customer's invoice lines of the period for the proposed products, any order.
    ``allowance``: the value still allowed (see :func:`allowance_left`).
    """
    proposal = list(proposal)
    for line in proposal:
        if isinstance(line.quantity, bool) or not math.isfinite(line.quantity) or line.quantity <= 0:
            raise ValueError(f"line {line.key!r}: quantity {line.quantity!r} is not a positive number")
    if not math.isfinite(allowance) or allowance < 0:
        raise ValueError(f"allowance {allowance!r} is not a positive amount")
    by_product = defaultdict(list)
    for lot in lots:
        by_product[lot.product_id].append(lot)
    for product_lots in by_product.values():
        product_lots.sort(key=lambda lot: (lot.date, str(lot.invoice_line_id)))
    # What each invoice line still has, drawn down as lines are served.
    lot_left = {lot.invoice_line_id: lot.left for product_lots in by_product.values() for lot in product_lots}
    left_value = allowance
    # Half a cent of tolerance: the allowance is money, compared at the currency's precision.
    tolerance = currency_rounding / 2
    decisions = []
    for line in proposal:
        facts = products.get(line.product_id) or ProductFacts(in_range=False)
        decision = LineDecision(line.key, line.product_id, line.quantity)
        decisions.append(decision)
        if not facts.in_range:
            decision.cuts.append(Cut(NOT_IN_RANGE, line.quantity))
            continue
        if facts.discontinued:
            decision.cuts.append(Cut(DISCONTINUED, line.quantity))
            continue
        product_lots = by_product.get(line.product_id, [])
        available = sum(lot_left[lot.invoice_line_id] for lot in product_lots)
        wanted = min(line.quantity, _floor_to(available, facts.rounding))
        if wanted < line.quantity - facts.rounding / 2:
            bought = sum(lot.quantity for lot in product_lots)
            returned = sum(lot.returned for lot in product_lots)
            cut_qty = round(line.quantity - wanted, 10)
            if not bought or available <= 0:
                decision.cuts.append(Cut(NOT_BOUGHT, cut_qty, {"bought": bought, "returned": returned}))
            else:
                decision.cuts.append(Cut(HISTORY, cut_qty, {
                    "bought": bought, "returned": returned,
                    # What earlier lines of this proposal took of the same purchases.
                    "proposed_before": round(sum(lot.left for lot in product_lots) - available, 10),
                    "available": available,
                }))
        need = wanted
        short_of_allowance = False
        for lot in product_lots:
            if need <= facts.rounding / 2:
                break
            free = lot_left[lot.invoice_line_id]
            if free <= 0:
                continue
            qty = min(need, free)
            if lot.price_unit > 0 and qty * lot.price_unit > left_value + tolerance:
                qty = min(qty, _floor_to((left_value + tolerance) / lot.price_unit, facts.rounding))
                short_of_allowance = True
            if qty > 0:
                decision.allocations.append((lot.invoice_line_id, qty, lot.price_unit))
                lot_left[lot.invoice_line_id] = free - qty
                left_value = max(left_value - qty * lot.price_unit, 0.0)
                need = round(need - qty, 10)
            if short_of_allowance:
                break
        if need > facts.rounding / 2:
            decision.cuts.append(Cut(ALLOWANCE, need, {"left": left_value, "allowance": allowance}))
    return Decision(decisions, allowance, left_value)
