"""Real environments (issue 19, point 5): a bench set locked for the stand-in's python3, built by
`mkPython { lockFile }`, must import every module that imports in a uv venv of the same pins
(bench/envs.py). The bench sets are read from ../shared/bench: checking them is this test's purpose.

The builds (network, nix, slow; minutes for ds) run on the host's Nix only (`nix_installations`):
they test the environments lib/ makes, which do not depend on the Nix version; the Nix versions'
differences are the subject of the other `nix` tests. The checks of the bench's own logic run offline.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
_spec = importlib.util.spec_from_file_location("bench_envs", ROOT / "bench" / "envs.py")
assert _spec is not None and _spec.loader is not None
envs = sys.modules["bench_envs"] = importlib.util.module_from_spec(_spec)  # dataclasses look their module up
_spec.loader.exec_module(envs)

# (set, stand-in release; None: its default, the current stable). CI's time allows these sets on
# the default release and the C-extension one, the likeliest to differ, on 24.05 too. ml stays in
# bench/envs.py: its CUDA torch closure (about 3 GB of wheels, read by the lock's needs, downloaded
# by Nix and again by uv, unpacked in the store and in the venv: about 15 GB) costs CI more minutes
# and more disk than a runner has to spare; wheels-native's CUDA libraries (cupy: nixpkgs'
# cudaPackages_12, 2.3 GB of NVIDIA wheels) are downloaded by Nix only.
SETS = [
    ("web", None),
    ("ds", None),
    ("native/sdist-c", None),
    # Wheels linking libraries outside the manylinux sets (libGL, TBB, OpenMP, CUDA): the needs
    # table's libraries and nixpkgs' unfree cudaPackages_12.
    ("native/wheels-native", None),
    # On 24.05 the lock's setuptools (>= 77) must find packaging >= 24.2 before nixpkgs' 24.0: it
    # failed (mysqlclient) until fresh builds put the build tools' vendored packages first.
    ("native/sdist-c", "24.05"),
]


@pytest.mark.nix
@pytest.mark.network
@pytest.mark.slow
@pytest.mark.nix_installations("nix-host")
@pytest.mark.parametrize("name, release", SETS)
def test_every_module_that_imports_under_uv_imports_under_nix(name: str, release: str | None, tmp_path: Path) -> None:
    report = envs.run_set(envs.BENCH / f"{name}.txt", envs.SHIM, tmp_path / "work", timeout=300, jobs=2,
                          fresh=False, release=release, log=lambda *_: None)  # what users build, not timings
    assert report.error is None, report.error
    assert report.uv_ok > 0 and report.uv_ok >= len(report.nix_only)  # something was compared
    assert report.nix_only == {}, json.dumps(report.nix_only, indent=1)
    if report.cold.error is None:  # a second build of the same lock builds nothing
        assert report.warm is not None and report.warm.error is None and report.warm.built == 0


def _dist(site: Path, name: str, files: list[str]) -> None:
    """A distribution in ``site``: its files (empty) and a RECORD listing them."""
    info = site / f"{name}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    for f in files:
        path = site / f
        if not f.startswith(".."):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("")
    (info / "RECORD").write_text("".join(f"{f},,\n" for f in [*files, f"{info.name}/RECORD"]))


def test_top_level_modules_from_record(tmp_path: Path) -> None:
    """Packages, modules and extensions are taken; namespace packages are entered; tests, dunder
    names, console scripts, .pth files, data and *.libs are not modules."""
    site = tmp_path / "site-packages"
    _dist(site, "demo", ["demo/__init__.py", "demo/core.py", "demo_helper.py",
                         "_demo_ext.cpython-311-x86_64-linux-gnu.so", "tests/__init__.py", "demo.pth",
                         "__editable___demo_finder.py", "../../../bin/demo", "demo.libs/libz-1.so.1"])
    _dist(site, "zope.interface", ["zope/interface/__init__.py", "zope/interface/common/__init__.py",
                                   "zope/README.txt"])
    got = envs.top_level_modules(site)
    assert got == {"demo": ["_demo_ext", "demo", "demo_helper"], "zope.interface": ["zope.interface"]}


def test_without_drops_packages_and_keeps_the_rest_installed(tmp_path: Path) -> None:
    """What uv cannot install leaves the lock; what only it needed becomes a root; a package another
    one's build system needs stays, as build-only."""
    def pkg(deps: list[str], **extra: object) -> dict:
        return {"version": "1", "provider": "wheel", "filename": "x-1-py3-none-any.whl", "sha256": "0" * 64,
                "url": "https://example.org/x-1-py3-none-any.whl", "dependencies": deps, **extra}
    lock = {"lock_version": 1, "target": {"python": "3.11", "system": "x86_64-linux"}, "inputs": {}, "index": {},
            "roots": ["gssapi", "app"],
            "packages": {"gssapi": pkg(["decorator"]), "decorator": pkg([]), "app": pkg(["gssapi"]),
                         "tool": pkg([], build_system={"requires": ["gssapi"], "dependencies": ["gssapi"]})}}
    lock["packages"]["tool"]["build_only"] = True
    out = envs.without(lock, {"gssapi"})
    assert out["roots"] == ["app", "decorator"]
    assert out["packages"]["app"]["dependencies"] == []
    assert out["packages"]["gssapi"]["build_only"] is True
    assert "gssapi" in lock["roots"]  # the caller's lock is left as it was


@pytest.mark.parametrize("text, line", [
    ("Traceback (most recent call last):\n  File \"<string>\", line 1\nImportError: libcairo.so.2: cannot open\n",
     "ImportError: libcairo.so.2: cannot open"),
    ("× Failed to build `pycairo`\n  ERROR: Dependency \"cairo\" not found\nhint: Build failures usually …\n",
     "ERROR: Dependency \"cairo\" not found"),
    ("  File \"/nix/store/…/_normalization.py\", line 164\n    raise ImportError(\n"
     "ImportError: Cannot import `packaging.licenses`.\n", "ImportError: Cannot import `packaging.licenses`."),
    ("", "(no output)"),
])
def test_error_line_names_the_error(text: str, line: str) -> None:
    assert envs.error_line(text) == line


def test_error_line_of_a_build_log_is_its_first_error() -> None:
    log = ("\x1b[91mError: pg_config executable not found.\x1b[0m\npg_config is required\n"
           "ERROR Backend subprocess exited when trying to invoke get_requires_for_build_wheel\n")
    assert envs.error_line(log, last=False) == "Error: pg_config executable not found."


def test_lock_packages_of_failed_builders() -> None:
    """A failed builder is mapped to the lock's package by its name and version (the name as the
    distribution spells it); the environment or another derivation is no package."""
    lock = {"packages": {"python-dateutil": {"version": "2.9.0.post0"}, "numba": {"version": "0.68.1"}}}
    failed = {"python3.11-python_dateutil-2.9.0.post0": "e1", "python3.11-numba-0.68.0": "e2",
              "python3-3.11.2-env": "e3", "python3.11-numba-0.68.1": "e4"}
    assert envs.lock_packages(failed, lock) == {"python-dateutil": "e1", "numba": "e4"}
