"""What a crawl covers: the scope (dates, window, closure) and its seeds (projects, pins, extras).

Example: ``parse_seeds(["six", "idna==3.7"])["idna"].pins == {"3.7"}``
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Set

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from mach_nix.errors import MachNixError
from mach_nix.names import normalize
from mach_nix.specifiers import exact_pins


@dataclass
class Scope:
    """Which projects and releases a crawl covers (stored in metadata.json under ``scope``)."""

    since: str  # ISO date: releases first uploaded on or after it are kept
    series_since: str = "0000-00-00"  # ISO date: older series contribute their newest release if uploaded on/after it
    max_window: int = 0  # at most this many of the newest releases from the window (0: all)
    closure: bool = False
    sdists: str = "auto"  # "auto" (where they matter) | "all"
    seeds: List[str] = field(default_factory=list)  # requirement strings given by the user
    top: int = 0
    top_csv: Optional[str] = None

    def to_json(self) -> Dict[str, Any]:
        return {
            "since": self.since,
            "series_since": self.series_since,
            "max_window": self.max_window,
            "closure": self.closure,
            "sdists": self.sdists,
            "seeds": sorted(self.seeds),
            "top": self.top,
            "top_csv": Path(self.top_csv).name if self.top_csv else None,
            "releases": "first uploaded on/after `since` (the newest `max_window` of them, if set); the newest release of every older major.minor series "
            "if uploaded on/after `series_since`; the newest release; versions pinned with == in the seeds; "
            "minus pre-releases older than the newest final release",
        }

    @classmethod
    def from_json(cls, doc: Dict[str, Any]) -> "Scope":
        return cls(
            since=doc["since"], series_since=doc.get("series_since", "0000-00-00"),
            max_window=int(doc.get("max_window") or 0), closure=bool(doc.get("closure")), sdists=doc.get("sdists", "auto"),
            seeds=list(doc.get("seeds", [])), top=int(doc.get("top") or 0), top_csv=doc.get("top_csv"),
        )


def default_since(years: int = 2, today: Optional[_dt.date] = None) -> str:
    """The default cutoff: the same day ``years`` years ago (Feb 29 → Feb 28)."""
    today = today or _dt.datetime.now(_dt.timezone.utc).date()
    try:
        return today.replace(year=today.year - years).isoformat()
    except ValueError:
        return today.replace(year=today.year - years, day=28).isoformat()


def window_scope(since: Optional[str], series_since: Optional[str], max_window: int, **kw: Any) -> Scope:
    """The :class:`Scope` of the release-window options (``--since``, ``--series-since``,
    ``--max-window-releases``; ``kw``: its other fields). ``since`` defaults to 2 years ago,
    ``series_since`` to 4 years ago, and ``"all"`` keeps every series.

    Example: ``window_scope("2024-01-01", "all", 0).series_since == "0000-00-00"``
    """
    def date_option(flag: str, value: str, hint: str) -> str:
        try:
            return _dt.date.fromisoformat(value).isoformat()
        except ValueError:
            raise MachNixError(f"{flag} {value!r} is not a date; {hint}.") from None

    since = date_option("--since", since, "write it as YYYY-MM-DD, e.g. --since 2023-01-01") if since else default_since()
    if series_since == "all":
        series_since = "0000-00-00"
    elif series_since:
        series_since = date_option("--series-since", series_since, "write YYYY-MM-DD or 'all'")
    else:
        series_since = default_since(4)
    return Scope(since=since, series_since=series_since, max_window=max_window, **kw)


@dataclass
class Seed:
    name: str
    extras: Set[str] = field(default_factory=set)
    pins: Set[str] = field(default_factory=set)


def parse_seeds(items: Iterable[str], where: str = "--packages") -> Dict[str, Seed]:
    """Requirement strings → seeds by normalized name; ``name==1.2`` also pins release 1.2.

    Example: ``parse_seeds(["Requests[socks]==2.31.0"])["requests"].pins == {"2.31.0"}``
    """
    seeds: Dict[str, Seed] = {}
    for item in items:
        text = item.split("#", 1)[0].strip()
        if not text or text.startswith("-"):
            continue
        try:
            req = Requirement(text)
        except ValueError as exc:  # InvalidRequirement or InvalidSpecifier
            raise MachNixError(f"{where}: {text!r} is not a valid requirement ({exc}); write NAME, NAME[EXTRA] or NAME==VERSION.") from None
        seed = seeds.setdefault(normalize(req.name), Seed(normalize(req.name)))
        seed.extras |= {canonicalize_name(e) for e in req.extras}
        seed.pins.update(exact_pins(req.specifier))
    return seeds


def read_seed_args(values: List[str]) -> List[str]:
    """``--packages`` values: each is a file of requirement lines or a requirement itself."""
    out: List[str] = []
    for value in values:
        path = Path(value)
        if path.is_file():
            for number, line in enumerate(path.read_text().splitlines(), 1):
                out.append(line)
        else:
            out.append(value)
    return out


def read_top(csv_path: Path, count: int) -> List[str]:
    """The first ``count`` project names of a top-pypi-packages CSV (``download_count,project``)."""
    import csv

    try:
        with open(csv_path, newline="") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as exc:
        raise MachNixError(f"--top-csv {csv_path}: cannot read it ({exc}).") from None
    if rows and "project" not in rows[0]:
        raise MachNixError(f"--top-csv {csv_path}: expected a 'project' column (download_count,project).")
    return [row["project"] for row in rows[:count]]
