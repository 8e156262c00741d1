"""Disposition of returned units: which one recovers the most value at the least waste.

For one unit, every disposition is scored by its net recovery value:

    expected resale value for the grade (after refurbishment, for refurbish)
    - refurbishment cost - handling and transport cost - disposal fee
    + vendor credit (return to vendor)

Hard rules win over value (hazardous goods only to certified recycling, expired goods never
restocked or resold, dispositions a category does not allow). Equal values are broken by the
waste hierarchy: reuse > refurbish > recycle > dispose. The result is the whole ranking, each
option with the reasons behind it, for the user who accepts or overrides it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

RESTOCK = "restock"
REFURBISH = "refurbish"
RESELL = "resell_as_is"
RETURN_TO_VENDOR = "return_to_vendor"
RECYCLE = "recycle"
DONATE = "donate"
DESTROY = "destroy"
DISPOSITIONS = (RESTOCK, REFURBISH, RESELL, RETURN_TO_VENDOR, RECYCLE, DONATE, DESTROY)

# Position of each disposition, the last tie-breaker (stable, explainable order).
ORDER = {disposition: index for index, disposition in enumerate(DISPOSITIONS)}

# Waste hierarchy: lower is better.
HIERARCHY = {RESTOCK: 0, RESELL: 0, RETURN_TO_VENDOR: 0, DONATE: 0, REFURBISH: 1, RECYCLE: 2, DESTROY: 3}

# Reason codes (the caller translates them).
HAZARDOUS_ONLY_CERTIFIED_RECYCLING = "hazardous_only_certified_recycling"
EXPIRED_NOT_RESTOCKED = "expired_not_restocked"
NOT_ALLOWED_FOR_CATEGORY = "not_allowed_for_category"
GRADE_NOT_NEW = "grade_not_new"
NO_VENDOR_RETURN = "no_vendor_return"
NOT_REFURBISHABLE = "not_refurbishable"
NO_CERTIFIED_RECYCLER = "no_certified_recycler"
VALUE = "value"


@dataclass(frozen=True)
class Unit:
    grade: str  # e.g. A, B, C, D, SCRAP
    hazardous: bool = False
    expired: bool = False
    allowed: frozenset[str] = frozenset(DISPOSITIONS)  # what the product category allows
    vendor_returnable: bool = False
    certified_recycler: bool = True  # a certified recycler is available


@dataclass(frozen=True)
class Economics:
    """Money figures, in one currency, for one unit."""

    resale_value_by_grade: dict  # grade -> expected resale value (grade "A" = as new)
    new_value: float = 0.0  # value restocked as new
    refurbished_grade: str = "B"  # the grade a refurbishment brings the unit to
    refurbishment_cost: float = 0.0
    handling_cost: dict = field(default_factory=dict)  # disposition -> handling and transport
    disposal_fee: dict = field(default_factory=dict)  # disposition -> fee (recycling, destruction)
    vendor_credit: float = 0.0
    recycling_value: float = 0.0  # material value recovered
    donation_value: float = 0.0  # e.g. tax relief


@dataclass(frozen=True)
class Option:
    disposition: str
    net_value: float
    allowed: bool
    reasons: tuple[tuple[str, dict], ...]

    @property
    def hierarchy(self) -> int:
        return HIERARCHY[self.disposition]


def _gross_value(disposition, unit, eco):
    if disposition == RESTOCK:
        return eco.new_value
    if disposition == RESELL:
        return eco.resale_value_by_grade.get(unit.grade, 0.0)
    if disposition == REFURBISH:
        return eco.resale_value_by_grade.get(eco.refurbished_grade, 0.0) - eco.refurbishment_cost
    if disposition == RETURN_TO_VENDOR:
        return eco.vendor_credit
    if disposition == RECYCLE:
        return eco.recycling_value
    if disposition == DONATE:
        return eco.donation_value
    return 0.0


def _blocking_reasons(disposition, unit):
    reasons = []
    if disposition not in unit.allowed:
        reasons.append((NOT_ALLOWED_FOR_CATEGORY, {}))
    if unit.hazardous and disposition != RECYCLE:
        reasons.append((HAZARDOUS_ONLY_CERTIFIED_RECYCLING, {}))
    if unit.hazardous and disposition == RECYCLE and not unit.certified_recycler:
        reasons.append((NO_CERTIFIED_RECYCLER, {}))
    if unit.expired and disposition in (RESTOCK, RESELL, REFURBISH, DONATE):
        reasons.append((EXPIRED_NOT_RESTOCKED, {}))
    if disposition == RESTOCK and unit.grade != "A":
        reasons.append((GRADE_NOT_NEW, {"grade": unit.grade}))
    if disposition == RETURN_TO_VENDOR and not unit.vendor_returnable:
        reasons.append((NO_VENDOR_RETURN, {}))
    if disposition in (REFURBISH, RESELL) and unit.grade.upper() == "SCRAP":
        reasons.append((NOT_REFURBISHABLE, {"grade": unit.grade}))
    return reasons


def rank_dispositions(unit: Unit, economics: Economics) -> list[Option]:
    """Every disposition, best first: allowed ones by net value then waste hierarchy, then the others."""
    options = []
    for disposition in DISPOSITIONS:
        gross = _gross_value(disposition, unit, economics)
        handling = economics.handling_cost.get(disposition, 0.0)
        fee = economics.disposal_fee.get(disposition, 0.0)
        net = round(gross - handling - fee, 2)
        blocking = _blocking_reasons(disposition, unit)
        reasons = tuple(blocking) or ((VALUE, {"gross": gross, "handling": handling, "fee": fee, "net": net}),)
        options.append(Option(disposition, net, not blocking, reasons))
    return sorted(
        options, key=lambda o: (not o.allowed, -o.net_value, HIERARCHY[o.disposition], ORDER[o.disposition])
    )


def recommend(unit: Unit, economics: Economics) -> Option | None:
    """The best allowed disposition, or None when nothing is allowed (a person must decide)."""
    best = rank_dispositions(unit, economics)[0]
    return best if best.allowed else None
