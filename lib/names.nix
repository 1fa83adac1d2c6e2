# Python package names (PEP 503).
{ lib }:
rec {
  /* normalize :: string -> string
     PEP 503 normalization: lowercase, runs of `-`, `_`, `.` become one `-`.
     Example: normalize "Typing_Extensions" == "typing-extensions"
  */
  normalize = name:
    lib.toLower (lib.concatStringsSep "-" (lib.filter (s: lib.isString s && s != "") (builtins.split "[-_.]+" name)));

  /* The packages mach-nix never overrides unless the user names them in their requirements:
     setuptools, pip, wheel (as the issue asks), and nixpkgs' other bootstrap tools, whose
     overriding would loop through the hooks that build every package (pypaInstallHook needs
     installer, which is built with flit-core, …).
  */
  neverOverride = [ "setuptools" "pip" "wheel" "flit-core" "installer" "build" "pyproject-hooks" ];

  /* Attributes of nixpkgs' Python set that are not packages: a locked project of that name
     cannot be put into the set.
  */
  setAttributes = [
    "lib" "pkgs" "stdenv" "python" "pythonPackages" "callPackage" "buildPythonPackage"
    "buildPythonApplication" "toPythonModule" "toPythonApplication" "hasPythonModule"
    "requiredPythonModules" "makePythonPath" "disabled" "disabledIf" "pythonAtLeast" "pythonOlder"
    "newScope" "overrideScope" "packages" "recurseForDerivations"
  ];
}
