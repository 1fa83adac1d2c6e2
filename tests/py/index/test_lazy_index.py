"""The resolver's lazy index view: same records as the store in both forms, hashes still enforced."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Dict, List

import pytest

from mach_nix.errors import IndexError_
from mach_nix.index.storage.lazy_index import LazyIndex
from mach_nix.index.storage.shard_walk import members as _members
from mach_nix.index.storage.pack import pack, verify
from mach_nix.index.storage.schema import shard_of
from mach_nix.index.storage.store import Index, decode_lz4, frame_table

SMALL = Path(__file__).resolve().parents[2] / "data" / "index-small"


def full_parses(index: Index) -> List[str]:
    """The shards ``index`` loads from now on (a full parse by the store), in order."""
    loaded: List[str] = []
    load = index.load_shard

    def spy(shard: str) -> Dict[str, Any]:
        loaded.append(shard)
        return load(shard)

    index.load_shard = spy  # type: ignore[method-assign]
    return loaded


def same_as_store(lazy: LazyIndex, index: Index) -> int:
    seen = 0
    for name, project in index.iter_projects():
        view = lazy.project(name)
        assert view is not None and view["name"] == project["name"]
        assert dict(view["deps"]) == project["deps"]
        assert list(view["releases"]) == list(project["releases"])
        assert {v: view["releases"][v] for v in view["releases"]} == project["releases"]
        seen += 1
    return seen


@pytest.mark.parametrize("fmt", ["json", "lz4"])
def test_lazy_view_matches_the_store_in_both_forms(tmp_path: Path, fmt: str) -> None:
    pack(SMALL, tmp_path / fmt, fmt)
    assert verify(tmp_path / fmt) == []
    index = Index.open(tmp_path / fmt)
    parsed = full_parses(index)
    lazy = LazyIndex(index)
    assert same_as_store(lazy, Index.open(tmp_path / fmt)) > 0
    # the lazy path was taken (no full parse by the store) and the hashes were fine
    assert parsed == []
    lazy.check()


def test_lz4_shard_is_the_json_form_one_frame_per_project(tmp_path: Path) -> None:
    pack(SMALL, tmp_path / "lz4", "lz4")
    for name in Index.open(SMALL).names():
        shard = shard_of(name)
        data = (tmp_path / "lz4" / f"{shard}.json.lz4").read_bytes()
        where = tmp_path / "lz4" / f"{shard}.json.lz4"
        assert decode_lz4(data, where) == (SMALL / f"{shard}.json").read_bytes()
        table = frame_table(data, where)
        assert table is not None and name in {n for n, _, _ in table}


@pytest.mark.parametrize("layout", ["compact", "pretty"])
def test_single_frame_lz4_shards_of_older_packs_still_read(tmp_path: Path, layout: str) -> None:
    import hashlib

    import lz4.frame
    import orjson

    out = tmp_path / "old"
    pack(SMALL, out, "lz4")
    meta = orjson.loads((out / "metadata.json").read_bytes())
    for path in out.glob("*.json.lz4"):
        text = decode_lz4(path.read_bytes(), path)
        if layout == "compact":
            text = orjson.dumps(orjson.loads(text), option=orjson.OPT_SORT_KEYS)
        data = lz4.frame.compress(text, content_checksum=True)
        path.write_bytes(data)
        meta["shards"][path.name[:2]] = hashlib.sha256(data).hexdigest()
    (out / "metadata.json").write_bytes(orjson.dumps(meta, option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2))
    assert verify(out) == []
    index = Index.open(out)
    parsed = full_parses(index)
    assert same_as_store(LazyIndex(index), Index.open(SMALL)) > 0
    assert bool(parsed) == (layout == "compact")  # only compact JSON needs the store's full parse


@pytest.mark.parametrize("fmt", ["json", "lz4"])
def test_a_changed_shard_is_reported_by_check(tmp_path: Path, fmt: str) -> None:
    pack(SMALL, tmp_path / fmt, fmt)
    name = next(Index.open(SMALL).names())
    path = tmp_path / fmt / (shard_of(name) + (".json" if fmt == "json" else ".json.lz4"))
    data = path.read_bytes()
    if fmt == "json":  # same layout, different content: the lazy view reads it, the hash check catches it
        path.write_bytes(data.replace(b'"last_serial": ', b'"last_serial": 1', 1))
    else:
        path.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    lazy = LazyIndex(Index.open(tmp_path / fmt))
    with pytest.raises(IndexError_, match="sha256|corrupt"):
        lazy.project(name)
        lazy.check()


def test_members_walks_one_level() -> None:
    buf = b'{\n  "a": 1,\n  "b": [\n    2\n  ],\n  "c": {}\n}'
    members, end = _members(buf, 1, 2)
    assert {k: buf[v[0]:v[1]] for k, v in members.items()} == {"a": b"1", "b": b"[\n    2\n  ]", "c": b"{}"}
    assert buf[end:] == b"\n}"


@pytest.mark.parametrize("fmt", ["json", "lz4"])
def test_names_come_from_the_heads_without_parsing(tmp_path: Path, fmt: str) -> None:
    pack(SMALL, tmp_path / fmt, fmt)
    index = Index.open(tmp_path / fmt)
    parsed = full_parses(index)
    names = list(LazyIndex(index).names())
    assert sorted(names) == sorted(Index.open(SMALL).names()) and "requests" in names
    assert parsed == []  # no shard went through the store's full parse


def test_a_shard_checked_once_is_not_hashed_again_until_it_changes(tmp_path, monkeypatch):
    from mach_nix.index.storage.verified import RECORD, VerifiedShards
    from mach_nix.index.storage import lazy_index as lazy_mod

    index_dir = tmp_path / "index"
    shutil.copytree(SMALL, index_dir)
    hashed: list = []
    real_submit = lazy_mod._HashChecker.submit
    monkeypatch.setattr(lazy_mod._HashChecker, "submit", lambda self, shard, data, expected: (
        hashed.append(shard), real_submit(self, shard, data, expected))[-1])

    def read(name: str) -> bool:
        lazy = LazyIndex(Index.open(index_dir), VerifiedShards(tmp_path / "cache" / RECORD))
        found = lazy.project(name) is not None
        lazy.check()
        return found

    assert read("requests")

    assert hashed == [shard_of("requests")]
    assert read("requests")  # unchanged since: not hashed again
    assert hashed == [shard_of("requests")]
    path = index_dir / f"{shard_of('requests')}.json"
    path.write_bytes(path.read_bytes().replace(b'"requests"', b'"requestz"', 1))  # same size, new content
    with pytest.raises(IndexError_, match="does not match the sha256"):
        read("requests")
    assert hashed == [shard_of("requests")] * 2


def _tabled(index_dir: Path, cache: Path) -> LazyIndex:
    from mach_nix.index.storage.slice_tables import TABLES_FILE, SliceTables
    from mach_nix.index.storage.verified import RECORD, VerifiedShards

    return LazyIndex(Index.open(index_dir), VerifiedShards(cache / RECORD), SliceTables(cache / TABLES_FILE))


@pytest.mark.parametrize("fmt", ["json", "lz4"])
def test_remembered_ranges_give_the_same_projects_without_walking_the_shard(tmp_path, monkeypatch, fmt):
    from mach_nix.index.storage.slice_tables import TABLES_FILE
    from mach_nix.index.storage import lazy_index as lazy_mod

    pack(SMALL, tmp_path / fmt, fmt)
    first = _tabled(tmp_path / fmt, tmp_path / "cache")
    assert same_as_store(first, Index.open(tmp_path / fmt)) > 0
    assert first.project("no-such-project-here") is None
    first.check()
    assert (tmp_path / "cache" / TABLES_FILE).stat().st_size > 0

    def no_walk(buf: bytes, key: str) -> None:
        raise AssertionError(f"walked the shard for {key}")

    monkeypatch.setattr(lazy_mod, "walk_project", no_walk)
    again = _tabled(tmp_path / fmt, tmp_path / "cache")
    assert same_as_store(again, Index.open(tmp_path / fmt)) > 0
    assert again.project("no-such-project-here") is None  # its absence is remembered too
    again.check()


def test_remembered_ranges_never_meet_a_changed_shard(tmp_path):
    """A shard rewritten with shifted bytes but its old hash in metadata.json: the ranges of the old
    bytes are not used (its file changed), the hash check reports it, no JSON error escapes."""
    index_dir = tmp_path / "index"
    shutil.copytree(SMALL, index_dir)
    first = _tabled(index_dir, tmp_path / "cache")
    assert first.project("requests") is not None
    first.check()
    path = index_dir / f"{shard_of('requests')}.json"
    data = path.read_bytes()
    at = data.index(b'"releases": {', data.index(b'\n    "requests": {')) + len(b'"releases": {')
    path.write_bytes(data[:at] + b"   " + data[at:])  # every release's bytes move; name and deps do not
    later = _tabled(index_dir, tmp_path / "cache")
    with pytest.raises(IndexError_, match="does not match the sha256"):
        project = later.project("requests")
        assert project is not None and dict(project["releases"])  # read as the bytes are, then refused
        later.check()


def test_an_unreadable_table_file_only_means_walking_again(tmp_path):
    from mach_nix.index.storage.slice_tables import TABLES_FILE

    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / TABLES_FILE).write_bytes(b"\x00not marshal")
    lazy = _tabled(SMALL, tmp_path / "cache")
    assert same_as_store(lazy, Index.open(SMALL)) > 0
    lazy.check()
    assert same_as_store(_tabled(SMALL, tmp_path / "cache"), Index.open(SMALL)) > 0
