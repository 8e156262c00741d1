"""The DE 1/10 - DE 1/11 correlation matrix as data (returns_lib.customs.procedure_matrix).

CDSSG04420: an additional procedure code must be one the procedure code permits, or CDS rejects the
declaration. CDSSG10050: 000 only where no other permitted code applies, never beside another code.
"""

import pytest
from returns_lib.customs import procedure_matrix

RETURNS_PROCEDURES = ("4000", "6110", "6121", "6122", "6123", "6131", "1040")


def _codes(problems):
    return [code for code, _params in problems]


def test_the_matrix_has_a_row_for_every_procedure_returns_meet():
    matrix = procedure_matrix.load_matrix()
    assert set(RETURNS_PROCEDURES) <= set(matrix)
    assert all(row.description and row.permitted for row in matrix.values())
    assert all(len(code) == 4 and code.isdigit() for code in matrix)


@pytest.mark.parametrize("procedure", RETURNS_PROCEDURES)
def test_every_permitted_code_is_accepted_alone(procedure):
    for code in procedure_matrix.permitted_additional_codes(procedure):
        assert procedure_matrix.check_combination(procedure, [code]) == [], (procedure, code)


@pytest.mark.parametrize("procedure, codes", [
    ("6110", ["F01"]), ("6110", ["F05"]), ("6110", ["F02", "F03"]), ("6123", ["F05"]), ("6123", ["000"]),
    ("6131", ["F04"]), ("6131", ["F07"]), ("4000", ["000"]), ("1040", ["000"]),
])
def test_permitted_combinations_are_accepted(procedure, codes):
    assert procedure_matrix.check_combination(procedure, codes) == []


def test_codes_are_compared_trimmed_and_upper_case():
    assert procedure_matrix.check_combination("6110", [" f05 ", ""]) == []


@pytest.mark.parametrize("procedure, code", [
    ("6121", "F04"),  # Art. 205 UCC codes belong to 6131 (re-export after inward processing), not 6121
    ("6121", "F07"),
    ("6131", "F01"),
    ("6110", "F04"),
    ("6110", "000"),
    ("4000", "F01"),  # returned goods relief is 61xx, not 4000
    ("1040", "F05"),
])
def test_a_code_the_procedure_does_not_permit_is_refused(procedure, code):
    problems = procedure_matrix.check_combination(procedure, [code])
    assert _codes(problems) == ["additional_not_permitted"]
    assert problems[0][1]["code"] == code and problems[0][1]["procedure"] == procedure


def test_000_beside_another_code_is_refused_cdssg10050():
    problems = procedure_matrix.check_combination("6123", ["F05", "000"])
    assert _codes(problems) == ["additional_plain_with_other"]


def test_000_beside_another_code_is_refused_even_when_the_other_is_not_permitted():
    assert _codes(procedure_matrix.check_combination("4000", ["000", "F01"])) == [
        "additional_plain_with_other", "additional_not_permitted"]


def test_unknown_procedure_is_refused():
    assert _codes(procedure_matrix.check_combination("9999", ["F01"])) == ["procedure_not_in_matrix"]
    assert procedure_matrix.permitted_additional_codes("9999") == frozenset()


def test_missing_and_duplicate_codes_are_refused():
    assert _codes(procedure_matrix.check_combination("6110", [])) == ["additional_missing"]
    assert _codes(procedure_matrix.check_combination("6110", ["F01", "f01"])) == ["additional_duplicate"]


def test_a_broker_can_extend_the_matrix_as_data(tmp_path):
    path = tmp_path / "matrix.csv"
    path.write_text(
        "# comment lines are skipped\n"
        "procedure_code,additional_codes,description\n"
        "# source: a broker's own row\n"
        "6110,F01 F05 63P,Re-import with onward supply relief\n",
        encoding="utf-8",
    )
    matrix = procedure_matrix.load_matrix(str(path))
    assert matrix["6110"].permitted == frozenset({"F01", "F05", "63P"})
    assert procedure_matrix.check_combination("6110", ["F05", "63P"], matrix=matrix) == []
