from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged

from .common import ReturnsCase


@tagged("post_install", "-at_install")
class TestPortalTracking(HttpCase, ReturnsCase):
    """The customer's tracking page: the link holder sees state and public events, nothing internal."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.owner = new_test_user(cls.env, "tracking_owner", groups="base.group_portal", partner_id=cls.customer.id)
        order = cls._deliver_sale(cls.customer, [(cls.product, 2)])
        cls.ret = cls._return_from_sale(order, [(cls.product, 1, {})])
        cls.ret.carrier_tracking_ref = "1Z-TRACK-ME"
        cls.ret.action_submit()
        cls.ret.action_approve()
        cls.ret._log_event("picked_up", source="carrier", place="Lyon depot", description="Collected",
                           date=fields.Datetime.now() - timedelta(days=1))
        cls.ret._log_event("arrived_hub", source="carrier", place="Zaragoza hub", description="Sorted for delivery")
        cls.ret._log_event("moved", source="system", description="Moved to Secondary-market Stock, cost 42.00")
        cls.ret._log_event("customs", source="customs", public=False, description="Broker note: pallet 7")

    def _tracking_path(self, token=None):
        if token is None:
            return self.ret._get_tracking_portal_url()
        return f"/my/returns/{self.ret.id}/tracking?access_token={token}"

    def test_the_link_shows_public_events_without_login(self):
        response = self.url_open(self._tracking_path())
        self.assertEqual(response.status_code, 200)
        page = response.text
        self.assertIn(self.ret.name, page)
        self.assertIn("1Z-TRACK-ME", page)
        self.assertIn("Zaragoza hub", page)
        self.assertIn("Sorted for delivery", page)
        self.assertIn("Approved", page)
        self.assertLess(page.index("Zaragoza hub"), page.index("Lyon depot"), "newest first")
        self.assertNotIn("Secondary-market", page, "what the company does with the goods is internal")
        self.assertNotIn("42.00", page)
        self.assertNotIn("pallet 7", page, "an event kept internal stays internal")

    def test_a_wrong_token_shows_nothing(self):
        response = self.url_open(self._tracking_path(token="not-the-token"), allow_redirects=False)
        self.assertIn(response.status_code, (302, 303))
        self.assertNotIn("Zaragoza hub", self.url_open(self._tracking_path(token="not-the-token")).text)
        no_token = self.url_open(f"/my/returns/{self.ret.id}/tracking", allow_redirects=False)
        self.assertIn(no_token.status_code, (302, 303))

    def test_another_customer_sees_nothing(self):
        new_test_user(self.env, "tracking_stranger", groups="base.group_portal", partner_id=self.other_customer.id)
        self.authenticate("tracking_stranger", "tracking_stranger")
        response = self.url_open(f"/my/returns/{self.ret.id}/tracking", allow_redirects=False)
        self.assertIn(response.status_code, (302, 303))
        self.assertNotIn("Zaragoza hub", response.text)

    def test_the_owner_finds_it_from_the_return_page(self):
        self.authenticate("tracking_owner", "tracking_owner")
        page = self.url_open(f"/my/returns/{self.ret.id}").text
        self.assertIn(f"/my/returns/{self.ret.id}/tracking", page)
        response = self.url_open(f"/my/returns/{self.ret.id}/tracking")
        self.assertEqual(response.status_code, 200)
        self.assertIn("Zaragoza hub", response.text)
