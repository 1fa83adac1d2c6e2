"""`mach-nix index add`: a project-local index layer crawled from the loopback PyPI (the recorded
pages of tests/data/pypi: six 1.15.0/1.16.0/1.17.0, idna 3.10, markupsafe 3.0.2)."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator, List

import pytest

from faults.fakepypi import FakePyPI, recorded_routes
from mach_nix.cli import main
from mach_nix.index.storage.merge import merge_records
from mach_nix.index.storage.pack import verify
from mach_nix.index.storage.schema import shard_of
from mach_nix.index.storage.store import Index, write_index


@pytest.fixture
def pypi() -> Iterator[str]:
    """The loopback PyPI's URL (the recorded pages, tests/data/pypi)."""
    with FakePyPI(recorded_routes()) as server:
        yield server.base


def add(pypi: str, tmp_path: Path, *args: str) -> int:
    """`mach-nix index add ARGS` against the loopback PyPI, the window 2024-01-01 on."""
    return main(["index", "add", *args, "--since", "2024-01-01", "--series-since", "2024-01-01", "--quiet",
                 "--threads", "4", "--work-dir", str(tmp_path / "work"), "--pypi", pypi])


def releases(layer: Path, name: str) -> List[str]:
    project = Index.open(layer).project(name)
    return sorted(project["releases"]) if project else []


def base_index(tmp_path: Path, names: List[str]) -> Path:
    """A base layer holding empty records of ``names`` (what --closure consults)."""
    out = tmp_path / "base"
    shards = {}
    for name in names:
        shards.setdefault(shard_of(name), {})[name] = {"name": name, "last_serial": 1, "deps": {}, "releases": {}}
    write_index(out, shards, "json")
    return out


def test_pins_outside_the_window_are_added_and_releases_accumulate(pypi: str, tmp_path: Path) -> None:
    layer = tmp_path / "mach-nix-index"
    assert add(pypi, tmp_path, "six==1.15.0", "--out", str(layer)) == 0
    assert releases(layer, "six") == ["1.15.0", "1.17.0"]  # the pin (2020) and the newest release
    assert add(pypi, tmp_path, "six==1.16.0", "idna", "--out", str(layer)) == 0
    # six re-added: the union of stored and crawled releases; nothing stored is lost
    assert releases(layer, "six") == ["1.15.0", "1.16.0", "1.17.0"]
    assert releases(layer, "idna") == ["3.10"]
    assert verify(layer) == []
    scope = Index.open(layer).metadata["scope"]
    assert scope["layer"] is True and scope["seeds"] == ["idna", "six==1.15.0", "six==1.16.0"]


def test_existing_projects_are_kept_when_others_are_added(pypi: str, tmp_path: Path) -> None:
    layer = tmp_path / "layer"
    assert add(pypi, tmp_path, "idna", "--out", str(layer), "--format", "lz4") == 0
    before = Index.open(layer).project("idna")
    assert add(pypi, tmp_path, "markupsafe", "--out", str(layer)) == 0
    index = Index.open(layer)
    assert index.format == "lz4"  # the layer's own form is kept
    assert sorted(index.names()) == ["idna", "markupsafe"]
    assert index.project("idna") == before
    assert not (tmp_path / "layer.new").exists() and not (tmp_path / "layer.old").exists()


def test_closure_leaves_what_a_base_holds_to_the_base(pypi: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # idna's sdist is built with flit-core: the closure wants it.
    layer = tmp_path / "layer"
    base = base_index(tmp_path, ["flit-core"])
    assert add(pypi, tmp_path, "idna", "--closure", "--index", str(base), "--out", str(layer)) == 0
    assert "left to the base: flit-core" in capsys.readouterr().out
    assert sorted(Index.open(layer).names()) == ["idna"]
    # Without a base that holds it, flit-core is crawled (the loopback PyPI lacks it: reported).
    assert add(pypi, tmp_path, "idna", "--closure", "--index", str(base_index(tmp_path / "b2", ["six"])),
               "--out", str(tmp_path / "layer2")) == 0
    assert "not on PyPI (skipped): flit-core" in capsys.readouterr().err


def test_absent_project_and_absent_pin_exit_1_naming_them(pypi: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert add(pypi, tmp_path, "no-such-project", "six==9.9", "--out", str(tmp_path / "layer")) == 1
    err = capsys.readouterr().err
    assert "no-such-project is not on PyPI" in err and "six has no release 9.9 on PyPI" in err
    assert releases(tmp_path / "layer", "six") == ["1.17.0"]  # what was found is still written


def test_a_directory_that_is_not_an_index_is_never_replaced(pypi: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "app.py").write_text("print('mine')\n")
    assert add(pypi, tmp_path, "six", "--out", str(src)) == 2
    assert "is not an index directory" in capsys.readouterr().err
    assert (src / "app.py").read_text() == "print('mine')\n"
    empty = tmp_path / "empty"
    empty.mkdir()
    assert add(pypi, tmp_path, "six", "--out", str(empty)) == 0 and releases(empty, "six") == ["1.17.0"]


def test_merge_records_keeps_both_sides() -> None:
    old = {"name": "x", "last_serial": 5, "deps": {"a": ["p"], "b": ["q"]},
           "releases": {"1": [{"filename": "x-1.tar.gz", "requires_dist": "a"}],
                        "2": [{"filename": "x-2.tar.gz", "requires_dist": "b"}]}}
    new = {"name": "X", "last_serial": 3, "deps": {"c": ["r"]},
           "releases": {"2": [{"filename": "x-2-py3-none-any.whl", "requires_dist": "c"}]}}
    merged = merge_records(old, new)
    assert merged["name"] == "X" and merged["last_serial"] == 5
    assert [n["filename"] for n in merged["releases"]["2"]] == ["x-2-py3-none-any.whl", "x-2.tar.gz"]
    assert merged["deps"] == {"a": ["p"], "b": ["q"], "c": ["r"]}


def test_merge_records_keeps_what_was_read() -> None:
    """A cached file whose metadata was read is not replaced by a fresh page's unread copy (the user
    cache merges pages into what it holds); a yanked flag either copy has is kept."""
    read = {"filename": "x-1-py3-none-any.whl", "metadata": "pep658", "requires_dist": "a"}
    unread = {"filename": "x-1-py3-none-any.whl", "metadata": "not-crawled", "yanked": "broken"}
    old = {"name": "x", "last_serial": 1, "deps": {"a": ["p"]}, "releases": {"1": [read]}}
    new = {"name": "x", "last_serial": 2, "deps": {}, "releases": {"1": [unread], "2": []}}
    merged = merge_records(old, new)
    assert merged["releases"]["1"] == [dict(read, yanked="broken")] and merged["deps"] == {"a": ["p"]}
    assert merge_records(new, old)["releases"]["1"] == [dict(read, yanked="broken")]  # either order
    assert merge_records(None, old) == old
