"""The resolver's lazy index view: same records as the store in both forms, hashes still enforced."""

from __future__ import annotations

from pathlib import Path

import pytest

from mach_nix.errors import IndexError_
from mach_nix.index.pack import pack, verify
from mach_nix.index.schema import shard_of
from mach_nix.index.store import Index
from mach_nix.resolve.lazy_index import LazyIndex, _members

SMALL = Path(__file__).resolve().parents[1] / "data" / "index-small"


def _same_as_store(lazy: LazyIndex, index: Index) -> int:
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
    lazy = LazyIndex(index)
    assert _same_as_store(lazy, Index.open(tmp_path / fmt)) > 0
    # the lazy path was taken (no full parse by the store) and the hashes were fine
    assert index._shards == {}
    lazy.check()


def test_lz4_shard_holds_the_json_form_bytes(tmp_path: Path) -> None:
    import lz4.frame

    pack(SMALL, tmp_path / "lz4", "lz4")
    name = next(Index.open(SMALL).names())
    shard = shard_of(name)
    assert lz4.frame.decompress((tmp_path / "lz4" / f"{shard}.json.lz4").read_bytes()) == (SMALL / f"{shard}.json").read_bytes()


def test_compact_lz4_shards_of_older_packs_still_read(tmp_path: Path) -> None:
    import lz4.frame
    import orjson

    out = tmp_path / "old"
    pack(SMALL, out, "lz4")
    meta = orjson.loads((out / "metadata.json").read_bytes())
    import hashlib

    for path in out.glob("*.json.lz4"):
        compact = orjson.dumps(orjson.loads(lz4.frame.decompress(path.read_bytes())), option=orjson.OPT_SORT_KEYS)
        data = lz4.frame.compress(compact, content_checksum=True)
        path.write_bytes(data)
        meta["shards"][path.name[:2]] = hashlib.sha256(data).hexdigest()
    (out / "metadata.json").write_bytes(orjson.dumps(meta, option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2))
    index = Index.open(out)
    assert _same_as_store(LazyIndex(index), Index.open(SMALL)) > 0
    assert index._shards  # read through the store's full parse


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
