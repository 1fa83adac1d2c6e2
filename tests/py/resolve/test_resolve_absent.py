"""An absent project is reported with every other absent project the requirements reach, so that
one run names them all (exit 1), each with the chain that needs it and the command that adds them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

INDEX = str(Path(__file__).resolve().parents[2] / "data" / "index-small")


def lock(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mach_nix", "lock", "--index", INDEX, "-o", "x.json", *args],
                          cwd=cwd, capture_output=True, text=True, timeout=300)


def test_every_absent_project_is_named_at_once(tmp_path):
    done = lock("broken-dep", "surely-absent", "requests", cwd=tmp_path)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert lines[0].startswith("error: 2 projects are not in the index at ")
    assert "  'does-not-exist', required by: command line, line 1: broken-dep → broken-dep 1.0 requires does-not-exist>=1" in lines
    assert "  'surely-absent', required by: command line, line 2: surely-absent" in lines
    # the tests run --offline (conftest): both ways out are named, fetching and a local layer
    assert "Lock once without --offline to fetch them from https://pypi.org/simple" in lines[-1]
    assert "`mach-nix index add does-not-exist surely-absent --closure --out DIR`" in lines[-1]
    assert not (tmp_path / "x.json").exists()


def test_a_single_absent_project_keeps_the_short_message(tmp_path):
    done = lock("requests", "reqests", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr.startswith("error: 'reqests' is not in the index")
    assert "Did you mean 'requests'?" in done.stderr
