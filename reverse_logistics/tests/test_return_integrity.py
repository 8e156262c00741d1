"""Returns that cannot be gamed: one rule decides what a line may return, the flows own the states.

Each test reproduces a way found from outside to lose goods, money or data, as a Returns user
would do it over XML-RPC (``with_user``, plain ``create``/``write`` with the values a client can
send), and checks it is refused with a clear error and nothing written.
"""

import math

from odoo import Command, fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import ReturnsCase


@tagged("post_install", "-at_install")
class TestReturnIntegrity(ReturnsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.clerk = new_test_user(cls.env, "integrity_clerk", groups="reverse_logistics.group_returns_user",
                                  email="clerk@example.com")
        cls.manager = new_test_user(cls.env, "integrity_manager", groups="reverse_logistics.group_returns_manager",
                                    email="manager@example.com")
        cls.order = cls._deliver_sale(cls.customer, [(cls.product, 5)])
        cls.other_order = cls._deliver_sale(cls.other_customer, [(cls.product, 4)])

    def _new_return(self, lines, partner=None, **header):
        """A return created by the clerk, as a client would: {product_id, product_uom_qty, ...} per line."""
        return self.env["return.order"].with_user(self.clerk).create({
            "partner_id": (partner or self.customer).id,
            "line_ids": [Command.create({"reason_id": self.reason_defect.id, **line}) for line in lines],
            **header,
        })

    # ------------------------------------------------------------------
    # States, approvals, dates and amounts change through the actions only
    # ------------------------------------------------------------------
    def test_a_clerk_cannot_approve_out_of_policy_by_filling_in_the_override(self):
        late = self._deliver_sale(self.customer, [(self.product_b, 1)], days_ago=90)
        rma = self._return_from_sale(late, [(self.product_b, 1, {})]).with_user(self.clerk)
        rma.action_submit()
        self.assertTrue(rma.out_of_policy)
        with self.assertRaisesRegex(UserError, "cannot be set by hand"):
            rma.write({"override_reason": "Looks fine to me"})
        with self.assertRaisesRegex(UserError, "Only a Returns Manager can approve it"):
            rma.action_approve()
        with self.assertRaisesRegex(UserError, "Only a Returns Manager"):
            rma._approve_with_override("Looks fine to me")
        self.assertEqual(rma.state, "to_approve")
        self.assertFalse(rma.sudo().override_reason)
        self.assertFalse(rma.sudo().picking_ids, "no receipt")

    def test_a_manager_override_records_who_and_why(self):
        late = self._deliver_sale(self.customer, [(self.product_b, 1)], days_ago=90)
        rma = self._return_from_sale(late, [(self.product_b, 1, {})])
        rma.action_submit()
        action = rma.with_user(self.manager).action_approve()
        self.assertEqual(action["res_model"], "return.order.override.wizard")
        wizard = self.env[action["res_model"]].with_user(self.manager).with_context(**action["context"]).create(
            {"reason": "Loyal customer, goods unused"}
        )
        wizard.action_approve()
        self.assertEqual(rma.state, "approved")
        self.assertEqual(rma.override_user_id, self.manager)
        self.assertEqual(rma.override_reason, "Loyal customer, goods unused")
        note = rma.message_ids.filtered(lambda m: "Approved out of policy" in (m.body or ""))
        self.assertTrue(note.subtype_id.internal, "the override is an internal note")
        self.assertIn("Loyal customer", note.body)
        self.assertIn(self.manager.name, note.body)

    def test_state_and_approval_fields_cannot_be_written_by_hand(self):
        rma = self._return_from_sale(self.order, [(self.product, 1, {})]).with_user(self.clerk)
        forged = [
            {"state": "approved"},
            {"state": "done"},
            {"date_approved": "2026-01-01 00:00:00"},
            {"date_received": "2026-01-01 00:00:00"},
            {"override_user_id": self.clerk.id},
            {"refuse_reason": "x"},
            {"requested_via_portal": True},
            {"date_requested": "1900-01-01 00:00:00"},
            {"date_requested": "9999-12-31 00:00:00"},
            {"name": "RMA/FAKE"},
            {"amount_total": 0.0},
            {"out_of_policy": False},
        ]
        for vals in forged:
            with self.subTest(vals=vals), self.assertRaisesRegex(UserError, "cannot be set by hand"):
                rma.write(vals)
        self.assertEqual((rma.state, rma.sudo().picking_ids), ("draft", self.env["stock.picking"]))
        self.assertEqual(rma.line_ids.product_uom_qty, 1)
        with self.assertRaisesRegex(UserError, "cannot be set by hand"):
            rma.line_ids.write({"price_subtotal": 0.0})
        # Nor at creation, nor through a context default a client can send.
        self.assertRefused(UserError, "cannot be set by hand", self._new_return,
                           [{"product_id": self.product.id, "sale_line_id": self.order.order_line.id}], state="done")
        sneaky = self.env["return.order"].with_user(self.clerk).with_context(
            default_state="approved", default_date_requested="1900-01-01 00:00:00"
        ).create({"partner_id": self.customer.id})
        self.assertEqual(sneaky.state, "draft")
        self.assertGreater(sneaky.date_requested, fields.Datetime.now().replace(year=2000))

    def test_the_unit_value_is_the_price_sold_at(self):
        rma = self._return_from_sale(self.order, [(self.product, 1, {})]).with_user(self.clerk)
        sold_at = rma.line_ids.price_unit
        with self.assertRaisesRegex(ValidationError, "price it was sold at"):
            rma.line_ids.write({"price_unit": 0.01})
        self.assertEqual(rma.line_ids.price_unit, sold_at)
        rma.line_ids.write({"price_unit": sold_at})  # unchanged: accepted, as the form sends it back
        # Without a source document, the value is given by hand (and a manager decides, see policy).
        free = self._new_return([{"product_id": self.product_b.id, "product_uom_qty": 1, "price_unit": 12.5}])
        self.assertEqual(free.line_ids.price_unit, 12.5)
        self.assertRefused(ValidationError, "positive amount", self._new_return,
                           [{"product_id": self.product_b.id, "price_unit": -3.0}])

    # ------------------------------------------------------------------
    # One ledger: every path asks what is left of every source
    # ------------------------------------------------------------------
    def test_a_delivery_move_and_its_sale_line_share_what_was_delivered(self):
        move = self.order.picking_ids.move_ids
        self._return_from_sale(self.order, [(self.product, 2, {})])
        self.assertRefused(
            ValidationError, "at most 3", self._new_return,
            [{"product_id": self.product.id, "product_uom_qty": 5, "origin_move_id": move.id}],
        )
        by_move = self._new_return([{"product_id": self.product.id, "product_uom_qty": 3, "origin_move_id": move.id}])
        self.assertEqual(by_move.line_ids.sale_line_id, self.order.order_line, "the move brings its sale line")
        self.assertRefused(
            ValidationError, "at most 0", self._new_return,
            [{"product_id": self.product.id, "product_uom_qty": 1, "sale_line_id": self.order.order_line.id}],
        )
        other_move = self.other_order.picking_ids.move_ids
        self.assertRefused(
            ValidationError, "does not belong to the sale order line", self._new_return,
            [{"product_id": self.product.id, "origin_move_id": other_move.id,
              "sale_line_id": self.order.order_line.id}],
        )

    def test_lines_cannot_name_another_customers_documents(self):
        other_line = self.other_order.order_line
        other_move = self.other_order.picking_ids.move_ids
        invoice = self.other_order._create_invoices()
        invoice.action_post()
        for source in ({"sale_line_id": other_line.id}, {"origin_move_id": other_move.id},
                       {"invoice_line_id": invoice.invoice_line_ids.id}):
            with self.subTest(source=source):
                self.assertRefused(
                    ValidationError, "a customer returns their own goods only", self._new_return,
                    [{"product_id": self.product.id, "product_uom_qty": 1, **source}],
                )
        # Nor by switching the customer of a draft afterwards.
        rma = self._return_from_sale(self.order, [(self.product, 1, {})]).with_user(self.clerk)
        rma.sale_order_id = False
        with self.assertRaisesRegex(ValidationError, "a customer returns their own goods only"):
            rma.partner_id = self.other_customer

    def test_another_companys_document_is_refused_without_being_named(self):
        other_company = self.env["res.company"].create({"name": "Hidden Co"})
        rma = self.env["return.order"].create({"partner_id": self.customer.id, "company_id": other_company.id})
        with self.assertRaises(ValidationError) as caught:
            self.env["return.order.line"].create({
                "order_id": rma.id, "product_id": self.product.id, "sale_line_id": self.order.order_line.id,
            })
        self.assertIn("belongs to another company", str(caught.exception))
        self.assertNotIn(self.order.name, str(caught.exception))

    def test_only_delivered_goods_of_confirmed_orders_are_returned(self):
        quotation = self.env["sale.order"].create({
            "partner_id": self.customer.id,
            "order_line": [Command.create({"product_id": self.product.id, "product_uom_qty": 2})],
        })
        self.assertRefused(ValidationError, "confirmed sale order", self._new_return,
                           [{"product_id": self.product.id, "sale_line_id": quotation.order_line.id}])
        # An internal move is not a delivery.
        internal = self.env["stock.move"].create({
            "name": "shelf", "product_id": self.product.id, "product_uom_qty": 1,
            "location_id": self.stock_location.id, "location_dest_id": self.stock_location.id,
        })
        self.assertRefused(ValidationError, "not a done delivery", self._new_return,
                           [{"product_id": self.product.id, "origin_move_id": internal.id}])

    def test_serials_are_returned_by_whoever_has_them_once_at_a_time(self):
        sn0, sn1, sn2 = self.serials
        order = self._deliver_sale(self.customer, [(self.product_serial, 2)], lots=sn0 | sn2)
        sale_line = order.order_line

        def serial_line(lot, **extra):
            return {"product_id": self.product_serial.id, "product_uom_qty": 1, "lot_id": lot.id, **extra}

        # Never delivered (still on our shelf): not on the delivery, and not with the customer.
        self.assertRefused(ValidationError, "was not delivered with", self._new_return,
                           [serial_line(sn1, sale_line_id=sale_line.id)])
        self.assertRefused(ValidationError, "is not with Kunde GmbH", self._new_return, [serial_line(sn1)])
        # On another open return already.
        first = self._new_return([serial_line(sn2, sale_line_id=sale_line.id)])
        self.assertRefused(ValidationError, "already being returned", self._new_return, [serial_line(sn2)])
        self.assertRefused(ValidationError, "listed more than once", self._new_return,
                           [serial_line(sn0, sale_line_id=sale_line.id), serial_line(sn0)])
        # Returned and received: back in our stock, it cannot be returned again.
        first.action_submit()
        if first.state == "to_approve":
            first.action_approve()
        first.action_receive()
        self.assertEqual(first.state, "received")
        self.assertRefused(ValidationError, "has come back already", self._new_return,
                           [serial_line(sn2, sale_line_id=sale_line.id)])
        # Another customer cannot return a serial the customer has.
        self.assertRefused(ValidationError, "is not with Client SARL", self._new_return,
                           [serial_line(sn0)], partner=self.other_customer)

    def test_wizards_offer_exactly_what_open_returns_leave(self):
        self._return_from_sale(self.order, [(self.product, 3, {})])
        invoice = self.order._create_invoices()
        invoice.action_post()
        Line = self.env["return.order.line"]
        for source in ({"sale_orders": self.order}, {"pickings": self.order.picking_ids}, {"invoices": invoice}):
            with self.subTest(source=list(source)):
                (candidate,) = Line._get_returnable_candidates(**source)
                self.assertEqual(candidate["returnable_qty"], 2)
        action = self.order.picking_ids.action_create_return_order()
        wizard = self.env["return.order.wizard"].browse(action["res_id"])
        self.assertEqual(wizard.line_ids.returnable_qty, 2)
        wizard.line_ids.quantity = 3
        self.assertRefused(UserError, "At most 2", wizard.action_create_return)

    def test_reopening_or_submitting_checks_again(self):
        rma = self._return_from_sale(self.order, [(self.product, 5, {})])
        rma.action_cancel()
        self._return_from_sale(self.order, [(self.product, 1, {})])
        self.assertRefused(ValidationError, "at most 4", rma.action_draft)
        self.assertEqual(rma.state, "cancelled")

    # ------------------------------------------------------------------
    # Lines and header are fixed once the receipt is made from them
    # ------------------------------------------------------------------
    def test_an_approved_return_keeps_its_products_and_addresses(self):
        rma = self._return_from_sale(self.order, [(self.product, 2, {})])
        rma.action_submit()
        if rma.state == "to_approve":
            rma.action_approve()
        as_clerk = rma.with_user(self.clerk)
        line = as_clerk.line_ids
        with self.assertRaisesRegex(UserError, "cannot change any more"):
            line.product_uom_qty = 5
        with self.assertRaisesRegex(UserError, "cannot change any more"):
            self.env["return.order.line"].with_user(self.clerk).create({
                "order_id": rma.id, "product_id": self.product.id, "product_uom_qty": 1,
                "sale_line_id": self.order.order_line.id,
            })
        with self.assertRaisesRegex(UserError, "cannot change any more"):
            line.unlink()
        with self.assertRaisesRegex(UserError, "cannot change any more"):
            as_clerk.warehouse_id = self.env["stock.warehouse"].create({"name": "Other", "code": "OTH"})
        with self.assertRaisesRegex(UserError, "cannot change any more"):
            as_clerk.partner_id = self.other_customer
        draft = self._return_from_sale(self.order, [(self.product, 1, {})]).with_user(self.clerk)
        with self.assertRaisesRegex(UserError, "stays on its return"):
            draft.write({"line_ids": [Command.link(line.id)]})
        self.assertRefused(UserError, "new lines only", self._new_return, [], line_ids=[Command.link(line.id)])
        self.assertEqual((line.order_id, line.product_uom_qty), (rma, 2))

    # ------------------------------------------------------------------
    # Values
    # ------------------------------------------------------------------
    def test_bad_values_are_refused_before_anything_is_written(self):
        sale_line = self.order.order_line
        service = self.env["product.product"].create({"name": "Installation", "type": "service"})
        good = {"product_id": self.product.id, "sale_line_id": sale_line.id, "product_uom_qty": 1}
        cases = [
            ({**good, "product_uom_qty": math.nan}, {}, "must be a number"),
            ({**good, "product_uom_qty": math.inf}, {}, "must be a number"),
            ({**good, "product_uom_qty": -math.inf}, {}, "must be a number"),
            ({**good, "product_uom_qty": 0}, {}, "must be positive"),
            ({**good, "product_uom_qty": "2"}, {}, "must be a number"),
            ({**good, "sequence": 2**40}, {}, "is not a valid value"),
            ({**good, "requested_outcome": "cash_and_keep"}, {}, "not one of the choices"),
            ({**good, "product_id": 2**31 + 5}, {}, "is not a valid value"),
            ({**good, "product_id": 99999999}, {}, "Choose the product"),
            ({**good, "product_id": "1; DROP TABLE"}, {}, "is not a valid value"),
            ({"product_id": service.id, "product_uom_qty": 1}, {}, "only goods can be returned"),
            (good, {"customer_note": "x" * 5_001}, "too long"),
            (good, {"customer_note": "nul\x00byte"}, "NUL character"),
            (good, {"carrier_tracking_ref": "ab\x00"}, "control characters"),
            (good, {"partner_id": "Kunde"}, "is not a valid value"),
        ]
        for line, header, message in cases:
            with self.subTest(message=message, line=line, header=header):
                self.assertRefused(UserError, message, self._new_return, [line], **header)

    def test_refusal_reasons_are_text_of_reasonable_length(self):
        rma = self._return_from_sale(self.order, [(self.product, 1, {})])
        rma.action_submit()
        with self.assertRaisesRegex(ValidationError, "too long"):
            rma._refuse("x" * 20_000)
        self.assertEqual(rma.state, "to_approve")


@tagged("post_install", "-at_install")
class TestReturnNotifications(ReturnsCase):
    """What the customer is told: the templates, never internal fields; mail set-up never blocks."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Tracking and notifications as in production.
        cls.env = cls.env(context={})
        cls.company.email = "returns@yourcompany.example.com"
        cls.manager = new_test_user(cls.env, "notif_manager", groups="reverse_logistics.group_returns_manager",
                                    email="manager@example.com", name="Mara Manager")

    def _customer_messages(self, rma):
        return self.env["mail.message"].search([
            ("model", "=", "return.order"), ("res_id", "=", rma.id),
            ("notified_partner_ids", "in", self.customer.ids),
        ])

    def test_an_override_is_never_told_to_the_customer(self):
        late = self._deliver_sale(self.customer, [(self.product_b, 1)], days_ago=90)
        rma = self._return_from_sale(late, [(self.product_b, 1, {})])
        self.assertIn(self.customer, rma.message_partner_ids, "the customer follows the return")
        rma.action_submit()
        wizard = self.env["return.order.override.wizard"].with_user(self.manager).create({
            "return_order_ids": [Command.set(rma.ids)], "reason": "Golf partner of the CEO",
        })
        wizard.action_approve()
        self.assertEqual(rma.state, "approved")
        told = self._customer_messages(rma)
        self.assertEqual(len(told), 1, "one message: the approval e-mail")
        self.assertIn("is approved", told.subject)
        self.assertFalse(told.tracking_value_ids)
        mails = self.env["mail.mail"].search([("recipient_ids", "in", self.customer.ids)])
        for text in [told.body, *mails.mapped("body_html")]:
            self.assertNotIn("Golf partner", text or "")
            self.assertNotIn("Mara Manager", text or "")
        # Internal users following the return still see the override.
        self.assertTrue(rma.message_ids.filtered(lambda m: "Golf partner" in (m.body or "") and m.subtype_id.internal))

    def test_the_customer_gets_one_email_which_stays_on_the_return_once_sent(self):
        rma = self._return_from_sale(self._delivered_order(), [(self.product, 1, {})])
        rma.message_subscribe(partner_ids=self.manager.partner_id.ids)
        rma.action_submit()
        if rma.state == "to_approve":
            rma.with_user(self.manager).action_approve()
        (told,) = self._customer_messages(rma)
        self.assertEqual((told.message_type, told.subtype_id), ("comment", self.env.ref("mail.mt_comment")))
        self.assertEqual(told.author_id, self.manager.partner_id, "from the manager who approved")
        mail = self.env["mail.mail"].search([("mail_message_id", "=", told.id)])
        self.assertEqual(mail.recipient_ids, self.customer, "to the customer, not to the internal followers")
        self.assertIn(rma.get_portal_url(suffix="/label"), mail.body_html, "with the link to the label")
        self.assertIn("Powered by", mail.body_html, "the e-mail is sent in the company's layout")
        self.assertNotIn("Powered by", told.body, "the chatter shows the message, not the e-mail's layout")
        self.assertIn("is approved", told.body)
        self.assertEqual(told.notification_ids.notification_status, "ready")
        mail.send()
        self.assertTrue(told.exists(), "the e-mail sent stays on the return's chatter")
        self.assertEqual(told.notification_ids.notification_status, "sent")

    def test_a_user_without_email_address_approves_and_the_company_writes(self):
        clerk = new_test_user(self.env, "notif_clerk", groups="reverse_logistics.group_returns_user")
        clerk.partner_id.email = False
        rma = self._return_from_sale(self._delivered_order(), [(self.product, 1, {})]).with_user(clerk)
        rma.action_submit()
        if rma.state == "to_approve":
            rma.action_approve()
        self.assertEqual(rma.state, "approved")
        (approval,) = self._customer_messages(rma)
        self.assertIn("returns@yourcompany.example.com", approval.email_from)

    def test_without_any_sender_address_the_return_says_so(self):
        clerk = new_test_user(self.env, "notif_clerk2", groups="reverse_logistics.group_returns_user")
        clerk.partner_id.email = False
        self.company.email = False
        rma = self._return_from_sale(self._delivered_order(), [(self.product, 1, {})]).with_user(clerk)
        rma.action_submit()
        if rma.state == "to_approve":
            rma.action_approve()
        self.assertEqual(rma.state, "approved", "the approval is not blocked by the mail set-up")
        self.assertFalse(self._customer_messages(rma))
        self.assertTrue(rma.message_ids.filtered(lambda m: "was not told by e-mail" in (m.body or "")))

    def _delivered_order(self):
        return self._deliver_sale(self.customer, [(self.product, 2)])


@tagged("post_install", "-at_install")
class TestRefundInvoicingWarning(ReturnsCase):
    def test_refunds_of_products_invoiced_on_ordered_quantities_are_flagged(self):
        self.product.invoice_policy = "order"
        self.product_b.invoice_policy = "delivery"
        order = self._deliver_sale(self.customer, [(self.product, 2), (self.product_b, 2)])
        ordered = self._return_from_sale(order, [(self.product, 1, {})])
        self.assertIn("Returnable chair are invoiced on ordered quantities", ordered.refund_invoicing_warning)
        delivered = self._return_from_sale(order, [(self.product_b, 1, {})])
        self.assertFalse(delivered.refund_invoicing_warning, "the sale order proposes the credit note itself")
        replaced = self._return_from_sale(order, [(self.product, 1, {"requested_outcome": "replacement"})])
        self.assertFalse(replaced.refund_invoicing_warning, "no credit note is expected")


@tagged("post_install", "-at_install")
class TestDownstreamRecordsFollowTheirActions(ReturnsCase):
    """Inspections, dispositions and customs declarations change through their actions only, as returns do."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._set_up_customs_parties()
        cls.clerk = new_test_user(cls.env, "downstream_clerk", groups="reverse_logistics.group_returns_user")
        cls.officer = new_test_user(cls.env, "downstream_officer", groups="reverse_logistics.group_customs_officer")
        cls.env["return.inspection.checklist"].create({
            "name": "Chairs", "category_ids": [Command.link(cls.category.id)],
            "question_ids": [Command.create({"name": "Legs intact", "answer_type": "pass_fail"})],
        })
        order = cls._deliver_sale(cls.customer, [(cls.product, 1)])
        cls.rma = cls._return_from_sale(order, [(cls.product, 1, {})])
        cls.rma.action_submit()
        if cls.rma.state == "to_approve":
            cls.rma.action_approve()
        cls.rma.action_prepare_customs_declaration()
        cls.rma.action_receive()

    def test_an_inspection_is_completed_by_its_action_and_then_fixed(self):
        inspection = self.rma.inspection_ids.with_user(self.clerk)
        self.assertEqual(inspection.state, "to_inspect")
        for vals in ({"state": "done"}, {"quantity": 5}, {"line_id": inspection.line_id.id},
                     {"inspector_id": self.clerk.id}):
            with self.subTest(vals=vals), self.assertRaisesRegex(UserError, "cannot be set by hand"):
                inspection.write(vals)
        inspection.grade_id = self.env.ref("reverse_logistics.grade_b")
        inspection.answer_ids.filtered(lambda a: a.answer_type == "pass_fail").write({"result": "pass"})
        inspection.action_done()
        self.assertEqual((inspection.state, inspection.inspector_id), ("done", self.clerk))
        # The context key that once let the completion through no longer lets anyone in.
        sneaky = inspection.with_context(_inspection_completing=True)
        with self.assertRaisesRegex(UserError, "inspected already"):
            sneaky.write({"grade_id": self.env.ref("reverse_logistics.grade_a").id})
        with self.assertRaisesRegex(UserError, "inspected already"):
            inspection.answer_ids.write({"result": "fail"})
        with self.assertRaisesRegex(UserError, "cannot be set by hand"):
            self.rma.inspection_ids.answer_ids.with_user(self.clerk).write({"inspection_id": False})
        self.assertEqual(inspection.grade_id, self.env.ref("reverse_logistics.grade_b"))

    def test_a_disposition_is_decided_and_carried_out_by_its_actions(self):
        inspection = self.rma.inspection_ids
        inspection.grade_id = self.env.ref("reverse_logistics.grade_b")
        inspection.answer_ids.filtered(lambda a: a.answer_type == "pass_fail").write({"result": "pass"})
        inspection.action_done()
        disposition = inspection.disposition_ids.with_user(self.clerk)
        self.assertEqual(disposition.state, "proposed")
        for vals in ({"state": "done"}, {"type_id": self.env.ref("reverse_logistics.disposition_destroy").id},
                     {"expected_value": 1e6}, {"overridden": False}, {"location_id": self.stock_location.id}):
            with self.subTest(vals=vals), self.assertRaisesRegex(UserError, "cannot be set by hand"):
                disposition.write(vals)
        with self.assertRaisesRegex(UserError, "cannot be set by hand"):
            self.env["return.disposition"].with_user(self.clerk).create(
                {"inspection_id": inspection.id, "state": "done"}
            )
        self.assertEqual(disposition.state, "proposed")

    def test_a_declaration_moves_with_customs_not_with_a_write(self):
        declaration = self.rma.customs_declaration_ids.with_user(self.officer)
        self.assertEqual(declaration.state, "draft")
        for vals in ({"state": "cleared"}, {"mrn": "24ES00464110000099"}, {"lrn": "MINE"},
                     {"submission_pending": True}, {"check_result": False}):
            with self.subTest(vals=vals), self.assertRaisesRegex(UserError, "cannot be set by hand"):
                declaration.write(vals)
        declaration.write({"incoterm_location": "Zaragoza"})  # what the officer prepares stays editable
        self.assertEqual((declaration.state, declaration.mrn), ("draft", False))
