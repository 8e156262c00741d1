"""A refurbished-goods seller prices and publishes a draft listing from the kanban, in a browser."""

from odoo.tests import HttpCase, new_test_user, tagged

from .resale_common import ResaleCase


@tagged("post_install", "-at_install")
class TestResaleTour(ResaleCase, HttpCase):
    def test_a_seller_publishes_a_draft_listing_at_the_suggested_price(self):
        listing = self._dispose(self.serials[0], grade=self.grade_b).resale_listing_id
        listing.condition_note = "Tour phone"
        self.assertEqual(listing.state, "draft")
        new_test_user(self.env, "tour_seller", password="tour_seller", name="Tour Seller",
                      groups="reverse_logistics.group_refurbished_sales")
        self.start_tour("/odoo/action-reverse_logistics.action_resale_listing", "reverse_logistics_resale_listing",
                        login="tour_seller")
        self.assertEqual(listing.state, "published")
        self.assertEqual(listing.price, listing.suggested_price)
        listed = self.env["return.event"].search([("lot_id", "=", self.serials[0].id), ("event_type", "=", "listed")])
        self.assertEqual(listed.user_id.login, "tour_seller")
