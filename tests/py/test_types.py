"""The type checker over py/mach_nix (mypy, configured in py/pyproject.toml): no error beyond the
baseline, and no baseline entry that no longer occurs, so the baseline only shrinks.

The baseline (tests/data/mypy-baseline.txt) keys each error by file, code and message, without its
line number: an edit elsewhere in the file does not churn it. An error that occurs twice in a file is
listed twice. When this test fails because an entry is gone, delete that line; when it fails on a
new error, fix the error (an entry is only for code being restructured elsewhere, with its owner).
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import List

ROOT = Path(__file__).resolve().parents[2]
BASELINE = ROOT / "tests" / "data" / "mypy-baseline.txt"
# mypy's error line: "mach_nix/lock.py:53: error: Value of ...  [typeddict-item]"
_ERROR = re.compile(r"^(?P<path>[^:\s]+):\d+(?::\d+)?: error: (?P<message>.*)$")


def error_key(line: str) -> str:
    """An error line without its line number (nor the line numbers inside its message).

    Example: ``error_key("a.py:3: error: Name \\"x\\" already defined on line 1  [no-redef]")
    == 'a.py: error: Name "x" already defined  [no-redef]'``
    """
    m = _ERROR.match(line)
    assert m is not None, line
    message = re.sub(r" on line \d+", "", m.group("message"))
    return f"{m.group('path')}: error: {message}"


def baseline_keys(text: str) -> List[str]:
    """The entries of a baseline file: every line but blank ones and ``#`` comments."""
    return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]


def mypy_keys(cache_dir: Path) -> List[str]:
    """The keys of every error mypy reports over py/mach_nix today; any other output fails."""
    out = subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", str(cache_dir), "--no-error-summary",
                          "--hide-error-context", "--no-pretty"],
                         cwd=ROOT / "py", capture_output=True, text=True)
    assert out.returncode in (0, 1) and not out.stderr.strip(), f"mypy did not run:\n{out.stdout}\n{out.stderr}"
    lines = [line for line in out.stdout.splitlines() if ": note: " not in line]
    unexpected = [line for line in lines if not _ERROR.match(line)]
    assert not unexpected, "mypy reported something other than errors (its configuration?):\n" + "\n".join(unexpected)
    return [error_key(line) for line in lines]


def test_error_key_drops_line_numbers() -> None:
    assert error_key('mach_nix/a.py:12: error: Name "x" already defined on line 3  [no-redef]') == \
        'mach_nix/a.py: error: Name "x" already defined  [no-redef]'
    assert error_key("mach_nix/a.py:12:5: error: Bad  [misc]") == "mach_nix/a.py: error: Bad  [misc]"


def test_baseline_keys_skip_comments_and_blank_lines() -> None:
    assert baseline_keys("# owner: index/\n\na.py: error: x  [misc]\na.py: error: x  [misc]\n") == \
        ["a.py: error: x  [misc]", "a.py: error: x  [misc]"]


def test_mypy_finds_nothing_beyond_the_baseline(tmp_path: Path) -> None:
    current = Counter(mypy_keys(tmp_path / "mypy-cache"))
    baseline = Counter(baseline_keys(BASELINE.read_text()))
    new = sorted((current - baseline).elements())
    gone = sorted((baseline - current).elements())
    report = (["mypy errors not in tests/data/mypy-baseline.txt (fix them):"] + new if new else []) + \
        (["baseline entries that no longer occur (delete them from tests/data/mypy-baseline.txt):"] + gone
         if gone else [])
    assert not report, "\n".join(report)
