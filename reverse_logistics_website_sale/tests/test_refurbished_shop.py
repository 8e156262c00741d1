"""Listings published on the web shop channel are sold in the eCommerce, one listed unit per cart line."""

import base64
import re

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import HttpCase, tagged

from odoo.addons.reverse_logistics.tests.resale_common import ResaleCase
from odoo.addons.website.tools import MockRequest


@tagged("post_install", "-at_install")
class TestRefurbishedShop(ResaleCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.website = cls.env["website"].search([("company_id", "=", cls.company.id)], limit=1)
        cls.product_serial.name = "Refurb Shop Phone"
        cls.phone_b = cls._listed_unit(cls.serials[0], grade=cls.grade_b, price=299.99)
        cls.phone_b2 = cls._listed_unit(cls.serials[1], grade=cls.grade_b, price=329.99)
        cls.phone_a = cls._listed_unit(cls.serials[2], grade=cls.grade_a, price=449.99)
        cls.phone_b.condition_note = "Tiny scratch on the frame"
        cls.phone_b._flow_write({"defects": "Inspector: battery housing glued back"})

    def _cart(self):
        return self.env["sale.order"].create({"partner_id": self.buyer.id, "website_id": self.website.id})

    def _csrf_token(self, page):
        return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    def test_the_shop_shows_one_card_per_product_and_grade_from_the_lowest_price(self):
        self.phone_b2.action_delist()
        response = self.url_open("/shop/refurbished")
        self.assertEqual(response.status_code, 200)
        cards = re.findall(r'data-listing-id="(\d+)"', response.text)
        self.assertEqual(sorted(map(int, cards)), sorted((self.phone_b | self.phone_a).ids))
        self.phone_b2.action_reset_to_draft()
        self.phone_b2.action_publish()
        cards = re.findall(r'data-listing-id="(\d+)"', self.url_open("/shop/refurbished").text)
        self.assertEqual(sorted(map(int, cards)), sorted((self.phone_b | self.phone_a).ids),
                         "both grade-B phones are one card, leading to the cheaper one")

    def test_the_listing_photos_are_served_for_the_listings_the_shop_shows_only(self):
        photo = self.env["ir.attachment"].create({
            "name": "back.png", "datas": base64.b64encode(b"\x89PNG back of the phone"),
            "res_model": "resale.listing", "res_id": self.phone_b.id,
        })
        self.phone_b._flow_write({"photo_ids": [Command.link(photo.id)]})
        url = f"/shop/refurbished/{self.phone_b.id}/photo/{photo.id}"
        self.assertIn(f'src="{url}"', self.url_open("/shop/refurbished").text)
        self.assertIn(f'src="{url}"', self.url_open(f"/shop/refurbished/{self.phone_b.id}").text)
        response = self.url_open(url)
        self.assertEqual((response.status_code, response.content), (200, b"\x89PNG back of the phone"))
        self.assertEqual(self.url_open(f"/shop/refurbished/{self.phone_a.id}/photo/{photo.id}").status_code, 404,
                         "a photo only through the listing it belongs to")
        self.assertEqual(self.url_open(f"/web/content/{photo.id}").status_code, 404,
                         "the attachment itself stays private")
        self.phone_b.channel_ids = self._merchant_center()
        self.assertEqual(self.url_open(url).status_code, 404)

    def _merchant_center(self):
        """A channel that takes units as is, other than the web shop."""
        return self.env["resale.channel"].create({"name": "Merchant Center", "kind": "google", "auto_list": False})

    def test_a_listing_off_the_web_shop_channel_is_not_in_the_shop(self):
        self.phone_a.channel_ids = self._merchant_center()
        page = self.url_open("/shop/refurbished").text
        self.assertNotIn(f'data-listing-id="{self.phone_a.id}"', page)
        self.assertEqual(self.url_open(f"/shop/refurbished/{self.phone_a.id}").status_code, 404)

    def test_the_unit_page_shows_what_buyers_need_and_nothing_internal(self):
        page = self.url_open(f"/shop/refurbished/{self.phone_b.id}").text
        for shown in ("Refurb Shop Phone", "B - Good", "Tiny scratch on the frame", "12 months", "299.99",
                      "Add to Cart"):
            self.assertIn(shown, page)
        for hidden in ("battery housing", self.phone_b.lot_id.name, "200.00"):
            self.assertNotIn(hidden, page)

    def test_buyers_read_the_product_name_never_its_internal_reference(self):
        self.product_serial.default_code = "RSP-INT-9"
        self.assertIn("RSP-INT-9", self.product_serial.display_name, "the reference is set")
        for url in ("/shop/refurbished", f"/shop/refurbished/{self.phone_b.id}"):
            page = self.url_open(url).text
            self.assertIn("Refurb Shop Phone", page, url)
            self.assertNotIn("RSP-INT-9", page, url)
        cards = self.env["resale.listing"].search([("id", "in", (self.phone_b | self.phone_a).ids)])._shop_cards()
        self.assertEqual({card["product_name"] for card in cards}, {"Refurb Shop Phone"})

    def test_a_visitor_adds_the_listed_unit_to_a_cart_and_the_order_sells_exactly_it(self):
        page = self.url_open(f"/shop/refurbished/{self.phone_b.id}").text
        response = self.url_open(f"/shop/refurbished/{self.phone_b.id}/add",
                                 data={"csrf_token": self._csrf_token(page)})
        self.assertTrue(response.url.endswith("/shop/cart"), response.url)
        line = self.env["sale.order.line"].search([("resale_listing_id", "=", self.phone_b.id)])
        self.assertEqual((line.product_id, line.product_uom_qty, line.price_unit),
                         (self.product_serial, 1, 299.99))
        self.assertEqual(line.order_id.website_id, self.website)
        self.assertEqual(line.order_id.resale_channel_id, self.shop)

    def test_the_cart_keeps_the_listing_and_its_price_through_its_recomputations(self):
        order = self._cart()
        with MockRequest(self.env, website=self.website, sale_order_id=order.id):
            values = order._cart_update(product_id=self.product_serial.id, add_qty=1,
                                        resale_listing_id=self.phone_b.id)
            line = order.order_line
            self.assertEqual(line.id, values["line_id"])
            again = order._cart_update(product_id=self.product_serial.id, add_qty=1,
                                       resale_listing_id=self.phone_b.id)
            self.assertEqual((again["quantity"], line.product_uom_qty), (1, 1), "one serial is one unit")
            self.assertTrue(again["warning"])
            order._cart_update(product_id=self.product_serial.id, line_id=line.id, set_qty=3)
            self.assertEqual(line.product_uom_qty, 1)
            half_price = self.env["product.pricelist"].create({
                "name": "Half price", "company_id": self.company.id,
                "item_ids": [Command.create({"applied_on": "3_global", "compute_price": "percentage",
                                             "percent_price": 50.0})],
            })
            order._cart_update_pricelist(pricelist_id=half_price.id)
            self.assertEqual((line.resale_listing_id, line.price_unit, line.price_subtotal),
                             (self.phone_b, 299.99, 299.99))
            # The product as new goes on its own line, never onto the listed unit's.
            self.product_serial.website_published = True
            new = order._cart_update(product_id=self.product_serial.id, add_qty=1)
            self.assertNotEqual(new["line_id"], line.id)
            self.assertFalse(self.env["sale.order.line"].browse(new["line_id"]).resale_listing_id)
            # Another listing of the same product is another line.
            other = order._cart_update(product_id=self.product_serial.id, add_qty=1,
                                       resale_listing_id=self.phone_b2.id)
            self.assertNotIn(other["line_id"], (line.id, new["line_id"]))
        self.assertEqual(line.product_uom_qty, 1)
        self.assertEqual(order.order_line.resale_listing_id, self.phone_b | self.phone_b2)

    def test_a_unit_sold_elsewhere_is_no_longer_available_and_its_cart_cannot_be_paid(self):
        order = self._cart()
        with MockRequest(self.env, website=self.website, sale_order_id=order.id):
            order._cart_update(product_id=self.product_serial.id, add_qty=1, resale_listing_id=self.phone_b.id)
        self._sell(self.phone_b).action_confirm()
        self.assertEqual(self.phone_b.state, "reserved")
        page = self.url_open(f"/shop/refurbished/{self.phone_b.id}").text
        self.assertIn("no longer available", page)
        self.assertNotIn("o_refurbished_add_to_cart", page)
        self.assertNotIn(f'data-listing-id="{self.phone_b.id}"', self.url_open("/shop/refurbished").text)
        with MockRequest(self.env, website=self.website, sale_order_id=order.id):
            with self.assertRaisesRegex(UserError, "no longer available"):
                self._cart().with_user(self.env.ref("base.public_user")).sudo()._cart_update(
                    product_id=self.product_serial.id, add_qty=1, resale_listing_id=self.phone_b.id)
            with self.assertRaisesRegex(ValidationError, "No longer available.*Refurb Shop Phone"):
                order._check_cart_is_ready_to_be_paid()
        with self.assertRaisesRegex(UserError, "no longer for sale"):
            order.action_confirm()

    def test_the_add_route_refuses_a_unit_gone_meanwhile(self):
        page = self.url_open(f"/shop/refurbished/{self.phone_a.id}").text
        self.phone_a.action_delist()
        response = self.url_open(f"/shop/refurbished/{self.phone_a.id}/add",
                                 data={"csrf_token": self._csrf_token(page)})
        self.assertIn("no longer available", response.text)
        self.assertFalse(self.env["sale.order.line"].search([("resale_listing_id", "=", self.phone_a.id)]))

    def test_a_draft_listing_has_no_page(self):
        draft = self._dispose(product=self.product, code="resell_as_is").resale_listing_id
        self.assertEqual(draft.state, "draft")
        self.assertEqual(self.url_open(f"/shop/refurbished/{draft.id}").status_code, 404)

    def test_a_visitor_buys_the_grade_b_phone_and_pays_the_unit_is_reserved_then_sold(self):
        provider = self.env["payment.provider"].search([("code", "=", "demo")], limit=1)
        if not provider:
            self.skipTest("payment_demo is not installed")
        provider.write({"state": "test", "is_published": True, "company_id": self.company.id})
        self.start_tour("/shop/refurbished", "reverse_logistics_website_sale_refurbished")

        line = self.env["sale.order.line"].search([("resale_listing_id", "=", self.phone_b.id)])
        order = line.order_id
        self.assertEqual(order.state, "sale", "paid, hence confirmed")
        self.assertEqual(order.resale_channel_id, self.shop)
        self.assertEqual(self.phone_b.state, "reserved")
        self.assertEqual(self.phone_b2.state, "published", "the dearer grade-B phone is still for sale")
        picking = order.picking_ids
        self.assertEqual(picking.move_line_ids.lot_id, self.serials[0], "the delivery takes the unit sold")
        self.assertEqual(picking.move_line_ids.location_id, self.secondary)
        picking.move_ids.picked = True
        picking.button_validate()
        self.assertEqual((self.phone_b.state, self.phone_b.sold_channel_id), ("sold", self.shop))
