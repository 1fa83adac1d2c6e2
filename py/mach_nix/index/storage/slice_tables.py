"""Where each project lies in a shard, remembered by the shard's sha256.

To read one project, a lock finds its head in the shard (a search through ~350 KB) and walks its
members and releases to learn their byte ranges: about a fifth of a small lock's resolution, done
again by every lock for the same bytes. The ranges are a function of the shard's content alone, so
they are kept in the user cache (``CACHE/slice-tables-v2-pyXY-packagingV.marshal``), keyed by the
sha256 that ``metadata.json`` gives the shard, and read back in a few microseconds per project. With
the ranges goes each project's version order (newest first, as packaging sorts), so that a lock
parses only the versions it reads.

A table is only a shortcut: the shard's hash is still checked (or known checked, see
:mod:`mach_nix.index.storage.verified`) before a lock trusts what it read, a table is saved only after that
check passed, and a table that does not fit the bytes makes the reader walk them as before. The file
is sealed with its own sha256 (:mod:`mach_nix.index.storage.sealed`): a damaged one, even a well-formed table
that lost entries, is discarded. A lost, unreadable or damaged file only means walking again. marshal, not JSON: it is several times faster to read,
and the file is the user's own cache (its name carries the Python version whose marshal wrote it,
and the packaging version whose order it holds).

Example::

    tables = SliceTables(cache_dir / TABLES_FILE)
    fields = tables.get(shard_sha256, "requests")       # None: not known yet
    tables.put(shard_sha256, "requests", fields)        # after walking the shard
    tables.save()                                       # once the shard's hash was checked
"""

from __future__ import annotations

import marshal
import sys
from pathlib import Path
from typing import Any, Dict, Optional, Set

from mach_nix.index.storage.sealed import seal, unseal

from packaging import __version__ as _packaging  # orders are packaging's: another release may differ at the edges

TABLES_FILE = f"slice-tables-v2-py{sys.version_info[0]}{sys.version_info[1]}-packaging{_packaging}.marshal"
MAX_BYTES = 32 << 20  # the whole embedded index takes ~1 MB; past this the file starts again
ABSENT = b""  # the shard holds no such project (also worth remembering: a search saved)


class SliceTables:
    """The remembered byte ranges of projects in shards (see the module docstring)."""

    def __init__(self, path: Optional[Path]) -> None:
        self.path = path
        self._known: Optional[Dict[str, Dict[str, bytes]]] = None
        self._added: Dict[str, Dict[str, bytes]] = {}
        self._dropped: Set[str] = set()

    def _tables(self) -> Dict[str, Dict[str, bytes]]:
        if self._known is None:
            self._known = {}
            if self.path is not None:
                try:
                    payload = unseal(self.path.read_bytes())
                    loaded = None if payload is None else marshal.loads(payload)
                except (OSError, EOFError, ValueError, TypeError):
                    loaded = None
                if isinstance(loaded, dict):
                    self._known = loaded
        return self._known

    def get(self, shard_sha256: str, project: str) -> Any:
        """The ranges of ``project`` in the shard with this hash, :data:`ABSENT`, or None when unknown."""
        blob = self._tables().get(shard_sha256, {}).get(project)
        if blob is None:
            blob = self._added.get(shard_sha256, {}).get(project)
        if not isinstance(blob, bytes):
            return None
        if blob == ABSENT:
            return ABSENT
        try:
            return marshal.loads(blob)
        except (EOFError, ValueError, TypeError):
            return None

    def put(self, shard_sha256: str, project: str, ranges: Any) -> None:
        """Remember ``ranges`` (ints, strings, tuples and dicts of them), or :data:`ABSENT`."""
        self._added.setdefault(shard_sha256, {})[project] = ABSENT if ranges is ABSENT else marshal.dumps(ranges)

    def drop(self, shard_sha256: str) -> None:
        """Forget the ranges of a shard no file has any longer (a cache shard a save replaced)."""
        self._dropped.add(shard_sha256)
        self._added.pop(shard_sha256, None)

    def save(self) -> None:
        """Merge what was added into the file (atomically; a failure to write is ignored)."""
        if not (self._added or self._dropped) or self.path is None:
            return
        from mach_nix.fsutil import atomic_write_bytes

        tables = {shard: dict(projects) for shard, projects in self._tables().items() if shard not in self._dropped}
        for shard, projects in self._added.items():
            tables.setdefault(shard, {}).update(projects)
        data = marshal.dumps(tables)
        if len(data) > MAX_BYTES:
            tables = dict(self._added)
            data = marshal.dumps(tables)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(self.path, seal(data))
        except OSError:
            return
        self._known, self._added, self._dropped = tables, {}, set()
