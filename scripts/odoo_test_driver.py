"""Run Odoo's server command (as ``odoo-bin`` does) and write what its test runner counted to a JSON file.

Usage: python odoo_test_driver.py RESULT.json -- <odoo server arguments>

The counts are Odoo's own: the registry's test report (``registry._assertion_report``, an
``odoo.tests.result.OdooTestResult``) after ``preload_registries``, i.e. the numbers of Odoo's
line "N failed, M error(s) of K tests when loading database". On top of them the driver records:

- per test, whether it ended with a failure, an error or a skip, so that "passed" counts the
  tests that ran and ended well (Odoo's totals mix subtest failures and class-level errors);
- a database that could not be loaded (a module failing to install: Odoo logs "Failed to
  initialize database" and ``preload_registries`` returns -1), demo data that failed to install
  (Odoo only warns and goes on without demo data), or Odoo stopping before loading anything:
  ``load_failed`` with the reasons;
- ERROR/CRITICAL log lines that are not the runner's own FAIL/ERROR reports (Odoo does not count
  them; the test command reports them and can count them with RL_STRICT_LOG=1).
"""

import json
import logging
import sys
import traceback

RUNNER_SUMMARY = "%s when loading database %r"
RUNNER_REPORT = "%s: %s\n%s"  # OdooTestResult.logError: FAIL/ERROR: Class.test\n<traceback>
RUNNER_LINES = ("At least one test failed when loading the modules.", "Test suite halted: max failed tests")


class LogWatcher(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.INFO)
        self.runner_reports = 0
        self.odoo_summaries = []
        self.load_problems = []
        self.other_errors = []

    def emit(self, record):
        if record.levelno < logging.WARNING:  # INFO: only Odoo's summary line matters (logged at INFO on success)
            if record.msg == RUNNER_SUMMARY:
                self.odoo_summaries.append(record.getMessage())
            return
        try:
            message = record.getMessage()
        except Exception:
            message = str(record.msg)
        first_line = f"{record.name}: {message.splitlines()[0][:300] if message else ''}"
        exc = record.exc_info[1] if record.exc_info else None
        cause = f" -- {type(exc).__name__}: {str(exc)[:600]}" if exc else ""
        if record.msg == RUNNER_SUMMARY:
            self.odoo_summaries.append(message)
        elif record.levelno < logging.ERROR:
            if "demo data failed to install" in message:
                self.load_problems.append(first_line + cause)
        elif record.msg == RUNNER_REPORT and record.args and record.args[0] in ("FAIL", "ERROR"):
            self.runner_reports += 1
        elif any(str(record.msg).startswith(line) for line in RUNNER_LINES):
            pass
        elif "Failed to initialize database" in message:
            self.load_problems.append(first_line + cause)
        else:
            self.other_errors.append((record.name, first_line))


def main():
    result_path = sys.argv[1]
    args = sys.argv[sys.argv.index("--") + 1:]

    import odoo
    from odoo.modules.registry import Registry
    from odoo.service import server
    from odoo.tests import result as test_result

    outcome = {
        "odoo_version": odoo.release.version,
        "preload_called": False,
        "preload_rc": None,
        "tests_run": 0,
        "failures": 0,
        "errors": 0,
        "skipped": 0,
        "tests_started": 0,
        "tests_ended_badly": 0,
    }
    per_test = {}  # test id -> set of bad outcomes ("failure", "error", "skip")
    started = set()  # ids of the tests that ran (a retried test counts once)

    def test_id(test):
        case = getattr(test, "test_case", None)  # subtests count for their test
        return (case or test).id()

    def track(method, kind):
        original = getattr(test_result.OdooTestResult, method)

        def wrapper(self, test, *rest):
            if kind == "start":
                started.add(test_id(test))
            elif not (kind in ("failure", "error") and self._soft_fail):  # soft failures are retried by Odoo
                per_test.setdefault(test_id(test), set()).add(kind)
            return original(self, test, *rest)

        setattr(test_result.OdooTestResult, method, wrapper)

    for method, kind in (("startTest", "start"), ("addFailure", "failure"), ("addError", "error"),
                         ("addSkip", "skip")):
        track(method, kind)
    original_preload = server.preload_registries

    def preload_and_count(dbnames):
        outcome["preload_called"] = True
        rc = original_preload(dbnames)
        outcome["preload_rc"] = rc
        for dbname in dbnames or []:
            registry = Registry.registries.get(dbname)
            report = getattr(registry, "_assertion_report", None)
            if report is None:
                continue
            outcome["tests_run"] += report.testsRun
            outcome["failures"] += report.failures_count
            outcome["errors"] += report.errors_count
            outcome["skipped"] += report.skipped
        return rc

    server.preload_registries = preload_and_count
    watcher = LogWatcher()
    logging.getLogger().addHandler(watcher)
    exit_code = 0
    crash = None
    try:
        odoo.cli.server.main(args)
    except SystemExit as exit_:
        exit_code = exit_.code if isinstance(exit_.code, int) else (1 if exit_.code else 0)
    except BaseException as error:
        crash = "".join(traceback.format_exception(error))
        exit_code = 1
    outcome["exit_code"] = exit_code
    outcome["tests_started"] = len(started)
    outcome["tests_ended_badly"] = sum(1 for tid in started if per_test.get(tid))
    outcome["tests_passed"] = len(started) - outcome["tests_ended_badly"]
    failing = tuple(sorted(tid for tid, kinds in per_test.items() if kinds & {"failure", "error"}))
    outcome["failing_tests"] = list(failing[:100])
    outcome["skipped_tests"] = sorted(tid for tid, kinds in per_test.items() if kinds == {"skip"})[:100]

    problems = list(watcher.load_problems)
    if crash:
        problems.append("Odoo crashed: " + crash.strip().splitlines()[-1])
    if not outcome["preload_called"] and not crash:
        problems.append(f"Odoo stopped before loading the database (exit code {exit_code}): see the log")
    elif outcome["preload_rc"] == -1 and not any("Failed to initialize database" in p for p in problems):
        problems.append("Odoo could not load the database (preload_registries returned -1)")
    outcome["load_problems"] = problems
    outcome["load_failed"] = bool(problems)
    outcome["runner_reports"] = watcher.runner_reports
    outcome["odoo_summaries"] = watcher.odoo_summaries
    # a failing test's own logger (e.g. its browser: "<test id>.browser") explains that failure: not "other"
    others = [line for name, line in watcher.other_errors if not (failing and name.startswith(failing))]
    outcome["other_error_lines"] = others[:200]
    outcome["other_error_count"] = len(others)
    if crash:
        outcome["crash"] = crash[-5000:]
    with open(result_path, "w") as fh:
        json.dump(outcome, fh, indent=2)
    if crash:
        print(crash, file=sys.stderr)
    sys.exit(exit_code)


if __name__ == "__main__":
    main()
