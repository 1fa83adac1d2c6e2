"""A project's versions in order, newest first: sorted once and remembered, or sorted on use — the same."""

from __future__ import annotations

import shutil
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.version import InvalidVersion, Version

from mach_nix.index.view.layers import LayeredIndex
from mach_nix.index.storage.store import Index
from mach_nix.resolve.candidates import LazyVersions, ProjectCandidates, newest_first
from mach_nix.index.storage.lazy_index import LazyIndex
from mach_nix.resolve.target import Target

SMALL = Path(__file__).resolve().parents[1] / "data" / "index-small"
TARGET = Target.create("3.11", "x86_64-linux")
VERSION_TEXTS = st.lists(st.from_regex(r"\A(v?[0-9]{1,2}(\.[0-9]{1,2}){0,3}((a|b|rc|\.post|\.dev)[0-9])?|1\.0-final-x|x)\Z"),
                         max_size=30)


def _valid(text: str) -> bool:
    try:
        Version(text)
    except InvalidVersion:
        return False
    return True


@settings(max_examples=300, deadline=None)
@given(VERSION_TEXTS)
def test_newest_first_is_packagings_order(texts):
    order = newest_first(texts)
    assert [t for _, t in order] == sorted((t for t in texts if _valid(t)), key=lambda t: (Version(t), t), reverse=True)
    lazy = LazyVersions([t for _, t in order])
    assert list(lazy) == order and len(lazy) == len(order)
    if order:
        assert lazy[-1] == order[-1] and lazy[0:2] == order[0:2]


def test_lazy_versions_parse_only_what_is_read():
    lazy = LazyVersions(["3.0", "2.0", "1.0"])
    assert lazy[0] == (Version("3.0"), "3.0")
    assert len(lazy._pairs) == 1  # the other two not parsed
    assert next(iter(lazy)) == (Version("3.0"), "3.0") and len(lazy._pairs) == 1


def test_remembered_order_gives_the_candidates_a_fresh_sort_gives(tmp_path):
    from mach_nix.index.storage.slice_tables import TABLES_FILE, SliceTables
    from mach_nix.index.storage.verified import RECORD, VerifiedShards

    def tabled() -> LazyIndex:
        return LazyIndex(Index.open(SMALL), VerifiedShards(tmp_path / RECORD), SliceTables(tmp_path / TABLES_FILE))

    first = tabled()
    names = list(Index.open(SMALL).names())
    for name in names:
        first.project(name)
    first.check()
    again, store = tabled(), Index.open(SMALL)
    ordered = 0
    for name in names:
        project = again.project(name)
        assert project is not None
        plain = ProjectCandidates(name, store.project(name), TARGET, ("wheel", "sdist"), None)
        remembered = ProjectCandidates(name, project, TARGET, ("wheel", "sdist"), None)
        ordered += isinstance(remembered.versions, LazyVersions)
        assert list(remembered.versions) == plain.versions and remembered.has_final == plain.has_final
    assert ordered == len(names)


def test_a_project_merged_from_two_layers_is_sorted_anew(tmp_path):
    shutil.copytree(SMALL, tmp_path / "a")
    shutil.copytree(SMALL, tmp_path / "b")
    one = LayeredIndex([LazyIndex(Index.open(tmp_path / "a"))], None)
    two = LayeredIndex([LazyIndex(Index.open(tmp_path / "a")), LazyIndex(Index.open(tmp_path / "b"))], None)
    assert "release_order" in one.project("requests")
    assert "release_order" not in two.project("requests")


def test_a_nixpkgs_version_outside_the_index_is_sorted_in():
    index = LazyIndex(Index.open(SMALL))
    project = index.project("requests")
    newest = newest_first(project["releases"])[0][0]
    nix = f"{newest.major + 1}.0"
    pc = ProjectCandidates("requests", project, TARGET, ("wheel", "sdist", "nixpkgs"), {"version": nix})
    assert pc.versions[0][1] == nix and pc.nix_version == nix
    assert [t for _, t in pc.versions[1:]] == [t for _, t in newest_first(project["releases"])]
