# buildPythonPackage and buildPythonApplication of a local project: its metadata read from
# pyproject.toml or setup.cfg (lib/project.nix), its dependencies locked like mkPython's (plus the
# build requirements nixpkgs lacks), the build done by nixpkgs' builder of the same name.
{ lib, pkgs, python
  # lib/lock-source.nix: lockOf
, lockSource
  # lib/mkOverlay.nix: composeOverrides, withOverrides
, overlays
}:
let
  projectLib = import ./project.nix { inherit lib; };
  overlayLib = import ./overlay.nix { inherit lib pkgs; };
  targetLib = import ./target.nix { inherit lib; };
  versionsLib = import ./versions.nix { inherit lib; };
  resolveLib = import ./resolve.nix { inherit lib pkgs; };
  constants = import ./constants.nix { };

  # mach-nix's own arguments; every other one goes to the builder.
  projectArgs = [ "requirements" "requirementsExtra" "extras" "groups" "providers" "lockFile" "lockFormat"
    "overridesPre" "overridesPost" "python" "tests" "indexes" "accelerator" ];

  /* sourceOf :: (path | derivation | { url; hash | sha256; }) -> path or derivation
     A `{ url; hash; }` source (an sdist or a source archive: .tar.gz, .zip, .tar.bz2, .tgz, .tar.xz, .tar) is
     fetched with fetchurl and unpacked (its single top directory stripped), so its metadata can
     be read (import from derivation).
     Example: sourceOf { url = "https://…/six-1.16.0.tar.gz"; hash = "sha256-…"; }
  */
  sourceOf = src:
    if !(lib.isAttrs src) || lib.isDerivation src then src
    else if !(src ? url) then throw "mach-nix: src must be a path, a derivation, or { url = \"https://…/project-1.0.tar.gz\"; hash = \"sha256-…\"; }."
    else
      let
        archive = pkgs.fetchurl (removeAttrs src [ "stripRoot" ]);
        name = lib.last (lib.splitString "/" src.url);
        suffix = lib.findFirst (x: lib.hasSuffix x name) null constants.sdistSuffixes;
        stem = if suffix == null then name else lib.removeSuffix suffix name;
      in
      pkgs.runCommand "${stem}-source" { nativeBuildInputs = lib.optional (lib.hasSuffix ".zip" name) pkgs.unzip; } ''
        mkdir unpacked $out
        case ${lib.escapeShellArg name} in
          *.zip) unzip -qq ${archive} -d unpacked ;;
          *) tar xf ${archive} -C unpacked ;;
        esac
        entries=(unpacked/*)
        if [ ''${#entries[@]} -eq 1 ] && [ -d "''${entries[0]}" ]; then cp -r "''${entries[0]}"/. $out/; else cp -r unpacked/. $out/; fi
      '';

  /* buildRequirements :: { meta, base } -> { names, toResolve }
     The build requirements of the project by name, and the text of those to resolve with the rest:
     a requirement nixpkgs' set has at a version that fits is nixpkgs' own; the others (absent, or at
     a version outside the requirement's bounds: `setuptools>=77` on a set with 75) are resolved, and
     the build takes the lock's.
     Example: (buildRequirements { meta.buildRequires = [ "setuptools>=77" ]; base = pkgs.python3; }).toResolve
       == "setuptools>=77\n"   # on a set with setuptools 75
  */
  buildRequirements = { meta, base }:
    let
      nameOf = projectLib.requirementName;
      fitsSet = r: let n = nameOf r; in
        overlayLib.inSet base.pkgs n && versionsLib.satisfies (projectLib.requirementSpecifier r) (toString (base.pkgs.${n}.version or ""));
      resolvedNames = lib.unique (lib.filter (n: n != null) (map nameOf (lib.filter (r: !(fitsSet r)) meta.buildRequires)));
    in
    {
      names = lib.filter (n: n != null) (map nameOf meta.buildRequires);
      toResolve = lib.concatMapStrings (r: r + "\n") (lib.filter (r: lib.elem (nameOf r) resolvedNames) meta.buildRequires);
    };

  /* resolution :: { meta, args, base, extras, reqText } -> attrs — lockOf's `resolution` for a
     project: its pyproject or setup.cfg (unless `requirements` replace them) and `reqText` (the
     user's requirements, requirementsExtra and the build requirements to resolve).
     Example: (resolution { meta = projectLib.read { src = ./.; }; args = { }; base = pkgs.python3;
                            extras = [ ]; reqText = ""; }).relockFlags == "--pyproject pyproject.toml"
  */
  resolution = { meta, args, base, extras, reqText }:
    let userReqs = args.requirements or null; in {
      what = "the requirements of ${toString meta.file}";
      relockFlags = if meta.kind == "pyproject" then "--pyproject ${baseNameOf meta.file}"
        else if meta.kind == "setup.cfg" then "--setup-cfg ${baseNameOf meta.file}" else "-r requirements.txt";
      python = base;
      requirements = if reqText == "" then null else reqText + "\n";
      pyproject = if userReqs == null && meta.kind == "pyproject" then meta.file' else null;
      setupCfg = if userReqs == null && meta.kind == "setup.cfg" then meta.file' else null;
      extras = if userReqs == null then extras else [ ];
      providers = args.providers or null;
      nixpkgsPackages = if resolveLib.wantsNixpkgs (resolveLib.providersArg (args.providers or null)) then base.pkgs else null;
    };

  /* mkProject :: builderName -> args -> derivation — `builderName` (buildPythonPackage or
     buildPythonApplication) of a local project: metadata from its pyproject.toml/setup.cfg,
     dependencies resolved like mkPython's (plus build requirements nixpkgs lacks), every other
     argument passed through.
     Example: mkProject "buildPythonApplication" { src = ./.; }
  */
  mkProject = builder: { src, ... }@args':
    let
      args = args' // { src = sourceOf args'.src; };
      src = args.src;
      base = args.python or python;
      extras = args.extras or [ ];
      tests = args.tests or false;
      extraText = args.requirementsExtra or null;
      userReqs = args.requirements or null;
      meta = projectLib.checkStatic (projectLib.read { inherit src extras; }) args;
      build = buildRequirements { inherit meta base; };
      reqText = lib.concatStringsSep "\n" (lib.filter (t: t != null && t != "") [ userReqs extraText build.toResolve ]);
      runtimeNames = (if userReqs != null then projectLib.requirementNames userReqs else meta.dependencies)
        ++ lib.optionals (extraText != null) (projectLib.requirementNames extraText);
      # a foreign lock (uv.lock, …) does not fetch the project itself: it is built from `src`
      lock = lockSource.lockOf {
        lockFile = args.lockFile or null;
        lockFormat = args.lockFormat or null;
        inherit extras;
        target = targetLib.fromPython { python = base; inherit (pkgs) stdenv; };
        groups = args.groups or [ ];
        accelerator = args.accelerator or null;
        # Index layers (`mach-nix index add`) read after the embedded index, as for mkPython.
        indexes = args.indexes or [ ];
        resolution = resolution { inherit meta args base extras reqText; };
      };
      pythonOverrides = overlays.composeOverrides {
        inherit lock tests; python = base;
        overridesPre = args.overridesPre or null; overridesPost = args.overridesPost or null;
      };
      py = overlays.withOverrides base pythonOverrides;
      ps = py.pkgs;
      fromLockOrSet = n: (ps.machNixLock or { }).${n} or ps.${n};
      missingBuild = lib.filter (n: !(overlayLib.inSet ps n)) build.names;
      deps = lib.filter (n: lock.packages ? ${n}) (lib.unique runtimeNames);
      # With a lockFile, a dependency the lock lacks was excluded by a marker, or the lock is stale.
      absent = lib.filter (n: !(lock.packages ? ${n})) (lib.unique runtimeNames);
      warnAbsent = x: if (args.lockFile or null) == null || absent == [ ] then x else
        builtins.trace "mach-nix: warning: the lock ${toString args.lockFile} has no ${lib.concatStringsSep ", " absent}, which ${toString meta.file} requires: excluded by an environment marker, or the lock is stale (re-lock with mach-nix lock)." x;
      passed = removeAttrs args projectArgs;
    in
    if missingBuild != [ ] then
      throw "mach-nix: the build requirements ${lib.concatStringsSep ", " missingBuild} of ${toString meta.file} are neither in nixpkgs' Python set nor in the lock; add them to requirementsExtra or re-lock."
    else
    warnAbsent (ps.${builder} (passed // {
      pname = args.pname or meta.name;
      version = args.version or meta.version;
      inherit src;
      build-system = map fromLockOrSet build.names ++ (args.build-system or [ ]);
      dependencies = map fromLockOrSet deps ++ (args.dependencies or [ ]);
      doCheck = args.doCheck or tests;
      passthru = (args.passthru or { }) // { inherit lock; python = py; pythonOverrides = pythonOverrides; };
    } // lib.optionalAttrs (!(args ? format) && !(args ? pyproject)) { pyproject = true; }));
in
{
  buildPythonPackage = mkProject "buildPythonPackage";
  buildPythonApplication = mkProject "buildPythonApplication";
}
