"""Nix tests of issue 5 on tests/nixpkgs-shim: the nixpkgs provider, local projects
(buildPythonPackage/Application from a pyproject), the editable shell, mkDockerImage, one-liners
and the examples (marker `nix`; IFD and builds also `slow`)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from nix_support import PY, store_dir

ROOT = Path(__file__).resolve().parents[3]
NIX_TESTS = ROOT / "tests" / "nix"
COMMON = f"with import {NIX_TESTS / 'common.nix'} {{ }}; "
FEATURES = ["--extra-experimental-features", "nix-command flakes"]
SHIM = ROOT / "tests" / "nixpkgs-shim"

pytestmark = [
    pytest.mark.nix,
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
    assert got["flit-core"] == {"version": "3.12.0", "attr": "flit-core"}  # not the flit_core alias
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


# --- local projects ----------------------------------------------------------------------------

APP = ROOT / "examples" / "app"
HOST_LOCKS = ROOT / "tests" / "nix" / "locks" / "host"  # the committed locks made for this host (conftest)
APP_LOCK = HOST_LOCKS / "example-app.json"


@pytest.mark.slow
def test_project_from_pyproject_resolves_its_requirements() -> None:
    """buildPythonApplication { src = ./examples/app; }: name and version from [project], the
    dependencies (+ extras, + requirementsExtra) resolved through IFD, the build system from
    [build-system] (setuptools: nixpkgs' own), other arguments passed through."""
    got = ok_json(nix_eval(COMMON + (
        'let a = machNix.buildPythonApplication { src = ./examples/app; extras = [ "speed" ]; requirementsExtra = "idna<3.8"; '
        'pythonImportsCheck = [ "hello_mach_nix" ]; meta.mainProgram = "hello-mach-nix"; }; in '
        "{ inherit (a) name; deps = lib.sort (x: y: x < y) (map (d: d.pname) a.passthru.dependencies); "
        "bs = map (d: d.drvPath) a.passthru.build-system; setuptools = pkgs.python3.pkgs.setuptools.drvPath; "
        "roots = a.passthru.lock.roots; idna = a.passthru.lock.packages.idna.version; main = a.meta.mainProgram; "
        "ic = a.drvAttrs.pythonImportsCheck; }")))
    assert got["name"] == "hello-mach-nix-0.1.0"
    assert got["deps"] == ["charset-normalizer", "idna", "requests"]
    assert got["bs"] == [got["setuptools"]]
    assert got["idna"] == "3.7"
    assert got["main"] == "hello-mach-nix"
    assert "hello_mach_nix" in str(got["ic"])


@pytest.mark.slow
def test_project_build_requirement_outside_nixpkgs_version_is_resolved(tmp_path: Path) -> None:
    """A project whose [build-system] requires `flit_core>=3.2,<3.10` on a nixpkgs whose flit-core is
    newer (3.10.1 or later). Before: nixpkgs' flit-core was taken because the set has the name, bounds unchecked
    (the build then stops on the backend's version). Now: the requirement is resolved with the rest
    (3.9.0 from the index) and the build uses the lock's flit-core; a fitting one stays nixpkgs'."""
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["flit_core>=3.2,<3.10"]\nbuild-backend = "flit_core.buildapi"\n'
        '[project]\nname = "old-flit-user"\nversion = "1.0"\ndescription = "x"\ndependencies = []\n')
    (tmp_path / "pkg" / "old_flit_user.py").write_text('"""A module."""\n')
    got = ok_json(nix_eval(COMMON + (
        f"let p = machNix.buildPythonPackage {{ src = {tmp_path / 'pkg'}; }}; in "
        "{ bs = map (d: d.version) p.passthru.build-system; locked = p.passthru.lock.packages.flit-core.version or null; "
        "nixpkgs = pkgs.python3.pkgs.flit-core.version; }")))
    assert tuple(map(int, got["nixpkgs"].split(".")[:2])) >= (3, 10), got
    assert got["bs"] == ["3.9.0"] and got["locked"] == "3.9.0", got


@pytest.mark.slow
def test_project_from_static_setup_cfg() -> None:
    got = ok_json(nix_eval(COMMON + (
        'let p = machNix.buildPythonPackage { src = ./tests/nix/projects/cfg; extras = [ "idn" ]; }; in '
        "{ inherit (p) pname version; deps = lib.sort (x: y: x < y) (map (d: d.pname) p.passthru.dependencies); "
        "bs = map (d: d.pname) p.passthru.build-system; }")))
    assert got == {"pname": "cfg_tool", "version": "0.2.0", "deps": ["idna", "requests", "six"],
                   "bs": ["setuptools", "wheel"]}


@pytest.mark.slow
def test_project_src_can_be_a_derivation() -> None:
    """src = a derivation: its setup.cfg is read by import from derivation."""
    got = ok_json(nix_eval(COMMON + (
        'let src = pkgs.runCommand "cfg-src" { } "cp -r ${./tests/nix/projects/cfg} $out"; '
        "p = machNix.buildPythonPackage { inherit src; }; in "
        "{ inherit (p) version; deps = lib.sort (x: y: x < y) (map (d: d.pname) p.passthru.dependencies); }")))
    assert got == {"version": "0.2.0", "deps": ["requests", "six"]}


@pytest.mark.slow
def test_project_src_can_be_a_url_with_hash() -> None:
    """src = { url; sha256; }: fetched, unpacked (top directory stripped), metadata read by IFD."""
    import hashlib
    import tarfile

    import tempfile

    # Nix's build users must be able to read it (pytest's tmp_path is private to root).
    public = Path(tempfile.mkdtemp(prefix="mach-nix-test-", dir="/tmp"))
    public.chmod(0o755)
    archive = public / "cfg_tool-0.2.0.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(ROOT / "tests/nix/projects/cfg", arcname="cfg_tool-0.2.0")
    sha = hashlib.sha256(archive.read_bytes()).hexdigest()
    # Served on loopback: a fixed-output build reaches the network, not the host's files (sandbox).
    import functools
    import http.server
    import threading
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(public))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/{archive.name}"
        got = ok_json(nix_eval(COMMON + (
            f'let p = machNix.buildPythonPackage {{ src = {{ url = "{url}"; sha256 = "{sha}"; }}; }}; in '
            "{ inherit (p) version; deps = lib.sort (x: y: x < y) (map (d: d.pname) p.passthru.dependencies); }")))
    finally:
        server.shutdown()
    assert got == {"version": "0.2.0", "deps": ["requests", "six"]}
    shutil.rmtree(public)


@pytest.mark.slow
def test_project_without_metadata_takes_explicit_arguments() -> None:
    got = ok_json(nix_eval(COMMON + (
        'let p = machNix.buildPythonPackage { src = ./tests/nix/projects/bare; pname = "bare"; version = "0.3"; '
        'requirements = "six"; }; in { inherit (p) name; deps = map (d: d.pname) p.passthru.dependencies; }')))
    assert got == {"name": f"python{PY}-bare-0.3", "deps": ["six"]}


@pytest.mark.parametrize("args, message", [
    ("src = ./tests/nix/projects/dynamic;", "does not give version, dependencies statically (missing, or listed in `dynamic`"),
    ("src = ./tests/nix/projects/dynamic;", 'Give version = "…", requirements = "…"'),
    ("src = ./tests/nix/projects/bare;", "has no pyproject.toml with [project] or [tool.poetry], and no setup.cfg"),
])
def test_project_metadata_errors(args: str, message: str) -> None:
    proc = nix_eval(COMMON + f"(machNix.buildPythonPackage {{ {args} }}).drvPath")
    assert proc.returncode != 0
    assert message in proc.stderr, proc.stderr[-2000:]


@pytest.mark.slow
@pytest.mark.network
def test_pyproject_application_builds_and_runs(tmp_path: Path) -> None:
    """examples/app (committed lock): the console script runs with the locked requests."""
    lock = json.loads(APP_LOCK.read_text())
    proc = subprocess.run(["nix-build", "--expr", COMMON + f"import ./examples/app {{ inherit pkgs machNix; lockFile = {APP_LOCK}; }}",
                           "-o", str(tmp_path / "app")], cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = subprocess.run([str(tmp_path / "app" / "bin" / "hello-mach-nix")], capture_output=True, text=True)
    assert out.stdout.strip() == f"hello from mach-nix with requests {lock['packages']['requests']['version']}"


@pytest.mark.slow
@pytest.mark.network
def test_editable_shell_sees_edits_without_rebuild(tmp_path: Path) -> None:
    """An editable shell (the committed lock's environment, buildable here): the project's src/
    comes first on the path, so a change to the source shows in the next run, with no rebuild."""
    project = tmp_path / "proj"
    shutil.copytree(APP, project, ignore=shutil.ignore_patterns("result*"))
    expr = (COMMON + f'machNix.mkPythonShell {{ lockFile = {APP_LOCK}; editable = "{project}"; }}')
    run = ["nix-shell", "-E", expr, "--run", "python -c 'import hello_mach_nix as h; h.main(); print(h.__file__)'"]
    first = subprocess.run(run, cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert first.returncode == 0, first.stderr[-3000:]
    assert first.stdout.strip().splitlines()[-1] == str(project / "src" / "hello_mach_nix" / "__init__.py")
    init = project / "src" / "hello_mach_nix" / "__init__.py"
    init.write_text(init.read_text().replace("hello from mach-nix", "edited"))
    second = subprocess.run(run, cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert second.stdout.strip().splitlines()[-2].startswith("edited with requests ")


@pytest.mark.slow
def test_editable_shell_from_pyproject() -> None:
    """mkPythonShell { pyproject = ./pyproject.toml; editable = true; }: deps resolved from the
    pyproject (IFD), the source directory taken from the pyproject's location (not copied)."""
    got = ok_json(nix_eval(COMMON + (
        "let s = machNix.mkPythonShell { pyproject = ./examples/app/pyproject.toml; editable = true; }; in "
        "{ dir = s.passthru.editableDir; hook = s.shellHook; roots = s.passthru.env.passthru.lock.roots; }")))
    assert got["dir"] == str(APP / "src")
    assert f"export PYTHONPATH='{APP / 'src'}'" in got["hook"]
    assert got["roots"] == ["requests"]


@pytest.mark.parametrize("editable, message", [
    ('"@store@/0000-src"', "is in the Nix store"),
    ('"relative/dir"', "is not an absolute path"),
    ("true", "editable = true needs `pyproject`"),
])
def test_editable_errors(editable: str, message: str) -> None:
    editable = editable.replace("@store@", store_dir())  # the selected Nix installation's store
    proc = nix_eval(COMMON + f"(machNix.mkPythonShell {{ lockFile = ./tests/nix/locks/host/requests.json; editable = {editable}; }}).drvPath")
    assert proc.returncode != 0
    assert message in proc.stderr, proc.stderr[-2000:]


@pytest.mark.slow
@pytest.mark.network
def test_docker_image_is_a_layered_archive(tmp_path: Path) -> None:
    import tarfile

    expr = COMMON + ('machNix.mkDockerImage { lockFile = ./tests/nix/locks/host/requests.json; name = "req"; tag = "t1"; '
                     'maxLayers = 4; config.WorkingDir = "/srv"; }')
    proc = subprocess.run(["nix-build", "--expr", expr, "-o", str(tmp_path / "img")], cwd=ROOT,
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    with tarfile.open(tmp_path / "img") as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
        assert manifest[0]["RepoTags"] == ["req:t1"]
        assert len(manifest[0]["Layers"]) == 4  # 3 store-path layers (the rest merged) + customisation
        config = json.load(tar.extractfile(manifest[0]["Config"]))
        assert config["config"]["WorkingDir"] == "/srv"
        assert config["config"]["Cmd"][0].endswith("-env/bin/python")
        top = tarfile.open(fileobj=tar.extractfile(manifest[0]["Layers"][-1]))
        assert "bin/python" in top.getnames()


# --- one-liners and examples -------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.network
def test_shellWith_one_liner() -> None:
    """nix-shell default.nix -A shellWith --argstr requirements "requests six" (the embedded index)."""
    proc = subprocess.run(["nix-shell", "default.nix", "-A", "shellWith", "--argstr", "requirements", "requests six",
                           "--arg", "pkgs", f"import {SHIM} {{ }}", "--run",
                           "python -c 'import requests, six; print(requests.__name__, six.__name__)'"],
                          cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip().splitlines()[-1] == "requests six"


def test_shellWith_without_requirements_says_how() -> None:
    proc = nix_eval(f"(import {ROOT} {{ pkgs = import {SHIM} {{ }}; }}).shellWith.drvPath")
    assert proc.returncode != 0
    assert 'shellWith needs --argstr requirements "requests pandas"' in proc.stderr


def test_examples_evaluate() -> None:
    """examples/data-science (manylinux numpy), examples/app (pyproject application) and the
    editable examples/app/shell.nix evaluate against the shim with import-from-derivation off."""
    expr = (COMMON + f"{{ ds = (import ./examples/data-science {{ inherit pkgs machNix; lockFile = {HOST_LOCKS / 'example-data-science.json'}; }}).passthru.python.pkgs.numpy.passthru.machNix.manylinux; "
            f"app = (import ./examples/app {{ inherit pkgs machNix; lockFile = {APP_LOCK}; }}).name; "
            f"shell = (import ./examples/app/shell.nix {{ inherit pkgs machNix; lockFile = {APP_LOCK}; }}).passthru.editableDir; }}")
    proc = subprocess.run(["nix-instantiate", "--option", "allow-import-from-derivation", "false", "--eval", "--strict",
                           "--json", "--expr", expr], cwd=ROOT, capture_output=True, text=True, timeout=600)
    got = ok_json(proc)
    assert got == {"ds": "manylinux2014", "app": "hello-mach-nix-0.1.0", "shell": str(ROOT / "examples" / "app" / "src")}


@pytest.mark.slow
@pytest.mark.network
def test_flake_one_liners(tmp_path: Path) -> None:
    """nix shell .#gen.python.requests.six and nix build .#gen.docker.requests, with the shim as nixpkgs."""
    flake = ["--no-write-lock-file", "--override-input", "nixpkgs", f"path:{SHIM}"]
    shell = subprocess.run(["nix", *FEATURES, "shell", *flake, f"path:{ROOT}#gen.python.requests.six", "-c",
                            "python", "-c", "import requests, six; print(requests.__name__, six.__name__)"],
                           cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert shell.returncode == 0, shell.stderr[-3000:]
    assert shell.stdout.strip() == "requests six"
    build = subprocess.run(["nix", *FEATURES, "build", *flake, f"path:{ROOT}#gen.docker.requests",
                            "-o", str(tmp_path / "img")], cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert build.returncode == 0, build.stderr[-3000:]
    import tarfile

    with tarfile.open(tmp_path / "img") as tar:
        assert json.load(tar.extractfile("manifest.json"))[0]["RepoTags"] == ["requests:latest"]


def test_one_liner_names_come_from_the_index() -> None:
    got = ok_json(nix_eval(COMMON + "{ n = builtins.length machNix.gen.names; req = machNix.gen.python ? requests; "
                           "nested = machNix.gen.python.requests ? six; notAName = machNix.gen.python ? left-pad; }"))
    assert got == {"n": 58, "req": True, "nested": True, "notAName": False}


@pytest.mark.slow
@pytest.mark.network
def test_example_project_flake_runs_and_its_shell_needs_impure() -> None:
    """examples/app/flake.nix with this checkout as its mach-nix input and the shim as nixpkgs."""
    flake = ["--no-write-lock-file", "--override-input", "mach-nix", f"path:{ROOT}",
             "--override-input", "mach-nix/nixpkgs", f"path:{SHIM}"]
    run = subprocess.run(["nix", *FEATURES, "run", *flake, f"path:{APP}"], cwd=APP, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout.startswith("hello from mach-nix with requests ")
    attr = f"path:{APP}#devShells.x86_64-linux.default.passthru.editableDir"
    pure = subprocess.run(["nix", *FEATURES, "eval", *flake, attr], cwd=APP, capture_output=True, text=True, timeout=900)
    assert "Run `nix develop --impure`" in pure.stderr
    impure = subprocess.run(["nix", *FEATURES, "eval", "--impure", "--raw", *flake, attr], cwd=APP,
                            env={**os.environ, "PWD": str(APP)}, capture_output=True, text=True, timeout=900)
    assert impure.returncode == 0, impure.stderr[-3000:]
    assert impure.stdout == str(APP / "src")


def test_project_with_a_stale_lock_warns() -> None:
    proc = nix_eval(COMMON + "(machNix.buildPythonApplication { src = ./examples/app; lockFile = ./tests/nix/locks/host/numpy.json; }).name")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "numpy.json has no requests, which" in proc.stderr and "re-lock" in proc.stderr


@pytest.mark.slow
def test_example_default_nix_and_template_flake_evaluate() -> None:
    """examples/default.nix (IFD on the small index) and examples/flake.nix (the template; this
    checkout as its mach-nix input, the shim as nixpkgs, IFD on the embedded index)."""
    small = f"import {ROOT} {{ pkgs = import {SHIM} {{ }}; pypiData = {ROOT / 'tests/data/index-small'}; }}"
    got = ok_json(nix_eval(f"(import {ROOT / 'examples'} {{ machNix = {small}; }}).passthru.lock.roots"))
    assert got == ["requests"]
    flake = ["--no-write-lock-file", "--override-input", "mach-nix", f"path:{ROOT}",
             "--override-input", "mach-nix/nixpkgs", f"path:{SHIM}"]
    proc = subprocess.run(["nix", *FEATURES, "eval", "--json", *flake,
                           f"path:{ROOT / 'examples'}#packages.x86_64-linux.default.passthru.lock.roots"],
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert json.loads(proc.stdout) == ["requests"]
