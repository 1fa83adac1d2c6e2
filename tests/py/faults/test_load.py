"""Load: every bench set resolved 20 times concurrently, in separate processes, from one packed index.

All locks of a set must be byte-identical and no run may fail. Peak memory (the largest child's
max RSS) is printed; run with ``pytest -s`` to see it.
"""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import List, Tuple

import pytest

from mach_nix.index.storage.pack import pack

REPO = Path(__file__).resolve().parents[3]
BENCH = REPO.parent / "shared" / "bench"
ROUNDS = 20


# Runs the CLI and, at exit, records the process's own peak RSS (VmHWM belongs to the process's
# address space, unlike ru_maxrss, which a child started from a large pytest process inherits).
_RUNNER = """
import atexit, re, sys
def _peak():
    status = open('/proc/self/status').read()
    open(sys.argv[1], 'w').write(re.search(r'VmHWM:\\s+(\\d+)', status).group(1))
atexit.register(_peak)
from mach_nix.cli import main
sys.exit(main(sys.argv[2:]))
"""


def _lock(index: Path, requirements: Path, out: Path) -> Tuple[int, str, float]:
    """Run one resolver process; return its exit status, stderr and its own peak RSS in MB."""
    peak = out.with_suffix(".peak")
    proc = subprocess.run(
        [sys.executable, "-c", _RUNNER, str(peak), "lock", "-r", str(requirements), "--index", str(index),
         "-o", str(out), "-q"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=600,
    )
    return proc.returncode, proc.stderr, int(peak.read_text()) / 1024


@pytest.mark.slow
def test_all_bench_sets_twenty_times_concurrently(tmp_path: Path) -> None:
    sets = sorted(BENCH.glob("*.txt"))
    assert [s.stem for s in sets] == ["airflow", "ds", "ml", "web"], f"bench sets not found in {BENCH}"
    index = tmp_path / "index"
    pack(REPO / "data", index)
    jobs: List[Tuple[Path, Path]] = [
        (requirements, tmp_path / f"{requirements.stem}-{run}.lock.json") for run in range(ROUNDS) for requirements in sets
    ]
    with ThreadPoolExecutor(max_workers=ROUNDS) as pool:
        results = list(pool.map(lambda job: _lock(index, *job), jobs))
    failures = [(job[0].name, err) for job, (code, err, _) in zip(jobs, results) if code != 0]
    assert not failures, failures[:3]
    for requirements in sets:
        locks = {(tmp_path / f"{requirements.stem}-{run}.lock.json").read_bytes() for run in range(ROUNDS)}
        assert len(locks) == 1, f"{requirements.name}: {len(locks)} different locks from {ROUNDS} runs"
    peak_mb = max(rss for _, _, rss in results)
    print(f"\n{len(jobs)} resolutions ({ROUNDS} x {len(sets)} sets, {ROUNDS} at a time): all locks identical per set; "
          f"peak RSS of one resolver process {peak_mb:.0f} MB")
    assert peak_mb < 300
