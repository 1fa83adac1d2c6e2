"""A lazy view of the index for the resolver: parse only the releases it looks at.

A resolution touches a few hundred projects but only a few releases of each, while a shard holds
every release of ~dozens of projects. Both forms hold the same pretty JSON (the lz4 form inside an
lz4 frame), written by orjson with a two-space indent and sorted keys, so a project, its ``deps``
entries and its ``releases`` entries start at known indentation and end at a known closing line;
this module walks them with ``bytes.find`` and hands each value to orjson only when it is used.

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
import mmap
import threading
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Optional, Tuple

import orjson

from mach_nix.errors import IndexError_
from mach_nix.index.storage.schema import SHARD_IDS, shard_of
from mach_nix.index.storage.slice_tables import ABSENT, SliceTables
from mach_nix.index.storage.store import Index, decode_frame, decode_lz4, frame_table, shard_filename
from mach_nix.index.storage.verified import VerifiedShards
from mach_nix.names import normalize

_SHARD_HEAD = b'{\n  "projects": {'
_OPEN = (0x7B, 0x5B)  # { [
_CLOSE = {0x7B: b"}", 0x5B: b"]"}
_COMMA = 0x2C
_ORDER = " release order"  # not a JSON member name the walk could find (keys have no leading space)


class _Fallback(Exception):
    """The shard does not have the expected layout: use the full parse."""


def _members(buf: bytes, pos: int, indent: int, nested: Tuple[str, ...] = ()) -> Tuple[Dict[str, Any], int]:
    """Members of the non-empty object opened just before ``pos`` (at ``indent``) → value ranges, and its end.

    A member named in ``nested`` (a non-empty object) is walked too, its value being
    ``(start, end, members)``; every other value is found by searching for its closing line only,
    so each byte is scanned about once (needles with spaces are slow to search in indented JSON).

    Example: for ``b'{\n  "a": 1,\n  "b": [\n    2\n  ]\n}'``, ``_members(buf, 1, 2)`` is
    ``({"a": (9, 10), "b": (19, 30)}, 30)``.
    """
    lead = b"\n" + b" " * indent + b'"'
    closers = {c: b"\n" + b" " * indent + _CLOSE[c] for c in _OPEN}
    out: Dict[str, Any] = {}
    while True:
        if buf[pos:pos + len(lead)] != lead:
            raise _Fallback
        kstart = pos + len(lead)
        kend = buf.find(b'"', kstart)
        if kend == -1 or buf[kend - 1] == 0x5C or buf[kend + 1:kend + 3] != b": ":  # backslash: escaped key
            raise _Fallback
        key = buf[kstart:kend].decode()
        vstart = kend + 3
        first = buf[vstart]
        if first in _OPEN:
            if buf[vstart + 1] == first + 2:  # "{}" / "[]"
                vend = vstart + 2
                out[key] = (vstart, vend)
            elif first == 0x7B and key in nested:
                sub, vend = _members(buf, vstart + 1, indent + 2)
                if buf[vend:vend + indent + 2] != closers[first]:
                    raise _Fallback
                vend += indent + 2
                out[key] = (vstart, vend, sub)
            else:
                vend = _closing(buf, vstart, closers[first])
                out[key] = (vstart, vend)
        else:  # a scalar: the rest of the line
            vend = buf.find(b"\n", vstart)
            if vend == -1:
                raise _Fallback
            if buf[vend - 1] == _COMMA:
                vend -= 1
            out[key] = (vstart, vend)
        if buf[vend] != _COMMA:
            return out, vend
        pos = vend + 1


def _closing(buf: bytes, pos: int, closer: bytes) -> int:
    """End of the first ``closer`` line (newline, indent, bracket) after ``pos``.

    Searching for the bracket alone (memchr) and checking the indent before it is several times
    faster than searching for the whole needle, whose spaces match everywhere in indented JSON.
    """
    bracket = closer[-1:]
    lead = len(closer) - 1
    while True:
        i = buf.find(bracket, pos)
        if i == -1:
            raise _Fallback
        if buf[i - lead:i] == closer[:-1]:
            return i + 1
        pos = i + 1


def _find_head(buf: bytes, needle: bytes) -> int:
    """Offset of ``needle`` where it starts a project (indent 4, after a quote), or -1."""
    pos = 0
    while True:
        at = buf.find(needle, pos)
        if at == -1 or buf[at - 6:at] == b'\n    "':
            return at
        pos = at + 1


def _head_names(buf: bytes) -> Iterator[str]:
    """Names of the projects of a pretty shard: each starts ``\\n    "NAME": {\\n      "deps"`` (keys sorted)."""
    needle = b'": {\n      "deps"'
    pos = 0
    while True:
        at = buf.find(needle, pos)
        if at == -1:
            return
        start = buf.rfind(b'\n    "', 0, at) + 6
        if start > 5 and b'"' not in buf[start:at]:
            yield buf[start:at].decode()
        pos = at + 1


def _map(path: Path, whole: bool = True) -> Any:
    """The file's bytes as a read-only memory map (bytes-like: find, slices, indexing), else its bytes.

    ``whole``: the whole file will be read (hashed, or searched): map it in one go (MAP_POPULATE),
    several times cheaper than copying a shard into a fresh bytes object. Otherwise (a shard whose
    project ranges are known) only the pages read are faulted in, from disk too when the page cache
    is cold. Shards are replaced by rename, never rewritten in place.
    """
    with open(path, "rb") as f:
        try:
            flags = mmap.MAP_SHARED | (getattr(mmap, "MAP_POPULATE", 0) if whole else 0)
            return mmap.mmap(f.fileno(), 0, flags=flags, prot=mmap.PROT_READ)
        except (AttributeError, OSError, TypeError, ValueError):  # an empty file, or no POSIX mmap
            return f.read()


class _LazyMap(Mapping[str, Any]):
    """A read-only mapping whose values are JSON slices parsed on first access."""

    __slots__ = ("_buf", "_ranges", "_parsed")

    def __init__(self, buf: bytes, ranges: Dict[str, Tuple[int, int]]) -> None:
        self._buf = buf
        self._ranges = ranges
        self._parsed: Dict[str, Any] = {}

    def __getitem__(self, key: str) -> Any:
        hit = self._parsed.get(key)
        if hit is None:
            start, end = self._ranges[key]
            hit = self._parsed[key] = orjson.loads(self._buf[start:end])
        return hit

    def get(self, key: str, default: Any = None) -> Any:
        return self[key] if key in self._ranges else default

    def __iter__(self) -> Iterator[str]:
        return iter(self._ranges)

    def __len__(self) -> int:
        return len(self._ranges)

    def __contains__(self, key: object) -> bool:
        return key in self._ranges


class _Deferred(Mapping[str, Any]):
    """A read-only mapping over one JSON object slice, parsed as a whole on first use (a project's
    ``versions`` table: needed only to explain a failure)."""

    __slots__ = ("_buf", "_span", "_value")

    def __init__(self, buf: bytes, span: Tuple[int, int]) -> None:
        self._buf = buf
        self._span = span
        self._value: Optional[Dict[str, Any]] = None

    def _parsed(self) -> Dict[str, Any]:
        if self._value is None:
            value = orjson.loads(self._buf[self._span[0]:self._span[1]])
            self._value = value if isinstance(value, dict) else {}
        return self._value

    def __getitem__(self, key: str) -> Any:
        return self._parsed()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._parsed())

    def __len__(self) -> int:
        return len(self._parsed())


class _SearchedMap(_LazyMap):
    """A lazy mapping over the object at ``span`` (members at ``indent``) that finds a key by searching for it.

    A resolution reads a few ``deps`` entries of a project; walking all of them to build the
    ranges first would cost more than the direct search. The ranges are built only to iterate.
    """

    __slots__ = ("_span", "_indent")

    def __init__(self, buf: bytes, span: Tuple[int, int], indent: int) -> None:
        super().__init__(buf, {})
        self._span = span
        self._indent = indent

    def _range(self, key: str) -> Optional[Tuple[int, int]]:
        hit = self._ranges.get(key)
        if hit is None:
            lead = b"\n" + b" " * self._indent + b'"' + key.encode() + b'": '
            at = self._buf.find(lead, self._span[0], self._span[1])
            if at == -1:
                return None
            start = at + len(lead)
            first = self._buf[start]
            if first not in _OPEN:
                raise _Fallback
            end = start + 2 if self._buf[start + 1] == first + 2 else _closing(
                self._buf, start, b"\n" + b" " * self._indent + _CLOSE[first])
            hit = self._ranges[key] = (start, end)
        return hit

    def __getitem__(self, key: str) -> Any:
        hit = self._parsed.get(key)
        if hit is None:
            where = self._range(key)
            if where is None:
                raise KeyError(key)
            hit = self._parsed[key] = orjson.loads(self._buf[where[0]:where[1]])
        return hit

    def get(self, key: str, default: Any = None) -> Any:
        return self[key] if self._range(key) is not None else default

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._range(key) is not None

    def _walk(self) -> Dict[str, Tuple[int, int]]:
        self._ranges = _members(self._buf, self._span[0] + 1, self._indent)[0]
        return self._ranges

    def __iter__(self) -> Iterator[str]:
        return iter(self._walk())

    def __len__(self) -> int:
        return len(self._walk())


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
    def identity(self) -> Dict[str, Any]:
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
                yield from _head_names(source)

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
            data: Any = _map(path, whole=not (self._tables is not None and fresh())) if fmt == "json" else path.read_bytes()
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
        if type(result) is not dict and result[:len(_SHARD_HEAD)] != _SHARD_HEAD:
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
            except (_Fallback, IndexError, IndexError_, orjson.JSONDecodeError):
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
            fields = self._walk(buf, key)
            if self._tables is not None and shard in self.metadata["shards"]:
                self._tables.put(self.metadata["shards"][shard], key, ABSENT if fields is None else fields)
            if fields is None:
                return None
        return self._project(buf, fields)

    @staticmethod
    def _walk(buf: bytes, key: str) -> Optional[Dict[str, Any]]:
        """The byte ranges of the project's members (its releases' too), or None when absent."""
        # search for the name and check the indent around it; the name followed by the first member
        # of a project ("deps", keys being sorted) is searched about twice as fast as the name alone
        head = key.encode() + b'": {'
        at = _find_head(buf, head + b'\n      "deps"')
        if at == -1:
            at = _find_head(buf, head)  # a record without "deps": the checks below reject it
            if at == -1:
                return None
        body = at + len(head) - 1
        if buf[body + 1] == 0x7D:  # "{}"
            raise _Fallback
        fields, _ = _members(buf, body + 1, 6, ("releases",))  # every release is needed (to sort versions)
        if not {"deps", "name", "releases"} <= fields.keys():
            raise _Fallback
        releases = fields["releases"]
        if len(releases) == 3:  # the version order, kept with the ranges: a later lock parses only what it reads
            from mach_nix.versions import newest_first

            fields[_ORDER] = tuple(text for _, text in newest_first(releases[2]))
        return fields

    @staticmethod
    def _project(buf: bytes, fields: Dict[str, Any]) -> Dict[str, Any]:
        """The lazy project record over ``buf`` from its members' byte ranges."""
        project: Dict[str, Any] = {"name": orjson.loads(buf[fields["name"][0]:fields["name"][1]])}
        for field in ("deps", "releases"):
            value = fields[field]
            if len(value) == 3:
                project[field] = _LazyMap(buf, value[2])
            elif buf[value[0]:value[1]] == b"{}":
                project[field] = {}
            elif field == "deps" and buf[value[0]] == 0x7B:
                project[field] = _SearchedMap(buf, value, 8)
            else:
                raise _Fallback
        if "versions" in fields:
            project["versions"] = _Deferred(buf, fields["versions"][:2])
        if _ORDER in fields and len(fields["releases"]) == 3:
            project["release_order"] = fields[_ORDER]  # newest first (see ProjectCandidates)
        return project
