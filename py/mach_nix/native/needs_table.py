"""The embedded needs table (``data/needs/``): each binary wheel's :class:`Summary`, by the wheel's
sha256, so a lock whose wheels are in it carries their ``needs`` with no network.

Layout (docs/index-format.md, "Needs"): ``XX.json`` holds the wheels whose sha256 starts with
``XX``, one sorted line per wheel; ``metadata.json`` records every shard's sha256 (the seal a
reader checks). A fill appends each reading to ``journal.jsonl`` (flushed and synced line by line)
and merges the journal into the shards now and then; whatever was cut short is merged by the next
fill, so a reading once journaled is never lost.

Example::

    table = NeedsTable(Path("data/needs"))
    table.get("89cd46…")          # Summary(module=(...), plugin=(...), libs={...}) or None
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any, Dict, Iterable, Mapping, Optional, Tuple

import orjson

from mach_nix.errors import MachNixError
from mach_nix.fsutil import atomic_write_bytes
from mach_nix.native.needs import Summary

SCHEMA = 1
METADATA, JOURNAL = "metadata.json", "journal.jsonl"
Entry = Dict[str, Any]  # the stored form of one wheel: filename, module, plugin, libs


class NeedsTableError(MachNixError):
    """A shard of the table does not match its recorded hash, or does not parse."""


def default_table_dir() -> Path:
    """``$MACH_NIX_NEEDS_TABLE``, else the checkout's ``data/needs`` (keyed by file hash, the table
    serves whatever index a lock reads).

    Example: ``default_table_dir()  # …/mach-nix/data/needs``
    """
    env = os.environ.get("MACH_NIX_NEEDS_TABLE")
    return Path(env) if env else Path(__file__).resolve().parents[3] / "data" / "needs"


def entry_of(filename: str, summary: Summary) -> Entry:
    """The stored form of a wheel's summary (empty fields left out).

    Example: ``entry_of("a.whl", Summary(("libz.so.1",))) == {"filename": "a.whl", "module": ["libz.so.1"]}``
    """
    entry: Entry = {"filename": filename}
    if summary.module:
        entry["module"] = list(summary.module)
    if summary.plugin:
        entry["plugin"] = list(summary.plugin)
    if summary.libs:
        entry["libs"] = {k: list(v) for k, v in sorted(summary.libs.items())}
    return entry


def summary_of(entry: Mapping[str, Any]) -> Summary:
    """Inverse of :func:`entry_of`; raises TypeError/ValueError on a malformed entry."""
    def names(value: Any) -> Tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise TypeError("expected a list of sonames")
        return tuple(value)

    libs = entry.get("libs", {})
    if not isinstance(libs, dict):
        raise TypeError("libs is not an object")
    return Summary(names(entry.get("module", [])), names(entry.get("plugin", [])),
                   {k: names(v) for k, v in libs.items()})


def shard_bytes(entries: Mapping[str, Entry]) -> bytes:
    """A shard's text: one line per wheel, sorted by sha256, so a fill's diff is added lines."""
    lines = [b'    "%s": %s' % (sha.encode(), orjson.dumps(entries[sha], option=orjson.OPT_SORT_KEYS))
             for sha in sorted(entries)]
    return b'{\n  "wheels": {\n' + b",\n".join(lines) + (b"\n" if lines else b"") + b"  }\n}\n"


class NeedsTable:
    """One table directory, read lazily shard by shard (each checked against metadata.json)."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self._shards: Dict[str, Dict[str, Entry]] = {}
        self._meta: Optional[Dict[str, Any]] = None

    def metadata(self) -> Dict[str, Any]:
        """metadata.json (an empty table when the directory has none)."""
        if self._meta is None:
            path = self.directory / METADATA
            try:
                meta = orjson.loads(path.read_bytes())
            except FileNotFoundError:
                meta = {"schema": SCHEMA, "wheels": 0, "shards": {}}
            except (OSError, ValueError) as exc:
                raise NeedsTableError(f"{path} is unreadable ({exc}); restore data/needs/ from version control.") from None
            if not isinstance(meta, dict) or meta.get("schema") != SCHEMA or not isinstance(meta.get("shards"), dict):
                raise NeedsTableError(f"{path} is not a needs table of schema {SCHEMA}; restore data/needs/ from version control.")
            self._meta = meta
        return self._meta

    def shard(self, shard: str, check: bool = True) -> Dict[str, Entry]:
        """sha256 → entry for the wheels of one shard; ``check``: refuse a shard whose bytes are not
        the ones metadata.json records."""
        if shard in self._shards:
            return self._shards[shard]
        recorded = self.metadata()["shards"].get(shard)
        path = self.directory / f"{shard}.json"
        if recorded is None:
            entries: Dict[str, Entry] = {}
        else:
            try:
                raw = path.read_bytes()
            except OSError as exc:
                raise NeedsTableError(f"{path} is missing ({exc}); restore data/needs/ from version control.") from None
            if check and hashlib.sha256(raw).hexdigest() != recorded:
                raise NeedsTableError(
                    f"{path} does not have the sha256 {self.directory / METADATA} records: restore data/needs/ from "
                    f"version control, or finish an interrupted fill with `mach-nix index needs --max-bytes 0`.")
            try:
                entries = orjson.loads(raw)["wheels"]
            except (ValueError, KeyError, TypeError) as exc:
                raise NeedsTableError(f"{path} does not parse ({exc}); restore data/needs/ from version control.") from None
        self._shards[shard] = entries
        return entries

    def get(self, sha256: str) -> Optional[Summary]:
        """The summary recorded for the wheel with this sha256, or None."""
        sha = sha256.lower()
        entry = self.shard(sha[:2]).get(sha)
        if entry is None:
            return None
        try:
            return summary_of(entry)
        except (TypeError, ValueError) as exc:
            raise NeedsTableError(f"{self.directory / (sha[:2] + '.json')}: the entry of {sha} is malformed ({exc}).") from None

    def __contains__(self, sha256: str) -> bool:
        return sha256.lower() in self.shard(sha256.lower()[:2])

    def verify(self) -> Iterable[str]:
        """Every problem of the table: a shard that does not match, does not parse, or holds a wheel
        outside it or a malformed entry; and a wheel count that is not the recorded one."""
        count = 0
        for shard in sorted(self.metadata()["shards"]):
            try:
                entries = self.shard(shard)
            except NeedsTableError as exc:
                yield exc.message
                continue
            for sha, entry in entries.items():
                count += 1
                try:
                    summary_of(entry)
                    ok = sha[:2] == shard and len(sha) == 64 and isinstance(entry.get("filename"), str)
                except (TypeError, ValueError, AttributeError):
                    ok = False
                if not ok:
                    yield f"{self.directory / (shard + '.json')}: the entry of {sha} is malformed or misplaced."
        if count != self.metadata().get("wheels"):
            yield f"{self.directory / METADATA} records {self.metadata().get('wheels')} wheels; the shards hold {count}."
