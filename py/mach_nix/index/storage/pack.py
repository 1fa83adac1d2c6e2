"""Convert between the JSON and lz4 forms, and verify an index directory."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List

from mach_nix.errors import IndexError_
from mach_nix.index.storage.schema import METADATA_FILE, METADATA_SOURCES, SHARD_IDS, external_problem, shard_of
from mach_nix.index.storage.store import FORMATS, Index, read_metadata, shard_filename, tally, write_index


def pack(source: Path, out: Path, fmt: str = "lz4") -> dict:
    """Copy the index at ``source`` (either form) to ``out`` in form ``fmt``.

    Example: ``pack(Path("data"), Path("/tmp/idx"))`` writes ``/tmp/idx/00.json.lz4`` … and metadata.json.
    """
    if fmt not in FORMATS:
        raise IndexError_(f"Unknown index form {fmt!r}; use one of {', '.join(FORMATS)}.")
    index = Index.open(source)
    keep = {k: v for k, v in index.metadata.items() if k not in ("format", "shards", "schema")}
    created_at = keep.pop("created_at", None)
    serial = keep.pop("pypi_serial", 0)
    for key in ("projects", "releases", "files"):
        keep.pop(key, None)
    return write_index(out, index.all_shards(), fmt, created_at=created_at, pypi_serial=serial, extra=keep)


def _node_problems(path: Path, name: str, project: Dict[str, Any]) -> List[str]:
    """File nodes whose ``metadata`` source is not one of the schema's METADATA_SOURCES, or whose
    optional ``external`` table has the wrong shape (a node without one is fine)."""
    problems: List[str] = []
    for version, files in project.get("releases", {}).items():
        for node in files:
            if node.get("metadata") not in METADATA_SOURCES:
                problems.append(f"{path}: {name} {version}: {node.get('filename')!r} has metadata source {node.get('metadata')!r}, "
                                f"not one of {', '.join(METADATA_SOURCES)}.")
            if "external" in node and (problem := external_problem(node["external"])):
                problems.append(f"{path}: {name} {version}: {node.get('filename')!r}: {problem}.")
    return problems


def verify(directory: Path) -> List[str]:
    """Every problem found in an index directory (empty when it is sound).

    Checks metadata.json, that every shard exists, matches its recorded sha256, decodes, has the
    right schema, and holds only projects that belong to it; and the recorded counts.
    """
    directory = Path(directory)
    try:
        meta = read_metadata(directory)
    except IndexError_ as exc:
        return [exc.message]
    problems: List[str] = []
    index = Index(directory, meta)
    counts = {"projects": 0, "releases": 0, "files": 0}
    for shard in SHARD_IDS:
        if shard not in meta["shards"]:
            problems.append(f"{directory / METADATA_FILE} records no hash for shard {shard}.")
            continue
        try:
            projects = index.load_shard(shard)
        except IndexError_ as exc:
            problems.append(exc.message)
            continue
        path = directory / shard_filename(shard, meta["format"])
        for name, project in projects.items():
            if shard_of(name) != shard:
                problems.append(f"{path}: project {name!r} belongs in shard {shard_of(name)}.")
            problems += _node_problems(path, name, project)
        tally(counts, projects)
    if not problems:
        for key, value in counts.items():
            if meta.get(key) != value:
                problems.append(f"{directory / METADATA_FILE} says {key}={meta.get(key)}, the shards hold {value}.")
    return problems
