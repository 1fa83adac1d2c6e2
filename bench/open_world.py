#!/usr/bin/env python3
"""Open world: `mach-nix lock` fetching from PyPI what its index lacks vs `uv pip compile`, cold and warm.

Usage: python3 bench/open_world.py [--runs 3] [--cold-runs 1] [--sets tail,numpy-old] [--json FILE]
                                   [--src DIR] [--venv DIR] [--timeout 600] [--cap-mb 3000]

Every ``*.txt`` of ``--bench-dir`` (default ../shared/bench/open-world), side by side:
- cold: mach-nix with an empty ``--cache-dir`` vs ``uv pip compile FILE --no-cache``;
- warm: mach-nix with the cache the (last) cold run filled and ``--offline``, vs uv ``--offline``
  with a cache dir of its own, warmed by one untimed online run.

Both lock for the same target: the full X.Y.Z version of ``--python`` (default: this interpreter),
x86_64 Linux, manylinux_2_28 (mach-nix ``--python X.Y.Z --glibc 2.28``; uv ``--python <interpreter>
--python-version X.Y.Z --python-platform x86_64-manylinux_2_28``). mach-nix runs as the console
script of a non-editable install of ``--src`` (bench/resolve.py's ``install``), against the embedded
index ``--index``; it resolves build systems too (its default), uv does not.

How each figure is measured (medians of ``--cold-runs`` / ``--runs`` alternated runs):
- ``s``: whole-process wall time (perf_counter around the child).
- ``req``: mach-nix: ``requests`` of the JSON it writes to ``$MACH_NIX_STATS`` at exit (its own count
  of the network requests it made). uv: the ``Handling request for`` lines its ``uv_auth`` middleware
  logs at TRACE (``RUST_LOG=uv_auth=trace``), one per HTTP request uv sends, range reads included.
- ``MB``: response bodies as received. mach-nix: ``bytes`` of its stats file (its own count). uv: the
  sum of ``recv_data; size=N`` lines its HTTP/2 library logs at TRACE (``h2::proto::streams::recv``),
  the payload of every DATA frame uv receives; PyPI and files.pythonhosted.org serve HTTP/2, a host
  that fell back to HTTP/1.1 would not be counted. Neither counts headers or TLS.
- ``rx MB``: both tools, the same way, as a cross-check: received bytes of every interface but ``lo``
  in /proc/net/dev, read before and after the child. Machine-wide and on the wire (TLS, headers):
  anything else on the machine that downloads at the same time is counted too (a warm, offline run
  showing megabytes is that noise), so it is an upper bound at best and gets no ratio.
- ``pins``: runtime packages of the lock (mach-nix: entries not ``build_only``; uv: ``==`` lines).
- ``status``: ``lock``, or the exit status and the first line of the error (uv's log lines dropped).
Ratios are mach-nix/uv, shown only where both tools wrote a lock. Every child runs under an address-space cap (``--cap-mb``) and is killed
after ``--timeout`` seconds.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from resolve import PLATFORM, ROOT, Run, child_env, install, python_full, status_label, timed, uv_binary

# uv's tracing: one line per HTTP request (uv_auth middleware), one per HTTP/2 DATA frame received (h2)
UV_LOG = "uv_auth=trace,h2::proto::streams::recv=trace"
UV_REQUEST = "Handling request for"
UV_DATA = re.compile(r"recv_data; size=(\d+)")
UV_LOG_LINE = re.compile(r"^\s*(TRACE|DEBUG|INFO)\s")


def rx_bytes() -> int:
    """Bytes received so far by every network interface but loopback (machine-wide)."""
    total = 0
    for line in Path("/proc/net/dev").read_text().splitlines()[2:]:
        name, _, fields = line.partition(":")
        if name.strip() != "lo":
            total += int(fields.split()[0])
    return total


class Measured:
    """One child run and what it cost on the network."""

    def __init__(self, run: Run, rx: int, requests: Optional[int], nbytes: Optional[int], pins: Optional[int]):
        self.run, self.rx, self.requests, self.bytes, self.pins = run, rx, requests, nbytes, pins

    def as_dict(self) -> dict:
        return {"wall": self.run.wall, "cpu": self.run.cpu, "rss_mb": self.run.rss_mb, "status": self.run.status,
                "label": status_label(self.run), "rx_bytes": self.rx, "requests": self.requests,
                "bytes": self.bytes, "pins": self.pins}


def measure(cmd: Sequence[str], args: argparse.Namespace, env: Dict[str, str]) -> tuple:
    before = rx_bytes()
    run = timed(cmd, args.cap_mb, args.timeout, env)
    return run, rx_bytes() - before


def run_mach_nix(script: Path, lock_args: List[str], args: argparse.Namespace, work: Path) -> Measured:
    stats, out = work / "stats.json", work / "lock.json"
    stats.unlink(missing_ok=True)
    out.unlink(missing_ok=True)
    run, rx = measure([str(script), *lock_args, "-o", str(out)], args, child_env(MACH_NIX_STATS=str(stats)))
    figures = json.loads(stats.read_text()) if stats.exists() else {}
    pins = None
    if run.status == 0 and out.exists():
        pins = sum(1 for p in json.loads(out.read_text())["packages"].values() if not p.get("build_only"))
    return Measured(run, rx, figures.get("requests"), figures.get("bytes"), pins)


def run_uv(uv_args: List[str], args: argparse.Namespace, work: Path) -> Measured:
    out = work / "uv.txt"
    out.unlink(missing_ok=True)
    run, rx = measure([*uv_args, "-o", str(out)], args, child_env(RUST_LOG=UV_LOG))
    requests = sum(1 for line in run.stderr.splitlines() if UV_REQUEST in line)
    nbytes = sum(int(m.group(1)) for m in UV_DATA.finditer(run.stderr))
    run = run._replace(stderr="\n".join(line for line in run.stderr.splitlines() if not UV_LOG_LINE.match(line)))
    pins = None
    if run.status == 0 and out.exists():
        pins = sum(1 for line in out.read_text().splitlines() if re.match(r"^[A-Za-z0-9._-]+==", line))
    return Measured(run, rx, requests, nbytes, pins)


def summary(name: str, mode: str, ours: List[Measured], theirs: List[Measured]) -> dict:
    def med(runs: List[Measured], field: str) -> Optional[float]:
        values = [getattr(m, field) for m in runs if getattr(m, field) is not None]
        return statistics.median(values) if values else None

    row = {"set": name, "mode": mode, "mach_nix": [m.as_dict() for m in ours], "uv": [m.as_dict() for m in theirs]}
    for tool, runs in (("mach_nix", ours), ("uv", theirs)):
        row[f"{tool}_wall"] = statistics.median(m.run.wall for m in runs)
        row[f"{tool}_requests"] = med(runs, "requests")
        row[f"{tool}_rx_bytes"] = med(runs, "rx")
        row[f"{tool}_bytes"] = med(runs, "bytes")
        row[f"{tool}_pins"] = runs[-1].pins
        row[f"{tool}_status"] = status_label(runs[-1].run)
    row["both_lock"] = ours[-1].run.status == 0 and theirs[-1].run.status == 0
    return row


def fmt(value: Optional[float], spec: str) -> str:
    return "-" if value is None else format(value, spec)


def ratio(row: dict, field: str) -> str:
    """mach-nix/uv for ``field``, where both tools locked and both figures are known."""
    a, b = row[f"mach_nix_{field}"], row[f"uv_{field}"]
    return "-" if not row["both_lock"] or a is None or not b else f"{a / b:.2f}"


def table(rows: List[dict]) -> str:
    def mb(value: Optional[float]) -> str:
        return fmt(None if value is None else value / 1e6, ".2f")

    lines = ["| set | mode | mach-nix s | uv s | ratio | mach-nix req | uv req | ratio | mach-nix MB | uv MB | ratio "
             "| mach-nix rx MB | uv rx MB | pins (mach-nix / uv) | mach-nix status | uv status |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(
            f"| {r['set']} | {r['mode']} | {r['mach_nix_wall']:.2f} | {r['uv_wall']:.2f} | "
            f"{ratio(r, 'wall')} | {fmt(r['mach_nix_requests'], '.0f')} | "
            f"{fmt(r['uv_requests'], '.0f')} | {ratio(r, 'requests')} | "
            f"{mb(r['mach_nix_bytes'])} | {mb(r['uv_bytes'])} | {ratio(r, 'bytes')} | "
            f"{mb(r['mach_nix_rx_bytes'])} | {mb(r['uv_rx_bytes'])} | {fmt(r['mach_nix_pins'], 'd')} / "
            f"{fmt(r['uv_pins'], 'd')} | {r['mach_nix_status'].replace('|', '/')} | "
            f"{r['uv_status'].replace('|', '/')} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=ROOT / "data", help="local index (default: data/)")
    parser.add_argument("--runs", type=int, default=3, help="warm runs (default 3)")
    parser.add_argument("--cold-runs", type=int, default=1, help="cold runs (default 1: they hit PyPI)")
    parser.add_argument("--sets", default="", help="comma-separated names, e.g. tail,numpy-old")
    parser.add_argument("--bench-dir", type=Path, default=ROOT.parent / "shared" / "bench" / "open-world")
    parser.add_argument("--python", default=sys.executable, help="interpreter whose version both tools lock for")
    parser.add_argument("--src", type=Path, default=ROOT / "py", help="mach-nix source to install (default: py/)")
    parser.add_argument("--venv", type=Path, default=Path(tempfile.gettempdir()) / "mach-nix-bench-venv")
    parser.add_argument("--cap-mb", type=int, default=3000, help="address-space cap of every child (default 3000)")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds before a child is killed (default 600)")
    parser.add_argument("--json", type=Path, help="also write every run and the medians to this file")
    args = parser.parse_args()

    sets = sorted(args.bench_dir.glob("*.txt"))
    if args.sets:
        sets = [s for s in sets if s.stem in set(args.sets.split(","))]
    if not sets:
        print(f"no requirement sets in {args.bench_dir}", file=sys.stderr)
        return 2
    full = python_full(args.python)
    script = install(args.src, args.venv)
    work = Path(tempfile.mkdtemp(prefix="mach-nix-open-world-"))
    print(f"CPython {full} x86_64-linux manylinux_2_28; mach-nix {script}; uv --python {args.python}; "
          f"{args.cold_runs} cold, {args.runs} warm runs", file=sys.stderr)
    rows = []
    for path in sets:
        name = path.stem
        base = ["lock", "-q", "--python", full, "--glibc", "2.28", "--index", str(args.index), "-r", str(path)]
        uv = [uv_binary(), "pip", "compile", str(path), "--python", args.python, "--python-version", full, *PLATFORM,
              "--no-header", "-q"]
        uv_cache = work / name / "uv-cache"
        ours: List[Measured] = []
        theirs: List[Measured] = []
        cache = work / name / "cold-0"
        for i in range(args.cold_runs):
            cache = work / name / f"cold-{i}"
            cache.mkdir(parents=True)
            ours.append(run_mach_nix(script, [*base, "--cache-dir", str(cache)], args, work))
            theirs.append(run_uv([*uv, "--no-cache"], args, work))
        rows.append(summary(name, "cold", ours, theirs))
        timed([*uv, "--cache-dir", str(uv_cache), "-o", str(work / "uv.txt")], args.cap_mb, args.timeout)  # warm uv
        ours, theirs = [], []
        for _ in range(args.runs):
            ours.append(run_mach_nix(script, [*base, "--cache-dir", str(cache), "--offline"], args, work))
            theirs.append(run_uv([*uv, "--cache-dir", str(uv_cache), "--offline"], args, work))
        rows.append(summary(name, "warm", ours, theirs))
        for row in rows[-2:]:
            print(f"{name} {row['mode']}: mach-nix {row['mach_nix_wall']:.2f} s {row['mach_nix_status'][:50]}; "
                  f"uv {row['uv_wall']:.2f} s {row['uv_status'][:50]}", file=sys.stderr)
    print(f"`python3 bench/open_world.py --runs {args.runs} --cold-runs {args.cold_runs}`: CPython {full}, "
          f"x86_64-linux, manylinux_2_28\n")
    print(table(rows))
    if args.json:
        args.json.write_text(json.dumps({"python": full, "runs": args.runs, "cold_runs": args.cold_runs,
                                         "rows": rows}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
