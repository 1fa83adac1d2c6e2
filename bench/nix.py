#!/usr/bin/env python3
"""Nix library benchmark: evaluation + instantiation time of `mkPython` for a requirement set.

Usage: python3 bench/nix.py [--set ../shared/bench/ds.txt] [--pypi-data data] [--runs 3] [--nixpkgs DIR] [--json OUT]

Measures, on the nixpkgs given (default: tests/nixpkgs-shim, the only one on this machine):
* cli_lock: `mach-nix lock` of the set on the JSON index (the CLI, outside Nix);
* index_pack: `mach-nix index pack` of the index (what the `index` derivation runs once);
* lockfile: `nix-instantiate` of `mkPython { lockFile }` — goal ≤ 2 s;
* ifd: `nix-instantiate` of `mkPython { requirements }` with the packed index and the CLI already in
  the store (a fresh comment line per run makes the resolution derivation new, so each run resolves)
  — goal ≤ 2 × (cli_lock + index_pack);
* nixpkgs_map: evaluation of lib/'s nixpkgs package map (`--nixpkgs-json`) of the set, plus the
  set grown with N synthetic buildPythonPackage attributes (and N/10 throwing aliases), N in
  --map-sizes (default 0,1000,7000: nixpkgs has about 7,000 Python attributes), and the largest
  set filtered to an index that knows 1,000 of its names (what lib/ does); seconds and peak MB.
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


MAP_EXPR = """
let
  pkgs = import NIXPKGS { };
  lib = pkgs.lib;
  r = import ROOT/lib/resolve.nix { inherit lib pkgs; };
  fake = i: { buildPythonPackage, fetchurl, requests, urllib3 }: buildPythonPackage {
    pname = "Fake_Pkg.${toString i}"; version = "1.${toString i}";
    src = fetchurl { url = "https://example.org/f${toString i}.tar.gz"; sha256 = "0000000000000000000000000000000000000000000000000000"; };
    pyproject = true; dependencies = [ requests urllib3 ];
  };
  py = pkgs.python3.override { packageOverrides = final: prev:
    lib.listToAttrs (map (i: lib.nameValuePair "fake-pkg-${toString i}" (final.callPackage (fake i) { })) (builtins.genList (i: i + 1) N))
    // lib.listToAttrs (map (i: lib.nameValuePair "fake_alias_${toString i}" (throw "removed")) (builtins.genList (i: i + 1) (N / 10)));
  };
  only = ONLY;
in builtins.length (builtins.attrNames (r.nixpkgsPackagesIn { ps = py.pkgs; only = if only == null then null
  else builtins.genList (i: "fake-pkg-${toString (i + 1)}") only ++ [ "requests" "urllib3" ]; }))
"""


def nixpkgs_map(nixpkgs: Path, sizes: str, runs: int) -> Dict[str, object]:
    """Seconds and peak MB of evaluating the nixpkgs map of a set grown to N synthetic packages."""
    out: Dict[str, object] = {}
    cases = [(int(x), None) for x in sizes.split(",")]
    cases.append((cases[-1][0], 1000))  # the same set, filtered to an index of 1,000 of its names
    for n, only in cases:
        expr = (MAP_EXPR.replace("NIXPKGS", str(nixpkgs)).replace("ROOT", str(ROOT)).replace(" N)", f" {n})")
                .replace("(N / 10)", f"({n} / 10)").replace("ONLY", "null" if only is None else str(only)))
        cmd = ["/usr/bin/time", "-f", "%M", "nix-instantiate", "--eval", "--strict", "--expr", expr]
        mem: List[int] = []

        def once() -> None:
            proc = subprocess.run(cmd, capture_output=True, text=True)
            if proc.returncode != 0:
                sys.exit(f"bench/nix.py: nixpkgs map evaluation failed:\n{proc.stderr[-2000:]}")
            mem.append(int(proc.stderr.strip().splitlines()[-1]))
        result = timed(once, runs)
        result["peak_mb"] = round(max(mem) / 1024)
        out[str(n) if only is None else f"{n}_index_{only}"] = result
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", type=Path, default=ROOT.parent / "shared" / "bench" / "ds.txt")
    ap.add_argument("--pypi-data", type=Path, default=ROOT / "data")
    ap.add_argument("--nixpkgs", type=Path, default=ROOT / "tests" / "nixpkgs-shim")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--json", type=Path, default=None, help="also write the results here")
    ap.add_argument("--map-sizes", default="0,1000,7000", help="synthetic set sizes for nixpkgs_map")
    ap.add_argument("--only-map", action="store_true", help="measure nixpkgs_map only")
    args = ap.parse_args()
    if args.only_map:
        print(json.dumps({"nixpkgs_map": nixpkgs_map(args.nixpkgs.resolve(), args.map_sizes, args.runs)}, indent=2))
        return
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
    results["nixpkgs_map"] = nixpkgs_map(args.nixpkgs.resolve(), args.map_sizes, args.runs)
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
