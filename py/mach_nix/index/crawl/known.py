"""What a crawl need not fetch again: the file results an existing index already holds.

Example: ``Crawler(client, work, scope, known=existing_results(Path("data")))``
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict

from mach_nix.errors import IndexError_
from mach_nix.index.storage.schema import UNREAD_METADATA
from mach_nix.index.storage.store import Index


def known_results(records: Dict[str, Any]) -> Dict[str, Any]:
    """sha256 → file result of every file whose metadata ``records`` hold as read (not inherited,
    not skipped, not a failed fetch): what a crawl need not fetch again.

    Example: ``known_results(dict(Index.open(Path("data")).iter_projects()))[sha256]["metadata"] == "pep658"``
    """
    known: Dict[str, Any] = {}
    for record in records.values():
        for files in record["releases"].values():
            for node in files:
                if node.get("metadata") in ("inherited", UNREAD_METADATA) or str(node.get("metadata_error", "")).startswith("fetch failed"):
                    continue
                result = {"metadata": node["metadata"]}
                if "requires_dist" in node:
                    result["requires_dist"] = record["deps"][node["requires_dist"]]
                for key in ("provides_extra", "build_system", "external", "metadata_error"):
                    if key in node:
                        result[key] = node[key]
                known[node["sha256"]] = result
    return known


def existing_results(out: Path) -> Dict[str, Any]:
    """The file results of the index already at ``out`` (none if there is none, or it is
    unreadable): a rebuild with a wider scope fetches only what that index lacks.

    Example: ``existing_results(Path("/nonexistent")) == {}``
    """
    if not (Path(out) / "metadata.json").exists():
        return {}
    try:
        return known_results(dict(Index.open(out).iter_projects()))
    except IndexError_:
        return {}  # unreadable: rebuilt from PyPI
