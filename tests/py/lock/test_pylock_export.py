"""`mach-nix lock --format pylock` writes PEP 751 files that uv installs as locked, and that read back.

uv is the consumer: `uv pip install --dry-run -r pylock.toml` (uv reads pylock.toml as a
requirements source and installs exactly what it lists).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mach_nix.cli import main
from mach_nix.errors import MachNixError
from mach_nix.index.storage.store import Index
from mach_nix.inputs.foreign.read import read_foreign_lock
from mach_nix.inputs.foreign.convert import convert
from mach_nix.lock import read
from mach_nix.pylock_export import to_pylock
from mach_nix.index.storage.lazy_index import LazyIndex
from mach_nix.resolve.target import Target

ROOT = Path(__file__).resolve().parents[3]
SETS = ROOT / "tests" / "data" / "requirements" / "sets"
INDEX = str(ROOT / "tests" / "data" / "index-small")


def runtime_versions(lock: dict) -> dict:
    return {n: e["version"] for n, e in lock["packages"].items() if not e.get("build_only")}


def test_format_follows_the_output_name_and_round_trips(tmp_path):
    assert main(["lock", "-q", "--index", INDEX, "requests[socks]", "docopt", "-o", str(tmp_path / "pylock.toml")]) == 0
    assert main(["lock", "-q", "--index", INDEX, "requests[socks]", "docopt", "-o", str(tmp_path / "lock.json")]) == 0
    text = (tmp_path / "pylock.toml").read_text()
    assert 'lock-version = "1.0"' in text and "setuptools" not in text  # build-only packages are not installed
    ours = read(tmp_path / "lock.json")
    back = convert(read_foreign_lock(tmp_path / "pylock.toml"), Target.create("3.11"),
                   index=LazyIndex(Index.open(INDEX)))
    assert {n: e["version"] for n, e in back.packages.items()} == runtime_versions(ours)
    assert {n: e["sha256"] for n, e in back.packages.items()} == \
        {n: e["sha256"] for n, e in ours["packages"].items() if not e.get("build_only")}
    assert back.packages["requests"]["dependencies"] == ours["packages"]["requests"]["dependencies"]


def test_nixpkgs_packages_cannot_be_exported(tmp_path):
    assert main(["lock", "-q", "--index", INDEX, "idna", "-o", str(tmp_path / "lock.json")]) == 0
    lock = read(tmp_path / "lock.json")
    lock["packages"]["idna"].update(provider="nixpkgs", nixpkgs_attr="idna")
    with pytest.raises(MachNixError, match=r"takes idna from nixpkgs.*--providers '_default=wheel,sdist'"):
        to_pylock(lock)


@pytest.mark.network
@pytest.mark.parametrize("name", ["web", "ds"])
def test_uv_installs_exactly_our_pylock(name, tmp_path):
    uv = shutil.which("uv")
    assert uv, "uv is installed by .ci/setup"
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    assert main(["lock", "-q", "-r", str(SETS / f"{name}.txt"), "--python", version, "-o", str(tmp_path / "lock.json")]) == 0
    assert main(["lock", "-q", "-r", str(SETS / f"{name}.txt"), "--python", version, "-o", str(tmp_path / "pylock.toml")]) == 0
    done = subprocess.run([uv, "pip", "install", "--dry-run", "--python", sys.executable, "--target",
                           str(tmp_path / "target"), "-r", str(tmp_path / "pylock.toml")],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    installed = dict(re.findall(r"^ \+ (\S+)==(\S+)$", done.stderr + done.stdout, flags=re.M))
    assert installed == runtime_versions(json.loads((tmp_path / "lock.json").read_text()))
