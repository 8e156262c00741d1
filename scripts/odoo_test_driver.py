"""Run Odoo's server command and write the test counts of its runner to a JSON file.

Usage: python odoo_test_driver.py RESULT.json -- <odoo server arguments>

The counts come from the registry's own test report (tests run, failures, errors,
skipped), not from the log; a database that cannot be initialised (a module that fails to
install) counts as one failure.
"""

import json
import logging
import sys


class _ErrorCounter(logging.Handler):
    """Keeps error lines, and notices data that failed to load (Odoo only warns when demo data fails)."""

    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.records = []
        self.data_failed = False

    def emit(self, record):
        message = record.getMessage()
        if record.levelno >= logging.ERROR:
            self.records.append(f"{record.name}: {message[:300]}")
        elif "failed to install" in message:
            self.data_failed = True
            self.records.append(f"{record.name}: {message[:300]}")


def main():
    result_path = sys.argv[1]
    args = sys.argv[sys.argv.index("--") + 1:]
    import odoo
    from odoo.modules.registry import Registry
    from odoo.service import server

    outcome = {"install_failed": False, "tests_run": 0, "failures": 0, "errors": 0, "skipped": 0}
    original = server.preload_registries

    def preload_and_count(dbnames):
        rc = original(dbnames)
        if rc == -1:
            outcome["install_failed"] = True
        for dbname in dbnames:
            registry = Registry.registries.get(dbname) if hasattr(Registry.registries, "get") else None
            report = getattr(registry, "_assertion_report", None)
            if report is None:
                outcome["install_failed"] = True
                continue
            outcome["tests_run"] += report.testsRun
            outcome["failures"] += report.failures_count
            outcome["errors"] += report.errors_count
            outcome["skipped"] += report.skipped
        return rc

    server.preload_registries = preload_and_count
    counter = _ErrorCounter()
    logging.getLogger().addHandler(counter)
    rc = 0
    try:
        odoo.cli.server.main(args)
    except SystemExit as exit_:
        rc = exit_.code or 0
    outcome["exit_code"] = rc
    if counter.data_failed:
        outcome["install_failed"] = True
    outcome["error_log_lines"] = counter.records[-50:]
    with open(result_path, "w") as fh:
        json.dump(outcome, fh, indent=2)
    sys.exit(0)


if __name__ == "__main__":
    main()
