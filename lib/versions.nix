# Version conditions of overrides/ entries: a comma-separated list of `OP VERSION` clauses
# (OP one of >= <= > < == !=), compared with builtins.compareVersions.
{ lib }:
rec {
  /* compare :: string -> string -> int — -1, 0 or 1 as `a` is older than, the same as or newer
     than `b`: builtins.compareVersions, Nix's version order. It is PEP 440's (packaging.version,
     the twin) for release numbers, and not for pre-, dev- and post-releases, epochs or local
     versions; tests/data/golden/versions.json holds the cases, the differences marked.
     Example: compare "3.11.2" "3.11.10" == -1;  compare "1.0" "1.0.0" == -1 (PEP 440: equal)
  */
  compare = builtins.compareVersions;

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
          cmp = compare version (lib.elemAt m 1);
        in
        if m == null then throw "mach-nix: version condition `${clause}` in overrides is not `OP VERSION` (OP one of >= <= > < == !=)"
        else if op == ">=" then cmp >= 0
        else if op == "<=" then cmp <= 0
        else if op == ">" then cmp > 0
        else if op == "<" then cmp < 0
        else if op == "==" then cmp == 0
        else cmp != 0;
    in lib.all check clauses;

  /* satisfies :: string -> string -> bool
     (The twin of packaging.specifiers in Python; both are held to tests/data/golden/specifiers.json.)
     Whether `version` fits a PEP 440 specifier (`>=3.2,<4`, `~=1.4`, `==2.*`; "" fits anything).
     A clause this comparison cannot decide (`===`, local versions) counts as not fitting: the
     caller then resolves the requirement instead of assuming nixpkgs' version will do.
     Example: satisfies "~=1.4" "1.9" == true;  satisfies ">=77" "75.6.0" == false
  */
  satisfies = spec: version:
    let
      clauses = lib.filter (c: c != "") (map (c: lib.replaceStrings [ " " "\t" ] [ "" "" ] c) (lib.splitString "," spec));
      parts = v: lib.splitString "." v;
      take = n: xs: builtins.genList (builtins.elemAt xs) (if n < builtins.length xs then n else builtins.length xs);
      prefixOf = pre: v: let p = parts pre; in take (lib.length p) (parts v) == p;
      check = clause:
        let
          wild = builtins.match "(==|!=)(.+)\\.\\*" clause;
          compat = builtins.match "~=(.+)" clause;
        in
        if wild != null then (prefixOf (lib.elemAt wild 1) version) == (lib.elemAt wild 0 == "==")
        else if compat != null then
          let v = lib.elemAt compat 0; p = parts v; in
          lib.length p >= 2 && compare version v >= 0
            && prefixOf (lib.concatStringsSep "." (take (lib.length p - 1) p)) version
        else if builtins.match "(>=|<=|==|!=|>|<)[0-9][0-9A-Za-z.]*" clause != null then matches clause version
        else false;
    in lib.all check clauses;
}
