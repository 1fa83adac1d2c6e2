"""The user cache index: what on-demand fetching learned from PyPI, kept for the next lock.

One directory per simple API (``CACHE/index-v1/<layer id>/``), in the index schema (json shards
and ``metadata.json``, docs/index-format.md), so ``mach-nix index show/verify`` and ``--index``
read it too. Files whose metadata was not read yet are ``"metadata": "not-crawled"`` nodes.

Writers merge under an exclusive ``flock`` on ``.lock``: each re-reads the shards it touches,
takes the union with what it learned (a file node with metadata beats one without; nothing
stored is dropped), and commits through a journal (:mod:`mach_nix.index.storage.cache_journal`): the
metadata it is about to make true first, then the shards, then ``metadata.json``. A save cut
short anywhere is completed, or rolled back shard by shard, by the next lock that opens the cache.

Readers take a shared ``flock`` while they open a shard, so they never see a save half-done, and
check every shard against the sha256 ``metadata.json`` records and every record's shape
(:func:`~mach_nix.index.storage.schema.record_problem`; a save writes only records that pass it). A shard or record that fails is not cached: the
project is fetched again online; offline it is absent, and :attr:`CacheIndex.rejected` says why.
A read parses only the project asked for (:mod:`mach_nix.index.storage.cache_reader`); given the lock's
:class:`~mach_nix.index.storage.verified.VerifiedShards` and :class:`~mach_nix.index.storage.slice_tables.SliceTables`,
a shard file checked before is not hashed again, and a project's ranges and shape verdict found
before in the same bytes are not found again.

Where: ``--cache-dir``, else ``$MACH_NIX_CACHE_DIR``, else ``$XDG_CACHE_HOME/mach-nix``, else
``~/.cache/mach-nix``.

Example::

    cache = CacheIndex.for_index_url(default_cache_dir(), "https://pypi.org/simple")
    cache.read("six")                      # a project record, or None
    cache.save({"six": record})            # merged with what another lock stored meanwhile
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from pathlib import Path
from typing import IO, Any, Dict, Iterator, Optional, Tuple

import orjson

from mach_nix.index.storage.cache_reader import Unwalkable, materialize, read_project
from mach_nix.index.storage.cache_journal import JOURNAL_FILE, read_json, recover, shard_path, valid_metadata, write_metadata
from mach_nix.index.storage.schema import METADATA_FILE, Project, record_problem, shard_of
from mach_nix.index.storage.slice_tables import SliceTables
from mach_nix.index.storage.verified import VerifiedShards
from mach_nix.names import normalize

PYPI_SIMPLE = "https://pypi.org/simple"
LOCK_FILE = ".lock"


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

    def __init__(self, directory: Path, index_url: str, verified: Optional[VerifiedShards] = None,
                 tables: Optional[SliceTables] = None) -> None:
        self.directory = Path(directory)
        self.index_url = index_url.rstrip("/")
        self._shards: Dict[str, Dict[str, Project]] = {}  # parsed whole (saved, or not walkable)
        self._sources: Dict[str, Optional[Tuple[Any, str]]] = {}  # checked bytes and their sha256
        self._verified = verified  # shard files an earlier lock checked (None: hash every one)
        self._tables = tables  # projects' ranges and shape verdicts, by shard sha256 (None: walk each time)
        self._hashes: Optional[Dict[str, str]] = None  # metadata.json's, as last read
        self._prepared = False
        self._reader_lock: Optional[IO[bytes]] = None
        self.rejected: Dict[str, str] = {}  # shard or project -> why its cached copy is not used

    @classmethod
    def for_index_url(cls, root: Path, index_url: str, verified: Optional[VerifiedShards] = None,
                      tables: Optional[SliceTables] = None) -> "CacheIndex":
        return cls(Path(root) / "index-v1" / remote_layer_id(index_url), index_url, verified, tables)

    # -- reading --

    def read(self, name: str) -> Optional[Project]:
        """The cached record of a project, or None (not cached, or its copy failed a check).

        Example: ``CacheIndex(tmp, PYPI_SIMPLE).read("six") is None`` in an empty cache.
        """
        key = normalize(name)
        shard = shard_of(key)
        if shard in self._shards:  # parsed whole: by a save, or a shard not laid out as a walk expects
            record = self._shards[shard].get(key)
        else:
            source = self._source(shard)
            if source is None:
                return None
            try:
                record, problem = read_project(source[0], source[1], key, self._tables)
            except Unwalkable:
                self._shards[shard] = self._parsed(shard, source[0])
                return self.read(key)
            if problem is not None:
                self._reject(key, shard, problem)
            return record
        if record is None:
            return None
        problem = record_problem(record)
        if problem is not None:
            self._reject(key, shard, problem)
            self._shards[shard].pop(key)
            return None
        return record

    def _reject(self, key: str, shard: str, problem: str) -> None:
        self.rejected[key] = f"the cached record of {key} in {shard_path(self.directory, shard)} is malformed ({problem})"

    def reason(self, name: str) -> Optional[str]:
        """Why the cached copy of ``name`` (or of its shard) was not used, or None."""
        key = normalize(name)
        return self.rejected.get(key) or self.rejected.get(shard_of(key))

    def _source(self, shard: str) -> Optional[Tuple[Any, str]]:
        """A shard's bytes and the sha256 they were found to have, once per run; None when the shard
        is missing or fails its check (:meth:`_checked_bytes`)."""
        if shard not in self._sources:
            if not self.directory.is_dir():
                return None
            self._prepare()
            with self._flock(shared=True):
                self._sources[shard] = self._checked_bytes(shard)
        return self._sources[shard]

    def _checked_bytes(self, shard: str) -> Optional[Tuple[Any, str]]:
        """The shard's bytes (a memory map: a save renames a new file over it, never rewrites it)
        when they have the sha256 metadata.json records, else None; the caller holds the lock. A shard
        file checked by an earlier lock and unchanged since (:mod:`mach_nix.index.storage.verified`) is not
        hashed again."""
        from mach_nix.index.storage.shard_walk import map_file

        path = shard_path(self.directory, shard)
        if self._hashes is None:
            self._hashes = self._recorded_hashes()
        expected = self._hashes.get(shard)
        known = expected is not None and self._verified is not None and self._verified.fresh(path, expected)
        try:
            data = map_file(path, whole=not known)
        except OSError:
            return None
        if known:
            return data, expected  # type: ignore[return-value]
        digest = self._check(shard, data)
        if digest is not None and self._verified is not None:
            self._verified.add(path, digest)
        return None if digest is None else (data, digest)

    def _check(self, shard: str, data: Any) -> Optional[str]:
        """The sha256 of a shard's bytes when metadata.json records it (re-read once: another lock may
        have saved since it was read), else None with the reason in :attr:`rejected`."""
        digest = hashlib.sha256(data).hexdigest()
        if self._hashes is None or self._hashes.get(shard) != digest:
            self._hashes = self._recorded_hashes()
        if self._hashes.get(shard) != digest:
            self.rejected[shard] = (f"{shard_path(self.directory, shard)} does not match the sha256 "
                                    f"{self.directory / METADATA_FILE} records (changed, truncated or corrupt)")
            return None
        return digest

    def _parsed(self, shard: str, data: Any) -> Dict[str, Project]:
        """The projects of checked shard bytes, parsed whole; {} when they are not a shard of the schema."""
        try:
            projects = orjson.loads(data[:])["projects"]  # [:]: bytes of a memory map too
        except (orjson.JSONDecodeError, KeyError, TypeError):
            projects = None
        if not isinstance(projects, dict):
            self.rejected[shard] = f"{shard_path(self.directory, shard)} is not a shard of the index schema"
            return {}
        return projects

    def _read_checked(self, shard: str) -> Dict[str, Project]:
        """A shard's projects parsed whole when its bytes have the recorded sha256, else {} (a save's
        read: the caller holds the lock)."""
        try:
            data = shard_path(self.directory, shard).read_bytes()
        except OSError:
            return {}
        return {} if self._check(shard, data) is None else self._parsed(shard, data)

    def _recorded_hashes(self) -> Dict[str, str]:
        meta = read_json(self.directory / METADATA_FILE)
        shards = meta.get("shards") if isinstance(meta, dict) else None
        return {k: v for k, v in shards.items() if isinstance(v, str)} if isinstance(shards, dict) else {}

    def _prepare(self) -> None:
        """Once per run: complete a save that was cut short, or rebuild a lost ``metadata.json``."""
        if self._prepared:
            return
        self._prepared = True
        if (self.directory / JOURNAL_FILE).exists() or not valid_metadata(read_json(self.directory / METADATA_FILE)):
            if any(self.directory.glob("??.json")) or (self.directory / JOURNAL_FILE).exists():
                try:
                    with self._flock(shared=False):
                        recover(self.directory, self.index_url)
                except OSError:
                    pass  # a cache this user may not write: its unchecked shards stay unused

    @contextlib.contextmanager
    def _flock(self, *, shared: bool) -> Iterator[None]:
        import fcntl

        if not shared:
            with open(self.directory / LOCK_FILE, "a+b") as handle:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
                yield
            return
        if self._reader_lock is None:  # opened once: a lock reads dozens of shards
            try:
                self._reader_lock = open(self.directory / LOCK_FILE, "a+b")
            except OSError:
                yield  # a read-only cache has no writer to wait for
                return
        fcntl.flock(self._reader_lock.fileno(), fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(self._reader_lock.fileno(), fcntl.LOCK_UN)

    # -- writing --

    def save(self, records: Dict[str, Project]) -> None:
        """Merge ``records`` into the cache (exclusive lock; journaled, see the module docstring)."""
        records = {k: materialize(v) for k, v in records.items() if v.get("releases")}  # "no files": not kept
        if records:
            self.directory.mkdir(parents=True, exist_ok=True)
            with self._flock(shared=False):
                recover(self.directory, self.index_url, only_if_needed=True)
                self._prepared = True
                self._save_locked(records)
        self._remember()

    def _remember(self) -> None:
        """Keep which shard files were found sound, and the ranges found in them, for the next lock."""
        if self._verified is not None:
            self._verified.save()
        if self._tables is not None:
            self._tables.save()

    def _save_locked(self, records: Dict[str, Project]) -> None:
        from mach_nix.index.storage.merge import merge_records
        from mach_nix.index.storage.store import encode_shard, tally

        by_shard: Dict[str, Dict[str, Project]] = {}
        for name, record in records.items():
            by_shard.setdefault(shard_of(name), {})[normalize(name)] = record
        self._hashes = None  # read again, under this lock
        current = {shard: self._read_checked(shard) for shard in by_shard}
        if any(shard in self.rejected for shard in by_shard):  # changed on disk: set aside, counts recounted
            recover(self.directory, self.index_url)
            self._hashes = None
            current = {shard: self._read_checked(shard) for shard in by_shard}
        meta = read_json(self.directory / METADATA_FILE)
        assert isinstance(meta, dict)  # recover() made it
        hashes: Dict[str, str] = dict(meta["shards"])
        counts = {k: int(meta.get(k) or 0) for k in ("projects", "releases", "files")}
        writes: Dict[str, bytes] = {}
        for shard, new in sorted(by_shard.items()):
            self._shards.pop(shard, None)
            self._sources.pop(shard, None)
            projects = {k: v for k, v in current[shard].items() if record_problem(v) is None}
            before = {"projects": 0, "releases": 0, "files": 0}
            tally(before, projects)
            for key, record in new.items():
                merged = merge_records(projects.get(key), record)
                if record_problem(merged) is None:  # a shard holds only records a reader can trust
                    projects[key] = merged
            after = {"projects": 0, "releases": 0, "files": 0}
            tally(after, projects)
            counts = {k: counts[k] + after[k] - before[k] for k in counts}
            writes[shard] = encode_shard(shard, projects, "json")
            if self._tables is not None and shard in hashes:
                self._tables.drop(hashes[shard])  # replaced: its ranges would only take room
            hashes[shard] = hashlib.sha256(writes[shard]).hexdigest()
            self._shards[shard] = projects
        write_metadata(self.directory, self.index_url, hashes, counts, writes)
        self._hashes = hashes


def finish_interrupted_save(directory: Path) -> bool:
    """Recover a cache directory that a killed save left with its journal or temporary files (``index verify`` calls
    this first, so that it checks the cache as the next lock will read it). True when it did.

    Example: ``finish_interrupted_save(default_cache_dir() / "index-v1" / "pypi")``
    """
    directory = Path(directory)
    journal, meta = read_json(directory / JOURNAL_FILE), read_json(directory / METADATA_FILE)
    is_cache = isinstance(meta, dict) and isinstance(meta.get("scope"), dict) and meta["scope"].get("kind") == "cache"
    if not ((directory / JOURNAL_FILE).exists() or (is_cache and any(directory.glob(".*.tmp")))):
        return False
    url = next((doc["index_url"] for doc in (journal, meta) if isinstance(doc, dict) and isinstance(doc.get("index_url"), str)), None)
    cache = CacheIndex(directory, url if isinstance(url, str) else PYPI_SIMPLE)
    with cache._flock(shared=False):
        return recover(directory, cache.index_url, only_if_needed=True)
