"""Constants the Python package shares with the Nix library, each defined once per language.

The Nix twin of every one is in lib/constants.nix; tests/py/test_golden_constants.py checks that
both say the same. Example: ``"six-1.16.0.tar.gz".endswith(SDIST_SUFFIXES)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Tuple

if TYPE_CHECKING:
    from mach_nix.shapes import IndexBuildSystem

# The file name endings of an sdist (old PyPI sdists use all of them); a `.whl` is a wheel.
# Twin: lib/constants.nix sdistSuffixes.
SDIST_SUFFIXES: Tuple[str, ...] = (".tar.gz", ".zip", ".tar.bz2", ".tgz", ".tar.xz", ".tar")

# Where a locked package may come from (a lock entry's `provider`, `--providers`), in the default
# order. Twin: lib/constants.nix providers.
PROVIDERS: Tuple[str, ...] = ("wheel", "sdist", "nixpkgs")

# The target `mach-nix lock` assumes when a flag is not given: nixpkgs' glibc (stdenv.cc.libc.version)
# and macOS SDK (darwinSdkVersion). Twin: lib/constants.nix defaultTarget.
DEFAULT_PYTHON = "3.11"
DEFAULT_SYSTEM = "x86_64-linux"
DEFAULT_GLIBC = "2.40"
DEFAULT_MACOS = "11.3"

# setuptools' legacy default when an sdist has no [build-system] (PEP 517/518).
# Twin: lib/constants.nix legacyBuildSystem (requires and backend).
LEGACY_BUILD_SYSTEM: IndexBuildSystem = {
    "backend": "setuptools.build_meta:__legacy__",
    "requires": ["setuptools>=40.8.0", "wheel"],
    "source": "default",
}

# A resolution's budgets: about 50x the time and 15x the memory of the largest real lock, so a lock
# on each core of a small machine stays far from the OOM killer and a conflict gets a minute.
# No Nix twin: lib/resolve.nix lockDrv runs `mach-nix lock` with these defaults (lib/constants.nix says so).
DEFAULT_MAX_SECONDS = 60.0
DEFAULT_MAX_MEMORY_MB = 2048.0
