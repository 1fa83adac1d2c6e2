# Wheel tags (PEP 425, PEP 600 manylinux, plain linux_<arch>, macOS) against a target, in pure Nix: which wheels of a
# foreign lock (uv.lock, pylock.toml, poetry.lock) install on the target, and which is best.
#
# The order follows packaging.tags (what pip, uv and mach-nix's resolver use): the interpreter's own
# ABI before abi3 before none; a platform wheel before `any`, the newest manylinux/macOS first; the
# exact Python version before older ones.
{ lib }:
let
  constants = import ./constants.nix { };
  toInt = s: if builtins.match "[0-9]+" s != null then builtins.fromJSON s else null;
  legacyManylinux = { manylinux1 = [ 2 5 ]; manylinux2010 = [ 2 12 ]; manylinux2014 = [ 2 17 ]; };
  # Version pairs compare as one number: MAJOR * 1000 + MINOR.
  pair = major: minor: major * 1000 + minor;
  twoNumbers = text: let m = builtins.match "([0-9]+)\\.([0-9]+).*" text; in
    if m == null then null else pair (toInt (builtins.elemAt m 0)) (toInt (builtins.elemAt m 1));

  /* platformRank :: target -> string -> int|null — lower is better; null: does not install; `any`
     is not a platform here (rank puts it last). The order of mach_nix.resolve.target._platforms:
     newest manylinux first, a legacy alias (manylinux2014 …) right after its manylinux_2_N, then the
     plain linux_<arch> of wheels not audited for manylinux (PyTorch's own index serves them); on macOS
     the newest version first and, within one, packaging's order of binary formats.
  */
  platformRank = target: plat:
    let
      arch = builtins.head (lib.splitString "-" target.system);
      linux = lib.hasSuffix "-linux" target.system;
      glibc = twoNumbers (if target.glibc or null != null then target.glibc else constants.defaultTarget.glibc);
      macos = twoNumbers (if target.macos or null != null then target.macos else constants.defaultTarget.macos);
      manylinux = builtins.match "manylinux_([0-9]+)_([0-9]+)_(.*)" plat;
      legacy = builtins.match "(manylinux1|manylinux2010|manylinux2014)_(.*)" plat;
      plain = builtins.match "linux_(.*)" plat;
      mac = builtins.match "macosx_([0-9]+)_([0-9]+)_(.*)" plat;
      # packaging.tags._mac_binary_formats, in its order
      macArchs = if arch == "aarch64" then [ "arm64" "universal2" ] else [ "x86_64" "intel" "fat64" "fat32" "universal2" "universal" ];
      indexOf = x: xs: let found = lib.filter (i: builtins.elemAt xs i == x) (builtins.genList (i: i) (builtins.length xs)); in
        if found == [ ] then null else builtins.head found;
      # newer platform versions rank better
      byVersion = v: 100000 - v;
    in
    if linux && manylinux != null then
      let v = pair (toInt (builtins.elemAt manylinux 0)) (toInt (builtins.elemAt manylinux 1)); in
      if builtins.elemAt manylinux 2 == arch && v <= glibc then byVersion v * 2 else null
    else if linux && legacy != null then
      let p = legacyManylinux.${builtins.elemAt legacy 0}; v = pair (builtins.elemAt p 0) (builtins.elemAt p 1); in
      if builtins.elemAt legacy 1 == arch && v <= glibc then byVersion v * 2 + 1 else null
    # after every manylinux tag (byVersion * 2 + 1 stays below 200000), as packaging and uv rank it
    else if linux && plain != null then
      (if builtins.head plain == arch then 200000 else null)
    else if !linux && mac != null then
      let v = pair (toInt (builtins.elemAt mac 0)) (toInt (builtins.elemAt mac 1)); i = indexOf (builtins.elemAt mac 2) macArchs; in
      if i != null && v <= macos then byVersion v * 10 + i else null
    else null;

  /* pyRank :: target -> string -> int|null — the place of a `py` tag in packaging's
     _py_interpreter_range: py3M (the target's minor), py3, then py3N for older N.
  */
  pyRank = target: py:
    let
      minor = toInt (builtins.elemAt (lib.splitString "." target.python) 1);
      n = builtins.match "py3([0-9]*)" py;
    in
    if n == null then null
    else if builtins.head n == "" then 1
    else let v = toInt (builtins.head n); in if v == minor then 0 else if v < minor then 2 + (minor - 1 - v) else null;

  /* tagRank :: target -> [py abi platform] -> int|null — the tag's place in
     mach_nix.resolve.target._tags (packaging's cpython_tags, then compatible_tags): cpM-cpM, cpM-abi3,
     cpM-none on every platform; abi3 of older minors down to 3.2; the py tags with `none` on every
     platform; cpM-none-any; the py tags' none-any. The twin is held to tests/data/golden/wheel-tags.json.
  */
  tagRank = target: tag:
    let
      py = builtins.elemAt tag 0; abi = builtins.elemAt tag 1; plat = builtins.elemAt tag 2;
      minor = toInt (builtins.elemAt (lib.splitString "." target.python) 1);
      own = "cp3${toString minor}";
      cp = builtins.match "cp3([0-9]+)" py;
      cpMinor = if cp == null then null else toInt (builtins.head cp);
      pyI = pyRank target py;
      tier =
        if plat == "any" then
          (if abi != "none" then null else if py == own then 10000 else if pyI != null then 10001 + pyI else null)
        else if py == own && abi == own then 0
        else if py == own && abi == "abi3" then 1
        else if py == own && abi == "none" then 2
        else if cp != null && abi == "abi3" && cpMinor < minor && cpMinor >= 2 then 3 + (minor - 1 - cpMinor)
        else if abi == "none" && pyI != null then 200 + pyI
        else null;
      p = if plat == "any" then 0 else platformRank target plat;
    in
    if tier == null || p == null then null else tier * 10000000 + p;

  cartesian = xs: ys: zs: lib.concatMap (x: lib.concatMap (y: map (z: [ x y z ]) zs) ys) xs;

  # The python, ABI and platform parts of a wheel filename, each split at "." (compressed tag sets).
  tagParts = filename:
    let
      parts = lib.splitString "-" (builtins.substring 0 (builtins.stringLength filename - 4) filename);
      n = builtins.length parts;
    in
    if n < 5 then null else map (i: lib.splitString "." (builtins.elemAt parts (n - i))) [ 3 2 1 ];
in
rec {
  /* expand :: filename -> [string] — every tag of a wheel, as the lock's `wheel_tags` lists them.
     Example: expand "a-1-py2.py3-none-any.whl" == [ "py2-none-any" "py3-none-any" ]
  */
  expand = filename:
    let t = tagParts filename; in
    if t == null then [ ] else map (x: lib.concatStringsSep "-" x) (cartesian (builtins.elemAt t 0) (builtins.elemAt t 1) (builtins.elemAt t 2));

  /* rank :: target -> filename -> int|null — the wheel's best tag for the target; null: it does not install.
     Example: rank { python = "3.11"; system = "x86_64-linux"; glibc = "2.40"; } "a-1-py3-none-any.whl" == 10002 * 10000000
  */
  rank = target: filename:
    let
      parts = tagParts filename;
      scores = map (tagRank target) (if parts == null then [ ] else cartesian (builtins.elemAt parts 0) (builtins.elemAt parts 1) (builtins.elemAt parts 2));
      valid = lib.filter (s: s != null) scores;
    in
    if parts == null || !(lib.hasSuffix ".whl" filename) || valid == [ ] then null
    else lib.foldl' (a: b: if b < a then b else a) (builtins.head valid) valid;

  /* best :: target -> [file] -> file|null — the best-ranked wheel (ties: the smaller file name). */
  best = target: wheels:
    let
      ranked = lib.filter (w: w.rank != null) (map (w: w // { rank = rank target w.filename; }) wheels);
      better = a: b: a.rank < b.rank || (a.rank == b.rank && a.filename < b.filename);
    in
    if ranked == [ ] then null else removeAttrs (lib.foldl' (a: b: if better b a then b else a) (builtins.head ranked) ranked) [ "rank" ];
}
