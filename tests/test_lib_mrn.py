"""Movement reference numbers (returns_lib.customs.mrn): 18 characters, ISO 6346 check digit over the first 17."""

import re

import pytest
from returns_lib.customs import mrn


def _notification_mrns(shared_dir):
    """The declaration MRNs of HMRC's published DMS notifications (``Declaration/ID``; the bank's IBAN in
    DMSTAX/DMSCPI/DMSCPR is also an ``<ID>`` and is left out)."""
    values = set()
    for path in sorted((shared_dir / "customs-samples" / "notifications").glob("*.xml")):
        text = path.read_text(encoding="utf-8")
        values.update(re.findall(r"<Declaration>.*?<ID>([^<]+)</ID>", text, flags=re.S))
    return sorted(values)


def test_every_published_notification_mrn_passes(shared_dir):
    values = _notification_mrns(shared_dir)
    assert len(values) >= 8  # 19GBCKKCQSXV2FGVA8, 20GB1NA4Y2YSRFGVR6, ... 24GB9WRD7U2Y5ISAA2
    assert {value: mrn.check_mrn(value) for value in values} == {value: [] for value in values}


def test_the_import_sample_entry_summary_value_is_illustrative_only(shared_dir):
    """The Z355 entry summary in HMRC's annotated import sample fails the check digit (7 expected, 4 given).

    Entry summary MRNs have the same 18-character structure and check digit as other MRNs (nothing found
    that gives them another rule), so the value is taken as an illustrative one of the annotated sample:
    the relief quotes it as given (type 355) and does not reject the claim over it.
    """
    sample = (shared_dir / "customs-samples" / "import_TT_IM001b.xml").read_text(encoding="utf-8")
    assert "<ID>21GB34F7Y1O2CX8PT4</ID>" in sample
    assert mrn.check_mrn("21GB34F7Y1O2CX8PT4") == [
        ("mrn_check_digit", {"mrn": "21GB34F7Y1O2CX8PT4", "expected": "7"})]
    assert mrn.is_valid_mrn("21GB34F7Y1O2CX8PT7")


@pytest.mark.parametrize("value, problem", [
    (None, "mrn_missing"),
    ("", "mrn_missing"),
    ("   ", "mrn_missing"),
    ("123", "mrn_length"),
    ("X" * 40, "mrn_length"),
    ("19GBCKKCQSXV2FGVA", "mrn_length"),  # 17 characters: the check digit is missing
    ("19GBCKKCQSXV2FGVA81", "mrn_length"),
    ("19GBCKKCQSXV2FGVA9", "mrn_check_digit"),  # wrong check digit
    ("GB19CKKCQSXV2FGVA8", "mrn_format"),  # the year comes first
    ("1XGBCKKCQSXV2FGVA8", "mrn_format"),
    ("19G1CKKCQSXV2FGVA8", "mrn_format"),  # country code of letters
    ("19GBCKKCQSXV2FGV-8", "mrn_format"),
])
def test_malformed_mrns_are_refused(value, problem):
    assert [code for code, _params in mrn.check_mrn(value)] == [problem]
    assert not mrn.is_valid_mrn(value)


def test_wrong_check_digit_names_the_expected_one():
    assert mrn.check_mrn("20GB1Q3RTK463FGVR5") == [("mrn_check_digit", {"mrn": "20GB1Q3RTK463FGVR5", "expected": "4"})]


def test_length_problem_reports_the_compact_length():
    assert mrn.check_mrn("123") == [("mrn_length", {"mrn": "123", "length": 3, "expected": 18})]


@pytest.mark.parametrize(
    "value", ["19gbckkcqsxv2fgva8", " 19GB CKKC QSXV 2FGV A8 ", "19GBCKKCQSXV2FGVA8\n", "19GB\tCKKCQSXV2FGVA8"])
def test_lower_case_and_white_space_are_compacted(value):
    assert mrn.compact(value) == "19GBCKKCQSXV2FGVA8"
    assert mrn.check_mrn(value) == []


def test_check_digit_iso_6346_letter_values_skip_multiples_of_11():
    # A=10, B=12 (11 skipped), ... K=21, L=23 (22 skipped), U=32, V=34 (33 skipped).
    assert mrn.check_digit("19GBCKKCQSXV2FGVA") == "8"
    assert mrn.check_digit("24ES0046411000001") == "9"
    # A weighted sum with remainder 10 (modulo 11) gives check digit 0 (ISO 6346).
    assert sum(mrn._VALUES[c] * 2**i for i, c in enumerate("24GB0000000000005")) % 11 == 10
    assert mrn.check_digit("24GB0000000000005") == "0"
    assert mrn.is_valid_mrn("24GB000000000000A0")
