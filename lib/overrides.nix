# Per-package fixes from overrides/packages.json (data, with version conditions): native build
# inputs for sdists, runtime libraries and ignorable missing libraries for wheels.
{ lib, pkgs, data ? builtins.fromJSON (builtins.readFile ../overrides/packages.json) }:
let
  versions = import ./versions.nix { inherit lib; };
  constants = import ./constants.nix { };
  # An entry names one attribute path or alternatives, "libpq.pg_config|postgresql": the first this
  # nixpkgs has (a package moved between releases: pg_config left postgresql's `out` in 25.05).
  # "${file}/lib/libmagic.so.1" with the attribute's store path (the first alternative this nixpkgs has).
  interpolate = pkgName: text:
    let parts = builtins.split "\\$\\{([A-Za-z0-9_.|-]+)}" text; in
    lib.concatMapStrings (p: if lib.isList p
      then (let found = resolveAttr pkgName (lib.head p); in
            if found == [ ] then throw "mach-nix: overrides/packages.json's substitution for ${pkgName} names `${lib.head p}`, which this nixpkgs does not have." else "${lib.head found}")
      else p) parts;
  resolveAttr = pkgName: attr:
    let
      found = lib.findFirst (x: x != null) null
        (map (alt: lib.attrByPath (lib.splitString "." alt) null pkgs) (lib.splitString "|" attr));
    in
    if found == null then
      builtins.trace "mach-nix: warning: overrides/packages.json gives ${pkgName} the nixpkgs attribute `${attr}`, which this nixpkgs does not have; building without it (add it with overridesPost if the build needs it)." [ ]
    else [ found ];
in
{
  /* substitutionScript :: string -> [{ file, old, new }] -> string
     The shell lines that apply forPackage's substitutions to an installed package (`sitePackages`:
     the interpreter's). --replace-fail: a rule that no longer fits the package says so.
     Example: substitutionScript "lib/python3.11/site-packages" [ { file = "m.py"; old = "a"; new = "b"; } ]
       == "substituteInPlace \"$out/lib/python3.11/site-packages/m.py\" --replace-fail 'a' 'b'\n"
  */
  substitutionScript = sitePackages: lib.concatMapStrings (sub: "substituteInPlace \"$out/${sitePackages}/${sub.file}\" --replace-fail "
    + "${lib.escapeShellArg sub.old} ${lib.escapeShellArg sub.new}\n");

  /* forPackage :: { name, version, provider, hasNeeds ? false } -> { env, substitutions, nativeBuildInputs, buildInputs, autoPatchelfIgnoreMissingDeps }
     The fixes that apply to one locked package. A rule with `unlessNeeds` is the fallback for a
     wheel whose lock entry has no `needs` (lib/needs.nix then does its work).
     Example: (forPackage { name = "psycopg2"; version = "2.9.9"; provider = "sdist"; }).nativeBuildInputs
       == [ pkgs.libpq.pg_config ]   # or pkgs.postgresql on a nixpkgs without `libpq`
  */
  forPackage = { name, version, provider, hasNeeds ? false }:
    let
      rules = lib.filter (r: lib.isAttrs r && !(hasNeeds && (r.unlessNeeds or false)) &&
        versions.matches (r.versions or "") version
        && lib.elem provider (r.providers or constants.providers)) (data.${name} or [ ]);
      collect = field: lib.unique (lib.concatMap (r: r.${field} or [ ]) rules);
    in
    {
      # Environment variables the build reads (gssapi: GSSAPI_SUPPORT_DETECT), merged in rule order.
      env = lib.foldl' (acc: r: acc // (r.env or { })) { } rules;
      # Text replacements in installed files (python-magic's ctypes lookup of libmagic): each
      # `{ file; old; new; }`, `file` below site-packages, `new` with ${attr} made a store path.
      substitutions = map (sub: sub // { new = interpolate name sub.new; })
        (lib.concatMap (r: r.substituteInPlace or [ ]) rules);
      nativeBuildInputs = lib.concatMap (resolveAttr name) (collect "nativeBuildInputs");
      buildInputs = lib.concatMap (resolveAttr name) (collect "buildInputs");
      autoPatchelfIgnoreMissingDeps = collect "autoPatchelfIgnoreMissingDeps";
    };
}
