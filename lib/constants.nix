# Constants the Nix library shares with the Python package, each defined once per language. The
# twin of every one is in py/mach_nix/constants.py (tests/py/test_golden_constants.py checks that
# both say the same).
{ }:
{
  # The file name endings of an sdist (old PyPI sdists use all of them); a `.whl` is a wheel.
  # Twin: SDIST_SUFFIXES.
  sdistSuffixes = [ ".tar.gz" ".zip" ".tar.bz2" ".tgz" ".tar.xz" ".tar" ];

  # Where a locked package may come from (a lock entry's `provider`, the `providers` argument).
  # Twin: PROVIDERS.
  providers = [ "wheel" "sdist" "nixpkgs" ];

  # The target `mach-nix lock` assumes when a flag is not given. Nix takes python and system from
  # the interpreter and its platform; glibc and macos are the defaults of a target that does not
  # record them (nixpkgs' glibc, stdenv.cc.libc.version; nixpkgs' darwinSdkVersion).
  # Twin: DEFAULT_PYTHON, DEFAULT_SYSTEM, DEFAULT_GLIBC, DEFAULT_MACOS.
  defaultTarget = { python = "3.11"; system = "x86_64-linux"; glibc = "2.40"; macos = "11.3"; };

  # setuptools' legacy default when an sdist has no [build-system] (PEP 517/518).
  # Twin: LEGACY_BUILD_SYSTEM (requires and backend).
  legacyBuildSystem = { requires = [ "setuptools>=40.8.0" "wheel" ]; backend = "setuptools.build_meta:__legacy__"; };

  # Budgets (DEFAULT_MAX_SECONDS, DEFAULT_MAX_MEMORY_MB) have no Nix twin: the resolution in a
  # derivation (lib/resolve.nix lockDrv) runs `mach-nix lock` with the CLI's own defaults.
}
