"""Issue 20, point 3 at evaluation level: a wheel's `needs` in the overlay. The computed attributes
are tests/nix/eval/needs.nix (checked by test_nix.py against needs.json); here, the paragraph
evaluation throws when an importable module needs what nothing provides, and `mach-nix gen`'s
standalone overlay carrying the soname table (marked `nix`)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
pytestmark = [pytest.mark.nix]

SETUP = f"""with import {ROOT / 'tests/nix/common.nix'} {{ }};
let
  base = importJSON {ROOT / 'tests/nix/locks/host/numpy.json'};
  lock = base // {{ packages = base.packages // {{ numpy = base.packages.numpy // {{ needs = NEEDS; }}; }}; }};
  env = machNix.mkPython {{ lockFile = builtins.toFile "lock.json" (builtins.toJSON lock); }};
in env.passthru.python.pkgs.numpy.drvPath
"""


def evaluate(needs: str) -> subprocess.CompletedProcess:
    return subprocess.run(["nix-instantiate", "--read-write-mode", "--eval", "--expr", SETUP.replace("NEEDS", needs)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def test_unmapped_module_need_throws_one_paragraph() -> None:
    proc = evaluate('{ "libfoo-unmapped.so.3" = { use = "module"; }; "libbar.so.1" = { use = "module"; }; }')
    assert proc.returncode != 0
    message = proc.stderr
    assert "numpy-2.1.3-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl (numpy 2.1.3)" in message
    assert "needs libbar.so.1 (and libfoo-unmapped.so.3)" in message
    assert '"libbar.so.1": ["<attribute>"],' in message and "overridesPost" in message
    assert "Traceback" not in message


def test_module_need_mapped_to_a_package_this_nixpkgs_lacks_names_the_table_entry() -> None:
    # the stand-in has no `mpi`: the table's attribute is named, with the same way out
    proc = evaluate('{ "libmpi.so.40" = { use = "module"; }; }')
    assert proc.returncode != 0
    assert "maps to mpi, none of which this nixpkgs has" in proc.stderr


def test_plugin_needs_evaluate() -> None:
    proc = evaluate('{ "libfoo-unmapped.so.3" = { use = "plugin"; }; "libcuda.so.1" = { use = "plugin"; }; }')
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip().endswith('.drv"')


def test_failed_builds_print_where_the_fix_is() -> None:
    """lib/'s wheel and sdist builds set nixpkgs' failureHook (stdenv runs it when the builder fails;
    the stand-in does not, so the hook's text is run here with bash)."""
    expr = (f"with import {ROOT / 'tests/nix/common.nix'} {{ }}; "
            "let ps = (machNix.mkPython { lockFile = " + str(ROOT / "tests/nix/locks/host/numpy.json") + "; }).passthru.python.pkgs; "
            "in ps.numpy.drvAttrs.failureHook")
    proc = subprocess.run(["nix-instantiate", "--eval", "--strict", "--json", "--expr", expr], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    import json

    run = subprocess.run(["bash", "-c", json.loads(proc.stdout)], capture_output=True, text=True)
    assert run.returncode == 0
    assert run.stderr.startswith("mach-nix: numpy 2.1.3 failed to build; `mach-nix explain-build <the .drv named below>`")
