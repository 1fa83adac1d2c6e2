# A data-science environment from manylinux wheels (numpy with its bundled OpenBLAS): mach-nix
# patches the wheels with autoPatchelfHook against nixpkgs' manylinux libraries.
# Re-lock with: mach-nix lock -r requirements.txt -o mach-nix.lock.json
{ pkgs ? import <nixpkgs> { }
, machNix ? import ../../. { inherit pkgs; }
}:
machNix.mkPython {
  lockFile = ./mach-nix.lock.json;
  # nixpkgs' own builds where their versions fit the resolution:
  #   requirementsFile = ./requirements.txt; providers = { _default = "nixpkgs,wheel,sdist"; };
}
