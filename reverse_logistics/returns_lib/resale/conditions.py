"""The condition a sales channel shows for an internal grade, as data.

Each channel has its own vocabulary (``VOCABULARIES``: the values its API or feed accepts, with their
labels). Which value an internal grade gets, as is or refurbished, is a decision, kept as data in
``data/channel_conditions.csv`` with the reasons in its header: a seller can change a row without
touching code, and :func:`load_mapping` refuses a row whose value is not in the channel's vocabulary.

- Google Merchant Center ``condition``: new, refurbished, used.
- eBay ``ConditionID``: 1500 New other, 2000-2500 refurbished grades, 3000 Used, 7000 For parts.
- Back Market ``grade``: PREMIUM, EXCELLENT, VERY_GOOD, GOOD, FAIR, STALLONE (refurbished only).
- Amazon ``conditionType``: refurbished_refurbished (Renewed) and the used_* conditions.

Grades are the ``code`` of ``return.grade`` (A, B, C, D, SCRAP); the XML id form ``grade_a`` is
accepted too. Scrap is never listed.
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from pathlib import Path

MAPPING_FILE = Path(__file__).parent / "data" / "channel_conditions.csv"

GOOGLE = "google"
EBAY = "ebay"
BACKMARKET = "backmarket"
AMAZON = "amazon"

SCRAP = "SCRAP"
LISTABLE_GRADES = ("A", "B", "C", "D")

VOCABULARIES = {
    GOOGLE: {"new": "New", "refurbished": "Refurbished", "used": "Used"},
    EBAY: {
        "1500": "New other (see details)",
        "2000": "Certified - Refurbished",
        "2010": "Excellent - Refurbished",
        "2020": "Very Good - Refurbished",
        "2030": "Good - Refurbished",
        "2500": "Seller refurbished",
        "3000": "Used",
        "7000": "For parts or not working",
    },
    BACKMARKET: {
        "PREMIUM": "Premium", "EXCELLENT": "Excellent", "VERY_GOOD": "Very good", "GOOD": "Good", "FAIR": "Fair",
        "STALLONE": "Stallone",
    },
    AMAZON: {
        "refurbished_refurbished": "Renewed",
        "used_like_new": "Used - Like New",
        "used_very_good": "Used - Very Good",
        "used_good": "Used - Good",
        "used_acceptable": "Used - Acceptable",
    },
}
CHANNELS = tuple(VOCABULARIES)


class ConditionError(ValueError):
    """The unit cannot be listed with a condition on this channel (the message says why)."""


@dataclass(frozen=True)
class ChannelCondition:
    value: str  # empty: not listable on the channel
    label: str
    note: str = ""


def normalize_grade(grade_code: str) -> str:
    """``A`` from ``a``, ``A`` or the XML id ``grade_a``."""
    code = (grade_code or "").strip().upper()
    return code.removeprefix("GRADE_")


@functools.cache
def load_mapping(path: str | None = None) -> dict[tuple[str, str, bool], ChannelCondition]:
    """{(channel, grade, refurbished): condition}; a value outside the channel's vocabulary is an error."""
    mapping = {}
    with open(path or MAPPING_FILE, newline="", encoding="utf-8") as handle:
        for number, row in enumerate(csv.DictReader(line for line in handle if not line.startswith("#")), 2):
            channel = row["channel"].strip()
            grade = normalize_grade(row["grade"])
            refurbished = row["refurbished"].strip() == "1"
            value, label = row["value"].strip(), row["label"].strip()
            if channel not in VOCABULARIES:
                raise ConditionError(f"{path or MAPPING_FILE.name}: row {number}: unknown channel {channel!r}")
            if value and VOCABULARIES[channel].get(value) != label:
                raise ConditionError(
                    f"{path or MAPPING_FILE.name}: row {number}: {value!r} {label!r} is not in the {channel} "
                    "vocabulary"
                )
            key = (channel, grade, refurbished)
            if key in mapping:
                raise ConditionError(f"{path or MAPPING_FILE.name}: row {number}: {key} mapped twice")
            mapping[key] = ChannelCondition(value, label, (row.get("note") or "").strip())
    return mapping


def channel_condition(channel: str, grade_code: str, refurbished: bool, mapping=None) -> tuple[str, str]:
    """(value, label) of the condition ``channel`` shows for a unit of this grade, as is or refurbished.

    :class:`ConditionError` for an unknown channel, a scrap unit, an unmapped grade, or a combination
    the channel does not list (e.g. an unrefurbished unit on Back Market).
    """
    if channel not in VOCABULARIES:
        raise ConditionError(f"Unknown sales channel {channel!r}: expected one of {', '.join(CHANNELS)}.")
    grade = normalize_grade(grade_code)
    state = "refurbished" if refurbished else "as is"
    if grade == SCRAP:
        raise ConditionError(f"A scrap unit is never listed for sale (channel {channel}).")
    condition = (mapping if mapping is not None else load_mapping()).get((channel, grade, bool(refurbished)))
    if condition is None:
        raise ConditionError(f"Grade {grade_code!r} ({state}) has no condition mapped for channel {channel}.")
    if not condition.value:
        raise ConditionError(
            f"Grade {grade} ({state}) is not listable on {channel}: {condition.note or 'refused by the mapping'}."
        )
    return condition.value, condition.label
