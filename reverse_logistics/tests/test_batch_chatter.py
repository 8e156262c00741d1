from datetime import timedelta

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

from ..models.mail_template import COMPILE_ONCE
from .common import ReturnsCase

# What a tracking message says and to whom, without what differs from one record to another.
MESSAGE_FIELDS = (
    "message_type", "subtype_id", "author_id", "email_from", "is_internal", "reply_to", "record_company_id",
    "record_alias_domain_id", "email_add_signature", "subject", "body", "model",
)


@tagged("post_install", "-at_install")
class TestBatchChatter(ReturnsCase):
    """Returns approved or received by the hundred keep the chatter one return alone would have."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context={})  # tracking and notifications as in production
        cls.company.email = "returns@yourcompany.example.com"
        cls.manager = new_test_user(cls.env, "batch_manager", groups="reverse_logistics.group_returns_manager",
                                    email="manager@example.com")
        cls.watcher = new_test_user(cls.env, "batch_watcher", groups="reverse_logistics.group_returns_user",
                                    email="watcher@example.com", notification_type="inbox")
        cls.returns = cls.env["return.order"]
        for partner in (cls.customer, cls.other_customer, cls.customer):
            cls.returns |= cls._return_from_sale(cls._deliver_sale(partner, [(cls.product, 1)]),
                                                 [(cls.product, 1, {})])
        cls.returns.message_subscribe(partner_ids=cls.watcher.partner_id.ids)

    def _finalize_tracking(self):
        """What a commit does first: flush, then write the tracking messages (precommit)."""
        self.env.flush_all()
        self.env.cr.precommit.run()

    @staticmethod
    def _tracking_message(record):
        messages = record.message_ids.filtered("tracking_value_ids")
        return messages.sorted("id")[-1:]

    def _described(self, message):
        values = {name: message[name] for name in MESSAGE_FIELDS}
        values["tracking"] = [(t.field_id.name, t.old_value_char, t.new_value_char) for t in message.tracking_value_ids]
        return values

    def test_returns_approved_together_have_the_message_and_notifications_of_one_approved_alone(self):
        alone, together = self.returns[:1], self.returns[1:]
        self.returns.action_submit()
        self._finalize_tracking()
        alone.with_user(self.manager).action_approve()
        self._finalize_tracking()
        together.with_user(self.manager).action_approve()
        self._finalize_tracking()

        reference = self._tracking_message(alone)
        self.assertEqual(reference.subtype_id, self.env.ref("reverse_logistics.mt_return_approved"))
        self.assertEqual(reference.author_id, self.manager.partner_id)
        for rma in together:
            message = self._tracking_message(rma)
            self.assertEqual(self._described(message), self._described(reference))
            self.assertEqual(message.res_id, rma.id)
            self.assertEqual(message.record_name, rma.display_name)
            first = rma.message_ids.sorted("id")[:1]
            self.assertEqual(message.parent_id, first, "threaded under the return's first message, as posted")
            # The internal follower is notified of the approval; the manager who approved is not,
            # nor the customer (internal subtype).
            self.assertEqual(message.notified_partner_ids, self.watcher.partner_id)
            self.assertEqual(message.notification_ids.notification_type, "inbox")
        self.assertEqual(reference.notified_partner_ids, self.watcher.partner_id)

    def test_nobody_to_notify_leaves_the_message_without_notifications(self):
        self.returns.message_unsubscribe(partner_ids=self.watcher.partner_id.ids)
        self.returns.action_submit()
        self.returns.with_user(self.manager).action_approve()
        self._finalize_tracking()
        for rma in self.returns:
            message = self._tracking_message(rma)
            self.assertTrue(message.tracking_value_ids)
            self.assertFalse(message.notification_ids)

    def test_receipts_validated_together_log_their_state_as_one_alone(self):
        self.returns.action_submit()
        self.returns.action_approve()
        self._finalize_tracking()
        alone, together = self.returns[:1], self.returns[1:]
        alone.action_receive()
        self._finalize_tracking()
        together.action_receive()
        self._finalize_tracking()

        for records in (self.returns, self.returns.picking_ids):
            reference = self._tracking_message(records[0])
            self.assertEqual(reference.subtype_id, self.env.ref("mail.mt_note"))
            for record in records[1:]:
                message = self._tracking_message(record)
                self.assertEqual(self._described(message), self._described(reference))
                self.assertEqual(message.res_id, record.id)
                self.assertFalse(message.notification_ids)
        self.assertEqual(self._described(self._tracking_message(self.returns[1]))["tracking"][0][1:],
                         ("Approved", "Received"))

    def _spy_on_batches(self):
        """The transfers the batched tracking wrote, one recordset per batch."""
        batches = []
        Picking = type(self.env["stock.picking"])
        batch = Picking._message_track_batch

        def spy(pickings, *args, **kwargs):
            batches.append(pickings)
            return batch(pickings, *args, **kwargs)

        self.patch(Picking, "_message_track_batch", spy)
        return batches

    def _confirmed_deliveries(self, count):
        orders = self.env["sale.order"]
        for _i in range(count):
            orders |= self.env["sale.order"].create({
                "partner_id": self.customer.id, "warehouse_id": self.warehouse.id,
                "order_line": [fields.Command.create({"product_id": self.product.id, "product_uom_qty": 1})],
            })
        orders.action_confirm()
        pickings = orders.picking_ids
        for move in pickings.move_ids:
            move.quantity = move.product_uom_qty
        pickings.move_ids.picked = True
        self._finalize_tracking()
        return pickings

    def test_other_transfers_validated_together_keep_odoos_own_tracking(self):
        batches = self._spy_on_batches()
        alone, together = self._confirmed_deliveries(1), self._confirmed_deliveries(2)
        alone.button_validate()
        self._finalize_tracking()
        together.button_validate()
        self._finalize_tracking()
        self.assertEqual(batches, [], "a company's own transfers never go through the returns' batch")
        reference = self._tracking_message(alone)
        self.assertTrue(reference)
        for picking in together:
            message = self._tracking_message(picking)
            self.assertEqual(self._described(message), self._described(reference))
            self.assertEqual(message.res_id, picking.id)

        # Return receipts validated together, with a delivery of the company among them: the receipts
        # are tracked in one batch, the delivery on Odoo's path, each with its own message.
        self.returns.action_submit()
        self.returns.action_approve()
        delivery = self._confirmed_deliveries(1)
        receipts = self.returns.picking_ids
        for move in receipts.move_ids:
            move.quantity = move.product_uom_qty
        receipts.move_ids.picked = True
        self._finalize_tracking()
        (receipts | delivery).button_validate()
        self._finalize_tracking()
        self.assertEqual([batch.ids for batch in batches], [receipts.ids])
        self.assertEqual(self._described(self._tracking_message(delivery)), self._described(reference))
        for receipt in receipts:
            self.assertEqual(self._tracking_message(receipt).res_id, receipt.id)

    def test_a_template_compiled_once_renders_what_odoo_renders_record_by_record(self):
        template = self.env.ref("reverse_logistics.mail_template_return_approved")
        self.assertTrue(template._has_unsafe_expression_template_qweb(template.body_html, "return.order"),
                        "rendered by the QWeb engine, not by Odoo's plain field substitution")
        by_record = template._render_field("body_html", self.returns.ids)
        once = template.with_context(**{COMPILE_ONCE: True})._render_field("body_html", self.returns.ids)
        self.assertEqual(once, by_record)
        self.assertIn(self.other_customer.name, once[self.returns[1].id])
        self.assertNotEqual(once[self.returns[0].id], once[self.returns[1].id])

    def test_a_broken_template_still_fails_with_odoos_message(self):
        template = self.env.ref("reverse_logistics.mail_template_return_approved").copy()
        template.body_html = '<p t-out="object.name"/><p t-out="1 / 0"/>'
        self.assertTrue(template._has_unsafe_expression_template_qweb(template.body_html, "return.order"))
        with self.assertRaisesRegex(UserError, "Failed to render QWeb template"):
            template.with_context(**{COMPILE_ONCE: True})._render_field("body_html", self.returns.ids)


@tagged("post_install", "-at_install")
class TestBatchReceipts(ReturnsCase):
    def test_receipts_created_together_carry_their_scheduled_date_on_their_moves(self):
        returns = self.env["return.order"]
        for _i in range(2):
            returns |= self._return_from_sale(self._deliver_sale(self.customer, [(self.product, 1)]),
                                              [(self.product, 1, {})])
        returns.action_submit()
        returns.filtered(lambda r: r.state == "to_approve").action_approve()
        first, second = returns.picking_ids
        for picking in (first, second):
            self.assertEqual(picking.move_ids.date, picking.scheduled_date)
        first.scheduled_date = fields.Datetime.now() + timedelta(days=3)
        second.scheduled_date = fields.Datetime.now() + timedelta(days=5)
        for picking in (first, second):
            self.assertEqual(picking.move_ids.date, picking.scheduled_date, "a new date moves the moves")
        returns.action_receive()
        with self.assertRaisesRegex(UserError, "done or cancelled transfer"):
            first.scheduled_date = fields.Datetime.now()
