# The `mach-nix` command-line tool, built from ../py with nixpkgs' Python packages.
{ lib, python, src ? ../py }:
let
  pyproject = builtins.readFile (src + "/pyproject.toml");
  version = lib.head (builtins.match ".*\nversion = \"([^\"]+)\".*" pyproject);
  ps = python.pkgs;
in
ps.buildPythonApplication {
  pname = "mach-nix";
  inherit version;
  src = builtins.path {
    name = "mach-nix-py-src";
    path = src;
    filter = path: type:
      let base = baseNameOf path; in
      !(base == "__pycache__" || lib.hasSuffix ".egg-info" base || lib.hasSuffix ".pyc" base || base == "build");
  };
  pyproject = true;
  build-system = [ ps.setuptools ];
  dependencies = [ ps.packaging ps.resolvelib ps.orjson ps.lz4 ps.urllib3 ]
    ++ lib.optionals (python.pythonOlder "3.11") [ ps.tomli ];
  doCheck = false;
  pythonImportsCheck = [ "mach_nix" "mach_nix.cli" ];
  meta = { mainProgram = "mach-nix"; description = "Reproducible Python environments on Nix"; };
}
