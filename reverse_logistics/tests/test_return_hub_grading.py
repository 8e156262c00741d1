from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import ReturnsCase


@tagged("post_install", "-at_install")
class TestReturnHubGrading(ReturnsCase):
    """A hub that inspects and grades: what is resold or recycled there never crosses; the rest travels home."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.partner_id.write({"country_id": cls.env.ref("base.es").id, "zip": "50001", "city": "Zaragoza"})
        cls.hub_warehouse = cls.env["stock.warehouse"].create({"name": "Frankfurt Hub", "code": "FRAG"})
        cls.hub = cls._create_hub(
            "Hub Frankfurt", "de", "60549", "Frankfurt", location=cls.hub_warehouse.return_location_id,
            warehouse_id=cls.hub_warehouse.id, service_level="inspect",
            modes=[{"mode": "road", "vehicle_class": "artic_34_40t", "per_shipment": 300,
                    "destination_warehouse_ids": [Command.link(cls.warehouse.id)]}])
        cls.clerk = new_test_user(cls.env, "hub_grading_clerk", groups="reverse_logistics.group_returns_user")
        cls.grade_a = cls.env.ref("reverse_logistics.grade_a")
        cls.grade_c = cls.env.ref("reverse_logistics.grade_c")
        cls.types = {t.code: t for t in cls.env["return.disposition.type"].search([])}
        cls.product_serial.weight = 0.4

    def _qty(self, product, location, lot=None):
        quants = self.env["stock.quant"]._gather(product, location, lot_id=lot, strict=True)
        return sum(quants.mapped("quantity"))

    def _two_phones_at_the_hub(self):
        order = self._deliver_sale(self.customer, [(self.product_serial, 2)], lots=self.serials[:2])
        rma = self._approve(self._return_from_sale(order, [
            (self.product_serial, 1, {"lot_id": self.serials[0].id}),
            (self.product_serial, 1, {"lot_id": self.serials[1].id}),
        ]))
        self.assertEqual((rma.hub_id, rma.graded_at_hub), (self.hub, True))
        rma.with_user(self.clerk).action_arrived_at_hub()
        return rma

    def _grade(self, inspections, grade):
        inspections.grade_id = grade
        inspections.action_done()
        return inspections.disposition_ids

    def test_graded_return_is_received_and_inspected_at_the_hub(self):
        order = self._deliver_sale(self.customer, [(self.product_serial, 1)], lots=self.serials[:1])
        rma = self._approve(self._return_from_sale(order, [(self.product_serial, 1, {"lot_id": self.serials[0].id})]))
        self.assertEqual(rma.picking_ids.location_dest_id, self.hub.location_id, "the label sends it to the hub")
        with self.assertRaisesRegex(UserError, "mark it as arrived at the hub"):
            rma.action_receive()
        self.assertEqual(rma.picking_ids.state, "assigned", "nothing was received by the refusal")

        rma.with_user(self.clerk).action_arrived_at_hub()
        self.assertEqual((rma.state, rma.line_ids.qty_received), ("received", 1))
        self.assertTrue(rma.date_hub_arrival)
        self.assertEqual(rma.inspection_ids.location_id, self.hub.location_id, "inspected where it is: the hub")
        self.assertFalse(rma.consolidation_id, "nothing travels before a disposition says so")
        self.assertEqual(self._qty(self.product_serial, self.hub.location_id, self.serials[0]), 1)
        events = rma.event_ids.mapped("event_type")
        self.assertIn("arrived_hub", events)
        self.assertIn("received", events)
        with self.assertRaisesRegex(UserError, "arrived at its hub already"):
            rma.action_arrived_at_hub()

    def test_resold_at_the_hub_stays_and_restocked_unit_travels_home_alone(self):
        rma = self._two_phones_at_the_hub()
        stays, travels = (rma.inspection_ids.filtered(lambda i, lot=lot: i.lot_id == lot) for lot in self.serials[:2])
        resale = self._grade(stays, self.grade_c)
        resale._decide(self.types["resell_as_is"], "Scratched: sells locally")
        self.assertEqual(resale.state, "done")
        self.assertEqual(resale.location_id, self.hub.resale_location_id)
        self.assertEqual(resale.location_id, self.hub_warehouse.secondary_market_location_id)
        self.assertEqual(self._qty(self.product_serial, self.hub_warehouse.secondary_market_location_id,
                                   self.serials[0]), 1)
        self.assertTrue(resale.resale_listing_id, "listed for sale from the hub's secondary-market stock")
        self.assertFalse(rma.consolidation_id, "a unit resold at the hub never joins a load")

        restock = self._grade(travels, self.grade_a)
        restock._decide(self.types["restock"], "As new: back to the main stock")
        load = rma.consolidation_id
        self.assertTrue(load, "the unit going home joins the hub's load")
        self.assertEqual((restock.state, restock.via_load), ("in_progress", True))
        self.assertAlmostEqual(load.weight, 0.4, msg="only the travelling phone weighs in the load")
        self.assertEqual(load.value, rma.line_ids[1].price_subtotal)
        rows = load._prepare_manifest_rows()
        self.assertEqual([(row.quantity, row.description) for row in rows],
                         [(1, f"{self.product_serial.display_name} ({self.serials[1].name})")])

        load.action_ship()
        ship = load.picking_ids.filtered(lambda p: p.state == "done")
        self.assertEqual(ship.move_line_ids.lot_id, self.serials[1], "only the restocked serial leaves")
        self.assertEqual(self._qty(self.product_serial, self.hub_warehouse.secondary_market_location_id,
                                   self.serials[0]), 1, "the resold one stays")
        load.action_receive()
        self.assertEqual(restock.state, "done")
        self.assertEqual(restock.location_id, self.warehouse.lot_stock_id, "restocked at home on arrival")
        self.assertEqual(self._qty(self.product_serial, self.warehouse.lot_stock_id, self.serials[1]), 1)
        self.assertEqual(rma.line_ids.mapped("qty_received"), [1, 1], "received once, at the hub")
        self.assertEqual(len(rma.inspection_ids), 2, "not inspected again at home")
        self.assertEqual(load.state, "received")

    def test_recycled_and_destroyed_at_the_hub(self):
        rma = self._two_phones_at_the_hub()
        recycle, destroy = self._grade(rma.inspection_ids.sorted("lot_id"), self.grade_c).sorted("lot_id")
        recycle._decide(self.types["recycle"], "Local recycler takes it")
        destroy._decide(self.types["destroy"], "Data-bearing, destroyed on request")
        self.assertEqual((recycle.state, recycle.location_id), ("done", self.hub.recycling_location_id))
        self.assertEqual(destroy.state, "done")
        self.assertEqual(destroy.scrap_id.location_id, self.hub.location_id, "scrapped at the hub")
        self.assertFalse(rma.consolidation_id, "nothing crosses the border")

    def test_a_unit_cannot_travel_after_its_load_left(self):
        rma = self._two_phones_at_the_hub()
        first, second = self._grade(rma.inspection_ids, self.grade_a).sorted("lot_id")
        first._decide(self.types["restock"], "As new")
        rma.consolidation_id.action_ship()
        with self.assertRaisesRegex(UserError, "has left the hub already"):
            second._decide(self.types["restock"], "As new too")
        self.assertEqual((second.state, second.via_load), ("proposed", False), "nothing was written")
        second._decide(self.types["recycle"], "Recycled locally instead")
        self.assertEqual(second.location_id, self.hub.recycling_location_id)

    def test_a_grading_hub_needs_its_local_locations(self):
        site = self.env["stock.location"].create({
            "name": "3PL Lyon", "usage": "internal", "location_id": self.warehouse.view_location_id.id})
        with self.assertRaisesRegex(ValidationError, "local resale location"):
            self._create_hub("Hub Lyon", "fr", "69001", "Lyon", location=site, service_level="inspect")
        hub = self._create_hub("Hub Lyon", "fr", "69001", "Lyon", location=site, service_level="forward")
        with self.assertRaisesRegex(ValidationError, "local resale location"):
            hub.service_level = "inspect"

    def test_a_unit_held_at_the_hub_stays_there_until_released(self):
        rma = self._two_phones_at_the_hub()
        held, _other = self._grade(rma.inspection_ids, self.grade_a).sorted("lot_id")
        held._hold("IMEI does not match the one delivered")
        self.assertEqual((held.state, held.location_id), ("on_hold", self.hub.location_id),
                         "held at the hub, not sent across the border to the warehouse's quarantine")
        self.assertEqual(self._qty(self.product_serial, self.warehouse.quarantine_location_id, self.serials[0]), 0)
        held.action_release()
        held._decide(self.types["restock"], "IMEI checked: ours")
        self.assertEqual((held.state, held.via_load), ("in_progress", True))
        self.assertEqual(rma.consolidation_id.state, "open")
