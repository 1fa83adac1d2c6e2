"""What the Nix tests need to know about this host and its Nix installations.

HOST: the facts the stand-in (tests/nixpkgs-shim) reports, read from the host by its probe-host.py,
which this module runs once (it writes tests/nixpkgs-shim/host.json, which the shim reads).

INSTALLATIONS: the Nix installations the `nix` tests run on, one after the other: the host's own
(Debian's nix-bin on PATH: 2.8 on Debian 12) and a current one (Debian 13's nix-bin, 2.26),
fetched by .ci/get-modern-nix.sh into MODERN_NIX with a store of its own. A missing installation
fails the tests that need it; it is never skipped.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHIM = ROOT / "tests" / "nixpkgs-shim"
HOST_PYTHON = os.environ.get("MACH_NIX_SHIM_HOST_PYTHON", "/usr/bin/python3")
MODERN_NIX = Path(os.environ.get("MACH_NIX_MODERN_NIX", "/opt/mach-nix/nix-modern"))


def probe_host() -> dict:
    proc = subprocess.run([HOST_PYTHON, str(SHIM / "probe-host.py")], capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{HOST_PYTHON} {SHIM / 'probe-host.py'} failed: {proc.stderr.strip()}")
    return json.loads(proc.stdout)


HOST = probe_host()
PY = ".".join(HOST["python"].split(".")[:2])  # "3.11"
PY_FULL = HOST["python"]  # "3.11.2"
PY_ATTR = "python" + PY.replace(".", "")  # "python311"
GLIBC = HOST["glibc"]  # "2.36"


# The nixpkgs releases the stand-in models (tests/nixpkgs-shim/python/releases/<release>.json), oldest
# first; tests marked `nix_releases` run on each (MACH_NIX_SHIM_RELEASE, read by tests/nix/common.nix),
# the other Nix tests on the stand-in's default, the current stable.
RELEASES = sorted((p.stem for p in (SHIM / "python" / "releases").glob("*.json")),
                  key=lambda r: tuple(int(x) for x in r.split(".")))


def fill(text: str) -> str:
    """Expected-output text with the host's values for @python@, @pythonFull@, @pythonAttr@, @glibc@."""
    for k, v in {"@pythonFull@": PY_FULL, "@pythonAttr@": PY_ATTR, "@python@": PY, "@glibc@": GLIBC}.items():
        text = text.replace(k, v)
    return text


def installation(name: str) -> dict[str, str]:
    """The environment variables that select installation `name` ("host" or "modern")."""
    if name == "host":
        if shutil.which("nix-build") is None:
            raise RuntimeError("no nix-build on PATH: install nix-bin (bash .ci/setup)")
        return {}
    nix = MODERN_NIX / "bin" / "nix"
    if not nix.exists():
        raise RuntimeError(f"no current Nix at {MODERN_NIX}: run `bash .ci/get-modern-nix.sh` "
                           "(.ci/setup-nix.sh does), or set MACH_NIX_MODERN_NIX to its prefix")
    env = dict(line.split("=", 1) for line in (MODERN_NIX / "nix.env").read_text().split())
    env["PATH"] = f"{MODERN_NIX / 'bin'}:{os.environ['PATH']}"
    return env


def nix_version() -> tuple[int, ...]:
    """The version of the `nix` on PATH now (the selected installation)."""
    out = subprocess.run(["nix", "--version"], capture_output=True, text=True, check=True).stdout
    return tuple(int(x) for x in out.split()[-1].split(".")[:2])


def store_dir() -> str:
    """builtins.storeDir of the selected installation."""
    return os.environ.get("NIX_STORE_DIR", "/nix/store")
