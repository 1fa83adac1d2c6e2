# Shared by the Nix tests: the shim as nixpkgs, mach-nix on it, and lib/'s internal modules.
{ pypiData ? ../data/index-small }:
rec {
  # The stand-in at the release the test runs on (MACH_NIX_SHIM_RELEASE, set by the Nix tests that
  # run on every modelled release: tests/py/conftest.py), else its default, the current stable.
  pkgs = import ../nixpkgs-shim (let r = builtins.getEnv "MACH_NIX_SHIM_RELEASE"; in if r == "" then { } else { release = r; });
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
