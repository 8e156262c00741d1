"""Disposition engine: value first, hard rules above value, waste hierarchy on ties."""

from returns_lib import disposition as d

LAPTOP = d.Economics(
    resale_value_by_grade={"A": 900.0, "B": 650.0, "C": 420.0, "D": 120.0, "SCRAP": 0.0},
    new_value=1000.0,
    refurbished_grade="A",
    refurbishment_cost=150.0,
    handling_cost={d.RESTOCK: 10.0, d.RESELL: 25.0, d.REFURBISH: 30.0, d.RETURN_TO_VENDOR: 40.0,
                   d.RECYCLE: 15.0, d.DONATE: 20.0, d.DESTROY: 15.0},
    disposal_fee={d.RECYCLE: 5.0, d.DESTROY: 25.0},
    vendor_credit=500.0,
    recycling_value=12.0,
)


def ranking(unit, economics=LAPTOP):
    return [(o.disposition, o.net_value) for o in d.rank_dispositions(unit, economics) if o.allowed]


def test_like_new_goes_back_to_stock():
    best = d.recommend(d.Unit("A"), LAPTOP)
    assert (best.disposition, best.net_value) == (d.RESTOCK, 990.0)
    assert best.reasons[0] == (d.VALUE, {"gross": 1000.0, "handling": 10.0, "fee": 0.0, "net": 990.0})


def test_fair_unit_is_refurbished_when_that_recovers_more():
    assert ranking(d.Unit("C"))[:2] == [(d.REFURBISH, 720.0), (d.RESELL, 395.0)]


def test_vendor_credit_counts_when_the_vendor_takes_it_back():
    cheap_refurb = d.Economics(**{**LAPTOP.__dict__, "refurbishment_cost": 600.0})
    assert ranking(d.Unit("D", vendor_returnable=True), cheap_refurb)[0] == (d.RETURN_TO_VENDOR, 460.0)
    assert d.RETURN_TO_VENDOR not in dict(ranking(d.Unit("D"), cheap_refurb))


def test_hazardous_goods_only_to_certified_recycling_whatever_the_value():
    options = d.rank_dispositions(d.Unit("A", hazardous=True), LAPTOP)
    assert [o.disposition for o in options if o.allowed] == [d.RECYCLE]
    restock = next(o for o in options if o.disposition == d.RESTOCK)
    assert (d.HAZARDOUS_ONLY_CERTIFIED_RECYCLING, {}) in restock.reasons
    assert d.recommend(d.Unit("A", hazardous=True, certified_recycler=False), LAPTOP) is None


def test_expired_goods_are_never_restocked_nor_resold():
    allowed = dict(ranking(d.Unit("A", expired=True)))
    assert d.RESTOCK not in allowed and d.RESELL not in allowed and d.REFURBISH not in allowed
    assert d.recommend(d.Unit("A", expired=True), LAPTOP).disposition == d.RECYCLE


def test_category_restrictions():
    unit = d.Unit("B", allowed=frozenset({d.RECYCLE, d.DESTROY}))
    assert [disposition for disposition, _ in ranking(unit)] == [d.RECYCLE, d.DESTROY]


def test_waste_hierarchy_breaks_ties():
    flat = d.Economics(resale_value_by_grade={"B": 0.0}, refurbished_grade="B")
    order = [disposition for disposition, _ in ranking(d.Unit("B"), flat)]
    assert order.index(d.RESELL) < order.index(d.REFURBISH) < order.index(d.RECYCLE) < order.index(d.DESTROY)


def test_every_disposition_is_ranked_with_its_reasons():
    options = d.rank_dispositions(d.Unit("SCRAP"), LAPTOP)
    assert {o.disposition for o in options} == set(d.DISPOSITIONS)
    refused = [o for o in options if not o.allowed]
    assert refused and all(o.reasons for o in refused)
    assert options[0].allowed, "allowed options come first"
