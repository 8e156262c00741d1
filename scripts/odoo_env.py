"""Where Odoo 18 is: an importable ``odoo`` package, or a source tree named by ``ODOO_PATH``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def odoo_environment():
    """(python env for subprocesses, odoo addons folder, version) or None when Odoo 18 is not importable."""
    env = dict(os.environ)
    if env.get("RL_FORCE_NO_ODOO"):  # lets the test command's "Odoo missing" path be exercised
        return None
    odoo_path = env.get("ODOO_PATH")
    if odoo_path:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [odoo_path, env.get("PYTHONPATH")]))
    probe = subprocess.run(
        [sys.executable, "-c", "import odoo, os; from odoo import release;"
         "print(release.major_version); print(os.path.dirname(odoo.__file__))"],
        capture_output=True, text=True, env=env,
    )
    if probe.returncode != 0:
        return None
    version, package_dir = probe.stdout.split()[:2]
    if version != "18.0":
        return None
    addons = [str(Path(package_dir).parent / "addons"), str(Path(package_dir) / "addons")]
    addons = [path for path in addons if Path(path).is_dir()]
    extra = env.get("ODOO_ADDONS_PATH")
    addons_path = ",".join([*addons, *(extra.split(",") if extra else []), str(REPO)])
    return env, addons_path, version
