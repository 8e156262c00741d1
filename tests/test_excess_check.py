"""Excess-stock returns: the batched check of a proposal against an agreement (returns_lib.excess)."""

import datetime as dt
from collections import defaultdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from returns_lib import excess
from returns_lib.excess import Cut, InvoiceLot, ProductFacts, ProposedLine

JAN, FEB, MAR = dt.date(2026, 1, 10), dt.date(2026, 2, 10), dt.date(2026, 3, 10)


def lot(line_id, product, date, qty, price, returned=0.0):
    return InvoiceLot(line_id, product, date, qty, returned, price)


def test_quantities_are_drawn_from_the_oldest_invoice_lines_first():
    lots = [lot("mar", "P", MAR, 10, 12.0), lot("jan", "P", JAN, 4, 10.0), lot("feb", "P", FEB, 5, 11.0)]
    decision = excess.decide([ProposedLine(1, "P", 7)], {"P": ProductFacts()}, lots, allowance=1000)
    (line,) = decision.lines
    assert line.allocations == [("jan", 4, 10.0), ("feb", 3, 11.0)]
    assert line.approved == 7 and not line.cuts
    assert line.value == pytest.approx(73.0)
    assert decision.allowance_left == pytest.approx(927.0)


def test_already_returned_units_are_not_drawn_again():
    lots = [lot("jan", "P", JAN, 4, 10.0, returned=4), lot("feb", "P", FEB, 5, 11.0, returned=2)]
    (line,) = excess.decide([ProposedLine(1, "P", 5)], {"P": ProductFacts()}, lots, 1000).lines
    assert line.allocations == [("feb", 3, 11.0)]
    assert line.cuts == [Cut(excess.HISTORY, 2, {"bought": 9, "returned": 6, "proposed_before": 0, "available": 3})]


def test_products_out_of_range_or_discontinued_are_cut_whole():
    lots = [lot("a", "A", JAN, 5, 1.0), lot("b", "B", JAN, 5, 1.0)]
    facts = {"A": ProductFacts(in_range=False), "B": ProductFacts(discontinued=True)}
    decision = excess.decide([ProposedLine(1, "A", 2), ProposedLine(2, "B", 3), ProposedLine(3, "C", 1)], facts,
                             lots, 1000)
    assert [(line.approved, line.cuts) for line in decision.lines] == [
        (0, [Cut(excess.NOT_IN_RANGE, 2)]), (0, [Cut(excess.DISCONTINUED, 3)]), (0, [Cut(excess.NOT_IN_RANGE, 1)]),
    ]


def test_a_product_never_bought_in_the_period_is_cut():
    (line,) = excess.decide([ProposedLine(1, "P", 2)], {"P": ProductFacts()}, [], 1000).lines
    assert line.cuts == [Cut(excess.NOT_BOUGHT, 2, {"bought": 0, "returned": 0})]


def test_two_lines_of_the_same_product_share_its_purchases():
    lots = [lot("jan", "P", JAN, 5, 10.0)]
    first, second = excess.decide([ProposedLine(1, "P", 3), ProposedLine(2, "P", 3)], {"P": ProductFacts()},
                                  lots, 1000).lines
    assert first.approved == 3 and second.approved == 2
    assert second.cuts == [Cut(excess.HISTORY, 1, {"bought": 5, "returned": 0, "proposed_before": 3,
                                                    "available": 2})]


def test_the_allowance_cuts_the_units_that_do_not_fit_and_says_what_is_left():
    lots = [lot("jan", "P", JAN, 10, 30.0), lot("feb", "Q", FEB, 10, 7.0)]
    decision = excess.decide([ProposedLine(1, "P", 10), ProposedLine(2, "Q", 10)],
                             {"P": ProductFacts(), "Q": ProductFacts()}, lots, allowance=100.0)
    p, q = decision.lines
    assert p.allocations == [("jan", 3, 30.0)]
    assert p.cuts == [Cut(excess.ALLOWANCE, 7, {"left": pytest.approx(10.0), "allowance": 100.0})]
    # A cheaper product further down still fits in what is left.
    assert q.allocations == [("feb", 1, 7.0)]
    assert q.cuts[0].code == excess.ALLOWANCE and q.cuts[0].quantity == 9
    assert decision.value == pytest.approx(97.0)
    assert decision.allowance_left == pytest.approx(3.0)


def test_the_allowance_is_exact_to_the_cent():
    lots = [lot("jan", "P", JAN, 10, 33.33)]
    (line,) = excess.decide([ProposedLine(1, "P", 3)], {"P": ProductFacts()}, lots, allowance=99.99).lines
    assert line.approved == 3 and not line.cuts


def test_fractional_units_are_cut_at_the_unit_precision():
    lots = [lot("jan", "P", JAN, 2.5, 10.0)]
    (line,) = excess.decide([ProposedLine(1, "P", 3)], {"P": ProductFacts(rounding=0.1)}, lots, 1000).lines
    assert line.approved == pytest.approx(2.5)
    assert line.cuts[0].quantity == pytest.approx(0.5)


def test_the_allowance_left_is_never_negative():
    assert excess.allowance_left(purchases=1000, share_percent=10, used=40) == pytest.approx(60)
    assert excess.allowance_left(purchases=1000, share_percent=10, used=400) == 0


@pytest.mark.parametrize("qty", [0, -1, float("nan"), float("inf")])
def test_a_quantity_that_is_not_positive_is_refused(qty):
    with pytest.raises(ValueError, match="not a positive number"):
        excess.decide([ProposedLine(1, "P", qty)], {"P": ProductFacts()}, [], 10)


# ----------------------------------------------------------------------
# Properties: whatever the proposal, the history and the allowance
# ----------------------------------------------------------------------
PRODUCTS = ["A", "B", "C", "D"]
lots_strategy = st.lists(
    st.tuples(st.sampled_from(PRODUCTS), st.integers(0, 200), st.integers(0, 30), st.integers(0, 30),
              st.sampled_from([0.0, 0.5, 1.99, 7.0, 12.5, 100.0])),
    max_size=12,
)
proposal_strategy = st.lists(st.tuples(st.sampled_from(PRODUCTS), st.integers(1, 40)), min_size=1, max_size=10)
facts_strategy = st.fixed_dictionaries(
    {product: st.builds(ProductFacts, in_range=st.booleans(), discontinued=st.booleans()) for product in PRODUCTS}
)


@settings(max_examples=300, deadline=None)
@given(lots_strategy, proposal_strategy, facts_strategy, st.sampled_from([0.0, 5.0, 50.0, 333.33, 10_000.0]))
def test_allocations_respect_history_allowance_and_fifo(raw_lots, raw_proposal, facts, allowance):
    lots = [
        lot(f"L{index}", product, dt.date(2026, 1, 1) + dt.timedelta(days=day), qty, price, returned=min(ret, qty))
        for index, (product, day, qty, ret, price) in enumerate(raw_lots)
    ]
    proposal = [ProposedLine(index, product, qty) for index, (product, qty) in enumerate(raw_proposal)]
    decision = excess.decide(proposal, facts, lots, allowance)
    by_id = {lot.invoice_line_id: lot for lot in lots}
    drawn = defaultdict(float)
    for line in decision.lines:
        # Every requested unit is either approved or cut with a reason, never both, never lost.
        assert line.approved + sum(cut.quantity for cut in line.cuts) == pytest.approx(line.requested)
        assert line.approved >= 0 and all(cut.quantity > 0 for cut in line.cuts)
        if line.allocations:
            assert facts[line.product_id].in_range and not facts[line.product_id].discontinued
        for invoice_line, qty, price in line.allocations:
            assert qty > 0
            assert by_id[invoice_line].product_id == line.product_id
            assert price == by_id[invoice_line].price_unit
            drawn[invoice_line] += qty
    # Never more than what each invoice line has left once earlier returns are counted.
    for invoice_line, qty in drawn.items():
        assert qty <= by_id[invoice_line].left + 1e-9
    # Never above the allowance.
    assert decision.value <= allowance + 0.005
    assert decision.allowance_left == pytest.approx(max(allowance - decision.value, 0.0), abs=1e-6)
    # FIFO per product: a line drawn on means every older line of that product with units left was drawn dry,
    # except where the allowance stopped the drawing.
    stopped_by_allowance = {line.product_id for line in decision.lines
                            if any(cut.code == excess.ALLOWANCE for cut in line.cuts)}
    for product in PRODUCTS:
        if product in stopped_by_allowance:
            continue
        ordered = sorted((lot for lot in lots if lot.product_id == product),
                         key=lambda lot: (lot.date, lot.invoice_line_id))
        newest_drawn = max((index for index, lot in enumerate(ordered) if drawn.get(lot.invoice_line_id)),
                           default=-1)
        for lot_ in ordered[:max(newest_drawn, 0)]:
            assert drawn.get(lot_.invoice_line_id, 0.0) == pytest.approx(lot_.left)
