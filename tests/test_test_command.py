"""The test command's own bookkeeping (scripts/run_tests.py): counts, Odoo's log, the tested tree's hash."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

import run_tests

OK_OUTCOME = {
    "tests_run": 10, "failures": 0, "errors": 0, "skipped": 1, "tests_passed": 9, "load_failed": False,
    "load_problems": [], "exit_code": 0, "other_error_count": 0, "other_error_lines": [],
}
ODOO_LINE = "2026-11-25 05:54:44,600 1 {level} rl_test odoo.tests.result: {text} when loading database 'rl_test'\n"


def outcome(**changes):
    return {**OK_OUTCOME, **changes}


def test_junit_counts_each_test_case_once(tmp_path):
    report = tmp_path / "report.xml"
    report.write_text(
        '<testsuites><testsuite name="pytest" tests="5" failures="1" errors="1" skipped="1">'
        '<testcase name="ok"/>'
        '<testcase name="fails"><failure message="x"/></testcase>'
        '<testcase name="teardown"><failure message="x"/><error message="y"/></testcase>'
        '<testcase name="skip"><skipped message="z"/></testcase>'
        '<testcase name="ok2"><system-out>noise</system-out></testcase>'
        "</testsuite></testsuites>"
    )
    assert run_tests.count_junit(report) == {"passed": 2, "failed": 1, "errors": 1, "skipped": 1}


def test_a_clean_odoo_run_counts_what_odoo_counted():
    log = ODOO_LINE.format(level="INFO", text="0 failed, 0 error(s) of 10 tests")
    counts, problems, notes = run_tests.odoo_counts(outcome(), log)
    assert counts == {"passed": 9, "failed": 0, "errors": 0, "skipped": 1, "tests_run": 10}
    assert problems == [] and notes == []


def test_failures_and_errors_are_odoos_numbers():
    log = ODOO_LINE.format(level="ERROR", text="2 failed, 1 error(s) of 10 tests")
    counts, problems, _notes = run_tests.odoo_counts(
        outcome(failures=2, errors=1, tests_passed=6, exit_code=1), log)
    assert (counts["passed"], counts["failed"], counts["errors"], counts["skipped"]) == (6, 2, 1, 1)
    assert problems == []


def test_a_module_that_fails_to_install_is_a_problem_not_a_success():
    failed = outcome(tests_run=0, tests_passed=0, skipped=0, load_failed=True, exit_code=255,
                     load_problems=["odoo.service.server: Failed to initialize database `rl_test`. ParseError: ..."])
    counts, problems, _notes = run_tests.odoo_counts(failed, "")
    assert counts["passed"] == 0
    assert problems == failed["load_problems"]


def test_no_test_at_all_is_a_problem():
    _counts, problems, _notes = run_tests.odoo_counts(outcome(tests_run=0, tests_passed=0, skipped=0), "")
    assert problems and "no Odoo test ran" in problems[0]


def test_a_missing_result_falls_back_to_odoos_log_and_is_a_problem():
    log = ODOO_LINE.format(level="ERROR", text="1 failed, 0 error(s) of 4 tests")
    counts, problems, _notes = run_tests.odoo_counts(None, log)
    assert counts["failed"] == 1 and counts["tests_run"] == 4 and counts["passed"] == 0
    assert problems


def test_a_disagreement_with_odoos_log_keeps_the_larger_numbers():
    log = ODOO_LINE.format(level="ERROR", text="1 failed, 2 error(s) of 10 tests")
    counts, _problems, notes = run_tests.odoo_counts(outcome(exit_code=1), log)
    assert (counts["failed"], counts["errors"]) == (1, 2)
    assert notes


def test_other_error_lines_are_noted_or_counted_in_strict_mode():
    noisy = outcome(other_error_count=2, other_error_lines=["odoo.http: Exception during request", "x"])
    _counts, problems, notes = run_tests.odoo_counts(noisy, "")
    assert problems == [] and "2 ERROR log line(s)" in notes[0]
    _counts, problems, _notes = run_tests.odoo_counts(noisy, "", strict_log=True)
    assert problems


def test_odoos_runner_reports_are_found_in_its_log():
    log = (
        "2026-11-25 05:54:44,600 1 ERROR rl_test odoo.addons.reverse_logistics.tests.test_x: FAIL: TestX.test_a\n"
        "Traceback (most recent call last):\n"
        "2026-11-25 05:54:44,600 1 ERROR rl_test odoo.addons.reverse_logistics.tests.test_x: ERROR: TestX.test_b\n"
        "2026-11-25 05:54:44,600 1 ERROR rl_test odoo.http: Exception during request handling.\n"
        + ODOO_LINE.format(level="ERROR", text="1 failed, 1 error(s) of 2 tests")
    )
    assert run_tests.parse_odoo_log(log) == {"summaries": [(1, 1, 2)], "runner_reports": 2}


@pytest.mark.parametrize("requirement, name", [
    ("pytest", "pytest"), ("python-stdnum>=1.19", "python-stdnum"), ("Websocket_Client", "websocket-client"),
    ("zeep[xmlsec]==4.2.1", "zeep"), ("pylint-odoo ; python_version>'3.9'", "pylint-odoo"),
])
def test_requirement_names_are_normalised(requirement, name):
    assert run_tests.requirement_name(requirement) == name


def test_requirements_dev_lists_the_tools_of_the_suite():
    requirements = run_tests.read_requirements(run_tests.REPO / "requirements-dev.txt")
    names = {run_tests.requirement_name(r) for r in requirements}
    assert {"pytest", "ruff", "pylint-odoo"} <= names
    assert "odoo" not in names, "the test command never installs Odoo"


@pytest.mark.skipif(not shutil.which("git"), reason="git is not installed")
def test_tree_hash_is_the_one_git_would_record(tmp_path):
    def git(*args):
        return subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True, text=True).stdout.strip()

    git("init", "-q")
    (tmp_path / ".gitignore").write_text("ignored/\n")
    (tmp_path / "a.txt").write_text("a\n")
    (tmp_path / "pkg" / "sub").mkdir(parents=True)
    (tmp_path / "pkg" / "sub" / "b.py").write_text("print('b')\n")
    (tmp_path / "pkg-c.txt").write_text("sorts between pkg and pkg/ in git's tree order\n")
    (tmp_path / "run.sh").write_text("#!/bin/sh\n")
    (tmp_path / "run.sh").chmod(0o755)
    (tmp_path / "ignored").mkdir()
    (tmp_path / "ignored" / "x").write_text("not part of the tree\n")
    (tmp_path / "link").symlink_to("a.txt")
    # untracked files count: the hash is the tree that `git add -A` would record
    git("add", "-A")
    expected = git("write-tree")
    git("rm", "-q", "--cached", "a.txt")
    assert run_tests.worktree_tree_hash(tmp_path) == expected


def test_pdf_reports_need_wkhtmltopdf_and_a_font(tmp_path):
    fonts = tmp_path / "fonts"
    (fonts / "truetype" / "dejavu").mkdir(parents=True)
    (fonts / "README").write_text("no font here\n")
    nothing = {}.get
    assert run_tests.pdf_packages_to_install(which=nothing, font_dirs=[fonts]) == ["wkhtmltopdf",
                                                                                  run_tests.PDF_FONT_PACKAGE]
    (fonts / "truetype" / "dejavu" / "DejaVuSans.ttf").write_bytes(b"\0")
    assert run_tests.pdf_packages_to_install(which=nothing, font_dirs=[fonts]) == ["wkhtmltopdf"]
    installed = {"wkhtmltopdf": "/usr/bin/wkhtmltopdf"}.get
    assert run_tests.pdf_packages_to_install(which=installed, font_dirs=[fonts]) == []
    assert run_tests.pdf_packages_to_install(which=installed, font_dirs=[tmp_path / "absent"]) == [
        run_tests.PDF_FONT_PACKAGE]


def test_apt_install_is_not_tried_without_root_or_apt_get(monkeypatch):
    calls = []
    monkeypatch.setattr(run_tests.subprocess, "run", lambda *args, **kwargs: calls.append(args))
    monkeypatch.setattr(run_tests.os, "geteuid", lambda: 1000)
    assert run_tests.apt_install(["wkhtmltopdf"]) is False
    monkeypatch.setattr(run_tests.os, "geteuid", lambda: 0)
    monkeypatch.setattr(run_tests.shutil, "which", lambda name: None)
    assert run_tests.apt_install(["wkhtmltopdf"]) is False
    assert calls == []


def test_apt_install_updates_the_package_lists_and_retries_once(monkeypatch):
    calls = []
    codes = iter([100, 0, 0])

    def run(command, **kwargs):
        calls.append((command[:2], kwargs["env"].get("DEBIAN_FRONTEND")))
        return subprocess.CompletedProcess(command, next(codes))

    monkeypatch.setattr(run_tests.subprocess, "run", run)
    monkeypatch.setattr(run_tests.os, "geteuid", lambda: 0)
    monkeypatch.setattr(run_tests.shutil, "which", lambda name: "/usr/bin/" + name)
    assert run_tests.apt_install(["wkhtmltopdf", "fonts-dejavu-core"]) is True
    assert calls == [(["apt-get", "install"], "noninteractive"), (["apt-get", "update"], "noninteractive"),
                     (["apt-get", "install"], "noninteractive")]
