"""The Google Merchant Center RSS feed (returns_lib.resale.merchant_feed).

The output is parsed back with lxml: every required attribute present once, text escaped, an
invalid GTIN never emitted, Merchant Center's length limits kept.
"""

from dataclasses import replace
from decimal import Decimal

import pytest
from lxml import etree
from returns_lib.resale import merchant_feed
from returns_lib.resale.merchant_feed import FeedItem, build_feed

G = "{http://base.google.com/ns/1.0}"
REQUIRED = ("id", "title", "description", "link", "image_link", "availability", "price", "condition", "brand")

ITEM = FeedItem(
    id="RL-000123",
    title="Refurbished espresso machine EM-200",
    description="Grade B: light signs of use, fully working, all accessories.",
    link="https://shop.example.com/p/em-200?unit=123&grade=b",
    image_link="https://shop.example.com/img/em-200.jpg",
    availability="in_stock",
    price=Decimal("199"),
    currency="EUR",
    condition="refurbished",
    brand="Brew & Co",
    gtin="4006381333931",
)


def _parse(result):
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.fromstring(result.xml, parser)


def _items(result):
    return {item.findtext(f"{G}id"): item for item in _parse(result).iter("item")}


def _codes(result):
    return [code for code, _params in result.warnings]


def test_the_feed_is_rss_2_with_the_google_namespace_and_a_declaration():
    result = build_feed([ITEM], "Refurbished returns", "https://shop.example.com", "Graded units")
    assert result.xml.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    root = _parse(result)
    assert root.tag == "rss" and root.get("version") == "2.0"
    assert root.nsmap["g"] == "http://base.google.com/ns/1.0"
    assert root.findtext("channel/title") == "Refurbished returns"
    assert root.findtext("channel/link") == "https://shop.example.com"
    assert result.warnings == () and result.item_ids == ("RL-000123",)


def test_every_required_attribute_is_there_once():
    item = _items(build_feed([ITEM], "t", "https://shop.example.com"))["RL-000123"]
    for name in REQUIRED:
        assert len(item.findall(f"{G}{name}")) == 1, name
    assert item.findtext(f"{G}price") == "199.00 EUR"
    assert item.findtext(f"{G}condition") == "refurbished"
    assert item.findtext(f"{G}availability") == "in_stock"
    assert item.findtext(f"{G}gtin") == "4006381333931"
    assert item.find(f"{G}identifier_exists") is None


def test_special_characters_are_escaped_and_read_back_intact():
    tricky = replace(ITEM, title="Cups <2> & saucers", description='5 < 6 & "quotes" > \'apostrophes\' ]]>')
    result = build_feed([tricky], "A & B <shop>", "https://shop.example.com")
    assert b"Cups &lt;2&gt; &amp; saucers" in result.xml
    assert b"<2>" not in result.xml and b"A & B" not in result.xml
    item = _items(result)["RL-000123"]
    assert item.findtext(f"{G}title") == "Cups <2> & saucers"
    assert item.findtext(f"{G}description") == '5 < 6 & "quotes" > \'apostrophes\' ]]>'
    assert item.findtext(f"{G}link") == "https://shop.example.com/p/em-200?unit=123&grade=b"
    assert _parse(result).findtext("channel/title") == "A & B <shop>"


def test_characters_xml_cannot_carry_are_removed():
    result = build_feed([replace(ITEM, description="form\x0cfeed and bell\x07")], "t", "https://s.example.com")
    assert _items(result)["RL-000123"].findtext(f"{G}description") == "formfeed and bell"


@pytest.mark.parametrize("gtin", ["4006381333932", "12345", "ABCDEFGHIJKLM", "978-0-306-40615-6 x"])
def test_an_invalid_gtin_is_never_emitted_the_mpn_identifies(gtin):
    result = build_feed([replace(ITEM, gtin=gtin, mpn="EM-200-B")], "t", "https://s.example.com")
    item = _items(result)["RL-000123"]
    assert item.find(f"{G}gtin") is None
    assert gtin.encode() not in result.xml
    assert item.findtext(f"{G}mpn") == "EM-200-B"
    assert item.find(f"{G}identifier_exists") is None
    assert _codes(result) == ["gtin_invalid"]
    assert "is not a valid GTIN" in result.messages[0] and "mpn" in result.messages[0]


def test_an_invalid_gtin_without_mpn_means_identifier_exists_no():
    result = build_feed([replace(ITEM, gtin="4006381333932")], "t", "https://s.example.com")
    item = _items(result)["RL-000123"]
    assert item.find(f"{G}gtin") is None and item.find(f"{G}mpn") is None
    assert item.findtext(f"{G}identifier_exists") == "no"
    assert result.warnings[0] == ("gtin_invalid", {"id": "RL-000123", "gtin": "4006381333932",
                                                   "fallback": "identifier_exists"})


@pytest.mark.parametrize("gtin, emitted", [
    ("96385074", "96385074"),  # GTIN-8
    ("036000291452", "036000291452"),  # GTIN-12 (UPC-A)
    ("400-6381 333931", "4006381333931"),  # GTIN-13, compacted
    ("10012345678902", "10012345678902"),  # GTIN-14
])
def test_valid_gtins_of_every_length_are_emitted_compacted(gtin, emitted):
    result = build_feed([replace(ITEM, gtin=gtin, mpn="EM-200-B")], "t", "https://s.example.com")
    item = _items(result)["RL-000123"]
    assert item.findtext(f"{G}gtin") == emitted and item.findtext(f"{G}mpn") == "EM-200-B"
    assert result.warnings == ()


def test_no_identifier_at_all_means_identifier_exists_no_without_warning():
    result = build_feed([replace(ITEM, gtin="")], "t", "https://s.example.com")
    assert _items(result)["RL-000123"].findtext(f"{G}identifier_exists") == "no"
    assert result.warnings == ()


def test_long_titles_and_descriptions_are_cut_with_a_warning():
    long = replace(ITEM, title="T" * 151, description="é" * 5001)
    result = build_feed([long], "t", "https://s.example.com")
    item = _items(result)["RL-000123"]
    assert item.findtext(f"{G}title") == "T" * 150
    assert item.findtext(f"{G}description") == "é" * 5000  # characters, not bytes
    assert _codes(result) == ["title_truncated", "description_truncated"]
    exact = build_feed([replace(ITEM, title="T" * 150, description="d" * 5000)], "t", "https://s.example.com")
    assert exact.warnings == ()


@pytest.mark.parametrize("change, problem", [
    ({"brand": ""}, "brand is missing"),
    ({"image_link": " "}, "image_link is missing"),
    ({"link": "shop.example.com/p"}, "link is not an http(s) URL"),
    ({"availability": "available"}, "availability 'available'"),
    ({"condition": "like_new"}, "condition 'like_new'"),
    ({"currency": "eur"}, "currency 'eur'"),
    ({"price": Decimal(0)}, "price must be greater than zero"),
    ({"price": "n/a"}, "price 'n/a' is not a number"),
    ({"id": "X" * 51}, "id is longer than 50"),
])
def test_an_item_merchant_center_would_refuse_is_left_out_the_others_stay(change, problem):
    bad = replace(ITEM, id="RL-BAD", **change) if "id" not in change else replace(ITEM, **change)
    good = replace(ITEM, id="RL-GOOD")
    result = build_feed([bad, good], "t", "https://s.example.com")
    assert list(_items(result)) == ["RL-GOOD"] and result.item_ids == ("RL-GOOD",)
    assert _codes(result) == ["item_skipped"]
    assert problem in result.messages[0]


def test_the_problems_of_an_item_are_told_before_any_feed_is_built():
    assert merchant_feed.item_problems(ITEM) == []
    no_image = replace(ITEM, image_link="")
    assert merchant_feed.item_problems(no_image) == ["image_link is missing"]
    result = build_feed([no_image], "t", "https://s.example.com")
    assert result.item_ids == () and "image_link is missing" in result.messages[0], "the same reason leaves it out"


def test_a_duplicate_id_is_left_out():
    result = build_feed([ITEM, replace(ITEM, title="Other")], "t", "https://s.example.com")
    assert result.item_ids == ("RL-000123",)
    assert "id is used by another item" in result.messages[0]


def test_prices_are_two_decimals_half_up():
    assert merchant_feed.format_price(Decimal("138.995"), "EUR") == "139.00 EUR"
    assert merchant_feed.format_price(12.5, "USD") == "12.50 USD"


def test_an_empty_feed_is_still_a_valid_rss_document():
    root = _parse(build_feed([], "Nothing yet", "https://s.example.com"))
    assert root.find("channel") is not None and list(root.iter("item")) == []
