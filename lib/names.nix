# Python package names (PEP 503).
{ lib }:
rec {
  /* normalize :: string -> string
     PEP 503 normalization: lowercase, runs of `-`, `_`, `.` become one `-`.
     Example: normalize "Typing_Extensions" == "typing-extensions"
  */
  normalize = name:
    lib.toLower (lib.concatStringsSep "-" (lib.filter (s: lib.isString s && s != "") (builtins.split "[-_.]+" name)));

  /* The packages mach-nix never overrides unless the user names them in their requirements. */
  neverOverride = [ "setuptools" "pip" "wheel" ];

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
