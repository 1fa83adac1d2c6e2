# Shared by the Nix tests: the shim as nixpkgs, mach-nix on it, and lib/'s internal modules.
{ pypiData ? ../data/index-small }:
rec {
  pkgs = import ../nixpkgs-shim { };
  inherit (pkgs) lib;
  machNix = import ../.. { inherit pkgs pypiData; };
  names = import ../../lib/names.nix { inherit lib; };
  versions = import ../../lib/versions.nix { inherit lib; };
  target = import ../../lib/target.nix { inherit lib; };
  graph = import ../../lib/graph.nix { inherit lib; };
  wheel = import ../../lib/wheel.nix { inherit lib pkgs; };
  overlay = import ../../lib/overlay.nix { inherit lib pkgs; };
  # A lock file that is `base` (a lock path) with `f` applied to its JSON.
  importJSON = path: builtins.fromJSON (builtins.readFile path);
  nameOf = d: d.pname or d.name;
}
