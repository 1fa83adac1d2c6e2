"""Scenarios of issue 11: where real nixpkgs breaks an overlay made from a lock, reproduced by
tests/nixpkgs-shim, each first shown to FAIL against the lib/ of commit 9e43e8d (before the fix; the
docstrings say how) and passing after it. The list is in tests/nixpkgs-shim/README.md.

Locks are written per test with the host's target (nix_support), from pinned PyPI files, so the
scenarios do not depend on the host's Python version.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from nix_support import GLIBC, PY, PY_FULL, ROOT

NIX_TESTS = ROOT / "tests" / "nix"
COMMON = f"with import {NIX_TESTS / 'common.nix'} {{ }}; "

pytestmark = [pytest.mark.nix]

FILES = "https://files.pythonhosted.org/packages/"
# name -> lock entry (without dependencies/roots), all pure-Python files.
PINNED = {
    "wheel-0.44.0": {"name": "wheel", "version": "0.44.0", "provider": "wheel", "filename": "wheel-0.44.0-py3-none-any.whl",
                     "url": FILES + "1b/d1/9babe2ccaecff775992753d8686970b1e2755d21c8a63be73aba7a4e7d77/wheel-0.44.0-py3-none-any.whl",
                     "sha256": "2376a90c98cc337d18623527a97c31797bd02bad0033d41547043a1cbfbe448f", "wheel_tags": ["py3-none-any"]},
    "packaging-23.0": {"name": "packaging", "version": "23.0", "provider": "wheel", "filename": "packaging-23.0-py3-none-any.whl",
                       "url": FILES + "ed/35/a31aed2993e398f6b09a790a181a7927eb14610ee8bbf02dc14d31677f1c/packaging-23.0-py3-none-any.whl",
                       "sha256": "714ac14496c3e68c99c29b00845f7a2b85f3bb6f1078fd9f72fd20f0570002b2", "wheel_tags": ["py3-none-any"]},
    "installer-0.6.0": {"name": "installer", "version": "0.6.0", "provider": "wheel", "filename": "installer-0.6.0-py3-none-any.whl",
                        "url": FILES + "bf/42/fe5f10fd0d58d5d8231a0bc39e664de09992f960597e9fbd3753f84423a3/installer-0.6.0-py3-none-any.whl",
                        "sha256": "ae7c62d1d6158b5c096419102ad0d01fdccebf857e784cee57f94165635fe038", "wheel_tags": ["py3-none-any"]},
    "pyproject-hooks-1.1.0": {"name": "pyproject-hooks", "version": "1.1.0", "provider": "wheel", "filename": "pyproject_hooks-1.1.0-py3-none-any.whl",
                              "url": FILES + "ae/f3/431b9d5fe7d14af7a32340792ef43b8a714e7726f1d7b69cc4e8e7a3f1d7/pyproject_hooks-1.1.0-py3-none-any.whl",
                              "sha256": "7ceeefe9aec63a1064c18d939bdc3adf2d8aa1988a510afec15151578b232aa2", "wheel_tags": ["py3-none-any"]},
    "flit-core-3.12.0": {"name": "flit-core", "version": "3.12.0", "provider": "wheel", "filename": "flit_core-3.12.0-py3-none-any.whl",
                         "url": FILES + "f2/65/b6ba90634c984a4fcc02c7e3afe523fef500c4980fec67cc27536ee50acf/flit_core-3.12.0-py3-none-any.whl",
                         "sha256": "e7a0304069ea895172e3c7bb703292e992c5d1555dd1233ab7b5621b5b69e62c", "wheel_tags": ["py3-none-any"],
                         "build_only": True},
    "idna-3.10-sdist": {"name": "idna", "version": "3.10", "provider": "sdist", "filename": "idna-3.10.tar.gz",
                        "url": FILES + "f1/70/7703c29685631f5a7590aa73f1f1d3fa9a380e654b86af429e0934a32f7d/idna-3.10.tar.gz",
                        "sha256": "12f65c9b470abda6dc35cf8e63cc574b1c52b11df2c86030af0ac09b01b13ea9",
                        "build_system": {"backend": "flit_core.buildapi", "dependencies": ["flit-core"],
                                         "requires": ["flit_core >=3.12"], "source": "pyproject"}},
}


def write_lock(path: Path, entries: list[str], roots: list[str], deps: dict[str, list[str]] | None = None) -> Path:
    """A schema-1 lock of PINNED entries for this host's interpreter (tests/nix/locks/README.md)."""
    packages = {}
    for key in entries:
        e = dict(PINNED[key], extras=[], requires_python=">=3.7")
        e["dependencies"] = (deps or {}).get(e["name"], [])
        packages[e["name"]] = e
    lock = {
        "generated_by": "tests/py/test_nix_scenarios.py", "lock_version": 1,
        "index": {"created_at": None, "metadata_sha256": None, "pypi_serial": 0},
        "inputs": {"constraints": [], "extras": [], "files": [], "groups": [], "prereleases": False,
                   "providers": {"_default": ["wheel", "sdist", "nixpkgs"]}, "requirements": roots},
        "packages": packages, "roots": roots,
        "target": {"glibc": GLIBC, "implementation": "cpython", "macos": None, "python": PY, "python_full": PY_FULL,
                   "system": "x86_64-linux"},
    }
    path.write_text(json.dumps(lock, indent=2, sort_keys=True))
    return path


def nix(args: list[str], expr: str, timeout: int = 900) -> subprocess.CompletedProcess:
    return subprocess.run(args + ["--expr", expr], cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def evaluate(expr: str) -> object:
    proc = nix(["nix-instantiate", "--read-write-mode", "--eval", "--strict", "--json"], expr)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


def build_env(lock: Path, out: Path) -> dict[str, str]:
    """Build mkPython { lockFile } and return {normalized name: version} of what it holds."""
    proc = nix(["nix-build", "-o", str(out)], COMMON + f"machNix.mkPython {{ lockFile = {lock}; }}")
    assert proc.returncode == 0, proc.stderr[-4000:]
    script = "import json, importlib.metadata as m; print(json.dumps({d.metadata['Name']: d.version for d in m.distributions()}))"
    got = subprocess.run([str(out / "bin" / "python"), "-c", script], capture_output=True, text=True, check=True).stdout
    return {re.sub(r"[-_.]+", "-", k).lower(): v for k, v in json.loads(got).items()}


def test_wheel_as_a_root_does_not_recurse(tmp_path: Path) -> None:
    """nixpkgs' wheelUnpackHook propagates the set's `wheel`: the lock's wheel (a wheel-format
    build) placed at `wheel` needs itself. Before: `infinite recursion encountered` evaluating the
    environment. Now: the set's wheel stays nixpkgs'; the environment holds the locked 0.44.0."""
    lock = write_lock(tmp_path / "lock.json", ["wheel-0.44.0"], ["wheel"])
    assert build_env(lock, tmp_path / "result") == {"wheel": "0.44.0"}


def test_old_packaging_does_not_break_pyproject_builds(tmp_path: Path) -> None:
    """pythonRuntimeDepsCheckHook propagates the set's `packaging` and imports packaging.metadata
    (>= 23.2). Before: the lock's packaging 23.0 replaced the set's, and idna's pyproject build
    failed in the runtime-deps check (`No module named 'packaging.metadata'`). Now: the hooks keep
    nixpkgs' packaging; the environment holds packaging 23.0 and idna 3.10."""
    lock = write_lock(tmp_path / "lock.json", ["packaging-23.0", "idna-3.10-sdist", "flit-core-3.12.0"], ["idna", "packaging"])
    assert build_env(lock, tmp_path / "result") == {"packaging": "23.0", "idna": "3.10"}


@pytest.mark.parametrize("entry, hook", [
    ("installer-0.6.0", "pypaInstallHook"),  # pypaInstallHook runs pythonOnBuildForHost.pkgs.installer
    ("pyproject-hooks-1.1.0", "pypaBuildHook"),  # pypaBuildHook runs pythonOnBuildForHost.pkgs.build, which needs it
])
def test_build_machinery_is_never_replaced(tmp_path: Path, entry: str, hook: str) -> None:
    """cpython applies packageOverrides to pythonOnBuildForHost too, whose `installer` and `build`
    the hooks run. Before: a locked installer/pyproject-hooks (roots) replaced them there, so the
    hook, and with it every package of the set, changed (`hookSame` false). Now: the hooks are
    nixpkgs' own, while the environment still gets the locked version."""
    name = PINNED[entry]["name"]
    lock = write_lock(tmp_path / "lock.json", [entry], [name])
    got = evaluate(COMMON + f"let e = machNix.mkPython {{ lockFile = {lock}; }}; ps = e.passthru.python.pkgs; in {{ "
                   f"hookSame = ps.{hook}.drvPath == pkgs.python3.pkgs.{hook}.drvPath; "
                   "envHas = map (d: d.name) (e.passthru.selectPkgs ps); }")
    assert got["hookSame"] is True
    assert got["envHas"] == [f"python{PY}-{name}-{PINNED[entry]['version']}"]
