"""Channel conditions for internal grades (returns_lib.resale.conditions).

Every channel x every listable grade x refurbished or not is decided in data: either a value of the
channel's own vocabulary, or a refusal with its reason. Scrap and unknown channels are refused.
"""

import itertools

import pytest
from returns_lib.resale import conditions
from returns_lib.resale.conditions import ConditionError, channel_condition

COMBINATIONS = list(itertools.product(conditions.CHANNELS, conditions.LISTABLE_GRADES, (False, True)))

# The combinations the mapping refuses on purpose (see the CSV header); every other one maps.
REFUSED = {
    ("backmarket", "A", False), ("backmarket", "B", False), ("backmarket", "C", False),
    ("backmarket", "D", False), ("backmarket", "D", True),
    ("amazon", "D", False), ("amazon", "D", True),
}

# The channels' "new" conditions (some outside the vocabulary, which they must stay).
NEW_VALUES = {"google": {"new"}, "ebay": {"1000", "1500"}, "backmarket": set(), "amazon": {"new_new"}}


def test_the_mapping_covers_every_channel_grade_and_state_exactly():
    mapping = conditions.load_mapping()
    assert set(mapping) == set(COMBINATIONS)
    assert {key for key, condition in mapping.items() if not condition.value} == REFUSED
    assert all(condition.note for key, condition in mapping.items() if key in REFUSED), "a refusal says why"


@pytest.mark.parametrize("channel, grade, refurbished", [c for c in COMBINATIONS if c not in REFUSED])
def test_every_listable_combination_maps_into_the_channel_vocabulary(channel, grade, refurbished):
    value, label = channel_condition(channel, grade, refurbished)
    assert conditions.VOCABULARIES[channel][value] == label


@pytest.mark.parametrize("channel, grade, refurbished", sorted(REFUSED))
def test_refused_combinations_say_why(channel, grade, refurbished):
    with pytest.raises(ConditionError, match=f"not listable on {channel}"):
        channel_condition(channel, grade, refurbished)


@pytest.mark.parametrize("channel", conditions.CHANNELS)
def test_a_refurbished_unit_is_never_shown_as_new(channel):
    for grade in conditions.LISTABLE_GRADES:
        try:
            value, label = channel_condition(channel, grade, True)
        except ConditionError:
            continue
        assert value not in NEW_VALUES[channel], (grade, value, label)


@pytest.mark.parametrize("channel, grade, refurbished, expected", [
    ("google", "A", False, ("new", "New")),
    ("google", "B", True, ("refurbished", "Refurbished")),
    ("google", "C", False, ("used", "Used")),
    ("ebay", "A", False, ("1500", "New other (see details)")),
    ("ebay", "B", True, ("2020", "Very Good - Refurbished")),
    ("ebay", "C", False, ("3000", "Used")),
    ("ebay", "D", False, ("7000", "For parts or not working")),
    ("backmarket", "A", True, ("EXCELLENT", "Excellent")),
    ("backmarket", "C", True, ("FAIR", "Fair")),
    ("amazon", "A", False, ("used_like_new", "Used - Like New")),
    ("amazon", "B", True, ("refurbished_refurbished", "Renewed")),
    ("amazon", "C", False, ("used_good", "Used - Good")),
])
def test_chosen_conditions(channel, grade, refurbished, expected):
    assert channel_condition(channel, grade, refurbished) == expected


def test_grade_codes_and_xml_ids_are_both_accepted():
    assert channel_condition("ebay", "grade_b", True) == channel_condition("ebay", "b", True)


@pytest.mark.parametrize("channel", conditions.CHANNELS)
@pytest.mark.parametrize("grade", ["SCRAP", "grade_scrap", "scrap"])
@pytest.mark.parametrize("refurbished", [False, True])
def test_scrap_is_never_listed(channel, grade, refurbished):
    with pytest.raises(ConditionError, match="scrap unit is never listed"):
        channel_condition(channel, grade, refurbished)


def test_unknown_channel_and_unmapped_grade_are_refused():
    with pytest.raises(ConditionError, match="Unknown sales channel 'etsy'"):
        channel_condition("etsy", "A", False)
    with pytest.raises(ConditionError, match="Grade 'E' \\(as is\\) has no condition mapped for channel ebay"):
        channel_condition("ebay", "E", False)


def test_a_row_outside_the_channel_vocabulary_is_refused(tmp_path):
    bad = tmp_path / "conditions.csv"
    bad.write_text("channel,grade,refurbished,value,label,note\nebay,A,0,1000,New,\n")
    with pytest.raises(ConditionError, match="not in the ebay vocabulary"):
        conditions.load_mapping(str(bad))
    twice = tmp_path / "twice.csv"
    twice.write_text("channel,grade,refurbished,value,label,note\ngoogle,A,0,new,New,\ngoogle,a,0,used,Used,\n")
    with pytest.raises(ConditionError, match="mapped twice"):
        conditions.load_mapping(str(twice))
