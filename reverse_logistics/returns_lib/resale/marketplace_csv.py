"""Marketplace bulk listing files in Back Market's layout: one CSV per 15,000 offers.

Columns, in this order: ``sku, quantity, price, currency, grade, warranty, comment``. The grade is the
channel's own value (see ``conditions.channel_condition("backmarket", ...)``), the warranty in months,
the comment at most 500 characters, the formula guard's quote included (longer ones are cut and
reported). Files are UTF-8 with a header row; an offer whose values the marketplace would refuse is
left out and reported, the others are written. Values starting with ``=``, ``+``, ``-`` or ``@`` are
prefixed with a quote so that a spreadsheet opening the file never runs them as formulas.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from ..csv_cells import safe_cell
from .conditions import BACKMARKET, VOCABULARIES

COLUMNS = ("sku", "quantity", "price", "currency", "grade", "warranty", "comment")
MAX_LINES = 15_000
MAX_COMMENT = 500
GRADES = frozenset(VOCABULARIES[BACKMARKET])


@dataclass(frozen=True)
class MarketplaceOffer:
    sku: str
    quantity: int
    price: Decimal
    currency: str
    grade: str
    warranty_months: int = 12
    comment: str = ""


@dataclass(frozen=True)
class CsvExport:
    files: tuple[bytes, ...]
    warnings: tuple[tuple[str, str], ...]  # (sku, what happened)
    offers: int


def _problem(offer):
    if not offer.sku or len(offer.sku) > 64:
        return "the SKU is empty or longer than 64 characters"
    if not offer.sku.isprintable() or any(char.isspace() for char in offer.sku):
        return "the SKU contains spaces or control characters"
    if not isinstance(offer.quantity, int) or isinstance(offer.quantity, bool) or offer.quantity < 0:
        return "the quantity is not a whole number of at least 0"
    try:
        price = Decimal(offer.price)
    except (InvalidOperation, TypeError, ValueError):
        return "the price is not a number"
    if not price.is_finite() or price <= 0:
        return "the price is not a positive amount"
    if len(offer.currency or "") != 3 or not offer.currency.isalpha():
        return "the currency is not an ISO 4217 code"
    if offer.grade not in GRADES:
        return f"{offer.grade!r} is not a Back Market grade"
    if not isinstance(offer.warranty_months, int) or not 0 <= offer.warranty_months <= 120:
        return "the warranty is not a number of months between 0 and 120"
    return None


def build_csv(offers, max_lines=MAX_LINES):
    """The bulk files of ``offers``: at most ``max_lines`` offers per file, refused offers reported."""
    warnings = []
    rows = []
    for offer in offers:
        problem = _problem(offer)
        if problem:
            warnings.append((offer.sku, f"left out: {problem}"))
            continue
        # Guarded before it is cut: the quote the guard adds counts towards the limit.
        comment = safe_cell(offer.comment or "")
        if len(comment) > MAX_COMMENT:
            comment = comment[: MAX_COMMENT - 1] + "…"
            warnings.append((offer.sku, f"comment cut to {MAX_COMMENT} characters"))
        price = Decimal(offer.price).quantize(Decimal("0.01"))
        rows.append((offer.sku, offer.quantity, f"{price}", offer.currency.upper(), offer.grade,
                     offer.warranty_months, comment))
    files = []
    for start in range(0, len(rows), max_lines):
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows([safe_cell(value) for value in row] for row in rows[start:start + max_lines])
        files.append(buffer.getvalue().encode("utf-8"))
    return CsvExport(files=tuple(files), warnings=tuple(warnings), offers=len(rows))
