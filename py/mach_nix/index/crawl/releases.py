"""A project's simple page as releases, and which releases an index keeps (docs/crawl.md).

Example: ``select_releases(releases_of(page), "2024-01-01", pins=set())``
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Set, Tuple

from packaging.version import InvalidVersion, Version

from mach_nix.index.client.simple_page import SimpleProject
from mach_nix.index.storage import tags
from mach_nix.names import normalize


def short_time(value: Optional[str]) -> str:
    """A simple page's upload-time to the second, in UTC ("" when the page gives none).

    Example: ``short_time("2024-01-02T03:04:05.678901Z") == "2024-01-02T03:04:05Z"``
    """
    if not value:
        return ""
    return value.split(".", 1)[0].rstrip("Z") + "Z"


@dataclass
class Release:
    version: Version
    key: str  # version string as on PyPI
    first_upload: str
    files: List[Dict[str, Any]]  # kept simple-API entries


def releases_of(page: SimpleProject) -> Dict[Version, Release]:
    """Group a project's kept files into releases (non-PEP 440 versions are skipped)."""
    name = normalize(page.name)
    spelled: Dict[Version, str] = {}
    for v in page.versions:
        try:
            spelled.setdefault(Version(v), v)
        except InvalidVersion:
            continue
    out: Dict[Version, Release] = {}
    for entry in page.files:
        filename = entry.get("filename", "")
        version = tags.file_version(filename, name)
        if version is None:
            continue
        release = out.get(version)
        if release is None:
            release = out[version] = Release(version, spelled.get(version, str(version)), "9999", [])
        uploaded = short_time(entry.get("upload-time"))
        if uploaded and uploaded < release.first_upload:
            release.first_upload = uploaded
        if tags.keep_file(filename) and (entry.get("hashes") or {}).get("sha256"):
            release.files.append(entry)
    return {v: r for v, r in out.items() if r.files}


def version_days(releases: Dict[Version, Release]) -> Dict[str, str]:
    """Every release of a page → the day it was first uploaded (the index's ``versions`` table).

    Example: ``version_days(releases_of(page))["1.3.24"] == "2021-03-19"``
    """
    # a page without upload times (PEP 503 HTML) leaves first_upload at its "9999" sentinel: no day
    return {r.key: "" if r.first_upload == "9999" else r.first_upload[:10]
            for r in sorted(releases.values(), key=lambda r: r.version)}


def select_releases(
    releases: Dict[Version, Release], since: str, pins: Set[str], series_since: str = "0000-00-00", max_window: int = 0
) -> List[Release]:
    """The release rule: uploaded on/after ``since`` (only the newest ``max_window`` of those when
    set); the newest release of every other major.minor series if uploaded on/after
    ``series_since``; the newest release; pinned versions.
    Pre-releases older than the newest final release are left out (unless pinned).
    Returns them newest first.
    """
    pinned = set()
    for pin in pins:
        try:
            pinned.add(Version(pin))
        except InvalidVersion:
            pass
    chosen: Dict[Version, Release] = {}
    newest_of_series: Dict[Tuple[int, int], Version] = {}
    for version in releases:
        series = (version.release + (0,))[:2]
        if series not in newest_of_series or _series_rank(version) > _series_rank(newest_of_series[series]):
            newest_of_series[series] = version
    finals = [v for v in releases if not v.is_prerelease]
    newest_final = max(finals) if finals else None
    window = sorted(
        (v for v, r in releases.items() if r.first_upload[:10] >= since and not (v.is_prerelease and newest_final is not None and v < newest_final)),
        reverse=True,
    )
    in_window = set(window[:max_window] if max_window > 0 else window)
    for version, release in releases.items():
        if version in pinned:
            chosen[version] = release
        elif version.is_prerelease and newest_final is not None and version < newest_final:
            continue  # a pre-release superseded by a final release
        elif version in in_window:
            chosen[version] = release
        elif newest_of_series[(version.release + (0,))[:2]] == version and release.first_upload[:10] >= series_since:
            chosen[version] = release
    if releases:  # however old, the newest release is offered
        newest = max(releases, key=_series_rank)
        chosen[newest] = releases[newest]
    return [chosen[v] for v in sorted(chosen, reverse=True)]


def _series_rank(version: Version) -> Tuple[bool, Version]:
    # Prefer final releases as a series' representative; a pre-release only when nothing else exists.
    return (not version.is_prerelease, version)
