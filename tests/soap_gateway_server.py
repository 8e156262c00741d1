"""A real SOAP 1.1 server on 127.0.0.1 implementing the customs gateway contract, for the tests.

It is written by hand on http.server and lxml, independently of the client: it validates every
request body against the contract's XSD, checks WS-Security itself (UsernameToken password digest with
nonce and freshness checks; X.509 signatures through signxml, an XML-DSig implementation of its own),
keeps declarations by LRN (a second submission of an LRN registers nothing and answers the first
acknowledgement) and answers DMS notifications.

Behaviour is chosen by the LRN (or ``state.scenarios[lrn]``), so that one server plays every scenario:
ACCEPT* received, accepted, taxed (customs duty A00 and import VAT B00 on goods item 1, see
``ACCEPT_TAXES``), released, cleared; REJECT* rejected with errors; CONTROL* selected for control; DOCS*
documents required; RAW* the messages in ``state.raw_messages`` passed as customs sent them (with the
structured fields of ``state.raw_fields[i]``, contract XML, added to the i-th);
BOMBMSG* a notification whose customs message declares entities; HANG* answers after
``state.hang_seconds``; HTTP500* a plain HTTP 500; HTML503* an HTML page (well-formed XML) with HTTP 503;
MALFORMED* broken XML; BOMB* an entity expansion; FAULT* a Client fault; SERVERFAULT* a Server fault.
A cancellation is refused for an unknown LRN or released goods; otherwise notification 10 follows.
"""

import base64
import datetime as dt
import hashlib
import threading
import time
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.sax.saxutils import escape

from lxml import etree

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
NS = "urn:reverse-logistics:customs-gateway:1"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
DS = "http://www.w3.org/2000/09/xmldsig#"
CONTRACT = Path(__file__).resolve().parents[1] / "reverse_logistics" / "returns_lib" / "customs" / "wsdl"
WSDL_ADDRESS = "http://localhost:8000/customs-gateway"
SAFE = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
BOMB = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>')


# (type code, amount, currency, goods item) of the ACCEPT scenario's tax notification: 3.1 % duty on a customs
# value of 400.00 EUR, 21 % VAT on value plus duty.
ACCEPT_TAXES = (("A00", "12.40", "EUR", 1), ("B00", "86.60", "EUR", 1))


def tax_xml(type_code, amount, currency=None, item=None):
    """A contract ``tax`` element."""
    return ("<g:tax>" f"<g:typeCode>{type_code}</g:typeCode><g:amount>{amount}</g:amount>"
            + (f"<g:currency>{currency}</g:currency>" if currency else "")
            + (f"<g:item>{item}</g:item>" if item is not None else "") + "</g:tax>")


def envelope(body_xml):
    return (f'<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="{SOAP}" xmlns:g="{NS}">'
            f"<soap:Body>{body_xml}</soap:Body></soap:Envelope>").encode()


def fault(code, message):
    return envelope(f"<soap:Fault><faultcode>soap:{code}</faultcode><faultstring>{escape(message)}</faultstring>"
                    "</soap:Fault>")


def _mrn(lrn):
    return "26ES00500110000" + str(int(hashlib.sha1(lrn.encode()).hexdigest(), 16) % 1000).zfill(3)


class GatewayState:
    def __init__(self, username=None, password=None, certificate=None):
        self.username, self.password = username, password
        self.certificate = Path(certificate).read_text() if certificate else None  # PEM the signer must hold
        self.received = {}  # lrn -> payload, registered once
        self.acks = {}  # lrn -> acknowledgement XML, answered again to duplicates
        self.submissions = []  # every SubmitDeclaration call, duplicates included
        self.cancelled = set()  # every LRN a cancellation was asked for
        self.invalidated = set()  # LRNs customs will invalidate (cancellation requested)
        self.requests = []  # (operation, raw request bytes) of every call
        self.hang_seconds = 5
        self.raw_messages = []  # RES-DMS messages the RAW scenario passes along
        self.raw_fields = {}  # index in raw_messages -> contract XML (mrn, taxAmount, tax...) the gateway adds
        self.scenarios = {}  # lrn -> scenario name (ACCEPT, REJECT, ...), for LRNs the client chooses
        self.seen_nonces = set()
        self.lock = threading.Lock()
        self.schema = etree.XMLSchema(etree.parse(str(CONTRACT / "customs_gateway.xsd")))

    # -- WS-Security ------------------------------------------------------
    def check_security(self, root):
        if not self.username and not self.certificate:
            return None
        security = root.find(f"{{{SOAP}}}Header/{{{WSSE}}}Security")
        if security is None:
            return fault("Client.Authentication", "Authentication required: no WS-Security header")
        if self.username:
            denied = self._check_username_token(security)
            if denied:
                return denied
        if self.certificate:
            return self._check_signature(root, security)
        return None

    def _check_username_token(self, security):
        token = security.find(f"{{{WSSE}}}UsernameToken")
        if token is None:
            return fault("Client.Authentication", "Authentication required: no UsernameToken")
        user = token.findtext(f"{{{WSSE}}}Username")
        password = token.find(f"{{{WSSE}}}Password")
        nonce_text = token.findtext(f"{{{WSSE}}}Nonce") or ""
        nonce = base64.b64decode(nonce_text)
        created_text = token.findtext(f"{{{WSU}}}Created") or ""
        expected = base64.b64encode(hashlib.sha1(nonce + created_text.encode() + self.password.encode()).digest())
        if user != self.username or password is None or not password.get("Type", "").endswith("#PasswordDigest") \
                or (password.text or "").encode() != expected:
            return fault("Client.Authentication", "Authentication failed")
        created = dt.datetime.fromisoformat(created_text.replace("Z", "+00:00"))
        if abs((dt.datetime.now(dt.timezone.utc) - created).total_seconds()) > 300:
            return fault("Client.Authentication", "Authentication failed: stale UsernameToken")
        with self.lock:
            if nonce_text in self.seen_nonces:
                return fault("Client.Authentication", "Authentication failed: nonce replayed")
            self.seen_nonces.add(nonce_text)
        return None

    def _check_signature(self, root, security):
        from signxml import InvalidInput, InvalidSignature, XMLVerifier

        try:
            verified = XMLVerifier().verify(root, x509_cert=self.certificate, id_attribute="Id",
                                            expect_references=2)
        except (InvalidSignature, InvalidInput) as error:
            return fault("Client.Authentication", f"Authentication failed: signature not valid ({error})")
        signed = {etree.QName(result.signed_xml).localname: result.signed_xml for result in verified}
        body = root.find(f"{{{SOAP}}}Body")
        body_id = body.get(f"{{{WSU}}}Id")
        same_id = root.xpath(f"//*[@*[local-name()='Id']='{body_id}']") if body_id else []
        if "Body" not in signed or "Timestamp" not in signed or len(same_id) != 1 \
                or signed["Body"].get(f"{{{WSU}}}Id") != body_id:
            return fault("Client.Authentication", "Authentication failed: the Body and Timestamp must be signed")
        expires = signed["Timestamp"].findtext(f"{{{WSU}}}Expires") or ""
        if dt.datetime.fromisoformat(expires.replace("Z", "+00:00")) < dt.datetime.now(dt.timezone.utc):
            return fault("Client.Authentication", "Authentication failed: message expired")
        return None

    # -- notifications ----------------------------------------------------
    def scenario(self, lrn):
        return self.scenarios.get(lrn, lrn)

    def notifications(self, lrn):
        """[(function code, mrn, extra XML)] customs issued for ``lrn``."""
        scenario, mrn = self.scenario(lrn), _mrn(lrn)
        if scenario.startswith("ACCEPT"):
            total = sum(Decimal(amount) for _type, amount, _currency, _item in ACCEPT_TAXES)
            tax = (f"<g:taxAmount>{total}</g:taxAmount><g:currency>EUR</g:currency>"
                   + "".join(tax_xml(*entry) for entry in ACCEPT_TAXES))
            items = [("02", None, ""), ("01", mrn, ""), ("13", mrn, tax), ("08", mrn, ""), ("09", mrn, "")]
        elif scenario.startswith("REJECT"):
            errors = ("<g:error><g:code>CDS12056</g:code><g:description>Procedure code 6110 needs F01</g:description>"
                      "<g:pointer>42A/67A/68A/1</g:pointer></g:error>"
                      "<g:error><g:code>CDS12119</g:code><g:description>Unknown EORI</g:description>"
                      "<g:pointer>42A/17C</g:pointer></g:error>")
            items = [("02", None, ""), ("03", None, errors)]
        elif scenario.startswith("RAW"):
            items = []
            for index, message in enumerate(self.raw_messages):
                code = etree.fromstring(message, SAFE).findtext(".//FunctionCode")
                fields = self.raw_fields.get(index, "")
                items.append((code, None, f"{fields}<g:message>{base64.b64encode(message).decode()}</g:message>"))
        elif scenario.startswith("BOMBMSG"):
            hostile = (BOMB + "<Response><FunctionCode>01</FunctionCode><Declaration><ID>&lol3;</ID></Declaration>"
                       "</Response>").encode()
            items = [("02", None, ""), ("01", None, f"<g:message>{base64.b64encode(hostile).decode()}</g:message>")]
        elif scenario.startswith("CONTROL"):
            items = [("02", None, ""), ("01", mrn, ""), ("05", mrn, "")]
        elif scenario.startswith("DOCS"):
            items = [("02", None, ""), ("01", mrn, ""), ("06", mrn, "")]
        else:
            items = [("02", None, "")]
        if lrn in self.invalidated:
            items.append(("10", mrn, ""))
        return items


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a client that gave up (timeout test) is not an error of the server


def make_handler(state):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _send(self, status, body, content_type="text/xml; charset=utf-8"):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            name = self.path.rsplit("/", 1)[-1]
            if name not in ("customs_gateway.wsdl", "customs_gateway.xsd"):
                return self._send(404, b"Not found", "text/plain")
            text = (CONTRACT / name).read_text().replace(WSDL_ADDRESS, self.server.url)
            return self._send(200, text.encode())

        def do_POST(self):
            data = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            try:
                root = etree.fromstring(data, SAFE)
            except etree.XMLSyntaxError as error:
                return self._send(500, fault("Client", f"Not XML: {error}"))
            if root.getroottree().docinfo.doctype:
                return self._send(500, fault("Client", "DTD not allowed in SOAP"))
            request = root.find(f"{{{SOAP}}}Body")[0]
            operation = etree.QName(request).localname
            with state.lock:
                state.requests.append((operation, data))
            denied = state.check_security(root)
            if denied:
                return self._send(500, denied)
            if not state.schema.validate(request):
                return self._send(500, fault("Client", f"Invalid request: {state.schema.error_log.last_error}"))
            lrn = request.findtext(f"{{{NS}}}lrn") or ""
            scenario = state.scenario(lrn)
            if scenario.startswith("HANG"):
                time.sleep(state.hang_seconds)
            if scenario.startswith("HTTP500"):
                return self._send(500, b"Internal Server Error", "text/plain")
            if scenario.startswith("HTML503"):
                return self._send(503, b"<html><body>Service Unavailable</body></html>", "text/html")
            if scenario.startswith("MALFORMED"):
                return self._send(200, b"<soap:Envelope><soap:Body><unclosed>")
            if scenario.startswith("BOMB") and not scenario.startswith("BOMBMSG"):
                bomb = BOMB + f'<soap:Envelope xmlns:soap="{SOAP}"><soap:Body><x>&lol3;</x></soap:Body></soap:Envelope>'
                return self._send(200, bomb.encode())
            if scenario.startswith("FAULT"):
                return self._send(500, fault("Client", "Declaration refused: office not competent"))
            if scenario.startswith("SERVERFAULT"):
                return self._send(500, fault("Server", "Customs system unavailable, try again later"))
            handler = getattr(self, f"op_{operation}", None)
            if handler is None:
                return self._send(500, fault("Client", f"Unknown operation {operation}"))
            status, body = handler(request, lrn)
            return self._send(status, body)

        def op_SubmitDeclaration(self, request, lrn):
            payload = base64.b64decode(request.findtext(f"{{{NS}}}payload"))
            if hashlib.sha256(payload).hexdigest() != request.findtext(f"{{{NS}}}payloadSha256"):
                return 500, fault("Client.DigestMismatch", "payloadSha256 is not the SHA-256 of the payload")
            with state.lock:
                state.submissions.append(lrn)
                if lrn in state.received and state.received[lrn] != payload:
                    return 500, fault("Client.LrnConflict", f"LRN {lrn} was received with another payload")
                if lrn not in state.received:
                    state.received[lrn] = payload
                    received_at = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
                    state.acks[lrn] = (received_at, f"conv-{lrn}-{len(state.received)}")
                    status = "received"
                else:
                    status = "duplicate"
                received_at, conversation = state.acks.get(lrn, ("2026-11-25T09:59:00Z", f"conv-{lrn}"))
            return 200, envelope(
                f"<g:SubmitDeclarationResponse><g:lrn>{lrn}</g:lrn><g:status>{status}</g:status>"
                f"<g:receivedAt>{received_at}</g:receivedAt><g:conversationId>{conversation}</g:conversationId>"
                "</g:SubmitDeclarationResponse>"
            )

        def op_GetNotifications(self, request, lrn):
            after = int(request.findtext(f"{{{NS}}}afterSequence") or 0)
            parts = []
            for sequence, (code, mrn, extra) in enumerate(state.notifications(lrn), start=1):
                if sequence <= after:
                    continue
                mrn_xml = f"<g:mrn>{mrn}</g:mrn>" if mrn else ""
                parts.append(f"<g:notification><g:sequence>{sequence}</g:sequence><g:functionCode>{code}</g:functionCode>"
                             f"<g:issuedAt>2026-11-25T10:00:{sequence:02d}Z</g:issuedAt>{mrn_xml}{extra}</g:notification>")
            answer = envelope(f"<g:GetNotificationsResponse>{''.join(parts)}</g:GetNotificationsResponse>")
            # The server holds its own answers to the contract too (a scenario's XML out of order shows here).
            if not state.schema.validate(etree.fromstring(answer, SAFE).find(f"{{{SOAP}}}Body")[0]):
                return 500, fault("Server", f"Test server answer not valid: {state.schema.error_log.last_error}")
            return 200, answer

        def op_CancelDeclaration(self, request, lrn):
            with state.lock:
                state.cancelled.add(lrn)
                released = any(code in ("08", "09") for code, _mrn, _extra in state.notifications(lrn))
                status = "requested" if lrn in state.received and not released else "refused"
                if status == "requested":
                    state.invalidated.add(lrn)
            return 200, envelope(f"<g:CancelDeclarationResponse><g:lrn>{lrn}</g:lrn><g:status>{status}</g:status>"
                                 "</g:CancelDeclarationResponse>")

    return Handler


class GatewayServer:
    """``with GatewayServer() as server:`` serves the contract at ``server.url`` (WSDL at ``server.wsdl_url``)."""

    def __init__(self, username=None, password=None, certificate=None):
        self.state = GatewayState(username, password, certificate)
        self.httpd = _Server(("127.0.0.1", 0), make_handler(self.state))
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/customs-gateway"
        self.httpd.url = self.url
        self.wsdl_url = f"http://127.0.0.1:{self.httpd.server_address[1]}/contract/customs_gateway.wsdl"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
