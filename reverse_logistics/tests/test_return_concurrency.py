"""Two people approving or receiving the same return at the same time: exactly one wins.

These tests need real, committed transactions, so they use their own cursors instead of
the test's rolled-back one, and tag the data they create with a unique customer.
"""

import uuid
from contextlib import contextmanager

from odoo import Command, api
from odoo.exceptions import UserError
from odoo.modules.registry import Registry
from odoo.tests import BaseCase, get_db_name, tagged
from odoo.tools import mute_logger


@contextmanager
def transaction():
    """A new cursor, committed at the end of the block unless it raised."""
    with Registry(get_db_name()).cursor() as cr:
        yield api.Environment(cr, api.SUPERUSER_ID, {"tracking_disable": True})


@tagged("post_install", "-at_install")
class TestReturnConcurrency(BaseCase):
    def setUp(self):
        super().setUp()
        tag = uuid.uuid4().hex[:8]
        with transaction() as env:
            category = env["product.category"].create({"name": f"Concurrency {tag}"})
            env["return.policy"].create(
                {
                    "name": f"Concurrency {tag}",
                    "company_id": env.company.id,
                    "window_days": 30,
                    "sequence": 0,
                    "require_source_document": False,
                    "category_ids": [Command.link(category.id)],
                }
            )
            product = env["product.product"].create(
                {"name": f"Widget {tag}", "is_storable": True, "categ_id": category.id}
            )
            partner = env["res.partner"].create({"name": f"Concurrent customer {tag}"})
            rma = env["return.order"].create(
                {
                    "partner_id": partner.id,
                    "line_ids": [Command.create({"product_id": product.id, "product_uom_qty": 2})],
                }
            )
            rma.action_submit()
            self.assertEqual(rma.state, "to_approve")
            self.return_id = rma.id

    def _receipts(self):
        with transaction() as env:
            return env["stock.picking"].search_count([("return_order_id", "=", self.return_id)])

    @mute_logger("odoo.sql_db")
    def test_approve_twice_at_the_same_time(self):
        with transaction() as env_a, transaction() as env_b:
            env_a["return.order"].browse(self.return_id).action_approve()
            # B arrives while A holds the return: B is told at once, and writes nothing.
            with self.assertRaisesRegex(UserError, "being processed by someone else"):
                env_b["return.order"].browse(self.return_id).action_approve()
            env_b.cr.rollback()
        # A committed. A third attempt sees the approved return.
        with transaction() as env_c, self.assertRaisesRegex(UserError, "it is Approved"):
            env_c["return.order"].browse(self.return_id).action_approve()
        self.assertEqual(self._receipts(), 1)

    @mute_logger("odoo.sql_db")
    def test_approve_from_a_transaction_that_started_before_the_winner_committed(self):
        with transaction() as env_b:
            # B reads the return (its snapshot starts) while A has not committed yet.
            self.assertEqual(env_b["return.order"].browse(self.return_id).state, "to_approve")
            with transaction() as env_a:
                env_a["return.order"].browse(self.return_id).action_approve()
            env_b.invalidate_all()
            with self.assertRaisesRegex(UserError, "being processed by someone else|it is Approved"):
                env_b["return.order"].browse(self.return_id).action_approve()
            env_b.cr.rollback()
        self.assertEqual(self._receipts(), 1)

    @mute_logger("odoo.sql_db")
    def test_receive_twice_at_the_same_time(self):
        with transaction() as env:
            env["return.order"].browse(self.return_id).action_approve()
        with transaction() as env_a, transaction() as env_b:
            env_a["return.order"].browse(self.return_id).action_receive()
            with self.assertRaisesRegex(UserError, "being processed by someone else"):
                env_b["return.order"].browse(self.return_id).action_receive()
            env_b.cr.rollback()
        with transaction() as env:
            rma = env["return.order"].browse(self.return_id)
            self.assertEqual(rma.state, "received")
            self.assertEqual(rma.line_ids.qty_received, 2, "received once, not twice")
            with self.assertRaisesRegex(UserError, "Cannot receive"):
                rma.action_receive()
