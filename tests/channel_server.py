"""A marketplace's offer API on 127.0.0.1, for the channel client's tests: real HTTP, JSON, its own rules.

``POST /offers/batch`` with ``Authorization: Bearer good-token`` takes at most ``state.max_batch`` offers and
answers per SKU: a price that is not a positive amount or a negative quantity is rejected with a reason.
``state.script`` is a list of what the next calls get instead of a normal answer, consumed one per call:
``"429"`` (rate limited, ``Retry-After: 0``), ``"500"``, ``"hang"`` (answers after ``state.hang_seconds``),
``"garbage"`` (200 with a body that is not JSON). Every request body received is kept in ``state.received``.
"""

import json
import threading
import time
from decimal import Decimal, InvalidOperation
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class ChannelState:
    def __init__(self):
        self.script = []
        self.received = []
        self.max_batch = 25
        self.hang_seconds = 2.0
        self.lock = threading.Lock()


def _offer_problem(offer):
    if "price" in offer:
        try:
            if Decimal(offer["price"]) <= 0:
                return "price must be positive"
        except (InvalidOperation, TypeError):
            return "price is not a number"
    if "quantity" in offer and (not isinstance(offer["quantity"], int) or offer["quantity"] < 0):
        return "quantity must be a whole number, not negative"
    return None


def handler_for(state):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_args):
            pass

        def _send(self, status, body, headers=()):
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            with state.lock:
                state.received.append(raw)
                step = state.script.pop(0) if state.script else None
            if self.path != "/offers/batch":
                return self._send(404, {"error": "no such endpoint"})
            if self.headers.get("Authorization") != "Bearer good-token":
                return self._send(401, {"error": "invalid token"})
            if step == "429":
                return self._send(429, {"error": "slow down"}, [("Retry-After", "0")])
            if step == "500":
                return self._send(500, {"error": "internal"})
            if step == "hang":
                time.sleep(state.hang_seconds)
            if step == "garbage":
                return self._send(200, b"<html>maintenance</html>")
            try:
                offers = json.loads(raw)["offers"]
            except (ValueError, KeyError, TypeError):
                return self._send(400, {"error": "body is not an offers batch"})
            if len(offers) > state.max_batch:
                return self._send(400, {"error": f"at most {state.max_batch} offers per call"})
            results = []
            for offer in offers:
                problem = _offer_problem(offer)
                results.append({"sku": offer.get("sku"), "status": "rejected" if problem else "accepted",
                                **({"reason": problem} if problem else {})})
            return self._send(200, {"results": results})

    return Handler


class ChannelServer:
    def __init__(self):
        self.state = ChannelState()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(self.state))
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *_exc):
        self.httpd.shutdown()
        self.httpd.server_close()
