"""Static checks of the addon, without Odoo: manifest, declared files, XML, access rights, linters."""

import ast
import csv
import glob
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree

REPO = Path(__file__).resolve().parents[1]
ADDON = REPO / "reverse_logistics"
MODULE = ADDON.name

# Core models this addon grants access to, as "module.model_xxx". A row naming a
# core model must be declared here, so that a typo in a model reference cannot pass.
DECLARED_CORE_MODELS = {"stock.model_stock_lot"}  # refurbished sales read the serials they sell

# Optional bridges to other Odoo modules, next to the addon (auto_install once both sides are installed).
BRIDGES = ("reverse_logistics_landed_costs", "reverse_logistics_website_sale")

SAFE_XML = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def manifest():
    return ast.literal_eval((ADDON / "__manifest__.py").read_text())


def addon_python_files():
    """The addon's Odoo code: everything but the pure package and the tests."""
    for path in sorted(ADDON.rglob("*.py")):
        relative = path.relative_to(ADDON).parts
        if relative[0] not in ("returns_lib", "tests", "static") and path.name != "__manifest__.py":
            yield path


def _constant(node):
    return node.value if isinstance(node, ast.Constant) else None


def defined_models():
    """{model name: kind} of the models the addon creates (``_name`` not among its ``_inherit``).

    kind is the base class: "Model", "TransientModel" or "AbstractModel".
    """
    models = {}
    for path in addon_python_files():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.ClassDef):
                continue
            kinds = [base.attr for base in node.bases if isinstance(base, ast.Attribute)]
            kind = next((k for k in kinds if k in ("Model", "TransientModel", "AbstractModel")), None)
            attributes = {}
            for statement in node.body:
                if isinstance(statement, ast.Assign):
                    for target in statement.targets:
                        if isinstance(target, ast.Name):
                            attributes[target.id] = statement.value
            name = _constant(attributes.get("_name"))
            if not kind or not name:
                continue
            inherit = attributes.get("_inherit")
            inherited = {_constant(inherit)} if isinstance(inherit, ast.Constant) else {
                _constant(el) for el in getattr(inherit, "elts", [])
            }
            if name not in inherited:
                models[name] = kind
    return models


def test_manifest_declares_what_the_addon_needs():
    data = manifest()
    for key in ("name", "summary", "version", "category", "author", "website", "license", "depends", "data"):
        assert data.get(key), f"manifest key {key!r} missing or empty"
    # Odoo 18 series; migrations/<version>/ scripts run when it goes up.
    assert re.fullmatch(r"18\.0\.\d+\.\d+\.\d+", data["version"]), data["version"]
    assert data["license"] == "LGPL-3"
    assert {"mail", "portal", "sale_stock", "stock_account", "stock_delivery", "repair"} <= set(data["depends"])
    # PyPI names: Odoo checks them with importlib.metadata, so it is python-stdnum, not stdnum
    assert {"lxml", "zeep", "requests", "python-stdnum"} <= set(data["external_dependencies"]["python"])
    assert data.get("installable", True)
    assert (ADDON / "static" / "description" / "icon.png").is_file()
    assert (ADDON / "static" / "description" / "index.html").is_file()


def test_every_declared_file_exists():
    data = manifest()
    for key in ("data", "demo"):
        for relative in data.get(key, []):
            assert (ADDON / relative).is_file(), f"manifest {key}: {relative} does not exist"
    for bundle, directives in data.get("assets", {}).items():
        for directive in directives:
            if isinstance(directive, str):
                patterns = [directive]
            elif directive[0] == "include":
                continue  # another bundle, not a file
            elif directive[0] in ("remove", "prepend", "append"):
                patterns = [directive[1]]
            else:  # ("replace" | "before" | "after", target, path)
                patterns = [directive[2]]
            for pattern in patterns:
                if pattern.startswith(f"{MODULE}/"):
                    assert glob.glob(str(REPO / pattern), recursive=True), f"{bundle}: {pattern} matches no file"


def test_every_data_file_is_loaded():
    data = manifest()
    declared = set(data.get("data", [])) | set(data.get("demo", []))
    on_disk = {
        str(path.relative_to(ADDON))
        for folder in ("data", "views", "security", "report", "wizards", "demo")
        for path in (ADDON / folder).glob("*")
        if path.suffix in (".xml", ".csv")
    }
    assert on_disk - declared == set(), "files that the manifest does not load"


@pytest.mark.parametrize(
    "path",
    sorted(p for ext in ("xml", "wsdl", "xsd") for p in ADDON.rglob(f"*.{ext}")),
    ids=lambda p: str(p.relative_to(ADDON)),
)
def test_xml_files_parse(path):
    root = etree.parse(str(path), SAFE_XML).getroot()
    if path.suffix == ".xml" and path.parent.name in ("data", "views", "security", "report", "wizards", "demo"):
        assert root.tag == "odoo", f"{path.name}: Odoo data files have an <odoo> root"


@pytest.mark.parametrize("relative", manifest().get("demo", []))
def test_demo_data_is_not_replayed_by_a_module_update(relative):
    """Demo files run flows (confirm, validate, receive): under noupdate an update of the module skips them
    and leaves the records people have changed since, instead of replaying them on the changed data."""
    root = etree.parse(str(ADDON / relative), SAFE_XML).getroot()

    def noupdate(element):
        return element.get("noupdate") in ("1", "True")

    replayed = [
        element.tag
        for block in [root, *root.iterchildren("data")]
        for element in block.iterchildren(etree.Element)
        if element.tag != "data" and not noupdate(block) and not noupdate(root)
    ]
    assert not replayed, f"{relative}: demo records and functions belong under noupdate=\"1\" ({replayed[:3]})"


def test_xml_ids_are_unique():
    seen = {}
    for path in sorted(ADDON.rglob("*.xml")):
        if path.parent.name not in ("data", "views", "security", "report", "wizards", "demo"):
            continue
        for element in etree.parse(str(path), SAFE_XML).iter("record", "template", "menuitem"):
            xmlid = element.get("id")
            if xmlid and "." not in xmlid:
                assert xmlid not in seen, f"{xmlid} defined in {seen.get(xmlid)} and {path.name}"
                seen[xmlid] = path.name


def access_rows():
    with open(ADDON / "security" / "ir.model.access.csv", newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


def test_access_rights_are_well_formed():
    header, rows = access_rows()
    assert header == ["id", "name", "model_id:id", "group_id:id", "perm_read", "perm_write", "perm_create",
                      "perm_unlink"]
    ids = [row[0] for row in rows]
    assert len(ids) == len(set(ids)), "duplicate access ids"
    for row in rows:
        assert len(row) == 8, f"{row[0]}: {len(row)} columns"
        assert all(flag in ("0", "1") for flag in row[4:]), f"{row[0]}: permissions are 0 or 1"


def test_access_rights_name_existing_models_and_groups():
    _header, rows = access_rows()
    local = {"model_" + name.replace(".", "_") for name in defined_models()}
    groups = set()
    for path in ADDON.glob("security/*.xml"):
        groups |= {el.get("id") for el in etree.parse(str(path), SAFE_XML).iter("record")
                   if el.get("model") == "res.groups"}
    for row in rows:
        model = row[2].removeprefix(f"{MODULE}.")
        assert model in local or model in DECLARED_CORE_MODELS, (
            f"{row[0]}: {row[2]} is neither a model of the addon nor a declared core model"
        )
        group = row[3].removeprefix(f"{MODULE}.")
        if group:  # empty: the rule applies to everyone
            assert group in groups or re.fullmatch(r"[a-z0-9_]+\.[A-Za-z0-9_]+", group), (
                f"{row[0]}: group {row[3]} is neither defined in security/*.xml nor an external id module.name"
            )


def test_every_model_has_access_rights():
    _header, rows = access_rows()
    granted = {row[2].removeprefix(f"{MODULE}.") for row in rows}
    concrete = {name for name, kind in defined_models().items() if kind != "AbstractModel"}
    missing = {name for name in concrete if "model_" + name.replace(".", "_") not in granted}
    assert not missing, f"models without access rights (only the superuser could use them): {missing}"


def test_every_odoo_test_module_is_imported():
    """Odoo's runner only sees the test modules that tests/__init__.py imports."""
    init = ast.parse((ADDON / "tests" / "__init__.py").read_text())
    imported = set()
    for node in ast.walk(init):
        if isinstance(node, ast.ImportFrom):
            imported |= {alias.name for alias in node.names}
    on_disk = {path.stem for path in (ADDON / "tests").glob("test_*.py")}
    assert on_disk - imported == set(), "test modules that Odoo would silently not run"


def _returns_lib_imports():
    package = ADDON / "returns_lib"
    for path in sorted(package.rglob("*.py")):
        depth = len(path.relative_to(package).parts) - 1  # folders below returns_lib
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    yield path, alias.name, 0, depth
            elif isinstance(node, ast.ImportFrom):
                yield path, node.module or "", node.level, depth


def test_pure_package_never_imports_odoo():
    for path, name, level, depth in _returns_lib_imports():
        assert not (level == 0 and (name == "odoo" or name.startswith("odoo."))), f"{path}: imports {name}"
        # "from .. import x" may not leave returns_lib (the addon's models import odoo)
        assert level <= depth + 1, f"{path}: relative import leaves returns_lib"


def test_pure_package_imports_where_odoo_is_absent():
    """Every module of returns_lib imports in a Python where ``import odoo`` fails."""
    modules = sorted(
        ".".join(("returns_lib", *path.relative_to(ADDON / "returns_lib").with_suffix("").parts)).removesuffix(
            ".__init__")
        for path in (ADDON / "returns_lib").rglob("*.py")
    )
    script = (
        "import importlib, sys\n"
        "sys.modules['odoo'] = None  # import odoo -> ImportError\n"
        f"sys.path.insert(0, {str(ADDON)!r})\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "assert not any(m == 'odoo' or m.startswith('odoo.') for m in sys.modules if sys.modules[m] is not None)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd="/")
    assert done.returncode == 0, done.stderr


def test_ruff_is_clean():
    try:
        import ruff  # noqa: F401
    except ImportError:
        command = [shutil.which("ruff") or pytest.fail("ruff is not installed (pip install ruff)")]
    else:
        command = [sys.executable, "-m", "ruff"]
    done = subprocess.run([*command, "check", "--no-cache", "--output-format", "concise", "."], cwd=REPO,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_pylint_odoo_is_clean():
    try:
        import pylint_odoo  # noqa: F401
    except ImportError:
        pytest.fail("pylint-odoo is not installed (pip install pylint-odoo)")
    done = subprocess.run(
        [sys.executable, "-m", "pylint", "--rcfile", str(REPO / ".pylintrc"), MODULE, *BRIDGES],
        cwd=REPO, capture_output=True, text=True,
    )
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]


@pytest.mark.parametrize("bridge", BRIDGES)
def test_bridges_are_optional_addons_of_the_core(bridge):
    """A bridge installs itself with the core and its other side; the core never depends on that side."""
    folder = REPO / bridge
    data = ast.literal_eval((folder / "__manifest__.py").read_text())
    for key in ("name", "summary", "version", "category", "author", "website", "license", "depends"):
        assert data.get(key), f"{bridge}: manifest key {key!r} missing or empty"
    assert re.fullmatch(r"18\.0\.\d+\.\d+\.\d+", data["version"]), data["version"]
    assert data["license"] == "LGPL-3"
    assert data.get("auto_install") is True
    assert MODULE in data["depends"] and len(data["depends"]) >= 2, data["depends"]
    assert not set(data["depends"][1:]) & set(manifest()["depends"]), "the core would not need the bridge"
    for relative in data.get("data", []) + data.get("demo", []):
        assert (folder / relative).is_file(), f"{bridge}: {relative} does not exist"
    for bundle, directives in data.get("assets", {}).items():
        for directive in directives:
            assert isinstance(directive, str) and glob.glob(str(REPO / directive)), f"{bundle}: {directive}"
    for path in folder.rglob("*.xml"):
        etree.parse(str(path), SAFE_XML)
    if (folder / "tests").is_dir():
        init = (folder / "tests" / "__init__.py").read_text()
        for path in (folder / "tests").glob("test_*.py"):
            assert f"import {path.stem}" in init, f"{bridge}: {path.name} is not imported by tests/__init__.py"


def test_the_core_has_no_website_dependency():
    assert not {"website", "website_sale"} & set(manifest()["depends"])


def test_no_issue_numbers_in_code_or_documentation():
    """Code, data, docstrings and documentation say what things are; the tracker's numbers stay in git."""
    tracked = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True).stdout.split()
    numbered = re.compile(r"\bissues? #\d+", re.IGNORECASE)
    found = [
        f"{name}:{number}" for name in tracked if name.endswith((".py", ".xml", ".md", ".rst", ".js", ".csv"))
        for number, line in enumerate((REPO / name).read_text(encoding="utf-8", errors="replace").splitlines(), 1)
        if numbered.search(line)
    ]
    assert found == []
