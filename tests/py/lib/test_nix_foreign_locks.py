"""mkPython { lockFile = ./uv.lock | ./poetry.lock | ./pylock.toml; } on the nixpkgs stand-in.

The Nix conversion (lib/foreign-lock.nix, pure evaluation, no import from derivation) agrees with
`mach-nix lock --from` on the cases of tests/data/golden/foreign-locks.json
(test_golden_foreign_locks.py); here: mkPython reaches it without import from derivation, its
errors, and the environments it builds hold exactly the versions the source lock records.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from mach_nix.inputs.foreign import parse_toml
from mach_nix.names import normalize

ROOT = Path(__file__).resolve().parents[3]
FOREIGN = ROOT / "tests" / "data" / "foreign"
COMMON = f"with import {ROOT / 'tests' / 'nix' / 'common.nix'} {{ pypiData = {ROOT / 'data'}; }}; "
# the environments built from a source lock (network: they fetch the locked files)
CASES = {
    # name: (lock, extras, groups)
    "uv": ("uv/uv.lock", ["socks"], ["dev"]),
    "pylock": ("uv/pylock.toml", [], []),
    "poetry": ("poetry-indexed/poetry.lock", ["socks"], []),
}

pytestmark = [pytest.mark.nix]


def nix_list(items) -> str:
    return "[ " + " ".join(json.dumps(i) for i in items) + " ]"


def mk_args(case: str) -> str:
    lock, extras, groups = CASES[case]
    return f"{{ lockFile = {FOREIGN / lock}; extras = {nix_list(extras)}; groups = {nix_list(groups)}; }}"


def nix_eval(expr: str, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(["nix-instantiate", "--eval", "--strict", "--json", *extra, "--expr", expr], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)


def test_mkpython_converts_the_golden_locks_without_ifd():
    """mkPython { lockFile = <foreign lock>; extras; groups; } is lib/foreign-lock.nix's conversion
    for the interpreter's target, evaluated with import from derivation off. (The conversion rule
    itself is held to tests/data/golden/foreign-locks.json by test_golden_foreign_locks.py.)"""
    golden = json.loads((ROOT / "tests" / "data" / "golden" / "foreign-locks.json").read_text())["cases"]
    calls = sorted({(c["lock"], tuple(c["extras"]), tuple(c["groups"])) for c in golden})
    pairs = " ".join(
        f"{{ viaMkPython = (machNix.mkPython {{ lockFile = {FOREIGN / lock}; extras = {nix_list(extras)}; groups = {nix_list(groups)}; }}).lock; "
        f"direct = foreign.toLock {{ path = {FOREIGN / lock}; target = t; pypiData = {ROOT / 'data'}; "
        f"extras = {nix_list(extras)}; groups = {nix_list(groups)}; }}; }}"
        for lock, extras, groups in calls)
    expr = (COMMON + f"let foreign = import {ROOT / 'lib' / 'foreign-lock.nix'} {{ inherit lib; }}; "
            "t = target.fromPython { python = pkgs.python3; inherit (pkgs) stdenv; }; "
            f"in map (p: p.viaMkPython == p.direct) [ {pairs} ]")
    proc = nix_eval(expr, "--option", "allow-import-from-derivation", "false")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert json.loads(proc.stdout) == [True] * len(calls)


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
