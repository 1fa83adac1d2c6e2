# Per-package fixes from overrides/packages.json (data, with version conditions): native build
# inputs for sdists, runtime libraries and ignorable missing libraries for wheels.
{ lib, pkgs, data ? builtins.fromJSON (builtins.readFile ../overrides/packages.json) }:
let
  versions = import ./versions.nix { inherit lib; };
  # An entry names one attribute path or alternatives, "libpq.pg_config|postgresql": the first this
  # nixpkgs has (a package moved between releases: pg_config left postgresql's `out` in 25.05).
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
  /* forPackage :: { name, version, provider } -> { nativeBuildInputs, buildInputs, autoPatchelfIgnoreMissingDeps }
     The fixes that apply to one locked package.
     Example: (forPackage { name = "psycopg2"; version = "2.9.9"; provider = "sdist"; }).nativeBuildInputs
       == [ pkgs.libpq.pg_config ]   # or pkgs.postgresql on a nixpkgs without `libpq`
  */
  forPackage = { name, version, provider }:
    let
      rules = lib.filter (r: lib.isAttrs r &&
        versions.matches (r.versions or "") version
        && lib.elem provider (r.providers or [ "wheel" "sdist" "nixpkgs" ])) (data.${name} or [ ]);
      collect = field: lib.unique (lib.concatMap (r: r.${field} or [ ]) rules);
    in
    {
      nativeBuildInputs = lib.concatMap (resolveAttr name) (collect "nativeBuildInputs");
      buildInputs = lib.concatMap (resolveAttr name) (collect "buildInputs");
      autoPatchelfIgnoreMissingDeps = collect "autoPatchelfIgnoreMissingDeps";
    };
}
