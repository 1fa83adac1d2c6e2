# mkPython, mkPythonShell, mkOverlay, mkPythonOverrides, resolve: the user-facing functions.
{ lib, pkgs, python, mach-nix
  # The embedded index packed into the store (lib/index.nix `pack`): the first layer.
, index
, pypiData ? null
  # Index layers every resolution reads after `index` (the `indexes` of `import ./mach-nix`);
  # a call's own `indexes` argument comes after them.
, indexes ? [ ]
}:
let
  resolveLib = import ./resolve.nix { inherit lib pkgs; };
  indexLib = import ./index.nix { inherit lib pkgs mach-nix; };
  namesOf = layer: import ./index-names.nix { inherit pkgs mach-nix; index = layer; };
  embeddedNames = namesOf index;
  defaultLayers = indexLib.layers indexes;

  /* indexNamesWith :: [derivation] -> [string] — the normalized project names of the embedded
     index, the default layers and `extra` (packed layers): what the nixpkgs map is restricted to.
  */
  indexNamesWith = extra:
    let ls = defaultLayers ++ extra; in
    if ls == [ ] then embeddedNames else lib.unique (embeddedNames ++ lib.concatMap namesOf ls);

  /* ifdLock :: { indexes, what, target, relockFlags, … lockDrv arguments } -> lock — resolve in a
     derivation (IFD) on the embedded index, the default layers and the call's `indexes` (checked
     and packed here), and read the result; a project no layer has is an error naming both ways out.
  */
  ifdLock = { indexes ? [ ], what, relockFlags, accelerator ? null, ... }@a:
    let
      layers = defaultLayers ++ indexLib.layers indexes;
      relock = "mach-nix lock ${relockFlags} ${targetLib.lockArgs a.target}";
      drv = resolveLib.lockDrv (removeAttrs a [ "indexes" "what" "relockFlags" "accelerator" ] // {
        inherit mach-nix index layers;
        indexNames = indexNamesWith (indexLib.layers indexes);
      });
    in
    accelLib.check { inherit accelerator relock; what = "the resolution of ${what}"; output = "mach-nix.lock.json";
                     # the resolver in Nix reads only the index layers: another index needs a lock made outside
                     after = "\n  then  lockFile = ./mach-nix.lock.json;";
                     lock = resolveLib.readLock { path = drv; inherit what relock; }; };
  /* readLockFile :: { lockFile, target, accelerator } -> lock — a committed mach-nix lock, refused
     (with the re-lock command) when it was made for another target or accelerator; local files anchored.
  */
  readLockFile = { lockFile, target, accelerator ? null }:
    let lock = resolveLib.checkTarget { inherit target lockFile; lock = resolveLib.readLock { path = lockFile; what = toString lockFile; }; }; in
    resolveLib.anchorPaths lockFile (accelLib.check { inherit lock accelerator; what = "the lock ${toString lockFile}";
      output = baseNameOf (toString lockFile); relock = resolveLib.relockOf { inherit lock target; }; });
  foreignLib = import ./foreign-lock.nix { inherit lib; };
  accelLib = import ./accelerator.nix { inherit lib; };
  targetLib = import ./target.nix { inherit lib; };
  versionsLib = import ./versions.nix { inherit lib; };
  overlayLib = import ./overlay.nix { inherit lib pkgs; };
  inputNames = [ "requirements" "requirementsFile" "pyproject" "lockFile" ];
  known = inputNames ++ [ "extras" "groups" "providers" "overridesPre" "overridesPost" "python" "tests"
    "ignoreCollisions" "packagesExtra" "lockFormat" "indexes" "accelerator" ];
  toList = x: if x == null then [ ] else if lib.isList x then x else [ x ];

  /* The lock for the arguments: resolved in a derivation (IFD), or read from lockFile. */
  resolve = { requirements ? null, requirementsFile ? null, pyproject ? null, lockFile ? null
            , extras ? [ ], groups ? [ ], providers ? null, python ? python', lockFormat ? null
              # Index layers (directories made by `mach-nix index add`) resolved after the
              # embedded index, in this order; only without lockFile (a lock is already resolved).
            , indexes ? [ ]
              # "cpu" or "cuda": refuse a lock made for the other (lib/accelerator.nix); null: any
            , accelerator ? null, ... }@args:
    let
      # uv.lock, poetry.lock, pylock.toml: converted while Nix evaluates (lib/foreign-lock.nix)
      foreignFormat = if lockFile == null then null
        else if lockFormat != null then lockFormat else foreignLib.formatOf lockFile;
      given = lib.filter (n: args.${n} or null != null) inputNames;
      unknown = lib.attrNames (removeAttrs args known);
      target = targetLib.fromPython { inherit python; inherit (pkgs) stdenv; };
      provText = resolveLib.providersArg providers;
      # Listing nixpkgs' Python packages evaluates every one of them (seconds on real nixpkgs), so
      # it is done only when the providers name nixpkgs explicitly.
      wantsNixpkgs = resolveLib.wantsNixpkgs provText;
    in
    if unknown != [ ] then throw "mach-nix: unknown argument(s) ${lib.concatStringsSep ", " unknown}; known: ${lib.concatStringsSep ", " known}."
    else if given == [ ] then throw "mach-nix: give one of requirements (text), requirementsFile, pyproject or lockFile."
    else if lib.length given > 1 then throw "mach-nix: ${lib.concatStringsSep " and " given} are mutually exclusive; give exactly one (a lockFile already records its requirements)."
    else if lockFormat != null && !(lib.elem lockFormat [ "uv" "poetry" "pylock" ]) then throw "mach-nix: lockFormat = \"${lockFormat}\" is not one of uv, poetry, pylock (a mach-nix lock needs none)."
    else if indexes != [ ] && lockFile != null then throw "mach-nix: indexes are read by the resolver, and a lockFile is already resolved; drop indexes, or drop lockFile to resolve the requirements with them."
    else if (extras != [ ] || groups != [ ]) && pyproject == null && foreignFormat == null then throw "mach-nix: extras and groups select parts of a pyproject or of a uv.lock, poetry.lock or pylock.toml; give `pyproject` too, or write the extras into the requirements (e.g. \"celery[redis]\")."
    else if foreignFormat != null then
      let lock = foreignLib.toLock { path = lockFile; format = foreignFormat; inherit target extras groups pypiData; }; in
      accelLib.check { inherit lock accelerator; what = "the lock ${toString lockFile}"; output = "mach-nix.lock.json";
                       relock = "mach-nix lock --from ${baseNameOf (toString lockFile)} ${targetLib.lockArgs target}"; }
    else if lockFile != null then
      readLockFile { inherit lockFile target accelerator; }
    else
      ifdLock {
        inherit accelerator;
        inherit indexes target python requirements requirementsFile pyproject extras groups providers;
        nixpkgsPackages = if wantsNixpkgs then python.pkgs else null;
        what = if requirementsFile != null then toString requirementsFile else if pyproject != null then toString pyproject else "the requirements";
        relockFlags = if requirementsFile != null then "-r ${baseNameOf (toString requirementsFile)}"
          else if pyproject != null then lib.concatStringsSep " " ([ "--pyproject ${baseNameOf (toString pyproject)}" ]
            ++ map (e: "--extra ${lib.escapeShellArg e}") extras ++ map (g: "--group ${lib.escapeShellArg g}") groups)
          else "-r requirements.txt";
      };
  python' = python;

  composeAll = fs: lib.foldl' lib.composeExtensions (_: _: { }) fs;

  /* mkPythonOverrides :: args -> (final: prev: attrs) — overridesPre, the lock's overlay, overridesPost. */
  mkPythonOverrides = args:
    let
      py = args.python or python;
      lock = resolve args;
    in
    composeAll (toList (args.overridesPre or null)
      ++ [ (overlayLib.fromLock { inherit lock; python = py; tests = args.tests or false; }) ]
      ++ toList (args.overridesPost or null));

  /* withOverrides :: python -> overlay -> python — the interpreter whose set has the overlay. */
  withOverrides = base: pythonOverrides:
    let py = base.override (old: {
      self = py;
      packageOverrides = lib.composeExtensions (old.packageOverrides or (_: _: { })) pythonOverrides;
    }); in py;

  /* mkPython :: args -> derivation — python.withPackages of the lock's roots (+ packagesExtra). */
  mkPython = args:
    let
      base = args.python or python;
      lock = resolve args;
      pythonOverrides = mkPythonOverrides args;
      py = withOverrides base pythonOverrides;
      extra = args.packagesExtra or [ ];
      # The lock's own derivations (machNixLock), which for nixpkgs' build machinery are not the set's.
      selectPkgs = ps: map (n: (ps.machNixLock or { }).${n} or ps.${n}) lock.roots ++ (if lib.isFunction extra then extra ps else extra);
      env = (py.buildEnv.override {
        extraLibs = selectPkgs py.pkgs;
        ignoreCollisions = args.ignoreCollisions or false;
      });
    in
    env.overrideAttrs (old: {
      passthru = (old.passthru or { }) // {
        inherit lock selectPkgs pythonOverrides;
        python = py;
        overlay = mkOverlay args;
      };
    });

  /* mkPythonShell :: args -> derivation — a mkShell with mkPython's environment. With
     `editable = true` (and `pyproject`), the project's source directory (its `src/` when it has
     one) is put first on PYTHONPATH by the shellHook, so edits take effect without a rebuild;
     `editable = "/abs/path"` names the directory instead.
  */
  mkPythonShell = args:
    let
      editable = args.editable or false;
      env = mkPython (removeAttrs args [ "editable" ]);
      root = editableRoot args;
      dir = if builtins.pathExists (root + "/src") then root + "/src" else root;
    in
    pkgs.mkShell ({ packages = [ env ]; passthru = { inherit env; }; }
      // lib.optionalAttrs (editable != false) {
        shellHook = ''
          export PYTHONPATH=${lib.escapeShellArg dir}''${PYTHONPATH:+:$PYTHONPATH}
        '';
        passthru = { inherit env; editableDir = dir; };
      });

  /* editableRoot :: args -> string — the directory an editable shell puts on the path. */
  editableRoot = args:
    let
      e = args.editable or false;
      fromPyproject = if (args.pyproject or null) == null
        then throw "mach-nix: editable = true needs `pyproject` (the project's pyproject.toml) to find the source directory; or give editable = \"/absolute/path/to/project\"."
        else toString (dirOf args.pyproject);
      root = if lib.isString e then e else fromPyproject;
    in
    if root == "" then
      throw "mach-nix: editable is an empty string: builtins.getEnv \"PWD\" is empty in pure evaluation (flakes). Run `nix develop --impure`, or give the directory as editable = \"/absolute/path/to/project\"."
    else if !(lib.hasPrefix "/" root) then
      throw "mach-nix: editable = ${builtins.toJSON root} is not an absolute path; give the project's directory as an absolute string, e.g. editable = toString ./.;"
    else if lib.hasPrefix builtins.storeDir root then
      throw ("mach-nix: the editable source ${root} is in the Nix store (read-only, a copy: a flake's source, or an interpolated path), so edits would not take effect. "
        + "Give the checkout's directory as a string that is not copied: editable = toString ./.; in a shell.nix, or editable = builtins.getEnv \"PWD\"; with `nix develop --impure` in a flake.")
    else root;

  projectLib = import ./project.nix { inherit lib; };

  /* mkProject :: builderName -> args -> derivation — buildPythonPackage/buildPythonApplication of
     a local project: metadata from its pyproject.toml/setup.cfg, dependencies resolved like
     mkPython's (plus build requirements nixpkgs lacks), every other argument passed through.
  */
  projectArgs = [ "requirements" "requirementsExtra" "extras" "groups" "providers" "lockFile" "lockFormat"
    "overridesPre" "overridesPost" "python" "tests" "indexes" "accelerator" ];
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
      # Build requirements nixpkgs' set has at a version that fits are nixpkgs' own; the others (absent,
      # or at a version outside the requirement's bounds: `setuptools>=77` on a set with 75) are
      # resolved with the rest, and the build takes the lock's.
      fitsSet = r: let n = projectLib.requirementName r; in
        overlayLib.inSet base.pkgs n && versionsLib.satisfies (projectLib.requirementSpecifier r) (toString (base.pkgs.${n}.version or ""));
      buildNames = lib.filter (n: n != null) (map projectLib.requirementName meta.buildRequires);
      buildToResolve = lib.unique (lib.filter (n: n != null) (map projectLib.requirementName (lib.filter (r: !(fitsSet r)) meta.buildRequires)));
      buildText = lib.concatMapStrings (r: r + "\n") (lib.filter (r: lib.elem (projectLib.requirementName r) buildToResolve) meta.buildRequires);
      reqText = lib.concatStringsSep "\n" (lib.filter (t: t != null && t != "") [ userReqs extraText buildText ]);
      runtimeNames = (if userReqs != null then projectLib.requirementNames userReqs else meta.dependencies)
        ++ lib.optionals (extraText != null) (projectLib.requirementNames extraText);
      target = targetLib.fromPython { python = base; inherit (pkgs) stdenv; };
      foreignFormat = if (args.lockFile or null) == null then null
        else if (args.lockFormat or null) != null then args.lockFormat else foreignLib.formatOf args.lockFile;
      lock =
        if foreignFormat != null then  # uv.lock, poetry.lock, pylock.toml: the project itself is not fetched
          foreignLib.toLock { path = args.lockFile; format = foreignFormat; inherit target extras pypiData; groups = args.groups or [ ]; }
        else if (args.lockFile or null) != null then
          readLockFile { inherit target; inherit (args) lockFile; accelerator = args.accelerator or null; }
        else
          let
            provText = resolveLib.providersArg (args.providers or null);
          in ifdLock {
              inherit target;
              # Index layers (`mach-nix index add`) read after the embedded index, as for mkPython.
              indexes = args.indexes or [ ];
              what = "the requirements of ${toString meta.file}";
              relockFlags = if meta.kind == "pyproject" then "--pyproject ${baseNameOf meta.file}" else if meta.kind == "setup.cfg" then "--setup-cfg ${baseNameOf meta.file}" else "-r requirements.txt";
              python = base;
              requirements = if reqText == "" then null else reqText + "\n";
              pyproject = if userReqs == null && meta.kind == "pyproject" then meta.file' else null;
              setupCfg = if userReqs == null && meta.kind == "setup.cfg" then meta.file' else null;
              extras = if userReqs == null then extras else [ ];
              providers = args.providers or null;
              nixpkgsPackages = if resolveLib.wantsNixpkgs provText then base.pkgs else null;
            };
      pythonOverrides = composeAll (toList (args.overridesPre or null)
        ++ [ (overlayLib.fromLock { inherit lock tests; python = base; }) ]
        ++ toList (args.overridesPost or null));
      py = withOverrides base pythonOverrides;
      ps = py.pkgs;
      missingBuild = lib.filter (n: !(overlayLib.inSet ps n)) buildNames;
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
      build-system = map (n: (ps.machNixLock or { }).${n} or ps.${n}) buildNames ++ (args.build-system or [ ]);
      dependencies = map (n: (ps.machNixLock or { }).${n} or ps.${n}) deps ++ (args.dependencies or [ ]);
      doCheck = args.doCheck or tests;
      passthru = (args.passthru or { }) // { inherit lock; python = py; pythonOverrides = pythonOverrides; };
    } // lib.optionalAttrs (!(args ? format) && !(args ? pyproject)) { pyproject = true; }));

  /* sourceOf :: (path | derivation | { url; hash | sha256; }) -> path or derivation
     A `{ url; hash; }` source (an sdist or a source archive: .tar.gz, .tar.bz2, .tar.xz, .zip) is
     fetched with fetchurl and unpacked (its single top directory stripped), so its metadata can
     be read (import from derivation).
  */
  sourceOf = src:
    if !(lib.isAttrs src) || lib.isDerivation src then src
    else if !(src ? url) then throw "mach-nix: src must be a path, a derivation, or { url = \"https://…/project-1.0.tar.gz\"; hash = \"sha256-…\"; }."
    else
      let
        archive = pkgs.fetchurl (removeAttrs src [ "stripRoot" ]);
        name = lib.last (lib.splitString "/" src.url);
      in
      pkgs.runCommand "${builtins.replaceStrings [ ".tar.gz" ".tar.bz2" ".tar.xz" ".tgz" ".zip" ] [ "" "" "" "" "" ] name}-source" { nativeBuildInputs = lib.optional (lib.hasSuffix ".zip" name) pkgs.unzip; } ''
        mkdir unpacked $out
        case ${lib.escapeShellArg name} in
          *.zip) unzip -qq ${archive} -d unpacked ;;
          *) tar xf ${archive} -C unpacked ;;
        esac
        entries=(unpacked/*)
        if [ ''${#entries[@]} -eq 1 ] && [ -d "''${entries[0]}" ]; then cp -r "''${entries[0]}"/. $out/; else cp -r unpacked/. $out/; fi
      '';

  buildPythonPackage = mkProject "buildPythonPackage";
  buildPythonApplication = mkProject "buildPythonApplication";

  /* mkDockerImage :: args -> derivation — a layered image (dockerTools.buildLayeredImage) of
     mkPython's environment; `name`, `tag`, `config`, `maxLayers`, `contents` go to the image,
     everything else to mkPython. Cmd defaults to the environment's python.
  */
  imageArgs = [ "name" "tag" "config" "maxLayers" "contents" "created" "extraCommands" ];
  mkDockerImage = args:
    let
      env = mkPython (removeAttrs args imageArgs);
      image = pkgs.dockerTools.buildLayeredImage ({
        name = args.name or "python-env";
        contents = [ env ] ++ (args.contents or [ ]);
        config = { Cmd = [ "${env}/bin/python" ]; Env = [ "PATH=${env}/bin" ]; } // (args.config or { });
      } // builtins.intersectAttrs (lib.genAttrs [ "tag" "maxLayers" "created" "extraCommands" ] (_: null)) args);
    in
    # buildLayeredImage drops a caller's `passthru` (its result is a runCommand with the image tag
    # only), so `env` is added to the result.
    image // { inherit env; passthru = (image.passthru or { }) // { inherit env; }; };

  /* mkOverlay :: args -> (final: prev: attrs) — a nixpkgs overlay giving the chosen interpreter
     (python.pythonAttr, e.g. python311) the lock's packageOverrides.
  */
  mkOverlay = args:
    let
      attr = (args.python or python).pythonAttr or "python3";
      pythonOverrides = mkPythonOverrides args;
    in
    final: prev: {
      ${attr} = prev.${attr}.override (old: {
        self = final.${attr};
        packageOverrides = lib.composeExtensions (old.packageOverrides or (_: _: { })) pythonOverrides;
      });
    };
in
{ inherit resolve mkPython mkPythonShell mkOverlay mkPythonOverrides buildPythonPackage buildPythonApplication mkDockerImage indexNamesWith; }
