"""mkPython { lockFile = ./uv.lock | ./poetry.lock | ./pylock.toml; } on the nixpkgs stand-in.

The Nix conversion (lib/foreign-lock.nix, pure evaluation, no import from derivation) must agree
with `mach-nix lock --from` for the same target, and the environments it builds must hold exactly
the versions the source lock records.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from mach_nix.inputs.foreign import parse_toml
from mach_nix.names import normalize

ROOT = Path(__file__).resolve().parents[2]
FOREIGN = ROOT / "tests" / "data" / "foreign"
COMMON = f"with import {ROOT / 'tests' / 'nix' / 'common.nix'} {{ pypiData = {ROOT / 'data'}; }}; "
CASES = {
    # name: (lock, extras, groups)
    "uv": ("uv/uv.lock", ["socks"], ["dev"]),
    "uv-plain": ("uv/uv.lock", [], []),
    "pylock": ("uv/pylock.toml", [], []),
    "poetry": ("poetry-indexed/poetry.lock", ["socks"], []),
    "uv-url": ("uv-url/uv.lock", [], []),
}
SHIM_TARGET = COMMON + "target.fromPython { python = pkgs.python3; inherit (pkgs) stdenv; }"

pytestmark = [pytest.mark.nix]


def nix_list(items) -> str:
    return "[ " + " ".join(json.dumps(i) for i in items) + " ]"


def mk_args(case: str) -> str:
    lock, extras, groups = CASES[case]
    return f"{{ lockFile = {FOREIGN / lock}; extras = {nix_list(extras)}; groups = {nix_list(groups)}; }}"


def nix_eval(expr: str, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(["nix-instantiate", "--eval", "--strict", "--json", *extra, "--expr", expr], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)


def essentials(packages: dict) -> dict:
    keys = ("version", "provider", "filename", "url", "sha256", "dependencies", "extras", "wheel_tags")
    return {n: {k: e.get(k) for k in keys} | {"build_system": (e.get("build_system") or {}).get("requires")}
            for n, e in packages.items()}


@pytest.fixture(scope="module")
def shim_target() -> dict:
    proc = nix_eval(SHIM_TARGET)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout)


@pytest.mark.parametrize("case", sorted(CASES))
def test_nix_conversion_agrees_with_the_cli_and_needs_no_ifd(case, shim_target, tmp_path):
    proc = nix_eval(COMMON + f"(machNix.mkPython {mk_args(case)}).lock", "--option", "allow-import-from-derivation",
                    "false")
    assert proc.returncode == 0, proc.stderr[-3000:]
    from_nix = json.loads(proc.stdout)
    lock, extras, groups = CASES[case]
    cmd = [sys.executable, "-m", "mach_nix", "lock", "--from", str(FOREIGN / lock), "--offline", "-q",
           "--python", shim_target["python_full"], "--glibc", shim_target["glibc"], "-o", str(tmp_path / "l.json")]
    cmd += [a for x in extras for a in ("--extra", x)] + [a for g in groups for a in ("--group", g)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    from_cli = json.loads((tmp_path / "l.json").read_text())
    assert from_nix["roots"] == from_cli["roots"]
    assert essentials(from_nix["packages"]) == essentials(from_cli["packages"])


def test_a_file_the_index_lacks_throws_with_the_cli_command():
    # on the small test index, which holds none of the lock's newest files (data/ may, once rebuilt)
    small = f"with import {ROOT / 'tests' / 'nix' / 'common.nix'} {{ }}; "
    proc = nix_eval(small + f"(machNix.mkPython {{ lockFile = {FOREIGN / 'poetry' / 'poetry.lock'}; }}).drvPath")
    assert proc.returncode != 0
    assert "certifi-2026.10.19.post1-py3-none-any.whl (certifi) has no URL in the lock nor in the index" in proc.stderr
    assert "mach-nix lock --from poetry.lock --python" in proc.stderr


def test_unknown_extra_and_format_throw():
    proc = nix_eval(COMMON + f'(machNix.mkPython {{ lockFile = {FOREIGN / "uv" / "uv.lock"}; extras = [ "sock" ]; }}).drvPath')
    assert proc.returncode != 0 and "demo-app has no extra sock (it has: socks)" in proc.stderr
    proc = nix_eval(COMMON + f'(machNix.mkPython {{ lockFile = {FOREIGN / "uv" / "uv.lock"}; lockFormat = "pdm"; }}).drvPath')
    assert proc.returncode != 0 and 'lockFormat = "pdm" is not one of uv, poetry, pylock' in proc.stderr


@pytest.mark.slow
@pytest.mark.network
@pytest.mark.parametrize("case", ["uv", "pylock", "poetry"])
def test_environment_holds_the_source_locks_versions(case, tmp_path):
    out = tmp_path / "result"
    build = subprocess.run(["nix-build", "--expr", COMMON + f"machNix.mkPython {mk_args(case)}", "-o", str(out)],
                           cwd=ROOT, capture_output=True, text=True, timeout=1800)
    assert build.returncode == 0, build.stderr[-4000:]
    script = ("import json, importlib.metadata as m;"
              "print(json.dumps({d.metadata['Name']: d.version for d in m.distributions()}))")
    run = subprocess.run([str(out / "bin" / "python"), "-c", script], capture_output=True, text=True, check=True)
    installed = {normalize(n): v for n, v in json.loads(run.stdout).items()}
    source = FOREIGN / CASES[case][0]
    doc = parse_toml(source, source.read_text())
    locked = {normalize(p["name"]): p.get("version") for p in doc.get("package") or doc.get("packages")}
    lock = json.loads(nix_eval(COMMON + f"(machNix.mkPython {mk_args(case)}).lock").stdout)
    assert set(installed) >= set(lock["packages"])
    assert {n: installed[n] for n in lock["packages"]} == {n: locked[n] for n in lock["packages"]}
    assert "six" not in installed  # a win32-only dependency of the project


@pytest.mark.slow
@pytest.mark.network
def test_build_python_application_from_its_uv_lock(tmp_path):
    """The lock's own project (uv's editable member) is built from `src`; its dependencies come from the lock."""
    project = tmp_path / "app"
    (project / "src" / "demo_app").mkdir(parents=True)
    (project / "src" / "demo_app" / "__init__.py").write_text("import requests, click, socks\nVERSION = requests.__version__\n")
    text = (FOREIGN / "uv" / "pyproject.toml").read_text()
    # the stand-in has setuptools, not hatchling: the backend does not change what uv locked
    (project / "pyproject.toml").write_text(text.replace('requires = ["hatchling"]', 'requires = ["setuptools>=61"]')
                                            .replace('"hatchling.build"', '"setuptools.build_meta"'))
    (project / "uv.lock").write_text((FOREIGN / "uv" / "uv.lock").read_text())
    app = (f"machNix.buildPythonApplication {{ src = {project}; lockFile = {project / 'uv.lock'}; "
           'extras = [ "socks" ]; }')
    proc = nix_eval(COMMON + f"let app = {app}; in map (d: d.pname + \"-\" + d.version) app.propagatedBuildInputs")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert sorted(d for d in json.loads(proc.stdout) if not d.startswith("python3-")) == \
        ["click-8.5.1", "docopt-0.6.2", "pysocks-1.7.1", "requests-2.34.2"]
    # buildPythonPackage makes the same project importable in an environment (an application is not a module)
    package = app.replace("buildPythonApplication", "buildPythonPackage")
    env = f"let package = {package}; in package.passthru.python.withPackages (ps: [ package ])"
    out = tmp_path / "result"
    build = subprocess.run(["nix-build", "--expr", COMMON + env, "-o", str(out)], cwd=ROOT, capture_output=True,
                           text=True, timeout=1800)
    assert build.returncode == 0, build.stderr[-4000:]
    run = subprocess.run([str(out / "bin" / "python"), "-c", "import demo_app; print(demo_app.VERSION)"],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "2.34.2"


def test_a_path_source_is_copied_from_beside_the_lock(tmp_path):
    """uv.lock's hashed local wheel (`source = { path = … }`): built from the file next to the lock, no fetch."""
    lock = FOREIGN / "uv-path" / "uv.lock"
    proc = nix_eval(COMMON + f"let l = (machNix.mkPython {{ lockFile = {lock}; }}).lock; in "
                    "{ roots = l.roots; path = toString l.packages.six.path; }")
    assert proc.returncode == 0, proc.stderr[-3000:]
    got = json.loads(proc.stdout)
    assert got == {"roots": ["six"], "path": str(FOREIGN / "uv-path" / "wheels" / "six-1.16.0-py2.py3-none-any.whl")}
    out = tmp_path / "result"
    build = subprocess.run(["nix-build", "--expr", COMMON + f"machNix.mkPython {{ lockFile = {lock}; }}", "-o", str(out)],
                           cwd=ROOT, capture_output=True, text=True, timeout=1800)
    assert build.returncode == 0, build.stderr[-4000:]
    run = subprocess.run([str(out / "bin" / "python"), "-c", "import six; print(six.__version__)"],
                         capture_output=True, text=True)
    assert run.stdout.strip() == "1.16.0", run.stderr
    # A lock whose hash the file does not have (a hash never seen, so that no store path stands in for it)
    import hashlib

    other = hashlib.sha256(str(tmp_path).encode()).hexdigest()
    tampered = tmp_path / "tampered"
    (tampered / "wheels").mkdir(parents=True)
    (tampered / "uv.lock").write_text(lock.read_text().replace("8abb2f1d86890a2dfb989f9a77cfcfd3e47c2a354b01111771326f8aa26e0254", other))
    (tampered / "wheels" / "six-1.16.0-py2.py3-none-any.whl").write_bytes(
        (FOREIGN / "uv-path" / "wheels" / "six-1.16.0-py2.py3-none-any.whl").read_bytes())
    bad = subprocess.run(["nix-build", "--expr", COMMON + f"machNix.mkPython {{ lockFile = {tampered / 'uv.lock'}; }}",
                          "-o", str(tmp_path / "bad")], cwd=ROOT, capture_output=True, text=True, timeout=1800)
    assert bad.returncode != 0 and "mismatch" in bad.stderr, bad.stderr[-2000:]
    assert not (tmp_path / "bad").exists()
