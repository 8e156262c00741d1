"""The project's run command: Odoo 18 with this addon and its demo data on http://localhost:8069.

Everything lives in a throwaway PostgreSQL cluster that is removed when Odoo stops (Ctrl-C).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from odoo_env import REPO, odoo_environment
from pgcluster import ThrowawayCluster


def main():
    odoo = odoo_environment()
    if odoo is None:
        print("!! Odoo 18 is not importable: install it (see README) or set ODOO_PATH to its source tree.")
        return 2
    env, addons_path, _version = odoo
    port = os.environ.get("RL_HTTP_PORT", "8069")
    database = os.environ.get("RL_DB", "reverse_logistics")
    with ThrowawayCluster(prefix="rl-run-") as cluster:
        common = ["-d", database, *cluster.odoo_args(), f"--addons-path={addons_path}",
                  f"--data-dir={cluster.base / 'filestore'}"]
        print(f"Installing reverse_logistics with demo data in a throwaway cluster ({cluster.base})...", flush=True)
        subprocess.run([sys.executable, "-m", "odoo", *common, "-i", "reverse_logistics", "--stop-after-init",
                        "--http-port", port], env=env, check=True, cwd=REPO)
        print(f"Odoo serves http://localhost:{port} (login admin / admin). Ctrl-C stops it and removes everything.",
              flush=True)
        server = subprocess.Popen([sys.executable, "-m", "odoo", *common, "--http-port", port, "--db-filter",
                                   f"^{database}$"], env=env, cwd=REPO)
        try:
            server.wait()
        except KeyboardInterrupt:
            server.send_signal(signal.SIGINT)
            server.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
