"""Walking the pretty JSON of a shard: a project's members and releases as byte ranges, parsed on use.

Both forms of an index shard, and the user cache's shards, hold the same pretty JSON, written by
orjson with a two-space indent and sorted keys (file nodes one per line), so a project, its
``deps`` entries and its ``releases`` entries start at known indentation and end at a known
closing line; this module finds them with ``bytes.find`` and hands each value to orjson only when
it is used. Bytes laid out otherwise raise :class:`Fallback`: the caller parses them whole.
Shared by :mod:`mach_nix.index.storage.lazy_index` (the embedded index) and
:mod:`mach_nix.index.storage.cache_reader` (the user cache).

Example::

    fields = walk_project(shard_bytes, "requests")       # None: the shard lacks it
    record = lazy_project(shard_bytes, fields)
    record["releases"]["2.31.0"]                          # only this release is parsed
"""

from __future__ import annotations

import mmap
from pathlib import Path
from typing import Any, Dict, Iterator, Mapping, Optional, Tuple

import orjson

SHARD_HEAD = b'{\n  "projects": {'
_OPEN = (0x7B, 0x5B)  # { [
_CLOSE = {0x7B: b"}", 0x5B: b"]"}
_COMMA = 0x2C
ORDER = " release order"  # not a JSON member name the walk could find (keys have no leading space)


class Fallback(Exception):
    """The shard does not have the expected layout: use the full parse."""


def members(buf: bytes, pos: int, indent: int, nested: Tuple[str, ...] = ()) -> Tuple[Dict[str, Any], int]:
    """Members of the non-empty object opened just before ``pos`` (at ``indent``) → value ranges, and its end.

    A member named in ``nested`` (a non-empty object) is walked too, its value being
    ``(start, end, members)``; every other value is found by searching for its closing line only,
    so each byte is scanned about once (needles with spaces are slow to search in indented JSON).

    Example: for ``b'{\n  "a": 1,\n  "b": [\n    2\n  ]\n}'``, ``members(buf, 1, 2)`` is
    ``({"a": (9, 10), "b": (19, 30)}, 30)``.
    """
    lead = b"\n" + b" " * indent + b'"'
    closers = {c: b"\n" + b" " * indent + _CLOSE[c] for c in _OPEN}
    out: Dict[str, Any] = {}
    while True:
        if buf[pos:pos + len(lead)] != lead:
            raise Fallback
        kstart = pos + len(lead)
        kend = buf.find(b'"', kstart)
        if kend == -1 or buf[kend - 1] == 0x5C or buf[kend + 1:kend + 3] != b": ":  # backslash: escaped key
            raise Fallback
        key = buf[kstart:kend].decode()
        vstart = kend + 3
        first = buf[vstart]
        if first in _OPEN:
            if buf[vstart + 1] == first + 2:  # "{}" / "[]"
                vend = vstart + 2
                out[key] = (vstart, vend)
            elif first == 0x7B and key in nested:
                sub, vend = members(buf, vstart + 1, indent + 2)
                if buf[vend:vend + indent + 2] != closers[first]:
                    raise Fallback
                vend += indent + 2
                out[key] = (vstart, vend, sub)
            else:
                vend = closing(buf, vstart, closers[first])
                out[key] = (vstart, vend)
        else:  # a scalar: the rest of the line
            vend = buf.find(b"\n", vstart)
            if vend == -1:
                raise Fallback
            if buf[vend - 1] == _COMMA:
                vend -= 1
            out[key] = (vstart, vend)
        if buf[vend] != _COMMA:
            return out, vend
        pos = vend + 1


def closing(buf: bytes, pos: int, closer: bytes) -> int:
    """End of the first ``closer`` line (newline, indent, bracket) after ``pos``.

    Searching for the bracket alone (memchr) and checking the indent before it is several times
    faster than searching for the whole needle, whose spaces match everywhere in indented JSON.
    """
    bracket = closer[-1:]
    lead = len(closer) - 1
    while True:
        i = buf.find(bracket, pos)
        if i == -1:
            raise Fallback
        if buf[i - lead:i] == closer[:-1]:
            return i + 1
        pos = i + 1


def find_head(buf: bytes, needle: bytes) -> int:
    """Offset of ``needle`` where it starts a project (indent 4, after a quote), or -1."""
    pos = 0
    while True:
        at = buf.find(needle, pos)
        if at == -1 or buf[at - 6:at] == b'\n    "':
            return at
        pos = at + 1


def head_names(buf: bytes) -> Iterator[str]:
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


def map_file(path: Path, whole: bool = True) -> Any:
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


class LazyMap(Mapping[str, Any]):
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


class Deferred(Mapping[str, Any]):
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


class SearchedMap(LazyMap):
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
                raise Fallback
            end = start + 2 if self._buf[start + 1] == first + 2 else closing(
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
        self._ranges = members(self._buf, self._span[0] + 1, self._indent)[0]
        return self._ranges

    def __iter__(self) -> Iterator[str]:
        return iter(self._walk())

    def __len__(self) -> int:
        return len(self._walk())


def walk_project(buf: bytes, key: str) -> Optional[Dict[str, Any]]:
    """The byte ranges of the project's members (its releases' too, and :data:`ORDER`), or None when absent.

    Example: ``walk_project(shard_bytes, "six")["releases"][2]["1.16.0"]`` → ``(start, end)``
    """
    # search for the name and check the indent around it; the name followed by the first member
    # of a project ("deps", keys being sorted) is searched about twice as fast as the name alone
    head = key.encode() + b'": {'
    at = find_head(buf, head + b'\n      "deps"')
    if at == -1:
        at = find_head(buf, head)  # a record without "deps": the checks below reject it
        if at == -1:
            return None
    body = at + len(head) - 1
    if buf[body + 1] == 0x7D:  # "{}"
        raise Fallback
    fields, _ = members(buf, body + 1, 6, ("releases",))  # every release is needed (to sort versions)
    if not {"deps", "name", "releases"} <= fields.keys():
        raise Fallback
    releases = fields["releases"]
    if len(releases) == 3:  # the version order, kept with the ranges: a later lock parses only what it reads
        from mach_nix.versions import newest_first

        fields[ORDER] = tuple(text for _, text in newest_first(releases[2]))
    return fields

def lazy_project(buf: bytes, fields: Dict[str, Any]) -> Dict[str, Any]:
    """The lazy project record over ``buf`` from its members' byte ranges (:func:`walk_project`).

    Example: ``lazy_project(buf, walk_project(buf, "six"))["releases"]["1.16.0"]`` parses that release only
    """
    project: Dict[str, Any] = {"name": orjson.loads(buf[fields["name"][0]:fields["name"][1]])}
    for field in ("deps", "releases"):
        value = fields[field]
        if len(value) == 3:
            project[field] = LazyMap(buf, value[2])
        elif buf[value[0]:value[1]] == b"{}":
            project[field] = {}
        elif field == "deps" and buf[value[0]] == 0x7B:
            project[field] = SearchedMap(buf, value, 8)
        else:
            raise Fallback
    if "versions" in fields:
        project["versions"] = Deferred(buf, fields["versions"][:2])
    if ORDER in fields and len(fields["releases"]) == 3:
        project["release_order"] = fields[ORDER]  # newest first (see ProjectCandidates)
    return project
