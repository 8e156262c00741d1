"""bench/README.md stays true to the benchmarks: every figure names the commit it was measured on, and
every phase a table shows is a phase its script measures (a renamed or removed phase leaves a stale
table behind, which this catches)."""

import re
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "bench"
README = (BENCH / "README.md").read_text(encoding="utf-8")
SECTIONS = dict(re.findall(r"^## (bench_\w+\.py)[^\n]*\n(.*?)(?=^## |\Z)", README, flags=re.M | re.S))
FIGURE_HEADING = re.compile(r"^### ((?:Figures|Re-measured)[^\n]*)$", re.M)
COMMIT = re.compile(r"\bcommit ([0-9a-f]{7,40})\b")
# What each script measures: the names of its Phase(...) blocks.
PHASE_BLOCK = re.compile(r"\b\w*Phase\(env, \"([^\"]+)\"")


def _phases(script):
    return set(PHASE_BLOCK.findall((BENCH / script).read_text(encoding="utf-8")))


def _tables(section):
    """(heading, rows) of each figures table of a section; rows are lists of cells."""
    tables = []
    for match in FIGURE_HEADING.finditer(section):
        body = section[match.end():]
        following = FIGURE_HEADING.search(body)
        body = body[: following.start()] if following else body
        rows = [[cell.strip() for cell in line.strip().strip("|").split("|")]
                for line in body.splitlines() if line.strip().startswith("|")]
        tables.append((match.group(1), rows))
    return tables


def test_every_script_has_its_section_and_every_section_its_script():
    scripts = {path.name for path in BENCH.glob("bench_*.py")}
    assert set(SECTIONS) == scripts


@pytest.mark.parametrize("script", sorted(SECTIONS))
def test_every_figure_names_the_commit_it_was_measured_on(script):
    headings = FIGURE_HEADING.findall(SECTIONS[script])
    assert headings, f"{script}: no figures"
    for heading in headings:
        commit = COMMIT.search(heading)
        assert commit, f"{script}: '{heading}' does not name the commit it was measured on"
        if (REPO / ".git").exists():
            # In the history of HEAD, not merely an object of this clone: a commit of a branch that was
            # cherry-picked (a new hash) and deleted stays in a local copy, but not in anyone else's clone.
            known = subprocess.run(["git", "-C", str(REPO), "merge-base", "--is-ancestor", commit.group(1), "HEAD"],
                                   capture_output=True, check=False)
            assert known.returncode == 0, f"{script}: commit {commit.group(1)} is not in the history of HEAD"


@pytest.mark.parametrize("script", sorted(name for name in SECTIONS if _phases(name)))
def test_the_phases_of_every_table_are_the_phases_the_script_measures(script):
    measured = _phases(script)
    for heading, rows in _tables(SECTIONS[script]):
        if not rows or "phase" not in [cell.lower() for cell in rows[0]]:
            continue
        column = [cell.lower() for cell in rows[0]].index("phase")
        for row in rows[2:]:  # header, separator
            phase = re.sub(r"\*\*|\(.*?\)", "", row[column]).strip()
            assert phase == "total" or phase in measured, (
                f"{script}, '{heading}': phase '{row[column]}' is not measured by the script "
                f"(it measures {sorted(measured)}): re-measure and replace the table"
            )


@pytest.mark.skipif(not (REPO / ".git").exists(), reason="not a git checkout (an exported tree has no history)")
@pytest.mark.parametrize("document", ["README.md", "bench/README.md"])
def test_every_commit_a_readme_names_is_in_the_history(document):
    text = (REPO / document).read_text(encoding="utf-8")
    named = set(re.findall(r"\b(?:commit|at) ([0-9a-f]{7,40})\b", text))
    assert named, f"{document} names no commit: its figures would say nothing of when they were measured"
    missing = [commit for commit in sorted(named)
               if subprocess.run(["git", "-C", str(REPO), "merge-base", "--is-ancestor", commit, "HEAD"],
                                 capture_output=True, check=False).returncode != 0]
    assert not missing, f"{document} names commits that are not in the history of HEAD: {missing}"
