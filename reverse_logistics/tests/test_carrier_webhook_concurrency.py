"""Carriers deliver again when an answer is slow: the same event may arrive several times at once.

These tests post over real, concurrent HTTP requests to the server the test run starts (it
serves the test database, the only one of ``-d``), so each request has its own transaction. They
need committed data, so they use their own cursors instead of the test's rolled-back one
(BaseCase: no test cursor, which would serialise the requests), and tag the data they create with
a unique name.
"""

import json
import threading
import uuid

import requests

from odoo import Command
from odoo.tests import BaseCase, tagged
from odoo.tools import config

from ..returns_lib import tracking as tracking_lib
from .test_return_concurrency import let_worker_threads_in, returnable_product, transaction, without_error_log

SECRET = "concurrency-secret"
CONCURRENT_REQUESTS = 8


@tagged("post_install", "-at_install")
class TestCarrierWebhookConcurrency(BaseCase):
    def setUp(self):
        super().setUp()
        # Without the test cursor that would serialise the requests (see let_worker_threads_in).
        let_worker_threads_in(self)
        self.tag = uuid.uuid4().hex[:8]
        with transaction() as env:
            product = returnable_product(env, f"Parcel {self.tag}", require_source_document=False)
            carrier = env["delivery.carrier"].create({
                "name": f"Concurrent Parcel Service {self.tag}",
                "product_id": env["product.product"].create({"name": f"Shipping {self.tag}", "type": "service"}).id,
                "return_webhook_secret": SECRET,
            })
            rma = env["return.order"].create({
                "partner_id": env["res.partner"].create({"name": f"Webhook customer {self.tag}"}).id,
                "carrier_id": carrier.id,
                "carrier_tracking_ref": f"CONC-{self.tag}",
                "line_ids": [Command.create({"product_id": product.id, "product_uom_qty": 1})],
            })
            rma.action_submit()
            rma.action_approve()
            self.carrier_id, self.return_id = carrier.id, rma.id
        self.url = f"http://127.0.0.1:{config['http_port']}/reverse_logistics/carrier/{self.carrier_id}/events"

    def _event(self, event_id):
        return {"event_id": event_id, "tracking_ref": f"CONC-{self.tag}", "status": "PICKED_UP",
                "time": "2026-11-20T09:15:00+01:00", "place": "Lyon"}

    def _post_at_once(self, bodies):
        """POST each body in its own thread, all released together; the responses in order."""
        barrier = threading.Barrier(len(bodies))
        answers = [None] * len(bodies)

        def post(index, body):
            headers = {"Content-Type": "application/json", "X-Signature": tracking_lib.sign(SECRET, body)}
            barrier.wait()
            try:
                answers[index] = requests.post(self.url, data=body, headers=headers, timeout=120)
            except requests.RequestException as error:
                answers[index] = error

        threads = [threading.Thread(target=post, args=(index, body)) for index, body in enumerate(bodies)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for answer in answers:
            self.assertIsInstance(answer, requests.Response, answer)
            self.assertEqual(answer.status_code, 200, answer.text[:500])
            self.assertEqual(answer.headers["Content-Type"].split(";")[0], "application/json", answer.text[:500])
        return [answer.json() for answer in answers]

    def _recorded(self):
        with transaction() as env:
            events = env["return.event"].search([("carrier_id", "=", self.carrier_id)])
            return sorted(events.mapped("external_ref")), env["return.order"].browse(self.return_id).state

    def test_the_same_event_posted_at_once_is_recorded_once_and_acknowledged_to_all(self):
        body = json.dumps(self._event(f"EV-{self.tag}")).encode()
        # A carrier delivering twice is no error of ours: nothing for the administrator to look into.
        with self.assertNoLogs("odoo.sql_db", "ERROR"):
            answers = self._post_at_once([body] * CONCURRENT_REQUESTS)
        self.assertEqual(sum(answer["recorded"] for answer in answers), 1, answers)
        self.assertEqual(sum(answer["duplicates"] for answer in answers), CONCURRENT_REQUESTS - 1, answers)
        self.assertEqual(self._recorded(), ([f"EV-{self.tag}"], "in_transit"))

    # Both batches mark the return in transit: all but one meet a serialisation failure, which Odoo
    # replays (that replay must read the same body again), quietly: no ERROR line for the operators.
    @without_error_log
    def test_a_batch_overlapping_a_concurrent_one_records_the_rest(self):
        """Each batch shares one event with the others: that one is recorded once, each batch's own event
        is recorded all the same (a conflict on one event does not refuse the rest of its batch)."""
        shared = self._event(f"EV-{self.tag}-shared")
        bodies = [
            json.dumps([shared, self._event(f"EV-{self.tag}-{index}")]).encode() for index in range(CONCURRENT_REQUESTS)
        ]
        answers = self._post_at_once(bodies)
        self.assertEqual(sum(answer["recorded"] for answer in answers), CONCURRENT_REQUESTS + 1, answers)
        self.assertEqual(sum(answer["duplicates"] for answer in answers), CONCURRENT_REQUESTS - 1, answers)
        own = [f"EV-{self.tag}-{index}" for index in range(CONCURRENT_REQUESTS)]
        self.assertEqual(self._recorded(), (sorted([f"EV-{self.tag}-shared", *own]), "in_transit"))
