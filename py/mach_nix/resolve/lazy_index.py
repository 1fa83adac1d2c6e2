"""A lazy view of the index for the resolver: parse only the releases it looks at.

A resolution touches a few hundred projects but only a few releases of each, while a shard holds
every release of ~dozens of projects. The JSON form of a shard is written by orjson with a
two-space indent and sorted keys, so a project, its ``deps`` entries and its ``releases`` entries
start at known indentation; this module finds them with ``bytes.find`` and hands each slice to
orjson only when it is used. Shard hashes are still checked against ``metadata.json``. Anything
else (lz4 form, unexpected layout) falls back to the store's full parse.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any, Dict, Iterator, Mapping, Optional, Tuple

import orjson

from mach_nix.errors import IndexError_
from mach_nix.index.schema import shard_of
from mach_nix.index.store import Index, shard_filename
from mach_nix.names import normalize

_PROJECT_CLOSE = b"\n    }"
_FIELD_CLOSE = b"\n      }"


class _Fallback(Exception):
    """The shard does not have the expected layout: use the full parse."""


_KEY_RE = {indent: re.compile(rb"\n" + b" " * indent + rb'"([^"\\]*)": ') for indent in (6, 8)}


def _entries(buf: bytes, start: int, end: int, indent: int) -> Dict[str, Tuple[int, int]]:
    """Keys of the object whose members start at ``indent`` in ``buf[start:end]`` → value byte ranges."""
    out: Dict[str, Tuple[int, int]] = {}
    key: Optional[str] = None
    value_start = 0
    for m in _KEY_RE[indent].finditer(buf, start, end):
        if key is not None:
            out[key] = (value_start, m.start())
        key, value_start = m.group(1).decode(), m.end()
    if key is not None:
        out[key] = (value_start, end)
    return out


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
            raw = self._buf[start:end].rstrip().rstrip(b",")
            hit = self._parsed[key] = orjson.loads(raw)
        return hit

    def __iter__(self) -> Iterator[str]:
        return iter(self._ranges)

    def __len__(self) -> int:
        return len(self._ranges)

    def __contains__(self, key: object) -> bool:
        return key in self._ranges


class LazyIndex:
    """Wraps an :class:`Index`; ``project(name)`` returns a dict whose ``deps`` and ``releases`` are lazy.

    Example::

        index = LazyIndex(Index.open())
        project = index.project("requests")
        files = project["releases"]["2.31.0"]   # only this release is parsed
    """

    def __init__(self, index: Index) -> None:
        self.index = index
        self.directory = index.directory
        self.metadata = index.metadata
        self._shards: Dict[str, Optional[bytes]] = {}
        self._projects: Dict[str, Optional[Dict[str, Any]]] = {}

    @property
    def identity(self) -> Dict[str, Any]:
        return self.index.identity

    def names(self) -> Iterator[str]:
        return self.index.names()

    def _shard_bytes(self, shard: str) -> Optional[bytes]:
        if shard in self._shards:
            return self._shards[shard]
        data: Optional[bytes] = None
        if self.index.format == "json":
            path = self.directory / shard_filename(shard, "json")
            try:
                data = path.read_bytes()
            except FileNotFoundError:
                raise IndexError_(f"Index shard {path} is missing. Run `mach-nix index verify {self.directory}`.") from None
            expected = self.metadata["shards"].get(shard)
            if expected is not None and hashlib.sha256(data).hexdigest() != expected:
                self.index.shard(shard)  # raises the store's error message
            if not data.startswith(b'{\n  "projects": {'):
                data = None
        self._shards[shard] = data
        return data

    def project(self, name: str) -> Optional[Dict[str, Any]]:
        """The project record (lazy ``deps``/``releases``), or None when absent."""
        key = normalize(name)
        if key in self._projects:
            return self._projects[key]
        shard = shard_of(key)
        buf = self._shard_bytes(shard)
        project: Optional[Dict[str, Any]]
        if buf is None:
            project = self.index.project(key)
        else:
            try:
                project = self._slice(buf, key)
            except _Fallback:
                project = self.index.project(key)
        self._projects[key] = project
        return project

    def _slice(self, buf: bytes, key: str) -> Optional[Dict[str, Any]]:
        head = b'\n    "' + key.encode() + b'": {'
        start = buf.find(head)
        if start == -1:
            return None
        body = start + len(head)
        end = buf.find(_PROJECT_CLOSE, body)
        if end == -1:
            raise _Fallback
        fields = _entries(buf, body, end, 6)
        if not {"deps", "name", "releases"} <= fields.keys():
            raise _Fallback
        project: Dict[str, Any] = {"name": orjson.loads(buf[slice(*fields["name"])].rstrip().rstrip(b","))}
        for field in ("deps", "releases"):
            fstart, fend = fields[field]
            if buf[fstart:fstart + 2] == b"{}":
                project[field] = {}
                continue
            close = buf.rfind(_FIELD_CLOSE, fstart, fend)
            if buf[fstart:fstart + 1] != b"{" or close == -1:
                raise _Fallback
            project[field] = _LazyMap(buf, _entries(buf, fstart, close, 8))
        return project
