"""Nix tests of lib/ on tests/nixpkgs-shim: evaluation against expected JSON, error messages, the IFD
resolution, and builds of environments from PyPI files (marked `nix`; builds also `slow`/`network`)."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from mach_nix.cli import main
from nix_support import GLIBC, PY, PY_FULL, fill, nix_version, store_dir

ROOT = Path(__file__).resolve().parents[3]
NIX_TESTS = ROOT / "tests" / "nix"
EVAL_CASES = sorted(p.stem for p in (NIX_TESTS / "eval").glob("*.nix"))
FEATURES = ["--extra-experimental-features", "nix-command flakes"]
COMMON = f"with import {NIX_TESTS / 'common.nix'} {{ }}; "

# A real (crawled) index for IFD builds: the embedded data/ unless MACH_NIX_TEST_PYPI_DATA names another.
REAL_DATA = Path(os.environ.get("MACH_NIX_TEST_PYPI_DATA", ROOT / "data"))

pytestmark = [
    pytest.mark.nix,
]


def nix_eval(expr: str, *, timeout: int = 600) -> subprocess.CompletedProcess:
    """Evaluate `expr` strictly to JSON; read-write mode so import-from-derivation can build."""
    return subprocess.run(
        ["nix-instantiate", "--read-write-mode", "--eval", "--strict", "--json", "--expr", expr],
        cwd=ROOT, capture_output=True, text=True, timeout=timeout,
    )


def nix_build(expr: str, out: Path, *, timeout: int = 900) -> Path:
    proc = subprocess.run(["nix-build", "--expr", expr, "-o", str(out)], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return out


@pytest.mark.parametrize("case", EVAL_CASES)
def test_eval_matches_expected_json(case: str) -> None:
    proc = nix_eval(f"import {NIX_TESTS / 'eval' / (case + '.nix')}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    expected = json.loads(fill((NIX_TESTS / "eval" / f"{case}.json").read_text()))
    assert json.loads(proc.stdout) == expected


@pytest.mark.parametrize(
    "args, message",
    [
        ('{ requirements = "requests"; lockFile = ./tests/nix/locks/host/requests.json; }', "mutually exclusive"),
        ("{ }", "give one of requirements"),
        ('{ requirements = "requests"; extras = [ "x" ]; }', "extras and groups select parts of a pyproject"),
        ('{ requirements = "requests"; pakages = [ ]; }', "unknown argument(s) pakages"),
        ("{ lockFile = ./tests/nix/locks/host/requests-py312.json; }", "Re-lock it for this interpreter"),
    ],
)
def test_bad_arguments_throw_clear_messages(args: str, message: str) -> None:
    proc = nix_eval(COMMON + f"(machNix.mkPython {args}).drvPath")
    assert proc.returncode != 0
    assert message in proc.stderr, proc.stderr[-2000:]


def test_lock_file_needs_no_import_from_derivation() -> None:
    """With lockFile, evaluation works with IFD forbidden; without, it needs IFD."""
    def run(args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["nix-instantiate", "--read-write-mode", "--option", "allow-import-from-derivation", "false",
                               "--eval", "--strict", "--expr", COMMON + f"(machNix.mkPython {args}).drvPath"],
                              cwd=ROOT, capture_output=True, text=True, timeout=600)
    ok = run("{ lockFile = ./tests/nix/locks/host/requests.json; }")
    assert ok.returncode == 0, ok.stderr[-2000:]
    refused = run('{ requirements = "six\\n"; }')
    assert refused.returncode != 0
    assert "allow-import-from-derivation" in refused.stderr


def test_lock_target_mismatch_names_every_difference() -> None:
    proc = nix_eval(COMMON + "(machNix.mkPython { lockFile = ./tests/nix/locks/host/requests-py312.json; }).drvPath")
    assert f"Python 3.12 (lock) vs {PY} (interpreter)" in proc.stderr
    # The lock's glibc 2.40 is refused only on an older host glibc (Debian 12: 2.36; Debian 13 has 2.41).
    if tuple(map(int, GLIBC.split("."))) < (2, 40):
        assert f"glibc 2.40 (lock) is newer than the platform's {GLIBC}" in proc.stderr
    assert f"--python {PY_FULL} --system x86_64-linux --glibc {GLIBC}" in proc.stderr


SHIM_LET = "let pkgs = import ./tests/nixpkgs-shim { }; ps = pkgs.python3.pkgs; "
SHIM = SHIM_LET + "in "


@pytest.mark.parametrize(
    "expr, message",
    [
        ('(pkgs.fetchurl { url = "https://x/y.whl"; }).drvPath', "fetchurl requires a hash"),
        ('(pkgs.fetchurl { url = "https://x/y.whl"; sha256 = "0"; hash = "sha256-x"; }).drvPath', "multiple hashes passed to fetchurl"),
        ('(pkgs.fetchurl { sha256 = "0"; }).drvPath', "fetchurl requires either `url` or `urls` to be set"),
        ('(ps.buildPythonPackage { pname = "x"; version = "1"; src = ./.; }).drvPath', "x-1 does not configure a `format`"),
        ('(ps.buildPythonPackage { pname = "x"; version = "1"; src = ./.; pyproject = true; format = "wheel"; }).drvPath', "assertion"),
        ('(ps.buildPythonPackage { pname = "x"; version = "1"; src = ./.; pyproject = true; disabled = true; }).drvPath', f"not supported for interpreter python{PY}"),
        ("ps.six.drvPath", "six has been removed"),
    ],
)
def test_shim_is_as_strict_as_nixpkgs(expr: str, message: str) -> None:
    proc = nix_eval(SHIM + expr)
    assert proc.returncode != 0
    assert message in proc.stderr, proc.stderr[-2000:]


def test_membership_check_rejects_non_modules() -> None:
    expr = ("let pkgs = import ./tests/nixpkgs-shim { }; py = pkgs.python3.override { packageOverrides = f: p: "
            "{ notamodule = pkgs.runCommand \"plain\" { } \"mkdir $out\"; }; }; in py.pkgs.notamodule.outPath")
    proc = nix_eval(expr)
    assert proc.returncode != 0
    assert "should use `buildPythonPackage` or `toPythonModule`" in proc.stderr


@pytest.mark.slow
def test_ifd_resolution_uses_the_interpreter_target() -> None:
    """Without lockFile the resolver runs in a derivation on the packed index (IFD)."""
    proc = nix_eval(COMMON + 'let e = machNix.mkPython { requirements = "requests\\n"; }; in '
                    "{ inherit (e.passthru.lock) roots target; n = builtins.length (builtins.attrNames e.passthru.lock.packages); drv = e.drvPath; }")
    assert proc.returncode == 0, proc.stderr[-3000:]
    got = json.loads(proc.stdout)
    assert got["roots"] == ["requests"]
    assert got["target"] == {"python": PY, "python_full": PY_FULL, "implementation": "cpython",
                             "system": "x86_64-linux", "glibc": GLIBC, "macos": None}
    assert got["n"] == 5
    assert got["drv"].endswith("-env.drv")


@pytest.mark.slow
def test_ifd_pyproject_with_extras_and_groups() -> None:
    proc = nix_eval(COMMON + "let l = machNix.resolve { pyproject = ./tests/data/requirements/pyproject-pep621.toml; "
                    'extras = [ "frames" ]; groups = [ "dev" ]; }; in { inherit (l) roots; inherit (l.inputs) extras groups; }')
    assert proc.returncode == 0, proc.stderr[-3000:]
    got = json.loads(proc.stdout)
    assert {"requests", "click", "pandas", "toolz", "packaging"} <= set(got["roots"])
    assert "cryptography" not in got["roots"]
    assert (got["extras"], got["groups"]) == (["frames"], ["dev"])


@pytest.mark.slow
def test_ifd_nixpkgs_provider_uses_the_package_set() -> None:
    """providers naming nixpkgs pass python.pkgs to the resolver; the lock then takes requests from
    the shim (2.28.1, older than the index's) and the overlay keeps that derivation's version."""
    proc = nix_eval(COMMON + 'let e = machNix.mkPython { requirements = "requests<2.30\n"; '
                    'providers = { requests = "nixpkgs"; _default = "wheel,sdist"; }; }; '
                    "in { lock = e.passthru.lock.packages.requests; v = e.passthru.python.pkgs.requests.version; }")
    assert proc.returncode == 0, proc.stderr[-3000:]
    got = json.loads(proc.stdout)
    assert (got["lock"]["provider"], got["lock"]["nixpkgs_attr"], got["lock"]["version"]) == ("nixpkgs", "requests", "2.28.1")
    assert got["v"] == "2.28.1"


@pytest.mark.slow
def test_ifd_requirements_file_with_includes() -> None:
    """`-r sub/base.txt` and `-c constraints.txt` inside requirementsFile resolve in the derivation."""
    proc = nix_eval(COMMON + "(machNix.resolve { requirementsFile = ./tests/data/requirements/main.txt; }).roots")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert json.loads(proc.stdout) == ["cryptography", "dask", "idna", "requests"]


@pytest.mark.slow
def test_failed_resolution_is_the_nix_error() -> None:
    proc = nix_eval(COMMON + '(machNix.mkPython { requirements = "requests>=99\\n"; }).drvPath')
    assert proc.returncode != 0
    assert "mach-nix could not resolve the requirements" in proc.stderr
    assert "requirements.txt, line 1: requests>=99" in proc.stderr


@pytest.mark.slow
@pytest.mark.network
def test_env_from_committed_lock_has_the_locked_versions(tmp_path: Path) -> None:
    """requests (wheels, a manylinux wheel, an sdist overriding the shim's older idna) and six
    (a fresh sdist build): imports work and every installed distribution has the locked version."""
    lock = json.loads((NIX_TESTS / "locks" / "host" / "requests.json").read_text())
    out = nix_build(COMMON + "machNix.mkPython { lockFile = ./tests/nix/locks/host/requests.json; }", tmp_path / "result")
    script = ("import json, requests, six, charset_normalizer.md, importlib.metadata as m;"
              "print(json.dumps({d.metadata['Name'].lower(): d.version for d in m.distributions()}))")
    proc = subprocess.run([str(out / "bin" / "python"), "-c", script], capture_output=True, text=True, check=True)
    installed = json.loads(proc.stdout)
    expected = {n: p["version"] for n, p in lock["packages"].items() if not p.get("build_only")}
    assert installed == expected
    # The shim has idna 3.4 (built from its sdist); the lock's 3.10 replaced it.
    assert installed["idna"] == "3.10"
    # No host site-packages leak into the environment.
    proc = subprocess.run([str(out / "bin" / "python"), "-c", "import json, sys; print(json.dumps(sys.path))"],
                          capture_output=True, text=True, check=True)
    site_dirs = [p for p in json.loads(proc.stdout) if p.endswith(("site-packages", "dist-packages"))]
    assert site_dirs and all(p.startswith(str(out)) for p in site_dirs), site_dirs


@pytest.mark.slow
@pytest.mark.network
def test_mkPythonShell_puts_the_env_on_PATH() -> None:
    expr = COMMON + "machNix.mkPythonShell { lockFile = ./tests/nix/locks/host/requests.json; }"
    proc = subprocess.run(["nix-shell", "-E", expr, "--run", "python -c 'import requests; print(requests.__version__)'"],
                          cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip().splitlines()[-1] == "2.32.3"


@pytest.mark.slow
def test_example_shell_nix_evaluates_with_ifd() -> None:
    """examples/shell.nix, resolved by IFD (on the small test index, whose file hashes are modelled)."""
    machnix = f"import {ROOT} {{ pkgs = import {ROOT / 'tests/nixpkgs-shim'} {{ }}; pypiData = {ROOT / 'tests/data/index-small'}; }}"
    proc = nix_eval(f"let s = import {ROOT / 'examples/shell.nix'} {{ machNix = {machnix}; }}; in s.env.passthru.lock.roots")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert json.loads(proc.stdout) == ["requests"]


@pytest.mark.slow
def test_flake_check_with_the_shim_as_nixpkgs() -> None:
    proc = subprocess.run(
        ["nix", *FEATURES, "flake", "check", "--no-write-lock-file",
         "--override-input", "nixpkgs", f"path:{ROOT / 'tests/nixpkgs-shim'}", f"path:{ROOT}"],
        cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-4000:]
    # Nix 2.8 says "running flake checks", current Nix "running 2 flake checks..."
    wording = r"running flake checks" if nix_version() < (2, 19) else r"running [1-9][0-9]* flake checks"
    assert re.search(wording, proc.stderr), proc.stderr[-2000:]
    run = subprocess.run(["nix", *FEATURES, "run", "--no-write-lock-file", "--override-input", "nixpkgs",
                          f"path:{ROOT / 'tests/nixpkgs-shim'}", f"path:{ROOT}", "--", "--version"],
                         cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.startswith("mach-nix ")


@pytest.mark.slow
@pytest.mark.network
def test_manylinux_wheel_is_patched_and_runs(tmp_path: Path) -> None:
    """numpy's manylinux wheel: autoPatchelf finds its bundled OpenBLAS/gfortran (numpy.libs), the
    manylinux2014 libraries, and zlib; linear algebra then works."""
    out = nix_build(COMMON + "machNix.mkPython { lockFile = ./tests/nix/locks/host/numpy.json; }", tmp_path / "result")
    proc = subprocess.run([str(out / "bin" / "python"), "-c",
                           "import numpy, certifi; print(numpy.__version__, numpy.linalg.inv(numpy.eye(3) * 2).sum())"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["2.1.3", "1.5"]


@pytest.mark.slow
@pytest.mark.network
def test_auto_patchelf_fails_on_an_unsatisfied_library() -> None:
    """Without zlib the same wheel must fail to build, naming the library (the shim's
    autoPatchelfHook is as strict as nixpkgs')."""
    expr = COMMON + ('(machNix.mkPython { lockFile = ./tests/nix/locks/host/numpy.json; overridesPost = f: p: '
                     '{ numpy = p.numpy.overridePythonAttrs (o: { buildInputs = pkgs.pythonManylinuxPackages.manylinux2014; }); }; })'
                     '.passthru.python.pkgs.numpy')
    proc = subprocess.run(["nix-build", "--no-out-link", "--expr", expr], cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert proc.returncode != 0
    assert "auto-patchelf could not satisfy dependency libz.so.1" in proc.stderr


def installed_versions(python: Path) -> dict:
    script = "import json, importlib.metadata as m; print(json.dumps({d.metadata['Name']: d.version for d in m.distributions()}))"
    out = subprocess.run([str(python), "-c", script], capture_output=True, text=True, check=True).stdout
    return {re.sub(r"[-_.]+", "-", k).lower(): v for k, v in json.loads(out).items()}


@pytest.mark.slow
@pytest.mark.network
@pytest.mark.parametrize("name, requirements, imports", [
    ("requests", '"requests\\n"', "requests"),
    ("web", f"builtins.readFile {ROOT / 'tests' / 'data' / 'requirements' / 'sets' / 'web.txt'}",
     "django, rest_framework, celery, redis, psycopg2, gunicorn, requests"),
])
def test_ifd_env_from_the_real_index(tmp_path: Path, name: str, requirements: str, imports: str) -> None:
    """IFD resolution on the crawled index, then a build from PyPI: imports work and every installed
    distribution has the version the lock (read back from the env's passthru) says."""
    m = f"(import {ROOT} {{ pkgs = import {ROOT / 'tests/nixpkgs-shim'} {{ }}; pypiData = {REAL_DATA}; }})"
    env = f"{m}.mkPython {{ requirements = {requirements}; }}"
    out = nix_build(env, tmp_path / "result")
    proc = subprocess.run([str(out / "bin" / "python"), "-c", f"import {imports}"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    lock = nix_eval(f"({env}).passthru.lock.packages")
    assert lock.returncode == 0, lock.stderr[-2000:]
    packages = json.loads(lock.stdout)
    expected = {n: p["version"] for n, p in packages.items() if not p.get("build_only")}
    assert installed_versions(out / "bin" / "python") == expected
    if REAL_DATA == ROOT / "data":  # the embedded index's needs table (data/needs) serves the IFD too
        req_file = tmp_path / "requirements.txt"
        req_file.write_text(json.loads(nix_eval(requirements).stdout))
        cli_lock = tmp_path / "cli.json"
        assert main(["lock", "-q", "-r", str(req_file), "--python", PY_FULL, "--glibc", GLIBC, "--offline",
                     "--cache-dir", str(tmp_path / "cache"), "-o", str(cli_lock)]) == 0
        cli_packages = json.loads(cli_lock.read_text())["packages"]
        assert {n: p.get("needs") for n, p in packages.items()} == {n: p.get("needs") for n, p in cli_packages.items()}
        assert any(p.get("needs") is not None for p in packages.values())


@pytest.mark.parametrize("ignore", [False, True])
def test_env_collisions_fail_unless_ignored(tmp_path: Path, ignore: bool) -> None:
    mk = ('mk = n: ps.toPythonModule (pkgs.runCommand n { } '
          f'"mkdir -p $out/lib/python{PY}/site-packages; echo ${{n}} > $out/lib/python{PY}/site-packages/same.py");')
    expr = (SHIM_LET + mk + " in pkgs.python3.buildEnv.override { extraLibs = [ (mk \"a\") (mk \"b\") ]; "
            f"ignoreCollisions = {'true' if ignore else 'false'}; }}")
    proc = subprocess.run(["nix-build", "--no-out-link", "--expr", expr], cwd=ROOT, capture_output=True, text=True, timeout=600)
    if ignore:
        assert proc.returncode == 0, proc.stderr[-2000:]
    else:
        assert proc.returncode != 0
        assert "collision between" in proc.stderr


@pytest.mark.slow
@pytest.mark.network
def test_sdist_builds_with_the_locked_build_tool(tmp_path: Path) -> None:
    """idna 3.10 built from its sdist with the lock's flit-core 3.12.0 (the set keeps 3.10.1)."""
    out = nix_build(COMMON + "machNix.mkPython { lockFile = ./tests/nix/locks/host/idna-newer-flit.json; }", tmp_path / "result")
    assert installed_versions(out / "bin" / "python") == {"idna": "3.10"}


def test_no_builder_lets_bash_exec_its_last_command() -> None:
    """`bash -c "a && cp …"` execs the last `cp`, which closes stderr before exiting, and Nix kills
    the builder (signal 9, NixOS/nix#2176, ~1 fresh-store build in 5). Every `-c` builder of the shim,
    lib/ and the Nix tests must end with `; exit $?` so bash keeps the last command a child."""
    proc = nix_eval(SHIM + '(pkgs.runCommand "x" { } "").stdenv.args')
    assert proc.returncode == 0, proc.stderr[-2000:]
    args = json.loads(proc.stdout)
    assert args[0] == "-c" and args[1].rstrip().endswith("; exit $?"), args
    offenders = []
    for d in ("lib", "tests/nixpkgs-shim", "tests/nix", "examples"):
        for f in (ROOT / d).rglob("*.nix"):
            for m in re.finditer(r'args\s*=\s*\[\s*"-c"\s*"((?:[^"\\]|\\.)*)"', f.read_text()):
                if not m.group(1).rstrip().endswith("exit $?"):
                    offenders.append(f"{f.relative_to(ROOT)}: {m.group(1)[:80]}")
    assert offenders == []


def test_setup_nix_sets_the_nix_conf_keys(tmp_path: Path) -> None:
    """Debian 13's nix-bin ships `sandbox = true`: .ci/setup-nix.sh must overwrite keys, not only
    add missing ones (an indented key counts too), and keep the other settings. `relaxed`: the
    stand-in's builds are sandboxed, its bootstrap imports (`__noChroot`) are not."""
    conf = tmp_path / "nix.conf"
    conf.write_text("build-users-group = nixbld\nsandbox = true\n  substituters = https://cache.nixos.org\n")
    proc = subprocess.run(["bash", str(ROOT / ".ci" / "setup-nix.sh")], env={**os.environ, "MACH_NIX_NIX_CONF": str(conf)},
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert conf.read_text().splitlines() == [
        "build-users-group = nixbld", "sandbox = relaxed", "substituters =", "sandbox-paths = /bin/sh=/usr/bin/bash-static",
        "experimental-features = nix-command flakes"]


def test_runs_on_the_selected_nix_installation(nix_installation: str) -> None:
    """The [nix-modern] run really uses the current Nix and its own store (not the host's 2.8)."""
    proc = nix_eval("{ v = builtins.nixVersion; s = builtins.storeDir; }")
    assert proc.returncode == 0, proc.stderr[-2000:]
    got = json.loads(proc.stdout)
    assert got["s"] == store_dir()
    if nix_installation == "nix-modern":
        assert tuple(map(int, got["v"].split(".")[:2])) >= (2, 19), got
        assert got["s"] != "/nix/store"
    assert nix_version() == tuple(map(int, got["v"].split(".")[:2]))


def test_shim_follows_the_host_interpreter_and_glibc() -> None:
    """The stand-in reads Python and glibc from the host (host.json); given Debian 13's (3.13.5,
    glibc 2.41) it names its interpreter python313, pins cp313 wheels and reports glibc 2.41."""
    proc = nix_eval('let p = import ./tests/nixpkgs-shim { hostPythonVersion = "3.13.5"; glibcVersion = "2.41"; }; in '
                    "{ attr = p.python3.pythonAttr; same = p.python313.version == p.python3.version; "
                    "inherit (p.python3) sitePackages version; glibc = p.stdenv.cc.libc.version; "
                    "orjson = p.python3.pkgs.orjson.src.name; lz4 = p.python3.pkgs.lz4.version; "
                    "target = (import ./lib/target.nix { inherit (p) lib; }).fromPython { python = p.python3; inherit (p) stdenv; }; }")
    assert proc.returncode == 0, proc.stderr[-2000:]
    got = json.loads(proc.stdout)
    assert got == {"attr": "python313", "same": True, "sitePackages": "lib/python3.13/site-packages", "version": "3.13.5",
                   "glibc": "2.41", "orjson": "orjson-3.10.12-cp313-cp313-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
                   "lz4": "4.4.3", "target": {"python": "3.13", "python_full": "3.13.5", "implementation": "cpython",
                                              "system": "x86_64-linux", "glibc": "2.41", "macos": None}}
    # And by default it is this host's, from host.json.
    proc = nix_eval("let p = import ./tests/nixpkgs-shim { }; in [ p.python3.version p.stdenv.cc.libc.version ]")
    assert json.loads(proc.stdout) == [PY_FULL, GLIBC]


def test_membership_check_wants_this_interpreter() -> None:
    """ensurePythonModules: a module of another interpreter in the set is refused."""
    expr = ('let pkgs = import ./tests/nixpkgs-shim { }; other = import ./tests/nixpkgs-shim { hostPythonVersion = "3.9.2"; }; '
            "py = pkgs.python3.override { packageOverrides = f: p: { foreign = other.python3.pkgs.certifi; }; }; "
            "in py.pkgs.foreign.drvPath")
    proc = nix_eval(expr)
    assert proc.returncode != 0
    assert "should use `buildPythonPackage` or `toPythonModule`" in proc.stderr, proc.stderr[-2000:]
