"""`mach-nix env` and `mach-nix gen`: the files written, the standalone overlay, and (marker `nix`)
that `nix-shell DIR` and the overlay work on tests/nixpkgs-shim with import-from-derivation off."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from mach_nix.cli import main
from mach_nix.nix import nix_string, python_attr, to_nix

ROOT = Path(__file__).resolve().parents[3]
LOCK = ROOT / "tests" / "nix" / "locks" / "host" / "requests.json"  # made for this host (conftest)
SHIM = ROOT / "tests" / "nixpkgs-shim"


def test_nix_literals() -> None:
    assert to_nix({"a": [1, "x", None, True]}) == '{\n  "a" = [\n    1\n    "x"\n    null\n    true\n  ];\n}'
    assert nix_string('say "${x}"\n') == '"say \\"\\${x}\\"\\n"'
    assert python_attr("3.12.1") == "python312"


def test_env_writes_four_files_pinned_to_this_checkout(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["env", str(tmp_path / "env"), "--lock", str(LOCK), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["files"] == ["default.nix", "mach-nix.lock.json", "requirements.txt", "shell.nix"]
    assert summary["packages"] == 8 and summary["mach_nix"] == str(ROOT)
    shell = (tmp_path / "env" / "shell.nix").read_text()
    assert f"import {ROOT} {{ inherit pkgs; python = pkgs.python311; }}" in shell
    assert "mkPythonShell { lockFile = ./mach-nix.lock.json; }" in shell
    assert (tmp_path / "env" / "mach-nix.lock.json").read_bytes() == LOCK.read_bytes()
    assert (tmp_path / "env" / "requirements.txt").read_text().splitlines() == json.loads(LOCK.read_text())["inputs"]["requirements"]


def test_env_resolves_requirements(tmp_path: Path) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text("requests\n")
    assert main(["env", str(tmp_path / "env"), "-r", str(req), "--index", str(ROOT / "tests/data/index-small"),
                 "--python", "3.12", "--quiet"]) == 0
    lock = json.loads((tmp_path / "env" / "mach-nix.lock.json").read_text())
    assert lock["roots"] == ["requests"] and lock["target"]["python"] == "3.12"
    assert "pkgs.python312" in (tmp_path / "env" / "default.nix").read_text()
    assert (tmp_path / "env" / "requirements.txt").read_text() == "requests\n"


def test_env_failed_resolution_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    code = main(["env", str(tmp_path / "env"), "requests>=99", "--index", str(ROOT / "tests/data/index-small")])
    assert code != 0
    assert "requests>=99" in capsys.readouterr().err
    assert not (tmp_path / "env" / "default.nix").exists()


def test_lock_and_requirements_are_exclusive(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["gen", "requests", "--lock", str(LOCK)]) == 2
    assert "mutually exclusive" in capsys.readouterr().err


def test_gen_overlay_is_standalone(capsys: pytest.CaptureFixture) -> None:
    assert main(["gen", "--lock", str(LOCK)]) == 0
    text = capsys.readouterr().out
    assert text.startswith("# Written by")
    code = text.split("final: prev:", 1)[1]
    assert str(ROOT) not in code and "import ./" not in code and "../" not in code
    assert '"requests" = {' in text and "python311" in text


@pytest.mark.nix
@pytest.mark.nix
@pytest.mark.slow
@pytest.mark.network
def test_nix_shell_of_env_dir_needs_no_ifd(tmp_path: Path) -> None:
    assert main(["env", str(tmp_path / "env"), "--lock", str(LOCK), "--quiet"]) == 0
    proc = subprocess.run(["nix-shell", str(tmp_path / "env"), "--option", "allow-import-from-derivation", "false",
                           "--run", "python -c 'import requests; print(requests.__version__)'"],
                          env={**os.environ, "NIX_PATH": f"nixpkgs={SHIM}"}, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip().splitlines()[-1] == "2.32.3"


@pytest.mark.nix
@pytest.mark.nix
@pytest.mark.slow
@pytest.mark.network
def test_gen_overlay_builds_a_requests_env(tmp_path: Path) -> None:
    overlay = tmp_path / "overlay.nix"
    assert main(["gen", "--lock", str(LOCK), "-o", str(overlay), "--quiet"]) == 0
    expr = (f"let pkgs = import {SHIM} {{ overlays = [ (import {overlay}) ]; }}; in "
            "pkgs.python311.withPackages (ps: [ ps.requests ps.six ])")
    proc = subprocess.run(["nix-build", "--option", "allow-import-from-derivation", "false", "--expr", expr,
                           "-o", str(tmp_path / "result")], capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = subprocess.run([str(tmp_path / "result" / "bin" / "python"), "-c",
                          "import requests, idna, six; print(requests.__version__, idna.__version__)"],
                         capture_output=True, text=True)
    assert out.stdout.split() == ["2.32.3", "3.10"]


def test_pin_to_a_tarball_or_another_checkout(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from mach_nix.errors import MachNixError
    from mach_nix.nix import machnix_import

    assert machnix_import("https://example.org/mach-nix.tar.gz") == 'import (builtins.fetchTarball "https://example.org/mach-nix.tar.gz")'
    assert machnix_import(str(ROOT)) == f"import {ROOT}"
    with pytest.raises(MachNixError, match="has no default.nix"):
        machnix_import(str(tmp_path))
    assert main(["env", str(tmp_path / "env"), "--lock", str(LOCK), "--mach-nix", "https://example.org/m.tar.gz", "-q"]) == 0
    assert 'builtins.fetchTarball "https://example.org/m.tar.gz"' in (tmp_path / "env" / "default.nix").read_text()
    assert main(["env", str(tmp_path / "env2"), "--lock", str(LOCK), "--mach-nix", str(tmp_path)]) == 2
    assert "has no default.nix" in capsys.readouterr().err
    assert not (tmp_path / "env2").exists()


def test_bad_python_version() -> None:
    from mach_nix.errors import MachNixError

    with pytest.raises(MachNixError, match="not a CPython version"):
        python_attr("three")
