# The shim provides every nixpkgs attribute that lib/nixpkgs-interface.nix lists.
with import ../common.nix { };
let
  iface = import ../../../lib/nixpkgs-interface.nix;
  has = root: path: lib.attrByPath (lib.splitString "." path) null root != null;
  missing = root: paths: lib.filter (p: !(has root p)) paths;
in
{
  pkgs = missing pkgs iface.pkgs;
  stdenv = missing pkgs.stdenv iface.stdenv;
  python = missing pkgs.python3 iface.python;
  pythonPackages = missing pkgs.python3.pkgs iface.pythonPackages;
  packageAttributes = missing pkgs.python3.pkgs.requests iface.packageAttributes;
  lib = lib.filter (f: !(lib ? ${f})) iface.lib;
}
