"""Benchmark: N returns from delivered sale orders, created, approved and received in batch.

Prints wall time, returns per second and SQL queries per return of each phase, for N and 2N,
for reverse_logistics and, with --compare-oca, for OCA ``rma`` 18.0 doing the same create,
confirm and receive. Every run (N, then 2N) has fresh data in one transaction that is rolled
back: the databases are left as they were. The planner statistics are refreshed (ANALYZE) after
each run's setup, for both sides, as on a database in use (--no-analyze: not).

    python3 bench/bench_returns.py --db rl_bench --db-host /tmp/pgdev --db-port 5499 \\
        --addons-path /opt/odoo18/addons,/opt/oca_rma/odoo/addons,. --init [-n 500] \\
        [--compare-oca [--oca-db rl_bench_oca] [--oca-emails]] [--no-mail] [--profile]

Databases: --db needs reverse_logistics installed, --oca-db (default: <db>_oca) OCA ``rma``
with the same core modules as ours (sale_stock, stock_delivery, repair, portal). --init creates
a missing database (without demo data) or updates the module in an existing one, by running
``python3 -m odoo ... -i reverse_logistics --stop-after-init`` before the benchmark.

Phases, each measured from a flushed state to a flushed state *with precommit hooks run*
(``cr.flush()``, what a commit does first), so that deferred writes, tracking messages and bus
notifications of the phase are counted in it:
  create   one ``return.order.create([...])`` of N returns (1 or 2 lines each, from the sale lines)
           | OCA: one ``rma.create([...])`` of one rma per returned line (an rma has one product)
  approve  ``action_submit()`` then ``action_approve()`` on all (approval creates the receipts)
           | OCA: ``action_confirm()`` on all (Refund operation, receipt created on confirmation)
  receive  ``action_receive()`` on all (validates every receipt)
           | OCA: the reception pickings' moves done and ``button_validate()`` on all at once

Where the time goes: RL_BENCH_CPROFILE=<directory> writes a cProfile file per phase and size
(e.g. ``submit_approve_400.prof``, read with ``pstats``), in this benchmark and every one built on its Phase.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import odoo
import odoo.service.db
from odoo import SUPERUSER_ID, Command, api
from odoo.modules.registry import Registry

REPO = Path(__file__).resolve().parent.parent
OCA_MODULES = "rma,sale_stock,stock_delivery,repair,portal"  # same core modules as reverse_logistics

# Context a script or an integration would use to leave the chatter out.
NO_MAIL_CONTEXT = {
    "tracking_disable": True,
    "mail_notrack": True,
    "mail_create_nolog": True,
    "mail_create_nosubscribe": True,
    "mail_auto_subscribe_no_notify": True,
}


# ----------------------------------------------------------------------
# Measuring
# ----------------------------------------------------------------------
class QueryProfile:
    """Counts statements by shape and by the code path that issued them (``--profile``).

    A path is the chain of calls from the benchmark down to the innermost frame of
    reverse_logistics, then the core method it called, e.g.
    ``action_submit > _approve > _send_customer_email > mail.compose.message._action_send_mail``;
    work outside the addon (tracking at precommit, stock) gets the first three calls instead.
    """

    SKIPPED = re.compile(r"^<|/decorator\.py$|odoo/(api|models|fields|sql_db|tools/func)\.py$")
    STOP_AT = "bench_returns"  # the benchmark's own file: call paths start below it
    UNIT = "return"

    def __init__(self):
        self.by_statement = collections.Counter()
        self.by_path = collections.Counter()
        self.by_site = collections.Counter()

    @staticmethod
    def shape(query):
        text = query.decode() if isinstance(query, bytes) else str(query)
        text = re.sub(r"\s+", " ", text).strip()
        text = re.sub(r"'(?:[^']|'')*'", "?", text)
        text = re.sub(r"\b\d+(\.\d+)?\b", "?", text)
        text = re.sub(r"(\?\s*,\s*)+\?", "?", text)
        return text[:140]

    @staticmethod
    def where(frame):
        parts = frame.f_code.co_filename.split("/")
        return f"{'/'.join(parts[-3:])}:{frame.f_lineno} {frame.f_code.co_name}"

    @staticmethod
    def label(frame):
        model = getattr(frame.f_locals.get("self"), "_name", None)
        return f"{frame.f_code.co_name}[{model}]" if isinstance(model, str) else frame.f_code.co_name

    def attribute(self, frame):
        chain = []  # innermost first, up to the benchmark's own frame
        while frame is not None and self.STOP_AT not in frame.f_code.co_filename:
            if not self.SKIPPED.search(frame.f_code.co_filename):
                chain.append(frame)
            frame = frame.f_back
        chain.reverse()  # outermost first
        addon = [i for i, f in enumerate(chain) if "reverse_logistics" in f.f_code.co_filename]
        if addon:
            kept = chain[: addon[-1] + 2]
            kept = [f for f in kept if "reverse_logistics" in f.f_code.co_filename] + kept[addon[-1] + 1:]
        else:
            kept = chain[:4]
        path = " > ".join(self.label(f) for f in kept) or "?"
        site = self.where(chain[-1]) if chain else "?"
        return path, site

    def hook(self, cr, query, params, start, delay):
        self.by_statement[self.shape(query)] += 1
        path, site = self.attribute(sys._getframe(2))
        self.by_path[path] += 1
        self.by_site[site] += 1

    def print(self, title, count, top=15):
        for label, counter in (("statements", self.by_statement), ("code paths", self.by_path),
                               ("innermost callers", self.by_site)):
            print(f"\n  top {label}, {title}, N={count} (queries per {self.UNIT}):")
            for key, hits in counter.most_common(top):
                print(f"    {hits / count:6.2f}  {key}")


class Phase:
    """Wall time and SQL queries of a block, from a flushed state to a flushed state."""

    def __init__(self, env, name, returns, lines, profile=False):
        self.env, self.name, self.returns, self.lines = env, name, returns, lines
        self.profile = QueryProfile() if profile else None

    def __enter__(self):
        self.env.cr.flush()  # setup's own deferred writes and tracking are not ours
        self.queries = self.env.cr.sql_log_count
        if self.profile:
            thread = threading.current_thread()
            self._hooks = getattr(thread, "query_hooks", ())
            thread.query_hooks = (*self._hooks, self.profile.hook)
        self.started = time.perf_counter()
        self.cprofile = None
        if os.environ.get("RL_BENCH_CPROFILE"):
            import cProfile
            self.cprofile = cProfile.Profile()
            self.cprofile.enable()
        return self

    def __exit__(self, *exc):
        if exc[0] is None:
            self.env.cr.flush()  # deferred writes + precommit (tracking messages, bus), like a commit
        self.seconds = time.perf_counter() - self.started
        if self.cprofile:
            self.cprofile.disable()
            name = self.name.replace(" ", "").replace("+", "_")
            self.cprofile.dump_stats(f"{os.environ['RL_BENCH_CPROFILE']}/{name}_{self.returns}.prof")
        self.query_count = self.env.cr.sql_log_count - self.queries
        if self.profile:
            threading.current_thread().query_hooks = self._hooks

    def row(self):
        if self.profile:
            self.profile.print(self.name, self.returns)
        return {
            "phase": self.name,
            "returns": self.returns,
            "lines": self.lines,
            "seconds": self.seconds,
            "queries": self.query_count,
        }


# ----------------------------------------------------------------------
# Setup (not measured)
# ----------------------------------------------------------------------
def delivered_orders(env, n, label, single_customer=False):
    """N confirmed sale orders, every other one with a second line, all delivered in full."""
    warehouse = env["stock.warehouse"].search([("company_id", "=", env.company.id)], limit=1)
    category = env["product.category"].create({"name": f"Bench {label}"})
    products = env["product.product"].create(
        [
            {"name": f"Bench {name} {label}", "is_storable": True, "categ_id": category.id,
             "list_price": price, "standard_price": price / 2}
            for name, price in (("chair", 50.0), ("lamp", 20.0))
        ]
    )
    for product in products:
        env["stock.quant"]._update_available_quantity(product, warehouse.lot_stock_id, 10 * n)
    spain = env.ref("base.es")
    customer_values = [
        {"name": f"Bench customer {label} {i}", "email": f"bench.{i}@example.com", "country_id": spain.id,
         "street": "Calle Mayor 1", "city": "Madrid", "zip": "28013"}
        for i in range(1 if single_customer else n)
    ]
    customers = env["res.partner"].create(customer_values)
    orders = env["sale.order"].create(
        [
            {
                "partner_id": customers[i % len(customers)].id,
                "warehouse_id": warehouse.id,
                "order_line": [
                    Command.create({"product_id": product.id, "product_uom_qty": 2})
                    for product in (products if i % 2 else products[:1])
                ],
            }
            for i in range(n)
        ]
    )
    deliver_in_full(orders)
    env.flush_all()
    return orders, category, warehouse


def deliver_in_full(orders):
    """Confirm the sale orders and validate their deliveries in full, with what confirmation reserved."""
    orders.action_confirm()
    pickings = orders.picking_ids
    for move in pickings.move_ids:
        move.quantity = move.product_uom_qty
    pickings.move_ids.picked = True
    pickings.with_context(skip_backorder=True, skip_sms=True, skip_immediate=True).button_validate()
    assert set(pickings.mapped("state")) == {"done"}, "deliveries not done"
    return pickings


def user_env(env, no_mail):
    """The admin user (access rights and rules apply, as for a person), default context or no chatter."""
    admin = env.ref("base.user_admin")
    return env(user=admin, context=dict(NO_MAIL_CONTEXT) if no_mail else {}, su=False)


# ----------------------------------------------------------------------
# reverse_logistics
# ----------------------------------------------------------------------
def refresh_planner_statistics(env):
    """Planner statistics on what the setup wrote, as autovacuum keeps them on a database in use.

    ANALYZE inside the run's transaction sees its uncommitted rows. Without it the planner keeps the
    statistics of the empty tables the run started from (the runs roll back): it then reads, e.g.,
    ``SELECT id FROM stock_quant WHERE id IN (..) ORDER BY lot_id LIMIT 1 FOR NO KEY UPDATE``, which
    Odoo runs for every quant it moves or reserves, through the whole lot_id index, one pass per unit.
    """
    env.flush_all()
    env.cr.execute("ANALYZE")


def bench_ours(env, n, options):
    orders, category, _warehouse = delivered_orders(env, n, f"ours {n}", options.single_customer)
    env["return.policy"].create(
        {"name": "Bench", "company_id": env.company.id, "window_days": 30, "sequence": 1,
         "auto_approve": False, "category_ids": [Command.link(category.id)]}
    )
    if not options.no_analyze:
        refresh_planner_statistics(env)
    reason = env.ref("reverse_logistics.reason_defective")
    values = [
        {
            "partner_id": order.partner_id.id,
            "sale_order_id": order.id,
            "line_ids": [
                Command.create({"product_id": line.product_id.id, "product_uom_qty": 1, "reason_id": reason.id,
                                "requested_outcome": "refund", "sale_line_id": line.id})
                for line in order.order_line
            ],
        }
        for order in orders
    ]
    lines = sum(len(vals["line_ids"]) for vals in values)
    ReturnOrder = user_env(env, options.no_mail)["return.order"]
    phases = []
    with Phase(env, "create", n, lines, options.profile) as phase:
        returns = ReturnOrder.create(values)
    phases.append(phase.row())
    with Phase(env, "submit + approve", n, lines, options.profile) as phase:
        returns.action_submit()
        returns.action_approve()
    phases.append(phase.row())
    assert set(returns.mapped("state")) == {"approved"}, set(returns.mapped("state"))
    with Phase(env, "receive", n, lines, options.profile) as phase:
        returns.action_receive()
    phases.append(phase.row())
    assert set(returns.mapped("state")) == {"received"}, set(returns.mapped("state"))
    return phases


# ----------------------------------------------------------------------
# OCA rma
# ----------------------------------------------------------------------
def bench_oca(env, n, options):
    orders, _category, warehouse = delivered_orders(env, n, f"oca {n}", options.single_customer)
    operation = env.ref("rma.rma_operation_refund")
    # Like our approval: confirming creates the receipt; the refund itself is a later step in both.
    operation.write({"action_create_receipt": "automatic_on_confirm", "action_create_refund": False})
    env.company.write({
        "send_rma_confirmation": options.oca_emails,
        "send_rma_receipt_confirmation": options.oca_emails,
        # The company's template defaults are empty when rma is installed on an existing database.
        "rma_mail_confirmation_template_id": env.ref("rma.mail_template_rma_notification").id,
        "rma_mail_receipt_confirmation_template_id": env.ref("rma.mail_template_rma_receipt_notification").id,
    })
    # Ours links to the label instead of attaching a PDF: no PDF either (wkhtmltopdf would dominate).
    (env.ref("rma.mail_template_rma_notification") | env.ref("rma.mail_template_rma_receipt_notification")).write(
        {"report_template_ids": [Command.clear()]}
    )
    admin = env.ref("base.user_admin")
    values = []
    for order in orders:
        for move in order.picking_ids.move_ids:
            values.append(
                {
                    "partner_id": order.partner_id.id,
                    "picking_id": move.picking_id.id,
                    "move_id": move.id,
                    "product_id": move.product_id.id,
                    "product_uom_qty": 1,
                    "product_uom": move.product_uom.id,
                    "location_id": warehouse.rma_loc_id.id,
                    "operation_id": operation.id,
                    "user_id": admin.id,  # the sender of OCA's emails
                }
            )
    if not options.no_analyze:
        refresh_planner_statistics(env)
    Rma = user_env(env, options.no_mail)["rma"]
    phases = []
    with Phase(env, "create", n, len(values), options.profile) as phase:
        rmas = Rma.create(values)
    phases.append(phase.row())
    with Phase(env, "confirm", n, len(values), options.profile) as phase:
        rmas.action_confirm()
    phases.append(phase.row())
    receptions = rmas.reception_move_id.picking_id
    assert len(rmas.reception_move_id) == len(rmas), "OCA rma created no reception (check its operation settings)"
    with Phase(env, "receive", n, len(values), options.profile) as phase:
        for move in receptions.move_ids:
            move.quantity = move.product_uom_qty
        receptions.move_ids.picked = True
        receptions.with_context(skip_backorder=True, skip_sms=True).button_validate()
    phases.append(phase.row())
    assert set(rmas.mapped("state")) == {"received"}, set(rmas.mapped("state"))
    phases.append({"phase": "(receipts)", "pickings": len(receptions)})
    return phases


# ----------------------------------------------------------------------
# Running and reporting
# ----------------------------------------------------------------------
class SkipCustomerEmails:
    """--no-mail for ours: no approval/receipt email either (the context only turns the chatter off)."""

    def __init__(self, registry, active):
        self.model = registry["return.order"] if active else None
        self.active = active

    def __enter__(self):
        if self.active:
            self.model._send_customer_email = lambda records, template_xmlid: None

    def __exit__(self, *exc):
        if self.active:
            del self.model._send_customer_email


def run(registry, bench, n, options):
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        try:
            with SkipCustomerEmails(registry, options.no_mail and bench is bench_ours):
                return bench(env, n, options)
        finally:
            cr.rollback()


def totals(phases):
    measured = [p for p in phases if "seconds" in p]
    return {
        "phase": "total",
        "returns": measured[0]["returns"],
        "lines": measured[0]["lines"],
        "seconds": sum(p["seconds"] for p in measured),
        "queries": sum(p["queries"] for p in measured),
    }


def print_table(title, results):
    print(f"\n{title}")
    header = (
        f"{'N':>6}  {'phase':<18}{'lines':>6}{'seconds':>9}{'returns/s':>11}"
        f"{'queries/return':>16}{'queries/line':>14}"
    )
    print(header)
    print("-" * len(header))
    for n, phases in results.items():
        for p in [*[p for p in phases if "seconds" in p], totals(phases)]:
            print(
                f"{n:>6}  {p['phase']:<18}{p['lines']:>6}{p['seconds']:>9.2f}{p['returns'] / p['seconds']:>11.1f}"
                f"{p['queries'] / p['returns']:>16.1f}{p['queries'] / p['lines']:>14.1f}"
            )
        for p in phases:
            if "pickings" in p:
                print(f"{n:>6}  {p['phase']:<18}{p['pickings']:>6} reception pickings")
    sizes = list(results)
    if len(sizes) == 2:
        small, large = ([*[p for p in results[s] if "seconds" in p], totals(results[s])] for s in sizes)
        print(f"growth {sizes[0]} -> {sizes[1]}:  queries/return x | seconds x (x2.00 = linear)")
        for a, b in zip(small, large, strict=True):
            print(
                f"{'':>8}{a['phase']:<18} x{(b['queries'] / b['returns']) / (a['queries'] / a['returns']):.2f}"
                f"        x{b['seconds'] / a['seconds']:.2f}"
            )


def database_state(db, module):
    """None if the database does not exist, else the state of the module in it (or 'absent')."""
    if not odoo.service.db.exp_db_exist(db):
        return None
    with odoo.sql_db.db_connect(db).cursor() as cr:
        cr.execute("SELECT state FROM ir_module_module WHERE name = %s", [module])
        row = cr.fetchone()
    return row[0] if row else "absent"


def init_database(args, db, modules, main_module):
    state = database_state(db, main_module)
    action = "-u" if state == "installed" else "-i"
    command = [sys.executable, "-m", "odoo", "-d", db, action, modules if action == "-i" else main_module,
               "--stop-after-init", "--without-demo=all", "--no-http", "--log-level=warn"]
    command += odoo_connection_args(args)
    print(f"{'updating' if action == '-u' else 'installing'} {modules if action == '-i' else main_module} in {db}:",
          " ".join(command), flush=True)
    subprocess.run(command, check=True, cwd=REPO)


def odoo_connection_args(args):
    result = []
    for flag, value in (("--db_host", args.db_host), ("--db_port", args.db_port), ("--db_user", args.db_user),
                        ("--addons-path", args.addons_path)):
        if value:
            result += [flag, value]
    return result


def comparison_parser(description, unit):
    """The command line both benchmarks share: databases, sizes, the OCA comparison, profile and JSON."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", required=True, help="database with reverse_logistics")
    parser.add_argument("--db-host")
    parser.add_argument("--db-port")
    parser.add_argument("--db-user")
    parser.add_argument("--addons-path", help="Odoo's addons, this repository (and /opt/oca_rma/odoo/addons for OCA)")
    parser.add_argument("-n", type=int, default=500, help=f"{unit} of the first run; the second run has 2N")
    parser.add_argument("--init", action="store_true", help="create the database(s) if missing, else update the module")
    parser.add_argument("--compare-oca", "--oca", action="store_true", help="also run OCA rma (in --oca-db)")
    parser.add_argument("--oca-db", help="database with OCA rma (default: <db>_oca; may be --db itself)")
    parser.add_argument("--only", choices=("ours", "oca"), help="run one side only")
    parser.add_argument("--profile", action="store_true", help="print the top statements and call sites per phase")
    parser.add_argument("--json", help="also write the figures to this file")
    return parser


def comparison_sides(args, bench_ours, bench_oca):
    """[(side, database, module, benchmark)] the arguments ask for, their databases created or updated."""
    args.oca_db = args.oca_db or f"{args.db}_oca"
    odoo.tools.config.parse_config(["--log-level=warn", *odoo_connection_args(args)])
    sides = [("ours", args.db, "reverse_logistics", bench_ours)]
    if args.compare_oca or args.only == "oca":
        sides.append(("oca", args.oca_db, "rma", bench_oca))
    if args.only:
        sides = [side for side in sides if side[0] == args.only]
    if args.init:
        for side, db, module, _bench in sides:
            init_database(args, db, "reverse_logistics" if side == "ours" else OCA_MODULES, module)
    return sides


def main():
    parser = comparison_parser(__doc__, "returns")
    parser.add_argument("--oca-emails", action="store_true",
                        help="turn on OCA's confirmation and receipt emails (ours always email on both)")
    parser.add_argument("--no-mail", action="store_true",
                        help="run without chatter: tracking/subscription context keys, and no customer emails")
    parser.add_argument("--no-analyze", action="store_true",
                        help="without the planner statistics of the setup data (see refresh_planner_statistics)")
    parser.add_argument("--single-customer", action="store_true",
                        help="all orders for one customer (OCA then groups every return into one reception)")
    args = parser.parse_args()
    sides = comparison_sides(args, bench_ours, bench_oca)

    mode = "no chatter" if args.no_mail else "default context (tracking, followers, emails)"
    if any(side == "oca" for side, *_ in sides):
        mode += f"; OCA emails {'on' if args.oca_emails else 'off (its default)'}"
    customers = "one customer" if args.single_customer else "one customer per order"
    print(f"Odoo {odoo.release.version}, N={args.n} and {2 * args.n}, {customers}, {mode}")
    report = {}
    for side, db, module, bench in sides:
        if database_state(db, module) != "installed":
            sys.exit(f"{module} is not installed in database {db}: run with --init (see --help)")
        registry = Registry(db)
        results = {}
        for n in (args.n, 2 * args.n):
            results[n] = run(registry, bench, n, args)
            print(f"  {side} N={n} done", flush=True)
        title = f"reverse_logistics ({db})" if side == "ours" else f"OCA rma 18.0 ({db}, one rma per returned line)"
        print_table(title, results)
        report[side] = results
    if args.json:
        Path(args.json).write_text(json.dumps({"args": vars(args), "results": report}, indent=1))


if __name__ == "__main__":
    main()
