"""Back Market bulk listing files (returns_lib.resale.marketplace_csv)."""

import csv
import io
from decimal import Decimal

from returns_lib.resale import marketplace_csv as mc


def offer(sku="PH-001", **values):
    return mc.MarketplaceOffer(**{"sku": sku, "quantity": 1, "price": Decimal("349.9"), "currency": "eur",
                                  "grade": "GOOD", "warranty_months": 12, "comment": "Light scratches", **values})


def rows(data):
    return list(csv.reader(io.StringIO(data.decode("utf-8"))))


def test_one_row_per_offer_in_back_markets_column_order():
    export = mc.build_csv([offer(), offer("PH-002", grade="EXCELLENT", quantity=0)])
    assert export.offers == 2 and export.warnings == ()
    assert rows(export.files[0]) == [
        ["sku", "quantity", "price", "currency", "grade", "warranty", "comment"],
        ["PH-001", "1", "349.90", "EUR", "GOOD", "12", "Light scratches"],
        ["PH-002", "0", "349.90", "EUR", "EXCELLENT", "12", "Light scratches"],
    ]


def test_files_are_split_at_the_line_limit():
    export = mc.build_csv([offer(f"SKU-{i}") for i in range(7)], max_lines=3)
    assert [len(rows(data)) - 1 for data in export.files] == [3, 3, 1], "header on each file"
    assert len(mc.build_csv([offer(f"SKU-{i}") for i in range(mc.MAX_LINES + 1)]).files) == 2


def test_long_comments_are_cut_and_reported():
    export = mc.build_csv([offer(comment="x" * 600)])
    assert len(rows(export.files[0])[1][6]) == mc.MAX_COMMENT
    assert export.warnings == (("PH-001", "comment cut to 500 characters"),)


def test_a_guarded_comment_is_cut_after_its_quote_and_never_exceeds_the_limit():
    for start in ("=", "+", "-", "@"):
        export = mc.build_csv([offer(comment=start + "x" * 700), offer("PH-EXACT", comment=start + "y" * 499)])
        long_cell, exact_cell = (row[6] for row in rows(export.files[0])[1:])
        assert long_cell.startswith("'" + start) and len(long_cell) == mc.MAX_COMMENT
        assert exact_cell.startswith("'" + start) and len(exact_cell) == mc.MAX_COMMENT, \
            "500 characters with the quote: cut to fit"
        assert [sku for sku, _what in export.warnings] == ["PH-001", "PH-EXACT"]
    fits = mc.build_csv([offer(comment="=" + "z" * 498)])
    assert rows(fits.files[0])[1][6] == "'=" + "z" * 498 and fits.warnings == ()


def test_offers_the_marketplace_would_refuse_are_left_out_and_reported():
    bad = [offer("P0", price=Decimal("0")), offer("NAN", price=Decimal("NaN")), offer("Q", quantity=-1),
           offer("G", grade="LIKE_NEW"), offer("C", currency="EURO"), offer("W", warranty_months=240), offer("")]
    export = mc.build_csv([*bad, offer("KEEP")])
    assert export.offers == 1 and rows(export.files[0])[1][0] == "KEEP"
    assert [sku for sku, _what in export.warnings] == ["P0", "NAN", "Q", "G", "C", "W", ""]
    assert all(what.startswith("left out: ") for _sku, what in export.warnings)


def test_cells_never_become_spreadsheet_formulas():
    export = mc.build_csv([offer("=HYPERLINK(1)", comment="+cmd|' /C calc'!A0")])
    row = rows(export.files[0])[1]
    assert row[0] == "'=HYPERLINK(1)" and row[6].startswith("'+")


def test_a_sku_with_a_line_break_is_left_out_and_cells_stay_on_one_line():
    export = mc.build_csv([offer("A\rB"), offer("OK-1", comment="line one\r\nline two\r  -1+1")])
    assert [sku for sku, _why in export.warnings] == ["A\rB"]
    lines = export.files[0].decode().split("\n")
    assert len([line for line in lines if line]) == 2, "header and one offer, each on one line"
    assert rows(export.files[0])[1][6] == "line one line two -1+1"


def test_a_formula_after_leading_spaces_is_still_guarded():
    export = mc.build_csv([offer("OK-2", comment="   =1+1")])
    assert rows(export.files[0])[1][6] == "'=1+1"


def test_nothing_to_list_gives_no_file():
    assert mc.build_csv([]).files == ()
