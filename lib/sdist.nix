# A locked sdist as a Python package. nixpkgs' recipe is reused only at its own version (whole:
# patches, postPatch, cargoDeps, format and all, with the resolved dependencies swapped in); at
# any other version the package is built fresh from the locked file, taking from the recipe only
# its non-Python native inputs (the libraries and tools it builds against), since the rest of a
# recipe is written for its version. overrides/ supplies what a fresh build still lacks.
{ lib, pkgs }:
rec {
  /* nonPython :: [drv] -> [drv] — the inputs that are not Python modules (native libraries). */
  nonPython = lib.filter (d: !(d ? pythonModule) || d.pythonModule == false);

  /* srcOf :: entry -> path or derivation (lib/artefact.nix) */
  inherit (import ./artefact.nix { inherit pkgs; }) srcOf;

  /* recipeArgs :: drv -> attrs — the arguments a buildPythonPackage recipe was called with. */
  recipeArgs = drv: (drv.overridePythonAttrs (old: { passthru = (old.passthru or { }) // { machNixRecipeArgs = old; }; })).machNixRecipeArgs;

  /* Setup hooks that configure a build from the recipe's own attributes (cargoDeps, …): a fresh
     build has none of those, so they are not carried over. */
  recipeBoundHook = d: lib.any (p: lib.hasPrefix p (d.name or "")) [ "cargo-" "maturin-" ];

  /* nativeInputsOf :: drv -> { nativeBuildInputs, buildInputs, propagatedBuildInputs }
     The recipe's inputs that are neither Python modules (the lock gives those) nor Python set
     hooks nor hooks bound to the recipe's attributes.
  */
  nativeInputsOf = drv:
    let
      args = recipeArgs drv;
      keep = xs: lib.filter (d: !(d.provides.setupHook or false) && !(recipeBoundHook d)) (nonPython (lib.flatten xs));
    in
    {
      nativeBuildInputs = keep (args.nativeBuildInputs or [ ]);
      buildInputs = keep (args.buildInputs or [ ]);
      propagatedBuildInputs = keep (args.propagatedBuildInputs or [ ]);
    };

  /* reuse :: { base, entry, depsDrvs, tests } -> derivation
     `base` is nixpkgs' package (prev.X) at the locked version: kept whole, its Python dependencies
     replaced by the resolved ones (`depsDrvs`); `tests`: doCheck.
  */
  reuse = { base, entry, depsDrvs, tests }:
    base.overridePythonAttrs (old: {
      dependencies = depsDrvs;
      propagatedBuildInputs = nonPython (old.propagatedBuildInputs or [ ]);
      doCheck = tests;
      passthru = (old.passthru or { }) // { machNix = { provider = "sdist"; inherit (entry) filename; base = old.version or null; }; };
    });

  /* fresh :: { final, name, entry, depsDrvs, buildDrvs, fixes, tests, recipe ? null } -> derivation
     A pyproject build of the locked sdist: `buildDrvs` its build requirements, `depsDrvs` its
     dependencies, `fixes` the overrides/ rules (overrides.nix), `recipe` nixpkgs' package of
     another version (its nativeInputsOf are added) or null.
  */
  fresh = { final, name, entry, depsDrvs, buildDrvs, fixes, tests, recipe ? null }:
    let
      native = if recipe == null then { nativeBuildInputs = [ ]; buildInputs = [ ]; propagatedBuildInputs = [ ]; } else nativeInputsOf recipe;
      # The locked dependency closure for the runtime-deps check, without a packaging older than
      # 23.2: the check's script imports packaging.metadata from the same PYTHONPATH.
      checkable = d: !((d.pname or "") == "packaging" && builtins.compareVersions (d.version or "0") "23.2" < 0);
      depsPath = lib.concatMapStringsSep ":" (d: "${d}/${final.python.sitePackages}") (lib.filter checkable (final.requiredPythonModules depsDrvs));
    in
    final.buildPythonPackage {
      pname = name;
      inherit (entry) version;
      src = srcOf entry;
      pyproject = true;
      build-system = buildDrvs;
      dependencies = depsDrvs;
      nativeBuildInputs = native.nativeBuildInputs ++ fixes.nativeBuildInputs;
      buildInputs = native.buildInputs ++ fixes.buildInputs;
      propagatedBuildInputs = native.propagatedBuildInputs;
      doCheck = tests;
      # nixpkgs puts its hooks' propagated packages (the set's wheel and packaging) ahead of
      # `build-system` on PYTHONPATH, even the lock's copies listed there directly (setup.sh takes
      # inputs depth first), and `build --no-isolation` checks the backend's requirements against the
      # first distribution of each name: on an older nixpkgs (24.05: packaging 24.0) a current
      # backend's requirement (hatchling >= 1.26: packaging>=24.2) is "missing". So the build phase
      # finds the locked build closure first. Likewise pythonRuntimeDepsCheckHook (between the build
      # and the install) checks the wheel's Requires-Dist against the first distribution of each
      # name: it finds the locked dependency closure first. The install sees nixpkgs' order again.
      preBuild = ''
        machNixPythonPath=''${PYTHONPATH-}
        export PYTHONPATH=${final.makePythonPath buildDrvs}''${machNixPythonPath:+:$machNixPythonPath}
      '';
      postBuild = ''
        export PYTHONPATH=${depsPath}''${machNixPythonPath:+:$machNixPythonPath}
      '';
      preInstall = ''
        export PYTHONPATH=$machNixPythonPath
      '';
      passthru.machNix = { provider = "sdist"; inherit (entry) filename; base = if recipe == null then null else recipe.version or null; };
    };
}
