from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

from .common import ReturnsCase


@tagged("post_install", "-at_install")
class TestReturnHubTransfer(ReturnsCase):
    """The hub leg in stock: what a warehouse user sees of a return routed through a hub."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.partner_id.write({"country_id": cls.env.ref("base.es").id, "zip": "50001", "city": "Zaragoza"})
        # A partner's site (a 3PL near Frankfurt): no warehouse of ours, a location of the company's stock.
        cls.hub_location = cls.env["stock.location"].create({
            "name": "3PL Frankfurt", "usage": "internal", "company_id": cls.company.id,
            "location_id": cls.env.ref("stock.stock_location_locations").id,
        })
        cls.hub = cls._create_hub(
            "Hub Frankfurt", "de", "60549", "Frankfurt", location=cls.hub_location,
            address={"name": "3PL Frankfurt"},
            modes=[{"mode": "road", "vehicle_class": "artic_34_40t", "per_shipment": 300,
                    "destination_warehouse_ids": [Command.link(cls.warehouse.id)]}])
        cls.clerk = new_test_user(cls.env, "hub_transfer_clerk", groups="reverse_logistics.group_returns_user")
        cls.return_location = cls.warehouse.return_location_id
        cls.transit = cls.company.internal_transit_location_id

    def _routed_returns(self):
        """A serial (SN-0 of two phones delivered) and two chairs of three, each in a return of its own."""
        phones = self._deliver_sale(self.customer, [(self.product_serial, 2)])
        chairs = self._deliver_sale(self.customer, [(self.product, 3)])
        phone = self._approve(
            self._return_from_sale(phones, [(self.product_serial, 1, {"lot_id": self.serials[0].id})])
        )
        chair = self._approve(self._return_from_sale(chairs, [(self.product, 2, {})]))
        self.assertEqual((phone | chair).hub_id, self.hub)
        return phone, chair

    def _qty(self, product, location, lot=None):
        """What the quants say is there, reserved or not."""
        quants = self.env["stock.quant"]._gather(product, location, lot_id=lot, strict=True)
        return sum(quants.mapped("quantity"))

    # ------------------------------------------------------------------ receipt at the hub
    def test_receipt_goes_to_the_hub_and_arrival_puts_the_units_there(self):
        phone, chair = self._routed_returns()
        receipt = phone.picking_ids
        self.assertEqual(receipt.location_dest_id, self.hub_location, "the parcel is expected at the hub")
        self.assertEqual(receipt.move_line_ids.lot_id, self.serials[0], "the serial announced")
        self.assertFalse(receipt.move_ids.return_line_id, "not a receipt at the warehouse")

        (phone | chair).with_user(self.clerk).action_arrived_at_hub()
        self.assertEqual((phone.picking_ids | chair.picking_ids).mapped("state"), ["done", "done"])
        self.assertEqual(self._qty(self.product_serial, self.hub_location, self.serials[0]), 1)
        self.assertEqual(self._qty(self.product, self.hub_location), 2)
        self.assertEqual(self._qty(self.product, self.return_location), 0)
        for rma in phone | chair:
            self.assertEqual(rma.state, "approved", "at the hub, not received at its warehouse")
            self.assertFalse(rma.date_received)
            self.assertEqual(rma.line_ids.qty_received, 0)
            self.assertFalse(rma.inspection_ids, "nothing is inspected at a forwarding hub")
            self.assertEqual(rma.event_ids.filtered(lambda e: e.event_type == "received"), self.env["return.event"])
        self.assertEqual(chair.consolidation_id, phone.consolidation_id)
        # The customer no longer has the chairs: delivered quantity goes down as for any refund receipt,
        # and what is left may still be returned (the hub's receipt is not counted twice).
        self.assertEqual(chair.sale_order_id.order_line.qty_delivered, 1)
        again = self._return_from_sale(chair.sale_order_id, [(self.product, 1, {})])
        self.assertEqual(again.line_ids.product_uom_qty, 1)

    def test_return_not_routed_through_a_hub_is_unchanged(self):
        lyon = self.env["res.partner"].create({"name": "Client Lyon", "country_id": self.env.ref("base.fr").id,
                                               "zip": "69001", "email": "lyon@example.com"})
        order = self._deliver_sale(lyon, [(self.product, 1)])
        rma = self._approve(self._return_from_sale(order, [(self.product, 1, {})]))
        self.assertFalse(rma.hub_id)
        self.assertEqual(rma.picking_ids.location_dest_id, self.return_location)
        self.assertEqual(rma.picking_ids.move_ids.return_line_id, rma.line_ids)
        rma.action_receive()
        self.assertEqual((rma.state, rma.line_ids.qty_received), ("received", 1))
        self.assertEqual(self._qty(self.product, self.return_location), 1)

    # ------------------------------------------------------------------ the load leaves, and arrives
    def test_load_moves_through_transit_into_the_returns_location(self):
        phone, chair = self._routed_returns()
        returns = phone | chair
        returns.action_arrived_at_hub()
        load = phone.consolidation_id.with_user(self.clerk)

        load.action_ship()
        ship = load.picking_ids.filtered(lambda p: p.location_id == self.hub_location)
        self.assertEqual(len(ship), 1, "one transfer for the whole load")
        self.assertEqual((ship.state, ship.location_dest_id), ("done", self.transit))
        self.assertEqual(ship.picking_type_id, self.warehouse.int_type_id, "a partner's site has no types of ours")
        self.assertEqual(ship.move_line_ids.lot_id, self.serials[0], "the serial that arrived leaves")
        self.assertEqual(self._qty(self.product_serial, self.transit, self.serials[0]), 1)
        self.assertEqual(self._qty(self.product, self.transit), 2)
        self.assertEqual(self._qty(self.product, self.hub_location), 0)
        self.assertEqual(returns.mapped("state"), ["in_transit", "in_transit"])
        self.assertEqual(returns.line_ids.mapped("qty_received"), [0, 0], "in transit is not received")
        incoming = load.picking_ids - ship
        self.assertEqual(incoming.picking_type_id, self.warehouse.return_type_id, "expected in the Returns queue")
        self.assertEqual(incoming.location_dest_id, self.return_location)
        self.assertEqual(incoming.state, "assigned")

        told = self.env["mail.message"].search_count([("model", "=", "return.order"), ("res_id", "=", chair.id)])
        load.action_receive()
        self.assertEqual(incoming.state, "done")
        self.assertEqual(self._qty(self.product_serial, self.return_location, self.serials[0]), 1)
        self.assertEqual(self._qty(self.product, self.return_location), 2)
        self.assertEqual(self._qty(self.product, self.transit), 0)
        self.assertEqual(returns.mapped("state"), ["received", "received"])
        self.assertTrue(all(returns.mapped("date_received")))
        self.assertEqual(chair.line_ids.qty_received, 2)
        self.assertEqual(phone.line_ids.qty_received, 1)
        self.assertEqual(phone.inspection_ids.lot_id, self.serials[0])
        self.assertEqual(phone.inspection_ids.location_id, self.return_location, "inspected at its warehouse")
        received = phone.event_ids.filtered(lambda e: e.event_type == "received")
        self.assertEqual((received.lot_id, received.location_id), (self.serials[0], self.return_location))
        self.assertGreater(
            self.env["mail.message"].search_count([("model", "=", "return.order"), ("res_id", "=", chair.id)]), told,
            "the customer hears the return was received")
        # The serial's traceability: delivered, then back through the hub and transit into the Returns location.
        legs = self.env["stock.move.line"].search(
            [("lot_id", "=", self.serials[0].id), ("state", "=", "done")], order="id")
        self.assertEqual(
            [(ml.location_id.usage, ml.location_dest_id) for ml in legs[1:]],
            [("customer", self.hub_location), ("internal", self.transit), ("transit", self.return_location)],
        )
        with self.assertRaisesRegex(UserError, "Cannot receive"):
            load.action_receive()

    def test_hub_run_in_a_warehouse_ships_with_its_delivery_type(self):
        hub_warehouse = self.env["stock.warehouse"].create({"name": "Frankfurt Hub", "code": "FRAH"})
        self.hub.write({"warehouse_id": hub_warehouse.id, "location_id": hub_warehouse.return_location_id.id})
        _phone, chair = self._routed_returns()
        self.assertEqual(chair.picking_ids.picking_type_id, hub_warehouse.return_type_id)
        self.assertEqual(chair.picking_ids.location_dest_id, hub_warehouse.return_location_id)
        chair.action_arrived_at_hub()
        self.assertEqual(self._qty(self.product, hub_warehouse.return_location_id), 2)
        chair.consolidation_id.action_ship()
        ship = chair.consolidation_id.picking_ids.filtered(lambda p: p.state == "done")
        self.assertEqual(ship.picking_type_id, hub_warehouse.out_type_id)
        chair.consolidation_id.action_receive()
        self.assertEqual((chair.state, chair.line_ids.qty_received), ("received", 2))

    # ------------------------------------------------------------------ refusals
    def test_units_must_be_at_the_hub_for_the_load_to_leave(self):
        phone, chair = self._routed_returns()
        (phone | chair).action_arrived_at_hub()
        load = phone.consolidation_id
        # A chair was taken out of the hub's location meanwhile.
        self.env["stock.quant"]._update_available_quantity(self.product, self.hub_location, -1)
        with self.assertRaisesRegex(UserError, r"no longer at the hub:\n1 .*Returnable chair in .*3PL Frankfurt"):
            load.action_ship()
        self.assertEqual(load.state, "open")
        self.assertFalse(load.picking_ids)
        self.assertEqual(self._qty(self.product_serial, self.hub_location, self.serials[0]), 1)

    def test_routed_return_is_received_with_its_load_only(self):
        phone, chair = self._routed_returns()
        with self.assertRaisesRegex(UserError, "travel through hub Hub Frankfurt"):
            chair.action_receive()
        chair.action_arrived_at_hub()
        with self.assertRaisesRegex(UserError, "arrived at its hub"):
            chair.action_cancel()
        phone.action_cancel()
        self.assertEqual(phone.picking_ids.state, "cancel", "not arrived yet: it may still be cancelled")
