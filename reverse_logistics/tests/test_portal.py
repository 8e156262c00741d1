import re

from odoo.tests import HttpCase, new_test_user, tagged

from .common import ReturnsCase


@tagged("post_install", "-at_install")
class TestPortalReturns(HttpCase, ReturnsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal_user = new_test_user(
            cls.env, "portal_customer", groups="base.group_portal", name="Portal Customer",
            email="portal.customer@example.com",
        )
        cls.portal_partner = cls.portal_user.partner_id
        cls.portal_partner.country_id = cls.env.ref("base.de")
        cls.chair = cls._create_product("Portal chair", list_price=80.0)
        cls.env["stock.quant"]._update_available_quantity(cls.chair, cls.stock_location, 10)
        cls.order = cls._deliver_sale(cls.portal_partner, [(cls.chair, 3)])
        cls.other_order = cls._deliver_sale(cls.other_customer, [(cls.product, 2)])
        cls.other_return = cls.env["return.order"].create({
            "partner_id": cls.other_customer.id, "sale_order_id": cls.other_order.id,
            "line_ids": [(0, 0, {"product_id": cls.product.id, "product_uom_qty": 1,
                                 "reason_id": cls.reason_defect.id})],
        })

    def _returns_of_customer(self):
        return self.env["return.order"].search([("partner_id", "=", self.portal_partner.id)])

    def _post_request(self, qty, files=None):
        page = self.url_open("/my/returns/new").text
        row = re.search(r'name="line_(\d+)" value="(\d+):(\d+)"', page)
        self.assertTrue(row, "the delivered chair is offered")
        data = {
            "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page).group(1),
            f"line_{row.group(1)}": f"{row.group(2)}:{row.group(3)}",
            f"qty_{row.group(1)}": str(qty),
            f"reason_{row.group(1)}": str(self.reason_defect.id),
            "outcome": "refund",
            "comment": "Wobbly",
        }
        return self.url_open("/my/returns/new", data=data, files=files or {})

    def test_customer_requests_a_return_in_the_browser_and_sees_it_listed(self):
        self.start_tour("/my/returns/new", "reverse_logistics_portal_return_request", login="portal_customer")
        rma = self._returns_of_customer()
        self.assertEqual(len(rma), 1)
        self.assertTrue(rma.requested_via_portal)
        self.assertEqual(rma.sale_order_id, self.order)
        self.assertEqual((rma.line_ids.product_id, rma.line_ids.product_uom_qty), (self.chair, 1))
        self.assertEqual(rma.customer_note, "Wobbly leg")
        self.assertIn(rma.state, ("to_approve", "approved"), "submitted on request")
        self.assertTrue(rma.activity_ids.user_id and not rma.activity_ids.user_id.share or rma.state == "approved",
                        "someone internal must decide")

    def test_more_than_returnable_is_refused_and_nothing_is_written(self):
        self.authenticate("portal_customer", "portal_customer")
        response = self._post_request(4)
        self.assertIn("at most 3", response.text)
        self.assertFalse(self._returns_of_customer())

    def test_photos_must_be_images(self):
        self.authenticate("portal_customer", "portal_customer")
        response = self._post_request(1, files={"photos": ("notes.exe", b"MZ\x90\x00", "application/octet-stream")})
        self.assertIn("is not a photo", response.text)
        self.assertFalse(self._returns_of_customer())
        png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
        self._post_request(1, files={"photos": ("leg.png", png, "image/png")})
        rma = self._returns_of_customer()
        self.assertEqual(len(rma), 1)
        attachments = self.env["ir.attachment"].search([("res_model", "=", "return.order"), ("res_id", "=", rma.id)])
        self.assertEqual(attachments.mapped("name"), ["leg.png"])
        self.assertIn(attachments, rma.message_ids.attachment_ids, "shown in the chatter")

    def test_customer_sees_only_own_returns(self):
        self.authenticate("portal_customer", "portal_customer")
        self._post_request(1)
        own = self._returns_of_customer()
        listing = self.url_open("/my/returns").text
        self.assertIn(own.name, listing)
        self.assertNotIn(self.other_return.name, listing)
        response = self.url_open(f"/my/returns/{self.other_return.id}")
        self.assertNotIn(self.other_return.name, response.text)
        self.assertTrue(response.url.endswith("/my"), "redirected away from another customer's return")

    def test_access_token_link_works_without_login_and_wrong_token_does_not(self):
        token = self.other_return._portal_ensure_token()
        page = self.url_open(f"/my/returns/{self.other_return.id}?access_token={token}")
        self.assertIn(self.other_return.name, page.text)
        wrong = self.url_open(f"/my/returns/{self.other_return.id}?access_token=not-the-token")
        self.assertNotIn(self.other_return.name, wrong.text)

    def test_label_is_downloadable_once_approved(self):
        token = self.other_return._portal_ensure_token()
        draft = self.url_open(f"/my/returns/{self.other_return.id}/label?access_token={token}")
        self.assertNotEqual(draft.headers.get("Content-Type"), "application/pdf")
        self.assertIn("available once the return is approved", draft.text)
        self.other_return.action_submit()
        if self.other_return.state == "to_approve":
            self.other_return.action_approve()
        label = self.url_open(f"/my/returns/{self.other_return.id}/label?access_token={token}")
        self.assertEqual(label.status_code, 200)
        # Without wkhtmltopdf, Odoo's test mode renders the report as HTML.
        self.assertIn(label.headers.get("Content-Type").split(";")[0], ("application/pdf", "text/html"))
        if label.headers["Content-Type"].startswith("text/html"):
            self.assertIn(self.other_return.name, label.text)

    def test_label_renders_serials_and_instructions(self):
        order = self._deliver_sale(self.customer, [(self.product_serial, 1)])
        rma = self.env["return.order"].create({
            "partner_id": self.customer.id, "sale_order_id": order.id,
            "line_ids": [(0, 0, {"product_id": self.product_serial.id, "product_uom_qty": 1,
                                 "lot_id": self.serials[0].id, "reason_id": self.reason_defect.id})],
        })
        html = self.env["ir.actions.report"]._render_qweb_html(
            "reverse_logistics.action_report_return_label", rma.ids
        )[0].decode()
        self.assertIn(rma.name, html)
        self.assertIn("SN-0", html)
        self.assertIn("How to return", html)
        self.assertIn("/report/barcode/", html)
