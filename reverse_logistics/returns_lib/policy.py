"""Return policy evaluation: is a requested return within policy, and may it be auto-approved?

The evaluation returns machine-readable findings (a code and parameters) rather than
sentences, so that the caller can translate them for the user.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

# Finding codes. "Blocking" findings put a request out of policy: only a manager
# may approve it, with a logged reason.
WINDOW_EXCEEDED = "window_exceeded"
NO_DELIVERY = "no_delivery"
NOT_ELIGIBLE = "not_eligible"
NO_SOURCE_DOCUMENT = "no_source_document"
# Non-blocking findings explain why a request in policy still waits for a person.
AUTO_APPROVAL_DISABLED = "auto_approval_disabled"
AMOUNT_ABOVE_AUTO_LIMIT = "amount_above_auto_limit"
REASON_NOT_AUTO_APPROVED = "reason_not_auto_approved"

BLOCKING_CODES = frozenset({WINDOW_EXCEEDED, NO_DELIVERY, NOT_ELIGIBLE, NO_SOURCE_DOCUMENT})


@dataclass(frozen=True)
class Policy:
    """The rules of one return policy, as plain values."""

    policy_id: int | None
    window_days: int
    auto_approve: bool = False
    auto_approve_max_amount: float = 0.0  # 0 means no limit
    auto_approve_reason_ids: frozenset[int] = frozenset()  # empty means every reason
    require_source_document: bool = True


@dataclass(frozen=True)
class RequestLine:
    """One requested return line, as plain values.

    ``policy`` is None when no policy of the company covers the product's category.
    ``delivery_date`` is None when no delivery of the product could be found.
    """

    key: int | str
    policy: Policy | None
    has_source_document: bool
    delivery_date: dt.date | None
    amount: float
    reason_id: int | None


@dataclass(frozen=True)
class Finding:
    code: str
    line_key: int | str | None = None
    params: dict = field(default_factory=dict)

    @property
    def blocking(self) -> bool:
        return self.code in BLOCKING_CODES


@dataclass(frozen=True)
class Verdict:
    findings: tuple[Finding, ...]

    @property
    def in_policy(self) -> bool:
        return not any(f.blocking for f in self.findings)

    @property
    def auto_approvable(self) -> bool:
        return not self.findings


def evaluate_request(lines: list[RequestLine], request_date: dt.date) -> Verdict:
    """Evaluate every line of a return request against its policy.

    Every problem is reported at once, so that the person who fixes the request sees
    them all. Auto-approval requires every line's policy to allow it and the total
    amount per policy to stay under that policy's limit.
    """
    findings: list[Finding] = []
    amount_by_policy: dict[Policy, float] = {}
    for line in lines:
        policy = line.policy
        if policy is None:
            findings.append(Finding(NOT_ELIGIBLE, line.key))
            continue
        if policy.require_source_document and not line.has_source_document:
            findings.append(Finding(NO_SOURCE_DOCUMENT, line.key))
        if line.delivery_date is None:
            if line.has_source_document:
                findings.append(Finding(NO_DELIVERY, line.key))
        else:
            age = (request_date - line.delivery_date).days
            if age > policy.window_days:
                findings.append(
                    Finding(
                        WINDOW_EXCEEDED,
                        line.key,
                        {"days": age, "window": policy.window_days, "delivered": line.delivery_date},
                    )
                )
        if not policy.auto_approve:
            findings.append(Finding(AUTO_APPROVAL_DISABLED, line.key))
        elif policy.auto_approve_reason_ids and line.reason_id not in policy.auto_approve_reason_ids:
            findings.append(Finding(REASON_NOT_AUTO_APPROVED, line.key))
        amount_by_policy[policy] = amount_by_policy.get(policy, 0.0) + line.amount
    for policy, amount in amount_by_policy.items():
        if policy.auto_approve and policy.auto_approve_max_amount and amount > policy.auto_approve_max_amount:
            findings.append(
                Finding(
                    AMOUNT_ABOVE_AUTO_LIMIT,
                    None,
                    {"amount": amount, "limit": policy.auto_approve_max_amount, "policy_id": policy.policy_id},
                )
            )
    return Verdict(tuple(findings))
