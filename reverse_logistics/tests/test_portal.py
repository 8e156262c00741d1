import re
from unittest import skipIf

from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.base.models import ir_actions_report

from .common import ReturnsCase
from .test_report_pdfs import assert_real_pdf

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@tagged("post_install", "-at_install")
class TestPortalReturns(HttpCase, ReturnsCase):
    """A customer requests and follows returns in the portal; nobody sees anyone else's."""

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
        cls.lamp_order = cls._deliver_sale(cls.portal_partner, [(cls.product_b, 2)])
        cls.other_order = cls._deliver_sale(cls.other_customer, [(cls.product, 2)])
        cls.other_return = cls.env["return.order"].create({
            "partner_id": cls.other_customer.id, "sale_order_id": cls.other_order.id,
            "line_ids": [(0, 0, {"product_id": cls.product.id, "product_uom_qty": 1,
                                 "reason_id": cls.reason_defect.id})],
        })

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    def _returns_of_customer(self):
        return self.env["return.order"].search([("partner_id", "=", self.portal_partner.id)])

    def _form(self):
        """The request form: csrf token and {product: (row, line value)}."""
        page = self.url_open("/my/returns/new").text
        rows = {
            self.env["product.product"].browse(int(product_id)): (row, value)
            for row, product_id, value in re.findall(
                r'data-row="(\d+)" data-product-id="(\d+)">.*?name="line_\1" value="([\d:]+)"', page, re.S
            )
        }
        return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1), rows

    def _post_request(self, lines, files=None, line_value=None, **extra):
        """Post the form with ``lines`` = [(product, qty, reason)]; ``line_value`` forges the line."""
        csrf_token, rows = self._form()
        data = {"csrf_token": csrf_token, "outcome": "refund", "comment": "Wobbly", **extra}
        for product, qty, reason in lines:
            row, value = rows[product]
            data.update({
                f"line_{row}": line_value or value,
                f"qty_{row}": str(qty),
                f"reason_{row}": str(reason.id) if reason else "",
            })
        return self.url_open("/my/returns/new", data=data, files=files or {})

    def _approve(self, rma):
        rma.action_submit()
        if rma.state == "to_approve":
            rma.action_approve()
        self.assertEqual(rma.state, "approved")

    # ------------------------------------------------------------------
    # Requesting a return
    # ------------------------------------------------------------------
    def test_customer_requests_a_return_in_the_browser_and_sees_it_listed(self):
        self.start_tour("/my/returns/new", "reverse_logistics_portal_return_request", login="portal_customer")
        rma = self._returns_of_customer()
        self.assertEqual(len(rma), 1)
        self.assertTrue(rma.requested_via_portal)
        self.assertEqual(rma.partner_id, self.portal_partner)
        self.assertEqual(rma.sale_order_id, self.order)
        self.assertEqual((rma.line_ids.product_id, rma.line_ids.product_uom_qty), (self.chair, 1))
        self.assertEqual(rma.line_ids.reason_id, self.reason_defect)
        self.assertEqual(rma.line_ids.requested_outcome, "refund")
        self.assertEqual(rma.customer_note, "Wobbly leg")
        self.assertIn(rma.state, ("to_approve", "approved"), "submitted on request")
        self.assertTrue(rma.activity_ids.user_id and not rma.activity_ids.user_id.share or rma.state == "approved",
                        "someone internal must decide")

    def test_form_offers_only_the_customers_returnable_deliveries(self):
        self.authenticate("portal_customer", "portal_customer")
        _token, rows = self._form()
        self.assertEqual(set(rows), {self.chair, self.product_b})
        page = self.url_open("/my/returns/new").text
        self.assertIn(self.order.name, page)
        self.assertNotIn(self.other_order.name, page)
        # Once everything of the chair is on an open return, it is no longer offered.
        self._post_request([(self.chair, 3, self.reason_defect)])
        _token, rows = self._form()
        self.assertEqual(set(rows), {self.product_b})

    def test_more_than_returnable_is_refused_and_nothing_is_written(self):
        self.authenticate("portal_customer", "portal_customer")
        before = self._row_counts()
        response = self._post_request([(self.chair, 4, self.reason_defect)])
        self.assertIn("at most 3", response.text)
        self.assertIn("o_portal_return_error", response.text, "the form is shown again with the error")
        self.assertEqual(self._row_counts(), before)

    def test_bad_rows_are_refused_with_a_clear_message(self):
        self.authenticate("portal_customer", "portal_customer")
        before = self._row_counts()
        cases = [
            ([], "Choose at least one product"),
            ([(self.chair, -1, self.reason_defect)], "Enter a positive quantity"),
            ([(self.chair, 1, None)], "Tell us why"),
            # A valid row next to a bad one: nothing at all is created.
            ([(self.product_b, 1, self.reason_defect), (self.chair, 9, self.reason_defect)], "at most 3"),
        ]
        for lines, message in cases:
            with self.subTest(message=message):
                self.assertIn(message, self._post_request(lines).text)
                self.assertEqual(self._row_counts(), before)

    def test_another_customers_sale_line_cannot_be_returned(self):
        self.authenticate("portal_customer", "portal_customer")
        before = self._row_counts()
        forged = f"{self.other_order.order_line.id}:0"
        response = self._post_request([(self.chair, 1, self.reason_defect)], line_value=forged)
        self.assertIn("cannot be returned from your account", response.text)
        self.assertEqual(self._row_counts(), before)

    def test_one_return_per_sale_order(self):
        self.authenticate("portal_customer", "portal_customer")
        response = self._post_request([(self.chair, 1, self.reason_defect), (self.product_b, 2, self.reason_changed)])
        returns = self._returns_of_customer()
        self.assertEqual(returns.sale_order_id, self.order | self.lamp_order)
        self.assertEqual(len(returns), 2)
        self.assertTrue(all(returns.mapped("requested_via_portal")))
        self.assertIn("one per order", response.text)
        for rma in returns:
            self.assertIn(rma.name, response.text)

    def test_request_without_csrf_token_is_rejected(self):
        self.authenticate("portal_customer", "portal_customer")
        _token, rows = self._form()
        row, value = rows[self.chair]
        response = self.url_open("/my/returns/new", data={
            f"line_{row}": value, f"qty_{row}": "1", f"reason_{row}": str(self.reason_defect.id),
        })
        self.assertEqual(response.status_code, 400)
        self.assertFalse(self._returns_of_customer())

    def test_photos_must_be_images(self):
        self.authenticate("portal_customer", "portal_customer")
        line = [(self.chair, 1, self.reason_defect)]
        response = self._post_request(line, files={"photos": ("notes.exe", b"MZ\x90\x00", "application/octet-stream")})
        self.assertIn("is not a photo", response.text)
        # The type is read from the content, not from what the browser claims.
        response = self._post_request(line, files={"photos": ("fake.png", b"MZ\x90\x00", "image/png")})
        self.assertIn("fake.png is not a photo", response.text)
        self.assertFalse(self._returns_of_customer())
        self._post_request(line, files={"photos": ("leg.png", PNG, "image/png")})
        rma = self._returns_of_customer()
        self.assertEqual(len(rma), 1)
        attachments = self.env["ir.attachment"].search([("res_model", "=", "return.order"), ("res_id", "=", rma.id)])
        self.assertEqual(attachments.mapped("name"), ["leg.png"])
        self.assertEqual(attachments.mimetype, "image/png")
        message = rma.message_ids.filtered(lambda m: attachments in m.attachment_ids)
        self.assertEqual(message.author_id, self.portal_partner, "shown in the chatter as sent by the customer")

    # ------------------------------------------------------------------
    # Following returns
    # ------------------------------------------------------------------
    def test_customer_sees_only_own_returns(self):
        self.authenticate("portal_customer", "portal_customer")
        self._post_request([(self.chair, 1, self.reason_defect)])
        own = self._returns_of_customer()
        listing = self.url_open("/my/returns").text
        self.assertIn(own.name, listing)
        self.assertNotIn(self.other_return.name, listing)
        self.assertNotIn(own.name, self.url_open("/my/returns?filterby=refused").text)
        self.assertIn(own.name, self.url_open("/my/returns?filterby=open&sortby=state").text)
        counters = self.make_jsonrpc_request("/my/counters", {"counters": ["return_count"]})
        self.assertEqual(counters["return_count"], 1)
        self.assertIn('href="/my/returns" title="Returns"', self.url_open("/my/home").text, "card on the portal home")

        page = self.url_open(own.get_portal_url()).text
        self.assertIn(own.name, page)
        self.assertIn("Portal chair", page)
        self.assertIn("o_portal_return_progress", page)

        response = self.url_open(f"/my/returns/{self.other_return.id}")
        self.assertNotIn(self.other_return.name, response.text)
        self.assertTrue(response.url.endswith("/my"), "redirected away from another customer's return")
        label = self.url_open(f"/my/returns/{self.other_return.id}/label")
        self.assertNotEqual(label.headers.get("Content-Type"), "application/pdf")
        self.assertNotIn(self.other_return.name, label.text)

    def test_customer_sees_the_refund_once_an_accountant_posted_it(self):
        self.policy.credit_moment = "receipt"
        self.chair.invoice_policy = "delivery"
        invoice = self.order._create_invoices()
        invoice.action_post()
        rma = self.env["return.order"].create({
            "partner_id": self.portal_partner.id, "sale_order_id": self.order.id,
            "line_ids": [(0, 0, {"product_id": self.chair.id, "product_uom_qty": 1,
                                 "reason_id": self.reason_defect.id})],
        })
        self._approve(rma)
        rma.action_receive()
        rma.credit_outcome = "store_credit"
        rma.action_draft_credit_notes()
        refund = rma.credit_note_ids
        self.authenticate("portal_customer", "portal_customer")
        self.assertNotIn("o_portal_return_credits", self.url_open(rma.get_portal_url()).text,
                         "a draft is the accountants' business, not yet the customer's")
        refund.action_post()
        page = self.url_open(rma.get_portal_url()).text
        self.assertIn("Your refund", page)
        self.assertIn(refund.name, page)
        self.assertIn(refund.currency_id.format(refund.amount_total), page)
        self.assertIn("Deducted from your invoice", page, "Odoo applied it to the open invoice it reverses")

    def test_list_requires_login(self):
        response = self.url_open("/my/returns")
        self.assertIn("/web/login", response.url)
        self.assertNotIn(self.other_return.name, response.text)

    def test_access_token_link_works_without_login_and_wrong_token_does_not(self):
        token = self.other_return._portal_ensure_token()
        page = self.url_open(f"/my/returns/{self.other_return.id}?access_token={token}")
        self.assertEqual(page.status_code, 200)
        self.assertIn(self.other_return.name, page.text)
        self.assertIn("Returnable chair", page.text)
        wrong = self.url_open(f"/my/returns/{self.other_return.id}?access_token=not-the-token")
        self.assertNotIn(self.other_return.name, wrong.text)
        self.assertNotIn("Returnable chair", wrong.text)
        # A portal customer with another customer's token may see that return (it was shared).
        self.authenticate("portal_customer", "portal_customer")
        shared = self.url_open(f"/my/returns/{self.other_return.id}?access_token={token}")
        self.assertIn(self.other_return.name, shared.text)

    def test_label_is_downloadable_once_approved(self):
        rma = self.other_return
        token = rma._portal_ensure_token()
        draft = self.url_open(f"/my/returns/{rma.id}/label?access_token={token}")
        self.assertNotEqual(draft.headers.get("Content-Type"), "application/pdf")
        self.assertIn("available once the return is approved", draft.text)
        self.assertNotIn("o_portal_return_label", self.url_open(rma.get_portal_url()).text)
        self._approve(rma)
        self.assertIn("o_portal_return_label", self.url_open(rma.get_portal_url()).text, "download button shown")
        label = self.url_open(f"/my/returns/{rma.id}/label?access_token={token}")
        self.assertEqual(label.status_code, 200)
        self.assertEqual(label.headers["Content-Type"], "application/pdf")
        self.assertIn("attachment;", label.headers["Content-Disposition"])
        # In test mode Odoo renders PDF reports as HTML (ir.actions.report._pre_render_qweb_pdf).
        if label.content.startswith(b"%PDF"):
            self.assertGreater(len(label.content), 1000)
        else:
            self.assertIn(rma.name, label.text)
            self.assertIn("How to return", label.text)

    def test_own_label_downloadable_with_session(self):
        self.authenticate("portal_customer", "portal_customer")
        self._post_request([(self.chair, 2, self.reason_defect)])
        rma = self._returns_of_customer()
        if rma.state == "to_approve":
            rma.action_approve()
        label = self.url_open(f"/my/returns/{rma.id}/label")
        self.assertEqual(label.status_code, 200)
        self.assertEqual(label.headers["Content-Type"], "application/pdf")
        if not label.content.startswith(b"%PDF"):  # test mode: HTML
            self.assertIn(rma.name, label.text)

    # ------------------------------------------------------------------
    # The label itself
    # ------------------------------------------------------------------
    def _serial_return(self):
        order = self._deliver_sale(self.customer, [(self.product_serial, 1)])
        rma = self.env["return.order"].create({
            "partner_id": self.customer.id, "sale_order_id": order.id,
            "line_ids": [(0, 0, {"product_id": self.product_serial.id, "product_uom_qty": 1,
                                 "lot_id": self.serials[0].id, "reason_id": self.reason_defect.id})],
        })
        self._approve(rma)
        return rma

    def test_label_renders_serials_and_instructions(self):
        rma = self._serial_return()
        self.company.external_report_layout_id = self.env.ref("web.external_layout_standard")
        action = rma.action_print_label()
        self.assertEqual(action["report_name"], "reverse_logistics.report_return_label", "printable from back office")
        html = self.env["ir.actions.report"]._render_qweb_html(
            "reverse_logistics.action_report_return_label", rma.ids
        )[0].decode()
        self.assertIn(rma.name, html)
        self.assertIn("SN-0", html)
        self.assertIn("How to return", html)
        self.assertIn(f'alt="Barcode {rma.name}" src="data:image/png;base64,', html, "Code128 of the reference")
        self.assertIn(rma.get_portal_url(), html.replace("&amp;", "&"), "link to follow the return")
        self.assertIn(self.warehouse.partner_id.name, html, "shipped to the warehouse")
        self.assertIn(self.customer.name, html, "shipped from the customer")
        # Without force_report_rendering, test mode renders the "PDF" as HTML.
        content, report_type = self.env["ir.actions.report"]._render_qweb_pdf(
            "reverse_logistics.action_report_return_label", rma.ids
        )
        self.assertEqual(report_type, "html")
        self.assertIn(rma.name, content.decode())

    @skipIf(ir_actions_report.wkhtmltopdf_state != "ok", "wkhtmltopdf is not installed")
    def test_label_is_a_real_pdf(self):
        rma = self._serial_return()
        # wkhtmltopdf fetches the styles from this test server.
        self.env["ir.config_parameter"].sudo().set_param("report.url", self.base_url())
        shown = assert_real_pdf(self, "reverse_logistics.action_report_return_label", rma,
                                (rma.name, "SN-0", "Howtoreturn", self.customer.name.replace(" ", "")))
        self.assertEqual(shown["pages"], 1, "label and instructions fit on one page")
