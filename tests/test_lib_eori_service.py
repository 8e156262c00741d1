"""Live EORI validation client against a real SOAP server on 127.0.0.1 playing the EU EORI service.

The server answers the way the EU's JAX-WS service does: it reads only namespace-qualified ``eori``
elements of ``validateEORI`` (``http://eori.ws.eos.dds.s/``), refuses more than 10 per call, and
answers unqualified ``return/result`` elements with status 0 (valid) or 1 (not valid).
"""

import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "reverse_logistics") not in sys.path:
    sys.path.insert(0, str(ROOT / "reverse_logistics"))

from lxml import etree  # noqa: E402
from returns_lib.customs import eori_service  # noqa: E402
from returns_lib.customs.eori_service import (  # noqa: E402
    EORI_ENDPOINT,
    EORI_WSDL,
    EoriCache,
    EoriServiceUnavailable,
    EoriValidationClient,
)

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
NS = "http://eori.ws.eos.dds.s/"
KNOWN = {"ESB12345674": ("Circular Returns Iberia SL", "Calle Mayor 1", "50001", "Zaragoza", "ES"),
         "GB553202734852": ("Thames Home Ltd", "", "", "", "")}


class EoriService:
    """The fake service's behaviour and what it saw."""

    def __init__(self):
        self.calls = []  # the numbers of each call
        self.mode = "ok"  # ok | 503 | hang | fault | partial
        self.error_reason = ""  # errorReason of "not valid" results, when set


LEAN_OMITS = ("errorReason", "errorDescription", "address", "street", "postalCode", "city", "country")


def lean_wsdl(text):
    """The service's WSDL without the optional answer fields ``LEAN_OMITS`` (the server may still send them:
    the answer types end with xs:any)."""
    root = etree.fromstring(text.encode())
    for name in LEAN_OMITS:
        for element in root.iter("{http://www.w3.org/2001/XMLSchema}element"):
            if element.get("name") == name:
                element.getparent().remove(element)
                break
    return etree.tostring(root, encoding="unicode")


def make_handler(service):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _send(self, status, payload, content_type="text/xml; charset=utf-8"):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def do_GET(self):  # ?wsdl: the WSDL of the service, with this server's address
            if not self.path.endswith("?wsdl"):
                return self._send(404, b"", "text/plain")
            text = EORI_WSDL.read_text().replace(EORI_ENDPOINT, self.server.url)
            if self.path.startswith("/lean/"):  # a WSDL whose answer types lack the optional fields
                text = lean_wsdl(text)
            return self._send(200, text.encode())

        def do_POST(self):
            data = self.rfile.read(int(self.headers["Content-Length"]))
            root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
            request = root.find(f"{{{SOAP}}}Body/{{{NS}}}validateEORI")
            numbers = [el.text for el in request.findall(f"{{{NS}}}eori")]  # unqualified ones are not read
            service.calls.append(numbers)
            if service.mode == "503":
                return self._send(503, b"<html>Service Unavailable</html>", "text/html")
            if service.mode == "hang":
                time.sleep(1.5)
            if service.mode == "fault" or len(numbers) > 10:
                body = ("<S:Fault><faultcode>S:Server</faultcode>"
                        "<faultstring>Number of EORI numbers exceeds the maximum allowed</faultstring></S:Fault>")
            else:
                answered = numbers[:-1] if service.mode == "partial" else numbers
                results = "".join(self._result(n) for n in answered)
                body = (f'<ns2:validateEORIResponse xmlns:ns2="{NS}"><return><requestDate>25/11/2026</requestDate>'
                        f"{results}</return></ns2:validateEORIResponse>")
            payload = f'<S:Envelope xmlns:S="{SOAP}"><S:Body>{body}</S:Body></S:Envelope>'.encode()
            return self._send(500 if "Fault" in body else 200, payload)

        @staticmethod
        def _result(number):
            if number not in KNOWN:
                return (f"<result><eori>{number}</eori><status>1</status><statusDescr>Not valid</statusDescr>"
                        + (f"<errorReason>{service.error_reason}</errorReason>" if service.error_reason else "")
                        + "</result>")
            name, street, postal_code, city, country = KNOWN[number]
            published = f"<name>{name}</name>" + "".join(
                f"<{tag}>{value}</{tag}>" for tag, value in
                (("street", street), ("postalCode", postal_code), ("city", city), ("country", country)) if value
            )
            valid = f"<eori>{number}</eori><status>0</status><statusDescr>Valid</statusDescr>"
            return f"<result>{valid}{published}</result>"

    return Handler


@pytest.fixture
def eori_server():
    service = EoriService()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(service))
    httpd.daemon_threads = True
    httpd.handle_error = lambda request, address: None  # a client that gave up is not a server error
    httpd.url = service.url = f"http://127.0.0.1:{httpd.server_address[1]}/validation"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield service
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(autouse=True)
def empty_default_cache():
    eori_service.DEFAULT_CACHE.clear()
    yield
    eori_service.DEFAULT_CACHE.clear()


NUMBERS = ["ESB12345674", "GB553202734852"] + [f"DE{n:013d}" for n in range(10)]


def test_twelve_numbers_take_two_calls_then_come_from_the_cache(eori_server):
    clock = [0.0]
    cache = EoriCache(ttl=3600, clock=lambda: clock[0])
    client = EoriValidationClient(eori_server.url, timeout=2, cache=cache)
    results = client.validate(NUMBERS)
    assert [len(call) for call in eori_server.calls] == [10, 2]
    assert sorted(results) == sorted(NUMBERS)
    iberia = results["ESB12345674"]
    assert (iberia.valid, iberia.status, iberia.name) == (True, 0, "Circular Returns Iberia SL")
    assert iberia.address == "Calle Mayor 1, 50001 Zaragoza, ES" and iberia.request_date == "25/11/2026"
    assert results["GB553202734852"].valid and results["GB553202734852"].address == ""
    unknown = results["DE0000000000003"]
    assert (unknown.valid, unknown.status, unknown.status_text) == (False, 1, "Not valid")

    again = client.validate(["ESB12345674", "gb 553202734852"])
    assert len(eori_server.calls) == 2, "answered from the cache: no third call"
    assert again["GB553202734852"] == results["GB553202734852"]

    clock[0] = 7200
    client.validate(["ESB12345674"])
    assert eori_server.calls[2:] == [["ESB12345674"]], "the cache expires"


def test_clients_share_the_process_cache(eori_server):
    EoriValidationClient(eori_server.url, timeout=2).validate(["ESB12345674"])
    assert EoriValidationClient(eori_server.url, timeout=2).validate(["ESB12345674"])["ESB12345674"].valid
    assert len(eori_server.calls) == 1


def test_the_wsdl_of_the_service_can_be_given_instead_of_its_address(eori_server):
    client = EoriValidationClient(eori_server.url + "?wsdl", timeout=2)
    assert client.validate(["ESB12345674"])["ESB12345674"].valid
    assert eori_server.calls == [["ESB12345674"]], "the numbers went qualified, as the service reads them"


def test_service_down_gives_a_message_a_user_understands():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = EoriValidationClient(f"http://127.0.0.1:{port}/validation", timeout=1)
    with pytest.raises(EoriServiceUnavailable, match="cannot be reached") as info:
        client.validate(["ESB12345674"])
    assert "checked offline only" in str(info.value) and "Try the live check again later" in str(info.value)


@pytest.mark.parametrize("mode, message", [
    ("503", "answered HTTP 503"),
    ("fault", "answered with an error: Number of EORI numbers exceeds"),
    ("partial", "no answer for GB553202734852"),
])
def test_service_errors_are_reported_and_not_cached(eori_server, mode, message):
    eori_server.mode = mode
    client = EoriValidationClient(eori_server.url, timeout=2)
    with pytest.raises(EoriServiceUnavailable, match=message):
        client.validate(["ESB12345674", "GB553202734852"])
    eori_server.mode = "ok"
    assert client.validate(["ESB12345674", "GB553202734852"])["GB553202734852"].valid
    assert len(eori_server.calls) == 2, "nothing of the failed call was kept"


def test_a_hanging_service_times_out_quickly(eori_server):
    eori_server.mode = "hang"
    started = time.monotonic()
    with pytest.raises(EoriServiceUnavailable, match="no answer within 0.3 s"):
        EoriValidationClient(eori_server.url, timeout=0.3).validate(["ESB12345674"])
    assert time.monotonic() - started < 1.5


def test_a_wsdl_without_the_optional_answer_fields_is_read(eori_server):
    """The service's ``?wsdl`` may describe an answer without errorReason (or address...): no AttributeError."""
    eori_server.error_reason = "Not registered"
    client = EoriValidationClient(eori_server.url.replace("/validation", "/lean/validation") + "?wsdl", timeout=2)
    results = client.validate(["ESB12345674", "DE0000000000003"])
    iberia, unknown = results["ESB12345674"], results["DE0000000000003"]
    assert (iberia.valid, iberia.name, iberia.request_date) == (True, "Circular Returns Iberia SL", "25/11/2026")
    assert iberia.address == "", "street, city... are not in this WSDL's answer type"
    assert (unknown.valid, unknown.status, unknown.status_text) == (False, 1, "Not valid")


def test_the_error_reason_is_shown_when_the_answer_type_has_it(eori_server):
    eori_server.error_reason = "Not registered"
    unknown = EoriValidationClient(eori_server.url, timeout=2).validate(["DE0000000000003"])["DE0000000000003"]
    assert unknown.status_text == "Not valid (Not registered)"


def test_lean_wsdl_lacks_the_optional_fields():
    lean = lean_wsdl(EORI_WSDL.read_text())
    assert all(f'name="{name}"' not in lean for name in LEAN_OMITS) and 'name="statusDescr"' in lean


# -- cache -------------------------------------------------------------------------------------------------
def test_not_valid_answers_are_kept_shorter_than_valid_ones(eori_server):
    clock = [0.0]
    cache = EoriCache(clock=lambda: clock[0])
    assert (cache.ttl, cache.invalid_ttl) == (eori_service.DEFAULT_TTL, eori_service.DEFAULT_INVALID_TTL)
    assert (eori_service.DEFAULT_TTL, eori_service.DEFAULT_INVALID_TTL) == (24 * 3600, 600)
    client = EoriValidationClient(eori_server.url, timeout=2, cache=cache)
    client.validate(["ESB12345674", "DE0000000000003"])
    clock[0] = 599
    client.validate(["ESB12345674", "DE0000000000003"])
    assert len(eori_server.calls) == 1, "both answers still cached"
    clock[0] = 601
    assert not client.validate(["ESB12345674", "DE0000000000003"])["DE0000000000003"].valid
    assert eori_server.calls[1:] == [["DE0000000000003"]], "only the not-valid answer expired"
    clock[0] = 24 * 3600 + 1
    client.validate(["ESB12345674"])
    assert eori_server.calls[2:] == [["ESB12345674"]], "the valid one after a day"


def test_a_not_valid_answer_does_not_keep_blocking_while_the_service_is_down(eori_server):
    clock = [0.0]
    client = EoriValidationClient(eori_server.url, timeout=2, cache=EoriCache(clock=lambda: clock[0]))
    assert not client.validate(["DE0000000000003"])["DE0000000000003"].valid
    eori_server.mode = "503"
    clock[0] = 11 * 60
    with pytest.raises(EoriServiceUnavailable, match="HTTP 503"):
        client.validate(["DE0000000000003"])  # the caller falls back on the offline check, not a stale refusal


def test_cache_lifetimes_are_configurable():
    clock = [0.0]
    cache = EoriCache(ttl=100, invalid_ttl=10, clock=lambda: clock[0])
    valid = eori_service.EoriResult("ESB12345674", True)
    not_valid = eori_service.EoriResult("DE0000000000003", False, status=1)
    cache.put("v", valid)
    cache.put("n", not_valid)
    clock[0] = 10
    assert (cache.get("v"), cache.get("n")) == (valid, None)
    clock[0] = 100
    assert cache.get("v") is None and len(cache) == 0
    short = EoriCache(ttl=5, invalid_ttl=600, clock=lambda: clock[0])
    assert (short.ttl_for(valid), short.ttl_for(not_valid)) == (5, 5), "a refusal is never kept longer"
