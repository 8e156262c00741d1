from unittest.mock import patch

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged

from .common import ReturnsCase


@tagged("post_install", "-at_install")
class TestDispositionFlow(ReturnsCase):
    """Received units are inspected, graded and disposed of through real stock, repair and scrap operations."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.category.write({
            "return_refurbish_cost": 10.0,
            "return_handling_cost": 2.0,
            "return_vendor_shipping_cost": 5.0,
            "return_vendor_credit_percent": 80.0,
            "return_recycling_value": 4.0,
            "return_recycling_fee": 1.0,
            "return_destruction_fee": 3.0,
        })
        cls.grade_a = cls.env.ref("reverse_logistics.grade_a")
        cls.grade_b = cls.env.ref("reverse_logistics.grade_b")
        cls.grade_c = cls.env.ref("reverse_logistics.grade_c")
        cls.grade_scrap = cls.env.ref("reverse_logistics.grade_scrap")
        cls.types = {t.code: t for t in cls.env["return.disposition.type"].search([])}
        cls.vendor = cls.env["res.partner"].create(
            {"name": "Shenzhen Phones Ltd", "country_id": cls.env.ref("base.cn").id}
        )
        cls.env["product.supplierinfo"].create({
            "partner_id": cls.vendor.id,
            "product_tmpl_id": cls.product_serial.product_tmpl_id.id,
            "price": 300.0,
        })
        cls.checklist = cls.env["return.inspection.checklist"].create({
            "name": "Phones",
            "category_ids": [Command.link(cls.category.id)],
            "question_ids": [
                Command.create({"name": "Screen intact", "answer_type": "pass_fail", "fail_grade_id": cls.grade_c.id}),
                Command.create({"name": "Battery health (%)", "answer_type": "value", "required": False}),
            ],
        })

    def _receive(self, lines, sale_lines=None):
        """Deliver, return and receive ``lines`` [(product, qty, extra)]: the inspections of the receipt."""
        # The serials returned are the serials delivered.
        lots = self.env["stock.lot"].browse([extra["lot_id"] for _p, _q, extra in lines if extra.get("lot_id")])
        order = self._deliver_sale(
            self.customer, sale_lines or [(product, qty) for product, qty, _extra in lines], lots=lots or None
        )
        ret = self._return_from_sale(order, lines)
        self._approve_and_receive(ret)
        return ret

    def _quantity(self, product, location, lot=None):
        return self.env["stock.quant"]._get_available_quantity(product, location, lot_id=lot, strict=True)

    def _grade(self, inspections, grade):
        inspections.answer_ids.filtered(lambda a: a.answer_type == "pass_fail").result = "pass"
        inspections.grade_id = grade
        inspections.action_done()
        return inspections.disposition_ids

    # ------------------------------------------------------------------
    # Inspections
    # ------------------------------------------------------------------
    def test_receipt_creates_one_inspection_per_serial_and_per_untracked_quantity(self):
        ret = self._receive(
            [(self.product_serial, 1, {"lot_id": self.serials[0].id}),
             (self.product_serial, 1, {"lot_id": self.serials[1].id}),
             (self.product, 3, {})],
            sale_lines=[(self.product_serial, 2), (self.product, 3)],
        )
        inspections = ret.inspection_ids
        self.assertEqual(len(inspections), 3)
        by_lot = {i.lot_id: i for i in inspections}
        self.assertEqual(set(by_lot), {self.serials[0], self.serials[1], self.env["stock.lot"]})
        self.assertEqual(by_lot[self.env["stock.lot"]].quantity, 3)
        self.assertEqual(set(inspections.mapped("state")), {"to_inspect"})
        self.assertEqual(inspections.location_id, self.warehouse.return_location_id)
        self.assertEqual(inspections.checklist_id, self.checklist)
        self.assertEqual(len(inspections[0].answer_ids), 2)
        self.assertEqual(set(ret.line_ids.mapped("inspection_state")), {"to_inspect"})
        received = ret.event_ids.filtered(lambda e: e.event_type == "received")
        self.assertEqual(received.lot_id, self.serials[:2], "one received event per serial")
        self.assertEqual(len(received), 3)

    def test_failed_check_caps_the_grade_and_every_problem_is_listed(self):
        ret = self._receive([(self.product_serial, 1, {"lot_id": self.serials[0].id}), (self.product, 1, {})],
                            sale_lines=[(self.product_serial, 1), (self.product, 1)])
        phone = ret.inspection_ids.filtered("lot_id")
        chair = ret.inspection_ids - phone
        phone.answer_ids.filtered(lambda a: a.question_id.name == "Screen intact").result = "fail"
        phone.grade_id = self.grade_a
        with self.assertRaises(ValidationError) as refusal:
            (phone | chair).action_done()
        message = str(refusal.exception)
        self.assertIn("can be graded C - Fair at best, not A - Like new", message)
        self.assertIn("give a grade", message)
        self.assertIn("answer “Screen intact”", message, "the chair's unanswered check is listed too")
        self.assertEqual(set((phone | chair).mapped("state")), {"to_inspect"}, "nothing completed")
        self.assertFalse(ret.disposition_ids)
        self.assertEqual(phone.suggested_grade_id, self.grade_c)

        phone.grade_id = self.grade_c
        phone.action_done()
        self.assertEqual(phone.state, "done")
        self.assertEqual(phone.inspector_id, self.env.user)
        event = ret.event_ids.filtered(lambda e: e.event_type == "inspected")
        self.assertEqual((event.lot_id, event.grade_id), (self.serials[0], self.grade_c))
        with self.assertRaisesRegex(UserError, "inspected already"):
            phone.grade_id = self.grade_a

    def test_units_received_before_their_checklist_existed_can_load_it(self):
        self.checklist.active = False
        ret = self._receive([(self.product, 1, {})])
        inspection = ret.inspection_ids
        self.assertFalse(inspection.checklist_id)
        self.checklist.active = True
        inspection.action_load_checklist()
        self.assertEqual(inspection.checklist_id, self.checklist)
        self.assertEqual(inspection.answer_ids.question_id, self.checklist.question_ids)

    def test_policy_without_inspection_goes_straight_to_a_proposal(self):
        self.policy.inspection_required = False
        ret = self._receive([(self.product, 2, {})])
        inspection = ret.inspection_ids
        self.assertEqual(inspection.state, "done")
        self.assertFalse(inspection.inspected_by_policy)
        self.assertEqual(inspection.grade_id, self.grade_a)
        self.assertEqual(ret.disposition_ids.recommended_type_id, self.types["restock"])
        self.assertEqual(ret.disposition_ids.state, "proposed")

    # ------------------------------------------------------------------
    # The engine's recommendation, accepted or overridden
    # ------------------------------------------------------------------
    def test_recommendation_comes_with_the_ranking_and_its_reasons(self):
        ret = self._receive([(self.product, 1, {})])
        disposition = self._grade(ret.inspection_ids, self.grade_c)
        # Price 100: grade C resells at 45 - 2 handling = 43; refurbished to B: 70 - 10 - 2 = 58.
        self.assertEqual(disposition.recommended_type_id, self.types["refurbish"])
        self.assertAlmostEqual(disposition.recommended_value, 58.0)
        lines = disposition.ranking.splitlines()
        self.assertTrue(lines[0].startswith("1. Refurbish, then resell"), lines)
        self.assertIn("Resell as-is", lines[1])
        self.assertIn("Restock as new: not possible (the grade is not as new)", disposition.ranking)
        self.assertIn("Return to vendor: not possible (the vendor takes no returns)", disposition.ranking)

    def test_hazardous_units_only_go_to_recycling_and_overrides_cannot_break_the_rule(self):
        self.product.return_hazardous = True
        ret = self._receive([(self.product, 1, {})])
        disposition = self._grade(ret.inspection_ids, self.grade_a)
        self.assertEqual(disposition.recommended_type_id, self.types["recycle"])
        self.assertEqual(disposition.allowed_type_ids, self.types["recycle"])
        wizard = self.env["return.disposition.override.wizard"].create({
            "disposition_ids": [Command.set(disposition.ids)], "type_id": self.types["destroy"].id, "reason": "x",
        })
        self.assertEqual(wizard.allowed_type_ids, self.types["recycle"], "only recycling is offered")
        with self.assertRaisesRegex(UserError, "not possible"):
            disposition._decide(self.types["restock"], "Looks fine to me")
        self.assertEqual(disposition.state, "proposed")

    def test_override_needs_a_reason_and_is_logged(self):
        ret = self._receive([(self.product, 1, {})])
        disposition = self._grade(ret.inspection_ids, self.grade_c)
        with self.assertRaisesRegex(UserError, "reason"):
            disposition._decide(self.types["resell_as_is"], "  ")
        self.assertEqual(disposition.state, "proposed")
        wizard = self.env["return.disposition.override.wizard"].create({
            "disposition_ids": [Command.set(disposition.ids)],
            "type_id": self.types["resell_as_is"].id,
            "reason": "Refurbishment backlog of six weeks",
        })
        wizard.action_apply()
        self.assertEqual(disposition.type_id, self.types["resell_as_is"])
        self.assertTrue(disposition.overridden)
        self.assertAlmostEqual(disposition.expected_value, 43.0, msg="the value of the chosen disposition")
        self.assertTrue(ret.message_ids.filtered(lambda m: "Refurbishment backlog of six weeks" in m.body),
                        "the override and its reason are logged on the return")
        decided = ret.event_ids.filtered(lambda e: e.event_type == "disposition_decided")
        self.assertIn("instead of Refurbish, then resell", decided.description)

    # ------------------------------------------------------------------
    # Each disposition's stock operation
    # ------------------------------------------------------------------
    def test_restock_moves_the_quantity_back_to_stock(self):
        ret = self._receive([(self.product, 3, {})])
        returns = self.warehouse.return_location_id
        stock_before = self._quantity(self.product, self.stock_location)
        self.assertEqual(self._quantity(self.product, returns), 3)
        disposition = self._grade(ret.inspection_ids, self.grade_a)
        self.assertEqual(disposition.recommended_type_id, self.types["restock"])
        disposition.action_accept()
        self.assertEqual(disposition.state, "done")
        self.assertEqual(self._quantity(self.product, returns), 0)
        self.assertEqual(self._quantity(self.product, self.stock_location), stock_before + 3)
        self.assertEqual(disposition.picking_id.picking_type_id, self.warehouse.int_type_id)
        self.assertEqual(disposition.picking_id.state, "done")
        self.assertEqual(ret.line_ids.inspection_state, "disposed")
        moved = ret.event_ids.filtered(lambda e: e.event_type == "moved")
        self.assertEqual(moved.location_id, self.stock_location)
        self.assertFalse(moved.public, "what becomes of the goods is internal")

    def test_a_unit_restocked_out_of_a_location_with_a_reordering_rule_triggers_the_rule(self):
        returns = self.warehouse.return_location_id
        rule = self.env["stock.warehouse.orderpoint"].create({
            "product_id": self.product.id, "location_id": returns.id, "warehouse_id": self.warehouse.id,
            "trigger": "auto", "product_min_qty": 5, "product_max_qty": 10,
        })
        ret = self._receive([(self.product, 3, {}), (self.product_b, 1, {})])
        dispositions = self._grade(ret.inspection_ids, self.grade_a)
        Orderpoint = type(self.env["stock.warehouse.orderpoint"])
        confirm = Orderpoint._procure_orderpoint_confirm
        triggered = []

        def spy(orderpoints, *args, **kwargs):
            triggered.extend(orderpoints.ids)
            return confirm(orderpoints, *args, **kwargs)

        with patch.object(Orderpoint, "_procure_orderpoint_confirm", spy):
            dispositions.action_accept()
        self.assertEqual(set(dispositions.mapped("state")), {"done"})
        self.assertEqual(triggered, rule.ids, "the chairs leaving the returns location trigger its rule")

    def test_resell_as_is_moves_the_serial_to_secondary_market_stock(self):
        serial = self.serials[0]
        ret = self._receive([(self.product_serial, 1, {"lot_id": serial.id})], sale_lines=[(self.product_serial, 1)])
        disposition = self._grade(ret.inspection_ids, self.grade_b)
        self.assertEqual(disposition.recommended_type_id, self.types["resell_as_is"])
        disposition.action_accept()
        second = self.warehouse.secondary_market_location_id
        self.assertEqual(self._quantity(self.product_serial, second, serial), 1)
        self.assertEqual(serial.return_grade_id, self.grade_b)
        self.assertEqual(disposition.move_ids.move_line_ids.lot_id, serial)

    def test_refurbishment_repairs_then_regrades_the_unit_in_secondary_market_stock(self):
        serial = self.serials[1]
        ret = self._receive([(self.product_serial, 1, {"lot_id": serial.id})], sale_lines=[(self.product_serial, 1)],)
        disposition = self._grade(ret.inspection_ids, self.grade_c)
        self.assertEqual(disposition.recommended_type_id, self.types["refurbish"])
        disposition.action_accept()
        refurbishment = self.warehouse.refurbish_location_id
        self.assertEqual(self._quantity(self.product_serial, refurbishment, serial), 1)
        repair = disposition.repair_id
        self.assertEqual((repair.state, repair.lot_id), ("confirmed", serial))
        self.assertEqual(disposition.state, "in_progress")
        repair.action_repair_start()
        repair.action_repair_end()
        self.assertEqual(repair.state, "done")
        self.assertEqual(disposition.state, "done")
        self.assertEqual(self._quantity(self.product_serial, refurbishment, serial), 0)
        self.assertEqual(self._quantity(self.product_serial, self.warehouse.secondary_market_location_id, serial), 1)
        self.assertEqual(disposition.grade_id, self.grade_b)
        self.assertEqual(serial.return_grade_id, self.grade_b, "the unit carries its new grade")
        repaired = ret.event_ids.filtered(lambda e: e.event_type == "repaired")
        self.assertEqual((repaired.lot_id, repaired.grade_id), (serial, self.grade_b))

    def test_destruction_scraps_the_serial_with_a_certificate(self):
        serial = self.serials[2]
        ret = self._receive([(self.product_serial, 1, {"lot_id": serial.id})], sale_lines=[(self.product_serial, 1)])
        disposition = self._grade(ret.inspection_ids, self.grade_scrap)
        disposition._decide(self.types["destroy"], "Data-bearing device: destroyed on request of the customer")
        scrap = disposition.scrap_id
        self.assertEqual((scrap.state, scrap.lot_id, scrap.scrap_qty), ("done", serial, 1))
        self.assertEqual(self._quantity(self.product_serial, self.warehouse.return_location_id, serial), 0)
        self.assertEqual(disposition.state, "done")
        html, _format = self.env["ir.actions.report"]._render_qweb_html(
            "reverse_logistics.action_report_destruction_certificate", disposition.ids
        )
        self.assertIn(serial.name, html.decode())
        self.assertIn("Data-bearing device", html.decode())
        self.assertTrue(ret.event_ids.filtered(lambda e: e.event_type == "destroyed" and e.lot_id == serial))

    def test_return_to_a_foreign_vendor_ships_the_serial_with_an_export_declaration(self):
        serial = self.serials[0]
        ret = self._receive([(self.product_serial, 1, {"lot_id": serial.id})], sale_lines=[(self.product_serial, 1)])
        disposition = self._grade(ret.inspection_ids, self.grade_c)
        disposition._decide(self.types["return_to_vendor"], "Under the vendor's 12-month warranty")
        picking = disposition.picking_id
        self.assertEqual(picking.partner_id, self.vendor)
        self.assertEqual(picking.picking_type_id, self.warehouse.out_type_id)
        self.assertEqual(picking.move_ids.move_line_ids.lot_id, serial)
        self.assertEqual(disposition.state, "in_progress")
        declaration = disposition.customs_declaration_id
        self.assertEqual(declaration.kind, "export")
        self.assertEqual(declaration.destination_country_id, self.env.ref("base.cn"))
        self.assertEqual(declaration.line_ids.customs_value, 300.0, "valued at the vendor's price")
        self.assertEqual(declaration.line_ids.procedure_code, "1040")
        picking.button_validate()
        self.assertEqual(disposition.state, "done")
        self.assertEqual(self._quantity(self.product_serial, self.warehouse.return_location_id, serial), 0)
        self.assertTrue(ret.event_ids.filtered(lambda e: e.event_type == "returned_to_vendor" and e.lot_id == serial))

    def test_donation_needs_a_donation_partner_and_refuses_without_writing(self):
        ret = self._receive([(self.product, 2, {})])
        disposition = self._grade(ret.inspection_ids, self.grade_b)
        pickings_before = self.env["stock.picking"].search_count([])
        with self.assertRaisesRegex(UserError, "donation partner"):
            disposition._decide(self.types["donate"], "Local charity drive")
        self.assertEqual(disposition.state, "proposed")
        self.assertEqual(self.env["stock.picking"].search_count([]), pickings_before)
        charity = self.env["res.partner"].create(
            {"name": "Banco de Alimentos", "country_id": self.env.ref("base.es").id}
        )
        self.company.return_donation_partner_id = charity
        disposition._decide(self.types["donate"], "Local charity drive")
        self.assertEqual(disposition.picking_id.partner_id, charity)
        self.assertFalse(disposition.customs_declaration_id, "a donation within the territory needs no declaration")
        disposition.picking_id.button_validate()
        self.assertEqual(disposition.state, "done")
        self.assertTrue(ret.event_ids.filtered(lambda e: e.event_type == "donated"))

    def test_a_unit_held_for_investigation_waits_in_quarantine_then_is_decided(self):
        serial = self.serials[0]
        ret = self._receive([(self.product_serial, 1, {"lot_id": serial.id})], sale_lines=[(self.product_serial, 1)])
        disposition = self._grade(ret.inspection_ids, self.grade_b)
        with self.assertRaisesRegex(UserError, "Say why"):
            disposition._hold("  ")
        self.assertEqual(disposition.state, "proposed", "refused without a reason, nothing moved")
        quarantine = self.warehouse.quarantine_location_id
        self.env["return.disposition.hold.wizard"].create({
            "disposition_ids": [Command.set(disposition.ids)], "reason": "Serial differs from the one sold",
        }).action_apply()
        self.assertEqual((disposition.state, disposition.location_id), ("on_hold", quarantine))
        self.assertEqual(self._quantity(self.product_serial, quarantine, serial), 1)
        self.assertEqual(ret.line_ids.inspection_state, "inspected", "a held unit is not disposed of")
        with self.assertRaisesRegex(UserError, "held for investigation: release it first"):
            disposition.action_accept()
        held = ret.event_ids.filtered(lambda e: e.event_type == "moved")
        self.assertIn("Serial differs", held.description)
        disposition.action_release()
        disposition.action_accept()
        self.assertEqual(disposition.state, "done")
        self.assertEqual(self._quantity(self.product_serial, quarantine, serial), 0)
        self.assertEqual(self._quantity(self.product_serial, self.warehouse.secondary_market_location_id, serial), 1)

    def test_recycling_moves_to_the_recycling_location(self):
        ret = self._receive([(self.product, 1, {})])
        disposition = self._grade(ret.inspection_ids, self.grade_scrap)
        self.assertEqual(disposition.recommended_type_id, self.types["recycle"], disposition.ranking)
        disposition.action_accept()
        self.assertEqual(self._quantity(self.product, self.warehouse.recycling_location_id), 1)
        self.assertTrue(ret.event_ids.filtered(lambda e: e.event_type == "recycled"))

    # ------------------------------------------------------------------
    # Batch
    # ------------------------------------------------------------------
    def test_a_whole_receipt_is_inspected_and_disposed_of_in_one_go(self):
        ret = self._receive(
            [(self.product_serial, 1, {"lot_id": self.serials[0].id}),
             (self.product_serial, 1, {"lot_id": self.serials[1].id}),
             (self.product, 4, {})],
            sale_lines=[(self.product_serial, 2), (self.product, 4)],
        )
        receipt = ret.picking_ids
        self.assertEqual(receipt.return_to_inspect_count, 3)
        action = receipt.action_view_return_orders()  # the receipt links back to its return
        self.assertTrue(action)
        wizard_form = Form(self.env["return.inspection.batch.wizard"].with_context(
            active_model="stock.picking", active_ids=receipt.ids))
        wizard_form.default_grade_id = self.grade_a
        with wizard_form.line_ids.edit(0) as line:
            line.grade_id = self.grade_b
        wizard = wizard_form.save()
        wizard.action_apply()
        self.assertEqual(set(ret.inspection_ids.mapped("state")), {"done"})
        self.assertEqual(set(ret.disposition_ids.mapped("state")), {"done"})
        self.assertEqual(receipt.return_to_inspect_count, 0)
        self.assertEqual(self._quantity(self.product, self.warehouse.return_location_id), 0)
        self.assertEqual(sorted(ret.disposition_ids.mapped("disposition_code")),
                         ["resell_as_is", "restock", "restock"])

    # ------------------------------------------------------------------
    # Traceability
    # ------------------------------------------------------------------
    def test_events_are_written_by_the_flows_only(self):
        ret = self._receive([(self.product, 1, {})])
        self.assertEqual(
            ret.event_ids.sorted("id").mapped("event_type"), ["requested", "approved", "received"]
        )
        event = ret.event_ids[:1]
        with self.assertRaisesRegex(UserError, "written by the flows"):
            self.env["return.event"].create({"order_id": ret.id, "event_type": "sold"})
        with self.assertRaisesRegex(UserError, "cannot be changed"):
            event.description = "Edited"
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            event.unlink()
