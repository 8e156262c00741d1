"""Release calendars, the shipped data files and distances of the consolidation planner."""

import datetime as dt
from decimal import Decimal

import pytest
from returns_lib.consolidation import release
from returns_lib.consolidation.emissions import DATA, MODES, EmissionFactors, default_factors
from returns_lib.consolidation.geo import EU, Point, _data_rows, customs_territory, default_centroids, great_circle_km

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


INTENSITY_ROWS = list(_data_rows(DATA / "emission_intensities.csv"))


@pytest.mark.parametrize("row", INTENSITY_ROWS, ids=lambda row: f"{row['mode']}/{row['vehicle_class']}")
def test_every_intensity_names_its_source_and_no_estimate_passes_for_a_glec_value(row):
    source, note = row["source"].strip(), row["note"].strip()
    assert source and note
    if row["basis"] in ("glec_v3", "derived"):
        # a GLEC value, or one computed from it, names the edition and the table it was read from
        assert "GLEC Framework v3" in source and "Table " in source
    else:
        # our own figures say so, and never borrow a table reference that would pass them off as GLEC's
        assert row["basis"] == "assumed" and source.startswith("own estimate") and "Table " not in source.split(";")[0]


def test_glec_values_are_the_table_value_in_grams():
    # the table gives kg CO2e per tonne-km; the file keeps grams: a unit slip would be a factor of 1000
    for row in INTENSITY_ROWS:
        if row["basis"] == "glec_v3":
            kg = float(row["note"].split("WTW ")[1].split(" kg/tkm")[0])
            assert float(row["wtw_g_per_tkm"]) == pytest.approx(kg * 1000)


def test_the_shipped_classes_in_use_stay():
    # classes the addon's demo, views and tests refer to: a hub mode with a class no longer known is refused
    in_use = {("road", "artic_34_40t"), ("road", "rigid_7.5_12t"), ("rail", "electric_eu"),
              ("sea", "container_short_sea"), ("air", "belly_gt_1500km"), ("air", "lt_1500km")}
    assert in_use <= set(default_factors().intensities)


def test_larger_ferries_emit_less_per_tonne_km():
    g = {key: i.g_per_tkm for key, i in default_factors().intensities.items()}
    assert g[("sea", "ropax_gt_20000gt")] < g[("sea", "ropax_10000_19999gt")] < g[("sea", "ropax_5000_9999gt")]
    # a ferry carries lorries, not boxes: per tonne-km it is far above a container ship
    assert g[("sea", "container_deep_sea")] < g[("sea", "ropax_gt_20000gt")]


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
