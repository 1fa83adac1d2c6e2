# mach-nix's Nix library: everything default.nix and flake.nix export, for one nixpkgs.
{ pkgs
, python ? pkgs.python3
  # The embedded index (a directory of JSON shards): the first layer of every IFD resolution.
, pypiData ? ../data
, src ? ../py
  # Project-local index layers (`mach-nix index add … --out DIR`) every IFD resolution of these
  # functions reads after pypiData; a call's own `indexes` come after these.
, indexes ? [ ]
}:
let
  lib = pkgs.lib;
  mach-nix = import ./cli.nix { inherit lib python src; };
  indexLib = import ./index.nix { inherit lib pkgs mach-nix; };
  index = indexLib.pack { dir = pypiData; };
  fns = import ./mkPython.nix { inherit lib pkgs python mach-nix index pypiData indexes; };
  # The project names of the embedded index and of `indexes` (the one-liners' attribute names).
  indexNames = fns.indexNamesWith [ ];
  gen = import ./oneliners.nix { inherit lib fns; names = indexNames; };
in
removeAttrs fns [ "indexNamesWith" ] // { inherit mach-nix index indexNames gen; }
