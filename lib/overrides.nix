# Per-package fixes from overrides/packages.json (data, with version conditions): native build
# inputs for sdists, runtime libraries and ignorable missing libraries for wheels.
{ lib, pkgs, data ? builtins.fromJSON (builtins.readFile ../overrides/packages.json) }:
let
  versions = import ./versions.nix { inherit lib; };
  resolveAttr = pkgName: attr:
    let
      path = lib.splitString "." attr;
      found = lib.attrByPath path null pkgs;
    in
    if found == null then
      builtins.trace "mach-nix: warning: overrides/packages.json gives ${pkgName} the nixpkgs attribute `${attr}`, which this nixpkgs does not have; building without it (add it with overridesPost if the build needs it)." [ ]
    else [ found ];
in
{
  /* forPackage :: { name, version, provider, hasNeeds ? false } -> { nativeBuildInputs, buildInputs, autoPatchelfIgnoreMissingDeps }
     The fixes that apply to one locked package. A rule with `unlessNeeds` is the fallback for a
     wheel whose lock entry has no `needs` (lib/needs.nix then does its work).
     Example: (forPackage { name = "psycopg2"; version = "2.9.9"; provider = "sdist"; }).nativeBuildInputs
       == [ pkgs.postgresql ]
  */
  forPackage = { name, version, provider, hasNeeds ? false }:
    let
      rules = lib.filter (r: lib.isAttrs r && !(hasNeeds && (r.unlessNeeds or false)) &&
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
