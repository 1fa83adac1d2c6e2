# A lock as a Python package-set overlay (`packageOverrides = final: prev: …`).
{ lib, pkgs }:
let
  names = import ./names.nix { inherit lib; };
  graph = import ./graph.nix { inherit lib; };
  versions = import ./versions.nix { inherit lib; };
  project = import ./project.nix { inherit lib; };
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

  /* overridable :: attrs -> string -> bool
     inSet, built with buildPythonPackage, and the same project: an alias to another project
     (nixpkgs' `cchardet = faust-cchardet`) is not the recipe of the lock's package.
     Example: overridable prev "cchardet" == false   # on nixpkgs, where it names faust-cchardet
  */
  overridable = prev: name: inSet prev name && prev.${name} ? overridePythonAttrs
    && names.normalize (prev.${name}.pname or name) == name;

  /* contracts.<attr> :: { drv, base, entry, python, closure } -> attrs
     The passthru that nixpkgs recipes read from the package at <attr>, for the lock's build `drv`
     of it (`base`: nixpkgs' package there, or null; `closure`: the names it depends on). Paths are
     recomputed for `drv`; the rest is nixpkgs' own, as configured there.
  */
  contracts = {
    # scipy, pyside6/shiboken6, torch: `numpy.coreIncludeDir` (numpy 2 moved numpy/core to _core);
    # scikit-learn: `numpy.blas` (it builds against the BLAS numpy was configured with), with
    # `blasImplementation` and the `cfg` site.cfg. A wheel bundles its own BLAS; recipes that build
    # against numpy get nixpkgs' configuration, as they would with nixpkgs' numpy.
    numpy = { drv, entry, base, python, ... }:
      let blas = if base != null && base ? blas then base.blas else pkgs.blas; in {
        coreIncludeDir = "${drv}/${python.sitePackages}/numpy/${if builtins.compareVersions entry.version "2" >= 0 then "_core" else "core"}/include";
        inherit blas;
        blasImplementation = if base != null && base ? blasImplementation then base.blasImplementation else blas.implementation or "openblas";
        cfg = if base != null && base ? cfg then base.cfg
          else pkgs.writeText "site.cfg" "[${blas.implementation or "openblas"}]\nlibrary_dirs = ${blas}/lib\n";
      };
    # torchvision, torchaudio, xformers, flash-attn, mmcv: torch's CUDA/ROCm configuration, its C++
    # development files (`cxxdev`), GPU target list and stdenv. A PyPI torch wheel uses CUDA when the
    # lock gives it the nvidia-* libraries; its GPU targets are its own, so nixpkgs' torch's
    # capabilities are carried over only when that torch is a CUDA build too (never a CPU torch's).
    torch = { drv, base, closure, python, ... }:
      let
        cudaSupport = lib.any (d: lib.hasPrefix "nvidia-" d) closure;
        fromBase = a: default: if base != null && base ? ${a} then base.${a} else default;
        baseIsCuda = fromBase "cudaSupport" false;
        cudaCapabilities = if cudaSupport && baseIsCuda then fromBase "cudaCapabilities" [ ] else [ ];
      in {
        inherit cudaSupport cudaCapabilities;
        cudaPackages = fromBase "cudaPackages" { };
        rocmSupport = false;
        gpuTargetString = lib.concatStringsSep ";" cudaCapabilities;
        stdenv = fromBase "stdenv" pkgs.stdenv;
        # The wheel ships the headers and CMake files that nixpkgs' torch puts in its cxxdev output.
        cxxdev = pkgs.runCommand "torch-${drv.version or ""}-cxxdev" { } ''
          mkdir -p $out/share
          ln -s ${drv}/${python.sitePackages}/torch/include $out/include
          ln -s ${drv}/${python.sitePackages}/torch/share/cmake $out/share/cmake
        '';
      } // lib.optionalAttrs (base != null && base ? rocmPackages) { inherit (base) rocmPackages; };
  };

  /* versionedAliases.<attr> :: version -> [attr] — the versioned attributes of the set that must
     name the lock's package too (nixpkgs: numpy = numpy_2, and recipes that name numpy_2).
  */
  versionedAliases = {
    numpy = v: [ "numpy_${lib.head (lib.splitString "." v)}" ];
  };

  /* fromLock :: { lock, python, tests ? false } -> (final: prev: attrs)
     `lock`: a parsed lock (docs/lock-format.md); `python`: the interpreter the overlay is made for,
     *without* the overlay (its set tells which build tools nixpkgs provides); `tests`: doCheck.
     For each locked package: a wheel build, an sdist build (nixpkgs' expression overridden when it
     has the package), or nixpkgs' package with resolved dependencies — placed at its attribute,
     except for nixpkgs' build machinery (names.machinery, plus the build tools the lock's sdists
     take from nixpkgs and everything those need at run time): the hooks of every package use them,
     so they stay nixpkgs' own, and the lock's copy (when its version differs) is built beside the
     set and given to the packages that depend on it. `machNixLock.<name>` is the lock's derivation
     of every locked package (the set's attribute, or that copy): what an environment selects.
  */
  fromLock = { lock, python, tests ? false }: final: prev:
    let
      packages = lock.packages;
      roots = lock.roots or [ ];
      accelerator = (import ./accelerator.nix { inherit lib; }).ofLock lock;
      acyclic = graph.acyclic { inherit roots; deps = lib.mapAttrs (_: e: e.dependencies or [ ]) packages; };
      # nixpkgs' build tools for the lock's sdists (build requirements the lock does not build, or
      # builds only for the build), and their run-time closure, read from the set without this
      # overlay (reading `prev` here would recurse: its packages refer to `final`).
      basePkgs = python.pkgs;
      toolNames = lib.unique (lib.concatMap (e:
        lib.filter (d: (!(packages ? ${d}) || (packages.${d}.build_only or false)) && inSet basePkgs d)
          ((e.build_system or { }).dependencies or [ ])) (lib.attrValues packages));
      toolClosure = lib.concatMap (t: map (d: names.normalize (d.pname or "")) (basePkgs.${t}.requiredPythonModules or [ ])) toolNames;
      machinery = lib.genAttrs (names.machinery ++ toolNames ++ toolClosure) (_: true);
      keepNixpkgs = name: entry: (machinery ? ${name} || (entry.build_only or false)) && inSet prev name;
      clashes = lib.filter (n: lib.elem n names.setAttributes) (lib.attrNames packages);
      # Attribute names must not depend on prev's values (python-packages.nix uses `with self`).
      defined = packages;
      nonPureWheel = name: (packages.${name}.provider or null) == "wheel" && !(wheel.isPure packages.${name});
      # The lock's derivation of a locked name: the set's attribute, unless the set keeps nixpkgs'
      # package there at another version, when it is the lock's copy built beside the set.
      lockCopy = d:
        if keepNixpkgs d packages.${d} && (prev.${d}.version or null) != packages.${d}.version
        then sideBuilt.${d} else final.${d};
      pkgOf = d: if packages ? ${d} then lockCopy d else final.${d};
      mkPackage = name: entry: withContract name entry (mkBuild name entry);
      # A package placed where recipes read passthru keeps that contract, computed for this build.
      withContract = name: entry: drv:
        if !(contracts ? ${name}) || !(drv ? overridePythonAttrs) then drv
        else
          let
            # nixpkgs' package there, read through its versioned attribute when it has one: nixpkgs
            # defines `numpy = numpy_2` over the final set, where numpy_2 is this overlay's numpy.
            versioned = lib.filter (inSet prev) ((versionedAliases.${name} or (_: [ ])) entry.version);
            base = if versioned != [ ] then prev.${lib.head versioned}
              else if inSet prev name then prev.${name} else null;
            extra = contracts.${name} { drv = withIt; inherit base entry python; closure = graph.closure acyclic name; };
            withIt = drv.overridePythonAttrs (old: { passthru = (old.passthru or { }) // extra; });
          in withIt;
      # A lock that did not resolve an sdist's build requirements (converted by Nix from uv.lock,
      # poetry.lock or pylock.toml: no resolver runs there) takes them from nixpkgs; one whose
      # version nixpkgs has outside the requirement's bounds refuses the build while evaluating,
      # rather than failing inside it.
      unfitBuildTools = name: entry: drv:
        let
          bs = entry.build_system or { };
          unfit = lib.filter (r: let n = project.requirementName r; in
              n != null && n != name && !(packages ? ${n}) && inSet prev n
              && !(versions.satisfies (project.requirementSpecifier r) (toString (prev.${n}.version or ""))))
            (if bs.resolved or true then [ ] else bs.requires or [ ]);
          describe = r: let n = project.requirementName r; in "`${lib.removeSuffix " " r}` (nixpkgs has ${n} ${toString prev.${n}.version})";
          msg = "mach-nix: the sdist of ${name} ${entry.version} needs ${lib.concatMapStringsSep ", " describe unfit} to build, and this lock did not resolve its build requirements (a uv.lock, poetry.lock or pylock.toml read by Nix takes them from nixpkgs). Convert the lock with `mach-nix lock --from <that file> -o mach-nix.lock.json`, which resolves them, and pass that file as lockFile; or give a fitting build tool in overridesPost.";
        in if unfit == [ ] then drv else drv // { outPath = throw msg; drvPath = throw msg; };
      mkBuild = name: entry:
        let
          deps = acyclic.${name};
          depsDrvs = map pkgOf deps;
          # Build requirements the resolver could not pin (build_system.resolved = false) come
          # from nixpkgs when it has them.
          buildDrvs = map pkgOf (lib.filter (d: d != name && (packages ? ${d} || inSet prev d))
            ((entry.build_system or { }).dependencies or [ ]));
          fixes = fixesOf { inherit name; inherit (entry) version provider; hasNeeds = entry ? needs; };
          provider = entry.provider;
          # Dependencies whose edge `acyclic` cut: not in this build's inputs, so nixpkgs'
          # runtime-deps check would call them missing; the environment holds them all the same.
          cut = lib.filter (d: packages ? ${d} && !(lib.elem d deps)) (entry.dependencies or [ ]);
        in
        if provider == "wheel" then
          wheel.build {
            inherit final name entry deps fixes tests python pkgOf accelerator;
            searchDeps = lib.filter nonPureWheel (graph.closure acyclic name);
          }
        else if provider == "sdist" then
          (if overridable prev name && (prev.${name}.version or null) == entry.version
           then sdist.reuse { base = prev.${name}; inherit entry depsDrvs tests cut; }
           else unfitBuildTools name entry (sdist.fresh {
             inherit final name entry depsDrvs buildDrvs fixes tests cut;
             recipe = if overridable prev name then prev.${name} else null;
           }))
        else if provider == "nixpkgs" then
          let attr = entry.nixpkgs_attr or name; in
          if !(inSet prev attr) then
            throw "mach-nix: the lock takes ${name} from nixpkgs (attribute `${attr}`), but this nixpkgs' Python set has no such package. Re-lock with the current nixpkgs, or use providers = { ${name} = \"wheel,sdist\"; }."
          # What the lock says is what the environment holds: a nixpkgs that moved on is an error.
          else if toString (prev.${attr}.version or "") != entry.version then
            throw "mach-nix: the lock takes ${name} ${entry.version} from nixpkgs (attribute `${attr}`), but this nixpkgs has ${toString (prev.${attr}.version or "no version")}. Re-lock with this nixpkgs (mach-nix lock, or without lockFile), or use providers = { ${name} = \"wheel,sdist\"; }."
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
      # A package kept from nixpkgs at another version than the lock's is built from the lock
      # outside the set, for the packages (and the environment) that need it: nothing else is rebuilt.
      sideBuilt = lib.mapAttrs mkPackage packages;
      aliasAttrs = lib.listToAttrs (lib.concatMap (name:
        let attr = defined.${name}.nixpkgs_attr or name; in
        lib.optional (defined.${name}.provider == "nixpkgs" && attr != name) (lib.nameValuePair attr built.${name})
        # numpy_2 for a locked numpy 2.x: a recipe naming the versioned attribute gets the same numpy.
        ++ map (a: lib.nameValuePair a built.${name})
          (lib.filter (a: !(packages ? ${a})) ((versionedAliases.${name} or (_: [ ])) defined.${name}.version)))
        (lib.attrNames defined));
    in
    if clashes != [ ] then
      throw "mach-nix: the lock contains ${lib.concatStringsSep ", " clashes}, whose name is a function or helper of nixpkgs' Python set, so it cannot be placed there. Remove it from the requirements or build it yourself in overridesPost under another name."
    else aliasAttrs // built // { machNixLock = lib.mapAttrs (n: _: lockCopy n) packages; };
}
