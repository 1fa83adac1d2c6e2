"""The real CLI run in a subprocess against a loopback simple API (:class:`FakePyPI`): a lock, its
pins, and an index layer built from it. Shared by the on-demand and newest-fitting tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

from faults.fakepypi import FakePyPI


def lock(args: List[str], *, cache: Path, server: FakePyPI = None, offline: bool = False, cwd: Path,
         stats: Path = None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop("MACH_NIX_OFFLINE", None)
    if stats is not None:
        env["MACH_NIX_STATS"] = str(stats)
    cmd = [sys.executable, "-m", "mach_nix", "lock", "--cache-dir", str(cache), "-q"]
    if server is not None:
        cmd += ["--index-url", server.base + "/simple"]
    if offline:
        cmd.append("--offline")
    return subprocess.run(cmd + args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def pins(path: Path) -> Dict[str, str]:
    return {n: e["version"] for n, e in json.loads(path.read_text())["packages"].items()}


def build_layer(server: FakePyPI, out: Path, *packages: str) -> None:
    done = subprocess.run([sys.executable, "-m", "mach_nix", "index", "build", "--index-url", server.base + "/simple",
                           "--quiet",
                           "--since", "2030-01-01", "--series-since", "2030-01-01", "--packages", *packages,
                           "--out", str(out)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
