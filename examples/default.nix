# `nix-build` an environment (result/bin/python) from requirements.txt.
{ pkgs ? import <nixpkgs> { }
, machNix ? import ../. { inherit pkgs; }
}:
machNix.mkPython { requirementsFile = ./requirements.txt; }
