"""The project's test command (``scripts/test.sh``): the pytest suite, then the Odoo suite in a throwaway database.

1. Installs the dev tools of ``requirements-dev.txt`` that are missing, pinning everything already
   installed (Odoo's requirements stay exactly as they are).
2. Runs ``tests/`` with pytest; counts come from its JUnit XML report.
3. Where Odoo 18 is usable (see ``odoo_env.py``): creates a throwaway PostgreSQL cluster, installs
   ``reverse_logistics`` with its demo data in a fresh database with ``--test-enable``, runs its tests
   with Odoo's runner through ``odoo_test_driver.py`` (counts come from Odoo's own test report),
   then stops and deletes the cluster, also on Ctrl-C, SIGTERM or failure. Before, as root with
   apt-get, installs Debian's chromium (browser tours) and wkhtmltopdf with a font (PDF reports)
   when missing, and says loudly when it cannot (those tests then skip).

Ends with exactly one line ``N passed, N failed`` over both suites (failed includes errors; skipped
tests are reported apart and never counted as passed), exits non-zero when anything failed or
could not run, and writes ``.test-results/summary.json`` and ``.test-results/odoo.log`` (the web shop
database's log: ``.test-results/odoo-rl_test_shop.log``).

Environment: ODOO_PATH, ODOO_ADDONS_PATH (see odoo_env.py), RL_FORCE_NO_ODOO=1 (behave as without
Odoo), RL_ODOO_TEST_TAGS (default ``/reverse_logistics``), RL_ODOO_TIMEOUT (seconds, default 3600),
RL_STRICT_LOG=1 (ERROR log lines outside Odoo's test reports count as one failure),
RL_ODOO_VERBOSE=1 (echo the whole Odoo log), RL_SKIP_PIP=1 (never run pip).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from odoo_env import REPO, find_odoo
from pgcluster import ThrowawayCluster, die_with_parent, signals_raise_keyboard_interrupt, stop_process

RESULTS = REPO / ".test-results"
ADDON = "reverse_logistics"
# The databases the Odoo suite installs and tests, one after the other in the same throwaway cluster:
# (database, modules installed with their demo data, default test tags). The web shop gets a database
# of its own: website_sale's demo data (pricelists per country, public product categories) would change
# the prices every other test sets up. The portal and multi-company walks run there too, so that the
# fields website_sale opens to portal and public users are checked with it installed.
ODOO_SUITES = (
    ("rl_test", (ADDON, "reverse_logistics_landed_costs"),
     f"/{ADDON},/reverse_logistics_landed_costs"),
    # payment_demo: the demo payment provider the web shop tour pays with.
    ("rl_test_shop", (ADDON, "reverse_logistics_website_sale", "payment_demo"),
     f"/reverse_logistics_website_sale,/{ADDON}:TestPortalReadability,/{ADDON}:TestMultiCompanyIsolation"),
)
CHROMES = ("google-chrome", "chromium", "chromium-browser", "google-chrome-stable")  # Odoo's search order


def log(message):
    print(f"[test] {message}", flush=True)


def loud(message):
    print(f"!! {message}", flush=True)


# ---------------------------------------------------------------------------
# Dev tools
# ---------------------------------------------------------------------------
def read_requirements(path):
    requirements = []
    for line in Path(path).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            requirements.append(line)
    return requirements


def requirement_name(requirement):
    name = re.split(r"[\s\[<>=!~;@]", requirement, maxsplit=1)[0]
    return re.sub(r"[-_.]+", "-", name).lower()


def missing_requirements(requirements):
    """Requirements whose distribution is not installed at all (installed ones are never touched)."""
    from importlib import metadata

    installed = {requirement_name(dist.metadata["Name"] or "") for dist in metadata.distributions()}
    return [req for req in requirements if requirement_name(req) not in installed]


def ensure_dev_tools():
    missing = missing_requirements(read_requirements(REPO / "requirements-dev.txt"))
    if not missing:
        return True
    if os.environ.get("RL_SKIP_PIP"):
        loud(f"missing dev tools, not installed (RL_SKIP_PIP): {' '.join(missing)}")
        return False
    # Everything already installed is pinned to its current version: pip may add packages, never change one.
    freeze = subprocess.run([sys.executable, "-m", "pip", "freeze", "--all"], capture_output=True, text=True)
    if freeze.returncode != 0:
        loud(f"pip is not available for {sys.executable}: install {' '.join(missing)} yourself")
        return False
    pins = [line for line in freeze.stdout.splitlines() if re.match(r"^[A-Za-z0-9][A-Za-z0-9._-]*==\S+$", line)]
    with tempfile.NamedTemporaryFile("w", suffix="-constraints.txt", delete=False) as fh:
        fh.write("\n".join(pins) + "\n")
        constraints = fh.name
    try:
        log(f"installing missing dev tools: {' '.join(missing)} (installed packages pinned)")
        command = [sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check", "-c", constraints,
                   *missing]
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0 and "externally-managed-environment" in done.stderr:
            # Debian's system Python (Odoo's .deb): install for this user, leaving apt's packages alone.
            done = subprocess.run([*command, "--user", "--break-system-packages"], capture_output=True, text=True)
        if done.returncode != 0:
            loud("could not install the dev tools without changing an installed package:\n"
                 + (done.stderr.strip() or done.stdout.strip())[-2000:])
            return False
        return True
    finally:
        os.unlink(constraints)


def apt_install(packages):
    """Install Debian packages with apt-get, as root and non-interactively; ``apt-get update`` and retry once.

    Returns False without trying when not root or without apt-get (the caller says what is missing).
    """
    if not packages or os.geteuid() != 0 or not shutil.which("apt-get"):
        return False
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    install = ["apt-get", "install", "-y", "-q", "-o", "Dpkg::Use-Pty=0", "--no-install-recommends", *packages]
    if subprocess.run(install, env=env, capture_output=True).returncode == 0:
        return True
    subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True)
    return subprocess.run(install, env=env, capture_output=True).returncode == 0


def ensure_chromium():
    """Odoo's browser tours need Chrome or Chromium; without one, Odoo skips them."""
    for name in CHROMES:
        if shutil.which(name):
            return shutil.which(name)
    if os.geteuid() == 0 and shutil.which("apt-get"):
        log("installing Debian's chromium for Odoo's browser tours (apt-get)")
        apt_install(["chromium"])
    for name in CHROMES:
        if shutil.which(name):
            return shutil.which(name)
    loud("no Chrome/Chromium found (looked for " + ", ".join(CHROMES) + "): Odoo SKIPS its browser tours. "
         "Install chromium (Debian/Ubuntu: apt-get install chromium).")
    return None


FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts")
FONT_SUFFIXES = (".ttf", ".otf", ".ttc", ".pfb")
PDF_FONT_PACKAGE = "fonts-dejavu-core"


def has_fonts(font_dirs=FONT_DIRS):
    """Whether any outline font is installed: without one, wkhtmltopdf draws text as shapes, not text."""
    for folder in font_dirs:
        for _root, _dirs, files in os.walk(folder):
            if any(name.lower().endswith(FONT_SUFFIXES) for name in files):
                return True
    return False


def pdf_packages_to_install(which=shutil.which, font_dirs=FONT_DIRS):
    """The Debian packages Odoo's PDF reports still need: wkhtmltopdf, and a font when none is installed."""
    packages = []
    if not which("wkhtmltopdf"):
        packages.append("wkhtmltopdf")
    if not has_fonts(font_dirs):
        packages.append(PDF_FONT_PACKAGE)
    return packages


def ensure_wkhtmltopdf(say=log):
    """Odoo prints PDF reports with wkhtmltopdf; without it, reports are HTML and the PDF tests skip."""
    packages = pdf_packages_to_install()
    if packages:
        if os.geteuid() == 0 and shutil.which("apt-get"):
            say(f"installing Debian's {' '.join(packages)} for Odoo's PDF reports (apt-get)")
            apt_install(packages)
        missing = pdf_packages_to_install()
        if missing:
            loud(f"missing for Odoo's PDF reports: {' '.join(missing)}: Odoo prints HTML instead of PDF and "
                 "the PDF tests are SKIPPED. Install them (Debian/Ubuntu: apt-get install "
                 f"{' '.join(missing)}).")
    return shutil.which("wkhtmltopdf")


# ---------------------------------------------------------------------------
# pytest suite
# ---------------------------------------------------------------------------
def count_junit(path):
    """Counts per test case of a pytest JUnit XML report."""
    counts = {"passed": 0, "failed": 0, "errors": 0, "skipped": 0}
    root = ET.parse(path).getroot()
    for case in root.iter("testcase"):
        tags = {child.tag for child in case}
        if "error" in tags:
            counts["errors"] += 1
        elif "failure" in tags:
            counts["failed"] += 1
        elif "skipped" in tags:
            counts["skipped"] += 1
        else:
            counts["passed"] += 1
    return counts


def run_pytest():
    junit = RESULTS / "pytest.xml"
    junit.unlink(missing_ok=True)
    command = [sys.executable, "-m", "pytest", "tests", "-q", "-p", "no:cacheprovider", "--tb=short", "-rs",
               f"--junitxml={junit}",
               "-o", "junit_family=xunit2"]
    log("pytest suite: " + " ".join(command[2:]))
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    rc = subprocess.run(command, cwd=REPO, env=env).returncode
    if not junit.exists():
        loud(f"pytest wrote no report (exit code {rc}): counted as 1 error")
        return {"passed": 0, "failed": 0, "errors": 1, "skipped": 0, "exit_code": rc}
    counts = count_junit(junit)
    counts["exit_code"] = rc
    # pytest exit codes: 0 all passed, 1 some failed, 5 nothing collected, others: interrupted/internal error
    if rc not in (0, 1) and not (counts["failed"] or counts["errors"]):
        loud(f"pytest ended with exit code {rc} without a failing test: counted as 1 error")
        counts["errors"] += 1
    if rc == 1 and not (counts["failed"] or counts["errors"]):
        counts["errors"] += 1
    return counts


# ---------------------------------------------------------------------------
# Odoo suite
# ---------------------------------------------------------------------------
ODOO_SUMMARY = re.compile(r"(\d+) failed, (\d+) error\(s\) of (\d+) tests when loading database")
ODOO_RUNNER_REPORT = re.compile(r"^\S+ \S+ \d+ ERROR \S+ \S+: (FAIL|ERROR): ", re.M)
ECHO = re.compile(r"^\S+ \S+ \d+ (WARNING|ERROR|CRITICAL) |odoo\.modules\.loading: (\d+ modules loaded|Modules loaded)"
                  r"|: loading demo\b|Starting post tests|post-tests in|tests when loading database")


def parse_odoo_log(text):
    """Odoo's own summary lines and the number of FAIL/ERROR reports of its test runner, from its log."""
    summaries = [tuple(int(n) for n in match.groups()) for match in ODOO_SUMMARY.finditer(text)]
    return {"summaries": summaries, "runner_reports": len(ODOO_RUNNER_REPORT.findall(text))}


def odoo_counts(outcome, log_text, strict_log=False):
    """The Odoo suite's counts from the driver's result, cross-checked with Odoo's log.

    Returns (counts, problems, notes): problems are reasons to count one more failure (the suite did
    not run properly: install failure, no test, crash) and are printed loudly; notes are only printed.
    """
    problems, notes = [], []
    parsed = parse_odoo_log(log_text)
    if outcome is None:
        problems.append("the Odoo run ended without a result file (killed? timeout?)")
        failed = errors = run = skipped = 0
        if parsed["summaries"]:
            failed, errors, run = parsed["summaries"][-1]
        return ({"passed": 0, "failed": failed, "errors": errors, "skipped": skipped, "tests_run": run}, problems,
                notes)
    failed, errors, skipped, run = outcome["failures"], outcome["errors"], outcome["skipped"], outcome["tests_run"]
    if parsed["summaries"]:
        log_failed, log_errors, log_run = parsed["summaries"][-1]
        if (log_failed, log_errors, log_run) != (failed, errors, run):
            notes.append(f"Odoo's log says {log_failed} failed, {log_errors} error(s) of {log_run} tests but its "
                         f"report says {failed}/{errors}/{run}: the larger numbers are kept")
            failed, errors, run = max(failed, log_failed), max(errors, log_errors), max(run, log_run)
    if parsed["runner_reports"] > failed + errors:
        notes.append(f"{parsed['runner_reports']} FAIL/ERROR reports in the log for {failed + errors} counted")
    for problem in outcome.get("load_problems", []):
        problems.append(problem)
    if not outcome.get("load_failed") and not run:
        problems.append("no Odoo test ran (check --test-tags and reverse_logistics/tests/__init__.py)")
    if outcome.get("exit_code") and not (failed or errors or problems):
        problems.append(f"Odoo exited with code {outcome['exit_code']} although no test failed")
    if outcome.get("other_error_count"):
        message = (f"{outcome['other_error_count']} ERROR log line(s) outside Odoo's test reports "
                   f"(first: {outcome['other_error_lines'][0]})")
        (problems if strict_log else notes).append(message)
    passed = outcome.get("tests_passed", max(run - failed - errors - skipped, 0))
    counts = {"passed": passed, "failed": failed, "errors": errors, "skipped": skipped, "tests_run": run}
    return counts, problems, notes


def _suites_for(tags):
    """[(database, modules, tags)] to run: every suite, or those installing a module the given tags name."""
    if not tags:
        return list(ODOO_SUITES)
    named = {tag.strip().lstrip("-/").split(":")[0].split("/")[0] for tag in tags.split(",") if tag.strip()}
    chosen = []
    for database, modules, _default in ODOO_SUITES:
        wanted = named & set(modules) - {name for _d, previous, _t in chosen for name in previous}
        if wanted:
            chosen.append((database, modules, tags))
    return chosen or [(*ODOO_SUITES[0][:2], tags)]


def run_odoo_suite(odoo):
    """Every Odoo suite (see ODOO_SUITES), counted together."""
    chrome = ensure_chromium()
    wkhtmltopdf = ensure_wkhtmltopdf()
    suites = _suites_for(os.environ.get("RL_ODOO_TEST_TAGS"))
    timeout = float(os.environ.get("RL_ODOO_TIMEOUT", "3600"))
    total = {"passed": 0, "failed": 0, "errors": 0, "skipped": 0, "tests_run": 0}
    problems, notes = [], []
    with ThrowawayCluster() as cluster:
        for index, (database, modules, tags) in enumerate(suites):
            odoo_log = RESULTS / ("odoo.log" if index == 0 else f"odoo-{database}.log")
            log(f"Odoo {odoo.version} suite {database} ({', '.join(modules)}): throwaway PostgreSQL cluster "
                f"in {cluster.base}, log in {odoo_log}")
            counts = _run_one_odoo_suite(odoo, cluster, database, modules, tags, odoo_log, timeout)
            for key in total:
                total[key] += counts[key]
            problems += [f"{database}: {problem}" for problem in counts["problems"]]
            notes += [f"{database}: {note}" for note in counts["notes"]]
    total.update(problems=problems, notes=notes, chrome=chrome, wkhtmltopdf=wkhtmltopdf,
                 test_tags=" | ".join(f"{database}: {tags}" for database, _modules, tags in suites))
    return total


def _run_one_odoo_suite(odoo, cluster, database, modules, tags, odoo_log, timeout):
    result_file = RESULTS / f"odoo-result-{database}.json"
    result_file.unlink(missing_ok=True)
    verbose = bool(os.environ.get("RL_ODOO_VERBOSE"))
    timed_out = []
    command = [
        sys.executable, str(REPO / "scripts" / "odoo_test_driver.py"), str(result_file), "--",
        "-d", database, *cluster.odoo_args(), f"--addons-path={odoo.addons_path}",
        f"--data-dir={cluster.base / 'filestore'}",
        "-i", ",".join(modules), "--test-enable", f"--test-tags={tags}", "--stop-after-init",
        "--http-port", os.environ.get("RL_ODOO_HTTP_PORT") or str(_free_http_port()),
        "--max-cron-threads=0", "--workers=0", "--log-level=info",
    ]
    with open(odoo_log, "w") as fh:
        process = subprocess.Popen(command, cwd=REPO, env=odoo.env, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True, errors="replace", bufsize=1,
                                   preexec_fn=die_with_parent)

        def on_timeout():
            timed_out.append(timeout)
            loud(f"the Odoo suite exceeded RL_ODOO_TIMEOUT={timeout:.0f}s: stopping it")
            stop_process(process)

        watchdog = threading.Timer(timeout, on_timeout)
        watchdog.daemon = True
        watchdog.start()
        try:
            for line in process.stdout:
                fh.write(line)
                if verbose or ECHO.search(line):
                    print("  [odoo] " + line.rstrip()[:220], flush=True)
            process.wait()
        finally:
            watchdog.cancel()
            stop_process(process)
    outcome = json.loads(result_file.read_text()) if result_file.exists() else None
    counts, problems, notes = odoo_counts(outcome, odoo_log.read_text(errors="replace"),
                                          strict_log=bool(os.environ.get("RL_STRICT_LOG")))
    if timed_out:
        problems.append(f"timeout after {timeout:.0f}s")
    for note in notes:
        log("note: " + note)
    if problems:
        loud(f"the Odoo suite {database} did not run properly, counted as 1 more failure:")
        for problem in problems:
            print("     " + problem.replace("\n", "\n     "), flush=True)
        counts["failed"] += 1
    if outcome:
        for test in outcome.get("failing_tests", [])[:20]:
            log(f"   failed: {test}")
        for test in outcome.get("skipped_tests", [])[:20]:
            log(f"   skipped: {test}")
        if outcome.get("odoo_summaries"):
            log(f"Odoo {database}: " + outcome["odoo_summaries"][-1])
    counts["problems"] = problems
    counts["notes"] = notes
    return counts


def _free_http_port():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ---------------------------------------------------------------------------
# What was tested
# ---------------------------------------------------------------------------
def _git(*args, raw=False):
    done = subprocess.run(["git", *args], cwd=REPO, capture_output=True)
    if done.returncode != 0:
        return None
    return done.stdout if raw else done.stdout.decode().strip()


def worktree_tree_hash(repo=REPO):
    """The git tree hash of the work tree as tested: tracked and untracked files, .gitignore respected.

    It is the hash ``git add -A && git write-tree`` would print, computed without writing anything
    to the repository; it equals ``HEAD^{tree}`` when the work tree is clean, and the tree of the
    commit that will record exactly these files otherwise.
    """
    listing = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=repo,
                             capture_output=True)
    if listing.returncode != 0:
        return None
    root = {}
    for raw in sorted(set(listing.stdout.split(b"\0")) - {b""}):
        path = Path(repo) / raw.decode()
        if path.is_symlink():
            mode, content = b"120000", os.readlink(path).encode()
        elif path.is_file():
            mode = b"100755" if os.access(path, os.X_OK) else b"100644"
            content = path.read_bytes()
        else:
            continue  # deleted, or a submodule
        node = root
        *folders, name = raw.split(b"/")
        for folder in folders:
            node = node.setdefault(folder, {})
        node[name] = (mode, _git_object(b"blob", content))

    def tree(node):
        entries = []
        for name, value in node.items():
            if isinstance(value, dict):
                entries.append((name + b"/", b"40000 " + name + b"\0" + tree(value)))
            else:
                entries.append((name, value[0] + b" " + name + b"\0" + value[1]))
        return _git_object(b"tree", b"".join(entry for _key, entry in sorted(entries)))

    return tree(root).hex()


def _git_object(kind, content):
    return hashlib.sha1(kind + b" " + str(len(content)).encode() + b"\0" + content).digest()


def git_state():
    head_tree = _git("rev-parse", "HEAD^{tree}")
    status = _git("status", "--porcelain")
    return {
        "git_tree": worktree_tree_hash(),
        "git_head": _git("rev-parse", "HEAD"),
        "git_head_tree": head_tree,
        "work_tree_dirty": bool(status) if status is not None else None,
    }


# ---------------------------------------------------------------------------
def main():
    started = time.time()
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "summary.json").unlink(missing_ok=True)  # an interrupted run leaves no stale summary
    with signals_raise_keyboard_interrupt():
        tools_ok = ensure_dev_tools()
        suites = {"pytest": run_pytest()}
        if not tools_ok:
            suites["pytest"]["notes"] = ["some dev tools could not be installed"]
        odoo, why_not = find_odoo()
        if odoo is not None:
            suites["odoo"] = run_odoo_suite(odoo)
        else:
            loud(f"Odoo 18 not importable: Odoo suite SKIPPED ({why_not}; install Odoo 18 or set ODOO_PATH "
                 "to an Odoo 18 source tree)")
    passed = sum(s["passed"] for s in suites.values())
    failed = sum(s["failed"] + s["errors"] for s in suites.values())
    skipped = sum(s["skipped"] for s in suites.values())
    state = git_state()
    odoo_counts = suites.get("odoo", {})
    summary = {
        **state,
        # The stop checklist reads these two: the tree tested, and the Odoo suite's outcome.
        "tree": state.get("git_tree"),
        "odoo_suite": {
            "ran": odoo is not None,
            "passed": odoo_counts.get("passed", 0),
            "failed": odoo_counts.get("failed", 0) + odoo_counts.get("errors", 0),
            "skipped": odoo_counts.get("skipped", 0),
        },
        "odoo_suite_ran": odoo is not None,
        "odoo_version": odoo.version if odoo else None,
        "odoo_skip_reason": why_not,
        "python": sys.version.split()[0],
        "suites": suites,
        "passed": passed,
        "failed": failed,
        "skipped": skipped,
        "finished_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "duration_seconds": round(time.time() - started, 1),
    }
    (RESULTS / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    for name, counts in suites.items():
        log(f"{name}: {counts['passed']} passed, {counts['failed']} failed, {counts['errors']} error(s), "
            f"{counts['skipped']} skipped")
    if odoo is None:
        log("odoo: SKIPPED (Odoo 18 not importable)")
    log(f"summary: {RESULTS / 'summary.json'}")
    print(f"{passed} passed, {failed} failed", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("!! interrupted: throwaway cluster removed", file=sys.stderr, flush=True)
        sys.exit(130)
