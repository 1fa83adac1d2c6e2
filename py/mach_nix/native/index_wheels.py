"""The binary Linux wheels of an index (the ones with ELF files whose needs the table records), and
the selections a fill works through: every such wheel, or only the newest release's per project and
platform (what a fresh lock mostly selects), or the wheels some locks name.

Example::

    wheels = index_wheels(Index.open(Path("data")))
    newest = newest_only(wheels)          # per (project, platform): the newest release's wheels
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Iterable, Iterator, List, Tuple

from packaging.utils import InvalidWheelFilename, parse_wheel_filename
from packaging.version import Version

from mach_nix.index.storage.schema import file_url

LINUX_PLATFORMS = ("manylinux", "musllinux", "linux_")


@dataclass(frozen=True)
class IndexWheel:
    """One binary Linux wheel of the index: where it is, its hash and size, and what it is for."""

    project: str
    version: Version
    filename: str
    sha256: str
    size: int
    url: str
    platforms: Tuple[str, ...]  # the architectures of its platform tags: ("x86_64",), ("aarch64",)


def linux_architectures(filename: str) -> Tuple[str, ...]:
    """The architectures of a wheel's Linux platform tags; () for pure, macOS or Windows wheels.

    Example: ``linux_architectures("a-1-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl") == ("x86_64",)``
    """
    try:
        tags = parse_wheel_filename(filename)[3]
    except InvalidWheelFilename:
        return ()
    archs = set()
    for tag in tags:
        if tag.platform.startswith(LINUX_PLATFORMS):
            archs.add(tag.platform.split("_", 3)[-1] if tag.platform.startswith(("manylinux_", "musllinux_"))
                      else tag.platform.split("_", 1)[-1])
    return tuple(sorted(archs))


def index_wheels(index: Any) -> Iterator[IndexWheel]:
    """Every binary Linux wheel of ``index`` (a :class:`mach_nix.index.storage.store.Index`) with a sha256,
    in shard order. Releases whose version does not parse (legacy) are skipped."""
    for name, project in index.iter_projects():
        for version, nodes in project.get("releases", {}).items():
            try:
                parsed = Version(version)
            except ValueError:
                continue
            for node in nodes:
                filename = node.get("filename", "")
                archs = linux_architectures(filename) if filename.endswith(".whl") else ()
                if archs and node.get("sha256"):
                    yield IndexWheel(name, parsed, filename, node["sha256"].lower(), int(node.get("size") or 0),
                                     file_url(node), archs)


def newest_only(wheels: Iterable[IndexWheel]) -> List[IndexWheel]:
    """The wheels of the newest release (pre-releases only when a project has nothing else) per
    project and architecture, sorted by filename.

    Example: ``[w.filename for w in newest_only(index_wheels(index)) if w.project == "numpy"]``
    """
    groups: Dict[Tuple[str, str], List[IndexWheel]] = {}
    for wheel in wheels:
        for arch in wheel.platforms:
            groups.setdefault((wheel.project, arch), []).append(wheel)
    chosen: Dict[str, IndexWheel] = {}
    for group in groups.values():
        final = [w for w in group if not w.version.is_prerelease] or group
        top = max(w.version for w in final)
        for wheel in final:
            if wheel.version == top:
                chosen[wheel.sha256] = wheel
    return sorted(chosen.values(), key=lambda w: w.filename)


def lock_wheels(path: Any) -> List[IndexWheel]:
    """The binary Linux wheels a lock file selects (those with a url and sha256).

    Example: ``[w.filename for w in lock_wheels(Path("ml.json"))]``
    """
    import orjson

    from mach_nix.native.lock_needs import binary_linux_wheel

    with open(path, "rb") as handle:
        packages = orjson.loads(handle.read()).get("packages", {})
    out = []
    for name, entry in sorted(packages.items()):
        if binary_linux_wheel(entry) and entry.get("url") and entry.get("sha256"):
            out.append(IndexWheel(name, Version(entry["version"]), entry["filename"], entry["sha256"].lower(),
                                  int(entry.get("size") or 0), entry["url"], linux_architectures(entry["filename"])))
    return out
