"""Hard limits of one resolution (wall time, memory growth) and the tally of what conflicted.

The limits are checked by the resolver every round and by the provider's look-ahead every few
calls, so a resolution stops within milliseconds of its budget; it then raises
:class:`BudgetExceeded`, which the resolver turns into a ``ResolutionImpossible`` naming the
requirements that conflicted most (counted by :class:`ConflictReporter`).

Memory is the growth of the process's resident set since the resolution started, read from
``/proc/self/statm`` (Linux; elsewhere the peak from ``getrusage``), at most every
``MEMORY_EVERY`` seconds: a library must not ``setrlimit`` its caller's process, and counting
resolver states would miss the look-ahead's caches.
"""

from __future__ import annotations

import os
from time import monotonic
from typing import Any, Callable, Dict, List, Optional, Tuple

from resolvelib import BaseReporter

from mach_nix.constants import DEFAULT_MAX_MEMORY_MB, DEFAULT_MAX_SECONDS  # noqa: F401 (re-exported)
from mach_nix.errors import MachNixError

MEMORY_EVERY = 0.02  # seconds between two reads of the resident set size
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def resident_mb() -> float:
    """The resident set size of this process in MB (the peak where the current one is not readable).

    Example: ``resident_mb() > 1.0``
    """
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[1]) * _PAGE / 1e6
    except (OSError, IndexError, ValueError):
        import resource
        import sys

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak / 1e6 if sys.platform == "darwin" else peak / 1e3  # bytes on macOS, KiB on Linux


class BudgetExceeded(Exception):
    """A resolution ran past its budget; ``what`` completes "stopped …", ``option`` is the flag to raise it."""

    def __init__(self, what: str, option: str) -> None:
        super().__init__(what)
        self.what = what
        self.option = option


class Budget:
    """Time and memory limits of one resolution; ``None`` or 0 disables a limit, a negative one is an error.

    Example::

        budget = Budget(max_seconds=60, max_memory_mb=2048)
        budget.check()   # raises BudgetExceeded once 60 s have passed or memory grew by 2 GB
    """

    def __init__(self, max_seconds: Optional[float] = DEFAULT_MAX_SECONDS,
                 max_memory_mb: Optional[float] = DEFAULT_MAX_MEMORY_MB,
                 clock: Optional[Callable[[], float]] = None, memory: Optional[Callable[[], float]] = None) -> None:
        for value, option in ((max_seconds, "--max-seconds"), (max_memory_mb, "--max-memory")):
            if value is not None and not value >= 0:
                raise MachNixError(f"{option} {value:g} is not a budget: give a positive number (0 for no limit), "
                                   f"e.g. {option} {DEFAULT_MAX_SECONDS if 'seconds' in option else DEFAULT_MAX_MEMORY_MB:g}.")
        self.max_seconds = max_seconds or None
        self.max_memory_mb = max_memory_mb or None
        self._clock = clock or monotonic
        self._memory = memory or resident_mb
        self._start = self._clock()
        self._baseline = self._memory() if self.max_memory_mb is not None else 0.0
        self._next_memory = self._start
        self.peak_growth_mb = 0.0
        self.rounds = 0  # resolvelib rounds of every resolution under this budget

    def elapsed(self) -> float:
        return self._clock() - self._start

    def stopped(self, exceeded: BudgetExceeded, stage: str) -> MachNixError:
        """The error for a stage before the resolution (``reading the inputs``) that ran past the budget.

        Example: ``raise budget.stopped(exc, "reading the inputs") from None``
        """
        return MachNixError(f"The lock stopped while {stage}, {exceeded.what}: the inputs are too large (e.g. "
                            f"hundreds of thousands of lines). Check them, or raise {exceeded.option}.")

    def check(self) -> None:
        """Raise :class:`BudgetExceeded` when past the time budget or the memory budget."""
        now = self._clock()
        if self.max_seconds is not None and now - self._start > self.max_seconds:
            raise BudgetExceeded(f"at its time budget ({self.max_seconds:g} s)", "--max-seconds")
        if self.max_memory_mb is not None and now >= self._next_memory:
            self._next_memory = now + MEMORY_EVERY
            growth = self._memory() - self._baseline
            self.peak_growth_mb = max(self.peak_growth_mb, growth)
            if growth > self.max_memory_mb:
                raise BudgetExceeded(f"at its memory budget ({self.max_memory_mb:g} MB more than at its start)",
                                     "--max-memory")


class ConflictReporter(BaseReporter):
    """resolvelib reporter: checks the budget every round and counts, per project, the candidates
    rejected because of it and the requirements on it involved (for the budget message)."""

    def __init__(self, budget: Optional[Budget]) -> None:
        self.budget = budget
        self.rejections: Dict[str, int] = {}  # project -> candidates rejected because of its requirements
        self.requirements: Dict[str, Dict[Tuple[Any, Any], int]] = {}  # project -> (req, parent) -> count

    def starting_round(self, index: int) -> None:
        if self.budget is not None:
            self.budget.rounds += 1
            self.budget.check()

    def adding_requirement(self, requirement: Any, parent: Any) -> None:
        # resolvelib adds every root before its first round, each merged with all earlier ones of its
        # name: without a check here, thousands of roots of one name ran past every budget
        if self.budget is not None:
            self.budget.check()

    def rejecting_candidate(self, criterion: Any, candidate: Any) -> None:
        self._count(criterion.information)

    def resolving_conflicts(self, causes: Any) -> None:
        self._count(causes)

    def _count(self, information: Any) -> None:
        seen = set()
        for info in information:
            name = info.requirement.name
            if name not in seen:
                seen.add(name)
                self.rejections[name] = self.rejections.get(name, 0) + 1
            per = self.requirements.setdefault(name, {})
            key = (info.requirement, info.parent)
            per[key] = per.get(key, 0) + 1

    def most_conflicted(self, limit: int = 3) -> List[Tuple[str, int, List[Tuple[Any, Any]]]]:
        """The projects whose requirements conflicted most: (name, count, most frequent (req, parent)).

        Example: ``[("pydantic", 41, [(<Req pydantic>=2.7>, <fastapi 0.125.0 wheel>), (<Req pydantic<2>, None)])]``
        """
        ranked = sorted(self.rejections.items(), key=lambda item: (-item[1], item[0]))[:limit]
        out = []
        for name, count in ranked:
            pairs = sorted(self.requirements.get(name, {}).items(), key=lambda item: -item[1])
            out.append((name, count, [pair for pair, _ in pairs]))
        return out
