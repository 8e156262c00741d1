"""The manifest of a consolidation (returns_lib.consolidation.manifest)."""

import csv
import io
from decimal import Decimal

from returns_lib.consolidation import manifest as mf


def row(**values):
    return mf.ManifestRow(**{"shipment": "CONS/1", "return_ref": "RMA/1", "reason": "DEF", "sku": "CH-1",
                             "quantity": 2.0, "description": "Chair", "condition": "B", "currency": "EUR",
                             "unit_value": Decimal("19.995"), **values})


def parse(text):
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_header_and_one_row_per_line_with_totals_to_the_cent():
    rows = parse(mf.build_manifest([row(), row(sku="LA-1", quantity=1.5, unit_value=Decimal("10"))]))
    assert list(rows[0]) == list(mf.COLUMNS)
    assert (rows[0]["quantity"], rows[0]["unit_value"], rows[0]["total_value"]) == ("2", "20.00", "40.00")
    assert (rows[1]["quantity"], rows[1]["total_value"]) == ("1.5", "15.00")


def test_no_cell_is_a_formula_and_descriptions_stay_on_one_line():
    for start in ("=", "+", "-", "@"):
        rows = parse(mf.build_manifest([row(sku=f"{start}1+1", reason=f"{start}X", condition=f"{start}cmd")]))
        assert rows[0]["sku"] == f"'{start}1+1"
        assert rows[0]["reason"].startswith("'") and rows[0]["condition"].startswith("'")
    # A formula behind a tab or a line break: the whitespace goes, the quote comes.
    rows = parse(mf.build_manifest([row(sku="\t=1+1", reason="\r\n@SUM(A1)")]))
    assert (rows[0]["sku"], rows[0]["reason"]) == ("'=1+1", "'@SUM(A1)")
    rows = parse(mf.build_manifest([row(description="Chair\n=cmd  with\tlegs")]))
    assert rows[0]["description"] == "Chair =cmd with legs"


def test_empty_load_has_the_header_only():
    assert mf.build_manifest([]).splitlines() == [",".join(mf.COLUMNS)]
