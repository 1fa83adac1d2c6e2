#!/usr/bin/env python3
"""Record the slice of an index that resolving some requirement files reads, as a test index.

Tests of real resolutions (the conflict sets of ../shared/bench/conflicts) must not change when the
embedded index is rebuilt with another window. This copies, whole, every project record that the
resolution of each file reads (the explanation of a failure included) from ``--index`` into
``--out``, an index of the current schema.

Usage: scripts/record-test-index.py --index data --out tests/data/index-bench-conflicts FILE...
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Dict, Set

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "py"))

from mach_nix.errors import MachNixError  # noqa: E402
from mach_nix.index.storage.schema import shard_of  # noqa: E402
from mach_nix.index.storage.store import Index, write_index  # noqa: E402
from mach_nix.inputs.requirements_txt import read_requirement_text  # noqa: E402
from mach_nix.names import normalize  # noqa: E402
from mach_nix.index.storage.lazy_index import LazyIndex  # noqa: E402
from mach_nix.resolve.candidates import parse_providers  # noqa: E402
from mach_nix.resolve.request import build_request  # noqa: E402
from mach_nix.resolve.resolver import resolve  # noqa: E402
from mach_nix.resolve.target import Target  # noqa: E402


class RecordingIndex(LazyIndex):
    """A LazyIndex that remembers every project name it was asked for."""

    def __init__(self, index: Index) -> None:
        super().__init__(index)
        self.asked: Set[str] = set()

    def project(self, name: str):  # type: ignore[no-untyped-def]
        found = super().project(name)
        if found is not None:
            self.asked.add(normalize(name))
        return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--python", default="3.11")
    parser.add_argument("files", nargs="+", type=Path)
    args = parser.parse_args()
    source = Index.open(args.index)
    target = Target.create(args.python, "x86_64-linux", "2.28")
    asked: Set[str] = set()
    for path in args.files:
        index = RecordingIndex(source)
        request = build_request(read_requirement_text(path.read_text()), index, target, parse_providers(None), {})
        try:
            resolve(index, target, request, build=False)
            outcome = "lock"
        except MachNixError as exc:
            outcome = f"exit {exc.exit_code}: {exc.message[:300]}"
        print(f"{path}: {outcome}, {len(index.asked)} projects read", file=sys.stderr)
        asked |= index.asked
    shards: Dict[str, Dict[str, dict]] = {}
    for name in sorted(asked):
        record = source.project(name)
        if record is not None:
            shards.setdefault(shard_of(name), {})[name] = record
    meta = write_index(args.out, shards, "json", created_at=source.metadata.get("created_at"),
                       pypi_serial=int(source.metadata.get("pypi_serial") or 0),
                       extra={"scope": {"kind": "recorded", "from": str(source.metadata.get("created_at")),
                                        "files": [p.name for p in args.files]}})
    print(f"wrote {args.out}: {meta['projects']} projects, {meta['files']} files", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
