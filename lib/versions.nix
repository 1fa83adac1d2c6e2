# Version conditions of overrides/ entries: a comma-separated list of `OP VERSION` clauses
# (OP one of >= <= > < == !=), compared with builtins.compareVersions.
{ lib }:
rec {
  /* matches :: string -> string -> bool
     Example: matches ">=2.9,<3" "2.9.9" == true;  matches "" "1.0" == true
  */
  matches = cond: version:
    let
      clauses = lib.filter (c: c != "") (map (c: lib.replaceStrings [ " " ] [ "" ] c) (lib.splitString "," cond));
      check = clause:
        let
          m = builtins.match "(>=|<=|==|!=|>|<)(.+)" clause;
          op = lib.elemAt m 0;
          cmp = builtins.compareVersions version (lib.elemAt m 1);
        in
        if m == null then throw "mach-nix: version condition `${clause}` in overrides is not `OP VERSION` (OP one of >= <= > < == !=)"
        else if op == ">=" then cmp >= 0
        else if op == "<=" then cmp <= 0
        else if op == ">" then cmp > 0
        else if op == "<" then cmp < 0
        else if op == "==" then cmp == 0
        else cmp != 0;
    in lib.all check clauses;
}
