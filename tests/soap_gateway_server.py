"""A real SOAP server on 127.0.0.1 implementing the customs gateway contract, for the tests.

Behaviour is chosen by the LRN, so that one server plays every scenario:
ACCEPT* accepted then released, REJECT* rejected with errors, CONTROL* selected for control,
HANG* never answers in time, HTTP500* answers a plain HTTP 500, MALFORMED* answers broken XML,
BOMB* answers with an entity expansion, FAULT* answers a SOAP fault.
"""

import base64
import hashlib
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from lxml import etree

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
NS = "urn:reverse-logistics:customs-gateway:1"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
SAFE = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def envelope(body_xml):
    return (f'<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="{SOAP}" xmlns:g="{NS}">'
            f"<soap:Body>{body_xml}</soap:Body></soap:Envelope>").encode()


def fault(code, message):
    return envelope(f"<soap:Fault><faultcode>soap:{code}</faultcode><faultstring>{message}</faultstring></soap:Fault>")


class GatewayState:
    def __init__(self, username=None, password=None):
        self.username, self.password = username, password
        self.received = {}  # lrn -> (ack xml, payload)
        self.submissions = []  # every SubmitDeclaration call, duplicates included
        self.cancelled = set()
        self.hang_seconds = 5
        self.raw_rejection = b""
        self.scenarios = {}  # lrn -> scenario name (ACCEPT, REJECT, ...), for LRNs the client chooses
        self.lock = threading.Lock()

    def check_security(self, root):
        if not self.username:
            return None
        token = root.find(f".//{{{WSSE}}}UsernameToken")
        if token is None:
            return fault("Client", "Authentication required")
        user = token.findtext(f"{{{WSSE}}}Username")
        password = token.find(f"{{{WSSE}}}Password")
        nonce = base64.b64decode(token.findtext(f"{{{WSSE}}}Nonce") or "")
        created = (token.findtext(f"{{{WSU}}}Created") or "").encode()
        expected = base64.b64encode(hashlib.sha1(nonce + created + self.password.encode()).digest()).decode()
        if user != self.username or password is None or "PasswordDigest" not in password.get("Type", "") \
                or password.text != expected:
            return fault("Client", "Authentication failed")
        return None

    def scenario(self, lrn):
        return self.scenarios.get(lrn, lrn)

    def notifications(self, lrn):
        now = "2026-11-25T10:00:00Z"
        mrn_source = lrn
        lrn = self.scenario(lrn)
        mrn = "26ES00500110000" + str(int(hashlib.sha1(mrn_source.encode()).hexdigest(), 16) % 1000).zfill(3)
        if lrn.startswith("ACCEPT"):
            tax = "<g:taxAmount>0</g:taxAmount><g:currency>EUR</g:currency>"
            return [("02", None, ""), ("01", mrn, ""), ("13", mrn, tax), ("08", mrn, ""), ("09", mrn, "")], now
        if lrn.startswith("REJECT"):
            errors = ("<g:error><g:code>CDS12056</g:code><g:description>Procedure code 6110 needs F01</g:description>"
                      "<g:pointer>42A/67A/68A/1</g:pointer></g:error>"
                      "<g:error><g:code>CDS12119</g:code><g:description>Unknown EORI</g:description>"
                      "<g:pointer>42A/17C</g:pointer></g:error>")
            return [("02", None, ""), ("03", None, errors)], now
        if lrn.startswith("RAWREJECT"):
            raw = base64.b64encode(self.raw_rejection).decode()
            return [("02", None, ""), ("03", None, f"<g:message>{raw}</g:message>")], now
        if lrn.startswith("CONTROL"):
            return [("02", None, ""), ("01", mrn, ""), ("05", mrn, "")], now
        return [("02", None, "")], now


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

        def do_POST(self):
            data = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            root = etree.fromstring(data, SAFE)
            denied = state.check_security(root)
            if denied:
                return self._send(500, denied)
            request = root.find(f"{{{SOAP}}}Body")[0]
            operation = etree.QName(request).localname
            lrn = request.findtext(f"{{{NS}}}lrn") or ""
            scenario = state.scenario(lrn)
            if scenario.startswith("HANG"):
                time.sleep(state.hang_seconds)
            if scenario.startswith("HTTP500"):
                return self._send(500, b"Internal Server Error", "text/plain")
            if scenario.startswith("MALFORMED"):
                return self._send(200, b"<soap:Envelope><soap:Body><unclosed>")
            if scenario.startswith("BOMB"):
                bomb = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
                        '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
                        f'<soap:Envelope xmlns:soap="{SOAP}"><soap:Body><x>&lol3;</x></soap:Body></soap:Envelope>')
                return self._send(200, bomb.encode())
            if scenario.startswith("FAULT"):
                return self._send(500, fault("Client", "Declaration refused: office not competent"))
            handler = getattr(self, f"op_{operation}", None)
            if handler is None:
                return self._send(500, fault("Client", f"Unknown operation {operation}"))
            return self._send(200, handler(request, lrn))

        def op_SubmitDeclaration(self, request, lrn):
            payload = base64.b64decode(request.findtext(f"{{{NS}}}payload"))
            claimed = request.findtext(f"{{{NS}}}payloadSha256")
            if hashlib.sha256(payload).hexdigest() != claimed:
                return fault("Client", "Payload digest mismatch")
            with state.lock:
                state.submissions.append(lrn)
                status = "duplicate" if lrn in state.received else "received"
                if status == "received":
                    state.received[lrn] = payload
            return envelope(
                f"<g:SubmitDeclarationResponse><g:lrn>{lrn}</g:lrn><g:status>{status}</g:status>"
                f"<g:receivedAt>2026-11-25T09:59:00Z</g:receivedAt><g:conversationId>conv-{lrn}</g:conversationId>"
                "</g:SubmitDeclarationResponse>"
            )

        def op_GetNotifications(self, request, lrn):
            after = int(request.findtext(f"{{{NS}}}afterSequence") or 0)
            items, now = state.notifications(lrn)
            parts = []
            for sequence, (code, mrn, extra) in enumerate(items, start=1):
                if sequence <= after:
                    continue
                mrn_xml = f"<g:mrn>{mrn}</g:mrn>" if mrn else ""
                parts.append(f"<g:notification><g:sequence>{sequence}</g:sequence><g:functionCode>{code}</g:functionCode>"
                             f"<g:issuedAt>{now}</g:issuedAt>{mrn_xml}{extra}</g:notification>")
            return envelope(f"<g:GetNotificationsResponse>{''.join(parts)}</g:GetNotificationsResponse>")

        def op_CancelDeclaration(self, request, lrn):
            status = "requested" if lrn in state.received else "refused"
            state.cancelled.add(lrn)
            return envelope(f"<g:CancelDeclarationResponse><g:lrn>{lrn}</g:lrn><g:status>{status}</g:status>"
                            "</g:CancelDeclarationResponse>")

    return Handler


class GatewayServer:
    def __init__(self, username=None, password=None):
        self.state = GatewayState(username, password)
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(self.state))
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/customs-gateway"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
