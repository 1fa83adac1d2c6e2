"""Issue 20, point 5 at evaluation level: a locked sdist's PEP 725 `external` in the overlay. The
computed inputs are tests/nix/eval/external.nix (checked by test_nix.py against external.json); here,
the warnings of what is skipped and the Rust refusal (marked `nix`)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
pytestmark = [pytest.mark.nix]

SETUP = f"""with import {ROOT / 'tests/nix/common.nix'} {{ }};
let
  base = importJSON {ROOT / 'tests/nix/locks/host/requests.json'};
  lock = base // {{ packages = base.packages // {{ six = base.packages.six // {{ external = EXTERNAL; }}; }}; }};
  env = machNix.mkPython {{ lockFile = builtins.toFile "lock.json" (builtins.toJSON lock); }};
in env.passthru.python.pkgs.six.drvPath
"""


def evaluate(external: str) -> subprocess.CompletedProcess:
    return subprocess.run(["nix-instantiate", "--read-write-mode", "--eval", "--expr", SETUP.replace("EXTERNAL", external)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_unmapped_depurls_are_skipped_with_the_line_to_add() -> None:
    proc = evaluate('{ build-requires = [ "dep:generic/frobnicator@>=2" "dep:generic/cmake" ]; host-requires = [ "dep:generic/zlib" ]; }')
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert ("six 1.16.0 asks for the external dependency dep:generic/frobnicator (PEP 725 [external]), which "
            "overrides/external.json does not map; building without it. Add the line  "
            '"dep:generic/frobnicator": ["<attribute>"],  to overrides/external.json') in proc.stderr
    # cmake is in the table, but the stand-in has no cmake: said so, not a failure.
    assert "dep:generic/cmake (PEP 725 [external]), which overrides/external.json maps to cmake, none of which this nixpkgs has" in proc.stderr
    assert "zlib" not in proc.stderr  # mapped and present: no warning


def test_rust_in_external_is_refused_like_maturin() -> None:
    proc = evaluate('{ build-requires = [ "dep:virtual/compiler/c" "dep:virtual/compiler/rust" ]; }')
    assert proc.returncode != 0
    assert "six 1.16.0 is locked as an sdist (six-1.16.0.tar.gz) that compiles Rust (its build system uses dep:virtual/compiler/rust)" in proc.stderr
    assert "cargoDeps = pkgs.rustPlatform.fetchCargoVendor" in proc.stderr


def test_a_marker_that_does_not_hold_adds_nothing_and_says_nothing() -> None:
    proc = evaluate('{ build-requires = [ "dep:virtual/compiler/rust; sys_platform == \'win32\'" "dep:generic/frobnicator; os_name == \'nt\'" ]; }')
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "frobnicator" not in proc.stderr


def test_mach_nix_gen_overlay_carries_the_depurl_table(tmp_path: Path) -> None:
    """The standalone overlay bundles overrides/external.json and lib/external.nix: no mach-nix at evaluation."""
    import json
    import re

    from mach_nix.cli import main

    lock = json.loads((ROOT / "tests/nix/locks/host/requests.json").read_text())
    lock["packages"]["six"]["external"] = {"host-requires": ["dep:generic/zlib"], "build-requires": ["dep:generic/pkg-config"]}
    (tmp_path / "lock.json").write_text(json.dumps(lock))
    overlay = tmp_path / "overlay.nix"
    assert main(["gen", "--lock", str(tmp_path / "lock.json"), "-o", str(overlay), "--quiet"]) == 0
    attr = re.search(r"pkgs\.(python3\d+)\.withPackages", overlay.read_text()).group(1)
    expr = (f"let pkgs = import {ROOT / 'tests/nixpkgs-shim'} {{ overlays = [ (import {overlay}) ]; }}; six = pkgs.{attr}.pkgs.six; in "
            "{ build = map (d: d.name) six.buildInputs; native = builtins.any (d: d.name == \"pkg-config-wrapper\") six.nativeBuildInputs; }")
    proc = subprocess.run(["nix-instantiate", "--eval", "--strict", "--json", "--expr", expr], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    got = json.loads(proc.stdout)
    assert got["native"] is True and [n for n in got["build"] if n.startswith("zlib")], got


def test_nix_conversion_of_a_uv_lock_carries_external_from_the_index(tmp_path: Path) -> None:
    """lib/foreign-lock.nix takes an sdist's `external` from the index node, as `mach-nix lock --from` does."""
    import copy
    import json

    from mach_nix.index.storage.schema import shard_of
    from mach_nix.index.storage.store import Index, write_index

    embedded = Index.open(ROOT / "data")
    names = ["certifi", "charset-normalizer", "click", "docopt", "idna", "requests", "urllib3", "pysocks", "iniconfig", "six"]
    shards: dict = {}
    for name in names:
        project = copy.deepcopy(embedded.project(name))
        if name == "docopt":
            for files in project["releases"].values():
                for node in files:
                    if node["filename"] == "docopt-0.6.2.tar.gz":
                        node["external"] = {"host-requires": ["dep:generic/zlib"]}
        shards.setdefault(shard_of(name), {})[name] = project
    write_index(tmp_path / "index", shards, "json")
    uv_lock = ROOT / "tests" / "data" / "foreign" / "uv" / "uv.lock"
    results = []
    for data in (tmp_path / "index", ROOT / "data"):
        expr = (f"with import {ROOT / 'tests/nix/common.nix'} {{ pypiData = {data}; }}; "
                f"let e = machNix.mkPython {{ lockFile = {uv_lock}; }}; in "
                "{ external = e.lock.packages.docopt.external or null; zlib = map (d: d.name) e.passthru.python.pkgs.docopt.buildInputs; }")
        proc = subprocess.run(["nix-instantiate", "--eval", "--strict", "--json", "--expr", expr], cwd=ROOT,
                              capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr[-2000:]
        results.append(json.loads(proc.stdout))
    assert results[0]["external"] == {"host-requires": ["dep:generic/zlib"]}
    assert [n for n in results[0]["zlib"] if n.startswith("zlib")]
    assert results[1] == {"external": None, "zlib": []}
