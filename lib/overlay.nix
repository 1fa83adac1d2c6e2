# A lock as a Python package-set overlay (`packageOverrides = final: prev: …`).
{ lib, pkgs }:
let
  names = import ./names.nix { inherit lib; };
  graph = import ./graph.nix { inherit lib; };
  wheel = import ./wheel.nix { inherit lib pkgs; };
  sdist = import ./sdist.nix { inherit lib pkgs; };
  fixesOf = (import ./overrides.nix { inherit lib pkgs; }).forPackage;
in
rec {
  /* inSet :: attrs -> string -> bool
     Whether the Python set `prev` really has `name`: aliases that throw count as absent.
     Example: inSet prev "requests" == true
  */
  inSet = prev: name:
    let r = builtins.tryEval (prev.${name} or null); in r.success && r.value != null && lib.isAttrs r.value;

  /* overridable :: attrs -> string -> bool — inSet, and built with buildPythonPackage. */
  overridable = prev: name: inSet prev name && prev.${name} ? overridePythonAttrs;

  /* fromLock :: { lock, python, tests ? false } -> (final: prev: attrs)
     For each locked package: a wheel build, an sdist build (nixpkgs' expression overridden when it
     has the package), or nixpkgs' package with resolved dependencies. setuptools, pip and wheel keep
     nixpkgs' version unless they are roots of the lock; so do build-only packages nixpkgs has.
  */
  fromLock = { lock, python, tests ? false }: final: prev:
    let
      packages = lock.packages;
      roots = lock.roots or [ ];
      acyclic = graph.acyclic { inherit roots; deps = lib.mapAttrs (_: e: e.dependencies or [ ]) packages; };
      keepNixpkgs = name: entry:
        ((lib.elem name names.neverOverride && !(lib.elem name roots)) || (entry.build_only or false))
        && inSet prev name;
      clashes = lib.filter (n: lib.elem n names.setAttributes) (lib.attrNames packages);
      # Attribute names must not depend on prev's values (python-packages.nix uses `with self`).
      defined = packages;
      nonPureWheel = name: (packages.${name}.provider or null) == "wheel" && !(wheel.isPure packages.${name});
      mkPackage = name: entry:
        let
          deps = acyclic.${name};
          depsDrvs = map (d: final.${d}) deps;
          # Build requirements the resolver could not pin (build_system.resolved = false) come
          # from nixpkgs when it has them.
          buildDrvs = map buildInput (lib.filter (d: d != name && (packages ? ${d} || inSet prev d))
            ((entry.build_system or { }).dependencies or [ ]));
          fixes = fixesOf { inherit name; inherit (entry) version provider; };
          provider = entry.provider;
        in
        if provider == "wheel" then
          wheel.build {
            inherit final name entry deps fixes tests python;
            searchDeps = lib.filter nonPureWheel (graph.closure acyclic name);
          }
        else if provider == "sdist" then
          (if overridable prev name
           then sdist.override { base = prev.${name}; inherit entry depsDrvs buildDrvs fixes tests; }
           else sdist.fresh { inherit final name entry depsDrvs buildDrvs fixes tests; })
        else if provider == "nixpkgs" then
          let attr = entry.nixpkgs_attr or name; in
          if !(inSet prev attr) then
            throw "mach-nix: the lock takes ${name} from nixpkgs (attribute `${attr}`), but this nixpkgs' Python set has no such package. Re-lock with the current nixpkgs, or use providers = { ${name} = \"wheel,sdist\"; }."
          else if !(overridable prev attr) then prev.${attr}
          # The index does not know this release's dependencies (nixpkgs packages a version PyPI
          # metadata was not crawled for): nixpkgs' own dependency list is the best there is.
          else if entry.dependencies_unknown or false then
            prev.${attr}.overridePythonAttrs (old: { doCheck = tests; })
          else
            prev.${attr}.overridePythonAttrs (old: {
              dependencies = depsDrvs;
              propagatedBuildInputs = sdist.nonPython (old.propagatedBuildInputs or [ ]);
              doCheck = tests;
            })
        else throw "mach-nix: package ${name} in the lock has unknown provider `${provider}` (expected wheel, sdist or nixpkgs).";
      built = lib.mapAttrs (name: entry: if keepNixpkgs name entry then prev.${name} else mkPackage name entry) defined;
      # A build requirement kept from nixpkgs at another version than the lock's is built from the
      # lock for the sdists that need it, outside the set (so nothing else is rebuilt).
      sideBuilt = lib.mapAttrs mkPackage packages;
      buildInput = d:
        if packages ? ${d} && keepNixpkgs d packages.${d} && (prev.${d}.version or null) != packages.${d}.version
        then sideBuilt.${d} else final.${d};
      aliasAttrs = lib.listToAttrs (lib.concatMap (name:
        let attr = defined.${name}.nixpkgs_attr or name; in
        lib.optional (defined.${name}.provider == "nixpkgs" && attr != name) (lib.nameValuePair attr built.${name}))
        (lib.attrNames defined));
    in
    if clashes != [ ] then
      throw "mach-nix: the lock contains ${lib.concatStringsSep ", " clashes}, whose name is a function or helper of nixpkgs' Python set, so it cannot be placed there. Remove it from the requirements or build it yourself in overridesPost under another name."
    else aliasAttrs // built;
}
