"""Benchmark: N returns from delivered orders, created, approved and received in batch.

Prints returns per second and SQL queries per return for N and 2N, for reverse_logistics
and, with --oca, for OCA's ``rma`` doing the same create, confirm and receive. Everything
runs in one transaction per run that is rolled back: the database is left as it was.

    python3 bench/bench_returns.py --db rl_bench --db-host /tmp/pgdev --db-port 5499 \\
        --addons-path /opt/odoo18/addons,/opt/oca_rma/odoo/addons,. [-n 500] [--oca]

The database must have reverse_logistics installed (and ``rma`` for --oca), e.g.
    python3 -m odoo -d rl_bench ... -i reverse_logistics,rma --without-demo=all --stop-after-init
"""

from __future__ import annotations

import argparse
import time

import odoo
from odoo import Command, SUPERUSER_ID, api
from odoo.modules.registry import Registry


class Phase:
    """Wall time and SQL queries of a block, deferred writes included (flushed inside)."""

    def __init__(self, env, name, count):
        self.env, self.name, self.count = env, name, count

    def __enter__(self):
        self.env.flush_all()
        self.queries = odoo.sql_db.sql_counter
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.env.flush_all()
        self.seconds = time.perf_counter() - self.started
        self.query_count = odoo.sql_db.sql_counter - self.queries

    def row(self):
        return {
            "phase": self.name,
            "seconds": self.seconds,
            "per_second": self.count / self.seconds if self.seconds else float("inf"),
            "queries_per_return": self.query_count / self.count,
        }


def delivered_orders(env, n, label):
    """N confirmed sale orders of one line each, delivered in full (not measured)."""
    company = env.company
    warehouse = env["stock.warehouse"].search([("company_id", "=", company.id)], limit=1)
    category = env["product.category"].create({"name": f"Bench {label}"})
    product = env["product.product"].create(
        {"name": f"Bench chair {label}", "is_storable": True, "categ_id": category.id, "list_price": 50.0}
    )
    env["stock.quant"]._update_available_quantity(product, warehouse.lot_stock_id, 10 * n)
    customer = env["res.partner"].create({"name": f"Bench customer {label}", "country_id": env.ref("base.es").id})
    orders = env["sale.order"].create(
        [
            {
                "partner_id": customer.id,
                "warehouse_id": warehouse.id,
                "order_line": [Command.create({"product_id": product.id, "product_uom_qty": 2})],
            }
            for _ in range(n)
        ]
    )
    orders.action_confirm()
    pickings = orders.picking_ids
    pickings.move_ids.picked = True
    pickings.with_context(skip_backorder=True, skip_sms=True).button_validate()
    assert all(p.state == "done" for p in pickings), "deliveries not done"
    return orders, product, category, warehouse


def bench_ours(env, n):
    orders, product, category, _warehouse = delivered_orders(env, n, f"ours {n}")
    env["return.policy"].create(
        {"name": "Bench", "company_id": env.company.id, "window_days": 30, "sequence": 1,
         "category_ids": [Command.link(category.id)]}
    )
    reason = env.ref("reverse_logistics.reason_defective")
    values = [
        {
            "partner_id": order.partner_id.id,
            "sale_order_id": order.id,
            "line_ids": [Command.create({"product_id": product.id, "product_uom_qty": 1, "reason_id": reason.id})],
        }
        for order in orders
    ]
    phases = []
    with Phase(env, "create", n) as phase:
        returns = env["return.order"].create(values)
    phases.append(phase.row())
    with Phase(env, "submit + approve", n) as phase:
        returns.action_submit()
        returns.action_approve()
    phases.append(phase.row())
    assert set(returns.mapped("state")) == {"approved"}, set(returns.mapped("state"))
    with Phase(env, "receive", n) as phase:
        returns.action_receive()
    phases.append(phase.row())
    assert set(returns.mapped("state")) == {"received"}, set(returns.mapped("state"))
    return phases


def bench_oca(env, n):
    orders, product, _category, warehouse = delivered_orders(env, n, f"oca {n}")
    operation = env.ref("rma.rma_operation_refund")
    operation.action_create_receipt = "automatic_on_confirm"  # like ours: approval creates the receipt
    values = []
    for order in orders:
        move = order.picking_ids.move_ids
        values.append(
            {
                "partner_id": order.partner_id.id,
                "picking_id": move.picking_id.id,
                "move_id": move.id,
                "product_id": product.id,
                "product_uom_qty": 1,
                "product_uom": product.uom_id.id,
                "location_id": warehouse.rma_loc_id.id,
                "operation_id": operation.id,
            }
        )
    phases = []
    with Phase(env, "create", n) as phase:
        rmas = env["rma"].create(values)
    phases.append(phase.row())
    with Phase(env, "confirm", n) as phase:
        rmas.action_confirm()
    phases.append(phase.row())
    receptions = rmas.reception_move_id.picking_id
    assert receptions, "OCA rma created no reception (check its operation settings)"
    with Phase(env, "receive", n) as phase:
        for move in receptions.move_ids:
            move.quantity = move.product_uom_qty
        receptions.move_ids.picked = True
        receptions.with_context(skip_backorder=True, skip_sms=True).button_validate()
    phases.append(phase.row())
    assert set(rmas.mapped("state")) == {"received"}, set(rmas.mapped("state"))
    return phases


def run(registry, bench, n):
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        try:
            return bench(env, n)
        finally:
            cr.rollback()


def print_table(title, results):
    print(f"\n{title}")
    print(f"{'N':>6}  {'phase':<18}{'seconds':>9}{'returns/s':>11}{'queries/return':>16}")
    for n, phases in results.items():
        total_seconds = sum(p["seconds"] for p in phases)
        total_queries = sum(p["queries_per_return"] for p in phases)
        for p in phases:
            print(
                f"{n:>6}  {p['phase']:<18}{p['seconds']:>9.2f}{p['per_second']:>11.1f}"
                f"{p['queries_per_return']:>16.1f}"
            )
        print(f"{n:>6}  {'total':<18}{total_seconds:>9.2f}{n / total_seconds:>11.1f}{total_queries:>16.1f}")
    sizes = list(results)
    if len(sizes) == 2:
        first, second = (sum(p["queries_per_return"] for p in results[size]) for size in sizes)
        print(f"queries per return, {sizes[1]} vs {sizes[0]}: x{second / first:.2f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", required=True)
    parser.add_argument("--db-host")
    parser.add_argument("--db-port")
    parser.add_argument("--db-user")
    parser.add_argument("--addons-path")
    parser.add_argument("-n", type=int, default=500)
    parser.add_argument("--oca", action="store_true", help="also run OCA rma (must be installed in the database)")
    args = parser.parse_args()
    odoo_args = ["-d", args.db, "--log-level=warn"]
    for flag, value in (("--db_host", args.db_host), ("--db_port", args.db_port), ("--db_user", args.db_user),
                        ("--addons-path", args.addons_path)):
        if value:
            odoo_args += [flag, value]
    odoo.tools.config.parse_config(odoo_args)
    registry = Registry(args.db)
    sizes = (args.n, 2 * args.n)
    print_table("reverse_logistics", {n: run(registry, bench_ours, n) for n in sizes})
    if args.oca:
        print_table("OCA rma 18.0", {n: run(registry, bench_oca, n) for n in sizes})


if __name__ == "__main__":
    main()
