"""Nix: project-local index layers (`indexes = [ ./mach-nix-index ]`) in the IFD resolution, the
error naming both ways out when no layer has a project, and the checks of `indexes` entries.

The layer is written with the store API: iniconfig's record copied from the embedded data/ (the
small test index, tests/data/index-small, which the Nix tests use as pypiData, lacks it)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mach_nix.index.storage.schema import shard_of
from mach_nix.index.storage.store import Index, write_index
from test_nix import COMMON, ROOT, nix_eval

pytestmark = [pytest.mark.nix]

ONLY_IN_LAYER = "iniconfig"


@pytest.fixture(scope="module")
def layer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("layer") / "mach-nix-index"
    assert Index.open(ROOT / "tests" / "data" / "index-small").project(ONLY_IN_LAYER) is None
    record = Index.open(ROOT / "data").project(ONLY_IN_LAYER)
    write_index(out, {shard_of(ONLY_IN_LAYER): {ONLY_IN_LAYER: record}}, "json", created_at="2026-01-01T00:00:00Z")
    return out


def path(p: Path) -> str:
    """A Nix path expression of an absolute path."""
    return f'(/. + "{p}")'


def test_a_layer_adds_a_project_only_it_has(layer: Path, tmp_path: Path) -> None:
    """iniconfig comes from the layer, requests and its dependencies from the embedded index: both
    are read, in one resolution; the overlay builds the layer's project; mkOverlay and
    buildPythonPackage take `indexes` too; the layer's names join indexNames (the nixpkgs map's
    filter) when given to `import ./mach-nix`."""
    project = tmp_path / "project"
    project.mkdir()
    (project / "setup.py").write_text("")
    expr = COMMON + (
        f'let e = machNix.mkPython {{ requirements = "{ONLY_IN_LAYER}\\nrequests\\n"; indexes = [ {path(layer)} ]; }}; '
        f'   m = import ./. {{ inherit pkgs; pypiData = ./tests/data/index-small; indexes = [ {path(layer)} ]; }}; '
        f'in {{ roots = e.passthru.lock.roots; packages = builtins.attrNames e.passthru.lock.packages; '
        f'     locked = e.passthru.lock.packages.{ONLY_IN_LAYER}.version; '
        f'     built = e.passthru.python.pkgs.{ONLY_IN_LAYER}.version; '
        f'     names = builtins.filter (n: n == "{ONLY_IN_LAYER}" || n == "requests") m.indexNames; '
        f'     defaultLayer = builtins.attrNames (m.resolve {{ requirements = "{ONLY_IN_LAYER}\\n"; }}).packages; '
        f'     overlaid = (import ./tests/nixpkgs-shim {{ overlays = [ (machNix.mkOverlay {{ requirements = "{ONLY_IN_LAYER}\\n"; '
        f'       indexes = [ {path(layer)} ]; }}) ]; }}).${{pkgs.python3.pythonAttr}}.pkgs.{ONLY_IN_LAYER}.version; '
        f'     project = builtins.attrNames (machNix.buildPythonPackage {{ pname = "p"; version = "1"; src = {path(project)}; '
        f'       requirements = "{ONLY_IN_LAYER}\\n"; indexes = [ {path(layer)} ]; }}).passthru.lock.packages; }}'
    )
    proc = nix_eval(expr)
    assert proc.returncode == 0, proc.stderr[-3000:]
    got = json.loads(proc.stdout)
    assert got["roots"] == [ONLY_IN_LAYER, "requests"]
    assert {ONLY_IN_LAYER, "requests", "idna", "urllib3", "certifi"} <= set(got["packages"])
    assert got["locked"] == got["built"]
    assert sorted(got["names"]) == [ONLY_IN_LAYER, "requests"]
    assert got["defaultLayer"] == [ONLY_IN_LAYER]
    assert got["overlaid"] == got["locked"]
    assert got["project"] == [ONLY_IN_LAYER]


def test_the_resolver_reads_the_layers_in_order_and_offline() -> None:
    """lockDrv's command: the embedded index, then each layer, and --offline with an empty cache."""
    proc = nix_eval(COMMON + (
        "((import ./lib/resolve.nix { inherit lib pkgs; }).lockDrv { mach-nix = machNix.mach-nix; "
        'index = "/nix/store/aaaa-index"; layers = [ "/nix/store/bbbb-l1" "/nix/store/cccc-l2" ]; python = pkgs.python3; '
        'target = target.fromPython { python = pkgs.python3; inherit (pkgs) stdenv; }; requirements = "x\\n"; }).buildCommand'))
    assert proc.returncode == 0, proc.stderr[-2000:]
    command = " ".join(json.loads(proc.stdout).replace("\\\n", " ").split())
    assert "--index /nix/store/aaaa-index --index /nix/store/bbbb-l1 --index /nix/store/cccc-l2 --offline --cache-dir" in command


def test_a_project_no_layer_has_names_both_ways_out() -> None:
    proc = nix_eval(COMMON + f'(machNix.mkPython {{ requirements = "{ONLY_IN_LAYER}\\n"; }}).drvPath')
    assert proc.returncode != 0
    err = proc.stderr
    assert "mach-nix could not resolve the requirements" in err
    assert f"'{ONLY_IN_LAYER}' is not in" in err  # the resolver's own message
    assert f"mach-nix index add {ONLY_IN_LAYER} --closure --out ./mach-nix-index" in err
    assert "indexes = [ ./mach-nix-index ];" in err
    assert "mach-nix lock -r requirements.txt --python" in err and "-o mach-nix.lock.json" in err
    assert "lockFile = ./mach-nix.lock.json;" in err


def test_a_conflict_is_not_taken_for_an_absent_project() -> None:
    # both releases are in the index, and cannot both be had: a conflict, not something to add
    # (`requests>=99` would be an absent release: offline, the resolver cannot tell it from one PyPI has)
    proc = nix_eval(COMMON + '(machNix.mkPython { requirements = "requests==2.32.3\\nrequests==2.31.0\\n"; }).drvPath')
    assert proc.returncode != 0
    assert "requirements.txt, line 1: requests==2.32.3" in proc.stderr
    assert "mach-nix index add" not in proc.stderr and "indexes = [" not in proc.stderr


@pytest.mark.parametrize(
    "indexes, message",
    [
        ('[ "relative/mach-nix-index" ]', "indexes entry 1 (\"relative/mach-nix-index\") is not an absolute path"),
        ("[ ./tests/data/index-small ./tests/data ]", "indexes entry 2 ("),
        ("[ ./tests/data ]", "is not an index directory: it has no metadata.json"),
        ("[ ./no-such-dir ]", "it has no metadata.json (it does not exist)"),
        ("[ 3 ]", "indexes entry 1 is a int, not the path of an index directory"),
        ("./tests/data/index-small", "indexes must be a list of index directories"),
    ],
)
def test_an_invalid_indexes_entry_throws(indexes: str, message: str) -> None:
    proc = nix_eval(COMMON + f'(machNix.mkPython {{ requirements = "requests\\n"; indexes = {indexes}; }}).drvPath')
    assert proc.returncode != 0
    assert message in proc.stderr, proc.stderr[-2000:]
    assert "mach-nix index add NAME… --closure --out ./mach-nix-index" in proc.stderr or "must be a list" in message


def test_indexes_with_a_lock_file_throws() -> None:
    proc = nix_eval(COMMON + "(machNix.mkPython { lockFile = ./tests/nix/locks/host/requests.json; "
                    "indexes = [ ./tests/data/index-small ]; }).drvPath")
    assert proc.returncode != 0
    assert "a lockFile is already resolved" in proc.stderr
