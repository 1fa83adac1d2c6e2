"""Offline: our lock of a bench set is uv's free choice over the same releases.

tests/data/bench-pins/ records what uv picked for each set when the index was built, with PyPI cut
at the index's creation time (scripts/record-bench-pins.py). The oracle test (test_resolve_oracle.py)
gives uv our pins as `==` constraints and so proves our set is *valid*; this one proves it is the
*newest*: resolving on its own, uv chose exactly our versions.

`airflow` is left out on purpose: it needs backtracking, and there uv and mach-nix break the tie
differently (uv keeps openai 3 and steps back apache-airflow-providers-google; we keep the provider
and step back openai), both valid by the oracle. Neither set is newer in every package.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from packaging.version import Version

from mach_nix.cli import main

ROOT = Path(__file__).resolve().parents[3]
BENCH = ROOT / "tests" / "data" / "requirements" / "sets"  # the sets tests/data/bench-pins records
PINS = ROOT / "tests" / "data" / "bench-pins"


def recorded(name: str) -> dict:
    lines = (PINS / f"{name}.txt").read_text().splitlines()
    return dict(line.split("==") for line in lines if line and not line.startswith("#"))


@pytest.mark.parametrize("name", ["ds", "ml", "web"])
def test_lock_equals_uvs_free_choice(name, tmp_path):
    out = tmp_path / "lock.json"
    # the record's target: uv's --python-version 3.11 is 3.11.0, --python-platform x86_64-manylinux_2_28
    assert main(["lock", "-q", "-r", str(BENCH / f"{name}.txt"), "--python", "3.11.0", "--glibc", "2.28",
                 "--no-build-deps", "-o", str(out)]) == 0
    ours = {n: p["version"] for n, p in json.loads(out.read_text())["packages"].items()}
    theirs = recorded(name)
    assert sorted(ours) == sorted(theirs)
    assert {n: v for n, v in ours.items() if Version(v) != Version(theirs[n])} == {}
