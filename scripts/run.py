"""The project's run command (``scripts/run.sh``): Odoo 18 with this addon and its demo data.

A throwaway PostgreSQL cluster (``pgcluster.py``) gets a database (``reverse_logistics`` by default)
with the addon installed with its demo data; Odoo then serves it on http://localhost:8069 until
Ctrl-C (or SIGTERM), after which the cluster and its folder are removed. Debian's wkhtmltopdf (and a
font) is installed first when missing, as root with apt-get, so that reports print as PDF.

Environment: RL_HTTP_PORT (default 8069), RL_DB (default reverse_logistics), ODOO_PATH,
ODOO_ADDONS_PATH (see odoo_env.py). Arguments are passed on to Odoo (e.g. ``--dev=xml``).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from odoo_env import REPO, find_odoo
from pgcluster import ThrowawayCluster, die_with_parent, signals_raise_keyboard_interrupt, stop_process
from run_tests import ensure_wkhtmltopdf


def port_is_free(port):
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("0.0.0.0", port))
        except OSError:
            return False
    return True


# Odoo's own log lines during an install: "<date> <pid> INFO <db> odoo.modules.loading: loading stock/views/x.xml"
# and "... Module stock: loading demo". The module being installed is the one whose files load.
LOADING = re.compile(r" (?P<level>[A-Z]+) \S+ odoo\.modules\.loading: (?:loading (?P<module>[\w.]+)/"
                     r"|Module (?P<demo>[\w.]+): loading demo)")
SERIOUS = re.compile(r" (WARNING|ERROR|CRITICAL) ")


def install_progress(lines, say, clock=time.monotonic):
    """Tell, from Odoo's log ``lines`` of an install, which module is being installed and how long it has
    taken so far (one line per module, and one when its demo data loads); warnings and errors are shown
    as they come. Returns the number of modules seen."""
    started, current, seen = clock(), None, []
    for line in lines:
        match = LOADING.search(line)
        if match and match["module"] and match["module"] != current:
            current = match["module"]
            if current not in seen:
                seen.append(current)
            say(f"  installing {current} (module {len(seen)}, {clock() - started:.0f} s so far)")
        elif match and match["demo"]:
            say(f"  loading the demo data of {match['demo']} ({clock() - started:.0f} s so far)")
        elif SERIOUS.search(line) or not line[:4].isdigit():
            say(line.rstrip("\n"))  # warnings, errors and tracebacks, as Odoo printed them
    return len(seen)


def main(extra_args):
    odoo, why_not = find_odoo()
    if odoo is None:
        print(f"!! Odoo 18 not importable ({why_not}): install it (see README) or set ODOO_PATH to its source tree.")
        return 2
    port = int(os.environ.get("RL_HTTP_PORT", "8069"))
    database = os.environ.get("RL_DB", "reverse_logistics")
    if not port_is_free(port):
        print(f"!! port {port} is in use: stop what listens there or set RL_HTTP_PORT")
        return 2
    ensure_wkhtmltopdf(say=lambda message: print(message[:1].upper() + message[1:] + "...", flush=True))
    with signals_raise_keyboard_interrupt(), ThrowawayCluster(prefix="rl-run-") as cluster:
        common = ["-d", database, *cluster.odoo_args(), f"--addons-path={odoo.addons_path}",
                  f"--data-dir={cluster.base / 'filestore'}", "--http-port", str(port)]
        print(f"Installing reverse_logistics with demo data (Odoo {odoo.version}) in a throwaway PostgreSQL "
              f"cluster ({cluster.base}); this takes a few minutes, module by module:", flush=True)
        install = subprocess.Popen([sys.executable, "-m", "odoo", *common, "-i", "reverse_logistics",
                                    "--stop-after-init", "--log-level=info", *extra_args], env=odoo.env, cwd=REPO,
                                   preexec_fn=die_with_parent, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   text=True, errors="replace")
        try:
            modules = install_progress(install.stdout, say=lambda message: print(message, flush=True))
            install.wait()
        finally:
            stop_process(install)
        if install.returncode == 0:
            print(f"Installed: {modules} modules.", flush=True)
        if install.returncode != 0:
            print("!! installing reverse_logistics failed (see above)", flush=True)
            return 1
        print(f"\nOdoo serves http://localhost:{port}  (database {database}, login admin / password admin)\n"
              "Ctrl-C stops Odoo and removes the database cluster.\n", flush=True)
        server = subprocess.Popen([sys.executable, "-m", "odoo", *common, "--db-filter", f"^{database}$",
                                   *extra_args], env=odoo.env, cwd=REPO, preexec_fn=die_with_parent)
        try:
            return server.wait()
        finally:
            stop_process(server)


if __name__ == "__main__":
    try:
        code = main(sys.argv[1:])
    except KeyboardInterrupt:
        code = 0
    print("Stopped; the throwaway cluster is removed.", flush=True)
    sys.exit(code)
