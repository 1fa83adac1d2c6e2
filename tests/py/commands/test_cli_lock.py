"""`mach-nix lock|tree|why` end to end in a subprocess: output, exit codes, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "data"
INDEX = str(DATA / "index-small")
REQS = DATA / "requirements"


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mach_nix", *args], cwd=cwd, capture_output=True, text=True)


def test_lock_tree_why(tmp_path):
    done = cli("lock", "--index", INDEX, "-r", str(REQS / "main.txt"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "locked" in done.stderr and "--index-url is ignored" in done.stderr
    lock = json.loads((tmp_path / "mach-nix.lock.json").read_text())
    assert lock["inputs"]["files"][0]["path"].endswith("main.txt")
    assert lock["packages"]["numpy"]["version"] == "1.26.4"
    tree = cli("tree", cwd=tmp_path)
    assert tree.returncode == 0
    lines = tree.stdout.splitlines()
    assert lines[0].startswith("cryptography 43.0.1 [wheel cp39-abi3-manylinux_2_28_x86_64]")
    assert any(line.startswith("dask[array,complete,dataframe] 2024.8.0") for line in lines)
    assert any("└── " in line or "├── " in line for line in lines)
    why = cli("why", "pycparser", cwd=tmp_path)
    assert why.returncode == 0
    assert why.stdout.strip() == "cryptography 43.0.1 → (requires) cffi 1.17.1 → (requires) pycparser 2.22"


def test_pyproject_and_other_targets(tmp_path):
    done = cli("lock", "--index", INDEX, "--pyproject", str(REQS / "pyproject-pep621.toml"), "--extra", "all",
               "--group", "dev", "--system", "aarch64-darwin", "--python", "3.11", "-o", "-", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lock = json.loads(done.stdout)
    assert lock["target"] == {"python": "3.11", "python_full": lock["target"]["python_full"], "implementation":
                              "cpython", "system": "aarch64-darwin", "glibc": None, "macos": "11.3"}
    assert lock["inputs"]["extras"] == ["all"] and lock["inputs"]["groups"] == ["dev"]
    assert {"requests", "click", "pandas", "cryptography", "toolz", "packaging"} == set(lock["roots"])
    assert lock["packages"]["cryptography"]["filename"].endswith("cp39-abi3-macosx_10_9_universal2.whl")


def test_nixpkgs_json_and_requirement_text(tmp_path):
    nix = tmp_path / "nixpkgs.json"
    nix.write_text(json.dumps({"Requests": {"version": "2.31.0", "attr": "requests"}}))
    done = cli("lock", "--index", INDEX, "--requirement-text", "requests==2.31.0\n", "--nixpkgs-json", str(nix),
               "--providers", "requests=nixpkgs", "-o", "-", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    entry = json.loads(done.stdout)["packages"]["requests"]
    assert entry["provider"] == "nixpkgs" and entry["nixpkgs_attr"] == "requests" and "url" not in entry


def test_errors_are_one_paragraph_without_traceback(tmp_path):
    cases = [
        (["lock", "--index", INDEX, "reqeusts"], "Did you mean 'requests'"),
        (["lock", "--index", INDEX, "-r", str(REQS / "bad-line.txt")], "bad-line.txt, line 2"),
        (["lock", "--index", INDEX, "idna>=3.8", "needs-old-idna"], "needs-old-idna 1.0 requires idna<3.8"),
        (["lock", "--index", INDEX, "--providers", "numpy=binary", "idna"], "'binary' is not a provider"),
        (["lock", "--index", str(tmp_path / "nowhere"), "idna"], "does not exist"),
        (["lock", "--index", INDEX], "Nothing to lock"),
        (["tree", str(tmp_path / "missing.json")], "does not exist"),
        (["why", "idna", str(tmp_path / "missing.json")], "does not exist"),
    ]
    for args, needle in cases:
        done = cli(*args, "-o", "-", cwd=tmp_path) if args[0] == "lock" else cli(*args, cwd=tmp_path)
        assert done.returncode != 0, args
        assert needle in done.stderr, (args, done.stderr)
        assert "Traceback" not in done.stderr and done.stderr.startswith("error: ")
    done = cli("lock", "--index", INDEX, "-q", "idna", cwd=tmp_path)
    assert done.returncode == 0
    why = cli("why", "requests", cwd=tmp_path)
    assert why.returncode == 1 and "not in the lock" in why.stderr


def test_project_requires_python_is_checked(tmp_path):
    project = tmp_path / "pyproject.toml"
    project.write_text('[project]\nname = "app"\nrequires-python = ">=3.12"\ndependencies = ["idna"]\n')
    done = cli("lock", "--index", INDEX, "--pyproject", str(project), "-o", "-", cwd=tmp_path)
    assert done.returncode == 2 and "[project].requires-python is '>=3.12'" in done.stderr
    done = cli("lock", "--index", INDEX, "--pyproject", str(project), "--python", "3.12", "-o", "-", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["roots"] == ["idna"]
