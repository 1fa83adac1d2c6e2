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

  /* recipeBoundHook :: drv -> bool
     Setup hooks that configure a build from the recipe's own attributes (cargoDeps, …): a fresh
     build has none of those, so they are not carried over. The compilers themselves (`cargo-1.83.0`,
     `rustc-wrapper-1.83.0`) are kept.
     Example: recipeBoundHook rustPlatform.cargoSetupHook == true; recipeBoundHook cargo == false
  */
  recipeBoundHook = d: builtins.match "(cargo|maturin)-[a-z-]*hook(\\.sh)?" (d.name or "") != null;

  buildSystems = builtins.fromJSON (builtins.readFile ../overrides/build-systems.json);

  /* rustBuildTools :: [string] — build requirements that compile Rust (overrides/build-systems.json). */
  rustBuildTools = buildSystems.rust;

  /* externalLib — PEP 725 `[external]` tables mapped through overrides/external.json (lib/external.nix). */
  externalLib = import ./external.nix { inherit lib pkgs; };

  /* externalOf :: { final, name, entry } -> { nativeBuildInputs, buildInputs, keys } — what the
     sdist's own `[external]` table asks for, markers decided for the interpreter and platform.
     Example: (externalOf { inherit final; name = "a"; entry = { version = "1"; }; }).buildInputs == [ ]
  */
  externalOf = { final, name, entry }: externalLib.forSdist {
    inherit name entry;
    env = (import ./markers.nix { inherit lib; }).environment {
      python = final.python.pythonVersion; python_full = final.python.version; system = pkgs.stdenv.hostPlatform.system;
    };
  };

  /* rustReasons :: entry -> [string] -> [string] — why a fresh build of the sdist compiles Rust: its
     build requirements named in overrides/build-systems.json `rust`, and the DepURLs of its
     `[external]` build-requires (`externalBuild`, externalOf's `keys.build`) named in `rustDepURLs`.
     Example: rustReasons { build_system.dependencies = [ "maturin" ]; } [ "dep:virtual/compiler/c" ] == [ "maturin" ]
  */
  rustReasons = entry: externalBuild: lib.filter (t: lib.elem t rustBuildTools) ((entry.build_system or { }).dependencies or [ ])
    ++ lib.filter (k: lib.elem k buildSystems.rustDepURLs) externalBuild;

  /* backendTools :: entry -> [drv] — the native tools the sdist's build backends run
     (overrides/build-systems.json `nativeTools`: meson-python runs ninja).
     Example: backendTools { build_system.dependencies = [ "meson-python" ]; } == [ pkgs.ninja ]
  */
  backendTools = entry: lib.concatMap (d: map (attr: lib.attrByPath (lib.splitString "." attr)
      (throw "mach-nix: overrides/build-systems.json names the nixpkgs attribute `${attr}` for ${d}, which this nixpkgs does not have.") pkgs)
    (buildSystems.nativeTools.${d} or [ ])) ((entry.build_system or { }).dependencies or [ ]);

  /* refuseRust :: { name, entry, drv, reasons } -> drv   (reasons: rustReasons, non-empty)
     A fresh build of an sdist that compiles Rust cannot fetch its crates (no network in a Nix
     build): `drv` with its outPath and drvPath a paragraph naming the ways out. Its attributes stay
     readable, and an overridesPost that gives it `cargoDeps` (overridePythonAttrs makes a new
     derivation) builds.
  */
  refuseRust = { name, entry, drv, reasons }:
    let
      tools = lib.concatStringsSep ", " reasons;
      msg = "mach-nix: ${name} ${entry.version} is locked as an sdist (${entry.filename}) that compiles Rust (its build system uses ${tools}), and a Nix build cannot fetch its crates. Ways out: take a wheel (providers = { ${name} = \"wheel\"; }, with a release that has one for this interpreter, e.g. a newer ${name}); take nixpkgs' own build where nixpkgs has this version (providers = { ${name} = \"nixpkgs,wheel,sdist\"; }); or vendor its crates in overridesPost: ${name} = prev.${name}.overridePythonAttrs (old: { cargoDeps = pkgs.rustPlatform.fetchCargoVendor { inherit (old) src; hash = \"\"; }; nativeBuildInputs = old.nativeBuildInputs ++ [ pkgs.rustPlatform.cargoSetupHook pkgs.cargo pkgs.rustc ]; }); (build once to learn the hash).";
    in drv // { outPath = throw msg; drvPath = throw msg; };

  /* nativeInputsOf :: drv -> { nativeBuildInputs, buildInputs, propagatedBuildInputs }
     The recipe's inputs that are neither Python modules (the lock gives those) nor Python set
     hooks nor hooks bound to the recipe's attributes. Native tools in the recipe's `build-system`
     (numpy: gfortran, pkg-config) count as nativeBuildInputs, where buildPythonPackage puts them.
     Example: nativeInputsOf prev.numpy == { nativeBuildInputs = [ gfortran pkg-config ]; buildInputs = [ blas lapack ]; … }
  */
  nativeInputsOf = drv:
    let
      args = recipeArgs drv;
      keep = xs: lib.filter (d: !(d.provides.setupHook or false) && !(recipeBoundHook d)) (nonPython (lib.flatten xs));
    in
    {
      nativeBuildInputs = keep ((args.nativeBuildInputs or [ ]) ++ (args.build-system or [ ]));
      buildInputs = keep (args.buildInputs or [ ]);
      propagatedBuildInputs = keep (args.propagatedBuildInputs or [ ]);
    };

  /* reuse :: { base, entry, depsDrvs, tests, cut ? [ ] } -> derivation
     `base` is nixpkgs' package (prev.X) at the locked version: kept whole, its Python dependencies
     replaced by the resolved ones (`depsDrvs`); `tests`: doCheck; `cut`: dependencies left out to
     break a cycle (the runtime-deps check would report them missing, so it is skipped).
  */
  reuse = { base, entry, depsDrvs, tests, cut ? [ ] }:
    base.overridePythonAttrs (old: lib.optionalAttrs (cut != [ ]) { dontCheckRuntimeDeps = true; } // {
      dependencies = depsDrvs;
      propagatedBuildInputs = nonPython (old.propagatedBuildInputs or [ ]);
      doCheck = tests;
      passthru = (old.passthru or { }) // { machNix = { provider = "sdist"; inherit (entry) filename; base = old.version or null; }; };
    });

  /* fresh :: { final, name, entry, depsDrvs, buildDrvs, fixes, tests, recipe ? null, cut ? [ ] } -> derivation
     A pyproject build of the locked sdist: `buildDrvs` its build requirements, `depsDrvs` its
     dependencies, `fixes` the overrides/ rules (overrides.nix), `recipe` nixpkgs' package of
     another version (its nativeInputsOf are added) or null; `cut` as for reuse.
  */
  fresh = { final, name, entry, depsDrvs, buildDrvs, fixes, tests, recipe ? null, cut ? [ ] }:
    let
      native = if recipe == null then { nativeBuildInputs = [ ]; buildInputs = [ ]; propagatedBuildInputs = [ ]; } else nativeInputsOf recipe;
      # The sdist's own PEP 725 [external] table (an entry without it adds nothing).
      external = externalOf { inherit final name entry; };
      rust = rustReasons entry external.keys.build;
      # The locked dependency closure for the runtime-deps check, without a packaging older than
      # 23.2: the check's script imports packaging.metadata from the same PYTHONPATH.
      checkable = d: !((d.pname or "") == "packaging" && builtins.compareVersions (d.version or "0") "23.2" < 0);
      depsPath = lib.concatMapStringsSep ":" (d: "${d}/${final.python.sitePackages}") (lib.filter checkable (final.requiredPythonModules depsDrvs));
      drv = final.buildPythonPackage (lib.optionalAttrs (cut != [ ]) { dontCheckRuntimeDeps = true; } // {
        pname = name;
        inherit (entry) version;
        src = srcOf entry;
        pyproject = true;
        build-system = buildDrvs;
        dependencies = depsDrvs;
        nativeBuildInputs = native.nativeBuildInputs ++ backendTools entry ++ external.nativeBuildInputs ++ fixes.nativeBuildInputs;
        buildInputs = native.buildInputs ++ external.buildInputs ++ fixes.buildInputs;
        propagatedBuildInputs = native.propagatedBuildInputs;
        doCheck = tests;
        failureHook = (import ./build-hint.nix { }).failureHook name entry.version;
        env = fixes.env or { };
        # nixpkgs puts its hooks' propagated packages (the set's wheel and packaging) ahead of
        # `build-system` on PYTHONPATH, even the lock's copies listed there directly (setup.sh takes
        # inputs depth first), and `build --no-isolation` checks the backend's requirements against the
        # first distribution of each name: on an older nixpkgs (24.05: packaging 24.0) a current
        # backend's requirement (hatchling >= 1.26: packaging>=24.2) is "missing". So the build phase
        # finds the locked build closure first. Likewise pythonRuntimeDepsCheckHook (between the build
        # and the install) checks the wheel's Requires-Dist against the first distribution of each
        # name: it finds the locked dependency closure first. The install sees nixpkgs' order again.
        # setuptools vendors what it imports (packaging, wheel, …) and prefers an installed copy: in an
        # isolated build there is none, here nixpkgs' is (24.05: packaging 24.0, too old for
        # setuptools >= 77), so the locked build tools' vendored directories come first too.
        preBuild = ''
          machNixPythonPath=''${PYTHONPATH-}
          machNixBuildPath=${final.makePythonPath buildDrvs}
          for d in ''${machNixBuildPath//:/ }; do
            if [ -d "$d/setuptools/_vendor" ]; then machNixBuildPath=$machNixBuildPath:$d/setuptools/_vendor; fi
          done
          export PYTHONPATH=$machNixBuildPath''${machNixPythonPath:+:$machNixPythonPath}
        '';
        postBuild = ''
          export PYTHONPATH=${depsPath}''${machNixPythonPath:+:$machNixPythonPath}
        '';
        preInstall = ''
          export PYTHONPATH=$machNixPythonPath
        '';
        postInstall = (import ./overrides.nix { inherit lib pkgs; }).substitutionScript final.python.sitePackages (fixes.substitutions or [ ]);
        postFixup = (import ./namespaces.nix { inherit lib; }).dropInits final.python;
        passthru.machNix = { provider = "sdist"; inherit (entry) filename; base = if recipe == null then null else recipe.version or null; };
      });
    in if rust != [ ] then refuseRust { inherit name entry drv; reasons = rust; } else drv;
}
