"""The stand-in's releases (issue 19): each python/releases/<release>.json is a set nixpkgs could ship,
so its build machinery builds and its packages' requirements hold among themselves (as nixpkgs'
pythonRuntimeDepsCheckHook would demand of each). A table that mixed versions no release could
hold (flit-core 4 beside an installer that requires flit_core<4) fails here."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from nix_support import ROOT, SHIM

pytestmark = [pytest.mark.nix, pytest.mark.nix_releases]

CHECK = """
import importlib.metadata as m, json, sys
from packaging.requirements import Requirement
have = {d.metadata["Name"].lower().replace("_", "-"): d.version for d in m.distributions()}
bad = []
for d in m.distributions():
    for r in map(Requirement, d.requires or []):
        if r.marker is not None and not r.marker.evaluate({"extra": ""}):
            continue
        got = have.get(r.name.lower().replace("_", "-"))
        if got is None or not r.specifier.contains(got, prereleases=True):
            bad.append(f"{d.metadata['Name']} {d.version}: {r} (have {got})")
print(json.dumps({"have": have, "bad": bad}))
"""


def test_the_release_machinery_is_a_consistent_set(tmp_path: Path, shim_release: str) -> None:
    table = json.loads((SHIM / "python" / "releases" / f"{shim_release}.json").read_text())
    names = " ".join(f'"{n}"' for n in table["packages"])
    out = tmp_path / "env"
    proc = subprocess.run(["nix-build", "-o", str(out), "--expr",
                           f'(import {SHIM} {{ release = "{shim_release}"; }}).python3.withPackages (ps: map (n: ps.${{n}}) [ {names} ])'],
                          cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    got = json.loads(subprocess.run([str(out / "bin" / "python"), "-c", CHECK], capture_output=True, text=True, check=True).stdout)
    assert got["bad"] == []
    assert {n: got["have"][n] for n in table["packages"]} == {n: e["version"] for n, e in table["packages"].items()}
