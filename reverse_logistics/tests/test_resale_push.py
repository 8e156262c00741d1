import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .resale_common import ResaleCase

TOKEN = "good-token"


class Marketplace:
    """A marketplace's offer API on 127.0.0.1 (adapted from the root ``tests/channel_server.py``).

    It keeps the offers it accepted (``shown``: what buyers see), refuses the SKUs of ``refuse``, and
    answers the next calls from ``script`` instead: ``"429"`` (Retry-After: 0) or ``"500"``.
    """

    def __init__(self):
        self.script, self.calls, self.shown, self.refuse = [], [], {}, {}
        self.lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def reset(self):
        with self.lock:
            self.script, self.calls, self.shown, self.refuse = [], [], {}, {}

    def _handler(self):
        market = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args):
                pass

            def _send(self, status, body, headers=()):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
                with market.lock:
                    market.calls.append(body["offers"])
                    step = market.script.pop(0) if market.script else None
                if self.path != "/offers/batch" or self.headers.get("Authorization") != f"Bearer {TOKEN}":
                    return self._send(401, {"error": "invalid token"})
                if step == "429":
                    return self._send(429, {"error": "slow down"}, [("Retry-After", "0")])
                if step == "500":
                    return self._send(500, {"error": "internal"})
                results = []
                with market.lock:
                    for offer in body["offers"]:
                        reason = market.refuse.get(offer["sku"])
                        if reason:
                            results.append({"sku": offer["sku"], "status": "rejected", "reason": reason})
                            continue
                        market.shown.setdefault(offer["sku"], {}).update(
                            {key: offer[key] for key in ("price", "quantity") if key in offer}
                        )
                        results.append({"sku": offer["sku"], "status": "accepted"})
                return self._send(200, {"results": results})

        return Handler


@tagged("post_install", "-at_install")
class TestResalePush(ResaleCase):
    """Prices and quantities reach the marketplaces' APIs; a channel that fails never stops the others."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.market = Marketplace()
        cls.market.thread.start()
        cls.addClassCleanup(cls.market.httpd.server_close)
        cls.addClassCleanup(cls.market.httpd.shutdown)
        cls.shop.write({"push_enabled": True, "push_url": cls.market.url, "push_token": TOKEN})
        cls.listing = cls._listed_unit(cls.serials[0], grade=cls.grade_b)
        cls.cron = cls.env.ref("reverse_logistics.ir_cron_push_resale_offers")
        cls.manager = new_test_user(
            cls.env, "push_manager", groups="reverse_logistics.group_refurbished_sales,sales_team.group_sale_manager",
        )
        cls.seller = new_test_user(cls.env, "push_seller", groups="reverse_logistics.group_refurbished_sales")

    def setUp(self):
        super().setUp()
        self.market.reset()

    def _offer(self, listing=None, channel=None):
        return self.env["resale.offer"].search([
            ("listing_id", "=", (listing or self.listing).id), ("channel_id", "=", (channel or self.shop).id),
        ])

    def _run_cron(self):
        self.env["resale.channel"]._cron_push_offers()
        self.env.invalidate_all()

    def test_published_offers_are_pushed_once_and_changes_only_after(self):
        self._run_cron()
        sku = self.listing.name
        self.assertEqual(self.market.shown, {sku: {"price": f"{self.listing.price:.2f}", "quantity": 1}})
        offer = self._offer()
        self.assertEqual((offer.state, offer.pushed_quantity, offer.pushed_price),
                         ("in_sync", 1, self.listing.price))
        self.assertTrue(offer.date_pushed)
        self._run_cron()
        self.assertEqual(len(self.market.calls), 1, "nothing changed, nothing sent")

        self.listing.price += 10
        self._run_cron()
        self.assertEqual(self.market.calls[-1], [{"sku": sku, "currency": self.listing.currency_id.name,
                                                  "price": f"{self.listing.price:.2f}", "quantity": 1}])
        self.assertEqual(self._offer().pushed_price, self.listing.price)

    def test_a_unit_sold_elsewhere_is_pushed_with_quantity_zero(self):
        self._run_cron()
        triggers = self.env["ir.cron.trigger"].search_count([("cron_id", "=", self.cron.id)])
        order = self._sell(self.listing)
        order.action_confirm()
        self.assertGreater(self.env["ir.cron.trigger"].search_count([("cron_id", "=", self.cron.id)]), triggers,
                           "the reservation asks for a push now rather than at the next interval")
        self._run_cron()
        self.assertEqual(self.market.shown[self.listing.name]["quantity"], 0)
        order.picking_ids.move_ids.picked = True
        order.picking_ids.button_validate()
        self.assertEqual(self.listing.state, "sold")
        calls = len(self.market.calls)
        self._run_cron()
        self.assertEqual(len(self.market.calls), calls, "already at 0 on the channel")

    def test_a_unit_scrapped_from_secondary_stock_asks_for_a_push_at_once(self):
        self._run_cron()
        triggers = self.env["ir.cron.trigger"].search_count([("cron_id", "=", self.cron.id)])
        scrap = self.env["stock.scrap"].create({
            "product_id": self.product_serial.id, "lot_id": self.serials[0].id, "scrap_qty": 1,
            "location_id": self.secondary.id,
        })
        scrap.do_scrap()
        self.assertGreater(self.env["ir.cron.trigger"].search_count([("cron_id", "=", self.cron.id)]), triggers,
                           "the channels learn it now, not at the next interval")
        self._run_cron()
        self.assertEqual(self.market.shown[self.listing.name]["quantity"], 0)

    def test_a_delisted_unit_and_a_unit_gone_from_stock_are_withdrawn(self):
        other = self._listed_unit(self.serials[1], grade=self.grade_b)
        self._run_cron()
        self.listing.action_delist()
        self.env["stock.quant"]._update_available_quantity(
            self.product_serial, self.secondary, -1, lot_id=self.serials[1]
        )
        self._run_cron()
        self.assertEqual({sku: shown["quantity"] for sku, shown in self.market.shown.items()},
                         {self.listing.name: 0, other.name: 0})

    def test_rate_limited_then_accepted(self):
        self.market.script = ["429"]
        self._run_cron()
        self.assertEqual(len(self.market.calls), 2, "waited for Retry-After, then sent again")
        self.assertEqual(self._offer().state, "in_sync")
        self.assertFalse(self.shop.last_push_error)

    def test_a_failing_channel_keeps_its_errors_and_recovers(self):
        self.market.script = ["500", "500", "500"]
        self._run_cron()  # never raises
        offer = self._offer()
        self.assertEqual(offer.state, "error")
        self.assertIn("HTTP 500", offer.last_error)
        self.assertIn("HTTP 500", self.shop.last_push_error)
        self.assertFalse(self.market.shown)

        self._run_cron()
        self.assertEqual((offer.state, offer.last_error, offer.pushed_quantity), ("in_sync", False, 1))
        self.assertFalse(self.shop.last_push_error)
        self.assertEqual(self.market.shown[self.listing.name]["quantity"], 1)

    def test_a_refused_offer_is_kept_in_error_and_sent_again(self):
        self.market.refuse = {self.listing.name: "category closed for used phones"}
        self._run_cron()
        offer = self._offer()
        self.assertEqual(offer.state, "error")
        self.assertIn("category closed for used phones", offer.last_error)
        self.assertIn("1 offers refused", self.shop.last_push_error)
        self.market.refuse = {}
        self._run_cron()
        self.assertEqual(offer.state, "in_sync")

    def test_one_channel_failing_does_not_stop_the_others(self):
        broken = self.env["resale.channel"].create({
            "name": "Broken marketplace", "kind": "other", "auto_list": False, "sequence": 1,
            "push_enabled": True, "push_url": self.market.url, "push_token": "revoked-token",
        })
        self.listing.channel_ids |= broken
        self._run_cron()
        self.assertIn("credentials", broken.last_push_error)
        self.assertEqual(self._offer(channel=broken).state, "error")
        self.assertEqual(self._offer().state, "in_sync", "the shop was pushed after the broken channel")
        self.assertEqual(self.market.shown[self.listing.name]["quantity"], 1)

    def test_push_now_is_for_sales_managers(self):
        with self.assertRaises(AccessError):
            self.shop.with_user(self.seller).action_push_now()
        action = self.shop.with_user(self.manager).action_push_now()
        self.assertEqual(action["params"]["type"], "success")
        self.assertEqual(self._offer().with_user(self.seller).state, "in_sync", "sellers read the offers")
        with self.assertRaises(AccessError):
            self._offer().with_user(self.seller).write({"state": "to_push"})
