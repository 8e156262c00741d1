"""Static checks of the addon: manifest, data files, XML, access rights, linters."""

import ast
import csv
import glob
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree

REPO = Path(__file__).resolve().parents[1]
ADDON = REPO / "reverse_logistics"


def manifest():
    return ast.literal_eval((ADDON / "__manifest__.py").read_text())


def addon_models():
    """Model names the addon defines with ``_name``."""
    names = set()
    for path in [*ADDON.glob("models/*.py"), *ADDON.glob("wizards/*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "_name" for t in node.targets):
                if isinstance(node.value, ast.Constant):
                    names.add(node.value.value)
    return names


def test_manifest_declares_what_the_addon_needs():
    data = manifest()
    for key in ("name", "version", "license", "depends", "data", "author", "summary"):
        assert key in data, key
    assert data["version"] == "18.0.1.0.0"
    assert data["license"] == "LGPL-3"
    assert {"mail", "portal", "sale_stock", "stock_account", "stock_delivery", "repair"} <= set(data["depends"])
    assert {"lxml", "zeep", "requests", "python-stdnum"} <= set(data["external_dependencies"]["python"])
    assert (ADDON / "static" / "description" / "icon.png").is_file()
    assert (ADDON / "static" / "description" / "index.html").is_file()


def test_every_declared_file_exists():
    data = manifest()
    for key in ("data", "demo"):
        for relative in data.get(key, []):
            assert (ADDON / relative).is_file(), f"{key}: {relative}"
    for bundle, patterns in data.get("assets", {}).items():
        for pattern in patterns:
            pattern = pattern[1] if isinstance(pattern, tuple | list) else pattern
            assert glob.glob(str(REPO / pattern)), f"{bundle}: {pattern} matches no file"


def test_every_data_file_is_loaded():
    data = manifest()
    declared = set(data.get("data", [])) | set(data.get("demo", []))
    on_disk = {
        str(path.relative_to(ADDON))
        for folder in ("data", "views", "security", "report", "wizards", "demo")
        for path in (ADDON / folder).glob("*")
        if path.suffix in (".xml", ".csv")
    }
    assert on_disk - declared == set(), "files not loaded by the manifest"


@pytest.mark.parametrize("path", sorted(ADDON.rglob("*.xml")), ids=lambda p: str(p.relative_to(ADDON)))
def test_xml_files_parse(path):
    etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))


def test_access_rights_name_models_of_the_addon():
    models = addon_models()
    with open(ADDON / "security" / "ir.model.access.csv", newline="") as fh:
        rows = list(csv.reader(fh))
    header, rows = rows[0], rows[1:]
    assert header == ["id", "name", "model_id:id", "group_id:id", "perm_read", "perm_write", "perm_create",
                      "perm_unlink"]
    ids = [row[0] for row in rows]
    assert len(ids) == len(set(ids)), "duplicate access ids"
    known = {"model_" + name.replace(".", "_") for name in models}
    for row in rows:
        assert len(row) == 8, row
        assert row[2] in known, f"{row[0]}: {row[2]} is not a model of the addon"
        assert all(flag in ("0", "1") for flag in row[4:]), row
    groups = set()
    for path in ADDON.glob("security/*.xml"):
        groups |= {el.get("id") for el in etree.parse(str(path)).iter("record") if el.get("model") == "res.groups"}
    for row in rows:
        group = row[3]
        assert "." in group or group in groups, f"{row[0]}: unknown group {group}"
    # every model of the addon has access rights
    assert {row[2] for row in rows} == known


def test_pure_package_never_imports_odoo():
    for path in (ADDON / "returns_lib").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            assert not any(name == "odoo" or name.startswith("odoo.") for name in names), path


def test_ruff_is_clean():
    ruff = shutil.which("ruff")
    command = [ruff] if ruff else [sys.executable, "-m", "ruff"]
    done = subprocess.run([*command, "check", "--output-format", "concise", "."], cwd=REPO, capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_pylint_odoo_is_clean():
    done = subprocess.run(
        [sys.executable, "-m", "pylint", "--rcfile", str(REPO / ".pylintrc"), "reverse_logistics"],
        cwd=REPO, capture_output=True, text=True,
    )
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
