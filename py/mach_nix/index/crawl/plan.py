"""Which files of a release are read: one wheel per platform family, a sample of the rest, and
the sdist where it matters (docs/crawl.md).

Example: ``plan_release(release, newest=True, sdists="auto").fetch``
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Set

from mach_nix.index.crawl.releases import Release
from mach_nix.index.storage import tags

# A release whose wheels cover all of these (or has a pure wheel) needs no sdist for any target.
TARGET_FAMILIES = (("linux-x86_64",), ("linux-aarch64",), ("macos-x86_64", "macos-universal2"), ("macos-arm64", "macos-universal2"))


@dataclass
class Plan:
    """What to fetch for one release."""

    fetch: List[Dict[str, Any]]  # entries to fetch now
    inherit: Dict[str, str]  # wheel filename → filename of the representative it shares
    samples: List[str]  # inherited wheels fetched to check the assumption
    sdists_skipped: List[str]


def _stable_pick(names: List[str]) -> str:
    return min(names, key=lambda n: hashlib.sha256(n.encode()).hexdigest())


def covers_all_targets(filenames: Iterable[str]) -> bool:
    """True when the wheels include a pure one, or one for every supported target."""
    families: Set[str] = set()
    for name in filenames:
        families |= tags.wheel_families(name)
    if tags.PURE in families:
        return True
    return all(any(f in families for f in options) for options in TARGET_FAMILIES)


def plan_release(release: Release, newest: bool, sdists: str) -> Plan:
    """One wheel per platform family (the smallest filename) is fetched; the others inherit its
    metadata; one inherited wheel per release (picked by hash) is fetched as a sample. The sdist is
    fetched for the project's newest release, when the wheels miss a supported target, or always
    with ``sdists == "all"``.
    """
    wheels = sorted((e for e in release.files if e["filename"].endswith(".whl")), key=lambda e: e["filename"])
    sdist_entries = [e for e in release.files if not e["filename"].endswith(".whl")]
    by_family: Dict[str, List[Dict[str, Any]]] = {}
    for entry in wheels:
        by_family.setdefault(tags.primary_family(entry["filename"]) or "", []).append(entry)
    fetch: List[Dict[str, Any]] = []
    inherit: Dict[str, str] = {}
    for family in sorted(by_family):
        group = by_family[family]
        fetch.append(group[0])
        for other in group[1:]:
            inherit[other["filename"]] = group[0]["filename"]
    samples: List[str] = []
    if inherit:
        sample = _stable_pick(sorted(inherit))
        samples.append(sample)
        fetch.append(next(e for e in wheels if e["filename"] == sample))
    skipped: List[str] = []
    want_sdist = sdists == "all" or newest or not covers_all_targets(e["filename"] for e in wheels)
    for entry in sdist_entries:
        if want_sdist:
            fetch.append(entry)
        else:
            skipped.append(entry["filename"])
    return Plan(fetch, inherit, samples, skipped)
