"""Merging project records: the union of two records of one project (the user cache and
``index add`` merge with it), and one entry for dependency lists that differ only in order.

Example: ``merge_records(cached, fetched)["releases"].keys() >= cached["releases"].keys()``
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from mach_nix.index.storage.schema import UNREAD_METADATA, Project


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


def merge_records(old: Optional[Project], new: Project) -> Project:
    """The union of two records of one project (``old`` may be None): every release and file of
    both; for a file both hold, the node whose metadata was read wins (``new`` on a tie), keeping a
    yanked flag either has; ``deps`` (content-hash keys: no renumbering) keeps what is used. The
    user cache and ``index add`` merge with it.

    Example: ``merge_records(cached, fetched)["releases"].keys() >= cached["releases"].keys()``
    """
    if old is None:
        return _prune_deps(dict(new))
    releases: Dict[str, List[Dict[str, Any]]] = {}
    deps = dict(old.get("deps", {}))
    deps.update(new.get("deps", {}))
    for version in sorted(set(old["releases"]) | set(new["releases"])):
        nodes: Dict[str, Dict[str, Any]] = {n["filename"]: n for n in old["releases"].get(version, [])}
        for node in new["releases"].get(version, []):
            have = nodes.get(node["filename"])
            if have is None:
                nodes[node["filename"]] = node
            elif node.get("metadata") == UNREAD_METADATA and have.get("metadata") != UNREAD_METADATA:
                nodes[node["filename"]] = _keep_yanked(have, node)  # keep what was read
            else:
                nodes[node["filename"]] = _keep_yanked(node, have)
        releases[version] = [nodes[f] for f in sorted(nodes)]
    merged = {"name": new.get("name") or old.get("name"), "last_serial": max(int(old.get("last_serial") or 0),
              int(new.get("last_serial") or 0)), "deps": deps, "releases": releases}
    versions = _merge_versions(old.get("versions"), new.get("versions"))
    if versions is not None:
        merged["versions"] = versions
    return _prune_deps(merged)


def _merge_versions(old: Optional[Dict[str, str]], new: Optional[Dict[str, str]]) -> Optional[Dict[str, str]]:
    """The union of two ``versions`` tables (a version's earliest day wins), or None if neither has one."""
    if old is None or new is None:
        return new if old is None else old
    merged = dict(old)
    for version, day in new.items():
        merged[version] = min(day, merged.get(version, day))
    return dict(sorted(merged.items()))


def _keep_yanked(node: Dict[str, Any], page: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    """``node``, with the yanked flag of ``page`` (the other copy of the file) when that has one."""
    if page is None or page is node:
        return node
    out = dict(node)
    if page.get("yanked"):
        out["yanked"] = page["yanked"]
    return out


def _prune_deps(record: Project) -> Project:
    used = {n.get("requires_dist") for files in record["releases"].values() for n in files}
    record["deps"] = {k: v for k, v in sorted(record.get("deps", {}).items()) if k in used}
    return record
