"""The project's test command: the pytest suite, then the Odoo suite in a throwaway database.

Ends with one line ``N passed, N failed`` over both suites and writes
``.test-results/summary.json``. Exits non-zero when anything failed.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from odoo_env import REPO, odoo_environment
from pgcluster import ThrowawayCluster

RESULTS = REPO / ".test-results"
ADDON = "reverse_logistics"


def log(message):
    print(f"[test] {message}", flush=True)


def ensure_dev_tools():
    """Install the dev tools that are missing, never touching what is installed already (Odoo's pins)."""
    wanted = []
    for line in (REPO / "requirements-dev.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            wanted.append(line)
    missing = []
    for requirement in wanted:
        name = requirement.split("[")[0].split("=")[0].split(">")[0].split("<")[0].strip()
        probe = subprocess.run([sys.executable, "-m", "pip", "show", "-q", name], capture_output=True)
        if probe.returncode != 0:
            missing.append(requirement)
    if missing:
        log(f"installing missing dev tools: {' '.join(missing)}")
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", *missing], check=True)


def ensure_chromium():
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        if shutil.which(name):
            return True
    if os.geteuid() == 0 and shutil.which("apt-get"):
        log("installing Debian's chromium for Odoo's browser tests")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        install = ["apt-get", "install", "-y", "-q", "--no-install-recommends", "chromium"]
        if subprocess.run(install, env=env, capture_output=True).returncode != 0:
            subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True)
            subprocess.run(install, env=env, capture_output=True)
    if any(shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")):
        return True
    log("!! Chromium not found: Odoo's browser tours will fail. Install chromium.")
    return False


def run_pytest():
    junit = RESULTS / "pytest.xml"
    command = [sys.executable, "-m", "pytest", "tests", "-q", "-p", "no:cacheprovider", f"--junitxml={junit}"]
    log("pytest suite: " + " ".join(command[1:]))
    subprocess.run(command, cwd=REPO)
    counts = {"passed": 0, "failed": 0, "errors": 0, "skipped": 0}
    if not junit.exists():
        counts["errors"] = 1
        return counts
    root = ET.parse(junit).getroot()
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    for suite in suites:
        tests = int(suite.get("tests", 0))
        failures, errors, skipped = (int(suite.get(k, 0)) for k in ("failures", "errors", "skipped"))
        counts["failed"] += failures
        counts["errors"] += errors
        counts["skipped"] += skipped
        counts["passed"] += tests - failures - errors - skipped
    return counts


def run_odoo_suite(odoo):
    env, addons_path, version = odoo
    ensure_chromium()
    result_file = RESULTS / "odoo-result.json"
    result_file.unlink(missing_ok=True)
    odoo_log = RESULTS / "odoo.log"
    with ThrowawayCluster() as cluster:
        log(f"Odoo {version} suite in a throwaway PostgreSQL cluster ({cluster.base})")
        database = "rl_test"
        command = [
            sys.executable, str(REPO / "scripts" / "odoo_test_driver.py"), str(result_file), "--",
            "-d", database, *cluster.odoo_args(), f"--addons-path={addons_path}",
            "-i", ADDON, "--test-enable", f"--test-tags=/{ADDON}", "--stop-after-init",
            "--http-port", str(_free_http_port()), "--log-level=info", "--max-cron-threads=0",
            f"--data-dir={cluster.base / 'filestore'}",
        ]
        with open(odoo_log, "w") as fh:
            subprocess.run(command, cwd=REPO, env=env, stdout=fh, stderr=subprocess.STDOUT)
    if not result_file.exists():
        log("!! the Odoo run ended without a result: see .test-results/odoo.log")
        return {"passed": 0, "failed": 1, "errors": 0, "skipped": 0, "install_failed": True}
    outcome = json.loads(result_file.read_text())
    if outcome["exit_code"] and not (outcome["failures"] or outcome["errors"]):
        # Odoo stopped with an error that no test reported (e.g. it refused to start).
        outcome["install_failed"] = True
    if not outcome["tests_run"]:
        log("!! no Odoo test ran")
        outcome["install_failed"] = True
    failed, errors, skipped = outcome["failures"], outcome["errors"], outcome["skipped"]
    counts = {
        "passed": max(outcome["tests_run"] - failed - errors - skipped, 0),
        "failed": failed, "errors": errors, "skipped": skipped,
        "install_failed": outcome["install_failed"],
    }
    if outcome["install_failed"]:
        counts["failed"] += 1
        log(f"!! {ADDON} could not be installed: see .test-results/odoo.log")
        for line in outcome.get("error_log_lines", [])[-5:]:
            log("   " + line)
    return counts


def _free_http_port():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tree_hash():
    def git(*args):
        done = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else None

    return git("rev-parse", "HEAD^{tree}"), bool(git("status", "--porcelain"))


def main():
    started = time.time()
    RESULTS.mkdir(exist_ok=True)
    ensure_dev_tools()
    suites = {"pytest": run_pytest()}
    odoo = odoo_environment()
    odoo_ran = odoo is not None
    if odoo_ran:
        suites["odoo"] = run_odoo_suite(odoo)
    else:
        print("!! Odoo 18 is not importable: the Odoo suite is SKIPPED "
              "(install Odoo 18 or set ODOO_PATH to its source tree)", flush=True)
    tree, dirty = tree_hash()
    passed = sum(s["passed"] for s in suites.values())
    failed = sum(s["failed"] + s["errors"] for s in suites.values())
    skipped = sum(s["skipped"] for s in suites.values())
    odoo_counts = suites.get("odoo", {})
    summary = {
        "git_tree": tree,
        "tree": tree,
        "odoo_suite": {
            "ran": odoo_ran,
            "passed": odoo_counts.get("passed", 0),
            "failed": odoo_counts.get("failed", 0) + odoo_counts.get("errors", 0),
            "skipped": odoo_counts.get("skipped", 0),
        },
        "work_tree_dirty": dirty,
        "odoo_suite_ran": odoo_ran,
        "odoo_version": odoo[2] if odoo else None,
        "suites": suites,
        "passed": passed,
        "failed": failed,
        "skipped": skipped,
        "finished_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "duration_seconds": round(time.time() - started, 1),
    }
    (RESULTS / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    for name, counts in suites.items():
        log(f"{name}: {counts['passed']} passed, {counts['failed'] + counts['errors']} failed, "
            f"{counts['skipped']} skipped")
    print(f"{passed} passed, {failed} failed", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
