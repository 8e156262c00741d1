"""Where Odoo 18 is, for the test and run commands.

Odoo is used when ``import odoo`` works in the Python that runs the scripts (``$PYTHON``,
default ``python3``), or when ``ODOO_PATH`` names an Odoo 18 source tree (a checkout of
github.com/odoo/odoo branch 18.0), which is then put first on ``PYTHONPATH``.
``ODOO_ADDONS_PATH`` (comma separated) adds addons folders; this repository's root is always added.

``RL_FORCE_NO_ODOO=1`` is a test hook: it makes the commands behave as on a machine without Odoo.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

_PROBE = """
import json, os, odoo
from odoo import release
print(json.dumps({"major": release.major_version, "version": release.version,
                  "package": os.path.dirname(odoo.__file__)}))
"""


@dataclass
class OdooEnvironment:
    env: dict  # environment of the Odoo subprocesses (PYTHONPATH with ODOO_PATH)
    addons_path: str
    version: str  # e.g. "18.0-20250506"
    package_dir: str


def find_odoo():
    """(OdooEnvironment, None) when Odoo 18 is usable, else (None, why not)."""
    env = dict(os.environ)
    if env.get("RL_FORCE_NO_ODOO"):
        return None, "RL_FORCE_NO_ODOO is set"
    odoo_path = env.get("ODOO_PATH")
    if odoo_path:
        if not (Path(odoo_path) / "odoo" / "release.py").is_file():
            return None, f"ODOO_PATH={odoo_path} is not an Odoo source tree (no odoo/release.py in it)"
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [odoo_path, env.get("PYTHONPATH")]))
    probe = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, env=env, cwd="/")
    if probe.returncode != 0:
        last = (probe.stderr.strip().splitlines() or ["import odoo failed"])[-1]
        return None, f"`import odoo` fails in {sys.executable}: {last}"
    import json

    info = json.loads(probe.stdout.strip().splitlines()[-1])
    if info["major"] != "18.0":
        return None, f"Odoo {info['version']} found in {info['package']}, this addon needs 18.0"
    package = Path(info["package"])
    folders = [package.parent / "addons", package / "addons"]  # source layout; packaged layout has only the 2nd
    extra = env.get("ODOO_ADDONS_PATH", "").replace(os.pathsep, ",")
    folders += [Path(p).expanduser().resolve() for p in extra.split(",") if p.strip()]
    folders.append(REPO)
    seen, addons = set(), []
    for folder in folders:
        if folder.is_dir() and str(folder) not in seen:
            seen.add(str(folder))
            addons.append(str(folder))
    return OdooEnvironment(env, ",".join(addons), info["version"], str(package)), None
