"""Oracle: uv, given our lock's pins as == constraints, must accept them and pick exactly our set.

Runs against the embedded index (data/) and PyPI; a set the index cannot lock fails the test.
What this proves: our set is *valid* (every requirement and marker holds, and nothing is missing or
extra). It cannot prove our versions are the *newest*: once uv accepts the `==` pins, the version
comparison below can only agree. That is checked offline in test_resolve_newest.py, against uv's
own choice recorded when the index was built.
Targets: CPython 3.11.0 (uv's reading of --python-version 3.11) on x86_64 manylinux_2_28, and
CPython 3.12.0 on Apple silicon with macOS 11.3 (uv told so via MACOSX_DEPLOYMENT_TARGET).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT.parent / "shared" / "bench"
# conflicts/fastapi-pydantic1: the newest releases of fastapi[all] all need pydantic 2; uv takes 0.99.1 too.
# The other conflict sets need releases the index does not hold (test_resolve_bounded.py checks their messages).
SETS = ["airflow", "ds", "ml", "web", "conflicts/fastapi-pydantic1"]
TARGETS = {
    # name: (our options, uv options, extra environment for uv)
    "linux": (["--python", "3.11.0", "--glibc", "2.28"],
              ["--python-version", "3.11", "--python-platform", "x86_64-manylinux_2_28"], {}),
    "darwin": (["--python", "3.12.0", "--system", "aarch64-darwin", "--macos", "11.3"],
               ["--python-version", "3.12", "--python-platform", "aarch64-apple-darwin"],
               {"MACOSX_DEPLOYMENT_TARGET": "11.3"}),
}


def _uv_pins(output: str) -> dict:
    pins = {}
    for line in output.splitlines():
        m = re.match(r"^([A-Za-z0-9._-]+)==(\S+)", line.strip())
        if m:
            pins[re.sub(r"[-_.]+", "-", m.group(1)).lower()] = m.group(2)
    return pins


@pytest.mark.network
@pytest.mark.parametrize("target", sorted(TARGETS))
@pytest.mark.parametrize("name", SETS)
def test_uv_agrees_with_our_lock(name, target, tmp_path):
    ours_opts, uv_opts, uv_env = TARGETS[target]
    requirements = BENCH / f"{name}.txt"
    assert requirements.exists(), f"{requirements} is missing"
    assert shutil.which("uv"), "uv is needed for the oracle test (pip install uv)"
    lock_path = tmp_path / "lock.json"
    done = subprocess.run([sys.executable, "-m", "mach_nix", "lock", "-q", "-r", str(requirements), *ours_opts,
                           "--no-build-deps", "-o", str(lock_path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    lock = json.loads(lock_path.read_text())
    ours = {n: p["version"] for n, p in lock["packages"].items() if not p.get("build_only")}
    constraints = tmp_path / "constraints.txt"
    constraints.write_text("".join(f"{n}=={v}\n" for n, v in sorted(ours.items())))
    uv = subprocess.run(["uv", "pip", "compile", str(requirements), "-c", str(constraints), *uv_opts, "--no-header",
                         "--no-annotate"], capture_output=True, text=True, env={**os.environ, **uv_env})
    assert uv.returncode == 0, f"uv rejects our pins:\n{uv.stderr}"
    theirs = _uv_pins(uv.stdout)
    assert set(theirs) == set(ours), (f"missing in ours: {sorted(set(theirs) - set(ours))}; "
                                      f"extra in ours: {sorted(set(ours) - set(theirs))}")
    assert all(Version(theirs[n]) == Version(v) for n, v in ours.items())
