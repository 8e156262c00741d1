"""Movement reference numbers (MRN, DE 2/1 previous documents, notifications of customs).

An MRN has 18 characters: two digits of the year, the country code of the office of first
lodgement, twelve letters or digits unique per year and country, a procedure character and a check
digit computed over the first 17 characters as in ISO 6346 (the container-number algorithm).
It is checked offline before it is quoted on a declaration: a wrong MRN is a relief claim that
refers to nothing.
"""

from __future__ import annotations

import re

MRN_LENGTH = 18
_MRN_SHAPE = re.compile(r"^\d{2}[A-Z]{2}[A-Z0-9]{12}[A-Z]\d$")


def _character_values() -> dict[str, int]:
    """ISO 6346: digits count as themselves, letters from A = 10 on, skipping multiples of 11."""
    values = {digit: int(digit) for digit in "0123456789"}
    value = 10
    for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        if value % 11 == 0:
            value += 1
        values[letter] = value
        value += 1
    return values


_VALUES = _character_values()


def compact(value: str | None) -> str:
    return re.sub(r"\s", "", value or "").upper()


def check_digit(first_17: str) -> str:
    """The check digit of an MRN's first 17 characters."""
    total = sum(_VALUES[character] * 2**position for position, character in enumerate(compact(first_17)))
    return str(total % 11 % 10)


def check_mrn(value: str | None) -> list[tuple[str, dict]]:
    """Problems of ``value`` as an MRN: ``mrn_missing``, ``mrn_length``, ``mrn_format`` or ``mrn_check_digit``."""
    mrn = compact(value)
    if not mrn:
        return [("mrn_missing", {})]
    if len(mrn) != MRN_LENGTH:
        return [("mrn_length", {"mrn": value, "length": len(mrn), "expected": MRN_LENGTH})]
    if not _MRN_SHAPE.match(mrn):
        return [("mrn_format", {"mrn": value})]
    expected = check_digit(mrn[:17])
    if mrn[17] != expected:
        return [("mrn_check_digit", {"mrn": value, "expected": expected})]
    return []


def is_valid_mrn(value: str | None) -> bool:
    return not check_mrn(value)
