"""Benchmark: credit notes of N received returns, drafted and posted in batch.

Setup (not measured): N sale orders (every other one with a second line), taxed 15 %, delivered
and invoiced (one posted invoice each); one return per order refunding one unit of every line,
under a policy crediting on receipt (no inspection), submitted, approved and received in batch.
Then, measured:
  draft  ``returns.action_draft_credit_notes()`` on the whole batch (one credit note per invoice)
         | OCA: ``rmas.action_refund()`` (one refund per invoicing partner and company)
  post   ``credit_notes.action_post()`` on all the drafts
         | OCA: ``rmas.refund_id.action_post()``
Prints seconds, credit notes per second, return lines per second and SQL queries per return line
of each phase, for N and 2N, and how queries per line change from N to 2N (they must not grow).
With --compare-oca, OCA ``rma`` 18.0 refunds the same invoiced deliveries: one rma per returned
line with its Refund operation (refund manually after receipt), confirmed and received (setup).
Every run is one transaction rolled back at the end; the planner statistics are refreshed (ANALYZE)
after the setup (--no-analyze: not); each phase is measured from a flushed state to a flushed state
with precommit hooks run, as in bench_returns.py.

    python3 bench/bench_credits.py --db rl_credits --db-host /tmp/benchpg --db-port 5498 \\
        --addons-path /opt/odoo18/addons,/opt/oca_rma/odoo/addons,. --init [-n 500] \\
        [--compare-oca [--oca-db rl_credits_oca]] [--single-customer] [--profile]

Each side's credit notes differ in what they copy: ours copy the invoice line (price, discount,
taxes, accounts) and reverse the invoice (``reversed_entry_id``); OCA's take the product's sale
price and default taxes, with no link to the invoice. Both are taxed here (the products carry the
tax), so both compute taxes on posting.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_returns import (
    Phase,
    QueryProfile,
    comparison_parser,
    comparison_sides,
    database_state,
    deliver_in_full,
    refresh_planner_statistics,
    user_env,
)

import odoo
from odoo import SUPERUSER_ID, Command, api
from odoo.modules.registry import Registry


class LineQueryProfile(QueryProfile):
    """bench_returns' query profile, with paths cut at this benchmark's frames and counts per return line."""

    STOP_AT = "bench_credits"
    UNIT = "return line"


class CreditPhase(Phase):
    """A phase counted per return line, with the credit notes it drafts or posts."""

    def __init__(self, env, name, lines, profile=False):
        super().__init__(env, name, lines, lines)
        self.profile = LineQueryProfile() if profile else None
        self.credit_notes = 0

    def row(self):
        return {**super().row(), "credit_notes": self.credit_notes}


# ----------------------------------------------------------------------
# Setup (not measured)
# ----------------------------------------------------------------------
def invoiced_orders(env, n, label, single_customer=False):
    """N delivered sale orders, taxed 15 %, each invoiced by a posted invoice of its own."""
    warehouse = env["stock.warehouse"].search([("company_id", "=", env.company.id)], limit=1)
    tax = env["account.tax"].create({"name": f"Bench 15 % {label}", "amount": 15.0, "type_tax_use": "sale",
                                     "company_id": env.company.id})
    category = env["product.category"].create({"name": f"Bench {label}"})
    products = env["product.product"].create([
        {"name": f"Bench {name} {label}", "is_storable": True, "categ_id": category.id, "list_price": price,
         "standard_price": price / 2, "invoice_policy": "delivery", "taxes_id": [Command.set(tax.ids)]}
        for name, price in (("chair", 50.0), ("lamp", 20.0))
    ])
    for product in products:
        env["stock.quant"]._update_available_quantity(product, warehouse.lot_stock_id, 10 * n)
    customers = env["res.partner"].create([
        {"name": f"Bench customer {label} {i}", "email": f"bench.{i}@example.com", "country_id": env.ref("base.es").id,
         "street": "Calle Mayor 1", "city": "Madrid", "zip": "28013"}
        for i in range(1 if single_customer else n)
    ])
    orders = env["sale.order"].create([
        {
            "partner_id": customers[i % len(customers)].id,
            "warehouse_id": warehouse.id,
            "order_line": [Command.create({"product_id": product.id, "product_uom_qty": 2})
                           for product in (products if i % 2 else products[:1])],
        }
        for i in range(n)
    ])
    deliver_in_full(orders)
    invoices = env["account.move"]
    for order in orders:  # one invoice per order, even for one customer (_create_invoices groups by partner)
        invoices |= order._create_invoices()
    invoices.action_post()
    assert len(invoices) == n and set(invoices.mapped("state")) == {"posted"}
    assert all(invoices.mapped("amount_tax")), "invoices are taxed"
    env.flush_all()
    return orders, category, warehouse


def received_returns(env, n, options):
    """N returns, one per invoiced order, refunding one unit of each line, received, to credit on receipt."""
    orders, category, _warehouse = invoiced_orders(env, n, f"ours {n}", options.single_customer)
    env["return.policy"].create({
        "name": f"Bench credits {n}", "company_id": env.company.id, "window_days": 30, "sequence": 1,
        "auto_approve": False, "credit_moment": "receipt", "category_ids": [Command.link(category.id)],
    })
    reason = env.ref("reverse_logistics.reason_defective")
    returns = env["return.order"].create([
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
    ])
    returns.action_submit()
    returns.filtered(lambda r: r.state == "to_approve").action_approve()
    returns.action_receive()
    assert set(returns.mapped("state")) == {"received"}, set(returns.mapped("state"))
    env.flush_all()
    return returns


# ----------------------------------------------------------------------
# reverse_logistics
# ----------------------------------------------------------------------
def analyze(env, options):
    if not options.no_analyze:
        refresh_planner_statistics(env)


def bench_ours(env, n, options):
    returns = received_returns(env, n, options)
    analyze(env, options)
    lines = len(returns.line_ids)
    as_user = user_env(env, options.no_mail)
    phases = []
    with CreditPhase(env, "draft", lines, options.profile) as phase:
        returns.with_env(as_user).action_draft_credit_notes()
        credit_notes = returns.credit_note_ids
        phase.credit_notes = len(credit_notes)
    phases.append(phase.row())
    assert len(credit_notes) == n and set(credit_notes.mapped("state")) == {"draft"}, len(credit_notes)
    assert all(returns.line_ids.mapped(lambda line: line.credited_qty == 1.0))
    with CreditPhase(env, "post", lines, options.profile) as phase:
        credit_notes.with_env(as_user).action_post()
        phase.credit_notes = len(credit_notes)
    phases.append(phase.row())
    assert set(credit_notes.mapped("state")) == {"posted"}
    assert all(credit_notes.mapped("amount_tax")), "credit notes are taxed"
    return phases


# ----------------------------------------------------------------------
# OCA rma
# ----------------------------------------------------------------------
def bench_oca(env, n, options):
    orders, _category, warehouse = invoiced_orders(env, n, f"oca {n}", options.single_customer)
    operation = env.ref("rma.rma_operation_refund")
    # Receipt on confirmation, refund by hand once received: the same moment as our policy's.
    operation.write({"action_create_receipt": "automatic_on_confirm", "action_create_refund": "manual_after_receipt"})
    env.company.write({"send_rma_confirmation": False, "send_rma_receipt_confirmation": False})
    admin = env.ref("base.user_admin")
    values = [
        {
            "partner_id": order.partner_id.id,
            "picking_id": move.picking_id.id,
            "move_id": move.id,
            "product_id": move.product_id.id,
            "product_uom_qty": 1,
            "product_uom": move.product_uom.id,
            "location_id": warehouse.rma_loc_id.id,
            "operation_id": operation.id,
            "user_id": admin.id,
        }
        for order in orders
        for move in order.picking_ids.move_ids
    ]
    rmas = env["rma"].create(values)
    rmas.action_confirm()
    receptions = rmas.reception_move_id.picking_id
    for move in receptions.move_ids:
        move.quantity = move.product_uom_qty
    receptions.move_ids.picked = True
    receptions.with_context(skip_backorder=True, skip_sms=True).button_validate()
    assert set(rmas.mapped("state")) == {"received"}, set(rmas.mapped("state"))
    assert all(rmas.mapped("can_be_refunded"))
    analyze(env, options)
    rmas = rmas.with_env(user_env(env, options.no_mail))
    phases = []
    with CreditPhase(env, "draft", len(rmas), options.profile) as phase:
        rmas.action_refund()
        refunds = rmas.refund_id
        phase.credit_notes = len(refunds)
    phases.append(phase.row())
    assert set(rmas.mapped("state")) == {"refunded"}, set(rmas.mapped("state"))
    assert set(refunds.mapped("state")) == {"draft"}
    with CreditPhase(env, "post", len(rmas), options.profile) as phase:
        refunds.action_post()
        phase.credit_notes = len(refunds)
    phases.append(phase.row())
    assert set(refunds.mapped("state")) == {"posted"}
    assert all(refunds.mapped("amount_tax")), "credit notes are taxed"
    return phases


# ----------------------------------------------------------------------
# Running and reporting
# ----------------------------------------------------------------------
def run(registry, bench, n, options):
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        try:
            return bench(env, n, options)
        finally:
            cr.rollback()


def totals(phases):
    return {
        "phase": "total",
        "lines": phases[0]["lines"],
        "credit_notes": phases[0]["credit_notes"],
        "seconds": sum(p["seconds"] for p in phases),
        "queries": sum(p["queries"] for p in phases),
    }


def print_table(title, results):
    print(f"\n{title}")
    header = (f"{'N':>6}  {'phase':<8}{'lines':>7}{'notes':>7}{'seconds':>9}{'notes/s':>9}{'lines/s':>9}"
              f"{'queries/line':>14}")
    print(header)
    print("-" * len(header))
    for n, phases in results.items():
        for p in [*phases, totals(phases)]:
            print(f"{n:>6}  {p['phase']:<8}{p['lines']:>7}{p['credit_notes']:>7}{p['seconds']:>9.2f}"
                  f"{p['credit_notes'] / p['seconds']:>9.1f}{p['lines'] / p['seconds']:>9.1f}"
                  f"{p['queries'] / p['lines']:>14.2f}")
    sizes = list(results)
    if len(sizes) == 2:
        small, large = ([*results[s], totals(results[s])] for s in sizes)
        print(f"growth {sizes[0]} -> {sizes[1]}:  queries/line x | seconds x (x2.00 = linear)")
        for a, b in zip(small, large, strict=True):
            print(f"{'':>8}{a['phase']:<8} x{(b['queries'] / b['lines']) / (a['queries'] / a['lines']):.2f}"
                  f"        x{b['seconds'] / a['seconds']:.2f}")


def main():
    parser = comparison_parser(__doc__, "returns (and invoices)")
    parser.add_argument("--no-mail", action="store_true", help="run without chatter (tracking/subscription context)")
    parser.add_argument("--single-customer", action="store_true",
                        help="all orders for one customer (OCA then makes one credit note, ours one per invoice)")
    parser.add_argument("--no-analyze", action="store_true",
                        help="without the planner statistics of the setup data (see refresh_planner_statistics)")
    args = parser.parse_args()
    sides = comparison_sides(args, bench_ours, bench_oca)

    customers = "one customer" if args.single_customer else "one customer per order"
    mode = "no chatter" if args.no_mail else "default context"
    print(f"Odoo {odoo.release.version}, N={args.n} and {2 * args.n} invoiced orders, {customers}, {mode}")
    report = {}
    for side, db, module, bench in sides:
        if database_state(db, module) != "installed":
            sys.exit(f"{module} is not installed in database {db}: run with --init (see --help)")
        registry = Registry(db)
        results = {}
        for n in (args.n, 2 * args.n):
            results[n] = run(registry, bench, n, args)
            print(f"  {side} N={n} done", flush=True)
        title = (f"reverse_logistics ({db}, one credit note per invoice)" if side == "ours"
                 else f"OCA rma 18.0 ({db}, one rma per line, one refund per customer)")
        print_table(title, results)
        report[side] = results
    if args.json:
        Path(args.json).write_text(json.dumps({"args": vars(args), "results": report}, indent=1))


if __name__ == "__main__":
    main()
