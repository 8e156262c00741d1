"""Benchmark: a trade customer's excess-stock proposal of N lines checked, created, approved and received.

Setup (not measured): N products of one category, each invoiced to one distributor twice (2 units five months
ago, 3 units two months ago: two invoices of N lines), and an active return agreement with the distributor
allowing all of its purchases to come back. Then, measured as the admin user (rights and rules apply):
  check + create  ``agreement._create_excess_return([(product, 2) ...])``: the N lines checked in one batch
                  under the agreement's lock (eligibility, purchase history, FIFO over the invoice lines,
                  allowance), the return of N lines (each drawn on its product's older invoice line) created
                  in one call, its chatter note written
  submit + approve  ``action_submit()`` then ``action_approve()``: the agreement checked again, the receipt made
  receive         ``action_receive()``: every line received, an inspection per line
Prints seconds, lines per second and SQL queries per line of each phase for N and 2N lines (default 500 and
1,000), and how queries per line change between them (they must not grow). Every run is one transaction
rolled back at the end; each phase is measured from a flushed state to a flushed state, as in bench_returns.py.

    python3 bench/bench_excess_return.py --db rl_bench_excess --db-host /tmp/excesspg --db-port 5441 \\
        --db-user odoo --addons-path /opt/odoo18/addons,. [--init] [-n 500] [--profile]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_disposition_flow import line_phase, print_unit_table, run, unit_parser, unit_registry
from bench_returns import refresh_planner_statistics, user_env
from dateutil.relativedelta import relativedelta

import odoo
from odoo import Command, fields

LinePhase = line_phase("bench_excess_return")


def invoiced_catalogue(env, n, label):
    """N products invoiced to a new distributor on two invoices, and its agreement (all purchases may return)."""
    category = env["product.category"].create({"name": f"Excess bench {label}"})
    products = env["product.product"].create([
        {"name": f"Excess item {label} {i}", "default_code": f"XB-{label}-{i}", "is_storable": True,
         "categ_id": category.id, "list_price": 12.0, "standard_price": 5.0}
        for i in range(n)
    ])
    distributor = env["res.partner"].create({"name": f"Bench distributor {label}", "is_company": True,
                                             "email": f"bench.{label}@example.com"})
    invoices = env["account.move"].create([
        {
            "move_type": "out_invoice", "partner_id": distributor.id,
            "invoice_date": fields.Date.today() - relativedelta(months=months_ago),
            "invoice_line_ids": [
                Command.create({"product_id": product.id, "quantity": qty, "price_unit": price,
                                "tax_ids": [Command.clear()]})
                for product in products
            ],
        }
        for months_ago, qty, price in ((5, 2, 10.0), (2, 3, 11.0))
    ])
    invoices.action_post()
    agreement = env["return.agreement"].create({
        "name": f"Bench agreement {label}", "partner_id": distributor.id, "share_percent": 100.0,
        "period_months": 6, "categ_ids": [Command.link(category.id)], "restocking_fee_percent": 10.0,
        "date_start": fields.Date.today(), "date_end": fields.Date.today() + relativedelta(months=12),
    })
    agreement.action_activate()
    return agreement, products


def bench(env, n, profile=False, no_analyze=False):
    agreement, products = invoiced_catalogue(env, n, f"n{n}")
    if not no_analyze:
        refresh_planner_statistics(env)
    as_user = user_env(env, no_mail=False)
    agreement = agreement.with_env(as_user)
    proposal = [(product.with_env(as_user), 2) for product in products]
    phases = []
    with LinePhase(env, "check + create", n, profile) as phase:
        rma, decision = agreement._create_excess_return(proposal)
    phases.append(phase.row())
    assert len(rma.line_ids) == n and not decision.cut_lines, (len(rma.line_ids), len(decision.cut_lines))
    with LinePhase(env, "submit + approve", n, profile) as phase:
        rma.action_submit()
        rma.action_approve()
    phases.append(phase.row())
    assert rma.state == "approved", rma.state
    with LinePhase(env, "receive", n, profile) as phase:
        rma.action_receive()
    phases.append(phase.row())
    assert rma.state == "received" and len(rma.inspection_ids) == n, (rma.state, len(rma.inspection_ids))
    older = rma.line_ids.invoice_line_id.move_id
    phases.append({"phase": "(drawn on)", "invoices": older.mapped("invoice_date"), "value": rma.amount_total})
    return phases


def main():
    parser = unit_parser(__doc__, 500)
    parser.add_argument("--no-analyze", action="store_true",
                        help="without the planner statistics of the setup data (see refresh_planner_statistics)")
    args = parser.parse_args()
    registry = unit_registry(args)
    print(f"Odoo {odoo.release.version}, proposals of {args.n} and {2 * args.n} lines, one product each, "
          "each product invoiced twice (FIFO draws on the older invoice)")
    results = {}
    for n in (args.n, 2 * args.n):
        results[n] = run(registry, n, args.profile,
                         measure=lambda env, size, profile: bench(env, size, profile, args.no_analyze))
        print(f"  N={n} done", flush=True)
    print_unit_table(results, lambda p: f"drawn on the invoice(s) of {p['invoices']}, value {p['value']:.2f}")


if __name__ == "__main__":
    main()
