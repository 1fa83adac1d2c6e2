"""A lazy view of the index for the resolver: parse only the releases it looks at.

A resolution touches a few hundred projects but only a few releases of each, while a shard holds
every release of ~dozens of projects. Both forms hold the same pretty JSON (the lz4 form inside an
lz4 frame), which :mod:`mach_nix.index.storage.shard_walk` walks with ``bytes.find``, handing each
value to orjson only when it is used.

Shard hashes are checked against ``metadata.json`` on a worker thread (hashlib releases the GIL),
overlapping the resolution; :meth:`LazyIndex.check` waits for them and raises the store's error on
a mismatch. With a :class:`~mach_nix.index.storage.verified.VerifiedShards` record, a shard file checked
by an earlier lock and unchanged since is not hashed again, and the byte ranges an earlier lock
found in it are read from :class:`~mach_nix.index.storage.slice_tables.SliceTables` instead of being
searched and walked again (only for such a shard: ranges never meet bytes they were not computed
on). Anything else (an older compact lz4 index, unexpected layout) falls back to the store's full
parse, which checks the hash itself.
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, Iterator, List, Optional, Tuple

import orjson

from mach_nix.errors import IndexError_
from mach_nix.index.storage.schema import SHARD_IDS, shard_of
from mach_nix.index.storage.slice_tables import ABSENT, SliceTables
from mach_nix.index.storage.store import Index, decode_frame, decode_lz4, frame_table, shard_filename
from mach_nix.index.storage.shard_walk import SHARD_HEAD, Fallback, head_names, lazy_project, map_file, walk_project
from mach_nix.index.storage.verified import VerifiedShards
from mach_nix.names import normalize

if TYPE_CHECKING:
    from mach_nix.shapes import IndexIdentity


class _HashChecker:
    """sha256 of shard bytes on one worker thread; :meth:`mismatches` joins it."""

    def __init__(self) -> None:
        self._jobs: List[Tuple[str, bytes, str]] = []
        self._bad: List[str] = []
        self._cond = threading.Condition()
        self._closed = False
        self._thread: Optional[threading.Thread] = None

    def submit(self, shard: str, data: bytes, expected: str) -> None:
        with self._cond:
            self._jobs.append((shard, data, expected))
            self._cond.notify()
        if self._thread is None:
            self._thread = threading.Thread(target=self._work, name="mach-nix-shard-hash", daemon=True)
            self._thread.start()

    def _work(self) -> None:
        while True:
            with self._cond:
                while not self._jobs and not self._closed:
                    self._cond.wait()
                if not self._jobs:
                    return
                job = self._jobs.pop()
            self._hash(*job)

    def _hash(self, shard: str, data: bytes, expected: str) -> None:
        if hashlib.sha256(data).hexdigest() != expected:
            self._bad.append(shard)

    def mismatches(self) -> List[str]:
        """Shards whose hash did not match (waits for every submitted check, helping with the rest)."""
        if self._thread is not None:
            # the worker gets the GIL back only every switch interval while this thread runs Python,
            # so it may lag: hash what is left here too, concurrently (sha256 releases the GIL)
            while True:
                with self._cond:
                    if not self._jobs:
                        self._closed = True
                        self._cond.notify()
                        break
                    job = self._jobs.pop(0)
                self._hash(*job)
            self._thread.join()
            self._thread = None
            self._closed = False
        return sorted(self._bad)


class LazyIndex:
    """Wraps an :class:`Index`; ``project(name)`` returns a dict whose ``deps``, ``releases`` and
    ``versions`` (when the index has that table) are lazy, with ``release_order``: the valid
    release keys newest first (:func:`~mach_nix.resolve.candidates.newest_first`), remembered with
    the slice tables so that a later lock need not parse every version to sort them.

    Call :meth:`check` before trusting a result: it waits for the shard hash checks.

    Example::

        index = LazyIndex(Index.open())
        project = index.project("requests")
        files = project["releases"]["2.31.0"]   # only this release is parsed
        index.check()                            # raises IndexError_ on a changed shard
    """

    def __init__(self, index: Index, verified: Optional[VerifiedShards] = None,
                 tables: Optional[SliceTables] = None) -> None:
        self.index = index
        self.directory = index.directory
        self.metadata = index.metadata
        self._shards: Dict[str, Any] = {}
        self._projects: Dict[str, Optional[Dict[str, Any]]] = {}
        self._hashes = _HashChecker()
        self._verified = verified  # shard files checked by an earlier lock (None: check every one)
        self._checking: List[Tuple[Path, str]] = []
        self._tables = tables  # projects' byte ranges, by shard hash (None: walk every shard)
        self._trusted: Dict[str, str] = {}  # shard -> its hash, for files known to have it: tables apply

    @property
    def identity(self) -> "IndexIdentity":
        return self.index.identity

    def names(self) -> Iterator[str]:
        """Every project name, from the frame tables or the project heads (no JSON parsed; for messages).

        Example: ``"requests" in set(LazyIndex(Index.open()).names())``
        """
        for shard in SHARD_IDS:
            source = self._source(shard)
            if source is None:
                yield from self.index.shard(shard)
            elif type(source) is dict:
                yield from source
            else:
                yield from head_names(source)

    def check(self) -> None:
        """Wait for the shard hash checks; raise the store's error for the first changed shard."""
        for shard in self._hashes.mismatches():
            self.index.shard(shard)  # re-reads, re-hashes and raises the store's message
        if self._verified is not None and self._checking:
            for path, expected in self._checking:
                self._verified.add(path, expected)
            self._checking = []
            self._verified.save()
        if self._tables is not None:
            self._tables.save()  # only ranges of shards whose hash was found right, as all were

    def _source(self, shard: str) -> Any:
        """What the projects of a shard are sliced from: the JSON bytes, or for a framed lz4 shard a
        dict name -> its frame (decompressed on use); None when only the store's full parse will do."""
        if shard in self._shards:
            return self._shards[shard]
        fmt = self.index.format
        path = self.directory / shard_filename(shard, fmt)
        expected = self.metadata["shards"].get(shard)

        def fresh() -> bool:
            return expected is not None and self._verified is not None and self._verified.fresh(path, expected)

        try:
            data: Any = map_file(path, whole=not (self._tables is not None and fresh())) if fmt == "json" else path.read_bytes()
        except FileNotFoundError:
            raise IndexError_(f"Index shard {path} is missing. Run `mach-nix index verify {self.directory}`.") from None
        if expected is not None and not fresh():  # asked again once open: a file renamed over it since is not trusted
            self._hashes.submit(shard, data, expected)
            self._checking.append((path, expected))
        elif expected is not None:
            self._trusted[shard] = expected
        result: Any = data
        try:
            if fmt == "lz4":
                table = frame_table(data, path)
                if table is not None:
                    result = {name: data[offset:offset + length] for name, offset, length in table if name}
                else:
                    result = decode_lz4(data, path)
        except IndexError_:
            self.check()  # a hash mismatch explains it better
            raise
        if type(result) is not dict and result[:len(SHARD_HEAD)] != SHARD_HEAD:
            result = None
        self._shards[shard] = result
        return result

    def project(self, name: str) -> Optional[Dict[str, Any]]:
        """The project record (lazy ``deps``/``releases``), or None when absent."""
        key = normalize(name)
        if key in self._projects:
            return self._projects[key]
        shard = shard_of(key)
        source = self._source(shard)
        project: Optional[Dict[str, Any]]
        if source is None:
            project = self.index.project(key)
        else:
            try:
                if type(source) is dict:
                    frame = source.get(key)
                    path = self.directory / shard_filename(shard, self.index.format)
                    project = None if frame is None else self._slice(decode_frame(frame, path), key, shard)
                else:
                    project = self._slice(source, key, shard)
            except (Fallback, IndexError, IndexError_, orjson.JSONDecodeError):
                self.check()
                project = self.index.project(key)
        self._projects[key] = project
        return project

    def _slice(self, buf: bytes, key: str, shard: str) -> Optional[Dict[str, Any]]:
        sha = self._trusted.get(shard) if self._tables is not None else None
        fields = self._tables.get(sha, key) if sha is not None else None  # type: ignore[union-attr]
        if fields is ABSENT:
            return None
        if not (isinstance(fields, dict) and {"deps", "name", "releases"} <= fields.keys()):
            fields = walk_project(buf, key)
            if self._tables is not None and shard in self.metadata["shards"]:
                self._tables.put(self.metadata["shards"][shard], key, ABSENT if fields is None else fields)
            if fields is None:
                return None
        return lazy_project(buf, fields)
