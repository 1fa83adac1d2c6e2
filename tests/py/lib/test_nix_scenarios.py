"""Scenarios of issue 11: where real nixpkgs breaks an overlay made from a lock, reproduced by
tests/nixpkgs-shim, each first shown to FAIL against lib/ as of commit 9e43e8d (before the fixes,
with the stand-in as it is now; the docstrings say how) and passing after. The list is in
tests/nixpkgs-shim/README.md.

Locks are written per test with the host's target (nix_support), from pinned PyPI files, so the
scenarios do not depend on the host's Python version.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from nix_support import GLIBC, PY, PY_FULL, ROOT

NIX_TESTS = ROOT / "tests" / "nix"
COMMON = f"with import {NIX_TESTS / 'common.nix'} {{ }}; "

# Each scenario runs on every release the stand-in models (24.05 and the current stable).
pytestmark = [pytest.mark.nix, pytest.mark.nix_releases]

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


def _wheel(name: str, version: str, filename: str, path: str, sha256: str, tags: list[str]) -> dict:
    return {"name": name, "version": version, "provider": "wheel", "filename": filename, "url": FILES + path + "/" + filename,
            "sha256": sha256, "wheel_tags": tags}


def _sdist(name: str, version: str, filename: str, path: str, sha256: str, build: list[str], requires: list[str]) -> dict:
    return {"name": name, "version": version, "provider": "sdist", "filename": filename, "url": FILES + path + "/" + filename,
            "sha256": sha256, "build_system": {"backend": "", "dependencies": build, "requires": requires, "source": "pyproject"}}


PINNED.update({
    "toml-0.10.2-sdist": _sdist("toml", "0.10.2", "toml-0.10.2.tar.gz", "be/ba/1f744cdc819428fc6b5084ec34d9b30660f6f9daaf70eead706e3203ec3c",
                                "b3bda1d108d5dd99f4a20d24d9c348e91c4db7ab1b749200bded2f839ccbe68f", ["setuptools"], ["setuptools"]),
    "pyparsing-3.2.0-sdist": _sdist("pyparsing", "3.2.0", "pyparsing-3.2.0.tar.gz", "8c/d5/e5aeee5387091148a19e1145f63606619cb5f20b83fccb63efae6474e7b2",
                                    "cbf74e27246d595d9a74b186b810f6fbb86726dbf3b9532efb343f6d7294fe9c", ["flit-core"], ["flit_core >=3.2,<4"]),
    "decorator-5.2.1-sdist": _sdist("decorator", "5.2.1", "decorator-5.2.1.tar.gz", "43/fa/6d96a0978d19e17b68d634497769987b16c8f4cd0a7a05048bec693caa6b",
                                    "65f266143752f734b0a7cc83c46f4618af75b8c5911b00ccb61d0ac9b6da0360", ["setuptools"], ["setuptools"]),
    "typing-extensions-4.13.2-sdist": _sdist(
        "typing-extensions", "4.13.2", "typing_extensions-4.13.2.tar.gz", "f6/37/23083fcd6e35492953e8d2aaaa68b860eb422b34627b13f2ce3eb6106061",
        "e6c81219bd689f51865d9e372991c540bda33a0379d5573cddb9a3a23f7caaef", ["flit-core"], ["flit_core >=3.11,<4"]),
    "mdurl-0.1.1-sdist": _sdist("mdurl", "0.1.1", "mdurl-0.1.1.tar.gz", "d1/ff/2f02e94382daee347ca6cfd33fde421e891398d83c51d05f25941f7f93e9",
                                "f79c9709944df218a4cdb0fcc0b0c7ead2f44594e3e84dc566606f04ad749c20", ["flit-core"], ["flit_core>=3.2.0,<4"]),
    "wcwidth-0.2.13-sdist": _sdist("wcwidth", "0.2.13", "wcwidth-0.2.13.tar.gz", "6c/63/53559446a878410fc5a5974feb13d31d78d752eb18aeba59c7fef1af7598",
                                   "72ea0c06399eb286d978fdedb6923a9eb47e1c486ce63e9b4e64fc18303972b5", ["setuptools"], ["setuptools"]),
    "pycparser-2.22-sdist": _sdist("pycparser", "2.22", "pycparser-2.22.tar.gz", "1d/b2/31537cf4b1ca988837256c910a668b553fceb8f069bedc4b1c826024b52c",
                                   "491c8be9c040f5390f5bf44a5b07752bd07f56edf992381b05c701439eec10f6", ["setuptools"], ["setuptools"]),
    "cachetools-5.5.0-sdist": _sdist("cachetools", "5.5.0", "cachetools-5.5.0.tar.gz", "c3/38/a0f315319737ecf45b4319a8cd1f3a908e29d9277b46942263292115eee7",
                                     "2cc24fb4cbe39633fb7badd9db9ca6295d766d9c2995f245725a46715d050f2a", ["setuptools"], ["setuptools"]),
    "pluggy-1.4.0": _wheel("pluggy", "1.4.0", "pluggy-1.4.0-py3-none-any.whl", "a5/5b/0cc789b59e8cc1bf288b38111d002d8c5917123194d45b29dcdac64723cc",
                           "7db9f7b503d67d1c5b95f59773ebb58a8c1c288129a88665838012cfb07b8981", ["py3-none-any"]),
    "iniconfig-2.0.0-sdist": _sdist("iniconfig", "2.0.0", "iniconfig-2.0.0.tar.gz", "d7/4b/cbd8e699e64a6f16ca3a8220661b5f83792b3017d0f79807cb8708d33913",
                                    "2d91e135bf72d31a410b17c16da610a82cb55f6b0477d1a902134b24a455b8b3", ["hatchling"], ["hatchling"]),
    "tomli-2.0.1-sdist": _sdist("tomli", "2.0.1", "tomli-2.0.1.tar.gz", "c0/3f/d7af728f075fb08564c5949a9c95e44352e23dee646869fa104a3b2060a3",
                                "de526c12914f0c550d15924c62d72abc48d6fe7364aa87328337a31007fe8a4f", ["flit-core"], ["flit_core>=3.2.0,<4"]),
    "tomli-2.0.2-sdist": _sdist("tomli", "2.0.2", "tomli-2.0.2.tar.gz", "35/b9/de2a5c0144d7d75a57ff355c0c24054f965b2dc3036456ae03a51ea6264b",
                                "d46d457a85337051c36524bc5349dd91b1877838e2979ac5ced3e710ed8a60ed", ["flit-core"], ["flit_core>=3.2.0,<4"]),
    "pyasn1-0.6.1-sdist": _sdist("pyasn1", "0.6.1", "pyasn1-0.6.1.tar.gz", "ba/e9/01f1a64245b89f039897cb0130016d79f77d52669aae6ee7b159a6c4c018",
                                 "6f580d2bdd84365380830acf45550f2511469f673cb4a5ae3857a3170128b034", ["setuptools"], ["setuptools"]),
})


def write_lock(path: Path, entries: list[str], roots: list[str], deps: dict[str, list[str]] | None = None) -> Path:
    """A schema-1 lock of PINNED entries for this host's interpreter (tests/nix/locks/README.md)."""
    packages = {}
    for key in entries:
        e = dict(PINNED[key], extras=[], requires_python=">=3.7")
        e["dependencies"] = (deps or {}).get(e["name"], [])
        packages[e["name"]] = e
    lock = {
        "generated_by": "tests/py/lib/test_nix_scenarios.py", "lock_version": 1,
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


@pytest.mark.parametrize("entries, root, version, before", [
    (["pyasn1-0.6.1-sdist"], "pyasn1", "0.6.1",
     "a patch written for pyasn1 0.6.0: `Hunk #1 FAILED`"),
    (["typing-extensions-4.13.2-sdist", "flit-core-3.12.0"], "typing-extensions", "4.13.2",
     "the recipe's flit-core 3.10.1 in nativeBuildInputs comes first on PYTHONPATH, before the lock's "
     "3.12.0, so it is the backend that runs, and it cannot read 4.13.2's pyproject.toml (`_check_type`)"),
    (["toml-0.10.2-sdist"], "toml", "0.10.2",
     "postPatch `substituteInPlace --replace-fail` of 0.10.1's text: `pattern ... doesn't match anything`"),
    (["pyparsing-3.2.0-sdist"], "pyparsing", "3.2.0",
     "`cargoDeps` of the recipe's own src (rec): `cargoHash or cargoSha256 is out of date`"),
    (["decorator-5.2.1-sdist"], "decorator", "5.2.1",
     "`format = \"setuptools\"` runs setup.py bdist_wheel, which 5.2.1 lacks: `no setup.py`"),
    (["mdurl-0.1.1-sdist"], "mdurl", "0.1.1",
     "the recipe's `disabled` (for 0.1.2) kept: `not supported for interpreter` at evaluation"),
    (["wcwidth-0.2.13-sdist"], "wcwidth", "0.2.13",
     "the recipe's `meta.broken` (for 0.2.12) kept: `is marked as broken, refusing to evaluate`"),
    (["pycparser-2.22-sdist"], "pycparser", "2.22",
     "the recipe's `meta.badPlatforms` (for 2.21) kept: `is not available on the requested hostPlatform`"),
    (["cachetools-5.5.0-sdist"], "cachetools", "5.5.0",
     "the recipe's `sourceRoot = \"source/python\"` (a GitHub checkout) kept for a PyPI sdist (`cachetools-5.5.0/`): no such directory"),
], ids=["patches", "native-build-tool-first", "replace-fail", "cargoDeps", "format-setuptools", "disabled", "meta-broken", "meta-platforms", "sourceRoot"])
def test_recipe_is_reused_only_at_its_own_version(tmp_path: Path, entries: list[str], root: str, version: str, before: str) -> None:
    """A nixpkgs recipe carries parts written for its own version (patches, postPatch, cargoDeps,
    format, disabled, meta). Before: sdist.override swapped version and src into the recipe and kept
    them, so the locked sdist failed (each case: see `before`). Now: at another version than the
    recipe's, the package is built fresh from the locked sdist (the recipe gives only non-Python
    native inputs), and the environment holds the locked version."""
    lock = write_lock(tmp_path / "lock.json", entries, [root])
    assert build_env(lock, tmp_path / "result") == {root: version}


def test_recipe_at_its_own_version_is_kept_whole(tmp_path: Path) -> None:
    """The same lock mechanism with the recipe's own version (toml 0.10.1) reuses the recipe whole:
    its postPatch ran (the installed module carries its mark)."""
    entry = dict(PINNED["toml-0.10.2-sdist"], version="0.10.1", filename="toml-0.10.1.tar.gz",
                 url=FILES + "da/24/84d5c108e818ca294efe7c1ce237b42118643ce58a14d2462b3b2e3800d5/toml-0.10.1.tar.gz",
                 sha256="926b612be1e5ce0634a2ca03470f95169cf16f939018233a670519cb4ac58b0f")
    PINNED["toml-0.10.1-sdist"] = entry
    lock = write_lock(tmp_path / "lock.json", ["toml-0.10.1-sdist"], ["toml"])
    out = tmp_path / "result"
    assert build_env(lock, out) == {"toml": "0.10.1"}
    got = subprocess.run([str(out / "bin" / "python"), "-c", "import inspect, toml; print(inspect.getsource(toml))"],
                         capture_output=True, text=True, check=True).stdout
    assert "# nixpkgs-shim" in got


CP = "cp" + PY.replace(".", "")
NUMPY_WHEELS = {  # numpy 2.1.3, manylinux_2_17 + manylinux2014, per CPython minor version
    "3.11": ("7a/f0/80811e836484262b236c684a75dfc4ba0424bc670e765afaa911468d9f39", "bc6f24b3d1ecc1eebfbf5d6051faa49af40b03be1aaa781ebdadcbc090b4539b"),
    "3.12": ("9e/3e/3757f304c704f2f0294a6b8340fcf2be244038be07da4cccf390fa678a9f", "2312b2aa89e1f43ecea6da6ea9a810d06aae08321609d8dc0d0eda6d946a541b"),
    "3.13": ("70/50/73f9a5aa0810cdccda9c1d20be3cbe4a4d6ea6bfd6931464a44c95eef731", "5641516794ca9e5f8a4d17bb45446998c6554704d888f86df9b200e66bdcce56"),
}
TORCH_WHEELS = {  # torch 2.5.1, tagged manylinux1 only
    "3.11": ("d1/35/e8b2daf02ce933e4518e6f5682c72fd0ed66c15910ea1fb4168f442b71c4", "de5b7d6740c4b636ef4db92be922f0edc425b65ed78c5076c43c42d362a45457"),
    "3.12": ("8b/5c/36c114d120bfe10f9323ed35061bc5878cc74f3f594003854b0ea298942f", "ed231a4b3a5952177fafb661213d690a72caaad97d5824dd4fc17ab9e15cec03"),
    "3.13": ("69/72/20cb30f3b39a9face296491a86adb6ff8f1a47a897e4d14667e6cf89d5c3", "9b61edf3b4f6e3b0e0adda8b3960266b9009d02b37555971f4d1c8f7a05afed7"),
}


PINNED["numpy-2.1.3"] = _wheel("numpy", "2.1.3", f"numpy-2.1.3-{CP}-{CP}-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
                               *NUMPY_WHEELS[PY], [f"{CP}-{CP}-manylinux_2_17_x86_64", f"{CP}-{CP}-manylinux2014_x86_64"])
PINNED["torch-2.5.1"] = _wheel("torch", "2.5.1", f"torch-2.5.1-{CP}-{CP}-manylinux1_x86_64.whl", *TORCH_WHEELS[PY],
                               [f"{CP}-{CP}-manylinux1_x86_64"])


@pytest.mark.parametrize("consumer, before", [
    ("numpy-headers-consumer", "`attribute 'coreIncludeDir' missing` (the lock's numpy wheel had no numpy passthru)"),
    ("numpy2-consumer", "a recipe naming numpy_2 kept nixpkgs' numpy beside the lock's: `collision between` in the env"),
], ids=["numpy-headers-consumer", "numpy2-consumer"])
def test_numpy_keeps_its_passthru_contract(tmp_path: Path, consumer: str, before: str) -> None:
    """Recipes read numpy.coreIncludeDir (scipy, pyside6, torch) or name numpy_2. Before: see
    `before`. Now: the lock's numpy carries coreIncludeDir recomputed for its own store path (the
    consumer compiles against its headers), and numpy_2 follows numpy, so one numpy is in the env."""
    lock = write_lock(tmp_path / "lock.json", ["numpy-2.1.3"], ["numpy"])
    out = tmp_path / "result"
    proc = nix(["nix-build", "-o", str(out)], COMMON + f"machNix.mkPython {{ lockFile = {lock}; packagesExtra = ps: [ ps.{consumer} ]; }}")
    assert proc.returncode == 0, proc.stderr[-4000:]
    script = ("import json, numpy, importlib.metadata as m; "
              "print(json.dumps([numpy.__file__, [d.version for d in m.distributions() if d.metadata['Name'] == 'numpy']]))")
    numpy_file, versions = json.loads(subprocess.run([str(out / "bin" / "python"), "-c", script], capture_output=True, text=True, check=True).stdout)
    assert versions == ["2.1.3"]
    if consumer == "numpy-headers-consumer":
        include = subprocess.run([str(out / "bin" / "python"), "-c", "import numpy_headers_consumer as c; print(c.INCLUDE)"],
                                 capture_output=True, text=True, check=True).stdout.strip()
        numpy_store = Path(numpy_file).resolve().parents[4]  # <store path>/lib/pythonX.Y/site-packages/numpy/__init__.py
        assert include == f"{numpy_store}/lib/python{PY}/site-packages/numpy/_core/include"


def test_numpy_keeps_blas_for_recipes_that_build_against_it(tmp_path: Path) -> None:
    """scikit-learn's recipe has `buildInputs = [ numpy.blas ]` and numpy passes on
    `blasImplementation` and `cfg`. Before: the lock's numpy wheel lacked them: `attribute 'blas'
    missing`. Now: nixpkgs' BLAS configuration is carried (the consumer builds against it)."""
    lock = write_lock(tmp_path / "lock.json", ["numpy-2.1.3"], ["numpy"])
    out = tmp_path / "result"
    proc = nix(["nix-build", "-o", str(out)], COMMON + f"machNix.mkPython {{ lockFile = {lock}; packagesExtra = ps: [ ps.numpy-blas-consumer ]; }}")
    assert proc.returncode == 0, proc.stderr[-4000:]
    got = subprocess.run([str(out / "bin" / "python"), "-c", "import numpy_blas_consumer as c, numpy; print(c.BLAS, numpy.__version__)"],
                         capture_output=True, text=True, check=True).stdout.split()
    assert got == ["netlib", "2.1.3"]


def test_torch_keeps_its_passthru_contract(tmp_path: Path) -> None:
    """torchvision, xformers, flash-attn read torch.cudaSupport/cudaCapabilities/cudaPackages;
    torchvision and torchaudio also torch.cxxdev, torch.gpuTargetString, torch.stdenv.cc.isClang.
    Before: the lock's torch wheel lacked them: `attribute 'cudaSupport' missing`, later
    `attribute 'cxxdev' missing`. Now: nixpkgs' torch passthru is carried over, cudaSupport
    recomputed from the lock (no nvidia-* dependency here, so false), cxxdev made from the wheel's
    own headers."""
    lock = write_lock(tmp_path / "lock.json", ["torch-2.5.1"], ["torch"])
    got = evaluate(COMMON + f"let e = machNix.mkPython {{ lockFile = {lock}; }}; ps = e.passthru.python.pkgs; in "
                   "{ device = ps.torch-consumer.drvAttrs.CUDA; v = ps.torch.version; cuda = ps.torch.cudaSupport; "
                   "provider = ps.torch.passthru.machNix.provider; arch = ps.torch-consumer.drvAttrs.TORCH_CUDA_ARCH_LIST; "
                   "clang = ps.torch-consumer.drvAttrs.CLANG; cxxdev = ps.torch.cxxdev.name; }")
    assert got == {"device": "cpu", "v": "2.5.1", "cuda": False, "provider": "wheel", "arch": "", "clang": "false",
                   "cxxdev": "torch-2.5.1-cxxdev"}


def _native_wheel(directory: Path, dist: str, version: str, needed: str, tags: list[str]) -> dict:
    """A lock entry for a local wheel (`path`, beside the lock, which write_lock puts in the same
    directory) whose extension needs `needed`: a host library copied and given that
    DT_NEEDED with patchelf."""
    import base64
    import hashlib
    import shutil
    import zipfile
    mod = dist.replace("-", "_")
    so = directory / "_native.so"
    shutil.copy(Path("/lib/x86_64-linux-gnu/libz.so.1").resolve(), so)
    subprocess.run(["patchelf", "--add-needed", needed, "--set-soname", "_native.so", str(so)], check=True)
    name = f"{mod}-{version}-{CP}-{CP}-{'.'.join(t.split('-')[-1] for t in tags)}.whl"
    files = {
        f"{mod}/__init__.py": b"",
        f"{mod}/_native.so": so.read_bytes(),
        f"{mod}-{version}.dist-info/METADATA": f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n".encode(),
        f"{mod}-{version}.dist-info/WHEEL": ("Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: false\n"
                                             + "".join(f"Tag: {t}\n" for t in tags)).encode(),
    }
    record = "".join(f"{n},sha256={base64.urlsafe_b64encode(hashlib.sha256(b).digest()).rstrip(b'=').decode()},{len(b)}\n" for n, b in files.items())
    files[f"{mod}-{version}.dist-info/RECORD"] = (record + f"{mod}-{version}.dist-info/RECORD,,\n").encode()
    whl = directory / name
    with zipfile.ZipFile(whl, "w") as z:
        for n, b in files.items():
            z.writestr(n, b)
    return {"name": dist, "version": version, "provider": "wheel", "filename": name, "path": whl.name,
            "sha256": hashlib.sha256(whl.read_bytes()).hexdigest(), "wheel_tags": tags}


def _sdist_entry(directory: Path, dist: str, version: str, files: dict[str, str], backend: str, requires: str) -> dict:
    """A lock entry for a local sdist made here of `files` (`path`, beside the lock, which write_lock
    writes in the same directory), built by `backend` from the requirement `requires`."""
    import hashlib
    import io
    import tarfile
    base = f"{dist.replace('-', '_')}-{version}"
    files = {"PKG-INFO": f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n", **files}
    sdist = directory / f"{base}.tar.gz"
    with tarfile.open(sdist, "w:gz") as tar:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(f"{base}/{name}")
            info.size, info.mtime = len(data), 0
            tar.addfile(info, io.BytesIO(data))
    tool = requires.split(" ")[0].split(">")[0].replace("_", "-")
    return {"name": dist, "version": version, "provider": "sdist", "filename": sdist.name, "path": sdist.name,
            "sha256": hashlib.sha256(sdist.read_bytes()).hexdigest(),
            "build_system": {"backend": backend, "dependencies": [tool], "requires": [requires], "source": "pyproject"}}


def _local_sdist(directory: Path, dist: str, version: str, setup_py: str) -> dict:
    """A local setuptools sdist (_sdist_entry) whose setup.py is `setup_py`."""
    return _sdist_entry(directory, dist, version, {
        "pyproject.toml": '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n',
        "setup.py": setup_py, f"{dist.replace('-', '_')}.py": ""}, "setuptools.build_meta", "setuptools")


def test_a_fresh_build_gets_the_native_tools_of_the_recipes_build_system(tmp_path: Path) -> None:
    """Modern recipes list native tools in `build-system` (numpy: gfortran, pkg-config), not only in
    nativeBuildInputs. Before: lib/ took a recipe's non-Python inputs from nativeBuildInputs and
    buildInputs only, so a fresh build of another version ran without the tool (`pkg-config: not
    found`, hidden until the stand-in's builds stopped seeing the host's PATH). Now: it has it."""
    entry = _local_sdist(tmp_path, "native-tool-user", "2.0",
                         "import subprocess\nfrom setuptools import setup\n"
                         "subprocess.run(['pkg-config', '--version'], check=True)\n"
                         "setup(name='native-tool-user', version='2.0', py_modules=['native_tool_user'])\n")
    PINNED["native-tool-user-2.0"] = entry
    lock = write_lock(tmp_path / "lock.json", ["native-tool-user-2.0"], ["native-tool-user"])
    assert build_env(lock, tmp_path / "result")["native-tool-user"] == "2.0"


def test_a_fresh_rust_sdist_is_refused_with_the_ways_out(tmp_path: Path) -> None:
    """A Rust extension's sdist needs its crates vendored (`cargoDeps`); a Nix build cannot fetch
    them. Before: lib/ dropped every input named `cargo-*`, the compiler with the hooks, and the
    environment evaluated, to fail inside the build. Now: the fresh build keeps the compilers (not
    the recipe-bound hooks), evaluation refuses it with one paragraph naming the ways out, and the
    way out through overridesPost (cargoDeps) evaluates."""
    entry = _local_sdist(tmp_path, "rusty-ext", "2.0", "from setuptools import setup\nsetup()\n")
    entry["build_system"] = {"backend": "maturin", "dependencies": ["maturin"], "requires": ["maturin>=1,<2"], "source": "pyproject"}
    PINNED["rusty-ext-2.0"] = entry
    lock = write_lock(tmp_path / "lock.json", ["rusty-ext-2.0"], ["rusty-ext"])
    inputs = evaluate(COMMON + f"let e = machNix.mkPython {{ lockFile = {lock}; }}; in "
                      "map (d: d.name) e.passthru.python.pkgs.rusty-ext.nativeBuildInputs")
    assert {"cargo-1.83.0", "rustc-wrapper-1.83.0"} <= set(inputs), inputs
    assert not any(n.startswith(("cargo-setup-hook", "maturin-build-hook")) for n in inputs), inputs
    proc = nix(["nix-instantiate"], COMMON + f"machNix.mkPython {{ lockFile = {lock}; }}")
    assert proc.returncode != 0
    assert "rusty-ext 2.0 is locked as an sdist" in proc.stderr and "compiles Rust (its build system uses maturin)" in proc.stderr
    assert "providers = { rusty-ext = \"wheel\"; }" in proc.stderr and "cargoDeps = pkgs.rustPlatform.fetchCargoVendor" in proc.stderr
    vendored = nix(["nix-instantiate"], COMMON + f"machNix.mkPython {{ lockFile = {lock}; overridesPost = [ (final: prev: {{ "
                   "rusty-ext = prev.rusty-ext.overridePythonAttrs (old: { cargoDeps = pkgs.runCommand \"vendor\" { } \"mkdir $out\"; }); }) ]; }")
    assert vendored.returncode == 0, vendored.stderr[-3000:]


def _pure_wheel(directory: Path, dist: str, version: str, files: dict[str, str]) -> dict:
    """A lock entry for a local pure wheel made here of `files` (`path`, beside the lock)."""
    import base64
    import hashlib
    import zipfile
    mod = dist.replace("-", "_").replace(".", "_")
    contents = {n: t.encode() for n, t in files.items()}
    contents[f"{mod}-{version}.dist-info/METADATA"] = f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n".encode()
    contents[f"{mod}-{version}.dist-info/WHEEL"] = b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    record = "".join(f"{n},sha256={base64.urlsafe_b64encode(hashlib.sha256(b).digest()).rstrip(b'=').decode()},{len(b)}\n"
                     for n, b in contents.items())
    contents[f"{mod}-{version}.dist-info/RECORD"] = (record + f"{mod}-{version}.dist-info/RECORD,,\n").encode()
    whl = directory / f"{mod}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(whl, "w") as z:
        for n, b in contents.items():
            z.writestr(n, b)
    return {"name": dist, "version": version, "provider": "wheel", "filename": whl.name, "path": whl.name,
            "sha256": hashlib.sha256(whl.read_bytes()).hexdigest(), "wheel_tags": ["py3-none-any"]}


def test_namespace_init_files_never_collide(tmp_path: Path) -> None:
    """Two distributions of one namespace, each shipping a namespace-declaring nsx/__init__.py of
    its own style (pkg_resources', pkgutil's), as zope.*, backports.* and google.* wheels do.
    Before: `collision between …/nsx/__init__.py` in the environment (nixpkgs' buildEnv refuses
    differing files; nixpkgs' recipes list `pythonNamespaces`, a lock lists none). Now: the
    declarations are dropped and both import as PEP 420 portions."""
    PINNED["nsx-one-1.0"] = _pure_wheel(tmp_path, "nsx.one", "1.0", {
        "nsx/__init__.py": "__import__('pkg_resources').declare_namespace(__name__)\n", "nsx/one.py": "X = 1\n"})
    PINNED["nsx-two-1.0"] = _pure_wheel(tmp_path, "nsx.two", "1.0", {
        "nsx/__init__.py": "__path__ = __import__('pkgutil').extend_path(__path__, __name__)\n", "nsx/two.py": "Y = 2\n"})
    lock = write_lock(tmp_path / "lock.json", ["nsx-one-1.0", "nsx-two-1.0"], ["nsx.one", "nsx.two"])
    out = tmp_path / "result"
    build_env(lock, out)
    got = subprocess.run([str(out / "bin" / "python"), "-c", "import nsx.one, nsx.two; print(nsx.one.X + nsx.two.Y)"],
                         capture_output=True, text=True)
    assert got.stdout.strip() == "3", got.stderr


def test_a_cut_dependency_cycle_never_breaks_the_runtime_deps_check(tmp_path: Path) -> None:
    """Two sdists that require each other (Requires-Dist both ways, as sphinx and its contrib
    packages, or jupyter's do): the overlay cuts one edge to make derivations. Before: the package
    built without its cut dependency failed nixpkgs' pythonRuntimeDepsCheck (`cyc-a not
    installed`). Now: that package skips the check (its dependency is in the environment)."""
    for name, other in (("cyc-a", "cyc-b"), ("cyc-b", "cyc-a")):
        PINNED[f"{name}-1.0"] = dict(_local_sdist(tmp_path, name, "1.0", (
            "from setuptools import setup\n"
            f"setup(name='{name}', version='1.0', py_modules=['{name.replace('-', '_')}'], install_requires=['{other}'])\n")))
    lock = write_lock(tmp_path / "lock.json", ["cyc-a-1.0", "cyc-b-1.0"], ["cyc-a"], deps={"cyc-a": ["cyc-b"], "cyc-b": ["cyc-a"]})
    got = build_env(lock, tmp_path / "result")
    assert got["cyc-a"] == "1.0" and got["cyc-b"] == "1.0"


def test_an_alias_to_another_project_is_not_its_recipe(tmp_path: Path) -> None:
    """nixpkgs' `cchardet` is an alias of `faust-cchardet`, another project. A lock with PyPI's
    cchardet at a version the fork also has: before, lib/ took the alias for cchardet's recipe at
    its own version and reused it (`faust-cchardet … is marked as broken` here; on nixpkgs, the fork
    in place of the lock's package). Now: the alias is not cchardet's recipe, and the lock's sdist
    is built."""
    PINNED["cchardet-2.1.7"] = _local_sdist(tmp_path, "cchardet", "2.1.7",
                                            "from setuptools import setup\nsetup(name='cchardet', version='2.1.7', py_modules=['cchardet'])\n")
    lock = write_lock(tmp_path / "lock.json", ["cchardet-2.1.7"], ["cchardet"])
    got = build_env(lock, tmp_path / "result")
    assert got.get("cchardet") == "2.1.7" and "faust-cchardet" not in got, got


@pytest.mark.parametrize("entry, recipe_kept", [("tomli-2.0.1-sdist", True), ("tomli-2.0.2-sdist", False)],
                         ids=["own-version", "other-version"])
def test_function_form_recipes(tmp_path: Path, entry: str, recipe_kept: bool) -> None:
    """`buildPythonPackage (finalAttrs: …)` recipes (cryptography, jinja2): overridePythonAttrs
    extends the final attributes, so src follows an overridden version (nixpkgs' semantics, checked
    first). The lock's tomli at the recipe's own version reuses the recipe whole (its postPatch
    ran); at another version it is built fresh from the locked file."""
    src = evaluate(COMMON + "let ps = pkgs.python3.pkgs; in "
                   "{ own = ps.tomli.src.url; bumped = (ps.tomli.overridePythonAttrs { version = \"2.0.2\"; }).src.url; }")
    assert src["own"].endswith("tomli-2.0.1.tar.gz") and src["bumped"].endswith("tomli-2.0.2.tar.gz"), src
    lock = write_lock(tmp_path / "lock.json", [entry], ["tomli"])
    out = tmp_path / "result"
    version = build_env(lock, out)["tomli"]
    assert version == PINNED[entry]["version"]
    source = subprocess.run([str(out / "bin" / "python"), "-c", "import inspect, tomli; print(inspect.getsource(tomli))"],
                            capture_output=True, text=True, check=True).stdout
    assert ("# nixpkgs-shim recipe" in source) == recipe_kept


def test_unresolved_build_requirements_outside_nixpkgs_versions_are_refused(tmp_path: Path) -> None:
    """A lock converted by Nix from uv.lock / poetry.lock / pylock.toml does not resolve sdists'
    build requirements (`build_system.resolved = false`): they come from nixpkgs. Before: a
    requirement outside nixpkgs' version (`flit_core >=3.99` with the set's 3.x) was taken all
    the same and the build stopped inside (`Missing dependencies`). Now: evaluation refuses it,
    naming the requirement, nixpkgs' version and the command that resolves it."""
    entry = dict(PINNED["idna-3.10-sdist"])
    entry["build_system"] = {"backend": "flit_core.buildapi", "dependencies": ["flit-core"], "requires": ["flit_core >=3.99"],
                             "source": "pyproject", "resolved": False}
    PINNED["idna-3.10-unresolved"] = entry
    lock = write_lock(tmp_path / "lock.json", ["idna-3.10-unresolved"], ["idna"])
    proc = nix(["nix-instantiate"], COMMON + f"machNix.mkPython {{ lockFile = {lock}; }}")
    assert proc.returncode != 0
    have = evaluate(COMMON + "pkgs.python3.pkgs.flit-core.version")
    assert f"needs `flit_core >=3.99` (nixpkgs has flit-core {have})" in proc.stderr, proc.stderr[-2000:]
    assert "mach-nix lock --from" in proc.stderr


def test_a_module_need_the_soname_table_maps_is_given_its_library(tmp_path: Path) -> None:
    """A manylinux wheel whose extension module links libtbb.so.12 (numba's do), outside every
    manylinux set. Before (lock `needs` unread): autoPatchelf `could not satisfy dependency
    libtbb.so.12`. Now: overrides/sonames.json maps it (`tbb_2022` or, on a nixpkgs without that,
    `tbb`), the wheel gets that library and its extension's RUNPATH names it."""
    entry = _native_wheel(tmp_path, "tbb-user", "1.0", "libtbb.so.12", [f"{CP}-{CP}-manylinux_2_17_x86_64"])
    PINNED["tbb-user-1.0"] = dict(entry, needs={"libtbb.so.12": {"use": "module"}})
    lock = write_lock(tmp_path / "lock.json", ["tbb-user-1.0"], ["tbb-user"])
    out = tmp_path / "result"
    assert build_env(lock, out)["tbb-user"] == "1.0"
    so = next((out / "lib" / f"python{PY}" / "site-packages" / "tbb_user").glob("_native.so")).resolve()
    runpath = subprocess.run(["patchelf", "--print-rpath", str(so)], capture_output=True, text=True, check=True).stdout
    assert any(Path(d, "libtbb.so.12").exists() for d in runpath.strip().split(":")), runpath


def test_a_cuda_module_need_takes_nixpkgs_unfree_cuda_packages(tmp_path: Path) -> None:
    """cupy-cuda12x's modules link libcublas.so.12 & co., which the lock's nvidia-* wheels provide
    when it has them, else nixpkgs' cudaPackages_12 — unfree, so nixpkgs refuses to evaluate them
    unless config.allowUnfree. Before (needs unread): autoPatchelf `could not satisfy dependency
    libcublas.so.12`. Now: the wheel takes cudaPackages_12.libcublas (and the driver runpath);
    evaluation says `unfree license` without allowUnfree, and instantiates with it."""
    entry = _native_wheel(tmp_path, "cublas-user", "1.0", "libcublas.so.12", [f"{CP}-{CP}-manylinux_2_17_x86_64"])
    PINNED["cublas-user-1.0"] = dict(entry, needs={"libcublas.so.12": {"use": "module"}, "libcuda.so.1": {"use": "module"}})
    lock = write_lock(tmp_path / "lock.json", ["cublas-user-1.0"], ["cublas-user"])
    refused = nix(["nix-instantiate"], COMMON + f"machNix.mkPython {{ lockFile = {lock}; }}")
    assert refused.returncode != 0 and "has an unfree license" in refused.stderr, refused.stderr[-2000:]
    expr = (f"let r = builtins.getEnv \"MACH_NIX_SHIM_RELEASE\"; pkgs = import {ROOT / 'tests' / 'nixpkgs-shim'} "
            "({ config.allowUnfree = true; } // (if r == \"\" then { } else { release = r; })); "
            f"machNix = import {ROOT} {{ inherit pkgs; pypiData = {ROOT / 'tests' / 'data' / 'index-small'}; }}; "
            f"e = machNix.mkPython {{ lockFile = {lock}; }}; w = e.passthru.python.pkgs.cublas-user; in "
            "{ inputs = map (d: d.pname or d.name) w.buildInputs; drv = e.drvPath; }")
    got = evaluate(expr)
    assert "cuda-libcublas" in got["inputs"] and got["drv"].endswith(".drv"), got


def test_a_plugin_only_need_nothing_maps_is_tolerated_and_listed(tmp_path: Path) -> None:
    """A wheel whose only shared object with an unmapped DT_NEEDED is a plugin (loaded with
    dlopen, as nvidia-cufile's RDMA transport is). Before: autoPatchelf failed on it. Now: the
    build tolerates exactly that soname and says so in its log."""
    entry = _native_wheel(tmp_path, "plugin-user", "1.0", "libnowhere_transport.so.3", [f"{CP}-{CP}-manylinux_2_17_x86_64"])
    PINNED["plugin-user-1.0"] = dict(entry, needs={"libnowhere_transport.so.3": {"use": "plugin"}})
    lock = write_lock(tmp_path / "lock.json", ["plugin-user-1.0"], ["plugin-user"])
    proc = nix(["nix-build", "-o", str(tmp_path / "result")], COMMON + f"machNix.mkPython {{ lockFile = {lock}; }}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "only plugins (shared objects no extension module loads) need libnowhere_transport.so.3" in proc.stderr


def test_a_module_need_nothing_maps_is_refused_at_evaluation(tmp_path: Path) -> None:
    """An importable module needs a soname no locked wheel ships and the table does not map.
    Before: the build failed in autoPatchelf. Now: evaluation refuses with one paragraph naming the
    wheel, the soname and the table line to add."""
    entry = _native_wheel(tmp_path, "orphan-user", "1.0", "libnowhere.so.7", [f"{CP}-{CP}-manylinux_2_17_x86_64"])
    PINNED["orphan-user-1.0"] = dict(entry, needs={"libnowhere.so.7": {"use": "module"}})
    lock = write_lock(tmp_path / "lock.json", ["orphan-user-1.0"], ["orphan-user"])
    proc = nix(["nix-instantiate"], COMMON + f"machNix.mkPython {{ lockFile = {lock}; }}")
    assert proc.returncode != 0
    assert f"the wheel {entry['filename']} (orphan-user 1.0) has an importable extension module that needs libnowhere.so.7" in proc.stderr
    assert '"libnowhere.so.7": ["<attribute>"]' in proc.stderr


def test_manylinux_set_of_the_oldest_tag(tmp_path: Path) -> None:
    """nixpkgs' glibc has no libcrypt.so.1; manylinux1's set has libxcrypt (and ncurses5).
    Before: a wheel tagged manylinux1.manylinux2014 got the manylinux2014 set, and autoPatchelf
    failed: `could not satisfy dependency libcrypt.so.1`. Now: the set of the oldest tag, and the
    extension loads."""
    PINNED["crypt-user-1.0"] = _native_wheel(tmp_path, "crypt-user", "1.0", "libcrypt.so.1",
                                             [f"{CP}-{CP}-manylinux1_x86_64", f"{CP}-{CP}-manylinux2014_x86_64"])
    lock = write_lock(tmp_path / "lock.json", ["crypt-user-1.0"], ["crypt-user"])
    out = tmp_path / "result"
    assert build_env(lock, out) == {"crypt-user": "1.0"}
    subprocess.run([str(out / "bin" / "python"), "-c", "import ctypes, crypt_user, os; ctypes.CDLL(os.path.join(crypt_user.__path__[0], '_native.so'))"],
                   check=True)


def test_cuda_wheel_gets_the_driver_runpath(tmp_path: Path) -> None:
    """A wheel linking the CUDA driver (overrides/ lets libcuda.so.1 be missing at build time, e.g.
    nvidia-cuda-nvrtc-cu12) must find it at run time on NixOS, through /run/opengl-driver/lib, which
    nixpkgs adds with autoAddDriverRunpath. Before: the build ignored libcuda.so.1 and the RUNPATH
    lacked the driver directory. Now: autoAddDriverRunpath adds it."""
    PINNED["nvrtc"] = _native_wheel(tmp_path, "nvidia-cuda-nvrtc-cu12", "12.4.127", "libcuda.so.1",
                                    [f"{CP}-{CP}-manylinux2014_x86_64"])
    lock = write_lock(tmp_path / "lock.json", ["nvrtc"], ["nvidia-cuda-nvrtc-cu12"])
    got = evaluate(COMMON + f"(machNix.mkPython {{ lockFile = {lock}; }}).passthru.python.pkgs.nvidia-cuda-nvrtc-cu12.outPath")
    proc = nix(["nix-build", "--no-out-link"], COMMON + f"(machNix.mkPython {{ lockFile = {lock}; }}).passthru.python.pkgs.nvidia-cuda-nvrtc-cu12")
    assert proc.returncode == 0, proc.stderr[-3000:]
    so = Path(got) / "lib" / f"python{PY}" / "site-packages" / "nvidia_cuda_nvrtc_cu12" / "_native.so"
    rpath = subprocess.run(["patchelf", "--print-rpath", str(so)], capture_output=True, text=True, check=True).stdout.strip()
    assert "/run/opengl-driver/lib" in rpath.split(":"), rpath


def test_a_project_named_bootstrap_is_refused_clearly(tmp_path: Path) -> None:
    """nixpkgs' builder reads the set's non-package attribute `bootstrap` (the bootstrap build,
    installer, packaging) for its bootstrap packages. Before: a locked project `bootstrap` was put
    there and every build broke with an unrelated error (`attribute 'tools' missing` here). Now:
    the overlay refuses it with a sentence that says what to do."""
    PINNED["bootstrap"] = dict(PINNED["wheel-0.44.0"], name="bootstrap", version="0.0.1")  # never fetched
    lock = write_lock(tmp_path / "lock.json", ["bootstrap", "packaging-23.0"], ["bootstrap", "packaging"])
    proc = nix(["nix-instantiate", "--read-write-mode", "--eval", "--strict"],
               COMMON + f"(machNix.mkPython {{ lockFile = {lock}; }}).drvPath")
    assert proc.returncode != 0
    assert "the lock contains bootstrap, whose name is a function or helper of nixpkgs' Python set" in proc.stderr, proc.stderr[-2000:]


def test_docker_image_passthru(tmp_path: Path) -> None:
    """dockerTools.buildLayeredImage returns a runCommand whose passthru is the image name and tag
    only. Before: mkDockerImage passed `passthru.env`, which real nixpkgs drops (`attribute 'env'
    missing`). Now: `env` is put on the result."""
    lock = write_lock(tmp_path / "lock.json", ["packaging-23.0"], ["packaging"])
    got = evaluate(COMMON + f"let i = machNix.mkDockerImage {{ lockFile = {lock}; }}; in "
                   "{ env = i.passthru.env.passthru.lock.roots; tag = i.imageTag; top = i.env.name; }")
    assert got == {"env": ["packaging"], "tag": "latest", "top": f"python3-{PY_FULL}-env"}


def test_nixpkgs_provider_at_another_version_is_refused(tmp_path: Path) -> None:
    """What the lock says is what the environment holds. Before: a lock taking certifi 2022.9.24
    from nixpkgs, on a nixpkgs (the shim) with certifi 2022.12.7, silently gave 2022.12.7. Now: the
    overlay refuses it and says to re-lock."""
    PINNED["certifi-nixpkgs"] = {"name": "certifi", "version": "2022.9.24", "provider": "nixpkgs", "nixpkgs_attr": "certifi"}
    lock = write_lock(tmp_path / "lock.json", ["certifi-nixpkgs"], ["certifi"])
    proc = nix(["nix-instantiate", "--read-write-mode", "--eval", "--strict"],
               COMMON + f"(machNix.mkPython {{ lockFile = {lock}; }}).drvPath")
    assert proc.returncode != 0
    assert "the lock takes certifi 2022.9.24 from nixpkgs (attribute `certifi`), but this nixpkgs has 2022.12.7" in proc.stderr, proc.stderr[-2000:]


def test_build_tools_of_the_locked_sdists_are_not_rebuilt(tmp_path: Path) -> None:
    """Replacing a run-time dependency of nixpkgs' build tools (pluggy, pathspec, typing-extensions,
    … of hatchling, setuptools-scm, meson-python) rebuilds those tools from source against the
    lock's versions. Before: the lock's pluggy 1.4.0 (a root) replaced the set's, so hatchling,
    iniconfig's build backend, changed (`same` false). Now: hatchling is nixpkgs' own, and the
    environment still gets pluggy 1.4.0. (Evaluation only.)"""
    lock = write_lock(tmp_path / "lock.json", ["pluggy-1.4.0", "iniconfig-2.0.0-sdist"], ["iniconfig", "pluggy"])
    got = evaluate(COMMON + f"let e = machNix.mkPython {{ lockFile = {lock}; }}; ps = e.passthru.python.pkgs; in {{ "
                   "same = ps.hatchling.drvPath == pkgs.python3.pkgs.hatchling.drvPath; "
                   "env = map (d: d.name) (e.passthru.selectPkgs ps); "
                   "backend = map (d: d.name) (lib.filter (d: (d.pname or \"\") == \"hatchling\") ps.iniconfig.nativeBuildInputs); }")
    hatchling = evaluate(COMMON + "pkgs.python3.pkgs.hatchling.name")
    assert got == {"same": True, "env": [f"python{PY}-iniconfig-2.0.0", f"python{PY}-pluggy-1.4.0"], "backend": [hatchling]}



# A current hatchling (>= 1.26 requires packaging>=24.2) and its run-time closure, locked for the build
# of annotated-types' sdist only: (name, version, file, PyPI path, sha256).
BUILD_ONLY_WHEELS = [
    ("hatchling", "1.27.0", "hatchling-1.27.0-py3-none-any.whl", "08/e7/ae38d7a6dfba0533684e0b2136817d667588ae3ec984c1a4e5df5eb88482",
     "d3a2f3567c4f926ea39849cdf924c7e99e6686c9c8e288ae1037c8fa2a5d937b"),
    ("packaging", "24.2", "packaging-24.2-py3-none-any.whl", "88/ef/eb23f262cca3c0c4eb7ab1933c3b1f03d021f2c48f54763065b6f0e321be",
     "09abb1bccd265c01f4a3aa3f7a7db064b36514d2cba19a2f694fe6150451a759"),
    ("pathspec", "0.12.1", "pathspec-0.12.1-py3-none-any.whl", "cc/20/ff623b09d963f88bfde16306a54e12ee5ea43e9b597108672ff3a408aad6",
     "a0d503e138a4c123b27490a4f7beda6a01c6f288df0e4a8b79c7eb0dc7b4cc08"),
    ("pluggy", "1.5.0", "pluggy-1.5.0-py3-none-any.whl", "88/5f/e351af9a41f866ac3f1fac4ca0613908d9a41741cfcf2228f4ad853b697d",
     "44e1ad92c8ca002de6377e165f3e0f1be63266ab4d554740532335b9d75ea669"),
    ("trove-classifiers", "2024.10.21.16", "trove_classifiers-2024.10.21.16-py3-none-any.whl",
     "35/35/5055ab8d215af853d07bbff1a74edf48f91ed308f037380a5ca52dd73348", "0fb11f1e995a757807a8ef1c03829fbd4998d817319abcef1f33165750f103be"),
]
PINNED.update({f"{n}-{v}": dict(_wheel(n, v, f, path, sha, ["py3-none-any"]), build_only=True) for n, v, f, path, sha in BUILD_ONLY_WHEELS})
PINNED.update({
    "annotated-types-0.7.0-sdist": _sdist("annotated-types", "0.7.0", "annotated_types-0.7.0.tar.gz",
                                          "ee/67/531ea369ba64dcff5ec9c3402f9f51bf748cec26dde048a2f973a4eea7f5",
                                          "aff07c09a53a08bc8cfccb9c85b05f1aa9a2a6f23728d790723543408344ce89", ["hatchling"], ["hatchling"]),
})


def test_fresh_build_finds_the_locks_build_closure_first(tmp_path: Path) -> None:
    """nixpkgs' pypaBuildHook and pythonRuntimeDepsCheckHook propagate the set's wheel and packaging,
    and nixpkgs puts the hooks ahead of the package's build-system on PYTHONPATH (behaviours sheet,
    section 9); `build --no-isolation` checks the backend's requirements against the first
    distribution of each name. On 24.05 the set's packaging is 24.0. Before: annotated-types' fresh
    sdist build, with the lock's hatchling 1.27.0 (packaging>=24.2) and packaging 24.2, stopped on
    24.05 with `ERROR Missing dependencies:` hatchling, `packaging>=24.2` (it built on the current
    stable, whose packaging is 26.3); so does a lib/ that lists the lock's build closure in
    build-system directly, since stdenv takes inputs depth first. Now: the lock's build closure comes
    first on PYTHONPATH for the build phase, and the environment holds annotated-types 0.7.0 on
    every release."""
    lock = write_lock(tmp_path / "lock.json",
                      ["annotated-types-0.7.0-sdist", "hatchling-1.27.0", "packaging-24.2", "pathspec-0.12.1", "pluggy-1.5.0",
                       "trove-classifiers-2024.10.21.16"], ["annotated-types"],
                      {"hatchling": ["packaging", "pathspec", "pluggy", "trove-classifiers"]})
    assert build_env(lock, tmp_path / "result") == {"annotated-types": "0.7.0"}


def _flit_sdist(directory: Path, dist: str, version: str, dependencies: list[str]) -> dict:
    """A local pure-Python sdist (_sdist_entry, flit-core backend) whose wheel requires `dependencies`."""
    mod = dist.replace("-", "_")
    return _sdist_entry(directory, dist, version, {
        "pyproject.toml": ("[build-system]\nrequires = [\"flit_core >=3.4\"]\nbuild-backend = \"flit_core.buildapi\"\n\n"
                           f"[project]\nname = \"{dist}\"\nversion = \"{version}\"\ndescription = \"a test sdist\"\n"
                           f"dependencies = {json.dumps(dependencies)}\n"),
        f"{mod}.py": "\"\"\"A test module.\"\"\"\n"}, "flit_core.buildapi", "flit_core >=3.4")


def test_runtime_deps_check_sees_the_locks_dependencies_first(tmp_path: Path) -> None:
    """pythonRuntimeDepsCheckHook checks the built wheel's Requires-Dist against the first
    distribution of each name on PYTHONPATH, where nixpkgs puts its hooks' packages (the set's
    packaging) ahead of the package's dependencies. On 24.05 the set's packaging is 24.0. Before: a
    fresh sdist requiring packaging>=24.2, locked with packaging 24.2, stopped on 24.05 in the check
    with `packaging>=24.2 not satisfied by version 24.0` (it built on the current stable). Now: the
    check sees the lock's dependency closure first, and the environment holds both on every release."""
    PINNED["new-packaging-user-1.0"] = _flit_sdist(tmp_path, "new-packaging-user", "1.0", ["packaging>=24.2"])
    PINNED["packaging-24.2-runtime"] = {k: v for k, v in PINNED["packaging-24.2"].items() if k != "build_only"}
    lock = write_lock(tmp_path / "lock.json", ["new-packaging-user-1.0", "packaging-24.2-runtime"], ["new-packaging-user"],
                      {"new-packaging-user": ["packaging"]})
    assert build_env(lock, tmp_path / "result") == {"new-packaging-user": "1.0", "packaging": "24.2"}


# lib/ meeting nixpkgs where a plausible mistake would pass a permissive stand-in: each test runs the
# real lib/ and a copy of it with one such mistake (a text substitution inside the named function,
# so it survives lib/ being reorganised), and the stand-in must fail the copy.
def mutated_machnix(directory: Path, function: str, pattern: str, replacement: str) -> Path:
    """A copy of this checkout's mach-nix (default.nix, lib/, overrides/, py/) whose lib/ has
    ``pattern`` (a regex that must match exactly once in all of lib/*.nix, inside ``function``)
    replaced. Example: ``mutated_machnix(tmp, "mkPythonShell", r"packages = \\[ env \\]", "inputsFrom = [ env ]")``."""
    copy = directory / "mach-nix"
    copy.mkdir()
    shutil.copy(ROOT / "default.nix", copy / "default.nix")
    for d in ("lib", "overrides", "py"):
        shutil.copytree(ROOT / d, copy / d, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    (copy / "data").symlink_to(ROOT / "data")
    hits = [(f, m) for f in sorted((copy / "lib").glob("*.nix")) for m in re.finditer(pattern, f.read_text())]
    assert len(hits) == 1, f"{pattern!r} matches {len(hits)} times in lib/: the mutation needs updating"
    path, match = hits[0]
    text = path.read_text()
    assert function in text[:match.start()], f"{pattern!r} is not in {function} ({path.name})"
    path.write_text(text[:match.start()] + match.expand(replacement) + text[match.end():])
    return copy


def with_machnix(copy: Path | None) -> str:
    """COMMON, with `machNix` the mach-nix at ``copy`` (a mutated_machnix) when given."""
    if copy is None:
        return COMMON
    return COMMON + f"let machNix = import {copy} {{ inherit pkgs; pypiData = {NIX_TESTS.parent / 'data' / 'index-small'}; }}; in "


# Mutations, by the lib/ function they edit (re-check after lib/ is reorganised: each must still match once).
MUTATIONS = {
    # sourceOf: unpack a .zip source without declaring unzip (nixpkgs' stdenv has none on PATH).
    "unzip-undeclared": ("sourceOf", r"\{ nativeBuildInputs = lib\.optional \(lib\.hasSuffix \"\.zip\" name\) pkgs\.unzip; \}", "{ }"),
    # mkPythonShell: the environment given as inputsFrom (its inputs) instead of packages (itself).
    "shell-inputsFrom": ("mkPythonShell", r"pkgs\.mkShell \(\{ packages = \[ env \];", "pkgs.mkShell ({ inputsFrom = [ env ];"),
    # mkBuild: a recipe reused at the lock's version by overriding its version (a function-form
    # recipe's src follows it; its patches and postPatch are still written for its own version).
    "recipe-at-any-version": ("mkBuild", r"\(if overridable prev name && \(prev\.\$\{name\}\.version or null\) == entry\.version(\s+)then sdist\.reuse \{ base = prev\.\$\{name\};",
                              r"(if overridable prev name\1then sdist.reuse { base = prev.${name}.overridePythonAttrs { inherit (entry) version; };"),
}


@pytest.mark.slow
@pytest.mark.parametrize("mutation", [None, "unzip-undeclared"], ids=["lib", "mutant"])
def test_a_zip_project_source_is_unpacked_with_declared_unzip(tmp_path: Path, mutation: str | None) -> None:
    """nixpkgs' stdenv has no unzip: a builder that unpacks a .zip declares `unzip` (whose setup hook
    also teaches unpackPhase .zip). lib/'s sourceOf reads a `{ url; hash; }` .zip project source; the
    copy that leaves unzip out stops with `unzip: command not found`. Before the stand-in modelled
    this (unzip was on every builder's PATH), the copy passed."""
    import functools
    import hashlib
    import http.server
    import tempfile
    import threading
    import zipfile

    copy = None if mutation is None else mutated_machnix(tmp_path, *MUTATIONS[mutation])
    public = Path(tempfile.mkdtemp(prefix="mach-nix-test-", dir="/tmp"))  # readable by Nix's build users
    public.chmod(0o755)
    archive = public / "cfg_tool-0.2.0.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for f in sorted((NIX_TESTS / "projects" / "cfg").rglob("*")):
            z.write(f, "cfg_tool-0.2.0/" + str(f.relative_to(NIX_TESTS / "projects" / "cfg")))
    sha = hashlib.sha256(archive.read_bytes()).hexdigest()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(public))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)  # a fixed-output build reaches it
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/{archive.name}"
        proc = nix(["nix-instantiate", "--read-write-mode", "--eval", "--strict", "--json"], with_machnix(copy) + (
            f'(machNix.buildPythonPackage {{ src = {{ url = "{url}"; sha256 = "{sha}"; }}; }}).version'))
    finally:
        server.shutdown()
        shutil.rmtree(public)
    if mutation is None:
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert json.loads(proc.stdout) == "0.2.0"
    else:
        assert proc.returncode != 0 and "unzip: command not found" in proc.stderr, proc.stderr[-3000:]


@pytest.mark.slow
@pytest.mark.parametrize("mutation", [None, "shell-inputsFrom"], ids=["lib", "mutant"])
def test_the_shell_has_the_environment_itself(tmp_path: Path, mutation: str | None) -> None:
    """nixpkgs' mkShell: `packages` go on PATH; `inputsFrom` contributes the *inputs* of the listed
    derivations, never the derivations (mergeInputs subtracts them). In a pure nix-shell of
    mkPythonShell, `python` is the environment's; the copy that lists it in inputsFrom has none."""
    copy = None if mutation is None else mutated_machnix(tmp_path, *MUTATIONS[mutation])
    lock = write_lock(tmp_path / "lock.json", ["packaging-23.0"], ["packaging"])
    proc = subprocess.run(["nix-shell", "--pure", "-E", with_machnix(copy) + f"machNix.mkPythonShell {{ lockFile = {lock}; }}",
                           "--run", "python -c 'import packaging; print(packaging.__version__)'"],
                          cwd=ROOT, capture_output=True, text=True, timeout=900)
    if mutation is None:
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert proc.stdout.strip().splitlines()[-1] == "23.0"
    else:
        assert proc.returncode != 0 and "python: command not found" in proc.stderr, proc.stderr[-3000:]


@pytest.mark.parametrize("mutation", [None, "recipe-at-any-version"], ids=["lib", "mutant"])
def test_a_function_form_recipe_is_not_reused_at_another_version(tmp_path: Path, mutation: str | None) -> None:
    """A function-form recipe (tomli: src from finalAttrs.version) follows an overridden version, so
    overriding its version seems to give the lock's release, but its postPatch is written for its
    own. The lock's tomli 2.0.2 must be built fresh (no recipe postPatch); the copy of lib/ that
    reuses recipes at any version that way builds it with the recipe's postPatch."""
    copy = None if mutation is None else mutated_machnix(tmp_path, *MUTATIONS[mutation])
    lock = write_lock(tmp_path / "lock.json", ["tomli-2.0.2-sdist"], ["tomli"])
    out = tmp_path / "result"
    proc = nix(["nix-build", "-o", str(out)], with_machnix(copy) + f"machNix.mkPython {{ lockFile = {lock}; }}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    python = str(out / "bin" / "python")
    source = subprocess.run([python, "-c", "import inspect, tomli; print(inspect.getsource(tomli))"],
                            capture_output=True, text=True, check=True).stdout
    version = subprocess.run([python, "-c", "import importlib.metadata as m; print(m.version('tomli'))"],
                             capture_output=True, text=True, check=True).stdout.strip()
    assert version == "2.0.2"
    assert ("# nixpkgs-shim recipe" not in source) == (mutation is None)
