#!/usr/bin/env python3
"""Index benchmarks: crawl throughput, pack/unpack throughput, bytes per node, shard load time.

Usage: python3 bench/index.py [--index DIR] [--no-network] [--crawl-since DATE] [--set ../shared/bench/ds.txt]

* crawl: a fresh crawl (empty work dir) of a few projects from PyPI; files/s and requests/s.
* pack / unpack: the JSON index → lz4 (MB of JSON per second), and decoding every lz4 shard.
* size: bytes per file node and per release, JSON and lz4.
* load: the shards a resolution of the set needs (recorded while `mach-nix lock` resolves it; the
  closure of the names when the resolver fails), loaded cold from both forms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Set, Tuple

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "py"))

from mach_nix.index.storage.pack import pack  # noqa: E402
from mach_nix.index.storage.store import Index, decode_shard, shard_filename  # noqa: E402

CRAWL_PROJECTS = ["requests", "numpy", "pydantic-core", "boto3", "cryptography", "six", "attrs", "markupsafe"]


def dir_bytes(directory: Path) -> int:
    return sum(p.stat().st_size for p in directory.iterdir() if p.is_file())


def bench_crawl(since: str) -> None:
    from mach_nix.index.crawl.crawler import Crawler
    from mach_nix.index.crawl.scope import Scope, parse_seeds
    from mach_nix.index.crawl.workdir import WorkDir
    from mach_nix.index.client.pypi import PyPIClient

    tmp = Path(tempfile.mkdtemp(prefix="mach-nix-crawl-bench-"))
    try:
        client = PyPIClient(pool_size=48)
        crawler = Crawler(client, WorkDir(tmp / "work"), Scope(since=since), threads=48, log=lambda m: None)
        start = time.perf_counter()
        records = crawler.run(parse_seeds(CRAWL_PROJECTS))
        elapsed = time.perf_counter() - start
        crawler.close()
        files = sum(len(f) for r in records.values() for f in r["releases"].values())
        p = crawler.progress
        print(f"crawl      {len(records)} projects since {since}: {files} file nodes, {p.files_fetched} fetched "
              f"in {elapsed:.1f}s → {p.files_fetched / elapsed:.1f} files/s fetched, {files / elapsed:.1f} nodes/s, "
              f"{client.stats.requests / elapsed:.1f} requests/s, {client.stats.bytes / elapsed / 1e6:.1f} MB/s "
              f"(48 threads, keep-alive pool)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def bench_pack(index_dir: Path, tmp: Path) -> Path:
    meta = Index.open(index_dir).metadata
    src_fmt = meta["format"]
    json_dir = index_dir
    if src_fmt != "json":
        json_dir = tmp / "json"
        pack(index_dir, json_dir, "json")
    lz4_dir = tmp / "lz4"
    json_size = dir_bytes(json_dir)
    start = time.perf_counter()
    pack(json_dir, lz4_dir, "lz4")
    pack_s = time.perf_counter() - start
    lz4_size = dir_bytes(lz4_dir)
    start = time.perf_counter()
    raw = 0
    for shard in meta["shards"]:
        data = (lz4_dir / shard_filename(shard, "lz4")).read_bytes()
        raw += len(data)
        decode_shard(data, "lz4", lz4_dir / shard)
    unpack_s = time.perf_counter() - start
    start = time.perf_counter()
    for shard in meta["shards"]:
        decode_shard((json_dir / shard_filename(shard, "json")).read_bytes(), "json", json_dir / shard)
    json_s = time.perf_counter() - start
    files, releases, projects = meta["files"], meta["releases"], meta["projects"]
    print(f"index      {index_dir}: {projects} projects, {releases} releases, {files} files; "
          f"JSON {json_size / 1e6:.1f} MB, lz4 {lz4_size / 1e6:.1f} MB (ratio {json_size / max(1, lz4_size):.1f})")
    print(f"pack       JSON → lz4: {pack_s:.2f}s, {json_size / 1e6 / pack_s:.1f} MB JSON/s")
    print(f"unpack     decode all lz4 shards: {unpack_s:.2f}s, {lz4_size / 1e6 / unpack_s:.1f} MB lz4/s; "
          f"all JSON shards: {json_s:.2f}s, {json_size / 1e6 / json_s:.1f} MB/s")
    print(f"size       per file node: {json_size / max(1, files):.0f} B JSON, {lz4_size / max(1, files):.0f} B lz4; "
          f"per release: {json_size / max(1, releases):.0f} B JSON, {lz4_size / max(1, releases):.0f} B lz4")
    return lz4_dir


def shards_for_resolution(index_dir: Path, requirements: Path) -> Tuple[Set[str], str]:
    """Shard ids loaded while `mach-nix lock` resolves ``requirements`` (falls back to a closure)."""
    loaded: Set[str] = set()
    original = Index.shard

    def recording(self: Index, shard: str):  # type: ignore[no-untyped-def]
        loaded.add(shard)
        return original(self, shard)

    Index.shard = recording  # type: ignore[assignment]
    try:
        from mach_nix.cli import main as cli_main

        out = Path(tempfile.mkdtemp()) / "lock.json"
        status = cli_main(["lock", "-q", "-r", str(requirements), "--index", str(index_dir), "--python", "3.11", "-o", str(out)])
    except SystemExit as exc:
        status = int(exc.code or 1)
    except Exception as exc:  # the resolver is another stage; the benchmark still reports
        print(f"note: resolver failed ({exc}); approximating by the closure of names", file=sys.stderr)
        status = 1
    finally:
        Index.shard = original  # type: ignore[assignment]
    if status == 0 and loaded:
        return loaded, "recorded while `mach-nix lock` resolved it"
    return closure_shards(index_dir, requirements), "closure of the names (the resolver did not finish)"


def closure_shards(index_dir: Path, requirements: Path) -> Set[str]:
    from packaging.requirements import InvalidRequirement, Requirement

    from mach_nix.index.storage.schema import shard_of
    from mach_nix.names import normalize

    index = Index.open(index_dir)
    todo: List[str] = []
    for line in requirements.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            todo.append(normalize(Requirement(line).name))
    seen: Set[str] = set(todo)
    while todo:
        project = index.project(todo.pop())
        if not project:
            continue
        for reqs in project["deps"].values():
            for text in reqs:
                try:
                    req = Requirement(text)
                except InvalidRequirement:
                    continue
                if req.marker is not None and "extra" in str(req.marker):
                    continue
                name = normalize(req.name)
                if name not in seen:
                    seen.add(name)
                    todo.append(name)
    return {shard_of(n) for n in seen}


def bench_load(index_dirs: Dict[str, Path], requirements: Path) -> None:
    shards, how = shards_for_resolution(index_dirs["lz4"], requirements)
    print(f"load       {requirements.name} needs {len(shards)} of 256 shards ({how})")
    for fmt, directory in index_dirs.items():
        times = []
        for _ in range(3):
            index = Index.open(directory)
            start = time.perf_counter()
            for shard in shards:
                index.shard(shard)
            times.append(time.perf_counter() - start)
        size = sum((directory / shard_filename(s, fmt)).stat().st_size for s in shards)
        print(f"load       {len(shards)} shards from {fmt} into a fresh Index ({size / 1e6:.1f} MB): {min(times) * 1000:.0f} ms (best of 3)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=ROOT / "data")
    parser.add_argument("--no-network", action="store_true", help="skip the crawl benchmark")
    parser.add_argument("--crawl-since", default=(dt.date.today() - dt.timedelta(days=365)).isoformat())
    parser.add_argument("--set", type=Path, default=ROOT.parent / "shared" / "bench" / "ds.txt")
    args = parser.parse_args()
    if not args.no_network:
        bench_crawl(args.crawl_since)
    tmp = Path(tempfile.mkdtemp(prefix="mach-nix-index-bench-"))
    try:
        lz4_dir = bench_pack(args.index, tmp)
        json_dir = args.index if Index.open(args.index).format == "json" else tmp / "json"
        if args.set.exists():
            bench_load({"json": json_dir, "lz4": lz4_dir}, args.set)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
