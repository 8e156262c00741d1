"""The manifest of a consolidation: one row per return line, as CSV for the hub, the carrier and customs.

Text cells go through ``returns_lib.csv_cells.safe_cell``: one line each, never a spreadsheet formula.
Amounts are written with two decimals (half up), quantities as given.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from ..csv_cells import safe_cell

COLUMNS = (
    "shipment", "return", "reason", "sku", "quantity", "description", "condition", "currency", "unit_value",
    "total_value",
)
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
            safe_cell(row.shipment), safe_cell(row.return_ref), safe_cell(row.reason), safe_cell(row.sku),
            _quantity(row.quantity),
            safe_cell(row.description or ""), safe_cell(row.condition), safe_cell(row.currency),
            str(unit), str(total),
        ])
    return buffer.getvalue()
