# A data-science environment from manylinux wheels (numpy with its bundled OpenBLAS): mach-nix
# patches the wheels with autoPatchelfHook against nixpkgs' manylinux libraries.
# Re-lock with: mach-nix lock -r requirements.txt -o mach-nix.lock.json
{ pkgs ? import <nixpkgs> { }
, machNix ? import ../../. { inherit pkgs; }
, lockFile ? ./mach-nix.lock.json  # a lock for your interpreter (the committed one is for CPython 3.11)
}:
machNix.mkPython {
  inherit lockFile;
  # nixpkgs' own builds where their versions fit the resolution:
  #   requirementsFile = ./requirements.txt; providers = { _default = "nixpkgs,wheel,sdist"; };
}
