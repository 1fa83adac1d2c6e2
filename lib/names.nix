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
}
