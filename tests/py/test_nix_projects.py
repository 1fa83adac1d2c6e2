"""Nix tests of issue 5 on tests/nixpkgs-shim: the nixpkgs provider, local projects
(buildPythonPackage/Application from a pyproject), the editable shell, mkDockerImage, one-liners
and the examples (marker `nix`; IFD and builds also `slow`)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NIX_TESTS = ROOT / "tests" / "nix"
COMMON = f"with import {NIX_TESTS / 'common.nix'} {{ }}; "
FEATURES = ["--extra-experimental-features", "nix-command flakes"]
SHIM = ROOT / "tests" / "nixpkgs-shim"

pytestmark = [
    pytest.mark.nix,
    pytest.mark.skipif(shutil.which("nix-instantiate") is None, reason="Nix is not installed (.ci/setup installs it)"),
]


def nix_eval(expr: str, *, timeout: int = 600, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """Evaluate `expr` strictly to JSON; read-write mode so import-from-derivation can build."""
    return subprocess.run(
        ["nix-instantiate", "--read-write-mode", "--eval", "--strict", "--json", "--expr", expr],
        cwd=cwd, capture_output=True, text=True, timeout=timeout,
    )


def ok_json(proc: subprocess.CompletedProcess) -> object:
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


# --- nixpkgs provider --------------------------------------------------------------------------


def test_nixpkgs_map_lists_the_set_by_normalized_pname() -> None:
    got = ok_json(nix_eval(COMMON + "(import ./lib/resolve.nix { inherit lib pkgs; }).nixpkgsPackages pkgs.python3.pkgs"))
    assert got["requests"] == {"version": "2.28.1", "attr": "requests"}
    assert got["flit-core"] == {"version": "3.10.1", "attr": "flit-core"}  # not the flit_core alias
    assert "six" not in got  # a throwing alias is skipped
    assert "buildPythonPackage" not in got and "python" not in got


@pytest.mark.slow
def test_nixpkgs_first_providers_reuse_nixpkgs_builds() -> None:
    """_default = nixpkgs,wheel,sdist: where the set's version fits (certifi pinned to it, requests
    capped below the index's releases) the lock takes nixpkgs' package and the environment reuses
    its very derivation (certifi); elsewhere (idna, newer in the index) a wheel is used."""
    got = ok_json(nix_eval(COMMON + (
        'let e = machNix.mkPython { requirements = "requests<2.30\\ncertifi==2022.12.7\\nidna\\n"; '
        'providers = { _default = "nixpkgs,wheel,sdist"; }; }; ps = e.passthru.python.pkgs; in '
        "{ lock = lib.mapAttrs (n: p: [ p.version p.provider ]) e.passthru.lock.packages; "
        "certSame = ps.certifi.drvPath == pkgs.python3.pkgs.certifi.drvPath; req = ps.requests.version; "
        "reqDeps = map (d: d.pname) (lib.filter (d: d ? pname && d.pname != \"python3\") ps.requests.propagatedBuildInputs); }")))
    assert got["lock"] == {"certifi": ["2022.12.7", "nixpkgs"], "idna": ["3.8", "wheel"], "requests": ["2.28.1", "nixpkgs"]}
    assert got["certSame"] is True
    assert got["req"] == "2.28.1"
    # The index has no metadata for requests 2.28.1 (dependencies_unknown): nixpkgs' own list stays.
    assert sorted(got["reqDeps"]) == ["certifi", "charset-normalizer", "idna", "urllib3"]


def test_unknown_provider_name_throws() -> None:
    proc = nix_eval(COMMON + '(machNix.mkPython { requirements = "requests"; providers = { _default = "nixpkgs,whel"; }; }).drvPath')
    assert proc.returncode != 0
    assert "names `whel`, which is not a provider; use wheel, sdist or nixpkgs" in proc.stderr
