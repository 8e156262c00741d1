"""WCO RES-DMS notifications (DMSACC, DMSREJ, DMSTAX, ...) read into plain data.

Gateways may pass the notification message as customs sent it; this reads its function code,
MRN, LRN, time, errors with their pointers and assessed taxes. Element names are matched by
local name, so namespaced messages and HMRC's un-namespaced examples read alike; the parser
refuses DTDs and entities.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from lxml import etree

from ..safe_xml import UnsafeXmlError, parse_xml
from .gateway import Notification, NotificationError

__all__ = ["UnsafeXmlError", "parse_dms_notification", "parse_xml"]


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
    tax, currency = Decimal(0), None
    for amount in response.iter():
        if isinstance(amount.tag, str) and etree.QName(amount).localname == "TaxAssessedAmount":
            tax += Decimal(amount.text or "0")
            currency = amount.get("currencyID") or currency
    notification = Notification(
        sequence=sequence,
        function_code=_text(response, "FunctionCode") or "",
        issued_at=_datetime(_child(response, "IssueDateTime")),
        mrn=_text(declaration, "ID") if declaration is not None else None,
        tax_amount=tax if currency else None,
        currency=currency,
        errors=tuple(errors),
        message=data,
    )
    lrn = _text(declaration, "FunctionalReferenceID") if declaration is not None else None
    return notification, lrn
