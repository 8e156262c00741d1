"""Listing prices of graded units (returns_lib.resale.pricing).

Reference x grade share, the channel's rounding, a floor at cost + minimum margin with the channel
fee grossed up, below the floor only a sales manager, price drops never below the floor.
"""

from decimal import Decimal

import pytest
from returns_lib.resale import pricing
from returns_lib.resale.pricing import ChannelPricing

D = Decimal  # short: the amounts are many

GRADE_SHARE = {"A": 100, "B": 70, "C": 45, "D": 15}
MARKETPLACE = ChannelPricing(fee_percent=D("12"), fee_fixed=D("0.30"), rounding="none", min_margin_percent=D("10"))


def _codes(reasons):
    return [code for code, _params in reasons]


@pytest.mark.parametrize("grade, expected", [("A", D("199.00")), ("B", D("139.30")), ("C", D("89.55")),
                                             ("D", D("29.85"))])
def test_market_price_is_the_grade_share_of_the_reference(grade, expected):
    suggestion = pricing.suggest_price(D("199.00"), GRADE_SHARE[grade], D("0"), ChannelPricing())
    assert suggestion.price == suggestion.market_price == expected
    assert not suggestion.below_floor
    assert _codes(suggestion.reasons) == ["market_price"]


def test_money_is_two_decimals_half_up():
    # 33.33 x 45 % = 14.9985 -> 15.00 (half up), never a float artefact
    suggestion = pricing.suggest_price(D("33.33"), 45, 0, ChannelPricing())
    assert suggestion.price == D("15.00") and suggestion.price.as_tuple().exponent == -2
    assert pricing.money(0.1) == D("0.10")
    assert pricing.money("2.675") == D("2.68")  # a float 2.675 would round to 2.67


@pytest.mark.parametrize("rounding, price, expected", [
    ("none", "139.304", "139.30"),
    ("none", "139.305", "139.31"),
    ("whole", "139.49", "139.00"),
    ("whole", "139.50", "140.00"),
    ("0.05", "139.32", "139.30"),
    ("0.05", "139.325", "139.35"),
    ("0.99", "139.30", "138.99"),
    ("0.99", "139.50", "139.99"),
    ("0.99", "139.99", "139.99"),
])
def test_rounding_rules_go_to_the_nearest_point(rounding, price, expected):
    assert pricing.round_price(D(price), rounding) == D(expected)


@pytest.mark.parametrize("rounding, price, expected", [
    ("none", "10.001", "10.01"), ("whole", "10.01", "11.00"), ("0.05", "10.01", "10.05"), ("0.99", "10.00", "10.99"),
    ("0.99", "9.99", "9.99"),
])
def test_rounding_up_goes_to_the_next_point(rounding, price, expected):
    assert pricing.round_price(D(price), rounding, up=True) == D(expected)


def test_rounding_is_applied_to_the_suggestion_and_said():
    channel = ChannelPricing(rounding="0.99")
    suggestion = pricing.suggest_price(D("199.00"), 70, 0, channel)
    assert suggestion.price == D("138.99")
    assert _codes(suggestion.reasons) == ["market_price", "rounded"]


def test_unknown_rounding_and_impossible_fees_are_refused():
    with pytest.raises(ValueError, match="rounding"):
        ChannelPricing(rounding="0.95")
    with pytest.raises(ValueError, match="fee_percent"):
        ChannelPricing(fee_percent=D(100))
    with pytest.raises(ValueError, match="negative"):
        ChannelPricing(fee_fixed=D("-1"))


def test_floor_grosses_up_the_fee_formula():
    # floor_net = 100 x 1.10 = 110.00; floor = (110.00 + 0.30) / 0.88 = 125.3409 -> 125.35
    assert pricing.floor_price(D("100"), MARKETPLACE) == D("125.35")
    fee = MARKETPLACE.fee(D("125.35"))
    assert fee == D("15.34")  # 125.35 x 12 % = 15.042 -> 15.04, + 0.30
    assert D("125.35") - fee >= D("110.00")
    # the formula, not a search: the fee's cent rounding can let 125.34 pass too, 125.33 does not
    assert D("125.33") - MARKETPLACE.fee(D("125.33")) < D("110.00")


@pytest.mark.parametrize("cost", ["0.01", "1", "9.99", "33.33", "100", "123.45", "999.99", "2500"])
@pytest.mark.parametrize("rounding", ["none", "whole", "0.05", "0.99"])
def test_proceeds_at_the_floor_always_cover_cost_and_margin(cost, rounding):
    channel = ChannelPricing(fee_percent=D("15.5"), fee_fixed=D("0.35"), rounding=rounding, min_margin_percent=D(8))
    floor = pricing.floor_price(D(cost), channel)
    floor_net = pricing.money(D(cost) * D("1.08"))
    assert floor - channel.fee(floor) >= floor_net
    assert pricing.round_price(floor, rounding) == floor  # on the channel's grid
    if rounding == "none":  # the formula, ceiled to the cent: at most a cent above the lowest such price
        exact = (floor_net + D("0.35")) / (1 - D("0.155"))
        assert floor - D("0.01") < exact <= floor
        lower = floor - D("0.02")
        assert lower - channel.fee(lower) < floor_net


def test_a_market_price_below_the_floor_is_raised_to_it():
    # grade D: 199 x 15 % = 29.85, but the unit cost 40: (44.00 + 0.30) / 0.88 = 50.3409 -> floor 50.35
    suggestion = pricing.suggest_price(D("199.00"), 15, D("40"), MARKETPLACE)
    assert suggestion.market_price == D("29.85")
    assert suggestion.below_floor
    assert suggestion.price == suggestion.floor == D("50.35")
    assert suggestion.net == suggestion.price - suggestion.fee >= D("44.00")
    assert _codes(suggestion.reasons) == ["market_price", "raised_to_floor"]


def test_a_market_price_above_the_floor_is_kept():
    suggestion = pricing.suggest_price(D("199.00"), 70, D("40"), MARKETPLACE)
    assert suggestion.price == D("139.30") and not suggestion.below_floor
    assert suggestion.fee == D("17.02")  # 16.716 -> 16.72 + 0.30
    assert suggestion.net == D("122.28")


def test_below_the_floor_only_a_sales_manager():
    suggestion = pricing.suggest_price(D("199.00"), 15, D("40"), MARKETPLACE)
    refused = pricing.check_price(D("45.00"), suggestion, is_manager=False)
    assert not refused.allowed
    assert _codes(refused.reasons) == ["below_floor_needs_sales_manager"]
    assert "below the floor 50.35" in refused.message and "only a sales manager" in refused.message
    approved = pricing.check_price(D("45.00"), suggestion, is_manager=True)
    assert approved.allowed and _codes(approved.reasons) == ["below_floor_approved_by_sales_manager"]
    assert pricing.check_price(D("50.35"), suggestion, is_manager=False) == pricing.PriceCheck(True, ())


def test_a_price_of_zero_is_refused_even_to_a_manager():
    suggestion = pricing.suggest_price(D("199.00"), 70, 0, ChannelPricing())
    check = pricing.check_price(0, suggestion, is_manager=True)
    assert not check.allowed and "greater than zero" in check.message


@pytest.mark.parametrize("days, expected, percent", [
    (0, "100.00", 0), (29, "100.00", 0), (30, "95.00", 5), (59, "95.00", 5), (60, "90.00", 10), (365, "80.00", 20),
])
def test_price_drops_follow_the_step_reached(days, expected, percent):
    drop = pricing.price_drop(D("100.00"), days, floor=D("50"))
    assert drop.price == D(expected) and drop.percent == percent and not drop.at_floor


def test_price_drops_never_go_below_the_floor():
    drop = pricing.price_drop(D("100.00"), 90, floor=D("85.00"), steps=[(30, 5), (60, 10), (90, 20)])
    assert drop.price == D("85.00") and drop.at_floor and drop.step_days == 90
    # a manager's price already below the floor is not raised by a drop
    kept = pricing.price_drop(D("70.00"), 90, floor=D("85.00"))
    assert kept.price == D("70.00") and kept.at_floor


def test_price_drops_use_the_channel_rounding_and_custom_steps():
    drop = pricing.price_drop(D("139.99"), 14, floor=D("10"), steps=[(7, D("7.5")), (14, 15)], rounding="0.99")
    assert drop.price == D("118.99")  # 139.99 x 85 % = 118.99
    assert drop.step_days == 14


def test_recovery_rate_and_realised_against_predicted():
    assert pricing.recovery_rate(D("139.30"), D("199.00")) == D("70.00")
    assert pricing.recovery_rate(D("50"), D("3")) == D("1666.67")
    with pytest.raises(ValueError, match="greater than zero"):
        pricing.recovery_rate(D("10"), 0)
    variance = pricing.realised_vs_predicted(D("120.00"), D("139.30"))
    assert variance.difference == D("-19.30") and variance.percent == D("-13.85")
    assert pricing.realised_vs_predicted(D("5"), 0) == pricing.Variance(D("5.00"), None)
