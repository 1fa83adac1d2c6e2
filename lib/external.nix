# What an sdist's PEP 725 `[external]` table (the lock entry's `external`, docs/lock-format.md)
# asks of its fresh build, through the DepURL table overrides/external.json (data: DepURL →
# nixpkgs attribute paths).
{ lib, pkgs, table ? builtins.fromJSON (builtins.readFile ../overrides/external.json) }:
let
  markers = import ./markers.nix { inherit lib; };
  # The first attribute path of `paths` this nixpkgs has (as lib/needs.nix).
  firstPresent = paths: lib.findFirst (x: x != null) null (map (p: lib.attrByPath (lib.splitString "." p) null pkgs) paths);
in
rec {
  /* parse :: string -> { key, marker } — an external dependency specifier: the DepURL without
     version, qualifiers or subpath, lowercased (the table's key), and its environment marker or null.
     Example: parse "dep:generic/openssl@>=3; sys_platform == 'linux'"
       == { key = "dep:generic/openssl"; marker = "sys_platform == 'linux'"; }
  */
  parse = spec:
    let
      parts = builtins.match "([^;]*);?[[:space:]]*(.*)" spec;
      url = lib.head (builtins.match "[[:space:]]*([^@?#[:space:]]*).*" (lib.head parts));
      marker = lib.elemAt parts 1;
    in
    { key = lib.toLower url; marker = if builtins.match "[[:space:]]*" marker != null then null else marker; };

  /* selected :: { external, extras, env } -> { build, host } — the DepURL keys of `build-requires`
     and `host-requires`, plus the optional tables' lists of the package's active `extras`, whose
     markers hold for `env` (lib/markers.nix environment, `extra` set per optional list).
     Example: (selected { external = { host-requires = [ "dep:generic/zlib" ]; }; extras = [ ]; inherit env; }).host == [ "dep:generic/zlib" ]
  */
  selected = { external, extras, env }:
    let
      # A marker this evaluator cannot read counts as holding: the dependency is then added, or warned about.
      holds = extra: marker: let r = builtins.tryEval (markers.evaluate (env // { inherit extra; }) marker); in !r.success || r.value;
      keysOf = extra: specs: map (p: p.key) (lib.filter (p: holds extra p.marker) (map parse specs));
      optional = field: lib.concatMap (x: keysOf x ((external.${field} or { }).${x} or [ ])) extras;
    in
    {
      build = lib.unique (keysOf "" (external.build-requires or [ ]) ++ optional "optional-build-requires");
      host = lib.unique (keysOf "" (external.host-requires or [ ]) ++ optional "optional-host-requires");
    };

  /* forSdist :: { name, entry, env } -> { nativeBuildInputs, buildInputs, keys }
     The nixpkgs packages a locked sdist's `external` maps to; `keys.build` are also what the Rust
     refusal reads. A DepURL the table lacks (or whose attributes this nixpkgs lacks) is skipped with
     a warning naming the line to add; `dep:pypi/…` is a Python distribution, which the lock provides.
     An entry without `external` gives nothing: the build is today's.
     Example: (forSdist { name = "cryptography"; entry = { external.host-requires = [ "dep:generic/openssl" ]; }; inherit env; }).buildInputs == [ pkgs.openssl ]
  */
  forSdist = { name, entry, env }:
    let
      keys = selected { external = entry.external or { }; extras = entry.extras or [ ]; inherit env; };
      native = key: !(lib.hasPrefix "dep:pypi/" key);
      resolve = key:
        let paths = table.depurls.${key} or null; found = if paths == null then null else firstPresent paths; in
        if paths == [ ] then [ ]
        else if found != null then [ found ]
        else builtins.trace ("mach-nix: warning: ${name} ${entry.version or ""} asks for the external dependency ${key} (PEP 725 [external]), "
          + (if paths == null
             then "which overrides/external.json does not map; building without it. Add the line  \"${key}\": [\"<attribute>\"],  to overrides/external.json (or give the package in overridesPost)."
             else "which overrides/external.json maps to ${lib.concatStringsSep " or " paths}, none of which this nixpkgs has; building without it.")) [ ];
      inputs = keys': lib.concatMap resolve (lib.filter native keys');
    in
    { nativeBuildInputs = inputs keys.build; buildInputs = inputs keys.host; inherit keys; };
}
