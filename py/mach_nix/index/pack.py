"""Convert between the JSON and lz4 forms, and verify an index directory."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import List

from mach_nix.errors import IndexError_
from mach_nix.index.schema import METADATA_FILE, SHARD_IDS
from mach_nix.index.store import FORMATS, Index, decode_shard, read_metadata, shard_filename, write_index


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
    fmt = meta["format"]
    counts = {"projects": 0, "releases": 0, "files": 0}
    from mach_nix.index.schema import shard_of

    for shard in SHARD_IDS:
        path = directory / shard_filename(shard, fmt)
        expected = meta["shards"].get(shard)
        if expected is None:
            problems.append(f"{directory / METADATA_FILE} records no hash for shard {shard}.")
            continue
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            problems.append(f"{path} is missing.")
            continue
        if hashlib.sha256(data).hexdigest() != expected:
            problems.append(f"{path} does not match its recorded sha256.")
            continue
        try:
            doc = decode_shard(data, fmt, path)
        except IndexError_ as exc:
            problems.append(exc.message)
            continue
        for name, project in doc["projects"].items():
            if shard_of(name) != shard:
                problems.append(f"{path}: project {name!r} belongs in shard {shard_of(name)}.")
            counts["projects"] += 1
            counts["releases"] += len(project.get("releases", {}))
            counts["files"] += sum(len(files) for files in project.get("releases", {}).values())
    if not problems:
        for key, value in counts.items():
            if meta.get(key) != value:
                problems.append(f"{directory / METADATA_FILE} says {key}={meta.get(key)}, the shards hold {value}.")
    return problems
