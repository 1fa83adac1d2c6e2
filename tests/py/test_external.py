"""PEP 725 `[external]` tables of sdists (issue 20, point 5): read by the crawler from a crafted
sdist, kept on the sdist's index node (`external`, docs/index-format.md), carried into the lock
entry (docs/lock-format.md), and an index or lock without them unchanged. The Nix mapping
(overrides/external.json, lib/sdist.nix) is tests/nix/eval/external.nix."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any, Dict

import pytest

from mach_nix.cli import main
from mach_nix.errors import MachNixError
from mach_nix.index.client.fetch import fetch_sdist
from mach_nix.index.client.metadata import external_of, parse_pyproject
from mach_nix.index.storage.pack import verify
from mach_nix.index.crawl.record import apply_result
from mach_nix.index.storage.schema import external_problem, shard_of
from mach_nix.index.storage.store import Index, write_index
from mach_nix.lock import read, validate
from sdist_craft import sdist_archive, served

ROOT = Path(__file__).resolve().parents[2]
INDEX_SMALL = ROOT / "tests" / "data" / "index-small"

# PEP 725's cryptography example, with a marker, a version and an optional table added.
PYPROJECT = b"""
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "ext"
version = "1.0"
dependencies = ["idna"]

[external]
build-requires = ["dep:virtual/compiler/c", "dep:generic/pkg-config", "dep:generic/XCB; platform_system=='Linux'"]
host-requires = ["dep:generic/openssl@>=3", "dep:generic/libffi"]
dependencies = ["dep:generic/git"]

[external.optional-host-requires]
tiff = ["dep:generic/libtiff"]
"""
EXTERNAL = {
    "build-requires": ["dep:virtual/compiler/c", "dep:generic/pkg-config", "dep:generic/XCB; platform_system=='Linux'"],
    "host-requires": ["dep:generic/openssl@>=3", "dep:generic/libffi"],
    "dependencies": ["dep:generic/git"],
    "optional-host-requires": {"tiff": ["dep:generic/libtiff"]},
}


def _fetched(data: bytes, filename: str = "ext-1.0.tar.gz") -> Dict[str, Any]:
    """What the crawler reads from ``data`` served as an sdist on a loopback file host."""
    server, entry = served(data, filename, data)
    with server:
        return fetch_sdist(server.client(), entry)


def test_crawler_reads_the_external_table_of_a_crafted_sdist() -> None:
    result = _fetched(sdist_archive([("ext-1.0/pyproject.toml", PYPROJECT), ("ext-1.0/ext.c", b"int x;\n")]))
    assert result["metadata"] == "pyproject" and result["requires_dist"] == ["idna"]
    assert result["external"] == EXTERNAL
    assert result["build_system"]["requires"] == ["setuptools>=61"]
    node: Dict[str, Any] = {"filename": "ext-1.0.tar.gz"}
    apply_result(node, result, {})
    assert node["external"] == EXTERNAL


def test_an_sdist_without_an_external_table_gets_no_field() -> None:
    plain = PYPROJECT.split(b"[external]")[0]
    result = _fetched(sdist_archive([("ext-1.0/pyproject.toml", plain)]))
    assert "external" not in result and result["metadata"] == "pyproject"
    node: Dict[str, Any] = {"filename": "ext-1.0.tar.gz"}
    apply_result(node, result, {})
    assert "external" not in node


def test_external_is_read_even_when_the_dependencies_are_dynamic() -> None:
    """The native requirements do not depend on whether the Python ones are static."""
    data = b'[project]\nname="a"\nversion="1"\ndynamic=["dependencies"]\n[external]\nhost-requires=["dep:generic/zlib"]\n'
    parsed = parse_pyproject(data)
    assert parsed.requires_dist is None and parsed.problem is not None
    assert parsed.external == {"host-requires": ["dep:generic/zlib"]}


@pytest.mark.parametrize("table, kept", [
    ({"build-requires": []}, None),  # empty: nothing to record
    ({"build-requires": "dep:generic/cmake"}, None),  # not a list
    ({"host-requires": ["openssl"]}, None),  # not a DepURL
    ({"host-requires": ["dep:generic/zlib", 3]}, None),
    ({"unknown-key": ["dep:generic/zlib"], "host-requires": ["dep:generic/zlib"]}, {"host-requires": ["dep:generic/zlib"]}),
    ({"optional-build-requires": {"dev": ["dep:generic/nodejs"], "bad": "x"}}, {"optional-build-requires": {"dev": ["dep:generic/nodejs"]}}),
    ({"dependency-groups": {"dev": ["dep:generic/catch2", {"include-group": "x"}]}}, {"dependency-groups": {"dev": ["dep:generic/catch2"]}}),
    ({"optional-host-requires": {"x": ["dep:generic/zlib", {"include-group": "y"}]}}, None),  # include-group only in groups
])
def test_malformed_keys_are_left_out(table: Dict[str, Any], kept: Any) -> None:
    assert external_of({"external": table}) == kept
    if kept is not None:
        assert external_problem(kept) is None


def test_external_problem_names_the_key() -> None:
    assert external_problem({"host-requires": "dep:generic/zlib"}) == "external.host-requires is not a list of DepURL strings"
    assert external_problem({"optional-host-requires": {"x": ["zlib"]}}) == "external.optional-host-requires is not a table of lists of DepURL strings"
    assert external_problem({"extra-key": []}) == "external has the unknown key 'extra-key'"
    assert external_problem({}) == "external is not a non-empty object"


def _index_with_docopt_external(src: Path, out: Path, external: Any) -> None:
    """index-small with ``external`` on docopt's sdist node."""
    index = Index.open(src)
    shards: Dict[str, Dict[str, Any]] = {}
    for name, project in index.iter_projects():
        if name == "docopt":
            for files in project["releases"].values():
                for node in files:
                    if node["filename"].endswith(".tar.gz"):
                        node["external"] = external
        shards.setdefault(shard_of(name), {})[name] = project
    meta = json.loads((src / "metadata.json").read_text())
    write_index(out, shards, "json", created_at=meta["created_at"], pypi_serial=meta["pypi_serial"])


def test_index_verify_accepts_the_field_and_rejects_a_malformed_one(tmp_path: Path) -> None:
    assert verify(INDEX_SMALL) == []  # nodes without the field
    _index_with_docopt_external(INDEX_SMALL, tmp_path / "good", EXTERNAL)
    assert verify(tmp_path / "good") == []
    _index_with_docopt_external(INDEX_SMALL, tmp_path / "bad", {"host-requires": "dep:generic/zlib"})
    problems = verify(tmp_path / "bad")
    assert len(problems) == 1 and "docopt-0.6.2.tar.gz" in problems[0] and "external.host-requires" in problems[0]


def test_the_lock_carries_the_sdist_external_table(tmp_path: Path) -> None:
    _index_with_docopt_external(INDEX_SMALL, tmp_path / "index", EXTERNAL)
    with_ext, plain = tmp_path / "with.json", tmp_path / "plain.json"
    assert main(["lock", "--index", str(tmp_path / "index"), "-q", "-o", str(with_ext), "docopt", "six"]) == 0
    assert main(["lock", "--index", str(INDEX_SMALL), "-q", "-o", str(plain), "docopt", "six"]) == 0
    a, b = read(with_ext), read(plain)
    assert a["packages"]["docopt"]["provider"] == "sdist"
    assert a["packages"]["docopt"]["external"] == EXTERNAL
    # Without the field the lock is today's: no key anywhere, every other field the same.
    assert not any("external" in e for e in b["packages"].values())
    a["packages"]["docopt"].pop("external")
    # The rewritten index is another layer, with its own id in each entry's `index`.
    same = lambda lock: {n: {k: v for k, v in e.items() if k != "index"} for n, e in lock["packages"].items()}  # noqa: E731
    assert same(a) == same(b)


def test_lock_validation_checks_external(tmp_path: Path) -> None:
    out = tmp_path / "lock.json"
    assert main(["lock", "--index", str(INDEX_SMALL), "-q", "-o", str(out), "docopt", "six"]) == 0
    lock = read(out)
    lock["packages"]["docopt"]["external"] = EXTERNAL
    validate(lock, "lock")
    lock["packages"]["docopt"]["external"] = {"host-requires": ["openssl"]}
    with pytest.raises(MachNixError, match=r"packages\.docopt\.external is not valid: external\.host-requires"):
        validate(lock, "lock")
    wheel = next(n for n, e in lock["packages"].items() if e["provider"] == "wheel")
    del lock["packages"]["docopt"]["external"]
    lock["packages"][wheel]["external"] = EXTERNAL
    with pytest.raises(MachNixError, match=rf"packages\.{wheel}\.external is not valid: it is only written for an sdist"):
        validate(lock, "lock")


EXTERNAL_TABLE = json.loads((ROOT / "overrides" / "external.json").read_text())
BUILD_SYSTEMS = json.loads((ROOT / "overrides" / "build-systems.json").read_text())
# A table key: what lib/external.nix's `parse` makes of a DepURL (lowercase, no version, qualifiers, subpath, marker).
DEPURL_KEY = re.compile(r"^dep:[a-z0-9.+-]+(/[a-z0-9._+-]+)+$")
ATTR = re.compile(r"^[A-Za-z_][A-Za-z0-9_'-]*(\.[A-Za-z_][A-Za-z0-9_'-]*)*$")


def test_the_depurl_table_has_lookup_keys_and_checked_attribute_paths() -> None:
    assert set(EXTERNAL_TABLE) == {"_comment", "nixpkgs", "depurls"}
    checked = {a.strip() for key in EXTERNAL_TABLE["nixpkgs"]["checked"] for a in key.split(",")}
    for key, paths in EXTERNAL_TABLE["depurls"].items():
        assert DEPURL_KEY.match(key), key
        assert isinstance(paths, list) and all(isinstance(p, str) and ATTR.match(p) for p in paths), key
        # every attribute path's nixpkgs file is recorded (R24.05's xorg.* spelling goes with the new one)
        assert all(p in checked or p.startswith("xorg.") for p in paths), key
    for key in BUILD_SYSTEMS["rustDepURLs"]:
        assert DEPURL_KEY.match(key), key
    # PEP 725's own examples (cryptography, SciPy, Pillow) are all mapped
    for key in ("dep:virtual/compiler/c", "dep:virtual/compiler/cpp", "dep:virtual/compiler/fortran", "dep:virtual/compiler/rust",
                "dep:generic/pkg-config", "dep:generic/ninja", "dep:virtual/interface/blas", "dep:virtual/interface/lapack",
                "dep:generic/openssl", "dep:generic/libffi", "dep:generic/libjpeg", "dep:generic/zlib", "dep:generic/xcb"):
        assert key in EXTERNAL_TABLE["depurls"], key
    assert "dep:virtual/compiler/rust" in BUILD_SYSTEMS["rustDepURLs"]


def test_a_converted_uv_lock_carries_external_from_the_index(tmp_path: Path) -> None:
    from mach_nix.inputs.foreign.read import read_foreign_lock
    from mach_nix.inputs.foreign.convert import convert
    from mach_nix.index.storage.lazy_index import LazyIndex
    from mach_nix.resolve.target import Target

    uv_lock = ROOT / "tests" / "data" / "foreign" / "uv" / "uv.lock"
    embedded = Index.open()
    docopt = copy.deepcopy(embedded.project("docopt"))
    for files in docopt["releases"].values():
        for node in files:
            if node["filename"] == "docopt-0.6.2.tar.gz":
                node["external"] = {"host-requires": ["dep:generic/zlib"]}
    write_index(tmp_path / "index", {shard_of("docopt"): {"docopt": docopt}}, "json")
    with_ext = convert(read_foreign_lock(uv_lock), Target.create("3.11"), index=LazyIndex(Index.open(tmp_path / "index")))
    assert with_ext.packages["docopt"]["external"] == {"host-requires": ["dep:generic/zlib"]}
    validate({**json.loads((ROOT / "tests/nix/locks/requests.json").read_text()), "packages": with_ext.packages,
              "roots": with_ext.roots}, "converted")
    plain = convert(read_foreign_lock(uv_lock), Target.create("3.11"), index=LazyIndex(embedded))
    assert not any("external" in e for e in plain.packages.values())
