"""Benchmark: N returned units resold: listed, priced and published, sold and delivered, in Odoo (issue #12).

Setup (not measured): the units of bench_disposition_flow.py (N units returned on N/10 returns, 80 %
serial-tracked phones, 20 % untracked lamps), received, inspected as grade B, and a web shop channel
offering every new listing. Then, measured:
  list     ``_decide(resell as is)`` on all the proposals: internal transfers to secondary-market stock,
           validated, and the draft listings they create (a serial each; the lamps join one listing)
  publish  the suggested price written on all the listings, then ``action_publish()`` on all of them
           (checks, ``listed`` events)
  sell     one quotation per serial listing plus one for the lamps, created and confirmed in batch
           (row lock, availability, reservation of the exact serial in secondary-market stock)
  deliver  the deliveries validated in batch (listings sold, revenue and recovery, ``sold`` events)
Prints seconds, units per second and SQL queries per unit of each phase, for N and 2N, and how
queries per unit change from N to 2N (they must not grow). Every run is one transaction rolled back
at the end; each phase is measured from a flushed state to a flushed state, as in bench_returns.py.

    python3 bench/bench_listings.py --db rl_bench --db-host /tmp/devpg --db-port 5439 \\
        --addons-path /opt/odoo18/addons,. [--init] [-n 500] [--profile]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_disposition_flow import UnitPhase, received_units
from bench_returns import database_state, init_database, odoo_connection_args, user_env

import odoo
from odoo import SUPERUSER_ID, Command, api
from odoo.modules.registry import Registry

PHASES = ("list", "publish", "sell", "deliver")


def bench(env, n, profile=False):
    inspections = received_units(env, n, f"resale n{n}")
    env["resale.channel"].search([]).auto_list = False
    env["resale.channel"].create({"name": f"Bench shop {n}", "kind": "website", "rounding": "0.99"})
    grade_b = env.ref("reverse_logistics.grade_b")
    inspections.write({"grade_id": grade_b.id})
    inspections.action_done()
    dispositions = inspections.disposition_ids
    resell = env.ref("reverse_logistics.disposition_resell_as_is")
    as_user = user_env(env, no_mail=False)
    phases = []
    with UnitPhase(env, "list", n, profile) as phase:
        dispositions.with_env(as_user)._decide(resell, "bench: resold as is")
    phases.append(phase.row())
    listings = dispositions.resale_listing_id.with_env(as_user)
    assert set(dispositions.mapped("state")) == {"done"}, set(dispositions.mapped("state"))
    assert len(listings) == n * 8 // 10 + 1, len(listings)
    with UnitPhase(env, "publish", n, profile) as phase:
        for price, group in listings.grouped("suggested_price").items():
            group.price = price
        listings.action_publish()
    phases.append(phase.row())
    assert set(listings.mapped("state")) == {"published"}
    buyer = env["res.partner"].create({"name": f"Bench buyer {n}"})
    warehouse = env["stock.warehouse"].search([("company_id", "=", env.company.id)], limit=1)
    with UnitPhase(env, "sell", n, profile) as phase:
        orders = env["sale.order"].with_env(as_user).create([
            {"partner_id": buyer.id, "warehouse_id": warehouse.id, "order_line": [
                Command.create({"resale_listing_id": listing.id, "product_uom_qty": listing.quantity})]}
            for listing in listings
        ])
        orders.action_confirm()
    phases.append(phase.row())
    assert set(listings.mapped("state")) == {"reserved"}, set(listings.mapped("state"))
    with UnitPhase(env, "deliver", n, profile) as phase:
        pickings = orders.picking_ids
        for move in pickings.move_ids:
            move.quantity = move.product_uom_qty
        pickings.move_ids.picked = True
        pickings.with_context(skip_backorder=True, skip_sms=True, skip_immediate=True).button_validate()
    phases.append(phase.row())
    assert set(listings.mapped("state")) == {"sold"}, set(listings.mapped("state"))
    assert all(listings.mapped("sold_amount"))
    return phases


def run(registry, n, profile=False):
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        try:
            return bench(env, n, profile)
        finally:
            cr.rollback()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", required=True, help="database with reverse_logistics")
    parser.add_argument("--db-host")
    parser.add_argument("--db-port")
    parser.add_argument("--db-user")
    parser.add_argument("--addons-path")
    parser.add_argument("-n", type=int, default=500, help="units of the first run; the second run has 2N")
    parser.add_argument("--init", action="store_true", help="create the database if missing, else update the module")
    parser.add_argument("--profile", action="store_true", help="print the top statements and call sites per phase")
    args = parser.parse_args()
    odoo.tools.config.parse_config(["--log-level=warn", *odoo_connection_args(args)])
    if args.init:
        init_database(args, args.db, "reverse_logistics", "reverse_logistics")
    if database_state(args.db, "reverse_logistics") != "installed":
        sys.exit(f"reverse_logistics is not installed in database {args.db}: run with --init")
    registry = Registry(args.db)
    print(f"Odoo {odoo.release.version}, N={args.n} and {2 * args.n} units (80 % serials), default context")
    results = {}
    for n in (args.n, 2 * args.n):
        results[n] = run(registry, n, args.profile)
        print(f"  N={n} done", flush=True)
    header = f"{'N':>6}  {'phase':<9}{'seconds':>9}{'units/s':>9}{'queries/unit':>14}"
    print(header)
    print("-" * len(header))
    for n, phases in results.items():
        rows = [*phases, {"phase": "total", "seconds": sum(p["seconds"] for p in phases),
                          "queries": sum(p["queries"] for p in phases)}]
        results[n] = rows
        for p in rows:
            print(f"{n:>6}  {p['phase']:<9}{p['seconds']:>9.2f}{n / p['seconds']:>9.1f}{p['queries'] / n:>14.2f}")
    small, large = results[args.n], results[2 * args.n]
    print(f"growth {args.n} -> {2 * args.n}: queries/unit 2N/N | seconds 2N/N (x2.00 = linear)")
    for a, b in zip(small, large, strict=True):
        query_growth = (b["queries"] / 2) / a["queries"]
        print(f"        {a['phase']:<9} x{query_growth:.2f}        x{b['seconds'] / a['seconds']:.2f}")


if __name__ == "__main__":
    main()
