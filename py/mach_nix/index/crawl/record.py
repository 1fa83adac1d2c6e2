"""Assembling a project record from simple-page entries and file results.

Example: ``apply_result(page_node(entry), result, deps)``
"""

from __future__ import annotations

from typing import Any, Dict, List, Set, Tuple

from mach_nix.index.crawl.releases import Release, short_time
from mach_nix.index.storage.schema import FileResult, Project, deps_key


def record_files(record: Project) -> Set[Tuple[str, str, str, Any]]:
    """(release, filename, sha256, yanked) of every file an index record holds.

    Example: ``record_files(old) == page_files(releases)``: the page lists what the record holds
    """
    return {(key, n["filename"], n["sha256"], n.get("yanked")) for key, nodes in record["releases"].items() for n in nodes}


def page_files(releases: List["Release"]) -> Set[Tuple[str, str, str, Any]]:
    """The same for the releases selected from a simple page (as :func:`page_node` records them)."""
    out = set()
    for release in releases:
        for entry in release.files:
            node = page_node(entry)
            out.add((release.key, node["filename"], node["sha256"], node.get("yanked")))
    return out


def page_node(entry: Dict[str, Any]) -> Dict[str, Any]:
    """The index node of a simple-page file entry (PEP 691 form), its metadata not yet read.

    Example: ``page_node({"filename": "six-1.16.0.tar.gz", "hashes": {"sha256": "ab"}, "url": u})["sha256"] == "ab"``
    """
    node: Dict[str, Any] = {
        "filename": entry["filename"],
        "sha256": entry["hashes"]["sha256"],
        "url": entry["url"],
        "size": int(entry.get("size") or 0),
        "upload_time": short_time(entry.get("upload-time")),
    }
    if entry.get("requires-python"):
        node["requires_python"] = entry["requires-python"]
    yanked = entry.get("yanked")
    if yanked:
        node["yanked"] = yanked if isinstance(yanked, str) else True
    return node


def apply_result(node: Dict[str, Any], result: FileResult, deps: Dict[str, List[str]]) -> None:
    """Record a file's metadata ``result`` on its ``node``; its Requires-Dist goes into the
    project's ``deps`` table under its content key.

    Example: ``apply_result(node, {"metadata": "pep658", "requires_dist": ["idna"]}, deps)`` sets
    ``node["requires_dist"]`` to the key of ``deps`` that holds ``["idna"]``.
    """
    node["metadata"] = result["metadata"]
    if result.get("requires_dist") is not None:
        key = deps_key(result["requires_dist"])
        deps[key] = result["requires_dist"]
        node["requires_dist"] = key
    if result.get("provides_extra"):
        node["provides_extra"] = sorted(result["provides_extra"])
    for extra in ("metadata_error", "build_system", "external", "metadata_from"):
        if result.get(extra) is not None:
            node[extra] = result[extra]


def same_deps(a: FileResult, b: FileResult) -> bool:
    """Same dependencies: equal Requires-Dist (as sets; order carries no meaning) and extras.

    Example: ``same_deps({"requires_dist": ["a", "b"]}, {"requires_dist": ["b", "a"]}) is True``
    """
    ra, rb = a.get("requires_dist"), b.get("requires_dist")
    return (ra is None) == (rb is None) and sorted(ra or []) == sorted(rb or []) and sorted(a.get("provides_extra") or []) == sorted(b.get("provides_extra") or [])
