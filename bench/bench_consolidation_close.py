"""Benchmark: a return hub's load of N return lines closed across a customs border, declaration included.

Setup (not measured): a Spanish company (EORI, customs office) and its London hub; N products of as many
HS codes (so no two lines merge: the load's declaration has N goods items, the most one holds at 999);
N customers in Great Britain, each with a delivered sale order of one product that left under its own
export MRN; N returns of one line each, approved through the real flow (which routes them to the hub).
Then, measured:
  arrive   ``action_arrived_at_hub()`` on the N returns: they open one load and join it
  ship     ``load.action_ship()`` (in-transit events; the load crosses the border, so its import
           declaration is prepared: relief decided per item, items merged by HS code, origin and
           procedures, split at 999), then the DEC-DMS message rendered as submission does it
           (``_build_message``: XML kept as an attachment) and, with a schema set, validated against it
  receive  ``load.action_receive()``: every return in it received at the warehouse
Prints seconds, lines per second and SQL queries per line of each phase, for ceil(N/2) and N lines (default
500 and 999), and how queries per line change between them (they must not grow). The declaration's own
checks (``_check_values``, not measured) must find nothing. Every run is one transaction rolled back at
the end; the planner statistics are refreshed (ANALYZE) after the setup; each phase is measured from a
flushed state to a flushed state, as in bench_returns.py.

    python3 bench/bench_consolidation_close.py --db rl_bench_close --db-host /tmp/devpg --db-port 5439 \\
        --addons-path /opt/odoo18/addons,. [--init] [-n 999] [--schemas ../shared/customs-schemas] [--profile]
"""

from __future__ import annotations

import base64
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "reverse_logistics"))

from bench_disposition_flow import line_phase, print_unit_table, run, unit_parser, unit_registry
from bench_returns import REPO, deliver_in_full, refresh_planner_statistics, user_env
from returns_lib.customs import mrn as mrn_lib
from returns_lib.customs import wco

import odoo
from odoo import Command

SCHEMAS = REPO.parent / "shared" / "customs-schemas"


LinePhase = line_phase("bench_consolidation_close")


def _mrn(number):
    first_17 = f"26ES{number:012d}A"
    return first_17 + mrn_lib.check_digit(first_17)


def customs_company(env):
    """The company imports in Spain, from its own address (the warehouse's)."""
    company = env.company
    company.write({"customs_eori": "ESB12345674", "customs_office_code": "ES004641"})
    company.partner_id.write({"country_id": env.ref("base.es").id, "zip": "50001", "city": "Zaragoza",
                              "street": "Calle Mayor 1"})
    warehouse = env["stock.warehouse"].search([("company_id", "=", company.id)], limit=1)
    warehouse.partner_id = company.partner_id
    return warehouse


def london_hub(env, warehouse, label):
    uk = env.ref("base.uk")
    address = env["res.partner"].create({
        "name": f"Hub London {label}", "street": "1 Dock Road", "zip": "E16 2QU", "city": "London",
        "country_id": uk.id, "company_id": env.company.id,
    })
    location = env["stock.location"].create({
        "name": f"Hub London {label}", "usage": "internal", "location_id": warehouse.view_location_id.id,
    })
    return env["return.hub"].create({
        "name": f"Hub London {label}", "partner_id": address.id, "location_id": location.id,
        "area_ids": [Command.create({"country_id": uk.id})],
        "mode_ids": [Command.create({"mode": "sea", "vehicle_class": "container_short_sea",
                                     "destination_warehouse_ids": [Command.link(warehouse.id)]})],
    })


def returns_at_the_hub_door(env, n, label):
    """N approved returns of one line each, routed to the London hub, each of another HS code and export MRN."""
    warehouse = customs_company(env)
    # Hubs of the database would compete for the customers' addresses.
    env["return.hub"].search([]).active = False
    hub = london_hub(env, warehouse, label)
    category = env["product.category"].create({"name": f"Bench hub {label}"})
    env["return.policy"].create({
        "name": f"Bench hub {label}", "company_id": env.company.id, "window_days": 30, "sequence": 1,
        "category_ids": [Command.link(category.id)],
    })
    china = env.ref("base.cn")
    products = env["product.product"].create([
        {"name": f"Bench part {label} {i:04d}", "is_storable": True, "categ_id": category.id, "list_price": 25.0,
         "weight": 0.8, "hs_code": f"8473{i:04d}", "country_of_origin": china.id}
        for i in range(n)
    ])
    env["stock.quant"].create([
        {"product_id": product.id, "location_id": warehouse.lot_stock_id.id, "quantity": 5.0} for product in products
    ])
    uk = env.ref("base.uk")
    customers = env["res.partner"].create([
        {"name": f"Bench customer {label} {i}", "email": f"hub.{i}@example.com", "country_id": uk.id,
         "street": "10 Downing Street", "city": "London", "zip": "SW1A 2AA"}
        for i in range(n)
    ])
    orders = env["sale.order"].create([
        {"partner_id": customer.id, "warehouse_id": warehouse.id,
         "order_line": [Command.create({"product_id": product.id, "product_uom_qty": 2})]}
        for customer, product in zip(customers, products, strict=True)
    ])
    deliveries = deliver_in_full(orders)
    for index, delivery in enumerate(deliveries):
        delivery.export_mrn = _mrn(index)
    reason = env.ref("reverse_logistics.reason_defective")
    returns = env["return.order"].create([
        {"partner_id": order.partner_id.id, "sale_order_id": order.id, "warehouse_id": warehouse.id,
         "line_ids": [Command.create({"product_id": line.product_id.id, "product_uom_qty": 1, "reason_id": reason.id,
                                      "sale_line_id": line.id})]}
        for order in orders for line in order.order_line
    ])
    returns.action_submit()
    returns.filtered(lambda r: r.state == "to_approve").action_approve()
    assert set(returns.mapped("state")) == {"approved"}, set(returns.mapped("state"))
    assert returns.hub_id == hub, returns.hub_id
    env.flush_all()
    return returns


def bench(env, n, profile=False, schemas=None):
    returns = returns_at_the_hub_door(env, n, f"n{n}")
    refresh_planner_statistics(env)  # as autovacuum does on a database in use (see bench_returns.py)
    as_user = user_env(env, no_mail=False)
    returns = returns.with_env(as_user)
    phases = []
    with LinePhase(env, "arrive", n, profile) as phase:
        returns.action_arrived_at_hub()
    phases.append(phase.row())
    load = returns.consolidation_id
    assert len(load) == 1 and load.return_count == n and load.crosses_border, load
    xml_sizes = []
    with LinePhase(env, "ship", n, profile) as phase:
        load.action_ship()
        declarations = load.customs_declaration_ids
        declarations._build_message()
        for declaration in declarations:
            xml = base64.b64decode(declaration.xml_attachment_id.datas)
            xml_sizes.append(len(xml))
            if schemas:
                errors = wco.validate_declaration_xml(xml, schemas)
                assert not errors, errors[:3]
    phases.append(phase.row())
    with LinePhase(env, "receive", n, profile) as phase:
        load.action_receive()
    phases.append(phase.row())
    assert set(returns.mapped("state")) == {"received"}, set(returns.mapped("state"))
    problems = [problem for declaration in declarations for problem in declaration._check_values()]
    phases.append({
        "phase": "(outcome)", "declarations": len(declarations), "items": len(declarations.line_ids),
        "xml_kb": sum(xml_sizes) / 1024, "validated": bool(schemas), "problems": problems,
    })
    return phases


def main():
    parser = unit_parser(__doc__, 999)
    parser.add_argument("--schemas", default=str(SCHEMAS),
                        help="the WCO DEC-DMS schema set to validate the messages against ('' to skip)")
    args = parser.parse_args()
    schemas = args.schemas if args.schemas and Path(args.schemas).is_dir() else None
    registry = unit_registry(args)
    sizes = (math.ceil(args.n / 2), args.n)
    print(f"Odoo {odoo.release.version}, loads of {sizes[0]} and {sizes[1]} lines (one per return, all distinct "
          f"items), messages {'validated against ' + schemas if schemas else 'not validated (no schema set)'}")
    results = {}
    for n in sizes:
        results[n] = run(registry, n, args.profile,
                         measure=lambda env, size, profile: bench(env, size, profile, schemas))
        print(f"  N={n} done", flush=True)
    # The table's growth column reads a run of twice the lines: ceil(N/2) -> N is that, to within one line.
    print_unit_table(results, lambda p: (
        f"{p['declarations']} declaration(s), {p['items']} items, {p['xml_kb']:.0f} KB of XML"
        f"{' schema-valid' if p['validated'] else ''}, check problems: {len(p['problems'])} {p['problems'][:3]}"))


if __name__ == "__main__":
    main()
