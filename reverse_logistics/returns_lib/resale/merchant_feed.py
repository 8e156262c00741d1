"""The Google Merchant Center product feed (RSS 2.0 with the ``g:`` namespace) of units for resale.

Every item carries the attributes Merchant Center requires: ``id``, ``title``, ``description``,
``link``, ``image_link``, ``availability``, ``price`` ("199.00 EUR"), ``condition``, ``brand``, and a
product identifier: ``gtin`` when it is a valid GTIN (checked with python-stdnum), else ``mpn``, else
``identifier_exists`` = ``no``. An invalid GTIN is never emitted: Merchant Center would disapprove the
item (a warning in the result says so). Titles are cut at 150 characters and descriptions at 5,000,
Merchant Center's limits, with a warning. An item that lacks a required attribute, or has a value
Merchant Center does not accept, is left out with a warning: one bad unit does not stop the feed.

Warnings are ``(code, params)`` pairs, as elsewhere in ``returns_lib``: the caller translates them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from lxml import etree
from stdnum import ean

G_NS = "http://base.google.com/ns/1.0"
G = f"{{{G_NS}}}"

TITLE_MAX = 150
DESCRIPTION_MAX = 5000
ID_MAX = 50
AVAILABILITIES = ("in_stock", "out_of_stock", "preorder", "backorder")
CONDITIONS = ("new", "refurbished", "used")
GTIN_LENGTHS = (8, 12, 13, 14)  # GTIN-8 (EAN-8), GTIN-12 (UPC-A), GTIN-13 (EAN-13), GTIN-14

# Warning codes (the caller translates them).
GTIN_INVALID = "gtin_invalid"  # params: id, gtin, fallback ("mpn" or "identifier_exists")
TITLE_TRUNCATED = "title_truncated"  # params: id, length, max
DESCRIPTION_TRUNCATED = "description_truncated"  # params: id, length, max
ITEM_SKIPPED = "item_skipped"  # params: id, problems (list of strings)

MESSAGES = {
    GTIN_INVALID: "Item {id}: GTIN {gtin} is not a valid GTIN and was left out (identified by {fallback}).",
    TITLE_TRUNCATED: "Item {id}: title of {length} characters cut to {max}.",
    DESCRIPTION_TRUNCATED: "Item {id}: description of {length} characters cut to {max}.",
    ITEM_SKIPPED: "Item {id} left out of the feed: {problems}.",
}

# Characters XML 1.0 cannot carry (control characters other than tab, newline, carriage return).
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_CURRENCY = re.compile(r"[A-Z]{3}")


@dataclass(frozen=True)
class FeedItem:
    id: str  # the offer id, stable over time (e.g. the lot/serial number of the unit)
    title: str
    description: str
    link: str  # the product page
    image_link: str
    availability: str  # one of AVAILABILITIES
    price: Decimal
    currency: str  # ISO 4217
    condition: str  # one of CONDITIONS (conditions.channel_condition("google", ...))
    brand: str
    gtin: str = ""
    mpn: str = ""


@dataclass(frozen=True)
class FeedResult:
    xml: bytes  # UTF-8, with its XML declaration
    warnings: tuple[tuple[str, dict], ...]
    item_ids: tuple[str, ...]  # the items in the feed, in order

    @property
    def messages(self) -> list[str]:
        """The warnings in English, for logs and tests (the addon translates the codes)."""
        return [MESSAGES[code].format(**{**params, "problems": "; ".join(params.get("problems", ()))})
                for code, params in self.warnings]


def valid_gtin(gtin: str) -> str | None:
    """``gtin`` compacted (spaces and dashes removed) when it is a valid GTIN-8/12/13/14, else None."""
    compact = ean.compact(gtin or "")
    if len(compact) in GTIN_LENGTHS and ean.is_valid(compact):
        return compact
    return None


def _clean(text) -> str:
    return _XML_INVALID.sub("", str(text or "")).strip()


def item_problems(item: FeedItem) -> list[str]:
    """Why Merchant Center would refuse ``item`` (empty when it is accepted): ``build_feed`` leaves it out.

    The caller can tell people which of their items are left out before the feed is fetched.
    """
    problems = []
    for name in ("id", "title", "description", "link", "image_link", "brand"):
        if not _clean(getattr(item, name)):
            problems.append(f"{name} is missing")
    if len(_clean(item.id)) > ID_MAX:
        problems.append(f"id is longer than {ID_MAX} characters")
    for name in ("link", "image_link"):
        value = _clean(getattr(item, name))
        if value and not value.startswith(("http://", "https://")):
            problems.append(f"{name} is not an http(s) URL")
    if item.availability not in AVAILABILITIES:
        problems.append(f"availability {item.availability!r} is not one of {', '.join(AVAILABILITIES)}")
    if item.condition not in CONDITIONS:
        problems.append(f"condition {item.condition!r} is not one of {', '.join(CONDITIONS)}")
    if not _CURRENCY.fullmatch(item.currency or ""):
        problems.append(f"currency {item.currency!r} is not an ISO 4217 code")
    try:
        if Decimal(str(item.price)) <= 0:
            problems.append("price must be greater than zero")
    except ArithmeticError:
        problems.append(f"price {item.price!r} is not a number")
    return problems


def _problems(item: FeedItem, seen: set) -> list[str]:
    problems = item_problems(item)
    if _clean(item.id) in seen:
        problems.append("id is used by another item")
    return problems


def _truncate(item_id, text, limit, code, warnings):
    if len(text) <= limit:
        return text
    warnings.append((code, {"id": item_id, "length": len(text), "max": limit}))
    return text[:limit].rstrip()


def format_price(price, currency: str) -> str:
    """Merchant Center's price text: ``"199.00 EUR"`` (two decimals, half up)."""
    return f"{Decimal(str(price)).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)} {currency}"


def build_feed(items, title: str, link: str, description: str = "") -> FeedResult:
    """The RSS 2.0 feed of ``items`` (FeedItem), with the channel's ``title``, ``link`` and ``description``."""
    rss = etree.Element("rss", version="2.0", nsmap={"g": G_NS})
    channel = etree.SubElement(rss, "channel")
    etree.SubElement(channel, "title").text = _clean(title)
    etree.SubElement(channel, "link").text = _clean(link)
    etree.SubElement(channel, "description").text = _clean(description)
    warnings, seen, ids = [], set(), []
    for item in items:
        item_id = _clean(item.id)
        problems = _problems(item, seen)
        if problems:
            warnings.append((ITEM_SKIPPED, {"id": item_id, "problems": problems}))
            continue
        seen.add(item_id)
        ids.append(item_id)
        node = etree.SubElement(channel, "item")

        def add(name, text, node=node):
            etree.SubElement(node, G + name).text = text

        add("id", item_id)
        add("title", _truncate(item_id, _clean(item.title), TITLE_MAX, TITLE_TRUNCATED, warnings))
        add("description", _truncate(item_id, _clean(item.description), DESCRIPTION_MAX, DESCRIPTION_TRUNCATED,
                                     warnings))
        add("link", _clean(item.link))
        add("image_link", _clean(item.image_link))
        add("availability", item.availability)
        add("price", format_price(item.price, item.currency))
        add("condition", item.condition)
        add("brand", _clean(item.brand))
        gtin = valid_gtin(item.gtin) if _clean(item.gtin) else None
        mpn = _clean(item.mpn)
        if _clean(item.gtin) and not gtin:
            warnings.append((GTIN_INVALID, {"id": item_id, "gtin": _clean(item.gtin),
                                            "fallback": "mpn" if mpn else "identifier_exists"}))
        if gtin:
            add("gtin", gtin)
        if mpn:
            add("mpn", mpn)
        if not gtin and not mpn:
            add("identifier_exists", "no")
    xml = etree.tostring(rss, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return FeedResult(xml, tuple(warnings), tuple(ids))
