"""Writing a crawled index: a sibling temporary directory, verified, then swapped in; and the
repair of a swap a crash interrupted.

Example: ``write_verified(out, records, "json", created_at=..., extra={})``
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any, Dict, Optional

from mach_nix.errors import MachNixError
from mach_nix.index.storage.schema import SHARD_IDS, Project, shard_of


def shards_of(records: Dict[str, Project]) -> Dict[str, Dict[str, Project]]:
    shards: Dict[str, Dict[str, Project]] = {s: {} for s in SHARD_IDS}
    for name, record in records.items():
        shards[shard_of(name)][name] = record
    return shards


def recover(out: Path) -> None:
    """Finish or roll back a swap that a crash interrupted, and drop stale temp dirs."""
    out = Path(out)
    old, new = out.with_name(out.name + ".old"), out.with_name(out.name + ".new")
    if not out.exists() and old.exists():
        os.replace(old, out)
    if old.exists():
        shutil.rmtree(old)
    if new.exists():
        shutil.rmtree(new)


def write_verified(
    out: Path, records: Dict[str, Project], fmt: str, extra: Dict[str, Any], created_at: Optional[str] = None
) -> Dict[str, Any]:
    """Write the index to ``OUT.new``, verify it, then swap it in place of ``OUT``.

    Until the final rename, ``OUT`` is untouched; a crash in between is undone by :func:`recover`.
    ``created_at`` should be the crawl's start: the index holds (at least) PyPI as of then.
    """
    from mach_nix.index.storage.pack import verify
    from mach_nix.index.storage.store import write_index

    out = Path(out)
    recover(out)
    new, old = out.with_name(out.name + ".new"), out.with_name(out.name + ".old")
    serial = max((int(r.get("last_serial") or 0) for r in records.values()), default=0)
    meta = write_index(new, shards_of(records), fmt, created_at=created_at, pypi_serial=serial, extra=extra)
    problems = verify(new)
    if problems:
        raise MachNixError(f"The freshly written index at {new} failed verification ({problems[0]}); {out} was left as it was.")
    if out.exists():
        os.replace(out, old)
    os.replace(new, out)
    if old.exists():
        shutil.rmtree(old)
    return meta
