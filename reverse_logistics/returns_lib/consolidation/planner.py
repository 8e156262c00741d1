"""Plan scattered international returns: direct as a parcel, or through a return hub that consolidates them.

Input: pending returns (origin, weight, volume, value, ready date, service level in days, customs regime,
product class, hazardous or not, destination warehouse), hubs (where, whom they serve, release rule,
outbound modes with rate cards, capacities and transit days), the parcel rate card of the baseline, and the
emission factors. Output (:class:`Plan`): per return, direct or through which hub, the consolidation it joins,
when it leaves and arrives, its legs with mode and vehicle class, its cost, declarations and CO2e, and why;
per plan, the same totals for the plan and for the baseline "every return shipped direct as a parcel".

The algorithm, in three passes, O(n log n) for n returns and a fixed number of hubs:

1. **Hub choice**, per return: the hubs that serve its origin (country, postal area or customs territory),
   take its product class (hazardous goods only where the hub and the mode accept them) and reach its
   destination, the ``nearest_hubs`` closest by great-circle distance. For each, the marginal cost through it
   (parcel to the hub, its declaration if that leg crosses a border, handling, the outbound per-kg rate of the
   cheapest mode that still meets the service level with no waiting). The cheapest hub wins if it is cheaper
   than the parcel direct; otherwise the return goes direct and the reason says which comparison decided.
2. **Release simulation**, per hub / destination / customs regime / product class (hazardous goods are never
   in the same group as others), once per outbound mode: returns in order of arrival at the hub fill a
   consolidation that leaves on the hub's next calendar release, or on the day a threshold (weight, volume,
   value, count) is reached, whichever comes first; a return that does not fit the mode's capacity closes the
   load (it leaves full) and starts the next. A return that cannot wait for the departure without breaking its
   service level or the hub's maximum waiting days goes direct. A consolidation that costs more (all its
   members' inbound parcels, handling, outbound freight and declarations) than shipping its members direct is
   dissolved: they go direct. The mode with the lowest group total is kept.
3. **Totals**: the outbound freight and the consolidated declaration of each consolidation are shared among
   its members by weight (cents distributed by largest remainder, so the shares add up to the cent).

Hard limits are never broken: capacity (weight, volume, pallets of the mode), the hub's maximum waiting days,
hazardous separation, and the service level of every return sent through a hub. A return whose direct parcel
itself is slower than its service level is still sent direct (nothing is faster in this model) and says so:
then the baseline itself is not allowed (:attr:`Plan.baseline_allowed`).

Money is :class:`~decimal.Decimal` rounded to the cent (ROUND_HALF_UP) at every charge: rate cards are
contractual amounts in cents and totals must add up exactly (the addon stores them as Monetary fields).
Weights, volumes, distances and emissions are floats: physical estimates whose inputs (default intensities,
detour factors) are uncertain by tens of percent, where binary rounding is irrelevant.

Reasons are ``(code, params)`` pairs, as in ``returns_lib.disposition`` and ``returns_lib.resale.pricing``:
the caller translates them (``MESSAGES`` has the English text for logs and tests).
"""

from __future__ import annotations

import datetime
import gc
import math
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from . import release as rel
from .emissions import AIR, MODES, ROAD, EmissionFactors, default_factors
from .geo import CentroidTable, Point, customs_territory, default_centroids, great_circle_km

CENT = Decimal("0.01")
ZERO = Decimal(0)

DIRECT = "direct"
VIA_HUB = "hub"
PARCEL = "parcel"
CONSOLIDATED = "consolidated"

ZONE_DOMESTIC = "domestic"  # same country
ZONE_TERRITORY = "territory"  # another country of the same customs territory: no declaration
ZONE_INTERNATIONAL = "international"  # across a customs border: one declaration per parcel

# Reason codes (the caller translates them).
ORIGIN_FROM_PARTNER = "origin_partner_coordinates"
ORIGIN_FROM_CENTROID = "origin_centroid"  # {level: country | postal_area:<prefix>}
NO_HUB_SERVES = "no_hub_serves_origin"  # {country, postal_code}
NO_HUB_FOR_CLASS = "no_hub_for_product_class"  # {product_class, hazardous}
HUB_TOO_SLOW = "hub_route_too_slow"  # {hub, earliest_arrival, deadline}
NO_HUB_CHEAPER = "no_hub_cheaper"  # {hub, via_hub, direct}
HUB_CHOSEN = "hub_chosen"  # {hub, via_hub, direct, distance_km, alternatives}
JOINED = "joined_consolidation"  # {consolidation, departs, trigger}
MODE_CHOSEN = "mode_chosen"  # {mode, vehicle_class, group_cost, alternatives: {mode: cost}}
HAZARDOUS_APART = "hazardous_kept_apart"
WAIT_BREAKS_SERVICE = "waiting_breaks_service_level"  # {hub, departs, latest_departure, mode}
TOO_BIG_FOR_MODE = "exceeds_mode_capacity"  # {hub, mode, weight_kg, volume_m3}
CONSOLIDATION_COSTLIER = "consolidation_costlier"  # {consolidation_of, via_hub, direct}
DECLARATION_PER_RETURN = "declaration_per_return"  # {from_territory, to_territory}
DECLARATION_CONSOLIDATED = "declaration_per_consolidation"  # {from_territory, to_territory, consolidation}
SERVICE_LEVEL_UNREACHABLE = "service_level_unreachable"  # {arrives, deadline}
ESTIMATED_ALONE = "estimated_alone"  # {departs, mode, vehicle_class}
NOT_FOR_HUBS = "not_for_hubs"  # goods that never go through a hub (see Planner.direct)

MESSAGES = {
    ORIGIN_FROM_PARTNER: "Origin: the partner's coordinates.",
    ORIGIN_FROM_CENTROID: "Origin: the centroid of the {level} (the partner has no coordinates).",
    NO_HUB_SERVES: "No hub serves {country} {postal_code}: shipped direct.",
    NO_HUB_FOR_CLASS: "No hub serving the origin takes product class {product_class} "
                      "(hazardous: {hazardous}) to its destination: shipped direct.",
    HUB_TOO_SLOW: "Through hub {hub} it would arrive on {earliest_arrival} at the earliest, after its deadline "
                  "{deadline}: shipped direct.",
    NO_HUB_CHEAPER: "Through hub {hub} it would cost at least {via_hub}, direct {direct}: shipped direct.",
    HUB_CHOSEN: "Through hub {hub} ({distance_km} km away): {via_hub} before sharing a load, against {direct} direct.",
    JOINED: "Joins consolidation {consolidation}, leaving on {departs} ({trigger}).",
    MODE_CHOSEN: "Outbound by {mode} ({vehicle_class}): the cheapest for the group ({group_cost}).",
    HAZARDOUS_APART: "Hazardous goods: consolidated only with hazardous goods of the same class.",
    WAIT_BREAKS_SERVICE: "The load at hub {hub} leaves on {departs}, after the latest departure {latest_departure} "
                         "that keeps its service level and the hub's waiting limit: shipped direct.",
    TOO_BIG_FOR_MODE: "Too big for one {mode} load at hub {hub}: shipped direct.",
    CONSOLIDATION_COSTLIER: "The consolidation it would join costs {via_hub}, its returns direct {direct}: "
                            "shipped direct.",
    DECLARATION_PER_RETURN: "Crosses the customs border {from_territory} -> {to_territory}: one declaration.",
    DECLARATION_CONSOLIDATED: "The consolidation crosses {from_territory} -> {to_territory} under one declaration.",
    SERVICE_LEVEL_UNREACHABLE: "Even direct it arrives on {arrives}, after its deadline {deadline}.",
    ESTIMATED_ALONE: "Estimated alone: out by {mode} ({vehicle_class}) by {departs} at the latest; its share of "
                     "the load's fixed freight and declaration is known when the load leaves.",
    NOT_FOR_HUBS: "Never goes through a hub: shipped direct.",
}


def money(value) -> Decimal:
    if isinstance(value, float):
        value = repr(value)
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def _dec(value) -> Decimal:
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def _days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


# --------------------------------------------------------------------------------------------------- inputs
@dataclass(frozen=True)
class PendingReturn:
    ref: str
    country: str  # of the origin (ISO 3166 alpha-2)
    destination: str  # Warehouse.key
    weight_kg: float
    volume_m3: float
    value: Decimal
    ready_date: datetime.date
    max_days: int  # service level: days from ready_date to arrival at the destination warehouse
    customs_regime: str = ""
    product_class: str = "general"
    hazardous: bool = False
    postal_code: str = ""
    location: Point | None = None  # the partner's coordinates when known
    # What leaves the hub in the load when less than what reached it: a hub that grades returns resells or
    # recycles some units where they are. None: all of it.
    carried_weight_kg: float | None = None
    carried_volume_m3: float | None = None

    def __post_init__(self):
        if self.weight_kg < 0 or self.volume_m3 < 0 or _dec(self.value) < 0:
            raise ValueError(f"return {self.ref}: weight, volume and value cannot be negative")
        if (self.carried_weight_kg or 0) < 0 or (self.carried_volume_m3 or 0) < 0:
            raise ValueError(f"return {self.ref}: the weight and volume carried cannot be negative")
        if self.max_days < 0:
            raise ValueError(f"return {self.ref}: max_days cannot be negative")

    @property
    def load_weight_kg(self) -> float:
        return self.weight_kg if self.carried_weight_kg is None else self.carried_weight_kg

    @property
    def load_volume_m3(self) -> float:
        return self.volume_m3 if self.carried_volume_m3 is None else self.carried_volume_m3


@dataclass(frozen=True)
class Warehouse:
    key: str
    location: Point
    country: str


@dataclass(frozen=True)
class ParcelRate:
    per_parcel: Decimal
    per_kg: Decimal
    transit_days: int


@dataclass(frozen=True)
class ParcelRates:
    """The parcel carrier's card: the baseline, every direct shipment and every leg to a hub."""

    domestic: ParcelRate
    territory: ParcelRate
    international: ParcelRate
    declaration_cost: Decimal  # per parcel crossing a customs border
    # Parcel networks collect and deliver by van and run trucks between depots: a medium rigid truck is the
    # compromise for the whole leg (a van all the way would overstate what consolidating saves).
    road_class: str = "rigid_7.5_12t"
    air_beyond_km: float = 2500.0  # parcels further than this (great circle) fly

    def rate(self, zone: str) -> ParcelRate:
        return {ZONE_DOMESTIC: self.domestic, ZONE_TERRITORY: self.territory,
                ZONE_INTERNATIONAL: self.international}[zone]


@dataclass(frozen=True)
class OutboundOption:
    """A mode out of a hub with its rate card: per shipment + per kg + per pallet, capacity, transit days."""

    mode: str
    vehicle_class: str
    transit_days: int
    per_shipment: Decimal = ZERO
    per_kg: Decimal = ZERO
    per_pallet: Decimal = ZERO
    pallet_m3: float = 1.6  # one pallet place: 1.2 x 0.8 x 1.65 m usable, about 1.6 m3
    pallet_kg: float = 750.0
    max_weight_kg: float | None = None
    max_volume_m3: float | None = None
    max_pallets: int | None = None
    hazardous_allowed: bool = True
    destinations: frozenset[str] = frozenset()  # warehouse keys; empty: every destination
    # The carrier's own WTW intensity (g CO2e per tonne-km): ISO 14083 prefers such primary data to defaults.
    carrier_g_per_tkm: float | None = None

    def __post_init__(self):
        if self.mode not in MODES:
            raise ValueError(f"mode {self.mode!r} is not one of {', '.join(MODES)}")
        if self.pallet_m3 <= 0 or self.pallet_kg <= 0:
            raise ValueError("a pallet holds a positive volume and weight")
        if self.carrier_g_per_tkm is not None and self.carrier_g_per_tkm < 0:
            raise ValueError("a carrier's emission intensity cannot be negative")

    def co2e_kg(self, factors, weight_kg: float, distance_km: float) -> float:
        """kg CO2e of the load on this mode: the carrier's intensity when given, else the default for its class."""
        if self.carrier_g_per_tkm is None:
            return factors.co2e_kg(self.mode, self.vehicle_class, weight_kg, distance_km)
        return self.carrier_g_per_tkm * (weight_kg / 1000.0) * distance_km / 1000.0

    def serves(self, destination: str, hazardous: bool) -> bool:
        return (not self.destinations or destination in self.destinations) and (self.hazardous_allowed
                                                                                or not hazardous)

    def pallets(self, weight_kg: float, volume_m3: float) -> int:
        return max(1, math.ceil(volume_m3 / self.pallet_m3 - 1e-9), math.ceil(weight_kg / self.pallet_kg - 1e-9))

    def fits(self, weight_kg: float, volume_m3: float) -> bool:
        if self.max_weight_kg is not None and weight_kg > self.max_weight_kg:
            return False
        if self.max_volume_m3 is not None and volume_m3 > self.max_volume_m3:
            return False
        return self.max_pallets is None or self.pallets(weight_kg, volume_m3) <= self.max_pallets

    def freight(self, weight_kg: float, volume_m3: float) -> Decimal:
        cost = money(self.per_shipment) + money(_dec(self.per_kg) * _dec(weight_kg))
        if self.per_pallet:
            cost += money(self.per_pallet) * self.pallets(weight_kg, volume_m3)
        return cost


@dataclass(frozen=True)
class Hub:
    key: str
    location: Point
    country: str
    release: rel.ReleaseRule
    outbound: tuple[OutboundOption, ...]
    countries: frozenset[str] = frozenset()  # served origins
    postal_areas: frozenset[tuple[str, str]] = frozenset()  # (country, postal code prefix)
    territories: frozenset[str] = frozenset()  # customs territories (EU, CH...)
    max_wait_days: int = 14  # hard limit on a return's stay at the hub
    handling_per_return: Decimal = ZERO
    declaration_cost: Decimal = ZERO  # one declaration per consolidation crossing a border
    accepts_hazardous: bool = False

    def serves(self, country: str, postal_code: str, territory: str) -> bool:
        if country in self.countries or territory in self.territories:
            return True
        code = (postal_code or "").replace(" ", "").upper()
        return any(c == country and code.startswith(prefix) for c, prefix in self.postal_areas)


# -------------------------------------------------------------------------------------------------- outputs
@dataclass(frozen=True)
class Leg:
    kind: str  # parcel | consolidated
    mode: str
    vehicle_class: str
    origin: str  # "origin", a hub key
    destination: str  # a hub key or a warehouse key
    distance_km: float  # travelled: great circle x the mode's detour
    departs: datetime.date
    arrives: datetime.date
    crosses_border: bool
    co2e_kg: float


@dataclass(frozen=True)
class ReturnPlan:
    ref: str
    route: str  # direct | hub
    hub: str | None
    consolidation: str | None
    departs_hub: datetime.date | None
    arrives: datetime.date
    deadline: datetime.date
    legs: tuple[Leg, ...]
    transport_cost: Decimal  # parcel legs + handling + its share of the outbound freight
    declarations: int  # its own (parcel) declarations; a consolidation's own are on the consolidation
    declaration_cost: Decimal  # its own + its share of the consolidation's declaration
    co2e_kg: float
    baseline_cost: Decimal  # direct as a parcel, declaration included
    baseline_co2e_kg: float
    late: bool
    reasons: tuple[tuple[str, dict], ...]
    baseline_declarations: int = 0  # 1 when its direct parcel crosses a customs border

    @property
    def cost(self) -> Decimal:
        return self.transport_cost + self.declaration_cost


@dataclass(frozen=True)
class Consolidation:
    key: str
    hub: str
    destination: str
    customs_regime: str
    product_class: str
    hazardous: bool
    mode: str
    vehicle_class: str
    opens: datetime.date
    departs: datetime.date
    arrives: datetime.date
    trigger: str  # calendar | weight | volume | value | count | capacity
    members: tuple[str, ...]
    weight_kg: float
    volume_m3: float
    value: Decimal
    freight_cost: Decimal
    declarations: int
    declaration_cost: Decimal
    co2e_kg: float  # of the outbound leg


@dataclass(frozen=True)
class Totals:
    transport_cost: Decimal
    declarations: int
    declaration_cost: Decimal
    co2e_kg: float

    @property
    def cost(self) -> Decimal:
        return self.transport_cost + self.declaration_cost


@dataclass(frozen=True)
class Plan:
    returns: tuple[ReturnPlan, ...]
    consolidations: tuple[Consolidation, ...]
    totals: Totals
    baseline: Totals
    baseline_late: tuple[str, ...] = ()  # refs whose direct parcel misses their service level

    @property
    def baseline_allowed(self) -> bool:
        """Every return's direct parcel meets its service level: the baseline is a valid plan."""
        return not self.baseline_late

    def by_ref(self) -> dict[str, ReturnPlan]:
        return {r.ref: r for r in self.returns}

    def message(self, ref: str) -> str:
        """A return's reasons in English, for logs and tests (the addon translates the codes)."""
        plan = self.by_ref()[ref]
        return " ".join(MESSAGES[code].format(**params) for code, params in plan.reasons if code in MESSAGES)


# ------------------------------------------------------------------------------------------------- planning
@dataclass
class _Direct:
    """A return's direct parcel: the baseline, and the fallback of every choice."""

    leg: Leg
    cost: Decimal
    declaration_cost: Decimal
    declarations: int

    @property
    def total(self) -> Decimal:
        return self.cost + self.declaration_cost


@dataclass
class _Candidate:
    hub: Hub
    inbound: Leg
    inbound_cost: Decimal
    inbound_declaration_cost: Decimal
    arrives_hub: datetime.date
    latest: dict  # option index -> latest departure from the hub (only feasible options)
    marginal: Decimal
    option: int = -1  # the index of the outbound option with the lowest per-kg rate that keeps the deadline

    @property
    def fixed(self) -> Decimal:
        """What the return costs through the hub whatever load it joins: parcel, its declaration, handling."""
        return self.inbound_cost + self.inbound_declaration_cost + money(self.hub.handling_per_return)


@dataclass
class _Item:
    ret: PendingReturn
    origin: Point
    territory: str
    deadline: datetime.date
    direct: _Direct
    reasons: list
    candidate: _Candidate | None = None


class Planner:
    def __init__(self, hubs, warehouses, parcel_rates: ParcelRates, factors: EmissionFactors | None = None,
                 centroids: CentroidTable | None = None, nearest_hubs: int = 3, unions: dict | None = None):
        self.hubs = tuple(hubs)
        if len({h.key for h in self.hubs}) != len(self.hubs):
            raise ValueError("hub keys must be unique")
        self.warehouses = {w.key: w for w in warehouses}
        self.rates = parcel_rates
        self.factors = factors or default_factors()
        self.centroids = centroids or default_centroids()
        self.nearest_hubs = max(1, nearest_hubs)
        self.unions = unions
        self._territory_cache = {}
        self._outbound_cache = {}
        # checked once here rather than failing in the middle of a plan
        for hub in self.hubs:
            for option in hub.outbound:
                self.factors.intensity(option.mode, option.vehicle_class)
        self.factors.intensity(ROAD, parcel_rates.road_class)

    # ---------------------------------------------------------------------------------------- helpers
    def territory(self, country: str) -> str:
        try:
            return self._territory_cache[country]
        except KeyError:
            value = self._territory_cache[country] = customs_territory(country, self.unions)
            return value

    def _zone(self, country_a: str, country_b: str) -> str:
        if country_a.upper() == country_b.upper():
            return ZONE_DOMESTIC
        if self.territory(country_a) == self.territory(country_b):
            return ZONE_TERRITORY
        return ZONE_INTERNATIONAL

    def _parcel(self, origin: Point, country_a: str, to_label: str, destination: Point, country_b: str,
                weight_kg: float, weight_dec: Decimal, departs: datetime.date):
        zone = self._zone(country_a, country_b)
        rate = self.rates.rate(zone)
        gcd = great_circle_km(origin, destination)
        if gcd > self.rates.air_beyond_km:
            mode, vehicle_class = AIR, ("lt_1500km" if gcd < 1500 else "belly_gt_1500km")
        else:
            mode, vehicle_class = ROAD, self.rates.road_class
        distance = self.factors.distance_km(mode, gcd)
        co2e = self.factors.co2e_kg(mode, vehicle_class, weight_kg, distance)
        crosses = zone == ZONE_INTERNATIONAL
        leg = Leg(PARCEL, mode, vehicle_class, "origin", to_label, distance, departs,
                  departs + _days(rate.transit_days), crosses, co2e)
        cost = money(rate.per_parcel) + money(_dec(rate.per_kg) * weight_dec)
        return leg, cost, (money(self.rates.declaration_cost) if crosses else ZERO)

    def _outbound_distance(self, hub: Hub, warehouse: Warehouse, mode: str) -> float:
        key = (hub.key, warehouse.key, mode)
        try:
            return self._outbound_cache[key]
        except KeyError:
            value = self._outbound_cache[key] = self.factors.distance_km(
                mode, great_circle_km(hub.location, warehouse.location))
            return value

    def _origin(self, ret: PendingReturn, reasons: list) -> Point:
        if ret.location is not None:
            reasons.append((ORIGIN_FROM_PARTNER, {}))
            return ret.location
        point, level = self.centroids.locate(ret.country, ret.postal_code)
        reasons.append((ORIGIN_FROM_CENTROID, {"level": level}))
        return point

    # ------------------------------------------------------------------------------------- pass 1
    def _prepare(self, ret: PendingReturn, through_hubs: bool = True) -> _Item:
        if ret.destination not in self.warehouses:
            raise KeyError(f"return {ret.ref}: unknown destination warehouse {ret.destination!r}")
        warehouse = self.warehouses[ret.destination]
        reasons = []
        origin = self._origin(ret, reasons)
        weight_dec = _dec(ret.weight_kg)
        leg, cost, declaration = self._parcel(origin, ret.country, warehouse.key, warehouse.location,
                                              warehouse.country, ret.weight_kg, weight_dec, ret.ready_date)
        direct = _Direct(leg, cost, declaration, 1 if leg.crosses_border else 0)
        item = _Item(ret, origin, self.territory(ret.country), ret.ready_date + _days(ret.max_days), direct, reasons)
        if through_hubs:
            item.candidate = self._choose_hub(item, warehouse, weight_dec)
        return item

    def _choose_hub(self, item: _Item, warehouse: Warehouse, weight_dec: Decimal) -> _Candidate | None:
        ret = item.ret
        serving = [h for h in self.hubs if h.serves(ret.country.upper(), ret.postal_code, item.territory)]
        if not serving:
            item.reasons.append((NO_HUB_SERVES, {"country": ret.country, "postal_code": ret.postal_code}))
            return None
        usable = [h for h in serving if (h.accepts_hazardous or not ret.hazardous)
                  and any(o.serves(ret.destination, ret.hazardous) for o in h.outbound)]
        if not usable:
            item.reasons.append((NO_HUB_FOR_CLASS, {"product_class": ret.product_class, "hazardous": ret.hazardous}))
            return None
        nearest = sorted(usable, key=lambda h: (great_circle_km(item.origin, h.location), h.key))[:self.nearest_hubs]
        candidates, refusal = [], None
        for hub in nearest:
            inbound, cost, declaration = self._parcel(item.origin, ret.country, hub.key, hub.location, hub.country,
                                                      ret.weight_kg, weight_dec, ret.ready_date)
            arrives = inbound.arrives
            latest, best, best_index, fitting = {}, None, -1, False
            for index, option in enumerate(hub.outbound):
                if not option.serves(ret.destination, ret.hazardous) or not option.fits(ret.weight_kg, ret.volume_m3):
                    continue
                fitting = True
                last = min(item.deadline - _days(option.transit_days), arrives + _days(hub.max_wait_days))
                if last < arrives:
                    continue
                latest[index] = last
                per_kg = money(_dec(option.per_kg) * weight_dec)
                if best is None or per_kg < best:
                    best, best_index = per_kg, index
            if best is None:
                if not fitting:
                    refusal = refusal or (TOO_BIG_FOR_MODE, {"hub": hub.key, "mode": "any", "weight_kg": ret.weight_kg,
                                                             "volume_m3": ret.volume_m3})
                    continue
                fastest = min(o.transit_days for o in hub.outbound if o.serves(ret.destination, ret.hazardous))
                refusal = (HUB_TOO_SLOW, {"hub": hub.key, "earliest_arrival": arrives + _days(fastest),
                                          "deadline": item.deadline})
                continue
            candidate = _Candidate(hub, inbound, cost, declaration, arrives, latest, ZERO, best_index)
            candidate.marginal = candidate.fixed + best
            candidates.append(candidate)
        if not candidates:
            item.reasons.append(refusal)
            return None
        best = min(candidates, key=lambda c: (c.marginal, c.inbound.distance_km, c.hub.key))
        params = {"hub": best.hub.key, "via_hub": best.marginal, "direct": item.direct.total}
        if best.marginal >= item.direct.total:
            item.reasons.append((NO_HUB_CHEAPER, params))
            return None
        params.update(distance_km=round(best.inbound.distance_km),
                      alternatives={c.hub.key: c.marginal for c in candidates if c is not best})
        item.reasons.append((HUB_CHOSEN, params))
        return best

    # ------------------------------------------------------------------------------------ one by one
    def route(self, returns) -> tuple[ReturnPlan, ...]:
        """Each return decided on its own, as when it is approved, before its load exists.

        Through the hub of pass 1 when, at the margin (its parcel to the hub and that parcel's declaration,
        the handling and the per-kg freight of the cheapest mode that keeps its deadline), it costs less than
        its direct parcel; otherwise direct, with the same reasons as :meth:`plan`. The load's per-shipment
        freight and its one declaration are shared only once the load forms: a routed return's figures leave
        them out and say so (:data:`ESTIMATED_ALONE`). :meth:`plan` decides over all pending returns at once,
        and may find that a load would not pay for itself.
        """
        routed = []
        for ret in returns:
            item = self._prepare(ret)
            cand = item.candidate
            if cand is None:
                routed.append(self._direct_plan(item, None))
                continue
            hub, option = cand.hub, cand.hub.outbound[cand.option]
            warehouse = self.warehouses[ret.destination]
            departs = min(hub.release.next_release(cand.arrives_hub), cand.latest[cand.option])
            arrives = departs + _days(option.transit_days)
            distance = self._outbound_distance(hub, warehouse, option.mode)
            crosses = self.territory(hub.country) != self.territory(warehouse.country)
            outbound = Leg(CONSOLIDATED, option.mode, option.vehicle_class, hub.key, ret.destination, distance,
                           departs, arrives, crosses,
                           option.co2e_kg(self.factors, ret.weight_kg, distance))
            reasons = list(item.reasons)
            if cand.inbound.crosses_border:
                reasons.append((DECLARATION_PER_RETURN, {"from_territory": item.territory,
                                                         "to_territory": self.territory(hub.country)}))
            reasons.append((ESTIMATED_ALONE, {"departs": departs, "mode": option.mode,
                                              "vehicle_class": option.vehicle_class}))
            routed.append(ReturnPlan(
                ret.ref, VIA_HUB, hub.key, None, departs, arrives, item.deadline, (cand.inbound, outbound),
                cand.marginal - cand.inbound_declaration_cost, 1 if cand.inbound.crosses_border else 0,
                cand.inbound_declaration_cost, cand.inbound.co2e_kg + outbound.co2e_kg, item.direct.total,
                item.direct.leg.co2e_kg, False, tuple(reasons), item.direct.declarations))
        return tuple(routed)

    def direct(self, returns) -> tuple[ReturnPlan, ...]:
        """Each return priced as its parcel direct to its warehouse, never through a hub (goods that do not
        travel through hubs at all): the same figures as a direct return of :meth:`route`, with
        :data:`NOT_FOR_HUBS` instead of the reason no hub was taken."""
        return tuple(self._direct_plan(self._prepare(ret, through_hubs=False), (NOT_FOR_HUBS, {}))
                     for ret in returns)

    def settle(self, hub_key: str, returns, departs: datetime.date, name: str = "load"):
        """A load that actually leaves hub ``hub_key`` on ``departs`` with ``returns`` (one destination, one
        product class): the cheapest of the hub's modes that serves them and takes the whole load, its freight
        and declaration shared by weight as in :meth:`plan`, each return's parcel to the hub and its direct
        baseline. Returns ``(Consolidation, tuple of ReturnPlan)``; ``None`` when no mode takes the load.
        """
        hub = next(h for h in self.hubs if h.key == hub_key)
        items = [self._prepare_for(ret, hub) for ret in returns]
        if not items:
            raise ValueError("a load holds returns")
        first = items[0].ret
        weight = math.fsum(item.ret.load_weight_kg for item in items)
        volume = math.fsum(item.ret.load_volume_m3 for item in items)
        hazardous = any(item.ret.hazardous for item in items)
        options = [(option.freight(weight, volume), index) for index, option in enumerate(hub.outbound)
                   if option.serves(first.destination, hazardous) and option.fits(weight, volume)]
        if not options:
            return None
        freight, index = min(options)
        option = hub.outbound[index]
        warehouse = self.warehouses[first.destination]
        crosses = self.territory(hub.country) != self.territory(warehouse.country)
        load = {"items": items, "opens": min(item.candidate.arrives_hub for item in items), "departs": departs,
                "trigger": "shipped", "weight": weight, "volume": volume,
                "value": sum((_dec(item.ret.value) for item in items), ZERO), "freight": freight,
                "declaration": money(hub.declaration_cost) if crosses else ZERO, "crosses": crosses}
        mode_reason = (MODE_CHOSEN, {"mode": option.mode, "vehicle_class": option.vehicle_class,
                                     "group_cost": freight, "alternatives": {}})
        planned = {}
        key = (hub.key, first.destination, first.customs_regime, hazardous, first.product_class)
        consolidation = self._consolidate(name, hub, option, key, load, mode_reason, planned)
        return consolidation, tuple(planned[item.ret.ref] for item in items)

    def _prepare_for(self, ret: PendingReturn, hub: Hub) -> _Item:
        """A return already at ``hub``: its direct baseline and its parcel to that hub, whatever pass 1 thinks."""
        item = self._prepare(ret)
        weight_dec = _dec(ret.weight_kg)
        inbound, cost, declaration = self._parcel(item.origin, ret.country, hub.key, hub.location, hub.country,
                                                  ret.weight_kg, weight_dec, ret.ready_date)
        item.reasons = [reason for reason in item.reasons if reason[0] in (ORIGIN_FROM_PARTNER, ORIGIN_FROM_CENTROID)]
        item.candidate = _Candidate(hub, inbound, cost, declaration, inbound.arrives, {}, ZERO)
        return item

    # ------------------------------------------------------------------------------------- pass 2
    def _simulate(self, hub: Hub, option_index: int, members: list[_Item]):
        """One group, one mode: (loads, directs, total). A load is a list of items with its dates and trigger."""
        option = hub.outbound[option_index]
        rule = hub.release
        loads, directs = [], []  # directs: (item, reason)
        current = None

        def close(load):
            if load and load["items"]:
                loads.append(load)

        for item in members:
            ret, cand = item.ret, item.candidate
            arrives, last = cand.arrives_hub, cand.latest.get(option_index)
            if not option.fits(ret.weight_kg, ret.volume_m3):
                directs.append((item, (TOO_BIG_FOR_MODE, {"hub": hub.key, "mode": option.mode,
                                                          "weight_kg": ret.weight_kg, "volume_m3": ret.volume_m3})))
                continue
            if last is None:
                directs.append((item, (HUB_TOO_SLOW, {"hub": hub.key, "deadline": item.deadline,
                                                      "earliest_arrival": arrives + _days(option.transit_days)})))
                continue
            if current and arrives > current["departs"]:
                close(current)
                current = None
            if current and not option.fits(current["weight"] + ret.weight_kg, current["volume"] + ret.volume_m3):
                # full: it leaves now rather than at its calendar date
                current["departs"], current["trigger"] = min(current["departs"], arrives), rel.BY_CAPACITY
                close(current)
                current = None
            if current is None:
                current = {"items": [], "opens": arrives, "departs": rule.next_release(arrives),
                           "trigger": rel.CALENDAR, "weight": 0.0, "volume": 0.0, "value": ZERO}
            weight, volume = current["weight"] + ret.weight_kg, current["volume"] + ret.volume_m3
            value = current["value"] + _dec(ret.value)
            trigger = rule.threshold_reached(weight, volume, value, len(current["items"]) + 1)
            if trigger is None and current["departs"] > last:
                directs.append((item, (WAIT_BREAKS_SERVICE, {"hub": hub.key, "departs": current["departs"],
                                                             "latest_departure": last, "mode": option.mode})))
                if not current["items"]:
                    current = None
                continue
            current["items"].append(item)
            current["weight"], current["volume"], current["value"] = weight, volume, value
            if trigger is not None:
                current["departs"], current["trigger"] = arrives, trigger
                close(current)
                current = None
        close(current)

        kept = []
        total = sum((item.direct.total for item, _reason in directs), ZERO)
        warehouse = self.warehouses[members[0].ret.destination]
        crosses = self.territory(hub.country) != self.territory(warehouse.country)
        declaration = money(hub.declaration_cost) if crosses else ZERO
        for load in loads:
            freight = option.freight(load["weight"], load["volume"])
            via = sum((item.candidate.fixed for item in load["items"]), ZERO) + freight + declaration
            direct = sum((item.direct.total for item in load["items"]), ZERO)
            if via >= direct:
                reason = (CONSOLIDATION_COSTLIER, {"consolidation_of": len(load["items"]), "via_hub": via,
                                                   "direct": direct})
                directs.extend((item, reason) for item in load["items"])
                total += direct
                continue
            load.update(freight=freight, declaration=declaration, crosses=crosses)
            kept.append(load)
            total += via
        return kept, directs, total

    # ------------------------------------------------------------------------------------- pass 3
    def plan(self, returns) -> Plan:
        # The plan is tens of thousands of small immutable objects that hold no cycle: CPython's cyclic
        # collector rescanning them again and again made 2N cost x2.5-2.8 the time of N. Paused for the
        # plan only, as it was.
        collecting = gc.isenabled()
        gc.disable()
        try:
            return self._plan(returns)
        finally:
            if collecting:
                gc.enable()

    def _plan(self, returns) -> Plan:
        items = [self._prepare(ret) for ret in returns]
        if len({item.ret.ref for item in items}) != len(items):
            raise ValueError("return refs must be unique")
        groups = defaultdict(list)
        for item in items:
            if item.candidate is not None:
                ret = item.ret
                groups[(item.candidate.hub.key, ret.destination, ret.customs_regime, ret.hazardous,
                        ret.product_class)].append(item)

        hubs = {h.key: h for h in self.hubs}
        planned = {}
        consolidations = []
        for key in sorted(groups):
            members = sorted(groups[key], key=lambda it: (it.candidate.arrives_hub, it.ret.ref))
            hub = hubs[key[0]]
            options = [i for i, o in enumerate(hub.outbound) if o.serves(key[1], key[3])]
            results = [(self._simulate(hub, i, members), i) for i in options]
            (loads, directs, group_total), chosen = min(results, key=lambda r: (r[0][2], r[1]))
            option = hub.outbound[chosen]
            alternatives = {hub.outbound[i].mode + "/" + hub.outbound[i].vehicle_class: res[2]
                            for res, i in results if i != chosen}
            mode_reason = (MODE_CHOSEN, {"mode": option.mode, "vehicle_class": option.vehicle_class,
                                         "group_cost": group_total, "alternatives": alternatives})
            for item, reason in directs:
                planned[item.ret.ref] = self._direct_plan(item, reason)
            for load in loads:
                number = len(consolidations) + 1
                consolidations.append(self._consolidate(f"{hub.key}-{number}", hub, option, key, load, mode_reason,
                                                        planned))
        for item in items:
            if item.ret.ref not in planned:
                planned[item.ret.ref] = self._direct_plan(item, None)

        ordered = tuple(planned[item.ret.ref] for item in items)
        totals = Totals(
            sum((r.transport_cost for r in ordered), ZERO),
            sum(r.declarations for r in ordered) + sum(c.declarations for c in consolidations),
            sum((r.declaration_cost for r in ordered), ZERO),
            math.fsum(r.co2e_kg for r in ordered),
        )
        baseline = Totals(
            sum((item.direct.cost for item in items), ZERO),
            sum(item.direct.declarations for item in items),
            sum((item.direct.declaration_cost for item in items), ZERO),
            math.fsum(item.direct.leg.co2e_kg for item in items),
        )
        late = tuple(item.ret.ref for item in items if item.direct.leg.arrives > item.deadline)
        return Plan(ordered, tuple(consolidations), totals, baseline, late)

    def _direct_plan(self, item: _Item, reason) -> ReturnPlan:
        reasons = list(item.reasons)
        if reason is not None:
            reasons.append(reason)
        direct = item.direct
        if direct.leg.crosses_border:
            reasons.append((DECLARATION_PER_RETURN, {"from_territory": item.territory,
                                                     "to_territory": self.territory(
                                                         self.warehouses[item.ret.destination].country)}))
        late = direct.leg.arrives > item.deadline
        if late:
            reasons.append((SERVICE_LEVEL_UNREACHABLE, {"arrives": direct.leg.arrives, "deadline": item.deadline}))
        return ReturnPlan(item.ret.ref, DIRECT, None, None, None, direct.leg.arrives, item.deadline, (direct.leg,),
                          direct.cost, direct.declarations, direct.declaration_cost, direct.leg.co2e_kg,
                          direct.total, direct.leg.co2e_kg, late, tuple(reasons), direct.declarations)

    def _consolidate(self, name, hub, option, key, load, mode_reason, planned) -> Consolidation:
        _hub_key, destination, regime, hazardous, product_class = key
        warehouse = self.warehouses[destination]
        departs, arrives = load["departs"], load["departs"] + _days(option.transit_days)
        distance = self._outbound_distance(hub, warehouse, option.mode)
        items = load["items"]
        weights = [item.ret.load_weight_kg for item in items]
        freight_shares = _allocate(load["freight"], weights)
        declaration_shares = _allocate(load["declaration"], weights)
        co2e_total = 0.0
        for item, freight, declaration in zip(items, freight_shares, declaration_shares, strict=True):
            cand = item.candidate
            co2e = option.co2e_kg(self.factors, item.ret.load_weight_kg, distance)
            co2e_total += co2e
            outbound = Leg(CONSOLIDATED, option.mode, option.vehicle_class, hub.key, destination, distance, departs,
                           arrives, load["crosses"], co2e)
            reasons = list(item.reasons)
            reasons.append((JOINED, {"consolidation": name, "departs": departs, "trigger": load["trigger"]}))
            reasons.append(mode_reason)
            if hazardous:
                reasons.append((HAZARDOUS_APART, {}))
            if cand.inbound.crosses_border:
                reasons.append((DECLARATION_PER_RETURN, {"from_territory": item.territory,
                                                         "to_territory": self.territory(hub.country)}))
            if load["crosses"]:
                reasons.append((DECLARATION_CONSOLIDATED, {"from_territory": self.territory(hub.country),
                                                           "to_territory": self.territory(warehouse.country),
                                                           "consolidation": name}))
            planned[item.ret.ref] = ReturnPlan(
                item.ret.ref, VIA_HUB, hub.key, name, departs, arrives, item.deadline, (cand.inbound, outbound),
                cand.inbound_cost + money(hub.handling_per_return) + freight,
                1 if cand.inbound.crosses_border else 0, cand.inbound_declaration_cost + declaration,
                cand.inbound.co2e_kg + co2e, item.direct.total, item.direct.leg.co2e_kg, False, tuple(reasons),
                item.direct.declarations)
        return Consolidation(
            name, hub.key, destination, regime, product_class, hazardous, option.mode, option.vehicle_class,
            load["opens"], departs, arrives, load["trigger"], tuple(item.ret.ref for item in items), load["weight"],
            load["volume"], load["value"], load["freight"], 1 if load["crosses"] else 0, load["declaration"],
            co2e_total)


def _allocate(total: Decimal, weights: list[float]) -> list[Decimal]:
    """``total`` shared in proportion to ``weights``, to the cent, the shares adding up to ``total`` exactly."""
    if not weights:
        return []
    cents = int((total / CENT).to_integral_value())
    weight_sum = math.fsum(weights)
    exact = [cents * w / weight_sum for w in weights] if weight_sum > 0 else [cents / len(weights)] * len(weights)
    shares = [math.floor(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - shares[i]), i))
    for i in order[: cents - sum(shares)]:
        shares[i] += 1
    return [Decimal(s) * CENT for s in shares]


def plan(returns, hubs, warehouses, parcel_rates: ParcelRates, **options) -> Plan:
    """Plan ``returns`` (see :class:`Planner` for the options)."""
    return Planner(hubs, warehouses, parcel_rates, **options).plan(returns)
