# mach-nix: `import ./mach-nix { }` → { mkPython, mkPythonShell, mkOverlay, mkPythonOverrides, resolve, index, mach-nix }.
# See docs/nix.md.
{ pkgs ? import <nixpkgs> { }
, python ? pkgs.python3
, pypiData ? ./data
, ...
}:
import ./lib { inherit pkgs python pypiData; src = ./py; }
