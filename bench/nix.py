#!/usr/bin/env python3
"""Nix library benchmark: evaluation + instantiation time of `mkPython` for a requirement set.

Usage: python3 bench/nix.py [--set ../shared/bench/ds.txt] [--pypi-data data] [--runs 3] [--nixpkgs DIR] [--json OUT]

Measures, on the nixpkgs given (default: tests/nixpkgs-shim, the only one on this machine):
* cli_lock: `mach-nix lock` of the set on the JSON index (the CLI, outside Nix);
* index_pack: `mach-nix index pack` of the index (what the `index` derivation runs once);
* lockfile: `nix-instantiate` of `mkPython { lockFile }` — goal ≤ 2 s;
* ifd: `nix-instantiate` of `mkPython { requirements }` with the packed index and the CLI already in
  the store (a fresh comment line per run makes the resolution derivation new, so each run resolves)
  — goal ≤ 2 × (cli_lock + index_pack).
Each figure is the median of --runs runs, in seconds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Dict, List

ROOT = Path(__file__).resolve().parents[1]
TARGET = ["--python", "3.11.2", "--system", "x86_64-linux", "--glibc", "2.36"]  # the shim's interpreter


def timed(fn: Callable[[], None], runs: int) -> Dict[str, float]:
    times: List[float] = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return {"median_s": round(statistics.median(times), 3), "min_s": round(min(times), 3), "runs": runs}


def run(cmd: List[str]) -> str:
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"bench/nix.py: {' '.join(cmd[:3])} … failed:\n{proc.stderr[-3000:]}")
    return proc.stdout


def machnix_expr(nixpkgs: Path, pypi_data: Path) -> str:
    return f"(import {ROOT} {{ pkgs = import {nixpkgs} {{ }}; pypiData = {pypi_data}; }})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", type=Path, default=ROOT.parent / "shared" / "bench" / "ds.txt")
    ap.add_argument("--pypi-data", type=Path, default=ROOT / "data")
    ap.add_argument("--nixpkgs", type=Path, default=ROOT / "tests" / "nixpkgs-shim")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = ap.parse_args()
    data, reqs = args.pypi_data.resolve(), args.set.resolve()
    if not (data / "metadata.json").exists():
        sys.exit(f"bench/nix.py: {data} has no index (metadata.json); crawl one or pass --pypi-data DIR")
    results: Dict[str, object] = {"set": str(args.set), "pypi_data": str(args.pypi_data), "nixpkgs": str(args.nixpkgs)}
    with tempfile.TemporaryDirectory() as tmp:
        lock = Path(tmp) / "lock.json"
        cli = [sys.executable, "-m", "mach_nix"]
        results["cli_lock"] = timed(lambda: run(cli + ["lock", "-r", str(reqs), "--index", str(data), *TARGET, "-q", "-o", str(lock)]), args.runs)
        results["index_pack"] = timed(lambda: run(cli + ["index", "pack", str(data), str(Path(tmp) / f"idx{time.time_ns()}")]), args.runs)
        m = machnix_expr(args.nixpkgs.resolve(), data)
        results["lockfile"] = timed(lambda: run(["nix-instantiate", "--expr", f"{m}.mkPython {{ lockFile = {lock}; }}"]), args.runs)
        text = reqs.read_text()
        # Warm-up: build the CLI and the packed index once (cached in the store afterwards).
        run(["nix-instantiate", "--read-write-mode", "--eval", "--expr", f"{m}.index.outPath"])
        run(["nix-build", "--no-out-link", "--expr", f"{m}.index"])

        def ifd() -> None:
            nonce = f"{text}\n# bench {time.time_ns()}\n"
            run(["nix-instantiate", "--expr", f"{m}.mkPython {{ requirements = {json.dumps(nonce)}; }}"])

        results["ifd"] = timed(ifd, args.runs)
    budget = 2 * (results["cli_lock"]["median_s"] + results["index_pack"]["median_s"])  # type: ignore[index]
    results["goals"] = {
        "lockfile_le_2s": results["lockfile"]["median_s"] <= 2.0,  # type: ignore[index]
        "ifd_le_2x_cli_plus_pack": results["ifd"]["median_s"] <= budget,  # type: ignore[index]
        "ifd_budget_s": round(budget, 3),
    }
    out = json.dumps(results, indent=2)
    print(out)
    if args.json:
        args.json.write_text(out + "\n")


if __name__ == "__main__":
    main()
