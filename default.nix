# mach-nix: `import ./mach-nix { }` → { mkPython, mkPythonShell, mkOverlay, mkPythonOverrides, resolve,
# buildPythonPackage, buildPythonApplication, mkDockerImage, index, mach-nix, pythonWith, shellWith }.
# One-liner without flakes: nix-shell default.nix -A shellWith --argstr requirements "requests pandas"
# See docs/nix.md.
{ pkgs ? import <nixpkgs> { }
, python ? pkgs.python3
, pypiData ? ./data
  # Project-local index layers (`mach-nix index add … --out ./mach-nix-index`) read after pypiData
  # by every resolution without lockFile, e.g. [ ./mach-nix-index ].
, indexes ? [ ]
  # For the one-liners: requirements separated by spaces or newlines.
, requirements ? ""
, ...
}:
let
  m = import ./lib { inherit pkgs python pypiData indexes; src = ./py; };
  reqText = builtins.concatStringsSep "\n" (builtins.filter (s: builtins.isString s && s != "") (builtins.split "[ \n]+" requirements)) + "\n";
  need = what: if requirements == "" then throw "mach-nix: ${what} needs --argstr requirements \"requests pandas\"." else reqText;
in
m // {
  pythonWith = m.mkPython { requirements = need "pythonWith"; };
  shellWith = m.mkPythonShell { requirements = need "shellWith"; };
}
