import contextlib
import json
import threading
import time
import xmlrpc.client
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import HttpCase, new_test_user, tagged

from ..returns_lib import tracking as tracking_lib
from .common import ReturnsCase

SECRET = "carrier-secret-for-tests"


class FakeCarrierApi(BaseHTTPRequestHandler):
    """A carrier tracking API on 127.0.0.1: /ok/<ref>, /slow/<ref>, /error/<ref>, /garbage/<ref>, /deep/<ref>,
    /future/<ref>."""

    hits = []
    slow_seconds = 11  # Odoo's test mode stretches request timeouts to 10 s

    def do_GET(self):
        kind, _slash, ref = self.path.strip("/").partition("/")
        self.hits.append(self.path)
        if kind == "slow":
            time.sleep(self.slow_seconds)
        if kind == "error":
            self._send(500, b"Internal Server Error", "text/plain")
            return
        if kind == "garbage":
            self._send(200, b"<html>maintenance</html>", "text/html")
            return
        if kind == "deep":
            self._send(200, b"[" * 100_000 + b"]" * 100_000, "application/json")
            return
        if kind == "future":
            # A carrier's placeholder date: it would sit on top of the timeline for ever.
            event = {"event_id": f"{ref}-9", "tracking_ref": ref, "status": "DELIVERED", "time": "2099-01-01T00:00:00Z"}
            self._send(200, json.dumps({"events": [event]}).encode(), "application/json")
            return
        events = [
            {"event_id": f"{ref}-1", "tracking_ref": ref, "status": "PICKED_UP", "time": "2026-11-20T08:00:00Z",
             "place": "Lyon"},
            {"event_id": f"{ref}-2", "tracking_ref": ref, "status": "ARRIVED_AT_HUB",
             "time": "2026-11-21T18:30:00+01:00", "place": "Zaragoza hub", "description": "Sorted"},
            {"event_id": "someone-else", "tracking_ref": "NOT-OURS", "status": "DELIVERED"},
        ]
        self._send(200, json.dumps({"events": events}).encode(), "application/json")

    def _send(self, status, body, content_type):
        # The client may have given up waiting (that is the point of the slow answer).
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    def log_message(self, *args):
        pass


class TrackingCase(ReturnsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.carrier = cls.env["delivery.carrier"].create({
            "name": "Test Parcel Service",
            "product_id": cls.env["product.product"].create({"name": "Return shipping", "type": "service"}).id,
            "return_webhook_secret": SECRET,
        })
        order = cls.sale_order = cls._deliver_sale(cls.customer, [(cls.product, 5)])
        # Returns already in the database (demo data) are not these tests' business: not their turn.
        Return = cls.env["return.order"]
        Return.search(Return._get_poll_domain()).write({"tracking_next_poll": "2099-01-01 00:00:00"})
        cls.returns = cls.env["return.order"]
        for ref in ("TRK-1", "TRK-2", "TRK-3"):
            ret = cls._return_from_sale(order, [(cls.product, 1, {})])
            ret.write({"carrier_id": cls.carrier.id, "carrier_tracking_ref": ref})
            ret.action_submit()
            ret.action_approve()
            cls.returns |= ret

    def _carrier_events(self, ret=None):
        domain = [("source", "=", "carrier")] + ([("order_id", "=", ret.id)] if ret else [])
        return self.env["return.event"].search(domain)


@tagged("post_install", "-at_install")
class TestCarrierTracking(HttpCase, TrackingCase):
    """Carrier events in (signed webhook, over real HTTP to Odoo) and out (the scheduled job polling
    a real HTTP server on 127.0.0.1), whatever the other side sends or answers."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = ThreadingHTTPServer(("127.0.0.1", 0), FakeCarrierApi)
        cls.server.daemon_threads = True
        threading.Thread(target=cls.server.serve_forever, daemon=True).start()
        cls.addClassCleanup(cls.server.server_close)
        cls.addClassCleanup(cls.server.shutdown)
        cls.api_url = f"http://127.0.0.1:{cls.server.server_address[1]}"

    def setUp(self):
        super().setUp()
        FakeCarrierApi.hits = []
        self.rows_before = self._event_rows()

    # ------------------------------------------------------------------
    # Webhook
    # ------------------------------------------------------------------
    def _post(self, payload, secret=SECRET, signature=None, carrier=None, content_type="application/json",
              chunked=False):
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        headers = {"Content-Type": content_type} if content_type else {}
        if signature is not False:
            headers["X-Signature"] = signature or tracking_lib.sign(secret, body)
        carrier_id = carrier if isinstance(carrier, int) else (carrier or self.carrier).id
        # A generator is sent chunked, without Content-Length. Not url_open: it GETs an empty body.
        data = iter([body]) if chunked else body
        url = f"{self.base_url()}/reverse_logistics/carrier/{carrier_id}/events"
        return self.opener.post(url, data=data, headers=headers, timeout=12)

    def _assert_json_refusal(self, response, status, label):
        self.assertEqual(response.status_code, status, f"{label}: {response.text[:300]}")
        self.assertEqual(response.headers.get("Content-Type", "").split(";")[0], "application/json", label)
        self.assertTrue(response.json().get("error"), f"{label}: the answer says what is wrong")

    def _event(self, event_id="EV-1", ref="TRK-1", status="PICKED_UP", **extra):
        return {"event_id": event_id, "tracking_ref": ref, "status": status, "time": "2026-11-20T09:15:00+01:00",
                "place": "Lyon", **extra}

    def _event_count(self):
        """Event rows written since the test began, whatever wrote them."""
        return self._event_rows() - self.rows_before

    def _event_rows(self):
        self.env.flush_all()
        self.env.cr.execute("SELECT count(*) FROM return_event")
        return self.env.cr.fetchone()[0]

    def test_signed_events_are_recorded_and_the_return_is_on_its_way(self):
        ret = self.returns[0]
        response = self._post({"events": [
            self._event(),
            self._event("EV-2", status="ARRIVED_AT_HUB", place="Zaragoza hub", time="2026-11-21T07:00:00Z"),
            self._event("EV-3", status="SORTING_SCAN", place="Zaragoza hub", time="2026-11-21T08:00:00Z",
                        description="Scanned"),
            self._event("EV-4", status="failed", place="Zaragoza", time="2026-11-22T10:00:00Z",
                        description="Nobody at the warehouse door"),
        ]})
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json(), {"recorded": 4, "duplicates": 0, "unknown": []})
        events = self._carrier_events(ret).sorted(lambda e: (e.date, e.id))
        self.assertEqual(events.mapped("event_type"), ["picked_up", "arrived_hub", "in_transit", "carrier_exception"])
        self.assertEqual(events.mapped("place"), ["Lyon", "Zaragoza hub", "Zaragoza hub", "Zaragoza"])
        self.assertEqual(events[2].description, "SORTING_SCAN: Scanned", "an unknown status keeps its code")
        self.assertEqual(str(events[0].date), "2026-11-20 08:15:00", "stored in UTC")
        self.assertTrue(all(events.mapped("public")))
        self.assertEqual(events.carrier_id, self.carrier)
        self.assertFalse(events.user_id, "the carrier is the actor, not a user")
        self.assertEqual(ret.state, "in_transit", "the carrier has the parcel")
        self.assertFalse(ret.picking_ids.filtered(lambda p: p.state == "done"), "nothing is received on its word")

    def test_a_replayed_event_is_acknowledged_once(self):
        self.assertEqual(self._post(self._event()).json()["recorded"], 1)
        response = self._post(self._event())
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {"recorded": 0, "duplicates": 1, "unknown": []})
        self.assertEqual(self._event_count(), 1)

    def test_bad_or_missing_signatures_are_refused_and_write_nothing(self):
        for kwargs in ({"secret": "wrong"}, {"signature": False}, {"signature": "sha256=" + "0" * 64},
                       {"signature": tracking_lib.sign(SECRET, b"another body")}, {"signature": "sha256=\u00e9"}):
            response = self._post(self._event(), **kwargs)
            self.assertEqual(response.status_code, 403, kwargs)
        no_secret = self.carrier.copy({"name": "No secret"})
        self.assertEqual(self._post(self._event(), carrier=no_secret).status_code, 403,
                         "a carrier without a secret accepts nothing")
        self.env.cr.execute("SELECT max(id) + 1 FROM delivery_carrier")
        unknown_carrier = self.carrier.browse(self.env.cr.fetchone()[0])
        self.assertEqual(self._post(self._event(), carrier=unknown_carrier).status_code, 403)
        self.assertEqual(self._event_count(), 0)
        self.assertEqual(self.returns[0].state, "approved")

    def test_malformed_bodies_are_refused_whole(self):
        self.assertEqual(self._post(b"{not json").status_code, 400)
        self.assertEqual(self._post({"events": []}).status_code, 400)
        missing_id = self._event()
        del missing_id["event_id"]
        self.assertEqual(self._post(missing_id).status_code, 400)
        response = self._post([self._event(), self._event("EV-2", time="yesterday")])
        self.assertEqual(response.status_code, 400)
        self.assertIn("event 2", response.json()["error"])
        self.assertEqual(self._event_count(), 0, "the good event of a bad batch is not recorded either")
        self.assertEqual(self.returns[0].state, "approved")

    def test_every_refusal_is_a_json_answer_and_writes_nothing(self):
        """Correctly signed bodies that are not events: a 4xx JSON answer each, never HTML or a 500."""
        too_big = json.dumps({"events": [self._event()], "padding": "x" * tracking_lib.MAX_BODY_BYTES}).encode()
        cases = [
            ("empty body", b"", 400),
            ("not UTF-8", b'{"event_id": "\xff\xfe"}', 400),
            ("not JSON", b"{not json", 400),
            ("a JSON text", b'"PICKED_UP"', 400),
            ("a JSON number", b"42", 400),
            ("JSON null", b"null", 400),
            ("events that are not a list", {"events": "EV-1"}, 400),
            ("100000 nested lists", b"[" * 100_000 + b"]" * 100_000, 400),
            ("a number of 5000 digits", b'{"event_id": ' + b"9" * 5000 + b"}", 400),
            ("a time in year 0 once in UTC", self._event(time="0001-01-01T00:00:00+01:00"), 400),
            ("a time in year 10000 once in UTC", self._event(time="9999-12-31T23:30:00-01:00"), 400),
            ("a time far in the future", self._event(time="2099-01-01T00:00:00Z"), 400),
            ("a time before 2000", self._event(time="1970-01-01T00:00:00Z"), 400),
            ("NUL in the event id", self._event(event_id="EV\u00001"), 400),
            ("a lone surrogate in the description", self._event(description="\ud800"), 400),
            ("a body over the size limit", too_big, 413),
        ]
        for label, payload, status in cases:
            with self.subTest(label):
                self._assert_json_refusal(self._post(payload), status, label)
        self.assertEqual(self._event_count(), 0)
        self.assertEqual(self.returns[0].state, "approved")

    def test_only_json_of_a_known_length_is_read(self):
        event = self._event()
        for content_type in ("application/x-www-form-urlencoded", "text/plain", None):
            with self.subTest(content_type):
                self._assert_json_refusal(self._post(event, content_type=content_type), 415, content_type)
        self._assert_json_refusal(self._post(event, chunked=True), 411, "chunked")
        self.assertEqual(self._event_count(), 0)
        response = self._post(event, content_type="application/json; charset=utf-8")
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json()["recorded"], 1)

    def test_unknown_carriers_are_json_refusals(self):
        self.env.cr.execute("SELECT max(id) + 1 FROM delivery_carrier")
        for carrier_id in (self.env.cr.fetchone()[0], 0, 2**31, 10**30):
            with self.subTest(carrier_id):
                self._assert_json_refusal(self._post(self._event(), carrier=carrier_id), 403, carrier_id)
        self.assertEqual(self._event_count(), 0)

    def test_a_far_future_event_is_not_put_on_top_of_the_timeline(self):
        ret = self.returns[0]
        self.assertEqual(self._post(self._event()).status_code, 200)
        response = self._post(self._event("EV-2", status="DELIVERED", time="2099-01-01T00:00:00Z"))
        self._assert_json_refusal(response, 400, "2099")
        self.assertIn("in the future", response.json()["error"])
        self.assertEqual(self._carrier_events(ret).mapped("external_ref"), ["EV-1"])

    def test_unknown_tracking_numbers_are_reported(self):
        response = self._post([self._event(), self._event("EV-9", ref="NOBODY")])
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {"recorded": 1, "duplicates": 0, "unknown": ["NOBODY"]})
        self.assertEqual(self._event_count(), 1)

    # ------------------------------------------------------------------
    # Polling
    # ------------------------------------------------------------------
    def _point_to(self, kind):
        self.carrier.return_tracking_url = f"{self.api_url}/{kind}/{{tracking_ref}}"

    def test_poll_records_the_parcels_own_events_once(self):
        self._point_to("ok")
        # Through the scheduled action itself, as the cron worker runs it.
        self.env.ref("reverse_logistics.ir_cron_poll_carrier_tracking").method_direct_trigger()
        self.assertEqual(len(FakeCarrierApi.hits), 3)
        for ret in self.returns:
            events = self._carrier_events(ret)
            self.assertEqual(sorted(events.mapped("event_type")), ["arrived_hub", "picked_up"])
            self.assertEqual(ret.state, "in_transit")
            self.assertFalse(ret.tracking_poll_error)
            self.assertTrue(ret.tracking_last_poll)
        self.assertFalse(self.env["return.event"].search([("external_ref", "=", "someone-else")]),
                         "events of other parcels in the answer are not trusted")
        self.assertEqual(self.env["return.order"]._cron_poll_carrier_tracking(), 0,
                         "a parcel just asked about is not asked again at once")
        self.returns.write({"tracking_next_poll": False})
        self.assertEqual(self.env["return.order"]._cron_poll_carrier_tracking(), 3)
        self.assertEqual(self._event_count(), 6, "polling again records nothing twice")

    def test_a_clerk_asking_for_news_moves_the_return_on_its_way(self):
        self._point_to("ok")
        clerk = new_test_user(self.env, "tracking_clerk", groups="reverse_logistics.group_returns_user")
        ret = self.returns[0].with_user(clerk)
        ret.action_poll_carrier_tracking()
        self.assertEqual(ret.state, "in_transit", "the carrier has the parcel: the flow moves the state")
        self.assertEqual(sorted(self._carrier_events(ret).mapped("event_type")), ["arrived_hub", "picked_up"])
        with self.assertRaisesRegex(UserError, "cannot be set by hand"):
            ret.write({"state": "approved"})

    def test_server_errors_and_garbage_are_noted_and_backed_off(self):
        first, second, third = self.returns
        self._point_to("ok")
        failing_carrier = self.carrier.copy({"name": "Failing Parcel Service",
                                             "return_tracking_url": f"{self.api_url}/error/{{tracking_ref}}"})
        first.carrier_id = failing_carrier
        self.assertEqual(self.env["return.order"]._cron_poll_carrier_tracking(), 3)
        self.assertEqual(len([hit for hit in FakeCarrierApi.hits if "/error/" in hit]), 3, "retried within the run")
        self.assertEqual(first.tracking_poll_error, "The carrier answered HTTP 500.")
        self.assertEqual(first.tracking_poll_failures, 1)
        self.assertIn("Tracking of TRK-1 failed", first.message_ids[0].body)
        messages = len(first.message_ids)
        for ret in (second, third):
            self.assertEqual(len(self._carrier_events(ret)), 2, "the other returns were polled all the same")
            self.assertFalse(ret.tracking_poll_error)

        FakeCarrierApi.hits = []
        (second | third).write({"tracking_next_poll": False})
        self.assertEqual(self.env["return.order"]._cron_poll_carrier_tracking(), 2)
        self.assertFalse([hit for hit in FakeCarrierApi.hits if "TRK-1" in hit],
                         "a failed return is not asked again on the next run: it waits")

        # The back-off has elapsed: the same problem again is not told again.
        first.tracking_next_poll = False
        self.env["return.order"]._cron_poll_carrier_tracking()
        self.assertEqual(first.tracking_poll_failures, 2)
        self.assertEqual(len(first.message_ids), messages, "the same problem is told once")
        delay_after_two = first.tracking_next_poll - first.tracking_last_poll

        failing_carrier.return_tracking_url = f"{self.api_url}/garbage/{{tracking_ref}}"
        first.tracking_next_poll = False
        self.env["return.order"]._cron_poll_carrier_tracking()
        self.assertEqual(first.tracking_poll_error, "The carrier's answer is not JSON.")
        self.assertEqual(first.tracking_poll_failures, 3)
        self.assertGreater(first.tracking_next_poll - first.tracking_last_poll, delay_after_two, "waits longer")
        self.assertEqual(len(first.message_ids), messages + 1, "a new problem is told")
        self.assertFalse(self._carrier_events(first))
        self.assertEqual(first.state, "approved")

        failing_carrier.return_tracking_url = f"{self.api_url}/ok/{{tracking_ref}}"
        first.tracking_next_poll = False
        self.env["return.order"]._cron_poll_carrier_tracking()
        self.assertFalse(first.tracking_poll_error, "the problem is gone once the carrier answers")
        self.assertEqual(first.tracking_poll_failures, 0)
        self.assertEqual(first.state, "in_transit")

    def test_answers_with_impossible_events_are_poll_errors(self):
        first, second, third = self.returns
        self._point_to("ok")
        first.carrier_id = self.carrier.copy({"name": "Future Parcel Service",
                                              "return_tracking_url": f"{self.api_url}/future/{{tracking_ref}}"})
        second.carrier_id = self.carrier.copy({"name": "Deep Parcel Service",
                                               "return_tracking_url": f"{self.api_url}/deep/{{tracking_ref}}"})
        self.assertEqual(self.env["return.order"]._cron_poll_carrier_tracking(), 3)
        self.assertIn("is in the future", first.tracking_poll_error)
        self.assertEqual(second.tracking_poll_error, "The carrier's answer is not JSON.")
        for ret in (first, second):
            self.assertEqual(ret.tracking_poll_failures, 1)
            self.assertFalse(self._carrier_events(ret))
            self.assertEqual(ret.state, "approved")
        self.assertEqual(len(self._carrier_events(third)), 2, "the other returns were polled all the same")

    def test_a_hanging_carrier_does_not_stop_the_others(self):
        """The carrier answers after 11 s. Odoo's test mode raises any requests timeout below 10 s to
        10 s, so the 2 s timeout of the carrier waits 10 s here: a timeout is not retried within a
        run (that would hold the job for several timeouts), so the test stays near 10 s."""
        first, second, third = self.returns
        self._point_to("ok")
        slow_carrier = self.carrier.copy({"name": "Slow Parcel Service",
                                          "return_tracking_url": f"{self.api_url}/slow/{{tracking_ref}}",
                                          "return_tracking_timeout": 2})
        first.carrier_id = slow_carrier
        started = time.monotonic()
        self.assertEqual(self.env["return.order"]._cron_poll_carrier_tracking(), 3)
        self.assertLess(time.monotonic() - started, FakeCarrierApi.slow_seconds + 5,
                        "a timeout is not retried within the run")
        self.assertIn("did not answer within 2 seconds", first.tracking_poll_error)
        self.assertFalse(self._carrier_events(first))
        self.assertEqual(first.state, "approved")
        for ret in (second, third):
            self.assertEqual(len(self._carrier_events(ret)), 2, "the other returns were polled all the same")
            self.assertEqual(ret.state, "in_transit")


@tagged("post_install", "-at_install")
class TestTrackingNumbers(HttpCase, TrackingCase):
    """A tracking number is a short printable identifier: anything else is refused before it is written."""

    def test_a_huge_tracking_number_over_xmlrpc_is_a_clear_refusal(self):
        ret = self.returns[0]
        admin = self.env.ref("base.user_admin")
        with self.assertRaises(xmlrpc.client.Fault) as refused:
            self.xmlrpc_object.execute(self.env.cr.dbname, admin.id, "admin", "return.order", "write",
                                       [ret.id], {"carrier_tracking_ref": "X" * 200_000})
        self.assertIn("at most 64 characters", refused.exception.faultString)
        self.assertNotIn("index row", refused.exception.faultString, "not a database error")
        ret.invalidate_recordset()
        self.assertEqual(ret.carrier_tracking_ref, "TRK-1")

    def test_a_refused_tracking_number_leaves_the_return_unchanged(self):
        ret = self.returns[0]
        other_carrier = self.carrier.copy({"name": "Other Parcel Service"})
        for ref, message in (("X" * 65, "at most 64 characters"), ("TRK\x00-1", "control characters"),
                             ("TRK\n-1", "control characters")):
            with self.subTest(ref=ref[:10]):
                with self.assertRaisesRegex(ValidationError, message):
                    ret.write({"carrier_tracking_ref": ref, "carrier_id": other_carrier.id})
                self.assertEqual(ret.carrier_tracking_ref, "TRK-1")
                self.assertEqual(ret.carrier_id, self.carrier, "nothing of the refused write is kept")
        ret.write({"carrier_tracking_ref": "X" * 64, "carrier_id": other_carrier.id})
        self.assertEqual(ret.carrier_tracking_ref, "X" * 64)

    def test_a_return_created_with_a_huge_tracking_number_is_refused(self):
        returns_before = self.env["return.order"].search_count([])
        with self.assertRaisesRegex(ValidationError, "at most 64 characters"):
            self._return_from_sale(self.sale_order, [(self.product, 1, {})], carrier_id=self.carrier.id,
                                   carrier_tracking_ref="X" * 200_000)
        self.assertEqual(self.env["return.order"].search_count([]), returns_before)


@tagged("post_install", "-at_install")
class TestTrackingPollFields(TrackingCase):
    """How the carrier is polled is the company's business, not the customer's."""

    POLL_FIELDS = ("tracking_poll_error", "tracking_poll_failures", "tracking_last_poll", "tracking_next_poll")

    def test_customers_do_not_read_how_the_carrier_is_polled(self):
        ret = self.returns[0]
        ret._note_poll_failure("The carrier answered HTTP 500.")
        customer = new_test_user(self.env, "poll_reader", groups="base.group_portal", partner_id=self.customer.id)
        as_customer = ret.with_user(customer)
        self.assertEqual(as_customer.read(["carrier_tracking_ref", "state"])[0]["carrier_tracking_ref"], "TRK-1",
                         "the customer still reads the tracking number of their return")
        for field in self.POLL_FIELDS:
            with self.subTest(field), self.assertRaises(AccessError):
                as_customer.read([field])
        self.assertFalse(set(self.POLL_FIELDS) & set(as_customer.fields_get()))

    def test_the_returns_team_reads_them(self):
        ret = self.returns[0]
        ret._note_poll_failure("The carrier answered HTTP 500.")
        clerk = new_test_user(self.env, "poll_clerk", groups="reverse_logistics.group_returns_user")
        values = ret.with_user(clerk).read(list(self.POLL_FIELDS))[0]
        self.assertEqual(values["tracking_poll_error"], "The carrier answered HTTP 500.")
        self.assertEqual(values["tracking_poll_failures"], 1)
