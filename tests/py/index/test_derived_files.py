"""Derived files of the user cache (slice tables, the verified-shards record) carry their own
checksum and are discarded, never trusted, when it fails (issue 23, point 2).

Each test damages a real file written by a real read of tests/data/index-small: bytes flipped
across the whole file, truncations, and a well-formed payload that lost entries under the old seal.
"""

from __future__ import annotations

import marshal
from pathlib import Path
from typing import List

import orjson
import pytest

from mach_nix.index.storage.lazy_index import LazyIndex
from mach_nix.index.storage.sealed import MAGIC, seal, unseal
from mach_nix.index.storage.slice_tables import TABLES_FILE, SliceTables
from mach_nix.index.storage.store import Index
from mach_nix.index.storage.verified import RECORD, VerifiedShards
from test_lazy_index import SMALL, same_as_store


def tabled(cache: Path) -> LazyIndex:
    return LazyIndex(Index.open(SMALL), VerifiedShards(cache / RECORD), SliceTables(cache / TABLES_FILE))


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    first = tabled(tmp_path / "cache")
    assert same_as_store(first, Index.open(SMALL)) > 0
    first.check()  # saves both files
    assert (tmp_path / "cache" / TABLES_FILE).exists() and (tmp_path / "cache" / RECORD).exists()
    return tmp_path / "cache"


def damaged(data: bytes) -> List[bytes]:
    """Single-byte flips spread over the whole file (seal, digest and payload) and truncations."""
    positions = sorted({0, len(MAGIC), len(MAGIC) + 31, len(data) - 1} | set(range(0, len(data), max(1, len(data) // 40))))
    flips = [data[:i] + bytes([data[i] ^ 0x01]) + data[i + 1:] for i in positions]
    return flips + [data[:n] for n in (0, 10, len(MAGIC) + 32, len(data) // 2, len(data) - 1)]


def test_seal_round_trip_and_refusals():
    assert bytes(unseal(seal(b"payload"))) == b"payload"
    sealed = seal(b"payload")
    assert all(unseal(bad) is None for bad in damaged(sealed))
    assert unseal(b"payload") is None  # an unsealed (older) file


def remembered(path: Path, good: bytes) -> int:
    """How many of the ranges the intact table file ``good`` holds a table read from ``path`` gives."""
    tables = SliceTables(path)
    return sum(tables.get(shard, project) is not None
               for shard, projects in marshal.loads(unseal(good)).items() for project in projects)


def test_a_damaged_slice_table_file_is_discarded_and_the_lock_reads_the_same(cache, monkeypatch):
    good = (cache / TABLES_FILE).read_bytes()
    assert remembered(cache / TABLES_FILE, good) > 0
    walks: List[str] = []
    real_put = SliceTables.put
    monkeypatch.setattr(SliceTables, "put", lambda self, shard, key, ranges: (walks.append(key), real_put(self, shard, key, ranges))[1])
    for bad in damaged(good):
        (cache / TABLES_FILE).write_bytes(bad)
        assert remembered(cache / TABLES_FILE, good) == 0
        walks.clear()
        lazy = tabled(cache)
        assert same_as_store(lazy, Index.open(SMALL)) > 0
        assert walks  # the ranges came from walking the shard (and are remembered anew), not from the damaged file


def test_a_well_formed_table_that_lost_entries_is_not_trusted(cache):
    good = (cache / TABLES_FILE).read_bytes()
    tables = marshal.loads(unseal(good))
    shard = next(iter(tables))
    shortened = {k: v for k, v in tables.items() if k != shard}
    forged = good[:len(MAGIC) + 32] + marshal.dumps(shortened)  # the old digest over new content
    (cache / TABLES_FILE).write_bytes(forged)
    assert remembered(cache / TABLES_FILE, good) == 0
    assert same_as_store(tabled(cache), Index.open(SMALL)) > 0


def test_a_damaged_verified_record_is_discarded_and_shards_are_hashed_again(cache, monkeypatch):
    good = (cache / RECORD).read_bytes()
    entries = orjson.loads(unseal(good))
    assert entries
    assert all(VerifiedShards(cache / RECORD).fresh(Path(path), entry[-1]) for path, entry in entries.items())
    hashed: List[str] = []
    real_add = VerifiedShards.add
    monkeypatch.setattr(VerifiedShards, "add", lambda self, path, sha256: (hashed.append(str(path)), real_add(self, path, sha256))[-1])
    forged = good[:len(MAGIC) + 32] + orjson.dumps({k: v[:-1] + ["0" * 64] for k, v in entries.items()})
    for bad in damaged(good) + [forged]:
        (cache / RECORD).write_bytes(bad)
        assert not any(VerifiedShards(cache / RECORD).fresh(Path(path), entry[-1]) for path, entry in entries.items())
        hashed.clear()
        lazy = tabled(cache)
        assert lazy.project("requests") is not None
        lazy.check()
        assert hashed  # not taken as verified: hashed again
        (cache / RECORD).write_bytes(good)


def test_an_unsealed_table_that_says_absent_is_not_believed(cache):
    """A table in the unsealed form (an older release's, or a forged one) that marks ``requests``
    absent from its verified shard: discarded, so requests is still found, and the file is rewritten sealed."""
    from mach_nix.index.storage.schema import shard_of

    sha = Index.open(SMALL).metadata["shards"][shard_of("requests")]
    (cache / TABLES_FILE).write_bytes(marshal.dumps({sha: {"requests": b""}}))
    lazy = tabled(cache)
    assert lazy.project("requests") is not None
    lazy.check()
    assert unseal((cache / TABLES_FILE).read_bytes()) is not None
