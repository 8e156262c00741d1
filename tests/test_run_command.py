"""The run command tells what the install is doing, module by module, instead of minutes of silence."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

import run  # scripts/run.py

LOG = """\
2026-12-08 03:50:53,004 9737 INFO reverse_logistics odoo.modules.loading: loading 1 modules...
2026-12-08 03:50:53,100 9737 INFO reverse_logistics odoo.modules.loading: loading base/data/res_bank.xml
2026-12-08 03:50:54,100 9737 INFO reverse_logistics odoo.modules.loading: loading base/data/res_country.xml
2026-12-08 03:50:55,863 9737 INFO reverse_logistics odoo.modules.loading: loading stock/security/stock_security.xml
2026-12-08 03:50:56,000 9737 WARNING reverse_logistics odoo.addons.base.models.ir_actions_report: wkhtmltopdf is old
2026-12-08 03:50:57,000 9737 INFO reverse_logistics odoo.modules.loading: Module stock: loading demo
2026-12-08 03:50:58,000 9737 INFO reverse_logistics odoo.modules.loading: loading stock/data/stock_demo.xml
2026-12-08 03:50:59,000 9737 INFO reverse_logistics odoo.modules.registry: module reverse_logistics: creating tables
2026-12-08 03:51:00,000 9737 INFO reverse_logistics odoo.modules.loading: loading reverse_logistics/views/a.xml
2026-12-08 03:51:01,000 9737 ERROR reverse_logistics odoo.sql_db: bad query: SELECT
Traceback (most recent call last):
"""


def test_the_install_says_which_module_it_is_on_and_shows_warnings_and_errors():
    said, ticks = [], iter(range(100))
    modules = run.install_progress(LOG.splitlines(keepends=True), said.append, clock=lambda: next(ticks))
    assert modules == 3
    assert said[0] == "  installing base (module 1, 1 s so far)"
    assert [line for line in said if line.startswith("  installing")] == [
        "  installing base (module 1, 1 s so far)",
        "  installing stock (module 2, 2 s so far)",
        "  installing reverse_logistics (module 3, 4 s so far)",
    ]
    assert "  loading the demo data of stock (3 s so far)" in said
    assert any("WARNING" in line and "wkhtmltopdf is old" in line for line in said)
    assert any("ERROR" in line and "bad query" in line for line in said)
    assert "Traceback (most recent call last):" in said
    assert not any("creating tables" in line for line in said), "Odoo's info lines stay quiet"
