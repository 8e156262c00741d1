"""Benchmark: N received units inspected and disposed of in batch, in Odoo.

Setup (not measured): a product category with its economics, serial-tracked and untracked
products, N units returned on N/10 returns (10 units each; 80 % serials, 20 % untracked units of
quantity 1), approved and received through the real flow, which creates one inspection per unit.
Then, measured, as the batch wizard does it:
  inspect  grades written (A 30 %, B 30 %, C 25 %, Scrap 15 %) and ``action_done()`` on all the
           inspections (which ranks every disposition with the engine and creates the proposals)
  dispose  ``action_accept()`` on all the proposals: internal transfers to stock, secondary-market
           stock, refurbishment (then a repair order per unit) and recycling, validated
Prints seconds, units per second and SQL queries per unit of each phase, for N and 2N, and how
queries per unit change from N to 2N (they must not grow). Every run is one transaction rolled
back at the end; the planner statistics are refreshed (ANALYZE) after the setup (--no-analyze:
not, see bench_returns.refresh_planner_statistics()); each phase is measured from a flushed state to a flushed state
(``cr.flush()``, what a commit does first), as in bench_returns.py.

    python3 bench/bench_disposition_flow.py --db rl_bench_disp --db-host /tmp/pgdev --db-port 5499 \\
        --addons-path /opt/odoo18/addons,. --init [-n 1000] [--profile] [--no-analyze]

--profile prints, per phase, the statements (by shape), code paths and innermost callers with
their count per unit: a statement at about 1.00 per unit or more runs once per unit.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_returns import (
    Phase,
    QueryProfile,
    database_state,
    deliver_in_full,
    init_database,
    odoo_connection_args,
    refresh_planner_statistics,
    user_env,
)

import odoo
from odoo import SUPERUSER_ID, Command, api
from odoo.modules.registry import Registry

UNITS_PER_RETURN = 10  # per return (and per delivered sale order): 8 serials, 2 untracked units
SERIALS_PER_RETURN = 8
GRADE_MIX = (("grade_a", 30), ("grade_b", 30), ("grade_c", 25), ("grade_scrap", 15))


def delivered_sale_orders(env, returns_count, label):
    """One delivered sale order per customer: 8 serial-tracked phones (one serial each) and 2 lamps."""
    warehouse = env["stock.warehouse"].search([("company_id", "=", env.company.id)], limit=1)
    category = env["product.category"].create({
        "name": f"Bench units {label}",
        "return_refurbish_cost": 30.0, "return_handling_cost": 4.0, "return_recycling_value": 6.0,
        "return_recycling_fee": 2.0, "return_destruction_fee": 12.0,
    })
    phone, lamp = env["product.product"].create([
        {"name": f"Bench phone {label}", "is_storable": True, "tracking": "serial", "categ_id": category.id,
         "list_price": 400.0, "standard_price": 220.0},
        {"name": f"Bench lamp {label}", "is_storable": True, "categ_id": category.id, "list_price": 60.0,
         "standard_price": 25.0},
    ])
    lots = env["stock.lot"].create([
        {"name": f"BENCH-{label}-{i:06d}", "product_id": phone.id, "company_id": env.company.id}
        for i in range(returns_count * SERIALS_PER_RETURN)
    ])
    # Stock in one batch: a quant per serial, one for the lamps.
    env["stock.quant"].create([
        {"product_id": phone.id, "location_id": warehouse.lot_stock_id.id, "lot_id": lot.id, "quantity": 1.0}
        for lot in lots
    ])
    env["stock.quant"]._update_available_quantity(lamp, warehouse.lot_stock_id, UNITS_PER_RETURN * returns_count)
    customers = env["res.partner"].create([
        {"name": f"Bench customer {label} {i}", "email": f"unit.{i}@example.com", "country_id": env.ref("base.es").id,
         "street": "Calle Mayor 1", "city": "Madrid", "zip": "28013"}
        for i in range(returns_count)
    ])
    orders = env["sale.order"].create([
        {
            "partner_id": customer.id,
            "warehouse_id": warehouse.id,
            "order_line": [
                Command.create({"product_id": phone.id, "product_uom_qty": SERIALS_PER_RETURN}),
                Command.create({"product_id": lamp.id, "product_uom_qty": UNITS_PER_RETURN - SERIALS_PER_RETURN}),
            ],
        }
        for customer in customers
    ])
    deliver_in_full(orders)  # confirmation reserves: the serials go on the deliveries' move lines
    return orders, category, warehouse


def received_units(env, n, label):
    """N units returned on N/10 returns of delivered sale orders, approved and received by the real flow.

    The receipts' validation creates one inspection per received serial or untracked line (quantity 1).
    """
    if n % UNITS_PER_RETURN:
        sys.exit(f"N must be a multiple of {UNITS_PER_RETURN}")
    orders, category, warehouse = delivered_sale_orders(env, n // UNITS_PER_RETURN, label)
    env["return.policy"].create({
        "name": f"Bench {label}", "company_id": env.company.id, "window_days": 30, "sequence": 1,
        "category_ids": [Command.link(category.id)],
    })
    reason = env.ref("reverse_logistics.reason_defective")
    values = []
    for order in orders:
        lines = []
        for sale_line in order.order_line:
            delivered = order.picking_ids.move_ids.filtered(lambda m, sl=sale_line: m.sale_line_id == sl)
            if sale_line.product_id.tracking == "serial":
                lines += [
                    {"product_id": sale_line.product_id.id, "product_uom_qty": 1, "lot_id": lot.id,
                     "sale_line_id": sale_line.id, "reason_id": reason.id}
                    for lot in delivered.move_line_ids.lot_id
                ]
            else:  # one line (one inspection) per unit
                lines += [
                    {"product_id": sale_line.product_id.id, "product_uom_qty": 1, "sale_line_id": sale_line.id,
                     "reason_id": reason.id}
                    for _unit in range(int(sale_line.product_uom_qty))
                ]
        values.append({
            "partner_id": order.partner_id.id,
            "sale_order_id": order.id,
            "warehouse_id": warehouse.id,
            "line_ids": [Command.create(line) for line in lines],
        })
    returns = env["return.order"].create(values)
    returns.action_submit()
    returns.filtered(lambda r: r.state == "to_approve").action_approve()
    returns.action_receive()
    assert set(returns.mapped("state")) == {"received"}, set(returns.mapped("state"))
    inspections = returns.inspection_ids
    assert len(inspections) == n, f"{len(inspections)} inspections for {n} units"
    assert set(inspections.mapped("quantity")) == {1.0}
    env.flush_all()
    return inspections


class UnitQueryProfile(QueryProfile):
    """bench_returns' query profile, with paths cut at this benchmark's frames and counts per unit."""

    STOP_AT = "bench_disposition_flow"
    UNIT = "unit"


class UnitPhase(Phase):
    PROFILE = UnitQueryProfile

    def __init__(self, env, name, units, profile=False):
        super().__init__(env, name, units, units)
        self.profile = self.PROFILE() if profile else None


def line_phase(script):
    """The phase of a benchmark counting per line, its query paths cut at ``script``'s frames."""
    profile = type("LineQueryProfile", (UnitQueryProfile,), {"STOP_AT": script, "UNIT": "line"})
    return type("LinePhase", (UnitPhase,), {"PROFILE": profile})


def bench(env, n, profile=False, no_analyze=False):
    inspections = received_units(env, n, f"n{n}")
    if not no_analyze:
        refresh_planner_statistics(env)
    grades = []
    for xmlid, share in GRADE_MIX:
        grades += [env.ref(f"reverse_logistics.{xmlid}")] * share
    random.Random(20261125).shuffle(grades)  # mixed within every return, whatever N
    by_grade = {}
    for index, inspection in enumerate(inspections):
        grade = grades[index % len(grades)]
        by_grade.setdefault(grade, env["return.inspection"])
        by_grade[grade] |= inspection
    as_user = user_env(env, no_mail=False)
    phases = []
    with UnitPhase(env, "inspect", n, profile) as phase:
        for grade, graded in by_grade.items():
            graded.with_env(as_user).write({"grade_id": grade.id})
        inspections.with_env(as_user).action_done()
    phases.append(phase.row())
    dispositions = inspections.disposition_ids
    assert len(dispositions) == n
    with UnitPhase(env, "dispose", n, profile) as phase:
        dispositions.with_env(as_user).action_accept()
    phases.append(phase.row())
    states = Counter(dispositions.mapped("state"))
    mix = Counter(dispositions.mapped("disposition_code"))
    phases.append({"phase": "(outcome)", "states": dict(states), "mix": dict(mix),
                   "pickings": len(dispositions.picking_id), "repairs": len(dispositions.repair_id)})
    return phases


def run(registry, n, profile=False, measure=None):
    """``measure`` (default: this file's ``bench``) at size ``n`` in one transaction, rolled back."""
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        try:
            return (measure or bench)(env, n, profile)
        finally:
            cr.rollback()


def unit_parser(description, default_n):
    """The command line of the unit benchmarks (this one, bench_listings.py)."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", required=True, help="database with reverse_logistics")
    parser.add_argument("--db-host")
    parser.add_argument("--db-port")
    parser.add_argument("--db-user")
    parser.add_argument("--addons-path")
    parser.add_argument("-n", type=int, default=default_n, help="units of the first run; the second run has 2N")
    parser.add_argument("--init", action="store_true", help="create the database if missing, else update the module")
    parser.add_argument("--profile", action="store_true", help="print the top statements and call sites per phase")
    return parser


def unit_registry(args):
    """The registry of the benchmark's database, created or updated first when asked."""
    odoo.tools.config.parse_config(["--log-level=warn", *odoo_connection_args(args)])
    if args.init:
        init_database(args, args.db, "reverse_logistics", "reverse_logistics")
    if database_state(args.db, "reverse_logistics") != "installed":
        sys.exit(f"reverse_logistics is not installed in database {args.db}: run with --init")
    return Registry(args.db)


def print_unit_table(results, describe=None):
    """Seconds, units/s and queries/unit per phase for N and 2N, and their growth from N to 2N."""
    header = f"{'N':>6}  {'phase':<9}{'seconds':>9}{'units/s':>9}{'queries/unit':>14}"
    print(header)
    print("-" * len(header))
    measured = {}
    for n, phases in results.items():
        rows = [p for p in phases if "seconds" in p]
        rows.append({"phase": "total", "seconds": sum(p["seconds"] for p in rows),
                     "queries": sum(p["queries"] for p in rows)})
        measured[n] = rows
        for p in rows:
            print(f"{n:>6}  {p['phase']:<9}{p['seconds']:>9.2f}{n / p['seconds']:>9.1f}{p['queries'] / n:>14.2f}")
        for p in phases:
            if describe and "seconds" not in p:
                print(f"{n:>6}  {describe(p)}")
    small_n, large_n = sorted(measured)
    print(f"growth {small_n} -> {large_n}: queries/unit 2N/N | seconds 2N/N (x2.00 = linear)")
    for a, b in zip(measured[small_n], measured[large_n], strict=True):
        per_unit_growth = (b["queries"] / 2) / a["queries"]
        print(f"        {a['phase']:<9} x{per_unit_growth:.2f}        x{b['seconds'] / a['seconds']:.2f}")


def main():
    parser = unit_parser(__doc__, 1000)
    parser.add_argument("--no-analyze", action="store_true",
                        help="without the planner statistics of the setup data (see refresh_planner_statistics)")
    args = parser.parse_args()
    registry = unit_registry(args)
    print(f"Odoo {odoo.release.version}, N={args.n} and {2 * args.n} units, {UNITS_PER_RETURN} per return"
          + (", planner statistics of the empty database" if args.no_analyze else ""))
    results = {}
    for n in (args.n, 2 * args.n):
        results[n] = run(registry, n, args.profile, partial(bench, no_analyze=args.no_analyze))
        print(f"  N={n} done", flush=True)
    print_unit_table(results, lambda p: (f"dispositions {p['mix']}, states {p['states']}, "
                                         f"{p['pickings']} transfers, {p['repairs']} repair orders"))


if __name__ == "__main__":
    main()
