"""The demo's distributor: an agreement, five months of invoices and an end-of-season excess-stock return."""

from odoo.tests import HttpCase, TransactionCase, tagged
from odoo.tools import formatLang


@tagged("post_install", "-at_install")
class TestDemoExcessReturn(TransactionCase):
    def test_the_distributors_list_was_checked_drawn_on_the_oldest_invoices_and_explained(self):
        agreement = self.env.ref("reverse_logistics.demo_excess_agreement")
        self.assertEqual(agreement.state, "active")
        self.assertEqual((agreement.purchases_amount, agreement.allowance_amount), (7690.0, 769.0))
        rma = agreement.return_ids
        self.assertEqual(len(rma), 1)
        self.assertEqual((rma.return_kind, rma.state, rma.partner_id),
                         ("excess", "to_approve", self.env.ref("reverse_logistics.demo_excess_buyer")))
        parasols = rma.line_ids.filtered(lambda line: line.product_id.default_code == "GD-PARASOL")
        self.assertEqual(parasols.invoice_line_id.move_id, self.env.ref("reverse_logistics.demo_excess_invoice_1"),
                         "the oldest invoice first")
        self.assertEqual((parasols.product_uom_qty, parasols.price_unit), (12.0, 45.0))
        self.assertEqual(rma.amount_total, 660.0)
        self.assertEqual(rma.restocking_fee_amount, 99.0, "15 %")
        self.assertEqual(agreement.allowance_left, 109.0)
        note = rma.message_ids.filtered(lambda m: "Checked against agreement" in (m.body or ""))
        self.assertIn("Teak sun lounger: 2 Units of 2 cut, above the 10 % allowance", note.body)
        self.assertIn("Solar lantern (2024 model): 5 Units of 5 cut, discontinued", note.body)


@tagged("post_install", "-at_install")
class TestDemoPortalExcess(HttpCase):
    def test_the_documented_portal_login_sees_its_excess_stock_agreement(self):
        agreement = self.env.ref("reverse_logistics.demo_excess_agreement_weber")
        self.assertEqual(agreement.state, "active")
        # The garden range invoiced two months ago and the rest of what Weber bought in six months.
        self.assertGreaterEqual(agreement.purchases_amount, 1920.0)
        self.assertAlmostEqual(agreement.allowance_amount, agreement.purchases_amount * 0.10, places=2)
        # As the portal shows it to Weber's buyer, in German (decimal comma).
        left = formatLang(self.env(context={"lang": agreement.partner_id.lang}), agreement.allowance_left)
        # The login the README gives for the demo's portal.
        self.authenticate("portal.returns@example.com", "portal.returns")
        self.assertIn("o_portal_excess_return", self.url_open("/my/returns").text)
        page = self.url_open("/my/returns/excess").text
        self.assertIn("Kaufhaus Weber: garden range rotation", page)
        self.assertIn(left, page, "the allowance left: 10 % of what Weber bought")
