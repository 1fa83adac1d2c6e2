"""A tampered lock cannot smuggle in a changed artefact: Nix's fixed-output hash check refuses it.

The committed requests lock is copied with one sha256 replaced by another well-formed hash; the
build must fail on the hash mismatch and leave no environment behind. A lock naming an unknown
provider is refused at evaluation with a message that names the package.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
LOCK = ROOT / "tests" / "nix" / "locks" / "host" / "requests.json"  # made for this host (conftest)
COMMON = ROOT / "tests" / "nix" / "common.nix"

pytestmark = [
    pytest.mark.nix,
]


def _tampered(tmp_path: Path, edit) -> Path:
    lock = json.loads(LOCK.read_text())
    edit(lock["packages"])
    path = tmp_path / "tampered.lock.json"
    path.write_text(json.dumps(lock, indent=2, sort_keys=True))
    return path


def _build(lock: Path, out: Path) -> subprocess.CompletedProcess:
    expr = f"with import {COMMON} {{ }}; machNix.mkPython {{ lockFile = {lock}; }}"
    return subprocess.run(["nix-build", "--expr", expr, "-o", str(out)], cwd=ROOT, capture_output=True, text=True,
                          timeout=900)


@pytest.mark.network
def test_edited_sha256_fails_the_build_and_installs_nothing(tmp_path: Path) -> None:
    other = json.loads(LOCK.read_text())["packages"]["six"]["sha256"]

    def edit(packages: dict) -> None:
        assert packages["certifi"]["sha256"] != other
        packages["certifi"]["sha256"] = other

    proc = _build(_tampered(tmp_path, edit), tmp_path / "result")
    assert proc.returncode != 0
    assert "hash mismatch" in proc.stderr, proc.stderr[-3000:]
    assert "certifi" in proc.stderr
    assert not (tmp_path / "result").exists()


def test_unknown_provider_is_refused_by_name(tmp_path: Path) -> None:
    def edit(packages: dict) -> None:
        packages["urllib3"]["provider"] = "conda"

    expr = f"with import {COMMON} {{ }}; (machNix.mkPython {{ lockFile = {_tampered(tmp_path, edit)}; }}).drvPath"
    proc = subprocess.run(["nix-instantiate", "--eval", "--expr", expr], cwd=ROOT, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode != 0
    assert "urllib3" in proc.stderr and "conda" in proc.stderr, proc.stderr[-2000:]
