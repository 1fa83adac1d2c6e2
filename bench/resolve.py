#!/usr/bin/env python3
"""`mach-nix lock` vs `uv pip compile --offline`, side by side on every requirement set.

Usage: python3 bench/resolve.py [--runs 5] [--sets ds,conflicts/fastapi-pydantic1] [--src DIR] [--venv DIR]
                                [--open-world [--cache-dir DIR] | --cache-mode]

The sets: every ``*.txt`` in ``--bench-dir`` and all its subfolders (conflicts/ included), except
open-world/, which needs PyPI or a warm cache: ``--open-world`` adds it. As uv warms its cache, one
untimed online mach-nix run per set fetches what the index lacks into the cache index ``--cache-dir``
(nothing, for a set the index holds); the timed runs are ``--offline``, against index and cache.
``--cache-mode`` times the sets of open-world/ and conflicts/ as real requirement files are served:
each set is locked online once into a fresh cache index (what the embedded index lacks comes from
PyPI into it), then the timed ``--offline`` locks read the embedded index and that cache.

Both tools lock for the same target: the full version of ``--python`` (default: this interpreter)
on x86_64 Linux, manylinux_2_28. uv gets ``--python <interpreter>`` (no interpreter discovery)
and a cache warmed by one online run, then runs ``--offline``. mach-nix runs as the console
script of a non-editable install of ``--src`` into ``--venv`` (as Nix and pip users have it,
without the editable-install finder), against the index in ``--index``.

Columns, medians of ``--runs`` alternated runs: whole-process wall time of each tool and their
ratio; ``adj``, the floor-adjusted ratio (mach-nix − the CPython floor) / uv, where the CPython
floor (printed above the table) is the interpreter starting and stopping (``python -c pass``), what
any Python lock pays before its own code runs; ``floor``, the console script started as for a lock, with its imports, stopping before
the index is read (``--requirement-text ''``); ``resolve``, the lock command in-process after those
imports; CPU time (user+sys) and peak RSS (wait4) of each tool; the status (``lock``, or the
exit status of a set that cannot be locked). Every child runs under an address-space cap and a
timeout, so an unbounded resolver cannot take the machine down. A last line gives the lower bound
of any lock's start-up: CPython starting, then importing a command line tool's standard modules,
then the design's libraries as well.

``--instructions`` adds the instructions each tool executes for one lock (millions, counted by
valgrind's cachegrind, mach-nix with ``PYTHONHASHSEED=0``) and ``adj M``, the floor-adjusted ratio
in instructions (those of ``python -c pass`` subtracted): unlike wall and CPU time they hardly
move with the load of a shared machine, so a change of a few percent shows.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple

ROOT = Path(__file__).resolve().parents[1]
PLATFORM = ["--python-platform", "x86_64-manylinux_2_28"]
OPEN_WORLD = "open-world"
CACHE_MODE_SETS = (OPEN_WORLD, "conflicts")  # --cache-mode: sets whose projects the embedded index partly lacks
# variables that would point a benchmarked mach-nix at another index, cache or network policy
UNSET = ("PYTHONPATH", "MACH_NIX_INDEX", "MACH_NIX_CACHE_DIR", "MACH_NIX_OFFLINE", "MACH_NIX_STATS")
# the in-process part of a lock, timed after the imports a lock needs
RESOLVE_TIMER = """
import sys, time
import mach_nix.cli, mach_nix.commands.lock_cmd, mach_nix.resolve.resolver, mach_nix.index.storage.lazy_index
start = time.perf_counter()
status = mach_nix.cli.main(sys.argv[1:])
print(time.perf_counter() - start, file=sys.stderr)
sys.exit(status)
"""


class Run(NamedTuple):
    wall: float
    cpu: float
    rss_mb: float
    status: int
    stderr: str


def timed(cmd: Sequence[str], cap_mb: int, timeout: float, env: Optional[Dict[str, str]] = None) -> Run:
    """One process under an address-space cap (``cap_mb`` ≤ 0: none): wall and CPU seconds, peak RSS,
    exit status, stderr."""
    def limit() -> None:
        if cap_mb > 0:
            resource.setrlimit(resource.RLIMIT_AS, (cap_mb << 20, cap_mb << 20))

    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(list(cmd), stdout=subprocess.DEVNULL, stderr=err, preexec_fn=limit, env=env)
        killer = threading.Timer(timeout, proc.kill)
        killer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        killer.cancel()
        proc.returncode = code = os.waitstatus_to_exitcode(status)
        err.seek(0)
        text = err.read().decode(errors="replace")
    if wall >= timeout:
        text = f"timed out after {timeout:g} s\n" + text
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, code, text)


def install(src: Path, venv: Path) -> Path:
    """A non-editable install of ``src`` in ``venv`` (created on first use); returns its console script.

    Built from a copy, so setuptools' build/ and egg-info never land in the source tree.
    """
    python = venv / "bin" / "python"
    fresh = not python.exists()
    if fresh:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "src"
        shutil.copytree(src, copy, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
        # on refresh only the code changes; the dependencies stay
        flags = [] if fresh else ["--no-deps", "--force-reinstall"]
        subprocess.run([str(python), "-m", "pip", "install", "-q", *flags, str(copy)], check=True)
    return venv / "bin" / "mach-nix"


def find_sets(bench_dir: Path, wanted: str, open_world: bool = False) -> List[Path]:
    """The ``*.txt`` sets in ``bench_dir`` and its subfolders (open-world/ only when asked), top level
    first; ``wanted``: comma-separated stems or relative names."""
    sets = sorted((p for p in bench_dir.rglob("*.txt")
                   if open_world or OPEN_WORLD not in p.relative_to(bench_dir).parts[:-1]),
                  key=lambda p: (len(p.relative_to(bench_dir).parts), p))
    if wanted:
        names = set(wanted.split(","))
        sets = [s for s in sets if s.stem in names or str(s.relative_to(bench_dir).with_suffix("")) in names]
    return sets


def python_full(python: str) -> str:
    """The full X.Y.Z version of an interpreter."""
    return subprocess.run([python, "-c", "import platform; print(platform.python_version())"],
                          capture_output=True, text=True, check=True).stdout.strip()


def uv_binary() -> str:
    """The uv executable itself: ``$UV``, else the one beside this Python (the CI venv's), else the
    first on PATH with wrappers (pyenv shims: a shell script and a version lookup, ~0.1 s a
    call here) resolved, so uv's times are uv's own.

    Example: ``uv_binary()`` → ``"/root/.local/share/mach-nix/ci-venv/bin/uv"``
    """
    given = os.environ.get("UV")
    if given:
        return given
    beside = Path(sys.executable).parent / "uv"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which("uv") or "uv"
    if "/shims/" in found and shutil.which("pyenv"):
        real = subprocess.run(["pyenv", "which", "uv"], capture_output=True, text=True).stdout.strip()
        return real or found
    return found


def child_env(**extra: str) -> Dict[str, str]:
    """This environment without the variables in UNSET, plus ``extra``."""
    return {**{k: v for k, v in os.environ.items() if k not in UNSET}, **extra}


def status_label(run: Run) -> str:
    """``lock``, or the exit status and the first line of the error."""
    if run.status == 0:
        return "lock"
    lines = [line for line in run.stderr.strip().splitlines() if line.strip()]
    return f"exit {run.status}: " + (lines[0][:60] if lines else "")


def instructions(cmd: Sequence[str], env: Optional[Dict[str, str]] = None, timeout: float = 600.0) -> float:
    """Millions of instructions ``cmd`` executes (valgrind's cachegrind, without cache simulation; ~30x
    slower than the command itself, hence its own ``timeout``).

    Example: ``instructions(["python3", "-c", "pass"])`` → ``38.1``
    """
    out = subprocess.run(["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
                          *cmd], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env,
                         timeout=timeout)
    m = re.search(r"I\s+refs:\s+([\d,]+)", out.stderr)
    if m is None:
        raise SystemExit(f"valgrind counted nothing for {cmd[0]}: {out.stderr.strip()[-300:]}")
    return int(m.group(1).replace(",", "")) / 1e6


# what any Python lock command pays before its own code runs: the interpreter, the standard modules
# of a command line tool, then the design's libraries (packaging, resolvelib, orjson)
PYTHON_FLOORS = (("interpreter", "pass"), ("+ argparse, pathlib, typing", "import argparse, pathlib, typing"),
                 ("+ packaging, resolvelib, orjson",
                  "import argparse, pathlib, typing, packaging.specifiers, resolvelib, orjson"))


def python_floors(python: str, runs: int, env: Dict[str, str]) -> Tuple[List[float], str]:
    """Median wall seconds of ``python -c`` for each of :data:`PYTHON_FLOORS` (the lower bound of the
    ``floor`` column and of any lock's start-up, for the interpreter at hand), and a line saying them."""
    secs = []
    for _, code in PYTHON_FLOORS:
        runs_ = [timed([python, "-c", code], 0, 60.0, env) for _ in range(max(runs, 3))]
        secs.append(median(runs_, "wall"))
    return secs, "CPython start-up: " + "; ".join(f"{label} {t:.3f} s" for (label, _), t in zip(PYTHON_FLOORS, secs))


def median(runs: List[Run], field: str) -> float:
    return statistics.median(getattr(r, field) for r in runs)


class Setup(NamedTuple):
    """What every set's runs share."""
    args: argparse.Namespace
    script: Path
    venv_python: str
    out: Path
    common: List[str]
    floor_cmd: List[str]
    env: Dict[str, str]
    cpython_floor: float
    floors_line: str
    floor_instructions: float  # of the CPython floor, with --instructions


def bench_set(setup: Setup, path: Path, cache_dir: Path) -> Optional[Dict[str, object]]:
    """Warm both tools for one set (uv online; mach-nix online into ``cache_dir``), then time
    ``--runs`` alternated ``--offline`` locks of each; a row of medians, or None when uv failed."""
    args, script, out, env = setup.args, setup.script, setup.out, setup.env
    uv = [uv_binary(), "pip", "compile", str(path), "--python", args.python, *PLATFORM, "--no-header", "-q"]
    lock_args = [*setup.common, "-r", str(path), "--cache-dir", str(cache_dir)]
    if not args.no_warm:  # uv's cache, and what the index lacks fetched into mach-nix's (nothing, for a set it holds)
        subprocess.run(uv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        out.unlink(missing_ok=True)
        timed([str(script), *lock_args], args.cap_mb, args.timeout * 10, env)
    lock_args.append("--offline")
    ours: List[Run] = []
    theirs: List[Run] = []
    floors: List[Run] = []
    inner: List[float] = []
    for _ in range(args.runs):
        out.unlink(missing_ok=True)  # a first lock each time: an existing -o would lend its pins (a re-lock)
        run = timed([str(script), *lock_args], args.cap_mb, args.timeout, env)
        ours.append(run)
        theirs.append(timed(uv + ["--offline"], args.cap_mb, args.timeout))
        floors.append(timed(setup.floor_cmd, args.cap_mb, args.timeout, env))
        if run.status not in (0, 1, 2):
            break  # killed, out of memory or crashed: once is enough
        out.unlink(missing_ok=True)
        timer = timed([setup.venv_python, "-c", RESOLVE_TIMER, *lock_args], args.cap_mb, args.timeout, env)
        inner.append(float(timer.stderr.strip().splitlines()[-1]))
    if theirs[-1].status != 0:
        print(f"{path.stem}: uv failed (is its cache warm?):\n{theirs[-1].stderr}", file=sys.stderr)
        return None
    row: Dict[str, object] = {
        "pins": len(json.loads(out.read_text())["packages"]) if ours[-1].status == 0 else 0,
        "ours": median(ours, "wall"), "uv": median(theirs, "wall"), "floor": median(floors, "wall"),
        "resolve": statistics.median(inner) if inner else None, "cpu": median(ours, "cpu"),
        "uv_cpu": median(theirs, "cpu"), "mb": max(r.rss_mb for r in ours), "uv_mb": max(r.rss_mb for r in theirs),
        "status": status_label(ours[-1]), "instr": ""}
    if args.instructions:
        out.unlink(missing_ok=True)
        slow = args.timeout * 50
        ours_i = instructions([setup.venv_python, str(script), *lock_args], {**env, "PYTHONHASHSEED": "0"}, slow)
        uv_i = instructions(uv + ["--offline"], timeout=slow)
        row["instr"] = f" {ours_i:>8.0f} {uv_i:>7.0f} {(ours_i - setup.floor_instructions) / uv_i:>5.2f}"
    out.unlink(missing_ok=True)
    return row


HEAD = (f"{'set':<28} {'pins':>4} {'mach-nix s':>10} {'uv s':>6} {'ratio':>5} {'adj':>5} {'floor s':>7} "
        f"{'resolve s':>9} {'CPU s':>6} {'uv CPU':>6} {'MB':>5} {'uv MB':>5}")


def row_line(name: str, row: Dict[str, object], cpython_floor: float) -> str:
    """One table line; ``adj`` is the floor-adjusted ratio, (mach-nix − CPython floor) / uv."""
    m, u = float(row["ours"]), float(row["uv"])  # type: ignore[arg-type]
    resolve_s = f"{row['resolve']:>9.3f}" if row["resolve"] is not None else f"{'-':>9}"
    return (f"{name:<28} {row['pins']:>4} {m:>10.3f} {u:>6.3f} {m / u:>5.2f} {(m - cpython_floor) / u:>5.2f} "
            f"{row['floor']:>7.3f} {resolve_s} {row['cpu']:>6.3f} {row['uv_cpu']:>6.3f} {row['mb']:>5.0f} "
            f"{row['uv_mb']:>5.0f}{row['instr']}  {row['status']}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=ROOT / "data", help="index directory (default: data/)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sets", default="", help="comma-separated names, e.g. ds,conflicts/fastapi-pydantic1")
    parser.add_argument("--bench-dir", type=Path, default=ROOT.parent / "shared" / "bench")
    parser.add_argument("--python", default=sys.executable, help="interpreter whose version both tools lock for")
    parser.add_argument("--src", type=Path, default=ROOT / "py", help="mach-nix source to install (default: py/)")
    parser.add_argument("--venv", type=Path, default=Path(tempfile.gettempdir()) / "mach-nix-bench-venv")
    parser.add_argument("--cap-mb", type=int, default=3000, help="address-space cap of every child (default 3000)")
    parser.add_argument("--instructions", action="store_true",
                        help="add the instructions of one lock per tool (valgrind; slow, but steady under load)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds before a child is killed (default 60)")
    parser.add_argument("--no-warm", action="store_true", help="skip the online runs (caches already warm)")
    parser.add_argument("--open-world", action="store_true", help="add the open-world/ sets (needs PyPI unless "
                        "--cache-dir is warm)")
    parser.add_argument("--cache-mode", action="store_true",
                        help=f"the sets of {', '.join(CACHE_MODE_SETS)}/, each locked online once into a fresh cache "
                        "index, then timed --offline from it (as real files are served; needs PyPI)")
    parser.add_argument("--cache-dir", type=Path, default=Path(tempfile.gettempdir()) / "mach-nix-bench-cache",
                        help="mach-nix's cache index (default: $TMPDIR/mach-nix-bench-cache; --cache-mode: a fresh "
                        "one per set)")
    args = parser.parse_args()

    if args.cache_mode:
        sets = [s for s in find_sets(args.bench_dir, args.sets, True)
                if s.relative_to(args.bench_dir).parts[0] in CACHE_MODE_SETS]
    else:
        sets = find_sets(args.bench_dir, args.sets, args.open_world)
    if not sets:
        print(f"no requirement sets in {args.bench_dir}", file=sys.stderr)
        return 2
    setup = make_setup(args)
    mode = "cache mode: each set locked online into a fresh cache, then --offline from it" if args.cache_mode \
        else "index mode"
    print(f"CPython {python_full(args.python)} x86_64-linux manylinux_2_28; mach-nix {setup.script}; {uv_binary()} "
          f"--python {args.python}; {args.runs} runs; {mode}")
    print(f"CPython floor {setup.cpython_floor:.3f} s (python -c '{PYTHON_FLOORS[0][1]}'); "
          "adj = (mach-nix s - CPython floor) / uv s")
    extra_head = f" {'M instr':>8} {'uv M':>7} {'adj M':>5}" if args.instructions else ""
    print(f"{HEAD}{extra_head}  status")
    worst: Dict[str, float] = {}
    for path in sets:
        name = str(path.relative_to(args.bench_dir).with_suffix(""))
        with tempfile.TemporaryDirectory(prefix="mach-nix-bench-cache-") as fresh:
            row = bench_set(setup, path, Path(fresh) if args.cache_mode else args.cache_dir)
        if row is None:
            return 1
        worst[name] = float(row["ours"]) / float(row["uv"])  # type: ignore[arg-type]
        print(row_line(name, row, setup.cpython_floor))
    print(setup.floors_line)
    print("worst ratio: " + ", ".join(f"{n} {r:.2f}" for n, r in sorted(worst.items(), key=lambda i: -i[1])[:3]))
    return 0


def make_setup(args: argparse.Namespace) -> Setup:
    """Install mach-nix, and measure the CPython floor once for every row."""
    full = python_full(args.python)
    script = install(args.src, args.venv)
    venv_python = str(args.venv / "bin" / "python")
    out = Path(tempfile.mkdtemp(prefix="mach-nix-bench-")) / "lock.json"
    common = ["lock", "-q", "--python", full, "--glibc", "2.28", "--index", str(args.index), "-o", str(out)]
    floor_cmd = [str(script), *common, "--requirement-text", "", "--offline"]
    env = child_env()
    floors, line = python_floors(venv_python, args.runs, env)
    floor_i = instructions([venv_python, "-c", PYTHON_FLOORS[0][1]], env) if args.instructions else 0.0
    if args.instructions:
        line += f"; CPython floor {floor_i:.0f} M instructions"
    return Setup(args, script, venv_python, out, common, floor_cmd, env, floors[0], line, floor_i)


if __name__ == "__main__":
    raise SystemExit(main())
