# mach-nix's Nix library: everything default.nix and flake.nix export, for one nixpkgs.
{ pkgs, python ? pkgs.python3, pypiData ? ../data, src ? ../py }:
let
  lib = pkgs.lib;
  mach-nix = import ./cli.nix { inherit lib python src; };
  index = import ./index.nix { inherit pkgs mach-nix pypiData; };
  indexNames = import ./index-names.nix { inherit pkgs mach-nix index; };
  fns = import ./mkPython.nix { inherit lib pkgs python mach-nix index indexNames pypiData; };
  gen = import ./oneliners.nix { inherit lib fns; names = indexNames; };
in
fns // { inherit mach-nix index indexNames gen; }
