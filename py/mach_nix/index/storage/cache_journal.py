"""Crash-safe saves of the user cache: a journal written before the shards, replayed after a kill.

A save changes several shards and then ``metadata.json`` (their hashes and the counts); no rename
makes all of that one step. So a save writes, in this order (each file atomically):

1. ``metadata.next.json``, the journal: the metadata the save is about to make true;
2. each shard it changes (and an empty shard for each one not on disk yet);
3. ``metadata.json`` (the journal's bytes);
4. then it removes the journal.

A process killed anywhere leaves a journal, or nothing to do. :func:`recover` (run under the
cache's exclusive lock by the next lock that opens the cache, or by ``index verify``) keeps every
shard whose sha256 is the one ``metadata.json`` or the journal records for it, recounts the
projects, releases and files from the shards kept, and writes ``metadata.json`` anew. A shard
that matches neither (changed on disk) is moved aside as ``XX.json.corrupt`` and replaced by an
empty one: its records are fetched again. Without any readable metadata (``metadata.json`` lost or
garbled, no journal), a shard is kept when it parses and every record has the schema's shape.
Leftover ``.*.tmp`` files of killed writes are removed. Recovery journals its own result first,
so a kill during it is recovered the same way.

Example::

    write_metadata(directory, url, hashes, counts, {"1a": shard_bytes})   # inside a save
    recover(directory, url, only_if_needed=True)                          # before the next one
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any, Dict, Optional

import orjson

from mach_nix.fsutil import atomic_write_bytes
from mach_nix.index.storage.schema import METADATA_FILE, SCHEMA_VERSION, SHARD_IDS, record_problem, shard_of

JOURNAL_FILE = "metadata.next.json"
CORRUPT_SUFFIX = ".corrupt"
_SCOPE = {"kind": "cache", "note": "filled by on-demand fetching; not-crawled files are unread"}


def shard_path(directory: Path, shard: str) -> Path:
    return Path(directory) / f"{shard}.json"


def read_json(path: Path) -> Any:
    """The JSON document at ``path``, or None when it is missing or unreadable."""
    try:
        return orjson.loads(Path(path).read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None


def valid_metadata(doc: Any) -> bool:
    """Whether ``doc`` (a parsed ``metadata.json``) records shard hashes at all."""
    return isinstance(doc, dict) and isinstance(doc.get("shards"), dict)


def _metadata_bytes(index_url: str, hashes: Dict[str, str], counts: Dict[str, int]) -> bytes:
    from mach_nix.index.storage.store import now_utc

    meta = {"schema": SCHEMA_VERSION, "format": "json", "created_at": now_utc(), "pypi_serial": 0, **counts,
            "shards": hashes, "index_url": index_url, "scope": _SCOPE}
    return orjson.dumps(meta, option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2) + b"\n"


def write_metadata(directory: Path, index_url: str, hashes: Dict[str, str], counts: Dict[str, int],
                   writes: Dict[str, bytes]) -> None:
    """Commit a save: the journal, the shards in ``writes`` (and empty ones for shards not on disk),
    ``metadata.json``, then remove the journal (see the module docstring). The caller holds the lock.

    Example: ``write_metadata(d, url, {**old_hashes, "1a": sha}, counts, {"1a": data})``
    """
    from mach_nix.index.storage.store import encode_shard

    directory = Path(directory)
    writes = dict(writes)
    hashes = dict(hashes)
    for shard in SHARD_IDS:  # every index has all 256 shards; only absent files are written empty
        if shard not in writes and not shard_path(directory, shard).exists():
            writes[shard] = encode_shard(shard, {}, "json")
            hashes[shard] = hashlib.sha256(writes[shard]).hexdigest()
    meta = _metadata_bytes(index_url, hashes, counts)
    atomic_write_bytes(directory / JOURNAL_FILE, meta)
    for shard, data in sorted(writes.items()):
        atomic_write_bytes(shard_path(directory, shard), data)
    atomic_write_bytes(directory / METADATA_FILE, meta)
    os.unlink(directory / JOURNAL_FILE)


def _needs_recovery(directory: Path) -> bool:
    return ((directory / JOURNAL_FILE).exists() or not valid_metadata(read_json(directory / METADATA_FILE))
            or any(directory.glob(".*.tmp")))


def _shape_ok(shard: str, data: bytes) -> Optional[Dict[str, Any]]:
    """The projects of shard bytes when they parse and every record has the schema's shape."""
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError:
        return None
    projects = doc.get("projects") if isinstance(doc, dict) else None
    if not isinstance(projects, dict):
        return None
    if any(shard_of(name) != shard or record_problem(record) for name, record in projects.items()):
        return None
    return projects


def recover(directory: Path, index_url: str, *, only_if_needed: bool = False) -> bool:
    """Make ``metadata.json`` true of the shards on disk again (see the module docstring); the caller
    holds the cache's exclusive lock. Returns whether anything was to be done.

    Example: ``recover(cache.directory, cache.index_url)`` after a lock was killed mid-save.
    """
    from mach_nix.index.storage.store import encode_shard, tally

    directory = Path(directory)
    if only_if_needed and not _needs_recovery(directory):
        return False
    directory.mkdir(parents=True, exist_ok=True)
    for leftover in directory.glob(".*.tmp"):  # the caller's lock excludes every live writer
        leftover.unlink(missing_ok=True)
    meta, journal = read_json(directory / METADATA_FILE), read_json(directory / JOURNAL_FILE)
    known = [doc["shards"] for doc in (meta, journal) if valid_metadata(doc)]
    hashes: Dict[str, str] = {}
    counts = {"projects": 0, "releases": 0, "files": 0}
    writes: Dict[str, bytes] = {}
    set_aside = []
    for shard in SHARD_IDS:
        path = shard_path(directory, shard)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            data = None
        projects = None
        if data is not None:
            digest = hashlib.sha256(data).hexdigest()
            expected = [shards.get(shard) for shards in known if shards.get(shard)]
            if digest in expected or not expected:
                projects = _shape_ok(shard, data)  # recorded hashes are of shards this module wrote
            if projects is None:
                set_aside.append(shard)
            else:
                hashes[shard] = digest
        if projects is None:
            writes[shard] = encode_shard(shard, {}, "json")
            hashes[shard] = hashlib.sha256(writes[shard]).hexdigest()
        else:
            tally(counts, projects)
    meta_bytes = _metadata_bytes(index_url, hashes, counts)
    atomic_write_bytes(directory / JOURNAL_FILE, meta_bytes)
    for shard in set_aside:
        path = shard_path(directory, shard)
        os.replace(path, path.with_name(path.name + CORRUPT_SUFFIX))
    for shard, data in sorted(writes.items()):
        atomic_write_bytes(shard_path(directory, shard), data)
    atomic_write_bytes(directory / METADATA_FILE, meta_bytes)
    os.unlink(directory / JOURNAL_FILE)
    return True
