"""Release calendars, the shipped data files and distances of the consolidation planner (issue #13)."""

import datetime as dt
from decimal import Decimal

import pytest
from returns_lib.consolidation import release
from returns_lib.consolidation.emissions import MODES, EmissionFactors, default_factors
from returns_lib.consolidation.geo import EU, Point, customs_territory, default_centroids, great_circle_km

D = Decimal  # short: the amounts are many


@pytest.mark.parametrize("day, expected", [
    (dt.date(2024, 3, 4), dt.date(2024, 3, 8)),  # Monday -> Friday
    (dt.date(2024, 3, 8), dt.date(2024, 3, 8)),  # a load arriving on Friday leaves that day
    (dt.date(2024, 3, 9), dt.date(2024, 3, 15)),
])
def test_weekly_release(day, expected):
    assert release.ReleaseRule(kind=release.WEEKLY, weekday=4).next_release(day) == expected


def test_every_n_days_counts_from_its_anchor():
    rule = release.ReleaseRule(kind=release.EVERY_N_DAYS, every_days=3, anchor=dt.date(2024, 3, 1))
    assert [rule.next_release(dt.date(2024, 3, d)) for d in (1, 2, 3, 4, 5)] == [
        dt.date(2024, 3, 1), dt.date(2024, 3, 4), dt.date(2024, 3, 4), dt.date(2024, 3, 4), dt.date(2024, 3, 7)]
    # before the anchor too (2024 is a leap year: February 27 is three days before March 1)
    assert rule.next_release(dt.date(2024, 2, 27)) == dt.date(2024, 2, 27)
    assert rule.next_release(dt.date(2024, 2, 28)) == dt.date(2024, 3, 1)


def test_monthly_on_a_weekday():
    first_monday = release.ReleaseRule(kind=release.MONTHLY, weekday=0, week_of_month=1)
    assert first_monday.next_release(dt.date(2024, 3, 4)) == dt.date(2024, 3, 4)
    assert first_monday.next_release(dt.date(2024, 3, 5)) == dt.date(2024, 4, 1)
    last_friday = release.ReleaseRule(kind=release.MONTHLY, weekday=4, week_of_month=-1)
    assert last_friday.next_release(dt.date(2024, 12, 28)) == dt.date(2025, 1, 31)
    assert last_friday.next_release(dt.date(2024, 2, 1)) == dt.date(2024, 2, 23)


def test_thresholds_whichever_comes_first():
    rule = release.ReleaseRule(weight_kg=100, volume_m3=2, value=D("1000"), count=10)
    assert rule.threshold_reached(50, 1, D("10"), 3) is None
    assert rule.threshold_reached(100, 1, D("10"), 3) == "weight"
    assert rule.threshold_reached(50, 2.5, D("10"), 3) == "volume"
    assert rule.threshold_reached(50, 1, D("1000"), 3) == "value"
    assert rule.threshold_reached(50, 1, D("10"), 10) == "count"


def test_impossible_rules_are_refused():
    with pytest.raises(ValueError):
        release.ReleaseRule(kind="daily")
    with pytest.raises(ValueError):
        release.ReleaseRule(kind=release.EVERY_N_DAYS, every_days=0)
    with pytest.raises(ValueError):
        release.ReleaseRule(kind=release.MONTHLY, week_of_month=5)


def test_every_intensity_says_its_basis_and_every_mode_has_a_detour():
    factors = default_factors()
    assert {mode for mode, _cls in factors.intensities} == set(MODES)
    assert {i.basis for i in factors.intensities.values()} <= {"glec_v3", "derived", "assumed"}
    assert all(i.g_per_tkm > 0 for i in factors.intensities.values())
    assert set(factors.adjustments) == set(MODES)
    # the order every source agrees on: sea < rail < a full-size truck < long-haul air < short-haul air,
    # and the smaller the truck the higher the intensity
    g = {key: i.g_per_tkm for key, i in factors.intensities.items()}
    assert g[("sea", "container_deep_sea")] < g[("rail", "electric_eu")] < g[("road", "artic_34_40t")] \
        < g[("air", "freighter_gt_1500km")] < g[("air", "lt_1500km")]
    assert g[("road", "artic_34_40t")] < g[("road", "rigid_20_26t")] < g[("road", "rigid_7.5_12t")] \
        < g[("road", "van_lt_3.5t")]


def test_a_file_with_an_unknown_mode_is_refused(tmp_path):
    path = tmp_path / "intensities.csv"
    path.write_text("# comment\nmode,vehicle_class,wtw_g_per_tkm,basis,note\nbarge,x,30,assumed,\n")
    with pytest.raises(ValueError, match="barge"):
        EmissionFactors.load(intensities_path=path)


def test_centroids_and_distances():
    centroids = default_centroids()
    point, level = centroids.locate("de", "20095")
    assert (point, level) == (Point(51.0, 9.0), "country")
    # Paris - London is about 344 km on the sphere
    assert great_circle_km(Point(48.8566, 2.3522), Point(51.5074, -0.1278)) == pytest.approx(344, abs=2)
    assert great_circle_km(Point(10, 10), Point(10, 10)) == 0
    with pytest.raises(ValueError):
        Point(91, 0)


def test_customs_territories():
    assert customs_territory("FR") == customs_territory("de") == customs_territory("MC") == EU
    assert customs_territory("CH") == "CH" and customs_territory("GB") == "GB"
    assert customs_territory("CH", {"CH": "CH-LI"}) == "CH-LI"
