"""The re-lock command Nix prints for a lock of another target reproduces the lock's inputs.

A lock made with `-r`, `-c`, `--providers` and `--pre` for CPython 3.12 is given to mkPython on the
stand-in (CPython 3.11); Nix refuses it and prints a `mach-nix lock …` command. Run as printed, that
command must give a lock with the same inputs, for the interpreter Nix asked for.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
INDEX = ROOT / "tests" / "data" / "index-small"
COMMON = f"with import {ROOT / 'tests' / 'nix' / 'common.nix'} {{ }}; "

pytestmark = [pytest.mark.nix]


def cli(args: list, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mach_nix", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


def test_relock_command_repeats_constraints_providers_and_pre(tmp_path):
    (tmp_path / "requirements.txt").write_text("requests\n")
    (tmp_path / "constraints.txt").write_text("idna<3.8\n")
    made = cli(["lock", "-q", "--index", str(INDEX), "-r", "requirements.txt", "-c", "constraints.txt",
                "--providers", "_default=wheel,sdist", "--pre", "six", "--python", "3.12", "-o", "app.lock.json"],
               tmp_path)
    assert made.returncode == 0, made.stderr
    expr = COMMON + f"(machNix.mkPython {{ lockFile = {tmp_path / 'app.lock.json'}; }}).drvPath"
    refused = subprocess.run(["nix-instantiate", "--eval", "--strict", "--expr", expr], cwd=ROOT,
                             capture_output=True, text=True, timeout=600)
    assert refused.returncode != 0
    match = re.search(r"Re-lock it for this interpreter and platform with:\s*\n\s*(mach-nix lock [^\n]*)", refused.stderr)
    assert match, refused.stderr[-2000:]
    command = shlex.split(match.group(1).strip().rstrip("'\""))
    assert command[:2] == ["mach-nix", "lock"]
    assert command[2:10] == ["-r", "requirements.txt", "-c", "constraints.txt", "--providers",
                             "_default=wheel,sdist", "--pre", "six"]
    assert command[-2:] == ["-o", "app.lock.json"]
    again = cli([*command[1:], "--index", str(INDEX)], tmp_path)
    assert again.returncode == 0, again.stderr
    new = json.loads((tmp_path / "app.lock.json").read_text())
    assert new["target"]["python"] == "3.11"
    assert new["inputs"]["arguments"] == command[2:10]
    assert [(f["path"], f["kind"]) for f in new["inputs"]["files"]] == [("requirements.txt", "requirements"),
                                                                        ("constraints.txt", "constraints")]
    assert new["packages"]["idna"]["version"] == "3.7"  # the constraint still applies
