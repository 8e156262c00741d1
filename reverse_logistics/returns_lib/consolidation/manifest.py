"""The manifest of a consolidation: one row per return line, as CSV for the hub, the carrier and customs.

Text comes from customers and products: whitespace runs (tabs, line breaks) become one space, so that each row
stays one line, and a cell then starting with ``=``, ``+``, ``-`` or ``@`` is prefixed with a quote so that a
spreadsheet opening the file never runs it as a formula (as ``returns_lib.resale.marketplace_csv`` does).
Amounts are written with two decimals (half up), quantities as given.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

COLUMNS = (
    "shipment", "return", "reason", "sku", "quantity", "description", "condition", "currency", "unit_value",
    "total_value",
)
FORMULA_STARTS = ("=", "+", "-", "@")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class ManifestRow:
    shipment: str
    return_ref: str
    reason: str
    sku: str
    quantity: float
    description: str
    condition: str
    currency: str
    unit_value: Decimal


def cell(value) -> str:
    text = " ".join(str(value).split())
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _quantity(value: float) -> str:
    return f"{value:g}" if float(value) != int(value) else str(int(value))


def build_manifest(rows) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        unit = Decimal(str(row.unit_value)).quantize(CENT, rounding=ROUND_HALF_UP)
        total = (unit * Decimal(str(row.quantity))).quantize(CENT, rounding=ROUND_HALF_UP)
        writer.writerow([
            cell(row.shipment), cell(row.return_ref), cell(row.reason), cell(row.sku), _quantity(row.quantity),
            cell(row.description or ""), cell(row.condition), cell(row.currency),
            str(unit), str(total),
        ])
    return buffer.getvalue()
