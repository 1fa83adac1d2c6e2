"""One project out of a checked cache shard, without parsing the shard whole.

A cache shard holds every release and file of each project PyPI listed (megabytes for a few
popular projects); a lock reads a few releases of each. So, as for the embedded index
(:mod:`mach_nix.index.storage.shard_walk`), a project's members are found by walking the pretty JSON and
parsed only when used. The byte ranges are remembered in the sealed
:class:`~mach_nix.index.storage.slice_tables.SliceTables`, keyed by the shard's sha256, together with the
verdict of :func:`~mach_nix.index.storage.schema.record_problem` on that project: both are functions of the
shard's bytes alone. The caller hands this module only bytes whose sha256 it checked (or knows
checked, by :mod:`mach_nix.index.storage.verified`); the first read of a project in such bytes parses the
project whole and checks its shape; later locks take the ranges and the verdict from the table.
A table entry without the verdict (the embedded index's), or with the verdict of other rules (another
mach-nix's), is never taken for a checked one.

Example::

    record, problem = read_project(buf, shard_sha256, "six", tables)   # (None, None): absent
    plain = materialize(record)                                          # dicts, for a save
"""

from __future__ import annotations

import hashlib
import marshal
from typing import Any, Dict, Iterator, Mapping, Optional, Tuple

import orjson

from mach_nix.index.storage.schema import Project, record_problem
from mach_nix.index.storage.slice_tables import ABSENT, SliceTables
from mach_nix.index.storage.shard_walk import SHARD_HEAD, Fallback, lazy_project, walk_project

SHAPE_CHECKED = " shape checked"  # not a member name a walk finds (keys have no leading space)
# the verdict holds for these very rules: a mach-nix whose check differs (stricter, say) checks again
SHAPE_RULES = hashlib.sha256(marshal.dumps(record_problem.__code__)).hexdigest()[:16]
_LAZY = ("deps", "releases", "versions")


class Unwalkable(Exception):
    """The shard's layout is not the pretty one: the caller parses it whole."""


class WritableDeps(Mapping[str, Any]):
    """A lazy ``deps`` table that takes new entries (the remote layer reads an unread file's
    metadata into it); lookups see the new entries first."""

    __slots__ = ("_base", "_added")

    def __init__(self, base: Mapping[str, Any]) -> None:
        self._base = base
        self._added: Dict[str, Any] = {}

    def __setitem__(self, key: str, value: Any) -> None:
        self._added[key] = value

    def __getitem__(self, key: str) -> Any:
        return self._added[key] if key in self._added else self._base[key]

    def __contains__(self, key: object) -> bool:
        return key in self._added or key in self._base

    def get(self, key: str, default: Any = None) -> Any:
        return self[key] if key in self else default

    def __iter__(self) -> Iterator[str]:
        yield from self._base
        yield from (key for key in self._added if key not in self._base)

    def __len__(self) -> int:
        return sum(1 for _ in self)


def read_project(buf: Any, sha256: str, key: str, tables: Optional[SliceTables]) -> Tuple[Optional[Project], Optional[str]]:
    """``(record, None)``, ``(None, None)`` when the shard lacks ``key``, or ``(None, problem)``
    when its record has the wrong shape. ``buf`` must be bytes known to hash to ``sha256``.

    Raises :class:`Unwalkable` when the bytes are not laid out as this module expects.
    Example: ``read_project(shard_bytes, sha, "six", None)[0]["name"] == "six"``
    """
    fields = tables.get(sha256, key) if tables is not None else None
    if fields is ABSENT:
        return None, None
    if isinstance(fields, dict) and fields.get(SHAPE_CHECKED) == SHAPE_RULES:
        try:
            return _lazy_record(buf, fields), None
        except (Fallback, IndexError, orjson.JSONDecodeError):
            pass  # ranges that do not fit: walk again
    if buf[:len(SHARD_HEAD)] != SHARD_HEAD:
        raise Unwalkable(key)
    try:
        fields = walk_project(buf, key)
        if fields is None and buf.find(b'\n    "' + key.encode() + b'": ') != -1:
            raise Fallback  # a member of that name whose value the walk does not take for a project
        if fields is None:
            if tables is not None:
                tables.put(sha256, key, ABSENT)
            return None, None
        record = {name: orjson.loads(buf[span[0]:span[1]]) for name, span in fields.items() if name[0] != " "}
    except (Fallback, IndexError, orjson.JSONDecodeError):
        raise Unwalkable(key) from None
    problem = record_problem(record)
    if problem is None and tables is not None:
        tables.put(sha256, key, {**fields, SHAPE_CHECKED: SHAPE_RULES})
    return (None, problem) if problem else (record, None)


def _lazy_record(buf: Any, fields: Dict[str, Any]) -> Project:
    """The record over ``buf`` from remembered ranges: ``deps``/``releases``/``versions`` lazy (see
    :func:`~mach_nix.index.storage.shard_walk.lazy_project`), every other member parsed at once."""
    record = lazy_project(buf, fields)
    record["deps"] = WritableDeps(record["deps"])
    for name, span in fields.items():
        if name[0] != " " and name not in _LAZY and name != "name":
            record[name] = orjson.loads(buf[span[0]:span[1]])
    return record


def materialize(record: Project) -> Project:
    """``record`` with its lazy tables read into plain dicts (what a save encodes and merges).

    Example: ``type(materialize(lazy)["releases"]) is dict``
    """
    plain = dict(record)
    plain.pop("release_order", None)  # the reader's, not a member of the record
    for name in _LAZY:
        if name in plain and type(plain[name]) is not dict:
            plain[name] = {key: value for key, value in plain[name].items()}
    return plain
