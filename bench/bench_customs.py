"""Benchmark: customs declarations.

1. Build and validate a 999-item DEC-DMS declaration (the WCO limit) with the pure package:
   items per second for building, checking and XSD validation. Needs no Odoo.
2. With --db: submit N (default 200) and 2N declarations through the customs gateway contract to a
   local SOAP server (tests/soap_gateway_server.py) with the addon's scheduled job, and fetch
   their notifications: declarations per second and SQL queries per declaration.

    python3 bench/bench_customs.py --schemas ../shared/customs-schemas
    python3 bench/bench_customs.py --schemas ../shared/customs-schemas --db rl_bench \\
        --db-host /tmp/pgdev --db-port 5499 --addons-path /opt/odoo18/addons,. -n 200
"""

from __future__ import annotations

import argparse
import sys
import time
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "reverse_logistics"))
sys.path.insert(0, str(REPO / "tests"))

from returns_lib.customs import declaration as dec  # noqa: E402
from returns_lib.customs import wco  # noqa: E402


def big_declaration(items):
    company = dec.Party("Circular Returns Iberia SL", eori="ESB12345674", street="Calle Mayor 1", city="Zaragoza",
                        zip_code="50001", country_code="ES")
    sender = dec.Party("Acme Retail Inc", street="1 Main Street", city="Austin", zip_code="78701", country_code="US")
    lines = tuple(
        dec.DeclarationLine(
            sequence=index, hs_code="8471300000", description=f"Portable computer, returned unit {index}",
            origin_country_code="CN", quantity=Decimal(1), net_mass_kg=Decimal("1.6"), gross_mass_kg=Decimal("2.1"),
            statistical_value=Decimal("999.50"), customs_value=Decimal("999.50"), procedure_code="6110",
            additional_procedure_codes=("F01",), supplementary_units=Decimal(1),
        )
        for index in range(1, items + 1)
    )
    return dec.Declaration(
        lrn="RLBENCH000000001", kind=dec.IMPORT_RELIEF, declarant=company, importer=company, exporter=sender,
        customs_office="ES004641", currency="EUR", invoice_amount=sum(line.customs_value for line in lines),
        lines=lines, export_country_code="US", destination_country_code="ES",
        previous_documents=(dec.Document("Z", "MRN", "24ES004641100001A1"),),
    )


def bench_big_declaration(schemas, items=dec.MAX_ITEMS):
    started = time.perf_counter()
    declaration = big_declaration(items)
    problems = dec.check_declaration(declaration)
    checked = time.perf_counter()
    xml = wco.build_declaration_xml(declaration)
    built = time.perf_counter()
    wco.load_declaration_schema(schemas)  # compiled once per folder, then cached
    compiled = time.perf_counter()
    errors = wco.validate_declaration_xml(xml, schemas)
    validated = time.perf_counter()
    assert not problems and not errors, (problems, errors[:3])
    print(f"\n{items}-item declaration ({len(xml) / 1024:.0f} KiB of XML)")
    for label, seconds in (("check", checked - started), ("build XML", built - checked),
                           ("validate against XSD", validated - compiled)):
        print(f"  {label:<22}{seconds * 1000:>9.1f} ms {items / seconds:>12.0f} items/s")
    print(f"  {'compile schema set':<22}{(compiled - built) * 1000:>9.1f} ms (once per folder)")


def bench_submissions(args):
    from soap_gateway_server import GatewayServer

    import odoo
    from odoo import SUPERUSER_ID, Command, api
    from odoo.modules.registry import Registry

    odoo_args = ["-d", args.db, "--log-level=warn"]
    for flag, value in (("--db_host", args.db_host), ("--db_port", args.db_port), ("--db_user", args.db_user),
                        ("--addons-path", args.addons_path)):
        if value:
            odoo_args += [flag, value]
    odoo.tools.config.parse_config(odoo_args)
    registry = Registry(args.db)
    print(f"\n{'N':>6}  {'phase':<22}{'seconds':>9}{'decl/s':>9}{'queries/decl':>14}")
    with GatewayServer() as server:
        for n in (args.n, 2 * args.n):
            with registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                company = env.company
                company.customs_eori = "ESB12345674"
                gateway = env["customs.gateway"].create({"name": "Bench", "endpoint": server.url, "timeout": 10})
                partner = env["res.partner"].create({"name": "Bench sender", "country_id": env.ref("base.us").id,
                                                     "city": "Austin", "street": "1 Main Street", "zip": "78701"})
                declarations = env["customs.declaration"].create([{
                    "kind": "import", "customs_office_code": "ES004641", "declarant_id": company.partner_id.id,
                    "importer_id": company.partner_id.id, "exporter_id": partner.id, "gateway_id": gateway.id,
                    "currency_id": env.ref("base.EUR").id,
                    "line_ids": [Command.create({"hs_code": "84713000", "name": "Portable computer",
                                                 "origin_country_id": env.ref("base.cn").id, "quantity": 1,
                                                 "net_mass": 1.6, "gross_mass": 2.1, "customs_value": 999.5,
                                                 "statistical_value": 999.5})],
                } for _ in range(n)])
                for declaration in declarations:
                    server.state.scenarios[declaration.lrn] = "ACCEPT"
                declarations.action_check()
                assert set(declarations.mapped("state")) == {"checked"}, declarations[:1].check_result
                declarations.action_generate_xml()
                declarations.write({"submission_pending": True, "next_attempt_at": odoo.fields.Datetime.now()})
                env.flush_all()
                env.cr.execute("ANALYZE")  # the setup's planner statistics, as autovacuum keeps them
                # The scheduled job, without its per-declaration commits so that the run can be rolled back.
                queries = odoo.sql_db.sql_counter
                started = time.perf_counter()
                env["customs.declaration"].with_context(customs_no_commit=True)._cron_process(limit=2 * n)
                env.flush_all()
                seconds = time.perf_counter() - started
                count = odoo.sql_db.sql_counter - queries
                print(f"{n:>6}  {'submit + poll (cron)':<22}{seconds:>9.2f}{n / seconds:>9.1f}{count / n:>14.1f}")
                assert set(declarations.mapped("state")) == {"cleared"}, set(declarations.mapped("state"))
                cr.rollback()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--schemas", default=str(REPO.parent / "shared" / "customs-schemas"))
    parser.add_argument("--db")
    parser.add_argument("--db-host")
    parser.add_argument("--db-port")
    parser.add_argument("--db-user")
    parser.add_argument("--addons-path")
    parser.add_argument("-n", type=int, default=200)
    args = parser.parse_args()
    bench_big_declaration(args.schemas)
    if args.db:
        bench_submissions(args)


if __name__ == "__main__":
    main()
