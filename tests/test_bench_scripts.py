"""The benchmarks' parts that need no Odoo still run: a rule added to the pure package (the MRN's check
digit) once left bench_customs.py asserting on its own sample declaration, unnoticed for days."""

import importlib.util
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _load(script):
    spec = importlib.util.spec_from_file_location(script, REPO / "bench" / f"{script}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_999_item_declaration_of_the_customs_benchmark_is_valid(shared_dir, capsys):
    bench_customs = _load("bench_customs")
    declaration = bench_customs.big_declaration(999)
    assert len(declaration.lines) == 999
    # The benchmark itself: check, build and validate, asserting that nothing is found.
    bench_customs.bench_big_declaration(str(shared_dir / "customs-schemas"))
    assert "999-item declaration" in capsys.readouterr().out
