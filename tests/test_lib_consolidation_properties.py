"""Property tests of the consolidation planner on random returns, hubs and rate cards (hypothesis).

Whatever the input: every return is planned exactly once; no hard limit is broken (capacity, the hub's waiting
limit, the service level of every return sent through a hub, hazardous separation, one destination, regime
and class per load); totals add up to the cent; and the plan never costs more than the all-parcel baseline.
"""

import datetime as dt
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from returns_lib.consolidation import planner, release
from returns_lib.consolidation.geo import Point

D = Decimal  # short: the amounts are many

START = dt.date(2024, 3, 1)
PLACES = {"ES": Point(40.42, -3.70), "FR": Point(45.76, 4.84), "IT": Point(45.46, 9.19), "CH": Point(46.95, 7.45)}
WAREHOUSES = [planner.Warehouse("HAM", Point(53.55, 9.99), "DE"), planner.Warehouse("ZRH", Point(47.38, 8.54), "CH")]

cents = st.integers(min_value=0, max_value=5000).map(lambda c: D(c) / 100)
tenth_cents = st.integers(min_value=0, max_value=500).map(lambda c: D(c) / 100)

releases = st.one_of(
    st.builds(release.ReleaseRule, kind=st.just(release.WEEKLY), weekday=st.integers(0, 6)),
    st.builds(release.ReleaseRule, kind=st.just(release.EVERY_N_DAYS), every_days=st.integers(1, 10),
              anchor=st.dates(dt.date(2024, 2, 1), dt.date(2024, 3, 31))),
    st.builds(release.ReleaseRule, kind=st.just(release.MONTHLY), weekday=st.integers(0, 6),
              week_of_month=st.sampled_from([1, 2, 3, 4, -1]), count=st.none() | st.integers(1, 20),
              weight_kg=st.none() | st.floats(5, 500)),
)

options = st.builds(
    planner.OutboundOption,
    mode=st.sampled_from(["road", "rail"]),
    vehicle_class=st.just("x"),
    transit_days=st.integers(1, 8),
    per_shipment=cents,
    per_kg=st.integers(0, 50).map(lambda c: D(c) / 100),
    per_pallet=st.sampled_from([D(0), D(0), D("15")]),
    max_weight_kg=st.none() | st.floats(20, 400),
    max_volume_m3=st.none() | st.floats(0.5, 5),
    max_pallets=st.none() | st.integers(1, 4),
    hazardous_allowed=st.booleans(),
).map(lambda o: planner.OutboundOption(**{**o.__dict__, "vehicle_class": "artic_34_40t" if o.mode == "road"
                                    else "electric_eu"}))


@st.composite
def hubs(draw):
    result = []
    for key, country in (("MAD", "ES"), ("LYS", "FR"), ("MIL", "IT")):
        if draw(st.booleans()):
            result.append(planner.Hub(
                key, PLACES[country], country, draw(releases), tuple(draw(st.lists(options, min_size=1, max_size=2))),
                countries=frozenset(draw(st.sets(st.sampled_from(sorted(PLACES)), min_size=1))),
                max_wait_days=draw(st.integers(0, 10)), handling_per_return=draw(cents) / 10,
                declaration_cost=draw(cents), accepts_hazardous=draw(st.booleans())))
    return result


@st.composite
def returns(draw):
    n = draw(st.integers(0, 60))
    result = []
    for i in range(n):
        country = draw(st.sampled_from(sorted(PLACES)))
        base = PLACES[country]
        result.append(planner.PendingReturn(
            f"R{i}", country, draw(st.sampled_from(["HAM", "ZRH"])),
            weight_kg=draw(st.floats(0.1, 60)), volume_m3=draw(st.floats(0.001, 0.8)), value=draw(cents) * 10,
            ready_date=START + dt.timedelta(days=draw(st.integers(0, 20))), max_days=draw(st.integers(0, 25)),
            customs_regime=draw(st.sampled_from(["", "rgr"])), product_class=draw(st.sampled_from(["a", "b"])),
            hazardous=draw(st.booleans()),
            location=draw(st.none() | st.just(Point(base.lat + 0.3, base.lon - 0.2)))))
    return result


rates = st.builds(
    planner.ParcelRates,
    domestic=st.builds(planner.ParcelRate, cents, tenth_cents, st.integers(1, 3)),
    territory=st.builds(planner.ParcelRate, cents, tenth_cents, st.integers(2, 5)),
    international=st.builds(planner.ParcelRate, cents, tenth_cents, st.integers(2, 8)),
    declaration_cost=cents,
)


def _parcel_cost(parcel_rates, ret, hub):
    if ret.country == hub.country:
        rate = parcel_rates.domestic
    elif "CH" in (ret.country, hub.country):
        rate = parcel_rates.international
    else:
        rate = parcel_rates.territory
    return planner.money(rate.per_parcel) + planner.money(rate.per_kg * D(repr(ret.weight_kg)))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(returns(), hubs(), rates)
def test_the_plan_keeps_every_limit_and_adds_up(pending, hub_list, parcel_rates):
    plan = planner.plan(pending, hub_list, WAREHOUSES, parcel_rates)
    by_ref = plan.by_ref()
    hubs_by_key = {h.key: h for h in hub_list}
    pending_by_ref = {r.ref: r for r in pending}

    # every return planned exactly once, and in exactly one consolidation when it goes through a hub
    assert [r.ref for r in plan.returns] == [r.ref for r in pending]
    members = [ref for c in plan.consolidations for ref in c.members]
    assert len(members) == len(set(members))
    assert set(members) == {r.ref for r in plan.returns if r.route == planner.VIA_HUB}

    for load in plan.consolidations:
        hub = hubs_by_key[load.hub]
        # capacity, and hazardous goods only by a mode that takes them
        assert any((o.mode, o.vehicle_class) == (load.mode, load.vehicle_class)
                   and o.fits(load.weight_kg, load.volume_m3) and o.serves(load.destination, load.hazardous)
                   for o in hub.outbound)
        group = [pending_by_ref[ref] for ref in load.members]
        assert abs(sum(r.weight_kg for r in group) - load.weight_kg) < 1e-6
        # one destination, regime, class; hazardous never mixed, and only where hub and mode take it
        assert {(r.destination, r.customs_regime, r.product_class, r.hazardous) for r in group} == {
            (load.destination, load.customs_regime, load.product_class, load.hazardous)}
        if load.hazardous:
            assert hub.accepts_hazardous
        for ref in load.members:
            line, ret = by_ref[ref], pending_by_ref[ref]
            arrives_hub = line.legs[0].arrives
            # waits at the hub no longer than allowed, leaves after arriving, arrives by the deadline
            assert arrives_hub <= load.departs <= arrives_hub + dt.timedelta(days=hub.max_wait_days)
            assert line.arrives == load.arrives <= ret.ready_date + dt.timedelta(days=ret.max_days)
            assert not line.late
            assert ret.country in hub.countries

    # totals add up, to the cent for money
    assert plan.totals.transport_cost == sum(r.transport_cost for r in plan.returns)
    assert plan.totals.declaration_cost == sum(r.declaration_cost for r in plan.returns)
    assert plan.totals.declarations == sum(r.declarations for r in plan.returns) + sum(
        c.declarations for c in plan.consolidations)
    assert abs(plan.totals.co2e_kg - sum(leg.co2e_kg for r in plan.returns for leg in r.legs)) < 1e-6
    for load in plan.consolidations:
        hub = hubs_by_key[load.hub]
        lines = [by_ref[ref] for ref in load.members]
        # the members' shares are the load's freight and declaration, to the cent, over their own parcels
        own_parcels = sum(_parcel_cost(parcel_rates, pending_by_ref[ref], hub) + planner.money(hub.handling_per_return)
                          for ref in load.members)
        assert sum(line.transport_cost for line in lines) - own_parcels == load.freight_cost
        own_declarations = sum(parcel_rates.declaration_cost for line in lines if line.legs[0].crosses_border)
        assert sum(line.declaration_cost for line in lines) == load.declaration_cost + planner.money(own_declarations)
    assert plan.baseline.cost == sum(r.baseline_cost for r in plan.returns)

    # never worse than the baseline on cost (the baseline is every return's direct parcel)
    if plan.baseline_allowed:
        assert plan.totals.cost <= plan.baseline.cost
    assert plan.totals.cost <= plan.baseline.cost
    # a direct return costs exactly its baseline
    for line in plan.returns:
        if line.route == planner.DIRECT:
            assert line.cost == line.baseline_cost and line.co2e_kg == line.baseline_co2e_kg
        assert line.reasons, "every choice says why"
