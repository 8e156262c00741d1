"""A throwaway PostgreSQL cluster for the test and run commands: made in a temporary folder, removed on exit.

- PostgreSQL refuses to run as root: when the scripts run as root, the cluster is created and
  run as the ``postgres`` system user (``runuser``, or ``su`` where runuser is missing).
- The server listens on a unix socket in the cluster's own folder only (``listen_addresses=''``),
  with trust authentication; the port number only names the socket file.
- Odoo refuses to connect as the ``postgres`` role ("security risk, aborting"), so a superuser
  role ``odoo`` is created for it.
- The folder records the pid of the process that owns it: a later run removes clusters whose
  owner died without cleaning up (``kill -9``, power loss), never the cluster of a live process.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
from pathlib import Path

PREFIXES = ("rl-pg-", "rl-run-")
OWNER_FILE = "owner.pid"


def find_binary(name):
    """A PostgreSQL program: on PATH, or in the newest /usr/lib/postgresql/*/bin (Debian/Ubuntu layout)."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=_version_key, reverse=True)
    candidates += sorted(glob.glob(f"/usr/pgsql-*/bin/{name}"), key=_version_key, reverse=True)
    candidates += glob.glob(f"/usr/local/pgsql/bin/{name}")
    if candidates:
        return candidates[0]
    raise RuntimeError(
        f"PostgreSQL's {name} is neither on PATH nor in /usr/lib/postgresql/*/bin: install the PostgreSQL server "
        "(Debian/Ubuntu: apt-get install postgresql)"
    )


def _version_key(path):
    digits = "".join(ch if ch.isdigit() else " " for ch in path).split()
    return [int(d) for d in digits]


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _as_postgres(args, as_root):
    """The command line that runs ``args`` as the postgres system user when we are root."""
    if not as_root:
        return list(args)
    if shutil.which("runuser"):
        return ["runuser", "-u", "postgres", "--", *args]
    return ["su", "postgres", "-s", "/bin/sh", "-c", shlex.join(args)]


def reap_stale_clusters(log=print):
    """Stop and remove the clusters of earlier runs whose owning process is gone."""
    for prefix in PREFIXES:
        for base in glob.glob(os.path.join(tempfile.gettempdir(), prefix + "*")):
            base = Path(base)
            owner = base / OWNER_FILE
            try:
                pid = int(owner.read_text().strip())
            except (OSError, ValueError):
                continue  # not one of ours, or still being created
            if _pid_alive(pid):
                continue
            data = base / "data"
            if (data / "postmaster.pid").exists():
                with contextlib.suppress(Exception):
                    subprocess.run(
                        _as_postgres([find_binary("pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                                     os.geteuid() == 0),
                        capture_output=True, timeout=60, cwd="/",
                    )
            shutil.rmtree(base, ignore_errors=True)
            log(f"removed the throwaway cluster left by a dead run: {base}")


class ThrowawayCluster:
    """``with ThrowawayCluster() as cluster:`` gives a running cluster; it is stopped and deleted on exit."""

    superuser = "postgres"
    user = "odoo"  # Odoo refuses to connect as "postgres"

    def __init__(self, prefix="rl-pg-"):
        self.prefix = prefix
        self.as_root = os.geteuid() == 0
        self.initdb = find_binary("initdb")
        self.pg_ctl = find_binary("pg_ctl")
        self.createuser = find_binary("createuser")
        self.base = None
        self.started = False

    # paths are known once the folder exists
    @property
    def data(self):
        return self.base / "data"

    @property
    def socket_dir(self):
        return self.base / "socket"

    @property
    def log_file(self):
        return self.base / "postgres.log"

    def _run(self, args, **kwargs):
        return subprocess.run(_as_postgres(args, self.as_root), check=True, capture_output=True, text=True,
                              cwd=self.base, **kwargs)

    def start(self):
        if self.as_root:
            try:
                import pwd

                pwd.getpwnam("postgres")
            except KeyError:
                raise RuntimeError("running as root needs the 'postgres' system user to run PostgreSQL") from None
        reap_stale_clusters()
        self.base = Path(tempfile.mkdtemp(prefix=self.prefix))
        (self.base / OWNER_FILE).write_text(str(os.getpid()))
        self.socket_dir.mkdir()
        self.port = _free_port()
        if self.as_root:
            for path in (self.base, self.socket_dir):
                shutil.chown(path, "postgres")
            os.chmod(self.base, 0o755)  # Odoo (run as root or not) reaches the socket through it
        try:
            self._run([self.initdb, "-D", str(self.data), "-A", "trust", "-U", self.superuser, "-E", "UTF8",
                       "--locale=C", "--no-sync"])
        except subprocess.CalledProcessError as error:
            raise RuntimeError(f"initdb failed:\n{error.stdout}\n{error.stderr}") from None
        options = (f"-k {self.socket_dir} -p {self.port} -c listen_addresses='' "
                   "-c fsync=off -c full_page_writes=off -c synchronous_commit=off")
        try:
            self._run([self.pg_ctl, "-D", str(self.data), "-o", options, "-l", str(self.log_file), "-w", "-t", "60",
                       "start"])
        except subprocess.CalledProcessError:
            log = self.log_file.read_text(errors="replace")[-2000:] if self.log_file.exists() else ""
            raise RuntimeError(f"PostgreSQL did not start:\n{log}") from None
        self.started = True
        self._run([self.createuser, "-h", str(self.socket_dir), "-p", str(self.port), "-U", self.superuser,
                   "--superuser", self.user])
        return self

    def odoo_args(self):
        return ["--db_host", str(self.socket_dir), "--db_port", str(self.port), "--db_user", self.user]

    def stop(self):
        if self.base is None:
            return
        if self.started:
            with contextlib.suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired):
                self._run([self.pg_ctl, "-D", str(self.data), "-m", "immediate", "-w", "stop"], timeout=60)
            self.started = False
        shutil.rmtree(self.base, ignore_errors=True)
        self.base = None

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc):
        self.stop()


@contextlib.contextmanager
def signals_raise_keyboard_interrupt():
    """SIGINT, SIGTERM and SIGHUP end the run like Ctrl-C, so that ``finally`` blocks remove the cluster.

    SIGINT is set explicitly too: a command started in the background by a non-interactive shell
    inherits an ignored SIGINT, and ``kill -INT`` must still clean up.
    """

    def interrupt(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    previous = {sig: signal.signal(sig, interrupt) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def die_with_parent():
    """``preexec_fn`` for Odoo: on Linux the child gets SIGTERM when this script dies, even by SIGKILL."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def stop_process(process, grace=30):
    """Stop a child process (Odoo): SIGINT first (graceful shutdown), then SIGTERM, then SIGKILL."""
    if process.poll() is not None:
        return process.returncode
    for sig, wait in ((signal.SIGINT, grace), (signal.SIGTERM, 10), (signal.SIGKILL, 10)):
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(sig)
        try:
            return process.wait(wait)
        except subprocess.TimeoutExpired:
            continue
    return process.returncode

