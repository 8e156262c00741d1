"""Live EORI validation client against a real SOAP server on 127.0.0.1."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from lxml import etree
from returns_lib.customs.eori_service import EoriServiceUnavailable, EoriValidationClient

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
NS = "http://eori.ws.eos.dds.s/"
KNOWN = {"ESB12345674": "Circular Returns Iberia SL", "GB553202734852": "Thames Home Ltd"}


class EoriHandler(BaseHTTPRequestHandler):
    calls = []

    def log_message(self, *args):
        pass

    def do_POST(self):
        data = self.rfile.read(int(self.headers["Content-Length"]))
        root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
        numbers = [el.text for el in root.iter("eori")]
        type(self).calls.append(numbers)
        if len(numbers) > 10:
            body = '<soap:Fault><faultcode>soap:Client</faultcode><faultstring>Max 10</faultstring></soap:Fault>'
        else:
            results = "".join(
                f"<result><eori>{n}</eori><status>{0 if n in KNOWN else 1}</status>"
                f"<statusDescr>{'Valid' if n in KNOWN else 'Not valid'}</statusDescr>"
                + (f"<name>{KNOWN[n]}</name><city>Zaragoza</city><country>ES</country>" if n in KNOWN else "")
                + "</result>"
                for n in numbers
            )
            body = (f'<ns2:validateEORIResponse xmlns:ns2="{NS}"><return><requestDate>25/11/2026</requestDate>'
                    f"{results}</return></ns2:validateEORIResponse>")
        payload = f'<soap:Envelope xmlns:soap="{SOAP}"><soap:Body>{body}</soap:Body></soap:Envelope>'.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


@pytest.fixture
def eori_server():
    EoriHandler.calls = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), EoriHandler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/validation"
    httpd.shutdown()
    httpd.server_close()


def test_twelve_numbers_take_two_calls_then_come_from_the_cache(eori_server):
    clock = [0.0]
    client = EoriValidationClient(eori_server, timeout=2, cache_ttl=3600, clock=lambda: clock[0])
    numbers = ["ESB12345674", "GB553202734852"] + [f"DE{n:013d}" for n in range(10)]
    results = client.validate(numbers)
    assert [len(call) for call in EoriHandler.calls] == [10, 2]
    assert results["ESB12345674"].valid and results["ESB12345674"].name == "Circular Returns Iberia SL"
    assert "Zaragoza" in results["ESB12345674"].address
    assert not results["DE0000000000003"].valid
    client.validate(["ESB12345674", "gb 553202734852"])
    assert len(EoriHandler.calls) == 2, "answered from the cache"
    clock[0] = 7200
    client.validate(["ESB12345674"])
    assert len(EoriHandler.calls) == 3, "the cache expires"


def test_service_down_gives_a_message_a_user_understands():
    client = EoriValidationClient("http://127.0.0.1:9/validation", timeout=1)
    with pytest.raises(EoriServiceUnavailable, match="checked offline only"):
        client.validate(["ESB12345674"])
