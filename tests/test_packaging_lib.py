"""Returnable packaging arithmetic (returns_lib.packaging): balances, refusals, deposits, ageing, reuse."""

import datetime as dt

import pytest
from returns_lib import packaging as pk

KEY = (1, 10, "customer")
OTHER = (2, 10, "customer")
D = dt.date


def entry(direction, qty, day=1, key=KEY, deposit=0.0, lot=None):
    return pk.Entry(key, direction, qty, D(2026, 1, day), deposit, lot)


def test_the_balance_is_sent_minus_returned_minus_written_off_per_partner():
    entries = [entry(pk.SENT, 10), entry(pk.RETURNED, 3), entry(pk.WRITTEN_OFF, 1), entry(pk.SENT, 2, key=OTHER)]
    assert pk.balances(entries) == {KEY: 6.0, OTHER: 2.0}


def test_an_unknown_direction_is_an_error_not_a_silent_zero():
    with pytest.raises(ValueError):
        pk.signed_quantity("lost", 1)


def test_requests_above_the_balance_are_refused_and_add_up_per_key():
    assert pk.shortfalls([(KEY, 2), (KEY, 2)], {KEY: 5}) == []
    assert pk.shortfalls([(KEY, 3), (KEY, 3)], {KEY: 5}) == [pk.Shortfall(KEY, 6, 5)]
    assert pk.shortfalls([(OTHER, 1)], {KEY: 5}) == [pk.Shortfall(OTHER, 1, 0.0)]


def test_zero_and_negative_requests_are_refused():
    assert pk.shortfalls([(KEY, 0)], {KEY: 5}) == [pk.Shortfall(KEY, 0, 5)]
    assert pk.shortfalls([(KEY, -1)], {KEY: 5}) == [pk.Shortfall(KEY, -1, 5)]


def test_the_open_deposit_per_unit_never_credits_more_than_was_charged():
    assert pk.open_deposit_per_unit(100.0, 0.0, 10) == 10.0
    assert pk.open_deposit_per_unit(100.0, 40.0, 6) == 10.0
    # Packaging sent without a deposit (a free pallet) dilutes the deposit per unit instead of crediting extra.
    assert pk.open_deposit_per_unit(100.0, 0.0, 20) == 5.0
    assert pk.open_deposit_per_unit(100.0, 120.0, 2) == 0.0
    assert pk.open_deposit_per_unit(100.0, 0.0, 0) == 0.0


def test_returns_settle_the_oldest_shipments_first():
    entries = [entry(pk.SENT, 5, day=1), entry(pk.SENT, 5, day=10), entry(pk.RETURNED, 7, day=20)]
    assert pk.open_shipments(entries) == {KEY: [(D(2026, 1, 10), 3)]}


def test_only_units_out_longer_than_the_limit_are_overdue():
    entries = [entry(pk.SENT, 5, day=1), entry(pk.SENT, 4, day=25), entry(pk.RETURNED, 2, day=26),
               entry(pk.SENT, 1, day=1, key=OTHER), entry(pk.RETURNED, 1, day=2, key=OTHER)]
    assert pk.overdue(entries, D(2026, 1, 31), 20) == {KEY: (3, D(2026, 1, 1))}
    assert pk.overdue(entries, D(2026, 1, 31), 40) == {}


def test_a_return_on_the_day_of_the_shipment_settles_it():
    entries = [entry(pk.RETURNED, 2, day=5), entry(pk.SENT, 2, day=5)]
    assert pk.open_shipments(entries) == {KEY: []}


def test_reuse_counts_trips_per_container_and_the_share_returned():
    entries = [entry(pk.SENT, 1, lot=7), entry(pk.RETURNED, 1, lot=7), entry(pk.SENT, 1, lot=7),
               entry(pk.RETURNED, 1, lot=7), entry(pk.SENT, 1, lot=8), entry(pk.SENT, 10), entry(pk.RETURNED, 5)]
    figures = pk.reuse_figures(entries)
    assert (figures.containers, figures.trips, figures.trips_per_container) == (2, 2, 1.0)
    assert figures.returned_share == pytest.approx(7 / 13)
    assert pk.reuse_figures([]).returned_share == 0.0
