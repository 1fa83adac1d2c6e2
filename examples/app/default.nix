# `nix-build` the application of pyproject.toml: name, version, dependencies and build system are
# read from it; the dependencies are resolved by mach-nix (or taken from the committed lock).
{ pkgs ? import <nixpkgs> { }
, machNix ? import ../../. { inherit pkgs; }
, lockFile ? ./mach-nix.lock.json  # a lock for your interpreter (the committed one is for CPython 3.11)
}:
machNix.buildPythonApplication {
  src = ./.;
  # Pinned resolution (no import-from-derivation). Re-create with
  #   mach-nix lock --pyproject pyproject.toml -o mach-nix.lock.json
  # or pass lockFile = null to resolve at evaluation time.
  inherit lockFile;
  pythonImportsCheck = [ "hello_mach_nix" ];
}
