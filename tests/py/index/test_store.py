"""Index store: both forms, lazy loading, pack/verify, and clear errors on damage."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from mach_nix.cli import main
from mach_nix.errors import IndexError_
from mach_nix.index.storage.pack import pack, verify
from mach_nix.index.storage.schema import PYPI_FILES, deps_key, file_requires_dist, file_url, shard_of
from mach_nix.index.storage.store import Index, write_index
from test_lazy_index import full_parses

IDNA_DEPS: list = []
REQUESTS_DEPS = ["certifi>=2017.4.17", "idna<4,>=2.5", 'PySocks!=1.5.7,>=1.5.6; extra == "socks"']


def _node(filename: str, deps: list | None, **extra) -> dict:
    node = {
        "filename": filename,
        "sha256": "0" * 64,
        "url": f"https://files.pythonhosted.org/packages/aa/bb/cc/{filename}",
        "size": 100,
        "upload_time": "2023-05-22T15:12:42Z",
        "metadata": "pep658" if deps is not None else "not-crawled",
    }
    if deps is not None:
        node["requires_dist"] = deps_key(deps)
    node.update(extra)
    return node


def _projects() -> dict:
    requests = {
        "name": "requests",
        "last_serial": 7,
        "deps": {deps_key(REQUESTS_DEPS): REQUESTS_DEPS},
        "releases": {
            "2.31.0": [
                _node("requests-2.31.0-py3-none-any.whl", REQUESTS_DEPS, requires_python=">=3.7"),
                _node("requests-2.31.0.tar.gz", None),
            ]
        },
    }
    idna = {
        "name": "idna",
        "last_serial": 3,
        "deps": {deps_key(IDNA_DEPS): IDNA_DEPS},
        "releases": {"3.4": [_node("idna-3.4-py3-none-any.whl", IDNA_DEPS)]},
    }
    shards: dict = {}
    for name, project in (("requests", requests), ("idna", idna)):
        shards.setdefault(shard_of(name), {})[name] = project
    return shards


@pytest.fixture
def json_index(tmp_path: Path) -> Path:
    directory = tmp_path / "json"
    write_index(directory, _projects(), "json", created_at="2026-01-01T00:00:00Z", pypi_serial=7)
    return directory


def test_write_and_read_json_form(json_index: Path) -> None:
    meta = json.loads((json_index / "metadata.json").read_text())
    assert meta["schema"] == 2 and meta["format"] == "json"
    assert (meta["projects"], meta["releases"], meta["files"]) == (2, 2, 3)
    assert len(meta["shards"]) == 256 and len(list(json_index.glob("*.json"))) == 257
    index = Index.open(json_index)
    parsed = full_parses(index)
    project = index.project("Requests")
    assert project is not None and project["name"] == "requests"
    wheel, sdist = project["releases"]["2.31.0"]
    assert file_requires_dist(project, wheel) == REQUESTS_DEPS
    assert file_requires_dist(project, sdist) is None
    # Only the shard asked for was loaded.
    assert index.project("requests") is project  # kept, not parsed again
    assert parsed == [shard_of("requests")]
    assert index.project("no-such-project") is None


def test_json_form_is_sorted_and_readable(json_index: Path) -> None:
    text = (json_index / f"{shard_of('requests')}.json").read_text()
    assert text.startswith('{\n  "projects"')
    # one line per file node: a changed file is a one-line diff
    line = next(line for line in text.splitlines() if '"filename":"requests-2.31.0-py3-none-any.whl"' in line)
    assert json.loads(line.strip().rstrip(","))["size"] == 100


def test_pypi_urls_are_stored_as_their_blake2b_digest(tmp_path: Path) -> None:
    digest = "7c" + "c4" + "a" * 60
    url = f"{PYPI_FILES}7c/c4/{'a' * 60}/six-1.17.0.tar.gz"
    elsewhere = "https://mirror.example/pkgs/six-1.17.0-py2.py3-none-any.whl"
    project = {"name": "six", "last_serial": 1, "deps": {}, "releases": {"1.17.0": [
        _node("six-1.17.0-py2.py3-none-any.whl", None, url=elsewhere), _node("six-1.17.0.tar.gz", None, url=url)]},
        "versions": {"1.16.0": "2021-05-05", "1.17.0": "2024-12-04"}}
    write_index(tmp_path / "i", {shard_of("six"): {"six": project}}, "json")
    text = (tmp_path / "i" / f"{shard_of('six')}.json").read_text()
    assert url not in text and f'"blake2b_256":"{digest}"' in text and elsewhere in text
    wheel, sdist = Index.open(tmp_path / "i").project("six")["releases"]["1.17.0"]
    assert (file_url(wheel), file_url(sdist)) == (elsewhere, url) and "url" not in sdist
    assert Index.open(tmp_path / "i").project("six")["versions"] == project["versions"]


def test_a_schema_1_index_is_still_read(json_index: Path) -> None:
    shard = shard_of("requests")
    for path in (json_index / f"{shard}.json", json_index / "metadata.json"):
        doc = json.loads(path.read_text())
        doc["schema"] = 1
        path.write_text(json.dumps(doc))
    meta = json.loads((json_index / "metadata.json").read_text())
    meta["shards"][shard] = hashlib.sha256((json_index / f"{shard}.json").read_bytes()).hexdigest()
    (json_index / "metadata.json").write_text(json.dumps(meta))
    assert Index.open(json_index).project("requests")["name"] == "requests"


def test_pack_roundtrip_is_lossless(json_index: Path, tmp_path: Path) -> None:
    packed = tmp_path / "packed"
    meta = pack(json_index, packed)
    assert meta["format"] == "lz4" and (packed / "00.json.lz4").exists()
    assert verify(packed) == []
    back = tmp_path / "back"
    pack(packed, back, "json")
    for shard in ("00", shard_of("requests"), shard_of("idna")):
        assert (back / f"{shard}.json").read_bytes() == (json_index / f"{shard}.json").read_bytes()
    assert Index.open(packed).project("idna") == Index.open(json_index).project("idna")
    created = json.loads((back / "metadata.json").read_text())["created_at"]
    assert created == "2026-01-01T00:00:00Z"


def test_identity_changes_with_content(json_index: Path, tmp_path: Path) -> None:
    before = Index.open(json_index).identity["metadata_sha256"]
    shards = _projects()
    shards[shard_of("idna")]["idna"]["last_serial"] = 4
    write_index(json_index, shards, "json", created_at="2026-01-01T00:00:00Z", pypi_serial=7)
    assert Index.open(json_index).identity["metadata_sha256"] != before


def test_verify_reports_tampered_shard(json_index: Path) -> None:
    assert verify(json_index) == []
    shard = json_index / f"{shard_of('idna')}.json"
    shard.write_text(shard.read_text().replace('"3.4"', '"3.5"'))
    problems = verify(json_index)
    assert len(problems) == 1 and shard.name in problems[0] and "sha256" in problems[0]


@pytest.mark.parametrize("damage", ["truncate", "flip", "delete"])
def test_damaged_lz4_shard_gives_clear_error(json_index: Path, tmp_path: Path, damage: str) -> None:
    packed = tmp_path / "packed"
    pack(json_index, packed)
    shard = packed / f"{shard_of('requests')}.json.lz4"
    data = shard.read_bytes()
    if damage == "truncate":
        shard.write_bytes(data[: len(data) // 2])
    elif damage == "flip":
        shard.write_bytes(data[:20] + bytes([data[20] ^ 0xFF]) + data[21:])
    else:
        shard.unlink()
    with pytest.raises(IndexError_) as err:
        Index.open(packed).project("requests")
    assert shard.name in err.value.message and "mach-nix index verify" in err.value.message
    assert verify(packed)


def test_corrupt_frame_with_matching_hash_is_still_caught(json_index: Path, tmp_path: Path) -> None:
    """A shard that is damaged *and* re-hashed in metadata.json fails in decoding, by name."""
    import hashlib

    packed = tmp_path / "packed"
    pack(json_index, packed)
    shard = packed / f"{shard_of('requests')}.json.lz4"
    bad = shard.read_bytes()[:-9]
    shard.write_bytes(bad)
    meta = json.loads((packed / "metadata.json").read_text())
    meta["shards"][shard_of("requests")] = hashlib.sha256(bad).hexdigest()
    (packed / "metadata.json").write_text(json.dumps(meta))
    with pytest.raises(IndexError_) as err:
        Index.open(packed).project("requests")
    assert "corrupt" in err.value.message and shard.name in err.value.message


def test_wrong_schema_version(json_index: Path) -> None:
    meta = json.loads((json_index / "metadata.json").read_text())
    meta["schema"] = 99
    (json_index / "metadata.json").write_text(json.dumps(meta))
    with pytest.raises(IndexError_) as err:
        Index.open(json_index)
    assert "schema 99" in err.value.message and "metadata.json" in err.value.message


def test_missing_index_directory(tmp_path: Path) -> None:
    with pytest.raises(IndexError_) as err:
        Index.open(tmp_path / "nope")
    assert "does not exist" in err.value.message


def test_cli_show_and_verify(json_index: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["index", "show", "requests", "--index", str(json_index)]) == 0
    out = capsys.readouterr().out
    assert "2.31.0" in out and "requests-2.31.0-py3-none-any.whl" in out and "deps unknown" in out
    assert main(["index", "show", "nope", "--index", str(json_index)]) == 1
    err = capsys.readouterr().err
    assert "'nope' is not in the index" in err and "Traceback" not in err
    assert main(["index", "verify", str(json_index)]) == 0


def test_cli_error_is_one_paragraph(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["index", "show", "x", "--index", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1


def test_atomic_write_never_replaces_a_device(tmp_path: Path) -> None:
    import os
    import stat

    from mach_nix.fsutil import atomic_write_bytes

    atomic_write_bytes(Path("/dev/null"), b"x")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    target = tmp_path / "a" / "b.json"
    atomic_write_bytes(target, b"1")
    atomic_write_bytes(target, b"2")
    assert target.read_bytes() == b"2" and [p.name for p in target.parent.iterdir()] == ["b.json"]


def test_atomic_write_makes_files_as_open_does_and_leaves_no_temporary_on_failure(tmp_path: Path, monkeypatch) -> None:
    import os

    import pytest

    from mach_nix import fsutil

    old = os.umask(0o022)
    try:
        fsutil.atomic_write_bytes(tmp_path / "lock.json", b"{}")
    finally:
        os.umask(old)
    assert (tmp_path / "lock.json").stat().st_mode & 0o777 == 0o644  # readable by others, like any written file

    def refuse(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fsutil.os, "replace", refuse)
    with pytest.raises(OSError):
        fsutil.atomic_write_bytes(tmp_path / "lock.json", b"{new}")
    assert (tmp_path / "lock.json").read_bytes() == b"{}"
    assert [p.name for p in tmp_path.iterdir()] == ["lock.json"]
