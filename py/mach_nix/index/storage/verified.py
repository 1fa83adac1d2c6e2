"""Shards already checked against their sha256, remembered by the identity of their file.

A lock checks the hash of every shard it reads (a changed or truncated shard must give a clear
error, not a wrong lock). Hashing ~50 MB of shards costs a large lock ~150 ms of CPU, every time.
A file whose device, inode, size, mtime and ctime are those it had when it was found to hash to
the value ``metadata.json`` expects still does: any write changes its ctime, which no tool can set
back. So the check is done once per shard file, and recorded in the user cache
(``CACHE/verified-shards-v2.json.sealed``, sealed with its own sha256 by :mod:`mach_nix.index.storage.sealed`); a
lost, unreadable or damaged record is discarded, which only means hashing again.

Example::

    verified = VerifiedShards(cache_dir / RECORD)
    if not verified.fresh(path, expected):
        ...hash the file; if it matches: verified.add(path, expected)
    verified.save()
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Dict, List, Optional

import orjson

from mach_nix.index.storage.sealed import seal, unseal

RECORD = "verified-shards-v2.json.sealed"  # sealed JSON (see mach_nix.index.storage.sealed)
MAX_ENTRIES = 20000  # a few dozen indexes of 256 shards; beyond this the record starts again


def _identity(path: Path) -> Optional[List[int]]:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]


class VerifiedShards:
    """The record of shard files whose hash was checked (see the module docstring)."""

    def __init__(self, record: Optional[Path]) -> None:
        self.record = record
        self._known: Optional[Dict[str, List[object]]] = None
        self._added: Dict[str, List[object]] = {}

    def _entries(self) -> Dict[str, List[object]]:
        if self._known is None:
            self._known = {}
            if self.record is not None:
                try:
                    payload = unseal(self.record.read_bytes())
                    doc = None if payload is None else orjson.loads(payload)
                    self._known = doc if isinstance(doc, dict) else {}
                except (OSError, orjson.JSONDecodeError):
                    pass
        return self._known

    def fresh(self, path: Path, sha256: str) -> bool:
        """True when ``path``, unchanged since, was found to have ``sha256``."""
        entry = self._entries().get(str(path))
        identity = _identity(path)
        return identity is not None and isinstance(entry, list) and entry == identity + [sha256]

    def add(self, path: Path, sha256: str) -> None:
        """Remember that ``path`` (as it is now) was checked to have ``sha256``."""
        identity = _identity(path)
        if identity is not None:
            self._added[str(path)] = identity + [sha256]

    def save(self) -> None:
        """Merge what was added into the record (atomically; a failure to write is ignored)."""
        if not self._added or self.record is None:
            return
        from mach_nix.fsutil import atomic_write_bytes

        entries = dict(self._entries())
        if len(entries) + len(self._added) > MAX_ENTRIES:
            entries = {}
        entries.update(self._added)
        try:
            self.record.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(self.record, seal(orjson.dumps(entries)))
        except OSError:
            return
        self._known, self._added = entries, {}
