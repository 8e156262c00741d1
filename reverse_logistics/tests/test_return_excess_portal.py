"""A trade customer proposes its excess stock on the portal: checked as a clerk's proposal, cuts explained."""

import re

from odoo.tests import HttpCase, new_test_user, tagged

from .test_return_excess import ExcessCase


@tagged("post_install", "-at_install")
class TestExcessPortal(HttpCase, ExcessCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal_user = new_test_user(cls.env, "excess_portal", groups="base.group_portal", name="Portal Buyer",
                                        email="portal.buyer@example.com")
        cls.portal_user.partner_id.parent_id = cls.distributor
        cls.stranger = new_test_user(cls.env, "excess_stranger", groups="base.group_portal", name="Stranger",
                                     email="stranger@example.com")

    def _returns(self):
        return self.env["return.order"].search([("return_agreement_id", "=", self.agreement.id)])

    def _post(self, lines, comment="End of season"):
        page = self.url_open("/my/returns/excess").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        return self.url_open("/my/returns/excess", data={"csrf_token": token, "lines": lines, "comment": comment})

    def test_a_customer_proposes_its_list_and_reads_why_lines_were_cut(self):
        self.authenticate("excess_portal", "excess_portal")
        self.assertIn("o_portal_excess_return", self.url_open("/my/returns").text)
        page = self.url_open("/my/returns/excess").text
        self.assertIn("Iberia stock rotation", page)
        self.assertIn("305.00", page, "half of the 610.00 bought: the allowance left")
        response = self._post("XS-CHAIR;3\nXS-DRILL;1")
        rma = self._returns()
        self.assertEqual(len(rma), 1)
        self.assertIn(f"/my/returns/{rma.id}", response.url)
        self.assertEqual((rma.partner_id, rma.state, rma.requested_via_portal, rma.customer_note),
                         (self.portal_user.partner_id, "to_approve", True, "End of season"))
        self.assertEqual((rma.line_ids.product_id, rma.line_ids.product_uom_qty), (self.chair, 3.0))
        told = rma.message_ids.filtered(lambda m: not m.is_internal and "your return agreement" in (m.body or ""))
        self.assertEqual(len(told), 1, "the customer is told, not only the internal note")
        self.assertIn("Drill: 1 Units of 1 cut, not in the range", told.body)

    def test_a_list_with_an_unknown_reference_is_refused_and_nothing_is_created(self):
        self.authenticate("excess_portal", "excess_portal")
        response = self._post("XS-CHAIR;3\nXS-NOPE;1")
        self.assertEqual(response.status_code, 400)
        self.assertIn("no product has the reference or barcode XS-NOPE", response.text)
        self.assertIn("XS-CHAIR;3", response.text, "the list comes back to be fixed")
        self.assertFalse(self._returns())

    def test_a_customer_without_agreement_sees_none_and_cannot_post(self):
        self.authenticate("excess_stranger", "excess_stranger")
        self.assertNotIn("o_portal_excess_return", self.url_open("/my/returns").text)
        page = self.url_open("/my/returns/excess").text
        self.assertIn("no return agreement in force", page)
        self.assertNotIn("Iberia", page)
        # A forged post (the page has no form without an agreement): the token of the account page.
        token = re.search(r'name="csrf_token" value="([^"]+)"', self.url_open("/my/account").text).group(1)
        response = self.url_open("/my/returns/excess", data={"csrf_token": token, "lines": "XS-CHAIR;1"})
        self.assertEqual(response.status_code, 404)
        self.assertFalse(self._returns())
