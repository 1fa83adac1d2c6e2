"""What the oracle tests share: the bench requirement sets, a `mach-nix lock` run, and uv's verdict on it.

The verdict: uv, given the lock's runtime pins as `==` constraints, must accept them and pick exactly
that set of (name, version). This holds however PyPI grows: it checks that our set is *valid*, never
that it equals today's newest releases.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence

from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT.parent / "shared" / "bench"


def bench_sets(bench: Path = BENCH) -> List[str]:
    """Every requirement set under ``bench`` and its subfolders, as 'ds', 'open-world/tail', …"""
    return sorted(str(p.relative_to(bench).with_suffix("")) for p in bench.rglob("*.txt"))


def lock(requirements: Path, options: Sequence[str], out: Path, online: bool = False) -> dict:
    """`mach-nix lock -r requirements` (this checkout's package, runtime dependencies only); fails the
    test with mach-nix's message unless it writes a lock. ``online``: without the MACH_NIX_OFFLINE=1
    that conftest.py sets for every test, so the lock may fetch what the index lacks."""
    assert requirements.exists(), f"{requirements} is missing"
    env = {k: v for k, v in os.environ.items() if not (online and k == "MACH_NIX_OFFLINE")}
    done = subprocess.run([sys.executable, "-m", "mach_nix", "lock", "-q", "-r", str(requirements), *options,
                           "--no-build-deps", "-o", str(out)], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    return json.loads(out.read_text())


def runtime_pins(lock_data: dict) -> Dict[str, str]:
    return {n: p["version"] for n, p in lock_data["packages"].items() if not p.get("build_only")}


def uv_pins(output: str) -> Dict[str, str]:
    """The `name==version` lines of `uv pip compile` output, names normalized (PEP 503)."""
    pins = {}
    for line in output.splitlines():
        m = re.match(r"^([A-Za-z0-9._-]+)==(\S+)", line.strip())
        if m:
            pins[re.sub(r"[-_.]+", "-", m.group(1)).lower()] = m.group(2)
    return pins


def assert_uv_agrees(requirements: Path, lock_data: dict, uv_options: Sequence[str], tmp_path: Path,
                     uv_env: Optional[Mapping[str, str]] = None) -> None:
    """uv compiles ``requirements`` with the lock's runtime pins as == constraints: it must succeed and
    pick exactly those (name, version) pairs."""
    assert shutil.which("uv"), "uv is needed for the oracle test (pip install uv)"
    ours = runtime_pins(lock_data)
    constraints = tmp_path / "constraints.txt"
    constraints.write_text("".join(f"{n}=={v}\n" for n, v in sorted(ours.items())))
    uv = subprocess.run(["uv", "pip", "compile", str(requirements), "-c", str(constraints), *uv_options,
                         "--no-header", "--no-annotate"], capture_output=True, text=True,
                        env={**os.environ, **(uv_env or {})})
    assert uv.returncode == 0, f"uv rejects our pins:\n{uv.stderr}"
    theirs = uv_pins(uv.stdout)
    assert set(theirs) == set(ours), (f"missing in ours: {sorted(set(theirs) - set(ours))}; "
                                      f"extra in ours: {sorted(set(ours) - set(theirs))}")
    assert all(Version(theirs[n]) == Version(v) for n, v in ours.items())
