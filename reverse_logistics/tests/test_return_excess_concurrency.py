"""Two proposals under the same agreement at once cannot both take the last of its allowance.

Real, committed transactions (see test_return_concurrency.py): the data is tagged with a unique customer.
"""

import uuid

from dateutil.relativedelta import relativedelta

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tests import BaseCase, tagged

from .test_return_concurrency import let_worker_threads_in, race, transaction, without_error_log

BUSY = "being decided right now"
SPENT = "Nothing of this proposal can be returned(.|\n)*above the 10 % allowance"


@tagged("post_install", "-at_install")
class TestExcessAllowanceRace(BaseCase):
    def setUp(self):
        super().setUp()
        let_worker_threads_in(self)
        tag = uuid.uuid4().hex[:8]
        with transaction() as env:
            category = env["product.category"].create({"name": f"Excess race {tag}"})
            lamp = env["product.product"].create({"name": f"Race lamp {tag}", "is_storable": True,
                                                  "categ_id": category.id})
            customer = env["res.partner"].create({"name": f"Racing distributor {tag}", "is_company": True})
            invoice = env["account.move"].create({
                "move_type": "out_invoice", "partner_id": customer.id,
                "invoice_date": fields.Date.today() - relativedelta(months=1),
                "invoice_line_ids": [Command.create({"product_id": lamp.id, "quantity": 10, "price_unit": 40.0,
                                                     "tax_ids": [Command.clear()]})],
            })
            invoice.action_post()
            # 10 % of 400.00: one lamp at 40.00, not two.
            agreement = env["return.agreement"].create({
                "name": f"Race {tag}", "partner_id": customer.id, "share_percent": 10.0, "period_months": 6,
                "date_start": fields.Date.today(), "date_end": fields.Date.today() + relativedelta(months=1),
            })
            agreement.action_activate()
            self.agreement_id, self.lamp_id, self.customer_id = agreement.id, lamp.id, customer.id

    def _propose(self, env):
        agreement = env["return.agreement"].browse(self.agreement_id)
        return agreement._create_excess_return([(env["product.product"].browse(self.lamp_id), 1)])[0].id

    def _returns(self):
        with transaction() as env:
            return env["return.order"].search([("return_agreement_id", "=", self.agreement_id)]).line_ids.mapped(
                "product_uom_qty")

    @without_error_log
    def test_a_proposal_while_another_holds_the_agreement_is_refused(self):
        with transaction() as env_a, transaction() as env_b:
            self._propose(env_a)
            with self.assertRaisesRegex(UserError, BUSY):
                self._propose(env_b)
            env_b.cr.rollback()
        self.assertEqual(self._returns(), [1.0])
        # Tried again, it sees the first return: the allowance is spent.
        with transaction() as env_c, self.assertRaisesRegex(UserError, SPENT):
            self._propose(env_c)
        self.assertEqual(self._returns(), [1.0])

    @without_error_log
    def test_a_proposal_decided_on_a_snapshot_older_than_the_winner_is_refused(self):
        with transaction() as env_b:
            # B's snapshot starts before A commits: it does not see A's return.
            self.assertEqual(env_b["return.agreement"].browse(self.agreement_id).state, "active")
            with transaction() as env_a:
                self._propose(env_a)
            env_b.invalidate_all()
            with self.assertRaisesRegex(UserError, f"{BUSY}|{SPENT}"):
                self._propose(env_b)
            env_b.cr.rollback()
        self.assertEqual(self._returns(), [1.0])

    @without_error_log
    def test_two_workers_at_once_create_one_return(self):
        outcome = race(self._propose, self._propose)
        self.assertIsInstance(outcome["first"], int)
        self.assertIsInstance(outcome["second"], UserError)
        self.assertRegex(str(outcome["second"]), f"{BUSY}|{SPENT}")
        self.assertEqual(self._returns(), [1.0])
