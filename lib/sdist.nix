# A locked sdist as a Python package: nixpkgs' own expression with version, src and Python
# dependencies swapped when nixpkgs has the package, else a fresh pyproject build.
{ lib, pkgs }:
rec {
  /* nonPython :: [drv] -> [drv] — the inputs that are not Python modules (native libraries). */
  nonPython = lib.filter (d: !(d ? pythonModule) || d.pythonModule == false);

  /* srcOf :: entry -> path or derivation (lib/artefact.nix) */
  inherit (import ./artefact.nix { inherit pkgs; }) srcOf;

  /* override :: { base, entry, depsDrvs, buildDrvs, fixes, tests } -> derivation
     `base` is nixpkgs' package (prev.X). Keeps its patches, native inputs and checks' configuration;
     replaces version, src and every Python dependency.
  */
  override = { base, entry, depsDrvs, buildDrvs, fixes, tests }:
    base.overridePythonAttrs (old:
      let
        wasWheel = (old.format or null) == "wheel";
        buildNames = map (d: d.pname or d.name) buildDrvs;
        keptBuild = lib.filter (d: !(lib.elem (d.pname or d.name) buildNames)) (old.build-system or [ ]);
      in
      {
        inherit (entry) version;
        src = srcOf entry;
        dependencies = depsDrvs;
        propagatedBuildInputs = nonPython (old.propagatedBuildInputs or [ ]);
        build-system = keptBuild ++ buildDrvs;
        nativeBuildInputs = (old.nativeBuildInputs or [ ]) ++ fixes.nativeBuildInputs;
        buildInputs = (old.buildInputs or [ ]) ++ fixes.buildInputs;
        doCheck = tests;
        passthru = (old.passthru or { }) // { machNix = { provider = "sdist"; inherit (entry) filename; base = old.version or null; }; };
      } // lib.optionalAttrs wasWheel { format = null; pyproject = true; patches = [ ]; });

  /* fresh :: { final, name, entry, depsDrvs, buildDrvs, fixes, tests } -> derivation */
  fresh = { final, name, entry, depsDrvs, buildDrvs, fixes, tests }:
    final.buildPythonPackage {
      pname = name;
      inherit (entry) version;
      src = srcOf entry;
      pyproject = true;
      build-system = buildDrvs;
      dependencies = depsDrvs;
      nativeBuildInputs = fixes.nativeBuildInputs;
      buildInputs = fixes.buildInputs;
      doCheck = tests;
      passthru.machNix = { provider = "sdist"; inherit (entry) filename; base = null; };
    };
}
