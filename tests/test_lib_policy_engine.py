"""The return policy engine, without Odoo."""

import datetime as dt

import pytest
from returns_lib import categories
from returns_lib import policy as p

TODAY = dt.date(2026, 11, 25)
STANDARD = p.Policy(policy_id=1, window_days=30, auto_approve=True, auto_approve_max_amount=200.0)
DEFECTIVE, CHANGED_MIND = 10, 11


def line(key=1, policy=STANDARD, days_ago=5, amount=50.0, reason=DEFECTIVE, source=True):
    return p.RequestLine(
        key=key, policy=policy, has_source_document=source,
        delivery_date=None if days_ago is None else TODAY - dt.timedelta(days=days_ago),
        amount=amount, reason_id=reason,
    )


def codes(verdict):
    return [finding.code for finding in verdict.findings]


def test_request_within_policy_is_auto_approvable():
    verdict = p.evaluate_request([line()], TODAY)
    assert verdict.in_policy and verdict.auto_approvable
    assert codes(verdict) == []


@pytest.mark.parametrize("days_ago, in_policy", [(30, True), (31, False)])
def test_window_boundary_is_inclusive(days_ago, in_policy):
    verdict = p.evaluate_request([line(days_ago=days_ago)], TODAY)
    assert verdict.in_policy is in_policy
    if not in_policy:
        finding = verdict.findings[0]
        assert finding.code == p.WINDOW_EXCEEDED and finding.blocking
        assert finding.params == {"days": 31, "window": 30, "delivered": TODAY - dt.timedelta(days=31)}


def test_no_policy_for_the_category_is_not_eligible():
    verdict = p.evaluate_request([line(policy=None)], TODAY)
    assert codes(verdict) == [p.NOT_ELIGIBLE] and not verdict.in_policy


def test_source_document_required_by_policy():
    verdict = p.evaluate_request([line(source=False, days_ago=None)], TODAY)
    assert codes(verdict) == [p.NO_SOURCE_DOCUMENT]
    relaxed = p.Policy(policy_id=2, window_days=30, auto_approve=True, require_source_document=False)
    assert p.evaluate_request([line(policy=relaxed, source=False, days_ago=None)], TODAY).auto_approvable


def test_source_document_without_a_delivery_is_out_of_policy():
    verdict = p.evaluate_request([line(days_ago=None)], TODAY)
    assert codes(verdict) == [p.NO_DELIVERY] and not verdict.in_policy


def test_non_blocking_findings_keep_the_request_in_policy_but_need_a_person():
    manual = p.Policy(policy_id=3, window_days=30, auto_approve=False)
    verdict = p.evaluate_request([line(policy=manual)], TODAY)
    assert codes(verdict) == [p.AUTO_APPROVAL_DISABLED]
    assert verdict.in_policy and not verdict.auto_approvable


def test_auto_approval_limit_counts_the_total_per_policy():
    verdict = p.evaluate_request([line(1, amount=120.0), line(2, amount=120.0)], TODAY)
    assert codes(verdict) == [p.AMOUNT_ABOVE_AUTO_LIMIT]
    assert verdict.findings[0].params["amount"] == 240.0
    assert verdict.in_policy and not verdict.auto_approvable


def test_auto_approval_restricted_to_reasons():
    only_defects = p.Policy(policy_id=4, window_days=30, auto_approve=True,
                            auto_approve_reason_ids=frozenset({DEFECTIVE}))
    assert p.evaluate_request([line(policy=only_defects)], TODAY).auto_approvable
    verdict = p.evaluate_request([line(policy=only_defects, reason=CHANGED_MIND)], TODAY)
    assert codes(verdict) == [p.REASON_NOT_AUTO_APPROVED]


def test_every_problem_is_reported_at_once():
    verdict = p.evaluate_request([line(1, days_ago=90), line(2, policy=None), line(3, source=False)], TODAY)
    assert sorted(codes(verdict)) == sorted([p.WINDOW_EXCEEDED, p.NOT_ELIGIBLE, p.NO_SOURCE_DOCUMENT])
    assert {finding.line_key for finding in verdict.findings} == {1, 2, 3}


def test_pick_most_specific_prefers_the_nearest_category():
    general = p.Policy(policy_id=1, window_days=30)
    electronics = p.Policy(policy_id=2, window_days=14)
    phones = p.Policy(policy_id=3, window_days=7)
    policies = [(general, frozenset()), (electronics, frozenset({20})), (phones, frozenset({21}))]
    assert categories.pick_most_specific([21, 20, 1], policies) is phones
    assert categories.pick_most_specific([22, 20, 1], policies) is electronics
    assert categories.pick_most_specific([5, 1], policies) is general
    assert categories.pick_most_specific([5, 1], policies[1:]) is None


def test_pick_most_specific_tie_goes_to_the_first_in_order():
    first, second = p.Policy(policy_id=1, window_days=30), p.Policy(policy_id=2, window_days=60)
    assert categories.pick_most_specific([20], [(first, frozenset({20})), (second, frozenset({20}))]) is first


@pytest.mark.parametrize("code", sorted(p.BLOCKING_CODES))
def test_blocking_findings_put_the_request_out_of_policy(code):
    finding = p.Finding(code, 1)
    assert finding.blocking
    assert not p.Verdict((finding,)).in_policy


@pytest.mark.parametrize("code", [p.AUTO_APPROVAL_DISABLED, p.AMOUNT_ABOVE_AUTO_LIMIT, p.REASON_NOT_AUTO_APPROVED])
def test_non_blocking_findings_only_stop_auto_approval(code):
    verdict = p.Verdict((p.Finding(code, 1),))
    assert verdict.in_policy and not verdict.auto_approvable


def test_one_blocking_line_puts_the_whole_request_out_of_policy():
    verdict = p.evaluate_request([line(1), line(2, days_ago=45)], TODAY)
    assert codes(verdict) == [p.WINDOW_EXCEEDED]
    assert verdict.findings[0].line_key == 2
    assert not verdict.in_policy and not verdict.auto_approvable


def test_zero_day_window_accepts_the_delivery_day_only():
    same_day = p.Policy(policy_id=5, window_days=0, auto_approve=True)
    assert p.evaluate_request([line(policy=same_day, days_ago=0)], TODAY).in_policy
    assert codes(p.evaluate_request([line(policy=same_day, days_ago=1)], TODAY)) == [p.WINDOW_EXCEEDED]


def test_amount_at_the_limit_is_still_auto_approved():
    assert p.evaluate_request([line(amount=200.0)], TODAY).auto_approvable
    assert codes(p.evaluate_request([line(amount=200.01)], TODAY)) == [p.AMOUNT_ABOVE_AUTO_LIMIT]


def test_zero_limit_means_no_limit():
    unlimited = p.Policy(policy_id=6, window_days=30, auto_approve=True, auto_approve_max_amount=0.0)
    assert p.evaluate_request([line(policy=unlimited, amount=1_000_000.0)], TODAY).auto_approvable


def test_each_policy_has_its_own_limit():
    other = p.Policy(policy_id=7, window_days=30, auto_approve=True, auto_approve_max_amount=200.0)
    verdict = p.evaluate_request([line(1, amount=150.0), line(2, policy=other, amount=150.0)], TODAY)
    assert verdict.auto_approvable, "300 in total, but 150 under each policy's limit of 200"


def test_limit_finding_names_the_policy_and_no_line():
    verdict = p.evaluate_request([line(1, amount=250.0)], TODAY)
    (finding,) = verdict.findings
    assert finding.line_key is None
    assert finding.params == {"amount": 250.0, "limit": 200.0, "policy_id": 1}


def test_ineligible_lines_do_not_count_towards_the_limit():
    verdict = p.evaluate_request([line(1, amount=150.0), line(2, policy=None, amount=500.0)], TODAY)
    assert codes(verdict) == [p.NOT_ELIGIBLE]


def test_limit_is_not_reported_when_auto_approval_is_off():
    manual = p.Policy(policy_id=8, window_days=30, auto_approve=False, auto_approve_max_amount=10.0)
    assert codes(p.evaluate_request([line(policy=manual, amount=500.0)], TODAY)) == [p.AUTO_APPROVAL_DISABLED]


def test_line_without_reason_is_not_auto_approved_when_reasons_are_restricted():
    only_defects = p.Policy(policy_id=9, window_days=30, auto_approve=True,
                            auto_approve_reason_ids=frozenset({DEFECTIVE}))
    assert codes(p.evaluate_request([line(policy=only_defects, reason=None)], TODAY)) == [p.REASON_NOT_AUTO_APPROVED]


def test_missing_source_document_and_late_delivery_are_both_reported():
    verdict = p.evaluate_request([line(source=False, days_ago=40)], TODAY)
    assert sorted(codes(verdict)) == sorted([p.NO_SOURCE_DOCUMENT, p.WINDOW_EXCEEDED])


def test_empty_request_is_in_policy():
    verdict = p.evaluate_request([], TODAY)
    assert verdict.in_policy and verdict.auto_approvable


def test_pick_most_specific_specific_category_beats_an_earlier_catch_all():
    catch_all = p.Policy(policy_id=1, window_days=30)
    phones = p.Policy(policy_id=2, window_days=7)
    assert categories.pick_most_specific([21, 20, 1], [(catch_all, frozenset()), (phones, frozenset({20}))]) is phones


def test_pick_most_specific_first_catch_all_is_the_fallback():
    first, second = p.Policy(policy_id=1, window_days=30), p.Policy(policy_id=2, window_days=60)
    assert categories.pick_most_specific([5], [(first, frozenset()), (second, frozenset())]) is first
    assert categories.pick_most_specific([], [(first, frozenset()), (second, frozenset())]) is first
    assert categories.pick_most_specific([], []) is None


def test_pick_most_specific_nearest_category_wins_over_order():
    parent = p.Policy(policy_id=1, window_days=30)
    child = p.Policy(policy_id=2, window_days=14)
    # the parent's policy comes first in sequence, but the child category is nearer to the product
    assert categories.pick_most_specific([21, 20], [(parent, frozenset({20})), (child, frozenset({21}))]) is child
