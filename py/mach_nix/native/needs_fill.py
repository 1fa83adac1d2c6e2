"""Filling the needs table (``mach-nix index needs``): wheels read with range requests within a byte
budget, each reading journaled as soon as it is made, the journal merged into the shards now and
then and at the end (see :mod:`mach_nix.native.needs_table`). A fill can be stopped at any moment
and started again: it continues with the wheels the table lacks.

Example::

    report = fill(Path("data/needs"), newest_only(index_wheels(index)), max_bytes=15 * 10**9)
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Set

import orjson

from mach_nix.fsutil import atomic_write_bytes
from mach_nix.native.member_memo import MemberMemo
from mach_nix.native.needs import summarize
from mach_nix.native.needs_table import JOURNAL, METADATA, SCHEMA, Entry, NeedsTable, entry_of, shard_bytes

MERGE_EVERY = 200  # readings journaled between merges into the shards


@dataclass
class FillReport:
    """What a fill did: wheels selected, already in the table, read, failed, left beyond the budget;
    the sum of the read wheels' sizes, what reading them cost, and members reused from the memo."""

    selected: int = 0
    present: int = 0
    read: int = 0
    planned_bytes: int = 0
    left: int = 0
    reused: int = 0
    requests: int = 0
    bytes: int = 0
    seconds: float = 0.0
    failed: List[str] = field(default_factory=list)


class TableWriter:
    """Appends readings to the journal and merges it into the shards (never dropping an entry)."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._pending = 0
        self.merge()  # what an interrupted fill journaled

    def add(self, sha256: str, entry: Entry) -> None:
        """Journal one reading (synced before this returns); merge every MERGE_EVERY readings."""
        line = orjson.dumps({"sha256": sha256.lower(), "entry": entry}, option=orjson.OPT_SORT_KEYS) + b"\n"
        with self._lock:
            with open(self.directory / JOURNAL, "ab") as handle:
                handle.write(line)
                handle.flush()
                os.fsync(handle.fileno())
            self._pending += 1
            if self._pending >= MERGE_EVERY:
                self._merge_locked()

    def merge(self) -> int:
        """Merge the journal into the shards and metadata.json, then remove it; the wheels merged."""
        with self._lock:
            return self._merge_locked()

    def _merge_locked(self) -> int:
        journal = self.directory / JOURNAL
        try:
            raw = journal.read_bytes()
        except FileNotFoundError:
            return 0
        added: Dict[str, Dict[str, Entry]] = {}
        for line in raw.splitlines():
            try:
                record = orjson.loads(line)
                sha, entry = record["sha256"], record["entry"]
            except (ValueError, KeyError, TypeError):
                continue  # the last line of a fill killed mid-write
            added.setdefault(sha[:2], {})[sha] = entry
        # shards written by a merge that was cut short before metadata.json are read unchecked:
        # they hold the old entries plus journaled ones, which this merge writes again
        table = NeedsTable(self.directory)
        meta = table.metadata()
        shards = dict(meta["shards"])
        counts = {s: len(table.shard(s, check=False)) for s in shards if s not in added}
        for shard, entries in sorted(added.items()):
            merged = dict(table.shard(shard, check=False)) if shard in shards else {}
            merged.update(entries)
            data = shard_bytes(merged)
            atomic_write_bytes(self.directory / f"{shard}.json", data)
            shards[shard], counts[shard] = _sha256(data), len(merged)
        total = sum(counts.values())
        write_metadata(self.directory, shards, total)
        journal.unlink()
        self._pending = 0
        return sum(len(e) for e in added.values())


def write_metadata(directory: Path, shards: Mapping[str, str], wheels: int) -> None:
    """metadata.json: the schema, the number of wheels, every shard's sha256 (sorted, indented)."""
    meta = {"schema": SCHEMA, "wheels": wheels, "shards": dict(sorted(shards.items()))}
    atomic_write_bytes(Path(directory) / METADATA, orjson.dumps(meta, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def plan(table: NeedsTable, wheels: Sequence[Any], report: FillReport) -> List[Any]:
    """The wheels to read, in order: those the table lacks, one per release first (the smallest of
    each release the table holds nothing of), then the rest, smallest first within each round. A
    budget that ends the fill early so still sees every release's sonames, and the wheels of a
    release read later mostly reuse the members read for the first (identical libraries).
    ``wheels``: :class:`mach_nix.native.index_wheels.IndexWheel` (sha256, size, url, filename,
    project, version)."""
    unique = {w.sha256: w for w in wheels}
    report.selected = len(unique)
    todo = sorted((w for w in unique.values() if w.sha256 not in table), key=lambda w: (w.size, w.filename))
    report.present = report.selected - len(todo)
    seen = {(w.project, w.version) for w in unique.values() if w.sha256 in table}
    first: Set[str] = set()
    for wheel in todo:
        if (wheel.project, wheel.version) not in seen:
            seen.add((wheel.project, wheel.version))
            first.add(wheel.sha256)
    return sorted(todo, key=lambda w: w.sha256 not in first)  # stable: by size within each round


def fill(directory: Path, wheels: Sequence[Any], max_bytes: int, threads: int = 3,
         client_factory: Optional[Callable[[], Any]] = None,
         progress: Optional[Callable[[str], None]] = None) -> FillReport:
    """Read the needs of ``wheels`` the table at ``directory`` lacks and store them, while the bytes
    fetched plus the sizes of the wheels being read (what they can cost at most) fit ``max_bytes``.
    Members identical to one read before are not fetched again (:mod:`mach_nix.native.member_memo`).
    Wheels that cannot be read are named in ``failed``."""
    from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

    started = time.monotonic()
    writer = TableWriter(directory)
    report = FillReport()
    todo = plan(NeedsTable(directory), wheels, report)
    if client_factory is None:
        from mach_nix.index.client.pypi import PyPIClient

        def client_factory() -> Any:
            return PyPIClient(pool_size=threads, retries=3)
    client = client_factory()
    memo = MemberMemo()
    running: Dict[Any, Any] = {}  # future → wheel
    try:
        with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="mach-nix-needs-fill") as pool:
            for index, wheel in enumerate(todo):
                while len(running) >= threads:
                    _settle(wait(running, return_when=FIRST_COMPLETED).done, running)
                # What the started wheels can cost at most: their sizes, or the bytes fetched so far
                # plus the sizes of those still running (which counts a finishing wheel twice) —
                # the smaller bound, so that a wheel settling late never stops the fill early.
                committed = min(report.planned_bytes, client.stats.bytes + sum(w.size for w in running.values()))
                if committed + wheel.size > max_bytes:
                    report.left = len(todo) - index
                    break
                report.planned_bytes += wheel.size
                running[pool.submit(_read_one, client, wheel, memo, writer, report, progress)] = wheel
            _settle(wait(running).done, running)
    finally:
        writer.merge()
        report.requests, report.bytes = client.stats.requests, client.stats.bytes
        report.reused = memo.reused
        report.seconds = time.monotonic() - started
    return report


def _settle(done: Any, running: Dict[Any, Any]) -> None:
    for future in done:
        del running[future]
        future.result()  # a reading's own failures are in the report; anything else propagates


def _read_one(client: Any, wheel: Any, memo: MemberMemo, writer: TableWriter, report: FillReport,
              progress: Optional[Callable[[str], None]]) -> None:
    from mach_nix.errors import MachNixError
    from mach_nix.native.remote_wheel import read_remote_wheel
    from mach_nix.native.wheel_elf import WheelReadError

    try:
        members, _cost = read_remote_wheel(client, wheel.url, wheel.sha256, memo)
    except (MachNixError, WheelReadError) as exc:
        report.failed.append(f"{wheel.filename}: {exc.message if isinstance(exc, MachNixError) else exc}")
        return
    writer.add(wheel.sha256, entry_of(wheel.filename, summarize(members)))
    report.read += 1
    if progress is not None:
        progress(f"{report.read} {wheel.filename} ({client.stats.bytes} bytes so far)")
