"""HMRC's DMS notification examples read into notifications."""


import pytest
from conftest import SHARED  # RL_SHARED_DIR, default: next to the repository
from returns_lib.customs.dms_notification import UnsafeXmlError, parse_dms_notification

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
def test_tax_calculation_sums_assessed_taxes():
    notification, _lrn = parse_dms_notification((SAMPLES / "13_DMSTAX.xml").read_bytes())
    assert notification.currency == "GBP" and notification.tax_amount > 270


def test_entities_are_refused():
    hostile = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]><Response>&e;</Response>'
    with pytest.raises(UnsafeXmlError):
        parse_dms_notification(hostile)
