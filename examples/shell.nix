# `nix-shell` with the packages of requirements.txt, resolved by mach-nix at evaluation time.
# Copy this directory next to your project (or `nix flake init -t github:<owner>/mach-nix`).
{ pkgs ? import <nixpkgs> { }
, machNix ? import ../. { inherit pkgs; }
}:
machNix.mkPythonShell {
  requirementsFile = ./requirements.txt;
  # To pin the resolution (no import-from-derivation, faster evaluation), run
  #   mach-nix lock -r requirements.txt -o mach-nix.lock.json
  # and use `lockFile = ./mach-nix.lock.json;` instead of requirementsFile.
}
