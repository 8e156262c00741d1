"""What may still be returned: the arithmetic every return path shares (returns_lib.returnable)."""

import math

import pytest
from returns_lib import returnable
from returns_lib.returnable import Request

SALE_LINE = ("sale_line", 1)
MOVE = ("move", 7)
SERIAL = ("serial", 3, 42)


def test_a_request_within_every_bucket_is_accepted():
    requests = [Request("a", 2, (SALE_LINE, MOVE))]
    assert returnable.shortfalls(requests, {SALE_LINE: 5, MOVE: 5}, {SALE_LINE: 3}) == []


def test_the_tightest_bucket_decides():
    # The sale line still has 2, the move it names only 1 (the other unit left with another move).
    requests = [Request("a", 2, (SALE_LINE, MOVE))]
    (shortfall,) = returnable.shortfalls(requests, {SALE_LINE: 5, MOVE: 1}, {SALE_LINE: 3})
    assert (shortfall.bucket, shortfall.capacity, shortfall.claimed, shortfall.requested) == (MOVE, 1, 0, 2)
    assert shortfall.left == 1


def test_requests_on_the_same_bucket_count_together():
    requests = [Request("a", 1, (SALE_LINE,)), Request("b", 2, (SALE_LINE,))]
    (shortfall,) = returnable.shortfalls(requests, {SALE_LINE: 5}, {SALE_LINE: 3})
    assert (shortfall.key, shortfall.requested, shortfall.left) == ("a", 3, 2)


def test_every_overdrawn_bucket_is_reported_once():
    requests = [Request("a", 2, (SALE_LINE, SERIAL)), Request("b", 1, (SERIAL,))]
    found = returnable.shortfalls(requests, {SALE_LINE: 1, SERIAL: 1}, {})
    assert [(s.key, s.bucket) for s in found] == [("a", SALE_LINE), ("a", SERIAL)]


def test_a_bucket_without_capacity_delivered_nothing():
    (shortfall,) = returnable.shortfalls([Request("a", 1, (SERIAL,))], {}, {})
    assert (shortfall.capacity, shortfall.left) == (0, 0)


def test_the_unit_precision_decides_equality():
    # 0.1 + 0.2 is not 0.3 in binary; at a precision of 0.01 it is.
    requests = [Request("a", 0.1, (SALE_LINE,), 0.01), Request("b", 0.2, (SALE_LINE,), 0.01)]
    assert returnable.shortfalls(requests, {SALE_LINE: 0.3}, {}) == []
    assert returnable.shortfalls([Request("a", 0.31, (SALE_LINE,), 0.01)], {SALE_LINE: 0.3}, {})


@pytest.mark.parametrize("quantity", [0, -1, math.nan, math.inf, -math.inf])
def test_only_positive_finite_quantities_are_requests(quantity):
    with pytest.raises(ValueError, match="not a positive number"):
        returnable.shortfalls([Request("a", quantity, (SALE_LINE,))], {SALE_LINE: 5}, {})


def test_remaining_is_what_every_bucket_still_gives():
    assert returnable.remaining((SALE_LINE, MOVE), {SALE_LINE: 5, MOVE: 4}, {SALE_LINE: 3}) == 2
    assert returnable.remaining((SALE_LINE, MOVE), {SALE_LINE: 5, MOVE: 4}, {MOVE: 4}) == 0
    assert returnable.remaining((SALE_LINE,), {SALE_LINE: 2}, {SALE_LINE: 3}) == 0, "never negative"
    assert returnable.remaining((), {}, {}) is None, "nothing limits a line without sources"
