"""The zeep gateway client against a real SOAP server on 127.0.0.1 (tests/soap_gateway_server.py)."""

import datetime as dt
import hashlib
import json
import shutil
import socket
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
for path in (ROOT / "reverse_logistics", ROOT / "tests"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from lxml import etree  # noqa: E402
from returns_lib.customs import gateway as gw  # noqa: E402
from returns_lib.customs.soap_client import SoapGatewayClient  # noqa: E402
from soap_gateway_server import ACCEPT_TAXES, WSDL_ADDRESS, GatewayServer, tax_xml  # noqa: E402

SAMPLES = ROOT.parent / "shared" / "customs-samples" / "notifications"
needs_samples = pytest.mark.skipif(not SAMPLES.is_dir(), reason="../shared/customs-samples is not beside the project")
PAYLOAD = (b'<?xml version="1.0" encoding="UTF-8"?>'
           b'<md:MetaData xmlns:md="urn:wco:datamodel:WCO:DocumentMetaData-DMS:2"/>')


@pytest.fixture
def server():
    with GatewayServer() as running:
        yield running


def client(server, **config):
    config.setdefault("timeout", 1.0)
    return SoapGatewayClient(gw.GatewayConfig(endpoint=server.url, **config))


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -- the declaration's life --------------------------------------------------------------------
def test_submit_then_follow_to_release(server):
    gateway = client(server)
    ack = gateway.submit("ACCEPT-1", PAYLOAD)
    assert (ack.value.lrn, ack.value.status) == ("ACCEPT-1", "received")
    assert server.state.received["ACCEPT-1"] == PAYLOAD
    result = gateway.notifications("ACCEPT-1")
    assert [n.kind for n in result.value] == ["received", "accepted", "tax_calculation", "released", "cleared"]
    accepted = result.value[1]
    assert accepted.mrn == result.value[-1].mrn and accepted.mrn.startswith("26ES")
    assert accepted.issued_at == dt.datetime(2026, 11, 25, 10, 0, 2, tzinfo=dt.timezone.utc)
    assert [n.kind for n in gateway.notifications("ACCEPT-1", after_sequence=3).value] == ["released", "cleared"]


def test_every_exchange_is_archived_with_its_digest(server):
    result = client(server).submit("ACCEPT-2", PAYLOAD)
    exchange = result.exchange
    assert (exchange.operation, exchange.http_status, exchange.error) == ("SubmitDeclaration", 200, None)
    assert exchange.request == server.state.requests[-1][1], "the bytes that went over the wire"
    assert b"ACCEPT-2" in exchange.request and b"SubmitDeclarationResponse" in exchange.response
    assert exchange.request_sha256 == hashlib.sha256(exchange.request).hexdigest()
    assert exchange.response_sha256 == hashlib.sha256(exchange.response).hexdigest()
    assert 0 < exchange.duration < 1


def test_rejection_carries_error_codes_and_pointers(server):
    gateway = client(server)
    gateway.submit("REJECT-1", PAYLOAD)
    rejected = gateway.notifications("REJECT-1").value[-1]
    assert rejected.kind == "rejected" and rejected.function_code == "03"
    assert [(e.code, e.pointer) for e in rejected.errors] == [("CDS12056", "42A/67A/68A/1"), ("CDS12119", "42A/17C")]
    assert rejected.errors[0].description == "Procedure code 6110 needs F01"


@pytest.mark.parametrize("scenario, kind", [("CONTROL", "control"), ("DOCS", "documents_required")])
def test_control_and_documents_required(server, scenario, kind):
    gateway = client(server)
    gateway.submit(f"{scenario}-1", PAYLOAD)
    notifications = gateway.notifications(f"{scenario}-1").value
    assert [n.kind for n in notifications][-1] == kind
    assert notifications[-1].mrn == notifications[1].mrn


@needs_samples
def test_rejection_read_from_the_customs_message_passed_along(server):
    server.state.raw_messages = [(SAMPLES / "03_DMSREJ.xml").read_bytes()]
    rejected = client(server).notifications("RAW-REJECT-1").value[-1]
    assert rejected.kind == "rejected"
    assert [(e.code, e.pointer) for e in rejected.errors] == [("CDS12005", "42A/17C#R144")]
    assert rejected.mrn == "20GB1NA4Y2YSRFGVR6"


@needs_samples
def test_hmrc_release_sequence_read_from_the_customs_messages(server):
    names = ["02_DMSRCV.xml", "01_DMSACC.xml", "13_DMSTAX.xml", "08_DMSROG.xml", "09_DMSCLE.xml"]
    server.state.raw_messages = [(SAMPLES / name).read_bytes() for name in names]
    notifications = client(server).notifications("RAW-1").value
    assert [n.kind for n in notifications] == ["received", "accepted", "tax_calculation", "released", "cleared"]
    assert all(n.mrn for n in notifications[1:]), "MRN read from each customs message"
    tax = notifications[2]
    assert (tax.tax_amount, tax.currency) == (Decimal("2324.00"), "GBP")
    assert [(t.type_code, t.amount, t.item, t.base_amount) for t in tax.taxes] == [
        ("A00", Decimal("270.00"), 1, Decimal("10000.00")), ("B00", Decimal("2054.00"), 1, Decimal("10270.00"))]
    assert {t.currency for t in tax.taxes} == {"GBP"}
    assert all(not n.taxes and n.tax_amount is None for n in notifications if n is not tax)
    assert notifications[0].message == server.state.raw_messages[0], "the customs message is kept as received"


# -- taxes per type ----------------------------------------------------------------------------------
def test_tax_notification_carries_duty_and_vat_per_type(server):
    gateway = client(server)
    gateway.submit("ACCEPT-TAX1", PAYLOAD)
    notifications = gateway.notifications("ACCEPT-TAX1")
    tax = notifications.value[2]
    assert tax.kind == "tax_calculation" and tax.message is None, "structured fields only, no customs message"
    assert tax.taxes == (
        gw.TaxAssessment("A00", Decimal("12.40"), "EUR", 1), gw.TaxAssessment("B00", Decimal("86.60"), "EUR", 1))
    assert [(t.type_code, str(t.amount)) for t in tax.taxes] == [(code, amount) for code, amount, *_ in ACCEPT_TAXES]
    assert (tax.tax_amount, tax.currency) == (Decimal("99.00"), "EUR"), "the total, for compatibility"
    assert b"<g:typeCode>B00</g:typeCode>" in notifications.exchange.response
    assert all(not n.taxes for n in notifications.value if n is not tax)


@needs_samples
def test_taxes_the_gateway_lists_win_and_the_message_completes_them(server):
    """A gateway that lists its taxes is taken at its word; the customs message fills in what it left out."""
    message = (SAMPLES / "13_DMSTAX.xml").read_bytes()
    server.state.raw_messages = [message, message]
    server.state.raw_fields = {
        0: tax_xml("A00", "270.00", item=1),  # no currency, no total: both from the message
        1: "<g:taxAmount>2054.00</g:taxAmount><g:currency>EUR</g:currency>" + tax_xml("B00", "2054.00", item=7),
    }
    first, second = client(server).notifications("RAW-TAX1").value
    assert first.taxes == (gw.TaxAssessment("A00", Decimal("270.00"), "GBP", 1, Decimal("10000.00")),)
    assert (first.tax_amount, first.currency) == (Decimal("270.00"), "GBP"), "the total of the taxes listed"
    assert second.taxes == (gw.TaxAssessment("B00", Decimal("2054.00"), "EUR", 7),), \
        "currency of the notification; no tax base: item 7 is not in the message"
    assert (second.tax_amount, second.currency) == (Decimal("2054.00"), "EUR")


def test_a_gateway_whose_contract_has_no_tax_element(server, tmp_path):
    """A gateway still on the contract without ``tax`` (its WSDL and XSD) is read as before."""
    xsd = gw.CONTRACT_XSD.read_text()
    start, end = xsd.index('<xs:element name="tax" '), xsd.index('<xs:element name="error" type="tns:Error"')
    (tmp_path / gw.CONTRACT_XSD.name).write_text(xsd[:start] + xsd[end:])
    shutil.copy(gw.CONTRACT_WSDL, tmp_path)
    old = SoapGatewayClient(gw.GatewayConfig(wsdl=str(tmp_path / gw.CONTRACT_WSDL.name), endpoint=server.url,
                                             timeout=2))
    old.submit("CONTROL-OLD1", PAYLOAD)
    notifications = old.notifications("CONTROL-OLD1").value
    assert [n.kind for n in notifications] == ["received", "accepted", "control"]
    assert all(n.taxes == () and n.tax_amount is None for n in notifications)


# -- module layout ---------------------------------------------------------------------------------
CUSTOMS = ROOT / "reverse_logistics" / "returns_lib" / "customs"
GATEWAY_MODULES = ("gateway", "dms_notification", "soap_client")


def _package_imports(name):
    """The modules of the customs package that ``name`` imports, at the top or deferred in a function."""
    import ast

    found = set()
    for node in ast.walk(ast.parse((CUSTOMS / f"{name}.py").read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            found.update([node.module] if node.module else [alias.name for alias in node.names])
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("returns_lib.customs."):
            found.add(node.module.rsplit(".", 1)[-1])
    return found & {path.stem for path in CUSTOMS.glob("*.py")}


def test_the_gateway_modules_import_in_one_direction():
    graph = {path.stem: _package_imports(path.stem) for path in CUSTOMS.glob("*.py")}
    assert not graph["gateway"] & {"soap_client", "dms_notification"}, graph["gateway"]
    assert graph["dms_notification"] == {"gateway"}
    assert {"gateway", "dms_notification"} <= graph["soap_client"]

    def reaches(start, target, seen=()):
        return any(name == target or (name not in seen and reaches(name, target, (*seen, name)))
                   for name in graph.get(start, ()))

    assert not [name for name in graph if reaches(name, name)], "an import cycle in returns_lib.customs"


@pytest.mark.parametrize("name", GATEWAY_MODULES)
def test_each_gateway_module_imports_first_in_a_fresh_interpreter(name):
    """No cycle hidden by import order: each module, imported first, brings up what it needs."""
    code = (f"import sys; sys.path.insert(0, {str(ROOT / 'reverse_logistics')!r}); "
            f"import returns_lib.customs.{name} as m; "
            "import returns_lib.customs.gateway as g; "
            "import json; print(json.dumps(sorted(n for n in sys.modules if n.startswith('returns_lib.customs.'))))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    loaded = json.loads(run.stdout)
    if name == "gateway":
        assert not {"returns_lib.customs.soap_client", "returns_lib.customs.dms_notification"} & set(loaded)


def test_the_soap_client_module_offers_the_contract_names_the_addon_uses():
    from returns_lib.customs import soap_client

    for attribute in ("GatewayConfig", "CONTRACT_WSDL", "GatewayError", "backoff_delay", "SoapGatewayClient"):
        assert getattr(soap_client, attribute) is not None
    assert soap_client.GatewayError is gw.GatewayError and issubclass(SoapGatewayClient, gw.GatewayAdapter)


# -- idempotency ---------------------------------------------------------------------------------
def test_duplicate_submission_is_received_once(server):
    gateway = client(server)
    first = gateway.submit("ACCEPT-DUP", PAYLOAD)
    second = gateway.submit("ACCEPT-DUP", PAYLOAD)
    assert (first.value.status, second.value.status) == ("received", "duplicate")
    assert (first.value.conversation_id, first.value.received_at) == (
        second.value.conversation_id, second.value.received_at), "the first acknowledgement, again"
    assert list(server.state.received) == ["ACCEPT-DUP"] and server.state.submissions.count("ACCEPT-DUP") == 2


def test_timeout_then_retry_under_the_same_lrn_registers_once(server):
    """The gateway got the first attempt but the answer never came: the retry is recognised."""
    server.state.scenarios["LRN-T1"] = "HANG"
    server.state.hang_seconds = 0.6
    gateway = client(server, timeout=0.3)
    with pytest.raises(gw.GatewayTimeout):
        gateway.submit("LRN-T1", PAYLOAD)
    server.state.scenarios["LRN-T1"] = "ACCEPT"
    deadline = time.monotonic() + 2
    while "LRN-T1" not in server.state.received and time.monotonic() < deadline:
        time.sleep(0.02)  # the server finishes the first attempt on its side
    assert gateway.submit("LRN-T1", PAYLOAD).value.status == "duplicate"
    assert list(server.state.received) == ["LRN-T1"]


def test_same_lrn_with_another_payload_is_refused(server):
    gateway = client(server)
    gateway.submit("ACCEPT-C1", PAYLOAD)
    with pytest.raises(gw.GatewayFault) as info:
        gateway.submit("ACCEPT-C1", PAYLOAD.replace(b"MetaData", b"MetaData "))
    assert info.value.code.endswith("Client.LrnConflict") and not info.value.retryable
    assert server.state.received["ACCEPT-C1"] == PAYLOAD


# -- failures: typed, archived -------------------------------------------------------------------
def test_client_fault_is_not_retryable(server):
    with pytest.raises(gw.GatewayFault, match="office not competent") as info:
        client(server).submit("FAULT-1", PAYLOAD)
    assert not info.value.retryable and info.value.code.endswith("Client")
    exchange = info.value.exchange
    assert b"FAULT-1" in exchange.request and b"faultstring" in exchange.response and exchange.http_status == 500


def test_the_server_holds_requests_to_the_contract_schema(server):
    with pytest.raises(gw.GatewayFault, match="Invalid request") as info:
        client(server).submit("ACCEPT-" + "9" * 16, PAYLOAD)  # an LRN has at most 22 characters
    assert not info.value.retryable and not server.state.received


def test_server_fault_is_retryable(server):
    with pytest.raises(gw.GatewayFault, match="try again later") as info:
        client(server).submit("SERVERFAULT-1", PAYLOAD)
    assert info.value.retryable and info.value.code.endswith("Server")


def test_http_500_is_retryable(server):
    with pytest.raises(gw.GatewayUnavailable, match="HTTP 500") as info:
        client(server).submit("HTTP500-1", PAYLOAD)
    assert info.value.retryable
    exchange = info.value.exchange
    assert (exchange.http_status, exchange.response) == (500, b"Internal Server Error")
    assert b"HTTP500-1" in exchange.request and exchange.error


def test_an_error_page_that_is_well_formed_xml_is_judged_by_its_http_status(server):
    with pytest.raises(gw.GatewayUnavailable, match="HTTP 503") as info:
        client(server).submit("HTML503-1", PAYLOAD)
    assert info.value.retryable and info.value.exchange.http_status == 503


@pytest.mark.parametrize("connect_timeout", [None, 0.2])
def test_hanging_server_times_out_quickly(server, connect_timeout):
    started = time.monotonic()
    with pytest.raises(gw.GatewayTimeout, match="did not answer within 0.5 s") as info:
        client(server, timeout=0.5, connect_timeout=connect_timeout).submit("HANG-1", PAYLOAD)
    assert time.monotonic() - started < 2
    exchange = info.value.exchange
    assert info.value.retryable and b"HANG-1" in exchange.request
    assert exchange.response == b"" and exchange.http_status is None and "timed out" in exchange.error


def test_malformed_answer(server):
    with pytest.raises(gw.GatewayProtocolError) as info:
        client(server).submit("MALFORMED-1", PAYLOAD)
    assert info.value.retryable
    assert info.value.exchange.response == b"<soap:Envelope><soap:Body><unclosed>", "archived as received"


def test_entity_expansion_in_the_answer_is_refused_not_expanded(server):
    with pytest.raises(gw.GatewayProtocolError, match="DTD or XML entities") as info:
        client(server).submit("BOMB-1", PAYLOAD)
    response = info.value.exchange.response
    assert b"<!ENTITY lol3" in response and b"lollollol" not in response, "archived as received"


def test_entity_expansion_in_a_customs_message_is_refused(server):
    with pytest.raises(gw.GatewayProtocolError, match="cannot be read safely") as info:
        client(server).notifications("BOMBMSG-1")
    assert info.value.exchange.operation == "GetNotifications" and info.value.exchange.response


def test_gateway_down():
    config = gw.GatewayConfig(endpoint=f"http://127.0.0.1:{closed_port()}/customs-gateway", timeout=1.0)
    with pytest.raises(gw.GatewayUnavailable, match="cannot be reached") as info:
        SoapGatewayClient(config).submit("ACCEPT-3", PAYLOAD)
    assert info.value.retryable and b"ACCEPT-3" in info.value.exchange.request


def test_backoff_grows_and_is_capped():
    upper = lambda: 1.0  # noqa: E731 - no jitter: the upper bound
    assert [gw.backoff_delay(n, base=60, rng=upper) for n in (1, 2, 3)] == [60, 120, 240]
    assert gw.backoff_delay(30, base=60, cap=3600, rng=upper) == 3600
    assert gw.backoff_delay(10_000, base=60, cap=3600, rng=upper) == 3600
    assert gw.backoff_delay(1, base=60, rng=lambda: 0.0) == 30


# -- configuration -------------------------------------------------------------------------------
def test_wsdl_file_with_its_own_address_or_a_service_and_port(server, tmp_path):
    """Without an endpoint override, the WSDL's own address (or a named service and port) is used."""
    shutil.copy(gw.CONTRACT_XSD, tmp_path)
    wsdl = tmp_path / gw.CONTRACT_WSDL.name
    wsdl.write_text(gw.CONTRACT_WSDL.read_text().replace(WSDL_ADDRESS, server.url))
    by_address = SoapGatewayClient(gw.GatewayConfig(wsdl=str(wsdl), timeout=2))
    assert by_address.submit("ACCEPT-W1", PAYLOAD).value.status == "received"
    by_port = SoapGatewayClient(
        gw.GatewayConfig(wsdl=str(wsdl), timeout=2, service="CustomsGatewayService", port="CustomsGatewayPort")
    )
    assert by_port.submit("ACCEPT-W1", PAYLOAD).value.status == "duplicate"
    override = SoapGatewayClient(gw.GatewayConfig(
        wsdl=str(wsdl), endpoint=server.url, timeout=2, service="CustomsGatewayService", port="CustomsGatewayPort"))
    assert override.submit("ACCEPT-W1", PAYLOAD).value.status == "duplicate"
    wrong_port = SoapGatewayClient(gw.GatewayConfig(wsdl=str(wsdl), service="CustomsGatewayService", port="Nope"))
    with pytest.raises(gw.GatewayConfigurationError, match="service or port") as info:
        wrong_port.submit("ACCEPT-W1", PAYLOAD)
    assert not info.value.retryable


def test_wsdl_by_url(server):
    gateway = SoapGatewayClient(gw.GatewayConfig(wsdl=server.wsdl_url, timeout=2))
    assert gateway.submit("ACCEPT-U1", PAYLOAD).value.status == "received"


def test_unreachable_wsdl_is_a_retryable_error_of_the_call_not_of_the_client():
    config = gw.GatewayConfig(wsdl=f"http://127.0.0.1:{closed_port()}/customs_gateway.wsdl", timeout=1)
    gateway = SoapGatewayClient(config)  # builds without touching the network
    with pytest.raises(gw.GatewayUnavailable, match="WSDL cannot be loaded") as info:
        gateway.submit("ACCEPT-U2", PAYLOAD)
    assert info.value.retryable and info.value.exchange.operation == "SubmitDeclaration"


def test_production_insists_on_https(server):
    with pytest.raises(gw.GatewayConfigurationError, match="HTTPS") as info:
        client(server, environment="production").submit("ACCEPT-P1", PAYLOAD)
    assert not info.value.retryable
    assert server.state.requests == [], "nothing was sent"
    config = gw.GatewayConfig(endpoint="https://127.0.0.1:1/g", environment="production", verify_tls=False)
    with pytest.raises(gw.GatewayConfigurationError, match="certificate must be checked"):
        SoapGatewayClient(config).submit("ACCEPT-P1", PAYLOAD)


# -- cancellation ----------------------------------------------------------------------------------
def test_cancel(server):
    gateway = client(server)
    gateway.submit("CONTROL-4", PAYLOAD)
    result = gateway.cancel("CONTROL-4", "Goods not shipped")
    assert result.value == "requested" and result.exchange.operation == "CancelDeclaration"
    assert gateway.notifications("CONTROL-4", after_sequence=3).value[-1].kind == "invalidated"
    gateway.submit("ACCEPT-4", PAYLOAD)
    assert gateway.cancel("ACCEPT-4", "Too late").value == "refused", "released goods cannot be cancelled"
    assert gateway.cancel("UNKNOWN-1", "?").value == "refused"


# -- WS-Security -----------------------------------------------------------------------------------
def test_ws_security_username_token_with_digest():
    with GatewayServer(username="declarant", password="s3cret") as secured:
        good = client(secured, username="declarant", password="s3cret")
        result = good.submit("ACCEPT-5", PAYLOAD)
        assert result.value.status == "received"
        assert b"#PasswordDigest" in result.exchange.request and b"s3cret" not in result.exchange.request
        assert good.submit("ACCEPT-5", PAYLOAD).value.status == "duplicate", "a fresh nonce each call"
        with pytest.raises(gw.GatewayAuthenticationError) as info:
            client(secured, username="declarant", password="wrong").submit("ACCEPT-6", PAYLOAD)
        assert not info.value.retryable and "ACCEPT-6" not in secured.state.received
        with pytest.raises(gw.GatewayAuthenticationError, match="required"):
            client(secured).submit("ACCEPT-7", PAYLOAD)


def _key_and_certificate(directory, name):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
                   .not_valid_after(now + dt.timedelta(days=30)).sign(key, hashes.SHA256()))
    key_file, cert_file = directory / f"{name}.key.pem", directory / f"{name}.cert.pem"
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return str(key_file), str(cert_file)


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    directory = tmp_path_factory.mktemp("pki")
    return {name: _key_and_certificate(directory, name) for name in ("declarant", "intruder")}


def test_ws_security_x509_signature_verified_by_the_server(pki):
    pytest.importorskip("signxml", reason="the test server verifies signatures with signxml (requirements-dev)")
    key, cert = pki["declarant"]
    with GatewayServer(certificate=cert) as secured:
        signed = client(secured, key_file=key, certificate_file=cert).submit("ACCEPT-8", PAYLOAD)
        assert signed.value.status == "received"
        assert b"BinarySecurityToken" in signed.exchange.request and b"SignatureValue" in signed.exchange.request
        other_key, other_cert = pki["intruder"]
        with pytest.raises(gw.GatewayAuthenticationError, match="signature not valid"):
            client(secured, key_file=other_key, certificate_file=other_cert).submit("ACCEPT-9", PAYLOAD)
        assert "ACCEPT-9" not in secured.state.received


def test_ws_security_username_token_and_signature_together(pki):
    pytest.importorskip("signxml", reason="the test server verifies signatures with signxml (requirements-dev)")
    key, cert = pki["declarant"]
    with GatewayServer(username="declarant", password="s3cret", certificate=cert) as secured:
        both = client(secured, username="declarant", password="s3cret", key_file=key, certificate_file=cert)
        assert both.submit("ACCEPT-10", PAYLOAD).value.status == "received"
        with pytest.raises(gw.GatewayAuthenticationError):
            client(secured, key_file=key, certificate_file=cert).submit("ACCEPT-11", PAYLOAD)


def _signed_envelope(key, cert):
    from returns_lib.customs.wsse import X509Signature

    envelope = etree.fromstring(
        b'<soap-env:Envelope xmlns:soap-env="http://schemas.xmlsoap.org/soap/envelope/"><soap-env:Body>'
        b'<g:GetNotifications xmlns:g="urn:reverse-logistics:customs-gateway:1"><g:lrn>LRN-1</g:lrn>'
        b"</g:GetNotifications></soap-env:Body></soap-env:Envelope>"
    )
    envelope, _headers = X509Signature(key, cert).apply(envelope, {})
    return etree.tostring(envelope)


def test_a_tampered_signed_body_fails_verification(pki):
    signxml = pytest.importorskip("signxml")
    key, cert = pki["declarant"]
    data = _signed_envelope(key, cert)
    verify = signxml.XMLVerifier().verify
    assert len(verify(data, x509_cert=Path(cert).read_text(), id_attribute="Id", expect_references=2)) == 2
    with pytest.raises(signxml.InvalidSignature):
        verify(data.replace(b"LRN-1", b"LRN-2"), x509_cert=Path(cert).read_text(), id_attribute="Id",
               expect_references=2)


@pytest.mark.skipif(not shutil.which("xmlsec1"), reason="xmlsec1 (Debian package xmlsec1) not installed")
def test_the_signature_verifies_with_xmlsec1(pki, tmp_path):
    """The reference XML-DSig implementation (libxmlsec1, the one python-xmlsec wraps) agrees."""
    key, cert = pki["declarant"]
    signed = tmp_path / "signed.xml"
    signed.write_bytes(_signed_envelope(key, cert))
    command = ["xmlsec1", "--verify", "--pubkey-cert-pem", cert,
               "--id-attr:Id", "http://schemas.xmlsoap.org/soap/envelope/:Body",
               "--id-attr:Id", "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
               ":Timestamp", str(signed)]
    run = subprocess.run(command, capture_output=True, text=True, timeout=30)
    assert run.returncode == 0 and "References (ok/all): 2/2" in run.stderr, run.stderr
    signed.write_bytes(signed.read_bytes().replace(b"LRN-1", b"LRN-2"))
    assert subprocess.run(command, capture_output=True, timeout=30).returncode != 0


def test_a_key_that_is_not_the_certificates_is_a_configuration_error(pki):
    key, _cert = pki["declarant"]
    _other_key, other_cert = pki["intruder"]
    config = gw.GatewayConfig(endpoint="http://127.0.0.1:1/g", key_file=key, certificate_file=other_cert)
    with pytest.raises(gw.GatewayConfigurationError, match="does not belong to the certificate"):
        SoapGatewayClient(config).submit("ACCEPT-12", PAYLOAD)
