"""Bounded resolution: conflict sets end with a lock or an explanation, and budgets stop the rest.

Recorded data: tests/data/index-bench-conflicts (what the bench conflict sets read from the
embedded index of 2026-11-24, scripts/record-test-index.py), and tests/data/index-conflicts
(constructed projects) for the shapes of these cases. Nothing here is timed:
rounds are counted, and the budget tests drive the budget's clock and memory reading.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Dict, Optional

import pytest

from mach_nix.resolve.request import build_request
from mach_nix.errors import EXIT_ABSENT, EXIT_BAD_INPUT, MachNixError, NotFound, ResolutionImpossible
from mach_nix.index.storage.store import Index
from mach_nix.inputs.requirements_txt import read_requirement_text
from mach_nix.resolve import budget as budget_module
from mach_nix.resolve.budget import Budget
from mach_nix.resolve.candidates import parse_providers
from mach_nix.index.storage.lazy_index import LazyIndex
from mach_nix.resolve.resolver import Resolution, resolve
from mach_nix.resolve.target import Target

ROOT = Path(__file__).resolve().parents[3]
CONFLICTS = ROOT / "tests" / "data" / "requirements" / "sets" / "conflicts"  # copies of the shared bench's
CONSTRUCTED = ROOT / "tests" / "data" / "index-conflicts"
# what resolving the conflict sets read from the embedded index of 2026-11-24 (two years of
# releases), recorded with scripts/record-test-index.py so later rebuilds of data/ leave these alone
RECORDED = ROOT / "tests" / "data" / "index-bench-conflicts"
ALL_PIGEONS = "\n".join(f"pigeon-{i}" for i in range(9))


def run(text: str, index: Path = CONSTRUCTED, **budgets: Optional[float]) -> Resolution:
    idx = LazyIndex(Index.open(index)) if index != CONSTRUCTED else Index.open(index)
    target = Target.create("3.11", "x86_64-linux", "2.28")
    request = build_request(read_requirement_text(text), idx, target, parse_providers(None), {})
    return resolve(idx, target, request, build=False, **budgets)


def pins(res: Resolution) -> Dict[str, str]:
    return {name: pkg.candidate.vstr for name, pkg in res.packages.items()}


def conflict_set(name: str) -> str:
    path = CONFLICTS / f"{name}.txt"
    return path.read_text()


def test_fastapi_all_with_pydantic1_takes_the_last_fastapi_for_pydantic1():
    # the newest fastapi releases need pydantic 2 directly, the next ones through [all]'s
    # pydantic-settings/-extra-types; the look-ahead rules all of them out before any is pinned
    res = run(conflict_set("fastapi-pydantic1"), RECORDED, max_seconds=None, max_memory_mb=300)
    assert pins(res)["fastapi"] == "0.99.1"
    assert pins(res)["pydantic"].startswith("1.")
    assert res.packages["fastapi"].extras == {"all"}
    assert res.rounds < 200  # one round per pin: no backtracking through the 40 newer releases


def test_the_shape_of_fastapi_pydantic1_without_backtracking():
    res = run("framework[all]\ncore<2")
    assert pins(res) == {"framework": "1.0", "plugin": "1.0", "helper": "2.0", "core": "1.0"}
    assert res.rounds <= 10  # 4 packages + the extra: no round spent on the 39 doomed releases


def test_conflict_sets_the_index_cannot_lock_are_explained():
    with pytest.raises(ResolutionImpossible) as err:
        run(conflict_set("django-legacy"), RECORDED)
    assert "django<3.2" in err.value.message and "no version of django in the index" in err.value.message
    with pytest.raises(NotFound) as absent:
        run(conflict_set("ml-pins"), RECORDED)
    assert absent.value.exit_code == EXIT_ABSENT and "'tensorflow' is not in the index" in absent.value.message


def test_impossible_set_stops_at_the_time_budget_naming_the_conflict(monkeypatch):
    ticks = iter(range(10**9))
    monkeypatch.setattr(budget_module, "monotonic", lambda: next(ticks) * 0.001)  # 1 ms per look at the clock
    with pytest.raises(ResolutionImpossible) as err:
        run(ALL_PIGEONS, max_seconds=2, max_memory_mb=None)
    text = err.value.message
    assert err.value.exit_code == EXIT_BAD_INPUT
    assert "stopped at its time budget (2 s) without finding a solution" in text
    assert "The requirements that conflicted most while backtracking:\n  hole-" in text
    assert "requires hole-" in text and "raise --max-seconds" in text
    assert "To finish, pin pigeon-" in text  # the packages whose releases were tried one after another


def test_impossible_set_stops_at_the_memory_budget(monkeypatch):
    reads = iter(range(10**9))
    monkeypatch.setattr(budget_module, "resident_mb", lambda: 100.0 + next(reads))  # 1 MB more per reading
    monkeypatch.setattr(budget_module, "MEMORY_EVERY", 0.0)
    with pytest.raises(ResolutionImpossible) as err:
        run(ALL_PIGEONS, max_seconds=None, max_memory_mb=50)
    assert "stopped at its memory budget (50 MB more than at its start)" in err.value.message
    assert "raise --max-memory" in err.value.message


def test_one_pigeon_less_resolves_within_the_budgets():
    res = run("\n".join(f"pigeon-{i}" for i in range(8)), max_seconds=60, max_memory_mb=300)
    holes = [pins(res)[f"pigeon-{i}"] for i in range(8)]
    assert sorted(holes) == [f"{h}.0" for h in range(1, 9)]  # one pigeon per hole


def test_budget_arguments():
    assert Budget(0, 0).max_seconds is None and Budget(None, None).max_memory_mb is None
    with pytest.raises(MachNixError, match=r"--max-seconds -1 is not a budget"):
        Budget(-1, None)
    with pytest.raises(MachNixError, match=r"--max-memory -5 is not a budget"):
        run("core", max_memory_mb=-5)


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mach_nix", "lock", "--index", str(CONSTRUCTED), "-q", "-o", "-",
                           *args], capture_output=True, text=True, timeout=120)


def test_budget_flags_of_mach_nix_lock():
    done = cli(*ALL_PIGEONS.split(), "--max-seconds", "0.3")
    assert done.returncode == EXIT_BAD_INPUT
    assert "stopped at its time budget (0.3 s)" in done.stderr and "Traceback" not in done.stderr
    done = cli(*ALL_PIGEONS.split(), "--max-memory", "-1")
    assert done.returncode == EXIT_BAD_INPUT and "--max-memory -1 is not a budget" in done.stderr
    done = cli("framework[all]", "core<2", "--max-seconds", "0", "--max-memory", "0")
    assert done.returncode == 0 and '"framework"' in done.stdout
    assert "--max-memory MB" in subprocess.run([sys.executable, "-m", "mach_nix", "lock", "--help"],
                                               capture_output=True, text=True).stdout


def test_backtracking_walks_the_releases_of_a_requirement_once(monkeypatch):
    """resolvelib asks for the matches of fastapi[all] again after each failed pin; the releases that
    fit the same requirements are found once and replayed, so each release is looked at a few times
    at most, not once per failed pin."""
    from collections import Counter

    from mach_nix.resolve.candidates import ProjectCandidates

    looks: Counter = Counter()
    real = ProjectCandidates.candidates

    def counted(self, vstr, yanked_ok=False):
        looks[(self.name, vstr)] += 1
        return real(self, vstr, yanked_ok)

    monkeypatch.setattr(ProjectCandidates, "candidates", counted)
    res = run(conflict_set("fastapi-pydantic1"), RECORDED, max_seconds=None, max_memory_mb=300)
    assert pins(res)["fastapi"] == "0.99.1"
    assert sum(looks.values()) <= 3 * len(looks), looks.most_common(3)


def test_a_shared_scan_reads_its_source_once_and_lazily():
    from mach_nix.resolve.matches import SharedScan

    read = []

    def source():
        for i in range(3):
            read.append(i)
            yield i

    scan = SharedScan(source())
    first = iter(scan)
    assert next(first) == 0 and read == [0]  # nothing read ahead of what is asked
    assert list(scan) == [0, 1, 2] and read == [0, 1, 2]
    assert list(first) == [1, 2] and list(scan) == [0, 1, 2] and read == [0, 1, 2]
