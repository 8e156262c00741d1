"""Two orders for the last unit of a listing at the same moment: exactly one wins.

Real, committed transactions on their own cursors, as two server workers (see test_return_concurrency).
"""

import uuid

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import BaseCase, tagged

from .test_return_concurrency import let_worker_threads_in, race, transaction, without_error_log


@tagged("post_install", "-at_install")
class TestResaleRace(BaseCase):
    def setUp(self):
        super().setUp()
        let_worker_threads_in(self)
        tag = uuid.uuid4().hex[:8]
        with transaction() as env:
            warehouse = env["stock.warehouse"].search([("company_id", "=", env.company.id)], limit=1)
            product = env["product.product"].create({
                "name": f"Last phone {tag}", "is_storable": True, "tracking": "serial", "list_price": 400.0,
            })
            lot = env["stock.lot"].create({"name": f"LAST-{tag}", "product_id": product.id})
            env["stock.quant"]._update_available_quantity(
                product, warehouse.secondary_market_location_id, 1, lot_id=lot
            )
            # As superuser, as the disposition flow creates it (the flow itself is tested elsewhere).
            listing = env["resale.listing"].create({
                "company_id": env.company.id, "product_id": product.id, "lot_id": lot.id, "quantity": 1,
                "grade_id": env.ref("reverse_logistics.grade_b").id,
                "location_id": warehouse.secondary_market_location_id.id, "reference_price": 400.0,
                "cost_basis": 100.0, "price": 250.0,
            })
            listing.action_publish()
            self.orders = [
                env["sale.order"].create({
                    "partner_id": env["res.partner"].create({"name": f"Buyer {n} {tag}"}).id,
                    "warehouse_id": warehouse.id,
                    "order_line": [Command.create({"resale_listing_id": listing.id})],
                }).id
                for n in (1, 2)
            ]
            self.listing_id = listing.id

    @without_error_log
    def test_two_orders_for_the_last_unit_one_wins(self):
        first_id, second_id = self.orders

        def confirm(order_id):
            return lambda env: env["sale.order"].browse(order_id).action_confirm()

        outcome = race(confirm(first_id), confirm(second_id))
        self.assertNotIsInstance(outcome["first"], Exception, outcome)
        self.assertIsInstance(outcome["second"], UserError, outcome)
        self.assertRegex(str(outcome["second"]), "being sold in another order|no longer for sale")
        with transaction() as env:
            listing = env["resale.listing"].browse(self.listing_id)
            orders = env["sale.order"].browse(self.orders)
            self.assertEqual(orders.mapped("state"), ["sale", "draft"])
            self.assertEqual((listing.state, listing.quantity_reserved), ("reserved", 1.0))
            self.assertEqual(len(orders.picking_ids), 1, "one delivery for the one unit")
            self.assertEqual(orders.picking_ids.move_ids.move_line_ids.lot_id, listing.lot_id)
