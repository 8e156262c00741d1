"""The zeep gateway client against a real SOAP server on 127.0.0.1."""

import time

import pytest
from returns_lib.customs import gateway as gw
from soap_gateway_server import GatewayServer

PAYLOAD = (b'<?xml version="1.0" encoding="UTF-8"?>'
           b'<md:MetaData xmlns:md="urn:wco:datamodel:WCO:DocumentMetaData-DMS:2"/>')


@pytest.fixture
def server():
    with GatewayServer() as running:
        yield running


def client(server, **config):
    return gw.SoapGatewayClient(gw.GatewayConfig(endpoint=server.url, timeout=1.0, **config))


def test_submit_then_follow_to_release(server):
    gateway = client(server)
    ack = gateway.submit("ACCEPT-1", PAYLOAD)
    assert (ack.value.lrn, ack.value.status) == ("ACCEPT-1", "received")
    assert server.state.received["ACCEPT-1"] == PAYLOAD
    result = gateway.notifications("ACCEPT-1")
    kinds = [n.kind for n in result.value]
    assert kinds == ["received", "accepted", "tax_calculation", "released", "cleared"]
    assert result.value[1].mrn and result.value[1].mrn.startswith("26ES")
    assert gateway.notifications("ACCEPT-1", after_sequence=3).value[0].kind == "released"


def test_every_exchange_is_archived_with_its_digest(server):
    result = client(server).submit("ACCEPT-2", PAYLOAD)
    exchange = result.exchange
    assert exchange.operation == "SubmitDeclaration" and exchange.http_status == 200
    assert b"ACCEPT-2" in exchange.request and b"SubmitDeclarationResponse" in exchange.response
    import hashlib

    assert exchange.request_sha256 == hashlib.sha256(exchange.request).hexdigest()
    assert exchange.response_sha256 == hashlib.sha256(exchange.response).hexdigest()


def test_rejection_carries_error_codes_and_pointers(server):
    gateway = client(server)
    gateway.submit("REJECT-1", PAYLOAD)
    rejected = gateway.notifications("REJECT-1").value[-1]
    assert rejected.kind == "rejected"
    assert [(e.code, e.pointer) for e in rejected.errors] == [("CDS12056", "42A/67A/68A/1"), ("CDS12119", "42A/17C")]


def test_rejection_read_from_the_customs_message_passed_along(server):
    from pathlib import Path

    sample = Path(__file__).resolve().parents[2] / "shared" / "customs-samples" / "notifications" / "03_DMSREJ.xml"
    if not sample.is_file():
        pytest.skip("../shared/customs-samples is not beside the project")
    server.state.raw_rejection = sample.read_bytes()
    rejected = client(server).notifications("RAWREJECT-1").value[-1]
    assert rejected.kind == "rejected"
    assert [(e.code, e.pointer) for e in rejected.errors] == [("CDS12005", "42A/17C#R144")]
    assert rejected.mrn == "20GB1NA4Y2YSRFGVR6"


def test_control(server):
    gateway = client(server)
    gateway.submit("CONTROL-1", PAYLOAD)
    assert gateway.notifications("CONTROL-1").value[-1].kind == "control"


def test_duplicate_submission_is_received_once(server):
    gateway = client(server)
    first = gateway.submit("ACCEPT-DUP", PAYLOAD)
    second = gateway.submit("ACCEPT-DUP", PAYLOAD)
    assert (first.value.status, second.value.status) == ("received", "duplicate")
    assert first.value.conversation_id == second.value.conversation_id
    assert list(server.state.received) == ["ACCEPT-DUP"] and server.state.submissions.count("ACCEPT-DUP") == 2


def test_soap_fault_is_not_retryable(server):
    with pytest.raises(gw.GatewayFault, match="office not competent") as info:
        client(server).submit("FAULT-1", PAYLOAD)
    assert not info.value.retryable
    assert b"FAULT-1" in info.value.exchange.request and b"Fault" in info.value.exchange.response


def test_http_500_is_retryable(server):
    with pytest.raises(gw.GatewayUnavailable, match="HTTP 500") as info:
        client(server).submit("HTTP500-1", PAYLOAD)
    assert info.value.retryable


def test_hanging_server_times_out_quickly(server):
    started = time.monotonic()
    with pytest.raises(gw.GatewayTimeout, match="did not answer") as info:
        client(server).submit("HANG-1", PAYLOAD)
    assert time.monotonic() - started < 3
    assert info.value.retryable and b"HANG-1" in info.value.exchange.request


def test_malformed_answer(server):
    with pytest.raises(gw.GatewayProtocolError):
        client(server).submit("MALFORMED-1", PAYLOAD)


def test_entity_expansion_is_refused_not_expanded(server):
    with pytest.raises(gw.GatewayProtocolError) as info:
        client(server).submit("BOMB-1", PAYLOAD)
    assert b"lol3" in info.value.exchange.response, "the hostile answer is archived as received"


def test_gateway_down():
    config = gw.GatewayConfig(endpoint="http://127.0.0.1:9/customs-gateway", timeout=1.0)
    with pytest.raises(gw.GatewayUnavailable, match="cannot be reached"):
        gw.SoapGatewayClient(config).submit("ACCEPT-3", PAYLOAD)


def test_wsdl_address_or_service_and_port(server, tmp_path):
    """Without an endpoint override, the WSDL's own address (or a named service and port) is used."""
    wsdl = tmp_path / "gateway.wsdl"
    wsdl.write_text(gw.CONTRACT_WSDL.read_text().replace("http://localhost:8000/customs-gateway", server.url))
    by_address = gw.SoapGatewayClient(gw.GatewayConfig(wsdl=str(wsdl), timeout=2))
    assert by_address.submit("ACCEPT-W1", PAYLOAD).value.status == "received"
    by_port = gw.SoapGatewayClient(
        gw.GatewayConfig(wsdl=str(wsdl), timeout=2, service="CustomsGatewayService", port="CustomsGatewayPort")
    )
    assert by_port.submit("ACCEPT-W1", PAYLOAD).value.status == "duplicate"


def test_cancel(server):
    gateway = client(server)
    gateway.submit("ACCEPT-4", PAYLOAD)
    assert gateway.cancel("ACCEPT-4", "Goods not shipped").value == "requested"
    assert gateway.cancel("UNKNOWN-1", "?").value == "refused"


def test_ws_security_username_token_with_digest():
    with GatewayServer(username="declarant", password="s3cret") as secured:
        good = gw.SoapGatewayClient(gw.GatewayConfig(endpoint=secured.url, timeout=2, username="declarant",
                                                     password="s3cret"))
        assert good.submit("ACCEPT-5", PAYLOAD).value.status == "received"
        assert b"PasswordDigest" in good.submit("ACCEPT-5", PAYLOAD).exchange.request
        bad = gw.SoapGatewayClient(gw.GatewayConfig(endpoint=secured.url, timeout=2, username="declarant",
                                                    password="wrong"))
        with pytest.raises(gw.GatewayAuthenticationError):
            bad.submit("ACCEPT-6", PAYLOAD)


def test_backoff_grows_and_is_capped():
    fixed = lambda: 1.0  # noqa: E731 - no jitter: the upper bound
    assert [gw.backoff_delay(n, base=60, rng=fixed) for n in (1, 2, 3)] == [60, 120, 240]
    assert gw.backoff_delay(30, base=60, cap=3600, rng=fixed) == 3600
    assert 30 <= gw.backoff_delay(1, base=60, rng=lambda: 0.0) <= 60
