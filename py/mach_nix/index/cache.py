"""The user cache index: what on-demand fetching learned from PyPI, kept for the next lock.

One directory per simple API (``CACHE/index-v1/<layer id>/``), in the index schema (json shards
and ``metadata.json``, docs/index-format.md), so ``mach-nix index show/verify`` and ``--index``
read it too. Files whose metadata was not read yet are ``"metadata": "not-crawled"`` nodes.

Writers merge under an exclusive ``flock`` on ``.lock``: each re-reads the shards it touches,
takes the union with what it learned (a file node with metadata beats one without; nothing
stored is dropped), and replaces them atomically, then ``metadata.json``. Readers never lock: a
shard is replaced by rename, so a reader sees a whole old or a whole new shard; they do not check
shard hashes (a concurrent writer may have replaced a shard since ``metadata.json`` was read).

Where: ``--cache-dir``, else ``$MACH_NIX_CACHE_DIR``, else ``$XDG_CACHE_HOME/mach-nix``, else
``~/.cache/mach-nix``.

Example::

    cache = CacheIndex.for_index_url(default_cache_dir(), "https://pypi.org/simple")
    cache.read("six")                      # a project record, or None
    cache.save({"six": record})            # merged with what another lock stored meanwhile
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any, Dict, Optional

import orjson

from mach_nix.index.schema import METADATA_FILE, SCHEMA_VERSION, Project, shard_of
from mach_nix.names import normalize

PYPI_SIMPLE = "https://pypi.org/simple"


def default_cache_dir() -> Path:
    """``$MACH_NIX_CACHE_DIR``, else ``$XDG_CACHE_HOME/mach-nix``, else ``~/.cache/mach-nix``."""
    env = os.environ.get("MACH_NIX_CACHE_DIR")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "mach-nix"


def remote_layer_id(index_url: str) -> str:
    """``pypi`` for PyPI's simple API, else ``remote-`` and 12 hex digits of the URL's sha256."""
    url = index_url.rstrip("/")
    if url == PYPI_SIMPLE:
        return "pypi"
    return "remote-" + hashlib.sha256(url.encode()).hexdigest()[:12]


class CacheIndex:
    """One simple API's cache directory (see the module docstring)."""

    def __init__(self, directory: Path, index_url: str) -> None:
        self.directory = Path(directory)
        self.index_url = index_url.rstrip("/")
        self._shards: Dict[str, Dict[str, Project]] = {}

    @classmethod
    def for_index_url(cls, root: Path, index_url: str) -> "CacheIndex":
        return cls(Path(root) / "index-v1" / remote_layer_id(index_url), index_url)

    def read(self, name: str) -> Optional[Project]:
        """The cached record of a project, or None (no cache, a corrupt shard: nothing cached)."""
        key = normalize(name)
        shard = shard_of(key)
        if shard not in self._shards:
            self._shards[shard] = self._load_shard(shard)
        return self._shards[shard].get(key)

    def _load_shard(self, shard: str) -> Dict[str, Project]:
        try:
            doc = orjson.loads((self.directory / f"{shard}.json").read_bytes())
            projects = doc["projects"]
            return projects if isinstance(projects, dict) else {}
        except (OSError, orjson.JSONDecodeError, KeyError, TypeError):
            return {}

    def save(self, records: Dict[str, Project]) -> None:
        """Merge ``records`` into the cache (exclusive lock; atomic shard replacement)."""
        if not records:
            return
        import fcntl

        self.directory.mkdir(parents=True, exist_ok=True)
        with open(self.directory / ".lock", "a+b") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            self._save_locked(records)

    def _save_locked(self, records: Dict[str, Project]) -> None:
        from mach_nix.fsutil import atomic_write_bytes
        from mach_nix.index.record import merge_records
        from mach_nix.index.schema import SHARD_IDS
        from mach_nix.index.store import encode_shard, now_utc, tally

        meta = self._metadata()
        hashes: Dict[str, str] = dict(meta.get("shards") or {})
        counts = {k: int(meta.get(k) or 0) for k in ("projects", "releases", "files")}
        if not meta:  # a first save, or one interrupted before its metadata.json: count what is there
            for shard in SHARD_IDS:
                tally(counts, self._load_shard(shard))
        by_shard: Dict[str, Dict[str, Project]] = {}
        for name, record in records.items():
            by_shard.setdefault(shard_of(name), {})[normalize(name)] = record
        for shard, new in sorted(by_shard.items()):
            projects = self._load_shard(shard)
            before = {"projects": 0, "releases": 0, "files": 0}
            tally(before, projects)
            for key, record in new.items():
                projects[key] = merge_records(projects.get(key), record)
            after = {"projects": 0, "releases": 0, "files": 0}
            tally(after, projects)
            counts = {k: counts[k] + after[k] - before[k] for k in counts}
            data = encode_shard(shard, projects, "json")
            atomic_write_bytes(self.directory / f"{shard}.json", data)
            hashes[shard] = hashlib.sha256(data).hexdigest()
            self._shards[shard] = projects
        for shard in SHARD_IDS:  # every index has all 256 shards
            if shard not in hashes:
                data = encode_shard(shard, {}, "json")
                atomic_write_bytes(self.directory / f"{shard}.json", data)
                hashes[shard] = hashlib.sha256(data).hexdigest()
        meta = {"schema": SCHEMA_VERSION, "format": "json", "created_at": now_utc(), "pypi_serial": 0, **counts,
                "shards": hashes, "index_url": self.index_url,
                "scope": {"kind": "cache", "note": "filled by on-demand fetching; not-crawled files are unread"}}
        atomic_write_bytes(self.directory / METADATA_FILE,
                           orjson.dumps(meta, option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2) + b"\n")

    def _metadata(self) -> Dict[str, Any]:
        try:
            meta = orjson.loads((self.directory / METADATA_FILE).read_bytes())
            return meta if isinstance(meta, dict) else {}
        except (OSError, orjson.JSONDecodeError):
            return {}
