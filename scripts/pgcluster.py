"""A throwaway PostgreSQL cluster for tests and demos: created in a temporary folder, removed on exit.

PostgreSQL refuses to run as root: when the scripts run as root, the cluster is created and
run as the ``postgres`` system user. Odoo connects through the cluster's unix socket with
trust authentication as the ``postgres`` role.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def _find_binary(name):
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    candidates += sorted(glob.glob(f"/usr/local/pgsql/bin/{name}"))
    if candidates:
        return candidates[0]
    raise RuntimeError(f"PostgreSQL's {name} is neither on PATH nor in /usr/lib/postgresql/*/bin: install PostgreSQL")


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ThrowawayCluster:
    def __init__(self, prefix="rl-pg-"):
        self.base = Path(tempfile.mkdtemp(prefix=prefix))
        self.data = self.base / "data"
        self.socket_dir = self.base / "socket"
        self.port = _free_port()
        self.superuser = "postgres"
        self.user = "odoo"  # Odoo refuses to connect as "postgres"
        self.as_root = os.geteuid() == 0
        self.initdb = _find_binary("initdb")
        self.pg_ctl = _find_binary("pg_ctl")
        self.started = False

    def _run(self, args, **kwargs):
        if self.as_root:
            args = ["runuser", "-u", "postgres", "--", *args]
        return subprocess.run(args, check=True, capture_output=True, text=True, **kwargs)

    def start(self):
        self.socket_dir.mkdir(parents=True)
        if self.as_root:
            shutil.chown(self.base, "postgres")
            shutil.chown(self.socket_dir, "postgres")
            os.chmod(self.base, 0o755)
        self._run([self.initdb, "-D", str(self.data), "-A", "trust", "-U", self.superuser, "-E", "UTF8",
                   "--no-sync"])
        options = f"-k {self.socket_dir} -p {self.port} -c listen_addresses='' -c fsync=off -c full_page_writes=off"
        self._run([self.pg_ctl, "-D", str(self.data), "-o", options, "-l", str(self.base / "postgres.log"),
                   "-w", "start"])
        self.started = True
        deadline = time.time() + 30
        while not (self.socket_dir / f".s.PGSQL.{self.port}").exists():
            if time.time() > deadline:
                raise RuntimeError("PostgreSQL did not start: see " + str(self.base / "postgres.log"))
            time.sleep(0.2)
        self._run([_find_binary("createuser"), "-h", str(self.socket_dir), "-p", str(self.port), "-U", self.superuser,
                   "--superuser", self.user])
        return self

    def odoo_args(self):
        return ["--db_host", str(self.socket_dir), "--db_port", str(self.port), "--db_user", self.user]

    def stop(self):
        if self.started:
            try:
                self._run([self.pg_ctl, "-D", str(self.data), "-m", "immediate", "-w", "stop"])
            except subprocess.CalledProcessError:
                pass
            self.started = False
        shutil.rmtree(self.base, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
