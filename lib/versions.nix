# PEP 440 versions in pure Nix, the twin of packaging.version and packaging.specifiers: their order
# (`compare`), specifiers (`satisfies`: build requirements against nixpkgs' versions, marker
# versions) and the version conditions of overrides/ entries (`matches`: `OP VERSION` clauses, OP
# one of >= <= > < == !=). Golden cases: tests/data/golden/{versions,specifiers}.json.
{ lib }:
rec {
  # PEP 440's version pattern (packaging.version.VERSION_PATTERN, the twin), as a POSIX ERE over
  # the lower-cased version; every group captures, so the numbers below are the groups' positions.
  versionPattern =
    "v?(([0-9]+)!)?([0-9]+(\\.[0-9]+)*)"                                        # 2 epoch, 3 release
    + "([-_.]?(alpha|a|beta|b|preview|pre|c|rc)[-_.]?([0-9]+)?)?"                # 6 phase, 7 number
    + "((-([0-9]+))|([-_.]?(post|rev|r)[-_.]?([0-9]+)?))?"                         # 10 or 12/13 post
    + "([-_.]?(dev)[-_.]?([0-9]+)?)?"                                             # 15/16 dev
    + "(\\+([a-z0-9]+([-_.][a-z0-9]+)*))?";                                      # 18 local

  # natural :: string -> int — leading zeros allowed ("007" == 7), as PEP 440 reads them.
  natural = digits: builtins.fromJSON (builtins.head (builtins.match "0*([0-9]+)" digits));

  /* parse :: string -> attrs or null — a PEP 440 version's parts, null when it is not one.
     Example: parse "1!2.0rc1.post3.dev4+ubuntu.1" ==
       { epoch = 1; release = [ 2 0 ]; pre = [ 2 1 ]; post = 3; dev = 4; local = [ "ubuntu" 1 ]; }
  */
  parse = version:
    let
      m = builtins.match versionPattern (lib.toLower (lib.replaceStrings [ " " "\t" "\n" ] [ "" "" "" ] version));
      group = i: builtins.elemAt m (i - 1);
      numberOr0 = i: if group i == null then 0 else natural (group i);
      phaseRank = { a = 0; alpha = 0; b = 1; beta = 1; c = 2; rc = 2; pre = 2; preview = 2; };
      localSegment = seg: if builtins.match "[0-9]+" seg != null then natural seg else seg;
    in
    if m == null then null else {
      epoch = numberOr0 2;
      release = map natural (lib.splitString "." (group 3));
      pre = if group 6 == null then null else [ phaseRank.${group 6} (numberOr0 7) ];
      post = if group 10 != null then natural (group 10) else if group 12 != null then numberOr0 13 else null;
      dev = if group 15 == null then null else numberOr0 16;
      local = if group 18 == null then null
        else map localSegment (lib.splitString "." (lib.replaceStrings [ "-" "_" ] [ "." "." ] (group 18)));
    };

  # cmpInt :: int -> int -> int
  cmpInt = a: b: if a < b then -1 else if a > b then 1 else 0;

  # firstNonZero :: [int] -> int — the first comparison that decides, as a tuple comparison does.
  firstNonZero = builtins.foldl' (acc: c: if acc != 0 then acc else c) 0;

  # cmpPadded :: [int] -> [int] -> int — release numbers, the shorter padded with zeros (1.0 == 1.0.0).
  cmpPadded = xs: ys:
    let n = let x = builtins.length xs; y = builtins.length ys; in if x > y then x else y;
        at = zs: i: if i < builtins.length zs then builtins.elemAt zs i else 0;
    in firstNonZero (builtins.genList (i: cmpInt (at xs i) (at ys i)) n);

  # cmpLocal :: [int|string] -> [int|string] -> int — PEP 440: numeric segments sort above
  # alphanumeric ones, strings compare as strings, and a prefix sorts first.
  cmpLocal = xs: ys:
    let
      segment = x: y:
        if builtins.isInt x && builtins.isInt y then cmpInt x y
        else if builtins.isInt x then 1
        else if builtins.isInt y then -1
        else if x < y then -1 else if x > y then 1 else 0;
      n = let x = builtins.length xs; y = builtins.length ys; in if x < y then x else y;
      common = firstNonZero (builtins.genList (i: segment (builtins.elemAt xs i) (builtins.elemAt ys i)) n);
    in if common != 0 then common else cmpInt (builtins.length xs) (builtins.length ys);

  # The ranks packaging's sort key gives missing parts: a dev release of a final release sorts before
  # its pre-releases, a final release after them; no post release before any; no dev after any.
  preKey = p: if p.pre == null && p.post == null && p.dev != null then [ (-1) 0 ]
    else if p.pre == null then [ 3 0 ] else p.pre;
  postKey = p: if p.post == null then -1 else p.post;
  devKey = p: if p.dev == null then [ 1 0 ] else [ 0 p.dev ];

  /* compare :: string -> string -> int — -1, 0 or 1 as `a` is older than, the same as or newer
     than `b`, in PEP 440's order (packaging.version, the twin; tests/data/golden/versions.json holds
     the cases). A string that is no PEP 440 version (nixpkgs' `unstable-2024-01-01`) compares by
     builtins.compareVersions, Nix's own order.
     Example: compare "3.11.2" "3.11.10" == -1;  compare "1.0rc1" "1.0" == -1;  compare "1.0" "1.0.0" == 0
  */
  compare = a: b:
    let pa = parse a; pb = parse b; in
    if pa == null || pb == null then builtins.compareVersions a b else compareParsed pa pb;

  # compareParsed :: attrs -> attrs -> int — `compare` on two results of `parse`.
  compareParsed = pa: pb: firstNonZero [
    (cmpInt pa.epoch pb.epoch)
    (cmpPadded pa.release pb.release)
    (cmpPadded (preKey pa) (preKey pb))
    (cmpInt (postKey pa) (postKey pb))
    (cmpPadded (devKey pa) (devKey pb))
    (if pa.local == null && pb.local == null then 0
     else if pa.local == null then -1 else if pb.local == null then 1
     else cmpLocal pa.local pb.local)
  ];

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
     Whether `version` fits a PEP 440 specifier (`>=3.2,<4`, `~=1.4`, `==2.*`; "" fits anything),
     pre-releases admitted, with PEP 440's exclusive-ordering rules (`<1.0` admits no 1.0 pre-release,
     `>1.0` no 1.0 post-release or local version) and local versions ignored by `==`/`!=` clauses
     that name none. A clause or version this cannot decide (`===`, a version that is no PEP 440
     version) counts as not fitting: the caller then resolves the requirement instead of assuming
     nixpkgs' version will do.
     Example: satisfies "~=1.4" "1.9" == true;  satisfies ">=77" "75.6.0" == false;  satisfies "<2" "2.0rc1" == false
  */
  satisfies = spec: version:
    let
      clauses = lib.filter (c: c != "") (map (c: lib.replaceStrings [ " " "\t" ] [ "" "" ] c) (lib.splitString "," spec));
      v = parse version;
      public = p: p // { local = null; };
      sameBase = p: q: p.epoch == q.epoch && cmpPadded p.release q.release == 0;
      isPre = p: p.pre != null || p.dev != null;
      # PEP 440 prefix matching: the version's release, zero-padded, starts with the prefix's.
      startsWith = prefix: p: p.epoch == prefix.epoch
        && builtins.genList (i: if i < builtins.length p.release then builtins.elemAt p.release i else 0)
             (builtins.length prefix.release) == prefix.release;
      check = clause:
        let
          wild = builtins.match "(==|!=)(.+)\\.\\*" clause;
          compat = builtins.match "~=(.+)" clause;
          ordered = builtins.match "(>=|<=|==|!=|>|<)(.+)" clause;
        in
        if v == null then false
        else if wild != null then
          let prefix = parse (lib.elemAt wild 1); in
          prefix != null && startsWith prefix v == (lib.elemAt wild 0 == "==")
        else if compat != null then
          let s = parse (lib.elemAt compat 0); n = if s == null then 0 else builtins.length s.release; in
          n >= 2 && compareParsed v s >= 0
            && startsWith (s // { release = builtins.genList (builtins.elemAt s.release) (n - 1); }) v
        else if ordered != null && builtins.substring 0 1 (lib.elemAt ordered 1) != "=" then
          let
            op = lib.elemAt ordered 0;
            text = lib.elemAt ordered 1;
            s = parse text;
            # ==/!= without a local label compare the version's public part; ordering is PEP 440's
            cmp = if s.local == null && (op == "==" || op == "!=") then compareParsed (public v) s else compareParsed v s;
          in
          if s == null then false
          else if op == "==" then cmp == 0
          else if op == "!=" then cmp != 0
          else if op == ">=" then cmp >= 0
          else if op == "<=" then compareParsed (public v) s <= 0
          else if op == "<" then cmp < 0 && !(!isPre s && isPre v && sameBase v s)
          else cmp > 0 && !(s.post == null && v.post != null && sameBase v s) && !(v.local != null && sameBase v s)
        else false;
    in lib.all check clauses;
}
