"""Cache reads that skip the whole parse stay checked reads (issue 21 point 5, issue 23's guarantees).

A lock reads one project out of a cache shard from byte ranges an earlier lock remembered with the
verdict of the shape check, keyed by the shard's sha256 in the sealed slice tables; the shard file's
hash is checked once and remembered by its identity. Each test makes a later lock see something an
earlier lock did not (a changed shard, a record of the wrong shape under a consistent hash, a table
without the verdict, a damaged table file) and requires the same answer as a whole parse.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Dict

import orjson
import pytest

from mach_nix.index.storage.cache import CacheIndex
from mach_nix.index.storage.cache_reader import materialize
from mach_nix.index.crawl.record import apply_result
from mach_nix.index.storage.schema import METADATA_FILE, shard_of
from mach_nix.index.storage.slice_tables import SliceTables
from mach_nix.index.storage.store import encode_shard
from mach_nix.index.storage.verified import VerifiedShards
from mach_nix.index.storage.shard_walk import walk_project

URL = "http://127.0.0.1:9/simple"


def node(name: str, version: str, deps: str = "") -> Dict:
    filename = f"{name.replace('-', '_')}-{version}-py3-none-any.whl"
    out = {"filename": filename, "sha256": hashlib.sha256(filename.encode()).hexdigest(),
           "url": f"http://127.0.0.1:9/files/{filename}", "size": 10, "upload_time": "2024-01-01"}
    return {**out, "requires_dist": deps, "metadata": "json"} if deps else {**out, "metadata": "not-crawled"}


def record(name: str) -> Dict:
    versions = ["1.0", "1.10", "1.9", "2.0rc1"]
    return {"name": name, "last_serial": 7, "deps": {"aaaa00000000": ["six>=1"]}, "versions": {v: "2024-01-01" for v in versions},
            "releases": {v: [node(name, v, "aaaa00000000" if v == "1.9" else "")] for v in versions}}


NAMES = ["alpha", "beta", "gamma", "delta"]


def reader(root: Path) -> CacheIndex:
    """A lock's view of the cache: the verified-shards record and the slice tables of ``root``."""
    return CacheIndex(root / "c", URL, VerifiedShards(root / "verified"), SliceTables(root / "tables"))


def whole(root: Path, name: str) -> Dict:
    return orjson.loads((root / "c" / f"{shard_of(name)}.json").read_bytes())["projects"][name]


@pytest.fixture
def root(tmp_path: Path) -> Path:
    CacheIndex(tmp_path / "c", URL).save({name: record(name) for name in NAMES})
    first = reader(tmp_path)
    for name in NAMES + ["absent-project"]:
        first.read(name)
    first.save({})  # what a lock's close() does: remember the checks and the ranges
    return tmp_path


def test_a_later_lock_reads_ranges_and_gets_the_record_of_a_whole_parse(root):
    later = reader(root)
    for name in NAMES:
        got = later.read(name)
        assert type(got["releases"]) is not dict  # from the remembered ranges, parsed on use
        assert materialize(got) == whole(root, name)  # the reader's release_order aside
        assert got["release_order"] == ("2.0rc1", "1.10", "1.9", "1.0")
    assert later.read("absent-project") is None and later.rejected == {}


def test_a_shard_changed_since_its_ranges_were_kept_is_not_read(root):
    path = root / "c" / f"{shard_of('beta')}.json"
    doc = orjson.loads(path.read_bytes())
    doc["projects"]["beta"]["releases"]["1.0"][0]["size"] = 11
    path.write_bytes(encode_shard(shard_of("beta"), doc["projects"], "json"))  # the same layout, other bytes
    later = reader(root)
    assert later.read("beta") is None
    assert "sha256" in later.reason("beta")


def rewrite_consistently(root: Path, name: str, bad) -> None:
    """``name``'s record replaced by ``bad`` in its pretty shard, metadata.json updated to match."""
    shard = shard_of(name)
    directory = root / "c"
    projects = orjson.loads((directory / f"{shard}.json").read_bytes())["projects"]
    projects[name] = bad
    data = orjson.dumps({"projects": projects, "schema": 2, "shard": shard},
                        option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)
    (directory / f"{shard}.json").write_bytes(data)
    meta = orjson.loads((directory / METADATA_FILE).read_bytes())
    meta["shards"][shard] = hashlib.sha256(data).hexdigest()
    (directory / METADATA_FILE).write_bytes(orjson.dumps(meta))


@pytest.mark.parametrize("bad", [{"name": "gamma", "deps": {}, "releases": {"5.0": [{"filename": "g.whl"}]}},
                                 {"name": "gamma", "deps": {"k": "x"}, "releases": {}}, 5])
def test_a_record_of_the_wrong_shape_is_refused_on_every_read(root, bad):
    rewrite_consistently(root, "gamma", bad)
    for _ in range(2):  # the second lock has the first one's tables: the refusal is not remembered as a pass
        cache = reader(root)
        assert cache.read("gamma") is None
        assert "malformed" in cache.reason("gamma")
        cache.save({})


def test_ranges_without_the_shape_verdict_are_not_taken_for_a_checked_read(root):
    rewrite_consistently(root, "gamma", {"name": "gamma", "deps": {}, "releases": {"5.0": [{"filename": "g.whl"}]}})
    shard = shard_of("gamma")
    data = (root / "c" / f"{shard}.json").read_bytes()
    tables = SliceTables(root / "tables")
    tables.put(hashlib.sha256(data).hexdigest(), "gamma", walk_project(data, "gamma"))  # as the embedded index's
    tables.save()
    cache = reader(root)
    assert cache.read("gamma") is None and "malformed" in cache.reason("gamma")


def test_a_verdict_of_other_shape_rules_is_not_taken(root):
    """Another mach-nix's verdict (its record_problem differs) is checked again under today's rules."""
    from mach_nix.index.storage import cache_reader

    rewrite_consistently(root, "gamma", {"name": "gamma", "deps": {}, "releases": {"5.0": [{"filename": "g.whl"}]}})
    data = (root / "c" / f"{shard_of('gamma')}.json").read_bytes()
    tables = SliceTables(root / "tables")
    fields = walk_project(data, "gamma")
    tables.put(hashlib.sha256(data).hexdigest(), "gamma", {**fields, cache_reader.SHAPE_CHECKED: "other rules"})
    tables.save()
    cache = reader(root)
    assert cache.read("gamma") is None and "malformed" in cache.reason("gamma")


def test_a_damaged_table_file_is_discarded(root):
    table = root / "tables"
    sealed = table.read_bytes()
    table.write_bytes(sealed[:-40] + bytes(40))  # same length, the payload no longer matches its seal
    later = reader(root)
    for name in NAMES:
        got = later.read(name)
        assert type(got["releases"]) is dict and got == whole(root, name)  # walked and checked again


def test_metadata_read_online_into_a_lazy_record_is_saved(root):
    cache = reader(root)
    got = cache.read("delta")
    assert type(got["deps"]) is not dict
    unread = got["releases"]["2.0rc1"][0]
    unread.pop("metadata")
    apply_result(unread, {"metadata": "json", "requires_dist": ["idna"]}, got["deps"])  # as RemoteIndex._fill
    assert got["deps"][unread["requires_dist"]] == ["idna"] and len(got["deps"]) == 2
    cache.save({"delta": got})
    saved = whole(root, "delta")
    assert saved == materialize(got) and saved["releases"]["2.0rc1"][0]["requires_dist"] in saved["deps"]
    assert "release_order" not in saved
    assert materialize(reader(root).read("delta")) == saved


def test_a_save_forgets_the_ranges_of_the_shards_it_replaced(root):
    hashes = orjson.loads((root / "c" / METADATA_FILE).read_bytes())["shards"]
    assert SliceTables(root / "tables").get(hashes[shard_of("alpha")], "alpha") is not None
    newer = record("alpha")
    newer["releases"]["3.0"] = [node("alpha", "3.0")]
    reader(root).save({"alpha": newer})
    tables = SliceTables(root / "tables")
    assert tables.get(hashes[shard_of("alpha")], "alpha") is None
    assert tables.get(hashes[shard_of("beta")], "beta") is not None  # a shard the save left alone
    assert "3.0" in reader(root).read("alpha")["releases"]


def test_an_online_lock_reads_metadata_into_a_project_read_through_the_tables(tmp_path):
    """mnx-lib comes from the tables (a lock read it before); its 2.0 wheel is still unread, so the
    online lock reads it into that record, and the save keeps it for an offline lock."""
    from faults.fakepypi import FakePyPI
    from faults.world import world_routes
    from test_on_demand import SMALL, lock, make_world, pins

    cache = tmp_path / "cache"
    with FakePyPI(world_routes(make_world())) as server:
        wanted = ["mnx-app==1.0", "mnx-lib==2.0"]
        for args, offline in ((["mnx-app==1.0"], False), (["mnx-app==1.0"], True), (wanted, False)):
            done = lock(["--index", SMALL, "-o", "lock.json", *args], cache=cache, server=server, offline=offline,
                        cwd=tmp_path)
            assert done.returncode == 0, done.stderr
        assert [f for f in server.file_requests() if f.startswith("mnx_lib-2.0")] == ["mnx_lib-2.0-py3-none-any.whl.metadata"]
        online = pins(tmp_path / "lock.json")
        before = len(server.log)
        (tmp_path / "lock.json").unlink()
        done = lock(["--index", SMALL, "-o", "lock.json", *wanted], cache=cache, server=server, offline=True,
                    cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert len(server.log) == before and pins(tmp_path / "lock.json") == online
    assert online["mnx-app"] == "1.0" and online["mnx-lib"] == "2.0"
    assert list(cache.glob("slice-tables-*"))
