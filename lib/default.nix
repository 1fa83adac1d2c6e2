# mach-nix's Nix library: everything default.nix and flake.nix export, for one nixpkgs.
# The files, one concern each: lock-source.nix (where a call's lock comes from, and `resolve`),
# mkOverlay.nix (the overlays of a call), mkPython.nix, mkPythonShell.nix, mkProject.nix
# (buildPythonPackage/Application), mkDockerImage.nix, oneliners.nix (`gen`).
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
  lockSource = import ./lock-source.nix { inherit lib pkgs python mach-nix index pypiData indexes; };
  inherit (lockSource) resolve;
  overlays = import ./mkOverlay.nix { inherit lib pkgs python resolve; };
  inherit (import ./mkPython.nix { inherit lib python resolve overlays; }) mkPython;
  inherit (import ./mkPythonShell.nix { inherit lib pkgs mkPython; }) mkPythonShell;
  inherit (import ./mkDockerImage.nix { inherit lib pkgs mkPython; }) mkDockerImage;
  inherit (import ./mkProject.nix { inherit lib pkgs python lockSource overlays; }) buildPythonPackage buildPythonApplication;
  inherit (overlays) mkOverlay mkPythonOverrides;
  fns = { inherit resolve mkPython mkPythonShell mkOverlay mkPythonOverrides buildPythonPackage buildPythonApplication mkDockerImage; };
  # The project names of the embedded index and of `indexes` (the one-liners' attribute names).
  indexNames = lockSource.indexNamesWith [ ];
  gen = import ./oneliners.nix { inherit lib fns; names = indexNames; };
in
fns // { inherit mach-nix index indexNames gen; }
