from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged

from .common import ReturnsCase


@tagged("post_install", "-at_install")
class TestReturnFlow(ReturnsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.order = cls._deliver_sale(cls.customer, [(cls.product, 5), (cls.product_b, 2)])

    def _approve(self, rma):
        rma.action_submit()
        self.assertEqual(rma.state, "to_approve")
        rma.action_approve()
        self.assertEqual(rma.state, "approved")

    # ------------------------------------------------------------------
    # Warehouses
    # ------------------------------------------------------------------
    def test_every_warehouse_has_a_returns_location_and_operation_type(self):
        self.assertTrue(self.warehouse.return_location_id)
        self.assertEqual(self.warehouse.return_location_id.usage, "internal")
        self.assertEqual(self.warehouse.return_location_id.location_id, self.warehouse.view_location_id)
        self.assertEqual(self.warehouse.return_type_id.code, "incoming")
        self.assertEqual(self.warehouse.return_type_id.default_location_dest_id, self.warehouse.return_location_id)

        new_warehouse = self.env["stock.warehouse"].create({"name": "Hub Lyon", "code": "LYO"})
        self.assertEqual(new_warehouse.return_location_id.name, "Returns")
        self.assertEqual(new_warehouse.return_type_id.default_location_dest_id, new_warehouse.return_location_id)
        self.assertEqual(new_warehouse.return_type_id.sequence_code, "RET")

    def test_install_hook_completes_warehouses_created_before_install(self):
        warehouse = self.env["stock.warehouse"].create({"name": "Old depot", "code": "OLD"})
        returns_location = warehouse.return_location_id
        warehouse.write({"return_location_id": False, "return_type_id": False})
        returns_location.active = False

        warehouse._create_returns_locations_and_types()

        self.assertTrue(warehouse.return_location_id.active)
        self.assertEqual(warehouse.return_type_id.default_location_dest_id, warehouse.return_location_id)

    # ------------------------------------------------------------------
    # Creation from documents
    # ------------------------------------------------------------------
    def test_create_from_sale_order_wizard(self):
        action = self.order.action_create_return_order()
        wizard = self.env["return.order.wizard"].browse(action["res_id"])
        self.assertEqual(
            {(line.product_id, line.returnable_qty) for line in wizard.line_ids},
            {(self.product, 5.0), (self.product_b, 2.0)},
        )
        wizard.reason_id = self.reason_defect
        wizard.line_ids.filtered(lambda line: line.product_id == self.product).quantity = 2

        result = wizard.action_create_return()

        rma = self.env["return.order"].browse(result["res_id"])
        self.assertTrue(rma.name.startswith("RMA/"))
        self.assertEqual(rma.sale_order_id, self.order)
        self.assertEqual(rma.origin_type, "sale")
        self.assertEqual(rma.country_id, self.env.ref("base.de"))
        self.assertEqual(rma.warehouse_id, self.warehouse)
        self.assertEqual(len(rma.line_ids), 1)
        sale_line = self.order.order_line.filtered(lambda sl: sl.product_id == self.product)
        self.assertEqual(rma.line_ids.sale_line_id, sale_line)
        self.assertEqual(rma.line_ids.reason_id, self.reason_defect)
        self.assertEqual(rma.line_ids.price_unit, 100.0)
        self.assertEqual(self.order.return_order_count, 1)

        # The next wizard only offers what is left.
        wizard = self.env["return.order.wizard"].browse(self.order.action_create_return_order()["res_id"])
        left = wizard.line_ids.filtered(lambda line: line.product_id == self.product)
        self.assertEqual(left.returnable_qty, 3.0)

    def test_create_from_delivery_keeps_serial_numbers(self):
        order = self._deliver_sale(self.customer, [(self.product_serial, 2)])
        picking = order.picking_ids
        action = picking.action_create_return_order()
        wizard = self.env["return.order.wizard"].browse(action["res_id"])
        self.assertEqual(set(wizard.line_ids.lot_id.mapped("name")), {"SN-0", "SN-1"})
        self.assertEqual(set(wizard.line_ids.mapped("returnable_qty")), {1.0})
        line_sn1 = wizard.line_ids.filtered(lambda line: line.lot_id.name == "SN-1")
        line_sn1.quantity = 1

        rma = self.env["return.order"].browse(wizard.action_create_return()["res_id"])

        self.assertEqual(rma.picking_id, picking)
        self.assertEqual(rma.origin_type, "picking")
        self.assertEqual(rma.line_ids.lot_id.name, "SN-1")
        self.assertEqual(rma.line_ids.origin_move_id, picking.move_ids)
        self._approve(rma)
        receipt = rma.picking_ids
        self.assertEqual(receipt.move_line_ids.lot_id.name, "SN-1")

        rma.action_receive()

        self.assertEqual(rma.state, "received")
        quant = self.env["stock.quant"].search(
            [("product_id", "=", self.product_serial.id), ("location_id", "=", self.warehouse.return_location_id.id)]
        )
        self.assertEqual(quant.lot_id.name, "SN-1")
        self.assertEqual(quant.quantity, 1)

    def test_create_from_posted_invoice(self):
        invoice = self.order._create_invoices()
        invoice.action_post()
        action = invoice.action_create_return_order()
        wizard = self.env["return.order.wizard"].browse(action["res_id"])
        wizard.line_ids.filtered(lambda line: line.product_id == self.product_b).quantity = 1

        rma = self.env["return.order"].browse(wizard.action_create_return()["res_id"])

        self.assertEqual(rma.invoice_id, invoice)
        self.assertEqual(rma.origin_type, "invoice")
        self.assertEqual(rma.line_ids.invoice_line_id.move_id, invoice)
        self.assertEqual(rma.line_ids.sale_line_id.product_id, self.product_b)
        self.assertEqual(invoice.return_order_count, 1)

    def test_create_from_scratch_in_the_form(self):
        with Form(self.env["return.order"]) as form:
            form.partner_id = self.customer
            form.sale_order_id = self.order
            with form.line_ids.new() as line:
                line.product_id = self.product_b
                line.product_uom_qty = 1
                line.reason_id = self.reason_changed
        rma = form.save()
        self.assertEqual(rma.line_ids.sale_line_id.product_id, self.product_b)
        self.assertFalse(rma.out_of_policy, rma.policy_summary)

    # ------------------------------------------------------------------
    # Approval, receipt
    # ------------------------------------------------------------------
    def test_approval_creates_receipt_into_returns_location(self):
        rma = self._return_from_sale(self.order, [(self.product, 2, {}), (self.product_b, 1, {})])
        rma.action_submit()
        self.assertEqual(rma.state, "to_approve")
        self.assertTrue(rma.activity_ids, "a person is asked to approve")
        self.assertFalse(rma.picking_ids)

        rma.action_approve()

        self.assertEqual(rma.state, "approved")
        self.assertFalse(rma.activity_ids)
        receipt = rma.picking_ids
        self.assertEqual(len(receipt), 1)
        self.assertEqual(receipt.picking_type_id, self.warehouse.return_type_id)
        self.assertEqual(receipt.location_id, self.customer.property_stock_customer)
        self.assertEqual(receipt.location_dest_id, self.warehouse.return_location_id)
        self.assertEqual(receipt.state, "assigned")
        self.assertEqual(
            {(m.product_id, m.product_uom_qty, m.return_line_id) for m in receipt.move_ids},
            {(line.product_id, line.product_uom_qty, line) for line in rma.line_ids},
        )
        self.assertIn("is approved", rma.message_ids[:3].mapped("subject")[0] or "")

    def test_receipt_of_refund_updates_delivered_quantity_of_sale(self):
        sale_line = self.order.order_line.filtered(lambda sl: sl.product_id == self.product)
        rma = self._return_from_sale(self.order, [(self.product, 2, {"requested_outcome": "refund"})])
        self._approve(rma)

        rma.action_receive()

        self.assertEqual(rma.state, "received")
        self.assertEqual(rma.line_ids.qty_received, 2)
        self.assertEqual(sale_line.qty_delivered, 3)
        self.assertEqual(
            self.env["stock.quant"]._get_available_quantity(self.product, self.warehouse.return_location_id), 2
        )
        self.assertTrue(any("received your return" in (m.subject or "") for m in rma.message_ids))
        rma.action_done()
        self.assertEqual(rma.state, "done")

    def test_partial_receipt_keeps_return_open_until_backorder_arrives(self):
        rma = self._return_from_sale(self.order, [(self.product, 4, {})])
        self._approve(rma)
        rma.action_mark_in_transit()
        self.assertEqual(rma.state, "in_transit")
        receipt = rma.picking_ids
        receipt.move_ids.quantity = 1
        receipt.move_ids.picked = True

        receipt.with_context(cancel_backorder=False)._action_done()

        self.assertEqual(rma.line_ids.qty_received, 1)
        self.assertEqual(rma.state, "in_transit", "the rest is still expected")
        backorder = rma.picking_ids - receipt
        self.assertEqual(backorder.move_ids.product_uom_qty, 3)
        self.assertEqual(backorder.move_ids.return_line_id, rma.line_ids)

        rma.action_receive()

        self.assertEqual(rma.line_ids.qty_received, 4)
        self.assertEqual(rma.state, "received")

    def test_auto_approval_within_policy(self):
        self.policy.write({"auto_approve": True, "auto_approve_max_amount": 250.0})
        rma = self._return_from_sale(self.order, [(self.product, 2, {})])
        rma.action_submit()
        self.assertEqual(rma.state, "approved")
        self.assertTrue(rma.picking_ids)

        too_much = self._return_from_sale(self.order, [(self.product, 3, {})])
        too_much.action_submit()
        self.assertEqual(too_much.state, "to_approve", "300 is above the 250 auto-approval limit")
        self.assertIn("auto-approval limit", too_much.policy_summary)

    def test_auto_approval_restricted_to_reasons(self):
        self.policy.write({"auto_approve": True, "auto_approve_reason_ids": [Command.set(self.reason_defect.ids)]})
        rma = self._return_from_sale(self.order, [(self.product, 1, {"reason_id": self.reason_changed.id})])
        rma.action_submit()
        self.assertEqual(rma.state, "to_approve")

    def test_restocking_fee_applies_when_customer_is_at_fault(self):
        self.policy.restocking_fee_percent = 15
        rma = self._return_from_sale(
            self.order,
            [(self.product, 2, {"reason_id": self.reason_changed.id}), (self.product_b, 1, {})],
        )
        self.assertEqual(rma.amount_total, 240.0)
        self.assertAlmostEqual(rma.restocking_fee_amount, 30.0)

    def test_cancel_cancels_pending_receipt_and_frees_quantity(self):
        rma = self._return_from_sale(self.order, [(self.product, 5, {})])
        self._approve(rma)
        rma.action_cancel()
        self.assertEqual(rma.state, "cancelled")
        self.assertEqual(rma.picking_ids.state, "cancel")
        again = self._return_from_sale(self.order, [(self.product, 5, {})])
        self.assertEqual(again.line_ids.product_uom_qty, 5)
        # Reopened, the first return would hold the same five units again: refused while the
        # second one holds them, accepted once it is cancelled.
        self.assertRefused(ValidationError, "at most 0", rma.action_draft)
        self.assertEqual(rma.state, "cancelled")
        again.action_cancel()
        rma.action_draft()
        self.assertEqual(rma.state, "draft")

    def test_refusal_notifies_customer_with_reason(self):
        rma = self._return_from_sale(self.order, [(self.product, 1, {})])
        rma.action_submit()
        action = rma.action_refuse()
        wizard = self.env[action["res_model"]].with_context(**action["context"]).create({"reason": "Used item"})
        wizard.action_refuse()
        self.assertEqual(rma.state, "refused")
        self.assertEqual(rma.refuse_reason, "Used item")
        refusal = rma.message_ids.filtered(lambda m: "could not be accepted" in (m.subject or ""))
        self.assertIn("Used item", refusal.body)
        self.assertIn(self.customer, refusal.partner_ids | rma.message_follower_ids.partner_id)

    def test_label_report_renders_reference(self):
        rma = self._return_from_sale(self.order, [(self.product, 1, {})])
        self._approve(rma)
        html, _format = self.env["ir.actions.report"]._render_qweb_html(
            "reverse_logistics.action_report_return_label", rma.ids
        )
        self.assertIn(rma.name, html.decode())
