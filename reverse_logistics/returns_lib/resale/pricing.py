"""Listing prices of graded returned units: suggestion, floor, manager override, price drops.

Money is :class:`~decimal.Decimal` with two decimals, rounded ROUND_HALF_UP; every amount is in one
currency (the caller converts). For one unit on one channel:

1. Market price: ``reference price x grade resale share``. The reference is the product's list
   price or the channel's own reference price; the share is the grade's ``resale_value_percent``
   (A 100 %, B 70 %, C 45 %, D 15 %, scrap 0 %).
2. Rounding rule of the channel, to the nearest point of its grid: ``none`` (cents), ``whole``
   (whole units), ``0.05`` (five cents), ``0.99`` (``n.99``: the nearest whole unit minus one cent).
3. Floor: the lowest listing price whose proceeds still cover cost plus the minimum margin. The
   channel keeps ``fee = price x fee_percent / 100 + fee_fixed`` (fee rounded to the cent), so the
   floor is grossed up::

       floor_net = cost x (1 + min_margin_percent / 100)
       floor     = (floor_net + fee_fixed) / (1 - fee_percent / 100)

   rounded *up* to the cent and then up to the channel's grid, so that ``price - fee >= floor_net``
   (the formula, not a search: as the fee is rounded half up, a cent less can sometimes pass too).
4. A market price below the floor is raised to it (``below_floor`` tells, and ``market_price``
   keeps the price the grade alone gives). Listing below the floor is for a sales manager only
   (:func:`check_price`).

After N days listed, :func:`price_drop` lowers the price by the step reached, never below the floor.
Once sold, :func:`recovery_rate` and :func:`realised_vs_predicted` compare the realised price with
the new price and with the recovery value the disposition engine predicted.

Reasons are ``(code, params)`` pairs, as in ``returns_lib.disposition``: the caller translates them.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
HUNDRED = Decimal(100)

ROUNDING_NONE = "none"
ROUNDING_99 = "0.99"
ROUNDING_WHOLE = "whole"
ROUNDING_05 = "0.05"
ROUNDINGS = (ROUNDING_NONE, ROUNDING_99, ROUNDING_WHOLE, ROUNDING_05)

# Days listed -> percent off the listing price; the highest step reached applies (not compounded).
DEFAULT_DROP_STEPS = ((30, Decimal(5)), (60, Decimal(10)), (90, Decimal(20)))

# Reason codes (the caller translates them).
MARKET_PRICE = "market_price"  # reference x share
ROUNDED = "rounded"  # the channel's rounding rule changed the price
RAISED_TO_FLOOR = "raised_to_floor"  # the market price was below the floor
BELOW_FLOOR_NEEDS_MANAGER = "below_floor_needs_sales_manager"
BELOW_FLOOR_BY_MANAGER = "below_floor_approved_by_sales_manager"
NOT_POSITIVE = "price_not_positive"

MESSAGES = {
    BELOW_FLOOR_NEEDS_MANAGER: "Price {price} is below the floor {floor} (cost + minimum margin after the channel "
                               "fee): only a sales manager can list below the floor.",
    BELOW_FLOOR_BY_MANAGER: "Price {price} is below the floor {floor}: listed below the floor by a sales manager.",
    NOT_POSITIVE: "Price {price} must be greater than zero.",
}


def money(value) -> Decimal:
    """``value`` (Decimal, int, str or float) as a Decimal with two decimals, ROUND_HALF_UP.

    A float goes through ``str`` so that 0.1 is 0.10, not its binary approximation.
    """
    if isinstance(value, float):
        value = str(value)
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def _decimal(value) -> Decimal:
    return Decimal(str(value)) if isinstance(value, float) else Decimal(value)


@dataclass(frozen=True)
class ChannelPricing:
    """How a channel charges and how its prices look."""

    fee_percent: Decimal = Decimal(0)  # of the selling price
    fee_fixed: Decimal = Decimal(0)  # per sale
    rounding: str = ROUNDING_NONE
    min_margin_percent: Decimal = Decimal(0)  # on cost, after the channel fee

    def __post_init__(self):
        if self.rounding not in ROUNDINGS:
            raise ValueError(f"rounding {self.rounding!r} is not one of {', '.join(ROUNDINGS)}")
        if not 0 <= _decimal(self.fee_percent) < 100:
            raise ValueError(f"fee_percent {self.fee_percent} must be at least 0 and below 100")
        if _decimal(self.fee_fixed) < 0 or _decimal(self.min_margin_percent) < 0:
            raise ValueError("fee_fixed and min_margin_percent cannot be negative")

    def fee(self, price) -> Decimal:
        """What the channel keeps on a sale at ``price``."""
        return money(money(price) * _decimal(self.fee_percent) / HUNDRED + _decimal(self.fee_fixed))


@dataclass(frozen=True)
class PriceSuggestion:
    price: Decimal  # to list at: never below ``floor``
    floor: Decimal  # lowest listing price a salesperson may use
    market_price: Decimal  # reference x share, rounded: what the grade alone gives
    fee: Decimal  # the channel's fee at ``price``
    net: Decimal  # price - fee
    below_floor: bool  # the market price was below the floor (price raised to it)
    reasons: tuple[tuple[str, dict], ...]


@dataclass(frozen=True)
class PriceCheck:
    allowed: bool
    reasons: tuple[tuple[str, dict], ...]

    @property
    def message(self) -> str:
        """The reasons in English, for logs and tests (the addon translates the codes)."""
        return " ".join(MESSAGES[code].format(**params) for code, params in self.reasons if code in MESSAGES)


@dataclass(frozen=True)
class PriceDrop:
    price: Decimal  # the new listing price (unchanged when no step is reached)
    percent: Decimal  # the step's percent off (0 when none)
    step_days: int  # the step reached (0 when none)
    at_floor: bool  # the drop stopped at the floor


@dataclass(frozen=True)
class Variance:
    difference: Decimal  # realised - predicted
    percent: Decimal | None  # difference / predicted x 100; None when nothing was predicted


def round_price(price, rounding: str = ROUNDING_NONE, up: bool = False) -> Decimal:
    """``price`` on the grid of ``rounding``: the nearest point (half up), or the next one up when ``up``."""
    price = _decimal(price)
    mode = ROUND_CEILING if up else ROUND_HALF_UP
    if rounding == ROUNDING_NONE:
        return price.quantize(CENT, rounding=mode)
    if rounding == ROUNDING_WHOLE:
        return price.quantize(Decimal(1), rounding=mode).quantize(CENT)
    if rounding == ROUNDING_05:
        return ((price / Decimal("0.05")).quantize(Decimal(1), rounding=mode) * Decimal("0.05")).quantize(CENT)
    if rounding == ROUNDING_99:
        # n.99 is the whole unit n + 1 minus a cent: round price + 0.01 on the whole grid.
        return max(((price + CENT).quantize(Decimal(1), rounding=mode) - CENT).quantize(CENT), Decimal("0.99"))
    raise ValueError(f"rounding {rounding!r} is not one of {', '.join(ROUNDINGS)}")


def floor_price(cost, channel: ChannelPricing) -> Decimal:
    """The lowest listing price whose proceeds (price - fee) cover cost + minimum margin (formula above)."""
    floor_net = money(_decimal(cost) * (1 + _decimal(channel.min_margin_percent) / HUNDRED))
    gross = (floor_net + _decimal(channel.fee_fixed)) / (1 - _decimal(channel.fee_percent) / HUNDRED)
    floor = round_price(gross, channel.rounding, up=True)
    # The fee is rounded to the cent, half up: it can take the cent the ceiling gave back.
    while floor - channel.fee(floor) < floor_net:
        floor = round_price(floor + CENT, channel.rounding, up=True)
    return floor


def suggest_price(reference_price, resale_percent, cost, channel: ChannelPricing) -> PriceSuggestion:
    """The price to list a unit at: the grade's share of the reference price, rounded, never below the floor.

    ``reference_price``: the product's list price or the channel's reference price (as new);
    ``resale_percent``: the grade's resale share (``return.grade.resale_value_percent``);
    ``cost``: the unit's cost (valuation + refurbishment), which the floor protects.
    """
    exact = _decimal(reference_price) * _decimal(resale_percent) / HUNDRED
    market = round_price(exact, channel.rounding)
    reasons = [(MARKET_PRICE, {"reference": money(reference_price), "percent": _decimal(resale_percent),
                               "price": money(exact)})]
    if market != money(exact):
        reasons.append((ROUNDED, {"rounding": channel.rounding, "price": market}))
    floor = floor_price(cost, channel)
    below_floor = market < floor
    price = floor if below_floor else market
    if below_floor:
        reasons.append((RAISED_TO_FLOOR, {"price": market, "floor": floor}))
    fee = channel.fee(price)
    return PriceSuggestion(price, floor, market, fee, price - fee, below_floor, tuple(reasons))


def check_price(price, suggestion: PriceSuggestion, is_manager: bool) -> PriceCheck:
    """Whether a user may list at ``price``: below the suggestion's floor only a sales manager may."""
    price = money(price)
    if price <= 0:
        return PriceCheck(False, ((NOT_POSITIVE, {"price": price}),))
    if price >= suggestion.floor:
        return PriceCheck(True, ())
    params = {"price": price, "floor": suggestion.floor}
    if is_manager:
        return PriceCheck(True, ((BELOW_FLOOR_BY_MANAGER, params),))
    return PriceCheck(False, ((BELOW_FLOOR_NEEDS_MANAGER, params),))


def price_drop(price, days_listed: int, floor, steps=DEFAULT_DROP_STEPS, rounding: str = ROUNDING_NONE) -> PriceDrop:
    """The price after ``days_listed`` days: the highest step reached, off ``price``, never below ``floor``.

    ``steps`` are ``(days, percent)``; ``price`` is the price first listed (steps do not compound),
    so calling this every day is idempotent. A price already below the floor (a manager's) is kept.
    """
    price = money(price)
    floor = money(floor)
    reached = [(days, _decimal(percent)) for days, percent in steps if days_listed >= days]
    if not reached:
        return PriceDrop(price, Decimal(0), 0, False)
    days, percent = max(reached)
    dropped = round_price(price * (1 - percent / HUNDRED), rounding)
    if dropped < floor:
        return PriceDrop(max(min(price, floor), Decimal(0)), percent, days, True)
    return PriceDrop(dropped, percent, days, False)


def recovery_rate(realised, new_price) -> Decimal:
    """The realised price as a percent of the new price (two decimals)."""
    new_price = _decimal(new_price)
    if new_price <= 0:
        raise ValueError("the new price must be greater than zero to compute a recovery rate")
    return money(_decimal(realised) * HUNDRED / new_price)


def realised_vs_predicted(realised, predicted) -> Variance:
    """How far the realised price is from the recovery value the disposition engine predicted."""
    realised, predicted = money(realised), money(predicted)
    difference = realised - predicted
    return Variance(difference, money(difference * HUNDRED / predicted) if predicted else None)
