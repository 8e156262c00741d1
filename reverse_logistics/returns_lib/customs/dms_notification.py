"""WCO RES-DMS notifications (DMSACC, DMSREJ, DMSTAX, ...) read into plain data.

Gateways may pass the notification message as customs sent it; this reads its function code,
MRN, LRN, time, errors with their pointers and the assessed taxes. Element names are matched by
local name, so namespaced messages and HMRC's un-namespaced examples read alike; the parser
refuses DTDs and entities.

Taxes (DMSTAX, function code 13): every ``DutyTaxFee`` with a ``TypeCode`` and a
``Payment/TaxAssessedAmount`` is one :class:`~.gateway.TaxAssessment`, on the goods item
(``GovernmentAgencyGoodsItem/SequenceNumeric``) it sits in, if any, with its
``AdValoremTaxBaseAmount``. ``DutyTaxFee`` entries without a type code are declaration-level
aggregates: they give the total only when no typed entry does (never added to them).

This module builds on :mod:`.gateway` (the data classes) only; the SOAP client imports it, not the
other way round.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from lxml import etree

from ..safe_xml import UnsafeXmlError, parse_xml
from .gateway import Notification, NotificationError, TaxAssessment, tax_total

__all__ = ["UnsafeXmlError", "parse_dms_notification", "parse_taxes", "parse_xml"]


def _children(element, name):
    return [child for child in element if isinstance(child.tag, str) and etree.QName(child).localname == name]


def _child(element, name):
    found = _children(element, name)
    return found[0] if found else None


def _text(element, *path):
    for name in path:
        if element is None:
            return None
        element = _child(element, name)
    return (element.text or "").strip() if element is not None else None


def _datetime(element):
    text = _text(element, "DateTimeString") if element is not None else None
    if not text:
        return None
    return dt.datetime.strptime(text.rstrip("Z"), "%Y%m%d%H%M%S").replace(tzinfo=dt.timezone.utc)


def _local(element):
    return etree.QName(element).localname if isinstance(element.tag, str) else None


def _amount(element):
    """(amount, currency) of an amount element, ``(None, None)`` without one."""
    if element is None or not (element.text or "").strip():
        return None, None
    text = element.text.strip()
    try:
        amount = Decimal(text)
    except InvalidOperation:
        amount = None
    # WCO amounts are n..16,3: a NaN, an infinity or more than 16 digits before the point is no amount.
    if amount is None or not amount.is_finite() or amount.adjusted() >= 16:
        raise ValueError(f"{_local(element)} is not an amount: {text[:40]!r}")
    return amount, (element.get("currencyID") or "").strip() or None


def _goods_item(element):
    """The sequence number of the goods item ``element`` is in, ``None`` outside one."""
    for ancestor in element.iterancestors():
        if _local(ancestor) == "GovernmentAgencyGoodsItem":
            number = _text(ancestor, "SequenceNumeric")
            try:
                return int(number) if number else None
            except ValueError as error:
                raise ValueError(f"Goods item number {number[:20]!r} is not a number.") from error
    return None


def parse_taxes(response) -> tuple[tuple[TaxAssessment, ...], Decimal | None, str | None]:
    """(taxes per type, total, currency) assessed in a RES-DMS ``Response`` element."""
    taxes, aggregates = [], []
    for duty in response.iter():
        if _local(duty) != "DutyTaxFee":
            continue
        payment = _child(duty, "Payment")
        amount, currency = _amount(_child(payment, "TaxAssessedAmount") if payment is not None else None)
        if amount is None:
            continue
        type_code = _text(duty, "TypeCode")
        if not type_code:
            aggregates.append(TaxAssessment("", amount, currency))
            continue
        base_amount, _base_currency = _amount(_child(duty, "AdValoremTaxBaseAmount"))
        taxes.append(TaxAssessment(type_code, amount, currency, _goods_item(duty), base_amount))
    total, currency = tax_total(taxes or aggregates)
    return tuple(taxes), total, currency


def parse_dms_notification(data: bytes, sequence: int = 0) -> tuple[Notification, str | None]:
    """The notification in ``data`` and the LRN it is about."""
    root = parse_xml(data)
    response = root if etree.QName(root).localname == "Response" else _child(root, "Response")
    if response is None:
        raise ValueError("Not a RES-DMS notification: no Response element.")
    declaration = _child(response, "Declaration")
    errors = []
    for error in _children(response, "Error"):
        pointer = "/".join(
            (_text(p, "DocumentSectionCode") or "") + (f"#{_text(p, 'TagID')}" if _text(p, "TagID") else "")
            for p in _children(error, "Pointer")
        )
        errors.append(NotificationError(_text(error, "ValidationCode") or "", _text(error, "Description") or "",
                                        pointer))
    taxes, tax_amount, currency = parse_taxes(response)
    notification = Notification(
        sequence=sequence,
        function_code=_text(response, "FunctionCode") or "",
        issued_at=_datetime(_child(response, "IssueDateTime")),
        mrn=_text(declaration, "ID") if declaration is not None else None,
        tax_amount=tax_amount,
        currency=currency,
        errors=tuple(errors),
        message=data,
        taxes=taxes,
    )
    lrn = _text(declaration, "FunctionalReferenceID") if declaration is not None else None
    return notification, lrn
