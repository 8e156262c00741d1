"""Benchmark: N returned units resold: listed, priced and published, sold and delivered, in Odoo.

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

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_disposition_flow import UnitPhase, print_unit_table, received_units, run, unit_parser, unit_registry
from bench_returns import user_env

import odoo
from odoo import Command


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


def main():
    args = unit_parser(__doc__, 500).parse_args()
    registry = unit_registry(args)
    print(f"Odoo {odoo.release.version}, N={args.n} and {2 * args.n} units (80 % serials), default context")
    results = {}
    for n in (args.n, 2 * args.n):
        results[n] = run(registry, n, args.profile, measure=bench)
        print(f"  N={n} done", flush=True)
    print_unit_table(results)


if __name__ == "__main__":
    main()
