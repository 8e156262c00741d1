"""Which additional procedure codes (DE 1/11) a procedure code (DE 1/10) permits.

The rows are the part of the published "4-digit to 3-digit procedure to additional procedure code
correlation matrix" (HMRC CDS Volume 3; the EU Annex B codes are the same for these) that returns
can meet. They are data, in ``data/additional_procedure_matrix.csv``: one row per procedure code with
its permitted additional codes, so that a broker can read and extend them without touching code.
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from pathlib import Path

MATRIX_FILE = Path(__file__).parent / "data" / "additional_procedure_matrix.csv"
NO_ADDITIONAL_PROCEDURE = "000"  # only when no other permitted code applies, never beside another (CDSSG10050)


@dataclass(frozen=True)
class MatrixRow:
    procedure_code: str
    permitted: frozenset[str]
    description: str = ""


@functools.cache
def load_matrix(path: str | None = None) -> dict[str, MatrixRow]:
    """The matrix, by four-digit procedure code."""
    rows = {}
    with open(path or MATRIX_FILE, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(line for line in handle if not line.startswith("#")):
            code = row["procedure_code"].strip()
            rows[code] = MatrixRow(code, frozenset(row["additional_codes"].split()), row.get("description", "").strip())
    return rows


def permitted_additional_codes(procedure_code: str, matrix=None) -> frozenset[str]:
    """The additional codes ``procedure_code`` permits; empty when the matrix does not know it."""
    row = (matrix if matrix is not None else load_matrix()).get(procedure_code)
    return row.permitted if row else frozenset()


def check_combination(procedure_code: str, additional_codes, matrix=None) -> list[tuple[str, dict]]:
    """Problems of an item's procedure and additional procedure codes, as (code, params):

    ``procedure_not_in_matrix``, ``additional_missing``, ``additional_duplicate``,
    ``additional_plain_with_other`` (000 beside another code) and ``additional_not_permitted``.
    """
    matrix = matrix if matrix is not None else load_matrix()
    codes = [code.strip().upper() for code in additional_codes if code and code.strip()]
    problems = []
    row = matrix.get(procedure_code)
    if row is None:
        problems.append(("procedure_not_in_matrix", {"procedure": procedure_code}))
    if not codes:
        problems.append(("additional_missing", {"procedure": procedure_code}))
    duplicates = sorted({code for code in codes if codes.count(code) > 1})
    if duplicates:
        problems.append(("additional_duplicate", {"codes": ", ".join(duplicates)}))
    if NO_ADDITIONAL_PROCEDURE in codes and len(set(codes)) > 1:
        problems.append(("additional_plain_with_other", {"codes": ", ".join(codes)}))
    if row is not None:
        for code in dict.fromkeys(codes):
            if code not in row.permitted:
                problems.append((
                    "additional_not_permitted",
                    {"procedure": procedure_code, "code": code, "permitted": ", ".join(sorted(row.permitted))},
                ))
    return problems
