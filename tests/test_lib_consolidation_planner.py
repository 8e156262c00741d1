"""Consolidation planner (returns_lib.consolidation): hand-checked small cases.

One hub in Madrid serving Spain, a warehouse in Hamburg (same EU customs territory) or in Zurich (across a
border). Parcel card: domestic 5.00 + 0.50/kg (2 days), EU 12.00 + 1.00/kg (4 days), international
25.00 + 2.00/kg (6 days), 15.00 per declaration. Hub: handling 1.00 per return, one declaration 30.00 per
consolidation crossing a border, weekly release on Friday. Road out of the hub: 40.00 per shipment +
0.10/kg, 3 days. Returns of 10 kg ready on Monday 2024-03-04 at the hub's door (partner coordinates), so the
parcel to the hub is domestic: 5 + 5 = 10.00, + 1.00 handling.
"""

import datetime as dt
from decimal import Decimal

import pytest
from returns_lib.consolidation import planner, release
from returns_lib.consolidation.emissions import default_factors
from returns_lib.consolidation.geo import Point, default_centroids, great_circle_km

D = Decimal  # short: the amounts are many

MADRID = Point(40.4168, -3.7038)
HAMBURG = Point(53.5511, 9.9937)
ZURICH = Point(47.3769, 8.5417)
MONDAY = dt.date(2024, 3, 4)
FRIDAY = dt.date(2024, 3, 8)
FRIDAYS = release.ReleaseRule(weekday=4)

RATES = planner.ParcelRates(planner.ParcelRate(D("5"), D("0.50"), 2), planner.ParcelRate(D("12"), D("1"), 4),
                      planner.ParcelRate(D("25"), D("2"), 6), D("15"))
ROAD = planner.OutboundOption("road", "artic_34_40t", 3, per_shipment=D("40"), per_kg=D("0.10"))
WAREHOUSES = [planner.Warehouse("HAM", HAMBURG, "DE"), planner.Warehouse("ZRH", ZURICH, "CH")]


def _hub(outbound=(ROAD,), rule=FRIDAYS, **kw):
    values = dict(countries=frozenset({"ES"}), handling_per_return=D("1"), declaration_cost=D("30"))
    values.update(kw)
    return planner.Hub("MAD", MADRID, "ES", rule, tuple(outbound), **values)


def _returns(n, prefix="R", destination="HAM", country="ES", **kw):
    values = dict(weight_kg=10.0, volume_m3=0.05, value=D("100"), ready_date=MONDAY, max_days=14, location=MADRID)
    values.update(kw)
    return [planner.PendingReturn(f"{prefix}{i}", country, destination, **values) for i in range(n)]


def _codes(plan_line):
    return [code for code, _params in plan_line.reasons]


def test_consolidating_ten_returns_is_cheaper_than_ten_parcels():
    plan = planner.plan(_returns(10), [_hub()], WAREHOUSES, RATES)
    # direct: 12 + 10 x 1 = 22.00 each; through the hub: 10 x 11.00 + freight 40 + 0.10 x 100 = 160.00
    assert plan.baseline.cost == D("220.00")
    assert plan.totals.cost == D("160.00")
    (load,) = plan.consolidations
    assert load.members == tuple(f"R{i}" for i in range(10))
    assert (load.opens, load.departs, load.arrives, load.trigger) == (dt.date(2024, 3, 6), FRIDAY,
                                                                      dt.date(2024, 3, 11), "calendar")
    assert load.freight_cost == D("50.00") and load.mode == "road"
    line = plan.by_ref()["R3"]
    assert (line.route, line.hub, line.consolidation, line.departs_hub) == ("hub", "MAD", load.key, FRIDAY)
    assert line.transport_cost == D("16.00")  # 11.00 + a tenth of the freight
    assert [leg.mode for leg in line.legs] == ["road", "road"]
    assert [leg.kind for leg in line.legs] == ["parcel", "consolidated"]
    assert _codes(line) == ["origin_partner_coordinates", "hub_chosen", "joined_consolidation", "mode_chosen"]
    assert "Through hub MAD" in plan.message("R3") and "leaving on 2024-03-08 (calendar)" in plan.message("R3")
    # the same 100 kg in an articulated truck instead of ten parcels in rigid trucks
    assert plan.totals.co2e_kg < plan.baseline.co2e_kg / 2


def test_two_returns_do_not_pay_for_a_truck_and_go_direct():
    plan = planner.plan(_returns(2), [_hub()], WAREHOUSES, RATES)
    # through the hub 2 x 11 + 40 + 2 = 64.00 against 2 x 22.00 direct
    assert plan.consolidations == ()
    assert plan.totals == plan.baseline
    line = plan.by_ref()["R0"]
    assert line.route == "direct" and line.legs[0].kind == "parcel"
    assert line.reasons[-1] == ("consolidation_costlier", {"consolidation_of": 2, "via_hub": D("64.00"),
                                                           "direct": D("44.00")})


def test_a_hub_dearer_than_the_parcel_even_before_sharing_is_not_used():
    dear = planner.ParcelRates(planner.ParcelRate(D("20"), D("1"), 2), RATES.territory, RATES.international, D("15"))
    plan = planner.plan(_returns(10), [_hub()], WAREHOUSES, dear)
    assert plan.consolidations == ()
    # 20 + 10 + 1 handling + 1.00 outbound per kg = 32.00 >= 22.00
    assert plan.by_ref()["R0"].reasons[-1] == ("no_hub_cheaper", {"hub": "MAD", "via_hub": D("32.00"),
                                                                  "direct": D("22.00")})


def test_capacity_splits_the_load_and_the_full_one_leaves_at_once():
    small_truck = planner.OutboundOption("road", "rigid_7.5_12t", 3, per_shipment=D("30"), per_kg=D("0.10"),
                                   max_weight_kg=50)
    plan = planner.plan(_returns(10), [_hub(outbound=(small_truck,))], WAREHOUSES, RATES)
    first, second = plan.consolidations
    assert first.members == ("R0", "R1", "R2", "R3", "R4") and second.members == ("R5", "R6", "R7", "R8", "R9")
    assert first.weight_kg == second.weight_kg == 50
    # the sixth did not fit: the first load left full on the day it arrived, the second on Friday
    assert (first.departs, first.trigger) == (dt.date(2024, 3, 6), "capacity")
    assert (second.departs, second.trigger) == (FRIDAY, "calendar")
    assert plan.totals.cost == D("180.00")  # 10 x 11 + 2 x (30 + 5)


def test_a_return_too_heavy_for_any_load_goes_direct():
    small_truck = planner.OutboundOption("road", "rigid_7.5_12t", 3, per_shipment=D("30"), max_weight_kg=50)
    returns = _returns(6) + _returns(1, prefix="H", weight_kg=80.0)
    plan = planner.plan(returns, [_hub(outbound=(small_truck,))], WAREHOUSES, RATES)
    assert plan.by_ref()["H0"].route == "direct"
    assert plan.by_ref()["H0"].reasons[-1][0] == "exceeds_mode_capacity"
    assert all(c.weight_kg <= 50 for c in plan.consolidations)


def test_threshold_releases_before_the_calendar():
    plan = planner.plan(_returns(10), [_hub(rule=release.ReleaseRule(weekday=4, count=5))], WAREHOUSES, RATES)
    assert [c.trigger for c in plan.consolidations] == ["count"] * 2
    assert {c.departs for c in plan.consolidations} == {dt.date(2024, 3, 6)}
    # 5 x 11 + 40 + 5 = 100.00 per load of five, against 5 x 22.00 direct
    assert plan.totals.cost == 2 * D("100.00")


def test_a_return_that_cannot_wait_for_friday_goes_direct_and_says_why():
    # deadline Saturday 9: leaving Friday + 3 days of road arrives Monday 11
    urgent = _returns(1, prefix="U", max_days=5)
    plan = planner.plan(_returns(10) + urgent, [_hub()], WAREHOUSES, RATES)
    line = plan.by_ref()["U0"]
    assert line.route == "direct" and not line.late
    assert line.reasons[-1] == ("waiting_breaks_service_level", {
        "hub": "MAD", "departs": FRIDAY, "latest_departure": dt.date(2024, 3, 6), "mode": "road"})
    assert "U0" not in plan.consolidations[0].members


def test_the_hubs_maximum_waiting_days_are_never_exceeded():
    plan = planner.plan(_returns(10), [_hub(max_wait_days=1)], WAREHOUSES, RATES)
    # arriving Wednesday, leaving Friday would be two days at the hub
    assert plan.consolidations == ()
    assert {r.reasons[-1][0] for r in plan.returns} == {"waiting_breaks_service_level"}
    assert plan.by_ref()["R0"].reasons[-1][1]["latest_departure"] == dt.date(2024, 3, 7)


def test_a_route_through_the_hub_slower_than_the_service_level_is_refused_at_once():
    plan = planner.plan(_returns(3, max_days=4), [_hub()], WAREHOUSES, RATES)
    # parcel to the hub 2 days + road 3 days > 4 days
    assert plan.by_ref()["R0"].reasons[-1] == ("hub_route_too_slow", {
        "hub": "MAD", "earliest_arrival": dt.date(2024, 3, 9), "deadline": dt.date(2024, 3, 8)})


def test_hazardous_goods_are_never_mixed_with_others():
    hub = _hub(accepts_hazardous=True)
    returns = _returns(6) + _returns(6, prefix="HZ", hazardous=True, product_class="lithium")
    plan = planner.plan(returns, [hub], WAREHOUSES, RATES)
    assert len(plan.consolidations) == 2
    for load in plan.consolidations:
        kinds = {ref.startswith("HZ") for ref in load.members}
        assert kinds == {load.hazardous}
    assert "hazardous_kept_apart" in _codes(plan.by_ref()["HZ0"])
    assert "hazardous_kept_apart" not in _codes(plan.by_ref()["R0"])


def test_a_hub_that_refuses_hazardous_goods_sends_them_direct():
    returns = _returns(6) + _returns(6, prefix="HZ", hazardous=True)
    plan = planner.plan(returns, [_hub()], WAREHOUSES, RATES)
    assert plan.by_ref()["HZ0"].route == "direct"
    assert plan.by_ref()["HZ0"].reasons[-1] == ("no_hub_for_product_class",
                                                {"product_class": "general", "hazardous": True})
    assert plan.consolidations[0].members == tuple(f"R{i}" for i in range(6))


def test_a_mode_that_refuses_hazardous_goods_is_not_used_for_them():
    air = planner.OutboundOption("air", "lt_1500km", 1, per_shipment=D("1"), hazardous_allowed=False)
    plan = planner.plan(_returns(6, hazardous=True), [_hub(outbound=(ROAD, air), accepts_hazardous=True)], WAREHOUSES,
                  RATES)
    assert {c.mode for c in plan.consolidations} == {"road"}


def test_customs_regime_and_destination_split_the_loads():
    returns = (_returns(5, prefix="A", customs_regime="returned_goods_relief") + _returns(5, prefix="B")
               + _returns(5, prefix="C", destination="ZRH"))
    plan = planner.plan(returns, [_hub()], WAREHOUSES, RATES)
    assert sorted(c.members[0][0] for c in plan.consolidations) == ["A", "B", "C"]
    assert {c.customs_regime for c in plan.consolidations} == {"returned_goods_relief", ""}


def test_a_border_crossed_once_per_consolidation_instead_of_once_per_return():
    plan = planner.plan(_returns(10, destination="ZRH"), [_hub()], WAREHOUSES, RATES)
    # direct: 25 + 20 + a 15.00 declaration = 60.00 each; through the hub 110 + 50 freight + one 30.00 declaration
    assert (plan.baseline.declarations, plan.baseline.declaration_cost, plan.baseline.cost) == (10, D("150"),
                                                                                                D("600.00"))
    assert (plan.totals.declarations, plan.totals.declaration_cost, plan.totals.cost) == (1, D("30.00"),
                                                                                          D("190.00"))
    (load,) = plan.consolidations
    assert load.declarations == 1 and load.declaration_cost == D("30.00")
    line = plan.by_ref()["R0"]
    assert line.declarations == 0 and line.declaration_cost == D("3.00")
    assert line.legs[1].crosses_border and not line.legs[0].crosses_border
    assert "declaration_per_consolidation" in _codes(line)


def test_no_border_no_declaration():
    plan = planner.plan(_returns(10), [_hub()], WAREHOUSES, RATES)
    assert plan.totals.declarations == plan.baseline.declarations == 0
    assert not any(leg.crosses_border for r in plan.returns for leg in r.legs)


def test_an_origin_outside_the_hubs_territory_declares_its_own_parcel_to_the_hub():
    hub = _hub(countries=frozenset({"ES", "CH"}))
    plan = planner.plan(_returns(10, country="CH", location=ZURICH), [hub], WAREHOUSES, RATES)
    # Zurich -> Hamburg direct: 25 + 20 + 15 = 60.00; to Madrid: the same parcel and declaration: never cheaper
    assert plan.consolidations == ()
    line = plan.by_ref()["R0"]
    # 25 + 20 + 15 declaration + 1 handling + 1.00 outbound per kg = 62.00
    assert ("no_hub_cheaper", {"hub": "MAD", "via_hub": D("62.00"), "direct": D("60.00")}) in line.reasons
    assert line.reasons[-1] == ("declaration_per_return", {"from_territory": "CH", "to_territory": "EU"})
    assert plan.totals.declarations == 10


def test_the_cheapest_mode_that_keeps_the_service_level_is_chosen():
    rail = planner.OutboundOption("rail", "electric_eu", 6, per_shipment=D("20"), per_kg=D("0.05"))
    plan = planner.plan(_returns(10), [_hub(outbound=(ROAD, rail))], WAREHOUSES, RATES)
    assert plan.consolidations[0].mode == "rail"  # 20 + 5 against 40 + 10
    line = plan.by_ref()["R0"]
    assert line.reasons[-1] == ("mode_chosen", {"mode": "rail", "vehicle_class": "electric_eu",
                                                "group_cost": D("135.00"),
                                                "alternatives": {"road/artic_34_40t": D("160.00")}})
    # with 8 days, rail (Friday + 6 = March 14) is too late: road
    plan = planner.plan(_returns(10, max_days=8), [_hub(outbound=(ROAD, rail))], WAREHOUSES, RATES)
    assert plan.consolidations[0].mode == "road"


def test_the_nearest_of_the_hubs_serving_the_origin_is_used():
    far = planner.Hub("BCN", Point(41.3874, 2.1686), "ES", release.ReleaseRule(weekday=4), (ROAD,),
                countries=frozenset({"ES"}), handling_per_return=D("1"))
    returns = _returns(10, location=None, postal_code="28001")  # no coordinates: Spain's centroid
    plan = planner.plan(returns, [far, _hub()], WAREHOUSES, RATES)
    assert plan.consolidations[0].hub == "MAD"
    assert plan.by_ref()["R0"].reasons[0] == ("origin_centroid", {"level": "country"})
    assert plan.by_ref()["R0"].reasons[1][1]["alternatives"] == {"BCN": D("12.00")}


def test_postal_areas_choose_the_hub_and_the_centroid():
    centroids = default_centroids()
    centroids = type(centroids)({**centroids._rows, ("ES", "08"): Point(41.39, 2.17)})
    bcn = planner.Hub("BCN", Point(41.3874, 2.1686), "ES", release.ReleaseRule(weekday=4), (ROAD,),
                postal_areas=frozenset({("ES", "08")}))
    plan = planner.plan(_returns(3, location=None, postal_code="08001") + _returns(3, prefix="M", location=None,
                                                                             postal_code="28001"),
                  [bcn], WAREHOUSES, RATES, centroids=centroids)
    assert plan.by_ref()["R0"].reasons[0] == ("origin_centroid", {"level": "postal_area:08"})
    assert plan.by_ref()["M0"].reasons[-1] == ("no_hub_serves_origin", {"country": "ES", "postal_code": "28001"})


def test_a_direct_parcel_slower_than_the_service_level_is_late_and_says_so():
    plan = planner.plan(_returns(1, max_days=1), [_hub()], WAREHOUSES, RATES)
    line = plan.by_ref()["R0"]
    assert line.late and line.route == "direct"
    assert line.reasons[-1] == ("service_level_unreachable", {"arrives": dt.date(2024, 3, 8),
                                                              "deadline": dt.date(2024, 3, 5)})
    assert not plan.baseline_allowed and plan.baseline_late == ("R0",)


def test_co2e_is_intensity_times_tonnes_times_adjusted_distance():
    plan = planner.plan(_returns(10), [_hub()], WAREHOUSES, RATES)
    line = plan.by_ref()["R0"]
    gcd = great_circle_km(MADRID, HAMBURG)
    assert gcd == pytest.approx(1786, abs=2)
    # road: x 1.2; articulated truck 83 g/tkm; 10 kg
    assert line.legs[1].distance_km == pytest.approx(gcd * 1.2)
    assert line.legs[1].co2e_kg == pytest.approx(83 * 0.010 * gcd * 1.2 / 1000)
    # baseline parcel: rigid 7.5-12 t, 250 g/tkm
    assert line.baseline_co2e_kg == pytest.approx(250 * 0.010 * gcd * 1.2 / 1000)


def test_a_long_parcel_flies_and_air_adds_95_km():
    factors = default_factors()
    assert factors.distance_km("air", 1000) == 1095
    assert factors.distance_km("sea", 1000) == pytest.approx(1150)
    new_york = planner.Warehouse("NYC", Point(40.71, -74.01), "US")
    plan = planner.plan(_returns(1, destination="NYC"), [_hub()], WAREHOUSES + [new_york], RATES)
    (leg,) = plan.by_ref()["R0"].legs
    assert (leg.mode, leg.vehicle_class) == ("air", "belly_gt_1500km") and leg.crosses_border


def test_money_shares_add_up_to_the_cent():
    assert planner._allocate(D("10.00"), [1.0, 1.0, 1.0]) == [D("3.34"), D("3.33"), D("3.33")]
    assert planner._allocate(D("0.05"), [0.0, 0.0]) == [D("0.03"), D("0.02")]
    returns = [planner.PendingReturn(f"R{i}", "ES", "HAM", w, 0.05, D("10"), MONDAY, 14, location=MADRID)
               for i, w in enumerate([3.3, 7.1, 11.9, 2.2, 9.0, 8.8, 13.7])]
    plan = planner.plan(returns, [_hub(declaration_cost=D("0"))], WAREHOUSES, RATES)
    (load,) = plan.consolidations
    assert len(load.members) == 7 and load.freight_cost == D("45.60")  # 40 + 0.10 x 56 kg
    inbound_and_handling = sum(D("5") + planner.money(D("0.50") * D(repr(r.weight_kg))) + 1 for r in returns)
    assert sum(r.transport_cost for r in plan.returns) - inbound_and_handling == load.freight_cost


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError, match="negative"):
        planner.PendingReturn("X", "ES", "HAM", -1.0, 0.0, D("0"), MONDAY, 3)
    with pytest.raises(ValueError, match="mode"):
        planner.OutboundOption("barge", "x", 1)
    with pytest.raises(KeyError, match="no emission intensity"):
        planner.Planner([_hub(outbound=(planner.OutboundOption("road", "hovercraft", 1),))], WAREHOUSES, RATES)
    with pytest.raises(KeyError, match="unknown destination"):
        planner.plan(_returns(1, destination="NOWHERE"), [_hub()], WAREHOUSES, RATES)
    with pytest.raises(KeyError, match="no centroid"):
        planner.plan(_returns(1, country="XX", location=None), [_hub()], WAREHOUSES, RATES)
    with pytest.raises(ValueError, match="unique"):
        planner.plan(_returns(1) + _returns(1), [_hub()], WAREHOUSES, RATES)


def test_one_by_one_a_return_goes_through_the_hub_when_cheaper_at_the_margin():
    (line,) = planner.Planner([_hub()], WAREHOUSES, RATES).route(_returns(1))
    # at the margin: parcel 10.00 + handling 1.00 + 0.10 x 10 kg = 12.00, against 22.00 direct; the truck's
    # 40.00 per shipment is shared once the load forms, so it is left out and the reasons say so
    assert (line.route, line.hub, line.consolidation) == ("hub", "MAD", None)
    assert (line.transport_cost, line.declaration_cost, line.baseline_cost) == (D("12.00"), D("0"), D("22.00"))
    assert line.departs_hub == FRIDAY and line.arrives == dt.date(2024, 3, 11)
    assert _codes(line)[-2:] == ["hub_chosen", "estimated_alone"]
    assert line.co2e_kg == pytest.approx(sum(leg.co2e_kg for leg in line.legs))
    # the same return in a full plan of its own would not pay for the truck (see above): the plan decides
    # over all pending returns, route() only at the margin
    assert planner.plan(_returns(1), [_hub()], WAREHOUSES, RATES).returns[0].route == "direct"


def test_one_by_one_a_return_waiting_beyond_its_deadline_goes_direct():
    # ready Monday, 2 days to the hub, 3 out: the deadline of 4 days cannot be kept through the hub
    (line,) = planner.Planner([_hub()], WAREHOUSES, RATES).route(_returns(1, max_days=4))
    assert line.route == "direct" and "hub_route_too_slow" in _codes(line)


def test_one_by_one_the_hub_never_keeps_a_return_beyond_its_latest_departure():
    # waiting limit 1 day: arrives Wednesday, must leave Thursday at the latest, not on Friday's release
    (line,) = planner.Planner([_hub(max_wait_days=1)], WAREHOUSES, RATES).route(_returns(1))
    assert line.route == "hub" and line.departs_hub == dt.date(2024, 3, 7)


def test_goods_that_never_go_through_a_hub_are_priced_as_their_direct_parcel_even_where_a_hub_is_cheaper():
    # the return the hub takes at the margin above (12.00 through MAD): priced direct, 12 + 10 x 1 = 22.00,
    # exactly as route() prices a return no hub serves
    hub = _hub()
    (line,) = planner.Planner([hub], WAREHOUSES, RATES).direct(_returns(1))
    (alone,) = planner.Planner([], WAREHOUSES, RATES).route(_returns(1))
    assert (line.route, line.hub, line.legs[0].kind) == ("direct", None, "parcel")
    assert (line.transport_cost, line.baseline_cost) == (D("22.00"), D("22.00")) == (alone.transport_cost,
                                                                                     alone.baseline_cost)
    assert line.co2e_kg == line.baseline_co2e_kg == alone.co2e_kg > 0
    assert _codes(line) == ["origin_partner_coordinates", "not_for_hubs"], "no hub was considered"
    # across a border: its own declaration, in its baseline
    (zurich,) = planner.Planner([hub], WAREHOUSES, RATES).direct(_returns(1, destination="ZRH"))
    assert zurich.declarations == 1 and "declaration_per_return" in _codes(zurich)


def test_a_load_that_leaves_is_settled_with_the_cheapest_mode_that_takes_it_and_shares_to_the_cent():
    rail = planner.OutboundOption("rail", "electric_eu", 4, per_shipment=D("90"), per_kg=D("0.01"))
    hub = _hub(outbound=(ROAD, rail))
    returns = _returns(3, destination="ZRH") + [planner.PendingReturn(
        "HEAVY", "ES", "ZRH", 70.0, 0.2, D("900"), MONDAY, 14, location=MADRID)]
    load, lines = planner.Planner([hub], WAREHOUSES, RATES).settle("MAD", returns, FRIDAY, name="C1")
    # 100 kg: road 40 + 10 = 50.00, rail 90 + 1 = 91.00; one declaration of 30.00 into Switzerland
    assert (load.mode, load.freight_cost, load.declaration_cost, load.declarations) == ("road", D("50.00"),
                                                                                        D("30.00"), 1)
    assert (load.departs, load.arrives, load.members) == (FRIDAY, dt.date(2024, 3, 11), ("R0", "R1", "R2", "HEAVY"))
    heavy = lines[-1]
    # its parcel to the hub 5 + 35 = 40.00, handling 1.00, 70 % of the freight 35.00; 70 % of the declaration
    assert (heavy.route, heavy.transport_cost, heavy.declaration_cost) == ("hub", D("76.00"), D("21.00"))
    # to the cent: parcels 3 x 10.00 + 40.00, handling 4 x 1.00, freight 50.00, declaration 30.00
    assert sum(line.cost for line in lines) == D("154.00")
    # direct to Zurich: 25 + 2/kg and a declaration of 15.00 each
    assert heavy.baseline_cost == D("180.00") and heavy.baseline_declarations == 1
    assert load.co2e_kg == pytest.approx(sum(line.legs[1].co2e_kg for line in lines))


def test_a_load_is_settled_on_what_it_carries_when_a_grading_hub_kept_some_units():
    hub = _hub()
    whole = _returns(2, destination="ZRH")
    kept = [whole[0], planner.PendingReturn("GRADED", "ES", "ZRH", 30.0, 0.1, D("300"), MONDAY, 14,
                                            location=MADRID, carried_weight_kg=10.0, carried_volume_m3=0.05)]
    load, lines = planner.Planner([hub], WAREHOUSES, RATES).settle("MAD", kept, FRIDAY, name="C1")
    # 10 + 10 kg leave, not 10 + 30: road 40 + 0.10 x 20 = 42.00, shared half and half
    assert (load.weight_kg, load.freight_cost) == (20.0, D("42.00"))
    assert lines[0].legs[1].co2e_kg == pytest.approx(lines[1].legs[1].co2e_kg)
    # its parcel to the hub and its direct baseline weigh everything that came back: 30 kg
    alone = planner.Planner([hub], WAREHOUSES, RATES).settle("MAD", [whole[0], planner.PendingReturn(
        "GRADED", "ES", "ZRH", 30.0, 0.1, D("300"), MONDAY, 14, location=MADRID)], FRIDAY, name="C1")[1]
    assert lines[1].baseline_cost == alone[1].baseline_cost
    assert lines[1].legs[0] == alone[1].legs[0]
    with pytest.raises(ValueError, match="carried cannot be negative"):
        planner.PendingReturn("X", "ES", "ZRH", 1.0, 0.1, D("1"), MONDAY, 14, carried_weight_kg=-1.0)
    with pytest.raises(ValueError, match="max_days cannot be negative"):
        planner.PendingReturn("X", "ES", "ZRH", 1.0, 0.1, D("1"), MONDAY, -1)


def test_a_carriers_own_intensity_replaces_the_default_of_its_class():
    green = planner.OutboundOption("road", "artic_34_40t", 3, per_shipment=D("40"), per_kg=D("0.10"),
                                   carrier_g_per_tkm=20.0)
    default = planner.Planner([_hub()], WAREHOUSES, RATES).settle("MAD", _returns(2), FRIDAY)[0]
    carrier = planner.Planner([_hub(outbound=(green,))], WAREHOUSES, RATES).settle("MAD", _returns(2), FRIDAY)[0]
    factors = default_factors()
    # 20 kg over the same distance: the carrier's 20 g/tkm against the class's default
    ratio = 20.0 / factors.intensity("road", "artic_34_40t").g_per_tkm
    assert carrier.co2e_kg == pytest.approx(default.co2e_kg * ratio)
    assert carrier.freight_cost == default.freight_cost
    with pytest.raises(ValueError, match="cannot be negative"):
        planner.OutboundOption("road", "artic_34_40t", 3, carrier_g_per_tkm=-1.0)


def test_a_load_no_mode_can_take_is_not_settled():
    small = planner.OutboundOption("road", "artic_34_40t", 3, per_shipment=D("40"), max_weight_kg=20.0)
    assert planner.Planner([_hub(outbound=(small,))], WAREHOUSES, RATES).settle("MAD", _returns(3), FRIDAY) is None
