"""Assembling a project record (schema v1) from simple-page entries and file results.

Example: ``_apply(_node(entry), result, deps)``
"""

from __future__ import annotations

from typing import Any, Dict, List, Set, Tuple

from mach_nix.index.releases import Release, _short_time
from mach_nix.index.schema import FileResult, Project, deps_key


def _file_list(record: Project) -> Set[Tuple[str, str, str, Any]]:
    """(release, filename, sha256, yanked) of every file an index record holds."""
    return {(key, n["filename"], n["sha256"], n.get("yanked")) for key, nodes in record["releases"].items() for n in nodes}


def _page_file_list(releases: List["Release"]) -> Set[Tuple[str, str, str, Any]]:
    """The same for the releases selected from a simple page (as :func:`_node` would record them)."""
    out = set()
    for release in releases:
        for entry in release.files:
            node = _node(entry)
            out.add((release.key, node["filename"], node["sha256"], node.get("yanked")))
    return out


def _node(entry: Dict[str, Any]) -> Dict[str, Any]:
    node: Dict[str, Any] = {
        "filename": entry["filename"],
        "sha256": entry["hashes"]["sha256"],
        "url": entry["url"],
        "size": int(entry.get("size") or 0),
        "upload_time": _short_time(entry.get("upload-time")),
    }
    if entry.get("requires-python"):
        node["requires_python"] = entry["requires-python"]
    yanked = entry.get("yanked")
    if yanked:
        node["yanked"] = yanked if isinstance(yanked, str) else True
    return node


def _apply(node: Dict[str, Any], result: FileResult, deps: Dict[str, List[str]]) -> None:
    node["metadata"] = result["metadata"]
    if result.get("requires_dist") is not None:
        key = deps_key(result["requires_dist"])
        deps[key] = result["requires_dist"]
        node["requires_dist"] = key
    if result.get("provides_extra"):
        node["provides_extra"] = sorted(result["provides_extra"])
    for extra in ("metadata_error", "build_system", "metadata_from"):
        if result.get(extra) is not None:
            node[extra] = result[extra]


def _same(a: FileResult, b: FileResult) -> bool:
    """Same dependencies: equal Requires-Dist (as sets; order carries no meaning) and extras."""
    ra, rb = a.get("requires_dist"), b.get("requires_dist")
    return (ra is None) == (rb is None) and sorted(ra or []) == sorted(rb or []) and sorted(a.get("provides_extra") or []) == sorted(b.get("provides_extra") or [])


def merge_permuted_deps(record: Project) -> None:
    """Store lists that differ only in order once (some builds emit Requires-Dist in random order).

    Of the orderings seen, the one with the smallest key is kept, so the choice is deterministic.
    """
    groups: Dict[Tuple[str, ...], List[str]] = {}
    for key, requirements in record["deps"].items():
        groups.setdefault(tuple(sorted(requirements)), []).append(key)
    remap = {}
    for keys in groups.values():
        keep = min(keys)
        for key in keys:
            if key != keep:
                remap[key] = keep
                del record["deps"][key]
    if remap:
        for files in record["releases"].values():
            for node in files:
                if node.get("requires_dist") in remap:
                    node["requires_dist"] = remap[node["requires_dist"]]
