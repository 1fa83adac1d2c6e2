# Python package names (PEP 503).
{ lib }:
rec {
  /* normalize :: string -> string
     PEP 503 normalization: lowercase, runs of `-`, `_`, `.` become one `-`. The twin of
     py/mach_nix/names.py `normalize`; both are held to tests/data/golden/names.json.
     Example: normalize "Typing_Extensions" == "typing-extensions"
  */
  normalize = name:
    lib.toLower (builtins.concatStringsSep "" (map (part: if lib.isList part then "-" else part) (builtins.split "[-_.]+" name)));

  /* ofAttribute :: string -> string
     The project an attribute of nixpkgs' Python set is named after: normalize, with leading and
     trailing separators dropped (nixpkgs writes `_3to2` for 3to2, a name that cannot start an
     identifier).
     Example: ofAttribute "_3to2" == "3to2";  ofAttribute "Flask_SQLAlchemy" == "flask-sqlalchemy"
  */
  ofAttribute = attr: lib.removeSuffix "-" (lib.removePrefix "-" (normalize attr));

  /* nixpkgs' build machinery: the packages its Python hooks take from the set or from
     `pythonOnBuildForHost.pkgs` (wheelUnpackHook, pypaBuildHook and setuptoolsBuildHook propagate
     `wheel`/`setuptools`, pythonRuntimeDepsCheckHook `packaging`, pypaBuildHook runs `build`,
     pypaInstallHook `installer`, pipBuildHook/pipInstallHook `pip`) and the bootstrap packages they
     are built from (flit-core, pyproject-hooks; tomli before Python 3.11). The overlay never puts
     a locked package at these attributes (the lock's copy is built beside the set instead): `wheel`
     would need itself through wheelUnpackHook, an old `packaging` breaks every pyproject build, and
     any change rebuilds every package of the set.
  */
  machinery = [ "wheel" "setuptools" "packaging" "build" "installer" "pip" "flit-core" "pyproject-hooks" "tomli" ];

  /* Attributes of nixpkgs' Python set that are not packages: a locked project of that name
     cannot be put into the set.
  */
  setAttributes = [
    "lib" "pkgs" "stdenv" "python" "pythonPackages" "callPackage" "buildPythonPackage"
    "buildPythonApplication" "toPythonModule" "toPythonApplication" "hasPythonModule"
    "requiredPythonModules" "makePythonPath" "disabled" "disabledIf" "pythonAtLeast" "pythonOlder"
    "newScope" "overrideScope" "packages" "recurseForDerivations"
    # read by nixpkgs' builder for its bootstrap packages (python.pythonOnBuildForHost.pkgs.bootstrap)
    "bootstrap"
  ];
}
