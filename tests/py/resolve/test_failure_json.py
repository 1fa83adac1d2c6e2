"""A failed lock as data (issue 21, point 4): `mach-nix lock --failure-json FILE` writes the error's
paragraph and its structured form (kind, absent projects and releases, conflicting requirements,
suggested commands), which the Nix library reads instead of parsing the English (lib/resolve.nix)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

INDEX = str(Path(__file__).resolve().parents[2] / "data" / "index-small")


def failed_lock(*requirements: str, cwd: Path) -> dict:
    out = cwd / "failure.json"
    done = subprocess.run([sys.executable, "-m", "mach_nix", "lock", "-q", "--index", INDEX, "-o", "x.json",
                           "--no-build-deps", "--failure-json", str(out), *requirements],
                          cwd=cwd, capture_output=True, text=True, timeout=300)
    assert done.returncode in (1, 2) and "Traceback" not in done.stderr, done.stderr
    doc = json.loads(out.read_text())
    assert done.stderr == f"error: {doc['error']}\n"  # the same paragraph as on stderr
    return doc


def test_absent_projects_are_listed_with_the_command_that_adds_them(tmp_path):
    doc = failed_lock("broken-dep", "surely-absent", "requests", cwd=tmp_path)
    assert doc["failure"] == {"kind": "absent", "absent_projects": ["does-not-exist", "surely-absent"],
                              "absent_releases": [], "conflicts": [],
                              "commands": ["mach-nix index add does-not-exist surely-absent --closure --out DIR"]}


def test_an_absent_release_is_not_an_absent_project(tmp_path):
    doc = failed_lock("six==1.15.0", cwd=tmp_path)  # the layer holds 1.16.0 only
    failure = doc["failure"]
    assert failure["kind"] == "absent" and failure["absent_projects"] == []
    assert failure["absent_releases"] == ["six==1.15.0"]
    assert failure["commands"] == ["mach-nix index add 'six==1.15.0' --closure --out DIR"]


def test_a_conflict_names_the_requirements_per_project(tmp_path):
    doc = failed_lock("requests==2.32.3", "requests==2.31.0", cwd=tmp_path)
    assert doc["failure"]["kind"] == "conflict" and doc["failure"]["absent_projects"] == []
    assert doc["failure"]["conflicts"] == [{"project": "requests", "requirements": [
        "command line, line 1: requests==2.32.3", "command line, line 2: requests==2.31.0"]}]


def test_a_lock_that_succeeds_writes_no_failure(tmp_path):
    done = subprocess.run([sys.executable, "-m", "mach_nix", "lock", "-q", "--index", INDEX, "-o", "x.json",
                           "--no-build-deps", "--failure-json", "failure.json", "six"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "failure.json").exists()
