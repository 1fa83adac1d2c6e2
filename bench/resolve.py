#!/usr/bin/env python3
"""`mach-nix lock` vs `uv pip compile --offline`, side by side on every requirement set.

Usage: python3 bench/resolve.py [--index DIR] [--runs 5] [--sets airflow,ds] [--bench-dir ../shared/bench]

For each set: warm uv's cache with one online run, then alternate `runs` whole-process runs of
each tool (same target: CPython 3.11, x86_64 Linux, manylinux_2_28), and print the median wall
time, the ratio mach-nix/uv, each tool's median CPU time (user+sys, less disturbed by other load
on the machine than wall time) and peak RSS (from wait4).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import List, Tuple

ROOT = Path(__file__).resolve().parents[1]


def timed(cmd: List[str], env: dict) -> Tuple[float, float, float, int, str]:
    """(wall seconds, CPU seconds, peak RSS MB, exit status, stderr) of one process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    stderr = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, proc.returncode, stderr


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=None, help="index directory (default: the embedded data/)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sets", default="", help="comma-separated set names (default: all)")
    parser.add_argument("--bench-dir", type=Path, default=ROOT.parent / "shared" / "bench")
    parser.add_argument("--no-warm", action="store_true", help="skip the online uv run (cache already warm)")
    args = parser.parse_args()

    sets = sorted(args.bench_dir.glob("*.txt"))
    if args.sets:
        wanted = set(args.sets.split(","))
        sets = [s for s in sets if s.stem in wanted]
    if not sets:
        print(f"no requirement sets in {args.bench_dir}", file=sys.stderr)
        return 2
    env = dict(os.environ, PYTHONPATH=str(ROOT / "py") + os.pathsep + os.environ.get("PYTHONPATH", ""))
    # an installed mach-nix has its bytecode compiled; do the same here (PYTHONDONTWRITEBYTECODE may be set)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "py" / "mach_nix")], stdout=subprocess.DEVNULL)
    out = Path(tempfile.mkdtemp(prefix="mach-nix-bench-")) / "lock.json"
    uv_target = ["--python-version", "3.11", "--python-platform", "x86_64-manylinux_2_28", "--no-header", "-q"]
    print(f"{'set':<10} {'mach-nix s':>10} {'uv s':>8} {'ratio':>7} {'CPU s':>6} {'uv CPU':>7} {'mach-nix MB':>12} "
          f"{'uv MB':>7}  packages")
    worst = 0.0
    for path in sets:
        ours = [sys.executable, "-m", "mach_nix", "lock", "-q", "-r", str(path), "--python", "3.11", "--glibc",
                "2.28", "-o", str(out)]
        if args.index:
            ours += ["--index", str(args.index)]
        uv = ["uv", "pip", "compile", str(path), *uv_target]
        if not args.no_warm:
            subprocess.run(uv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        uv_offline = uv + ["--offline"]
        mine: List[Tuple[float, float, float]] = []
        theirs: List[Tuple[float, float, float]] = []
        for _ in range(args.runs):
            wall, cpu, rss, code, err = timed(ours, env)
            if code != 0:
                print(f"{path.stem}: mach-nix failed:\n{err}", file=sys.stderr)
                return 1
            mine.append((wall, cpu, rss))
            wall, cpu, rss, code, err = timed(uv_offline, env)
            if code != 0:
                print(f"{path.stem}: uv failed (is its cache warm?):\n{err}", file=sys.stderr)
                return 1
            theirs.append((wall, cpu, rss))
        m = statistics.median(w for w, _, _ in mine)
        u = statistics.median(w for w, _, _ in theirs)
        mc = statistics.median(c for _, c, _ in mine)
        uc = statistics.median(c for _, c, _ in theirs)

        count = len(json.loads(out.read_text())["packages"])
        worst = max(worst, m / u)
        print(f"{path.stem:<10} {m:>10.3f} {u:>8.3f} {m / u:>7.2f} {mc:>6.3f} {uc:>7.3f} "
              f"{max(r for _, _, r in mine):>12.0f} {max(r for _, _, r in theirs):>7.0f}  {count}")
    print(f"worst ratio: {worst:.2f} (goal <= 1.0)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
