# Python package names (PEP 503).
{ lib }:
rec {
  /* normalize :: string -> string
     PEP 503 normalization: lowercase, runs of `-`, `_`, `.` become one `-`.
     Example: normalize "Typing_Extensions" == "typing-extensions"
  */
  normalize = name:
    lib.toLower (lib.concatStringsSep "-" (lib.filter (s: lib.isString s && s != "") (builtins.split "[-_.]+" name)));

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
