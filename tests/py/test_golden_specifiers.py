"""One table of PEP 440 specifier cases (tests/data/golden/specifiers.json) for the rule that
exists twice: packaging's, which the resolver uses, and lib/versions.nix `satisfies`, with which
Nix decides whether nixpkgs' build tools fit a build requirement (lib/mkProject.nix, lib/overlay.nix).
A clause Nix cannot decide counts there as not fitting, so it resolves the requirement instead."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "data" / "golden" / "specifiers.json"
CASES = json.loads(GOLDEN.read_text())["cases"]


@pytest.mark.parametrize("case", CASES, ids=[f"{c['spec'] or 'any'}@{c['version']}" for c in CASES])
def test_packaging_agrees_with_the_golden_cases(case: dict) -> None:
    # a string that is no PEP 440 version (nixpkgs' `unstable-…`) fits nothing, as packaging says
    assert SpecifierSet(case["spec"]).contains(case["version"], prereleases=True) == case["fits"]


@pytest.mark.nix
def test_lib_versions_agrees_with_the_golden_cases() -> None:
    expr = (f"let lib = import {ROOT / 'tests' / 'nixpkgs-shim' / 'lib.nix'}; "
            f"v = import {ROOT / 'lib' / 'versions.nix'} {{ inherit lib; }}; "
            f"cases = (builtins.fromJSON (builtins.readFile {GOLDEN})).cases; in "
            "map (c: v.satisfies c.spec c.version) cases")
    proc = subprocess.run(["nix-instantiate", "--eval", "--strict", "--json", "--expr", expr], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    got = json.loads(proc.stdout)
    expected = [c["fits"] and not c.get("nix_conservative", False) for c in CASES]
    wrong = [(c["spec"], c["version"], g) for c, g, e in zip(CASES, got, expected) if g != e]
    assert wrong == []
