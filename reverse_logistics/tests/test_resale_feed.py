import base64
import csv
import io
from contextlib import contextmanager

from lxml import etree

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged

from .resale_common import ResaleCase

G = "{http://base.google.com/ns/1.0}"
PIXEL = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
REQUIRED = ("id", "title", "description", "link", "image_link", "availability", "price", "condition", "brand")


@tagged("post_install", "-at_install")
class TestResaleFeed(HttpCase, ResaleCase):
    """Feed readers fetch a channel's offers with the secret address, and only what is for sale is offered."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.google = cls.env["resale.channel"].create({
            "name": "Google Shopping", "kind": "google", "min_margin_percent": 5.0, "auto_list": True,
        })
        cls.product_serial.write({"barcode": "4006381333931", "default_code": "PHONE-1", "image_1920": PIXEL})
        # A unit resold as is, grade B, on the web shop and Google, with its inspection photo.
        cls.used = cls._listed_unit(cls.serials[0], grade=cls.grade_b)
        cls.photo = cls.env["ir.attachment"].create({
            "name": "back.png", "datas": PIXEL, "res_model": "resale.listing", "res_id": cls.used.id,
        })
        cls.used._flow_write({"photo_ids": [Command.link(cls.photo.id)]})
        # A grade C unit refurbished (to grade B, the category's default), also on Back Market.
        refurbished = cls._dispose(cls.serials[1], grade=cls.grade_c, code="refurbish").resale_listing_id
        refurbished.write({"channel_ids": [Command.link(cls.backmarket.id)], "condition_note": "New battery"})
        refurbished.price = refurbished.suggested_price
        refurbished.action_publish()
        cls.refurbished = refurbished

    def _feed(self, channel, name, token=None):
        token = channel.feed_token if token is None else token
        return self.url_open(f"/resale/feed/{channel.id}/{token}/{name}", allow_redirects=False)

    def _google_items(self):
        response = self._feed(self.google, "google.xml")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"].split(";")[0], "application/xml")
        root = etree.fromstring(response.content)
        return {item.findtext(G + "id"): item for item in root.iter("item")}

    def _csv_rows(self):
        response = self._feed(self.backmarket, "backmarket.csv")
        self.assertEqual(response.status_code, 200)
        return list(csv.reader(io.StringIO(response.content.decode())))

    def test_feeds_answer_403_without_the_channel_token(self):
        refusals = {
            "wrong token": self._feed(self.google, "google.xml", token="x" * 43),
            "another channel's token": self._feed(self.google, "google.xml", token=self.backmarket.feed_token),
            "no token": self.url_open(f"/resale/feed/{self.google.id}/google.xml", allow_redirects=False),
            "unknown channel": self.url_open(f"/resale/feed/999999/{self.google.feed_token}/google.xml",
                                             allow_redirects=False),
            "csv, wrong token": self._feed(self.backmarket, "backmarket.csv", token=self.google.feed_token),
            "json, wrong token": self._feed(self.shop, "offers.json", token="é" * 10),
        }
        for case, response in refusals.items():
            self.assertEqual(response.status_code, 403, case)
            self.assertNotIn(self.used.name.encode(), response.content, case)
        self.assertEqual(refusals["unknown channel"].content, refusals["wrong token"].content,
                         "a missing channel and a wrong token look the same")
        self.google.active = False
        self.assertEqual(self._feed(self.google, "google.xml").status_code, 403, "an archived channel feeds nobody")
        self.google.active = True
        old_token = self.google.feed_token
        self.google.action_regenerate_token()
        self.assertEqual(self._feed(self.google, "google.xml", token=old_token).status_code, 403)
        self.assertEqual(self._feed(self.google, "google.xml").status_code, 200)

    def test_merchant_center_feed_has_the_required_attributes_and_conditions(self):
        items = self._google_items()
        self.assertEqual(set(items), {self.used.name, self.refurbished.name})
        currency = self.used.currency_id.name
        for sku, item in items.items():
            for name in REQUIRED:
                self.assertTrue(item.findtext(G + name), f"{sku}: g:{name}")
            self.assertEqual(item.findtext(G + "availability"), "in_stock")
            self.assertEqual(item.findtext(G + "gtin"), "4006381333931")
            self.assertEqual(item.findtext(G + "mpn"), "PHONE-1")
            self.assertEqual(item.findtext(G + "brand"), self.company.name, "no brand module: the company's name")
        self.assertEqual(items[self.used.name].findtext(G + "condition"), "used", "grade B as is")
        self.assertEqual(items[self.refurbished.name].findtext(G + "condition"), "refurbished")
        self.assertEqual(items[self.used.name].findtext(G + "price"), f"{self.used.price:.2f} {currency}")

        # The image is the unit's own photo, the refurbished unit (no photo) shows the product's image.
        image = self.url_open(items[self.used.name].findtext(G + "image_link"))
        self.assertEqual((image.status_code, image.content), (200, base64.b64decode(PIXEL)))
        self.assertTrue(image.headers["Content-Type"].startswith("image/"))
        self.assertEqual(self.url_open(items[self.refurbished.name].findtext(G + "image_link")).status_code, 200)
        # The addresses in the feed never carry the feed token; a tampered signature is refused.
        link = items[self.used.name].findtext(G + "link")
        self.assertNotIn(self.google.feed_token, link + items[self.used.name].findtext(G + "image_link"))
        page = self.url_open(link)
        self.assertEqual(page.status_code, 200)
        self.assertIn("Phone", page.text)
        self.assertEqual(self.url_open(link[:-4] + "0000", allow_redirects=False).status_code, 403)
        self.assertEqual(self._feed(self.google, "backmarket.csv").status_code, 404, "not a Back Market channel")

    def test_the_channel_and_the_listings_say_what_the_feed_leaves_out_and_why(self):
        manager = new_test_user(self.env, "feed_manager", groups="sales_team.group_sale_manager,"
                                "reverse_logistics.group_refurbished_sales")
        seller = new_test_user(self.env, "feed_reader", groups="reverse_logistics.group_refurbished_sales")
        channel = self.google.with_user(manager)
        self.assertEqual((channel.feed_excluded_count, channel.feed_excluded_reasons), (0, False))
        # No photo on the unit and no image on the product: Merchant Center would take neither.
        self.product_serial.image_1920 = False
        self.used._flow_write({"photo_ids": [Command.clear()]})
        self.env.invalidate_all()
        self.assertEqual(self._google_items(), {}, "the feed is empty...")
        self.assertEqual(channel.feed_excluded_count, 2, "...and the channel's form says how many are left out")
        self.assertIn("no photo and no product image", channel.feed_excluded_reasons)
        self.assertIn(": 2 listing(s)", channel.feed_excluded_reasons)
        action = channel.action_view_excluded_listings()
        self.assertEqual(self.env["resale.listing"].search(action["domain"]), self.used | self.refurbished)
        for listing in (self.used, self.refurbished):
            reason = listing.with_user(seller).feed_exclusion
            self.assertTrue(reason.startswith("Google Shopping: no photo and no product image"), reason)
            self.assertNotIn("Web shop", reason, "the web shop's own offers need no image")
        # A photo on one unit brings it back; the other is still told.
        self.used._flow_write({"photo_ids": [Command.link(self.photo.id)]})
        self.env.invalidate_all()
        self.assertEqual(set(self._google_items()), {self.used.name})
        self.assertEqual((channel.feed_excluded_count, self.used.feed_exclusion), (1, False))
        self.assertTrue(self.refurbished.feed_exclusion)

    def test_buyers_read_the_product_name_never_its_internal_reference(self):
        name = self.product_serial.name
        self.assertEqual(self.product_serial.display_name, f"[PHONE-1] {name}", "the reference is set")
        for item in self._google_items().values():
            title = item.findtext(G + "title")
            self.assertTrue(title.startswith(f"{name} - "), title)
            self.assertNotIn("PHONE-1", title)
        offers = self._feed(self.shop, "offers.json").json()["offers"]
        self.assertTrue(offers)
        for offer in offers:
            self.assertEqual(offer["title"], f"{name} - {self.shop._condition_of(self.grade_b, False)[1]}")
            self.assertNotIn("PHONE-1", offer["title"] + offer["description"])
        page = self.url_open(self._google_items()[self.used.name].findtext(G + "link"))
        self.assertEqual(page.status_code, 200)
        self.assertNotIn("PHONE-1", page.text, "the unit's own page, when the shop has none")

    def test_sold_reserved_delisted_and_gone_units_leave_the_feeds(self):
        self.assertEqual(self._csv_rows()[1][:2], [self.refurbished.name, "1"])
        order = self._sell(self.used)
        order.action_confirm()
        order.picking_ids.move_ids.picked = True
        order.picking_ids.button_validate()
        self.assertEqual(self.used.state, "sold")
        self.refurbished.action_delist()
        self.assertEqual(self._google_items(), {})
        rows = self._csv_rows()
        self.assertEqual(rows[1][:2], [self.refurbished.name, "0"], "quantity 0: the marketplace stops selling")
        offers = {offer["sku"]: offer for offer in self._feed(self.shop, "offers.json").json()["offers"]}
        self.assertEqual(offers[self.used.name]["quantity"], 0)

        # Published, but its unit left secondary-market stock: nothing to sell.
        self.refurbished.action_reset_to_draft()
        self.refurbished.action_publish()
        self.assertEqual(set(self._google_items()), {self.refurbished.name})
        self.env["stock.quant"]._update_available_quantity(
            self.product_serial, self.secondary, -1, lot_id=self.serials[1]
        )
        self.assertEqual(self._google_items(), {})
        self.assertEqual(self._csv_rows()[1][:2], [self.refurbished.name, "0"])

    def test_back_market_file_layout(self):
        rows = self._csv_rows()
        self.assertEqual(rows[0], ["sku", "quantity", "price", "currency", "grade", "warranty", "comment"])
        self.assertEqual(rows[1], [
            self.refurbished.name, "1", f"{self.refurbished.price:.2f}", self.refurbished.currency_id.name,
            "GOOD", str(self.refurbished.warranty_months), "New battery",
        ])
        self.assertEqual(self.refurbished.grade_id, self.grade_b, "refurbished B is Back Market's Good")
        self.assertEqual(len(rows), 2, "the unit resold as is is not on Back Market")
        response = self._feed(self.backmarket, "backmarket.csv")
        self.assertEqual(response.headers["X-Feed-Parts"], "1")
        part_two = self.url_open(f"/resale/feed/{self.backmarket.id}/{self.backmarket.feed_token}/backmarket.csv"
                                 "?part=2", allow_redirects=False)
        self.assertEqual(part_two.status_code, 404)

    def test_offers_json_for_other_channels(self):
        payload = self._feed(self.shop, "offers.json").json()
        offers = {offer["sku"]: offer for offer in payload["offers"]}
        self.assertEqual(set(offers), {self.used.name, self.refurbished.name})
        offer = offers[self.used.name]
        self.assertEqual((offer["quantity"], offer["condition"], offer["refurbished"], offer["price"]),
                         (1, "B", False, f"{self.used.price:.2f}"))
        self.assertEqual(offer["gtin"], "4006381333931")
        self.assertTrue(offers[self.refurbished.name]["refurbished"])
        self.assertEqual(self._feed(self.google, "offers.json").status_code, 200, "any channel has the JSON offers")

    def test_feed_urls_are_shown_to_sales_managers_only(self):
        self.assertTrue(self.google.feed_url_google.endswith(
            f"/resale/feed/{self.google.id}/{self.google.feed_token}/google.xml"
        ))
        self.assertFalse(self.google.feed_url_backmarket)
        self.assertTrue(self.backmarket.feed_url_backmarket.endswith("/backmarket.csv"))
        seller = new_test_user(self.env, "feed_seller", groups="reverse_logistics.group_refurbished_sales")
        self.assertNotIn("feed_url_offers", self.shop.with_user(seller).fields_get())

    def test_the_feed_reads_listings_in_one_batch(self):
        def queries():
            self.env.invalidate_all()
            with contextmanager(self._patchExecute)([]) as executed:
                result = self.google._build_google_feed()
            return executed, len(result.item_ids)

        queries()  # warms the caches that outlive a transaction (decimal precisions, parameters)
        two, two_items = queries()
        self._listed_unit(self.serials[2], grade=self.grade_c)
        three, three_items = queries()
        self.assertEqual((two_items, three_items), (2, 3))
        listed = "\n".join(map(str, two)) + "\n----\n" + "\n".join(map(str, three))
        self.assertEqual(len(three), len(two), f"one more listing, no more queries:\n{listed}")
