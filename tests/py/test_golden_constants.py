"""The constants defined once per language (py/mach_nix/constants.py and lib/constants.nix, each
naming its twin) say the same on both sides."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from mach_nix import constants

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.nix
def test_lib_constants_are_the_python_constants() -> None:
    proc = subprocess.run(["nix-instantiate", "--eval", "--strict", "--json", "--expr",
                           f"import {ROOT / 'lib' / 'constants.nix'} {{ }}"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    nix = json.loads(proc.stdout)
    assert nix == {
        "sdistSuffixes": list(constants.SDIST_SUFFIXES),
        "providers": list(constants.PROVIDERS),
        "defaultTarget": {"python": constants.DEFAULT_PYTHON, "system": constants.DEFAULT_SYSTEM,
                          "glibc": constants.DEFAULT_GLIBC, "macos": constants.DEFAULT_MACOS},
        "legacyBuildSystem": {k: constants.LEGACY_BUILD_SYSTEM[k] for k in ("requires", "backend")},
    }
