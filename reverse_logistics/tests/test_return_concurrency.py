"""Two people approving or receiving the same return at the same time: exactly one wins.

These tests need real, committed transactions, so they use their own cursors instead of
the test's rolled-back one, and tag the data they create with a unique customer.
"""

import functools
import logging
import re
import threading
import time
import uuid
from contextlib import contextmanager

import requests

from odoo import Command, api
from odoo.exceptions import UserError, ValidationError
from odoo.modules.registry import DummyRLock, Registry
from odoo.service.model import retrying
from odoo.tests import BaseCase, get_db_name, tagged
from odoo.tools import config


@contextmanager
def transaction():
    """A new cursor, committed at the end of the block unless it raised."""
    with Registry(get_db_name()).cursor() as cr:
        yield api.Environment(cr, api.SUPERUSER_ID, {"tracking_disable": True})


def returnable_product(env, name, **policy_values):
    """A storable product of a category of its own, covered by a 30-day policy of the company."""
    category = env["product.category"].create({"name": name})
    env["return.policy"].create({
        "name": name, "company_id": env.company.id, "window_days": 30, "sequence": 0,
        "category_ids": [Command.link(category.id)], **policy_values,
    })
    return env["product.product"].create({"name": name, "is_storable": True, "categ_id": category.id})


@contextmanager
def error_lines():
    """The log records at ERROR or above written inside the block, by any thread."""
    records = []
    handler = logging.Handler(logging.ERROR)
    handler.emit = records.append
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield records
    finally:
        root.removeHandler(handler)


@contextmanager
def no_error_logged(case):
    """Contention the addon expects is answered cleanly: nothing at ERROR in the log, from any thread.

    Operations teams alert on ERROR lines; a serialisation failure Odoo retries, or a busy row
    answered with a message, is not one.
    """
    with error_lines() as records:
        yield
    case.assertEqual([record.getMessage()[:300] for record in records], [], "ERROR lines in the log")


def without_error_log(test):
    """Decorator: the test's races leave no ERROR line in the log (see no_error_logged)."""
    @functools.wraps(test)
    def wrapper(case, *args, **kwargs):
        with no_error_logged(case):
            return test(case, *args, **kwargs)
    return wrapper


def let_worker_threads_in(case):
    """While tests run, the server holds the registries' lock for the whole run.

    Threads that play workers (opening environments, serving HTTP requests) look the registry up
    too, and would wait for the end of the run: lift the lock for this test, as Odoo's own test
    mode does for HTTP tests.
    """
    case.patch(Registry, "_lock", DummyRLock())


@tagged("post_install", "-at_install")
class TestReturnConcurrency(BaseCase):
    def setUp(self):
        super().setUp()
        tag = uuid.uuid4().hex[:8]
        with transaction() as env:
            product = returnable_product(env, f"Widget {tag}", require_source_document=False)
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

    @without_error_log
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

    @without_error_log
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

    @without_error_log
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


def race(first_action, second_action):
    """Run ``first_action`` and ``second_action`` (env -> anything) in two overlapping transactions.

    The second one reads before the first commits (its snapshot is older) and reaches the
    decision while the first still holds it. Returns {"first": result, "second": result or error}.
    """
    first_done, second_started = threading.Event(), threading.Event()
    outcome = {}

    def first():
        try:
            with transaction() as env:
                outcome["first"] = first_action(env)
                first_done.set()
                second_started.wait(10)
                time.sleep(0.5)  # the second one is now waiting for the sources this one holds
        except Exception as error:  # pylint: disable=broad-except
            outcome["first"] = error
            first_done.set()

    def second():
        first_done.wait(10)
        try:
            with transaction() as env:
                env.cr.execute("SELECT 1")  # the snapshot starts here, before the first commits
                second_started.set()
                outcome["second"] = retrying(lambda: second_action(env), env)
        except Exception as error:  # pylint: disable=broad-except
            second_started.set()
            outcome["second"] = error

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return outcome


def _deliver(env, partner, product, qty):
    """Sell and deliver ``qty`` of ``product`` to ``partner``, from stock put there for it."""
    warehouse = env["stock.warehouse"].search([("company_id", "=", env.company.id)], limit=1)
    env["stock.quant"]._update_available_quantity(product, warehouse.lot_stock_id, qty)
    order = env["sale.order"].create({
        "partner_id": partner.id,
        "warehouse_id": warehouse.id,
        "order_line": [Command.create({"product_id": product.id, "product_uom_qty": qty})],
    })
    order.action_confirm()
    order.picking_ids.move_ids.quantity = qty
    order.picking_ids.move_ids.picked = True
    order.picking_ids.button_validate()
    return order


@tagged("post_install", "-at_install")
class TestLastUnitRace(BaseCase):
    """Two requests for the last delivered unit at the same moment: exactly one return is created.

    Each request runs in its own thread and transaction, as two server workers would; the loser
    is run again as Odoo's server does after a serialisation failure (``retrying``), and must then
    be refused with a clear message.
    """

    def setUp(self):
        super().setUp()
        let_worker_threads_in(self)
        self.tag = uuid.uuid4().hex[:8]
        with transaction() as env:
            product = returnable_product(env, f"Last unit {self.tag}")
            customer = env["res.partner"].create({"name": f"Racing customer {self.tag}", "is_company": True})
            order = _deliver(env, customer, product, 1)
            self.customer_id, self.product_id = customer.id, product.id
            self.sale_line_id = order.order_line.id
            self.reason_id = env.ref("reverse_logistics.reason_defective").id

    def _request(self, env):
        return env["return.order"].create({
            "partner_id": self.customer_id,
            "line_ids": [Command.create({"product_id": self.product_id, "product_uom_qty": 1,
                                         "sale_line_id": self.sale_line_id, "reason_id": self.reason_id})],
        })

    def _returns(self):
        with transaction() as env:
            return env["return.order"].search_count([("partner_id", "=", self.customer_id)])

    def test_two_creates_for_the_last_unit(self):
        with no_error_logged(self):
            outcome = race(self._request, self._request)
        self.assertNotIsInstance(outcome["first"], Exception)
        self.assertIsInstance(outcome["second"], ValidationError)
        self.assertIn("at most 0 can be returned", str(outcome["second"]))
        self.assertEqual(self._returns(), 1)

    def test_two_reopenings_of_returns_of_the_last_unit(self):
        ids = []
        for _i in range(2):
            with transaction() as env:
                rma = self._request(env)
                rma.action_cancel()
                ids.append(rma.id)
        with no_error_logged(self):
            outcome = race(
                lambda env: env["return.order"].browse(ids[0]).action_draft(),
                lambda env: env["return.order"].browse(ids[1]).action_draft(),
            )
        self.assertIs(outcome["first"], True)
        self.assertIsInstance(outcome["second"], ValidationError)
        with transaction() as env:
            self.assertEqual(env["return.order"].browse(ids).mapped("state"), ["draft", "cancelled"])


@tagged("post_install", "-at_install")
class TestPortalLastUnitRace(BaseCase):
    """Two portal contacts of one customer ask for the last unit at once, over real HTTP.

    Outside Odoo's test mode (which serialises HTTP requests on one test cursor), each request
    gets its own worker thread and transaction, as in production.
    """

    def setUp(self):
        super().setUp()
        let_worker_threads_in(self)
        tag = uuid.uuid4().hex[:8]
        self.logins = [f"race-{tag}-{n}@example.com" for n in (1, 2)]
        with transaction() as env:
            product = returnable_product(env, f"Portal last unit {tag}")
            customer = env["res.partner"].create({"name": f"Portal racer {tag}", "is_company": True})
            for login in self.logins:
                env["res.users"].create({
                    "name": login, "login": login, "password": login,
                    "partner_id": env["res.partner"].create(
                        {"name": login, "email": login, "parent_id": customer.id}
                    ).id,
                    "groups_id": [Command.set([env.ref("base.group_portal").id])],
                })
            _deliver(env, customer, product, 1)
            self.customer_id = customer.id
            self.reason_id = env.ref("reverse_logistics.reason_defective").id
        self.base = f"http://127.0.0.1:{config['http_port']}"

    def _session(self, login):
        session = requests.Session()
        answer = session.post(f"{self.base}/web/session/authenticate", json={
            "jsonrpc": "2.0", "method": "call",
            "params": {"db": get_db_name(), "login": login, "password": login},
        }, timeout=30).json()
        self.assertTrue(answer.get("result", {}).get("uid"), answer)
        page = session.get(f"{self.base}/my/returns/new", timeout=30).text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        row, value = re.search(r'data-row="(\d+)" data-product-id="\d+">.*?name="line_\1" value="([\d:]+)"',
                               page, re.S).groups()
        form = {"csrf_token": csrf, "outcome": "refund", "comment": "Last one",
                f"line_{row}": value, f"qty_{row}": "1", f"reason_{row}": str(self.reason_id)}
        return session, form

    @without_error_log
    def test_two_portal_requests_for_the_last_unit(self):
        prepared = [self._session(login) for login in self.logins]
        barrier = threading.Barrier(len(prepared))
        responses = [None] * len(prepared)

        def post(index):
            session, form = prepared[index]
            barrier.wait(10)
            responses[index] = session.post(f"{self.base}/my/returns/new", data=form, timeout=60)

        threads = [threading.Thread(target=post, args=(index,)) for index in range(len(prepared))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(90)
        statuses = sorted(response.status_code for response in responses)
        self.assertEqual(statuses, [200, 400], "one request is served its return, the other refused")
        refused = next(response for response in responses if response.status_code == 400)
        self.assertIn("already being returned in full", refused.text)
        with transaction() as env:
            returns = env["return.order"].search([("partner_id.commercial_partner_id", "=", self.customer_id)])
            self.assertEqual(len(returns), 1)
            self.assertEqual(returns.line_ids.product_uom_qty, 1)


@tagged("post_install", "-at_install")
class TestRetriedCreate(BaseCase):
    """Two clerks create returns that both fit, at the same moment: both are created.

    The second one's lock conflicts with the first; Odoo then runs the very same call again, with
    the very same values (``retrying`` around an RPC call or an HTTP request). A create that wrote
    into those values (the reference, a default) would be refused on the retry.
    """

    def setUp(self):
        super().setUp()
        let_worker_threads_in(self)
        tag = uuid.uuid4().hex[:8]
        with transaction() as env:
            product = returnable_product(env, f"Two fit {tag}", require_source_document=False)
            pallet = env["product.product"].create({
                "name": f"Retried pallet {tag}", "is_storable": True, "returnable_packaging": True,
                "packaging_deposit_price": 10.0,
            })
            customer = env["res.partner"].create({"name": f"Two clerks' customer {tag}", "is_company": True})
            order = _deliver(env, customer, product, 2)
            _deliver(env, customer, pallet, 4)
            self.customer_id, self.product_id, self.pallet_id = customer.id, product.id, pallet.id
            self.sale_line_id = order.order_line.id
            self.reason_id = env.ref("reverse_logistics.reason_defective").id
            # Two returns clerks, as the users who meet this (the superuser passes guards a clerk meets).
            self.clerk_ids = [
                env["res.users"].create({
                    "name": f"Clerk {n} {tag}", "login": f"clerk-{n}-{tag}",
                    "groups_id": [Command.set([env.ref("reverse_logistics.group_returns_user").id])],
                }).id
                for n in (1, 2)
            ]

    def _race_with_the_same_values(self, first_vals, second_vals):
        """Race two creates; the second is retried by Odoo with the same dict. (outcome, tries, ERROR lines)"""
        tries = []

        def first(env):
            return env["return.order"].with_user(self.clerk_ids[0]).create(first_vals)

        def second(env):
            tries.append(1)
            return env["return.order"].with_user(self.clerk_ids[1]).create(second_vals)

        with error_lines() as errors:
            outcome = race(first, second)
        return outcome, len(tries), [record.getMessage()[:300] for record in errors]

    def test_two_returns_that_both_fit_are_both_created(self):
        def vals():
            return {
                "partner_id": self.customer_id,
                "line_ids": [Command.create({"product_id": self.product_id, "product_uom_qty": 1,
                                             "sale_line_id": self.sale_line_id, "reason_id": self.reason_id})],
            }
        first_vals, second_vals = vals(), vals()
        outcome, tries, errors = self._race_with_the_same_values(first_vals, second_vals)
        self.assertNotIsInstance(outcome["first"], Exception, outcome)
        self.assertNotIsInstance(outcome["second"], Exception, outcome)
        self.assertEqual(tries, 2, "the second create met the first's lock and was run again")
        self.assertEqual(second_vals, vals(), "the caller's values are as they were given")
        self.assertEqual(errors, [], "the expected contention leaves no ERROR line in the log")
        with transaction() as env:
            returns = env["return.order"].search([("partner_id", "=", self.customer_id)])
            self.assertEqual(len(returns), 2)
            self.assertEqual(len(set(returns.mapped("name"))), 2, "each return has its own reference")

    def test_two_packaging_returns_that_both_fit_are_both_created(self):
        def vals():
            return {
                "partner_id": self.customer_id, "return_kind": "packaging",
                "line_ids": [Command.create({"product_id": self.pallet_id, "product_uom_qty": 2})],
            }
        first_vals, second_vals = vals(), vals()
        outcome, tries, errors = self._race_with_the_same_values(first_vals, second_vals)
        self.assertNotIsInstance(outcome["first"], Exception, outcome)
        self.assertNotIsInstance(outcome["second"], Exception, outcome)
        self.assertEqual(tries, 2, "the second create met the first's lock and was run again")
        self.assertEqual(second_vals, vals())
        self.assertEqual(errors, [], "the expected contention leaves no ERROR line in the log")
        with transaction() as env:
            returns = env["return.order"].search([("partner_id", "=", self.customer_id),
                                                   ("return_kind", "=", "packaging")])
            self.assertEqual(sorted(returns.line_ids.mapped("product_uom_qty")), [2, 2])
