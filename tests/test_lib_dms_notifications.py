"""HMRC's DMS notification examples read into notifications."""


from decimal import Decimal

import pytest
from conftest import SHARED  # RL_SHARED_DIR, default: next to the repository
from returns_lib.customs.dms_notification import UnsafeXmlError, parse_dms_notification
from returns_lib.customs.gateway import TaxAssessment

SAMPLES = SHARED / "customs-samples" / "notifications"
needs_samples = pytest.mark.skipif(not SAMPLES.is_dir(), reason="../shared/customs-samples is not beside the project")

EXPECTED_KINDS = {
    "01": "accepted", "02": "received", "03": "rejected", "05": "control", "06": "documents_required",
    "07": "amended", "08": "released", "09": "cleared", "10": "invalidated", "11": "information_requested",
    "13": "tax_calculation", "14": "insufficient_payment", "15": "payment_reminder", "16": "exited",
    "18": "general_error",
}


@needs_samples
@pytest.mark.parametrize("path", sorted(SAMPLES.glob("*.xml")), ids=lambda p: p.name)
def test_every_hmrc_example_reads(path):
    notification, lrn = parse_dms_notification(path.read_bytes())
    # The file names number the examples; DMSGER's function code is 18 (see ../shared/README.md).
    code = "18" if "DMSGER" in path.name else path.name[:2]
    assert notification.function_code == code
    if code in EXPECTED_KINDS:
        assert notification.kind == EXPECTED_KINDS[code]
    assert notification.issued_at is not None


@needs_samples
def test_rejection_errors_point_at_the_element():
    notification, lrn = parse_dms_notification((SAMPLES / "03_DMSREJ.xml").read_bytes())
    assert lrn == "Sample_A_TC01_1102_03"
    assert notification.mrn == "20GB1NA4Y2YSRFGVR6"
    assert [(e.code, e.pointer) for e in notification.errors] == [("CDS12005", "42A/17C#R144")]


@needs_samples
def test_tax_calculation_keeps_each_tax_type_and_their_total():
    notification, lrn = parse_dms_notification((SAMPLES / "13_DMSTAX.xml").read_bytes())
    assert (notification.kind, lrn, notification.mrn) == ("tax_calculation", "IM08a_PHYCTL_002", "20GB1Q3RTK463FGVR4")
    assert notification.taxes == (
        TaxAssessment("A00", Decimal("270.00"), "GBP", item=1, base_amount=Decimal("10000.00")),
        TaxAssessment("B00", Decimal("2054.00"), "GBP", item=1, base_amount=Decimal("10270.00")),
    )
    assert (notification.tax_amount, notification.currency) == (Decimal("2324.00"), "GBP")


@needs_samples
@pytest.mark.parametrize("name", ["14_DMSCPI.xml", "15_DMSCPR.xml", "01_DMSACC.xml"])
def test_payment_amounts_are_not_assessed_taxes(name):
    """DMSCPI/DMSCPR carry a declaration-level DutyTaxFee with a PaymentAmount only: nothing assessed."""
    notification, _lrn = parse_dms_notification((SAMPLES / name).read_bytes())
    assert (notification.taxes, notification.tax_amount, notification.currency) == ((), None, None)


def _tax_message(declaration_level="", items=(), namespace=""):
    """A DMSTAX message: ``items`` is [(sequence number, [(type code, amount, currency), ...])]."""
    goods = "".join(
        f"<GovernmentAgencyGoodsItem><SequenceNumeric>{number}</SequenceNumeric><Commodity>"
        + "".join(f"<DutyTaxFee><TypeCode>{code}</TypeCode><Payment><TaxAssessedAmount currencyID='{currency}'>"
                  f"{amount}</TaxAssessedAmount></Payment></DutyTaxFee>" for code, amount, currency in taxes)
        + "</Commodity></GovernmentAgencyGoodsItem>"
        for number, taxes in items
    )
    xmlns = f' xmlns="{namespace}"' if namespace else ""
    return (f"<MetaData{xmlns}><Response><FunctionCode>13</FunctionCode><Declaration><ID>26ES00500110000123</ID>"
            f"{declaration_level}<GoodsShipment>{goods}</GoodsShipment></Declaration></Response></MetaData>").encode()


AGGREGATE = ("<DutyTaxFee><Payment><TaxAssessedAmount currencyID='EUR'>150.50</TaxAssessedAmount></Payment>"
             "</DutyTaxFee>")


def test_taxes_per_goods_item_and_a_declaration_level_total_are_not_counted_twice():
    message = _tax_message(AGGREGATE, [(1, [("A00", "10.50", "EUR"), ("B00", "80.00", "EUR")]),
                                       (2, [("B00", "60.00", "EUR")])], "urn:wco:datamodel:WCO:RES-DMS:2")
    notification, _lrn = parse_dms_notification(message)
    assert [(t.type_code, t.amount, t.item) for t in notification.taxes] == [
        ("A00", Decimal("10.50"), 1), ("B00", Decimal("80.00"), 1), ("B00", Decimal("60.00"), 2)]
    assert (notification.tax_amount, notification.currency) == (Decimal("150.50"), "EUR")


def test_a_declaration_level_total_alone_is_the_total():
    notification, _lrn = parse_dms_notification(_tax_message(AGGREGATE))
    assert (notification.taxes, notification.tax_amount, notification.currency) == ((), Decimal("150.50"), "EUR")


def test_typed_taxes_on_the_declaration_have_no_item():
    typed = ("<DutyTaxFee><TypeCode>A00</TypeCode><Payment><TaxAssessedAmount>5</TaxAssessedAmount></Payment>"
             "</DutyTaxFee>")
    notification, _lrn = parse_dms_notification(_tax_message(typed))
    assert notification.taxes == (TaxAssessment("A00", Decimal("5"), None),)
    assert (notification.tax_amount, notification.currency) == (Decimal("5"), None)


def test_taxes_in_several_currencies_have_no_total():
    notification, _lrn = parse_dms_notification(_tax_message(items=[(1, [("A00", "10", "EUR"), ("B00", "9", "GBP")])]))
    assert [t.currency for t in notification.taxes] == ["EUR", "GBP"]
    assert (notification.tax_amount, notification.currency) == (None, None), "no sum over currencies"


@pytest.mark.parametrize("amount", ["12,50", "NaN", "-Infinity", "1e999999999999", "1E16"])
def test_an_amount_that_is_not_a_number_is_refused(amount):
    with pytest.raises(ValueError, match="amount|TaxAssessedAmount"):
        parse_dms_notification(_tax_message(items=[(1, [("A00", amount, "EUR")])]))


def test_entities_are_refused():
    hostile = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]><Response>&e;</Response>'
    with pytest.raises(UnsafeXmlError):
        parse_dms_notification(hostile)
