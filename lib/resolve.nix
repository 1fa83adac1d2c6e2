# Resolution: run `mach-nix lock` in a derivation and read its output (import from derivation), or
# read a committed lock and check that it fits the interpreter and platform.
{ lib, pkgs }:
let
  targetLib = import ./target.nix { inherit lib; };
  names = import ./names.nix { inherit lib; };
  lockFields = import ./lock-fields.nix { inherit lib; };
  constants = import ./constants.nix { };
in
rec {
  /* providersArg :: (string | attrs | null) -> string or null
     Throws on a provider name other than wheel, sdist, nixpkgs.
     Example: providersArg { _default = "wheel,sdist"; numpy = "nixpkgs"; } == "_default=wheel,sdist,numpy=nixpkgs"
  */
  providersArg = p:
    let
      text = if p == null then null
        else if lib.isString p then p
        else lib.concatStringsSep "," (lib.mapAttrsToList (n: v: "${n}=${if lib.isList v then lib.concatStringsSep "," v else v}") p);
      # "numpy=sdist,_default=wheel,sdist" → tokens; `name=` prefixes start a new package's list.
      tokens = map (t: lib.last (lib.splitString "=" t)) (lib.filter (t: t != "") (lib.splitString "," (lib.replaceStrings [ " " ] [ "" ] text)));
      bad = lib.filter (t: !(lib.elem t knownProviders)) tokens;
    in
    if text == null then null
    else if bad != [ ] then
      throw "mach-nix: providers ${builtins.toJSON text} names ${lib.concatStringsSep ", " (map (b: "`${b}`") bad)}, which is not a provider; use wheel, sdist or nixpkgs, e.g. providers = { _default = \"nixpkgs,wheel,sdist\"; numpy = \"wheel\"; }."
    else text;

  knownProviders = constants.providers;

  /* wantsNixpkgs :: (string | null) -> bool — whether a providers text (providersArg) names nixpkgs. */
  wantsNixpkgs = text: text != null && lib.any (t: lib.last (lib.splitString "=" t) == "nixpkgs") (lib.splitString "," text);

  /* nixpkgsPackages :: pythonPackages -> attrs
     {"<normalized pname>" = { version; attr; }} for every Python module of the set: what
     `mach-nix lock --nixpkgs-json` reads. Only `pname`, `version` and `pythonModule` of each
     attribute are forced (the derivation's attribute set, never its drvPath, so no dependency or
     meta check is evaluated); attributes that throw (removed aliases, disabled packages) are
     skipped with tryEval, as are renaming aliases (an attribute whose name is not the normalized
     pname, when the normalized pname is an attribute of its own).
     Example: (nixpkgsPackages pkgs.python3.pkgs).requests == { version = "2.28.1"; attr = "requests"; }
  */
  nixpkgsPackages = ps: nixpkgsPackagesIn { inherit ps; };

  /* nixpkgsPackagesIn :: { ps, only ? null } -> attrs — nixpkgsPackages of the attributes whose
     normalized name is in `only` (the index's project names: a package the index does not know
     cannot be resolved anyway), so the cost grows with the index ∩ set, not with the set. An
     attribute named otherwise than its project (rare in nixpkgs) is then not offered.
  */
  nixpkgsPackagesIn = { ps, only ? null }:
    let
      wanted = if only == null then null else lib.genAttrs only (_: true);
      keep = a: !(skip ? ${a}) && (wanted == null || wanted ? ${names.ofAttribute a});
      skip = lib.genAttrs names.setAttributes (_: true);
      entry = attr:
        let r = builtins.tryEval (
          let v = ps.${attr}; in
          if lib.isAttrs v && (v.pythonModule or false) != false && v ? pname && v ? version
          then let n = names.normalize v.pname; in
            # Prefer the attribute named like the project (drops renaming aliases such as flit_core).
            if n != attr && ps ? ${n} then null
            else { name = n; value = { version = toString v.version; inherit attr; }; }
          else null);
        in if r.success then r.value else null;
    in lib.listToAttrs (lib.filter (x: x != null) (map entry (lib.filter keep (lib.attrNames ps))));

  /* nixpkgsJson :: pythonPackages -> [string] or null -> string — nixpkgsPackagesIn as JSON. */
  nixpkgsJson = ps: only: builtins.toJSON (nixpkgsPackagesIn { inherit ps only; });

  /* inputDir :: path -> path — the directory of a requirements/pyproject file, copied with only
     the files such a file can include (`-r`, `-c`): *.txt *.in *.toml *.cfg; hidden directories,
     node_modules and result links are left out.
  */
  inputDir = file: builtins.path {
    name = "mach-nix-inputs";
    path = dirOf file;
    filter = path: type:
      let base = baseNameOf path; in
      if type == "directory" then !(lib.hasPrefix "." base || base == "node_modules" || base == "__pycache__")
      else type == "regular" && lib.any (s: lib.hasSuffix s base) [ ".txt" ".in" ".toml" ".cfg" ];
  };

  /* inputFile :: (path | string) -> string — a Nix path with its includable neighbours; a string
     (e.g. a file in the store) as it is.
  */
  inputFile = file: if builtins.isPath file then "${inputDir file}/${baseNameOf file}" else toString file;

  /* lockDrv :: { mach-nix, index, layers?, target, requirements?, requirementsFile?, pyproject?, extras, groups,
                  providers, nixpkgsPackages?, needsTable? } -> derivation
     A derivation whose output is the lock file; a failed resolution gives {"error": "<message>",
     "failure": { kind, absent_projects, absent_releases, conflicts, commands }} (`--failure-json`).
     It runs `mach-nix lock --index <index> --index <layer>… --offline`: the layers in this order
     (for each project version the first layer holding it wins), never the network nor a cache.
  */
  lockDrv = { mach-nix
            , index  # the embedded index, packed (lib/index.nix `pack`)
            , layers ? [ ]  # further packed index layers (lib/index.nix `layers`), read after `index`
            , target, python, requirements ? null, requirementsFile ? null, pyproject ? null, setupCfg ? null
            , extras ? [ ], groups ? [ ], providers ? null, nixpkgsPackages ? null
            , indexNames ? null  # the project names of every layer: the nixpkgs map is restricted to them
            , needsTable ? ../data/needs  # what wheels need at run time, by sha256 (`mach-nix index needs`); null: none
            }:
    let
      provArg = providersArg providers;
      flags = lib.concatStringsSep " " (
        lib.optional (requirements != null) "-r requirements.txt"
        ++ lib.optional (requirementsFile != null) "-r ${inputFile requirementsFile}"
        ++ lib.optional (pyproject != null) "--pyproject ${inputFile pyproject}"
        ++ lib.optional (setupCfg != null) "--setup-cfg ${inputFile setupCfg}"
        ++ map (e: "--extra ${lib.escapeShellArg e}") extras
        ++ map (g: "--group ${lib.escapeShellArg g}") groups
        ++ lib.optional (provArg != null) "--providers ${lib.escapeShellArg provArg}"
        ++ lib.optional (nixpkgsPackages != null) "--nixpkgs-json \"$nixpkgsJsonPath\"");
    in
    pkgs.runCommand "mach-nix-lock.json" ({
      nativeBuildInputs = [ mach-nix ];
      passAsFile = lib.optional (requirements != null) "requirementsText" ++ lib.optional (nixpkgsPackages != null) "nixpkgsJson";
      preferLocalBuild = true;
    } // lib.optionalAttrs (needsTable != null && builtins.pathExists needsTable) {
      # the CLI outside Nix reads the checkout's data/needs; the lock made here must be the same
      MACH_NIX_NEEDS_TABLE = "${needsTable}";
    } // lib.optionalAttrs (requirements != null) { requirementsText = requirements; }
      // lib.optionalAttrs (nixpkgsPackages != null) { nixpkgsJson = nixpkgsJson nixpkgsPackages indexNames; }) ''
      ${lib.optionalString (requirements != null) ''cp "$requirementsTextPath" requirements.txt''}
      # Only the layers: --offline (no network), and an empty cache of fetched pages in the build's
      # own temporary directory (never the user's, which the build cannot see, nor /homeless-shelter).
      # A failure writes {"error", "failure"} to $out itself (--failure-json): the error as data, read
      # by readLock; only a crash before that leaves stderr as the whole story.
      if mach-nix lock ${flags} ${targetLib.lockArgs target} ${lib.concatMapStringsSep " " (i: "--index ${i}") ([ index ] ++ layers)} \
          --offline --cache-dir "$TMPDIR/mach-nix-cache" --quiet -o $out --failure-json $out 2> err.txt; then
        cat err.txt >&2
      else
        cat err.txt >&2
        if [ ! -s $out ]; then
          ${python.pythonOnBuildForHost.interpreter or python.interpreter} -c 'import json, sys; json.dump({"error": open("err.txt").read().strip() or "mach-nix lock failed"}, open(sys.argv[1], "w"))' $out
        fi
      fi
    '';

  /* absentProjects :: result -> [string] — the projects no index layer has, as a failed resolution's
     structured failure names them (mach_nix.errors.Failure, written by `--failure-json`); empty for
     a lock, another kind of failure (a conflict), or a crash that left only a message.
     Example: absentProjects { error = "…"; failure = { kind = "absent"; absent_projects = [ "furo" ]; }; } == [ "furo" ]
  */
  absentProjects = result: if result ? error then result.failure.absent_projects or [ ] else [ ];

  /* absentHint :: { names, relock } -> string — the two ways out of a project no layer has, for
     Nix users (the IFD resolver never reaches the network): a project-local layer, or a lock
     made outside Nix. `relock`: the `mach-nix lock` command line for the same inputs and target.
  */
  absentHint = { names, relock }:
    let list = lib.concatStringsSep " " names; in
    "\nThe resolver in Nix reads only the index layers it is given (the embedded index and `indexes`), never PyPI. Either:\n"
    + "  1. add ${list} to a project-local index layer and give it to Nix:\n"
    + "       mach-nix index add ${list} --closure --out ./mach-nix-index\n"
    + "     then  indexes = [ ./mach-nix-index ];\n"
    + "  2. or lock outside Nix (`mach-nix lock` looks up on PyPI what the index lacks) and commit the lock:\n"
    + "       ${relock} -o mach-nix.lock.json\n"
    + "     then  lockFile = ./mach-nix.lock.json;";

  /* readLock :: { path, what, relock? } -> lock — parse a lock (from a file or an IFD output) and
     throw its error, if the resolver reported one; when the error is a project no layer has and
     `relock` (the `mach-nix lock …` command for the same inputs) is given, with both ways out.
  */
  readLock = { path, what, relock ? null }:
    # The lock may name store paths (the index) in messages; it carries no dependency on them.
    let
      lock = builtins.fromJSON (builtins.unsafeDiscardStringContext (builtins.readFile path));
      absent = if relock != null then absentProjects lock else [ ];
    in
    if lock ? error then
      throw ("mach-nix could not resolve ${what}:\n${lib.removePrefix "error: " lock.error}"
        + lib.optionalString (absent != [ ]) (absentHint { names = absent; inherit relock; }))
    else if (lock.lock_version or null) != 1 then
      throw "mach-nix: ${what} is not a mach-nix lock of schema 1 (lock_version = ${builtins.toJSON (lock.lock_version or null)}). Re-create it with `mach-nix lock`."
    else lock;

  /* anchorPaths :: lockFile -> lock -> lock — local files (`path`, relative to the lock) as paths
     next to the lock file, so that lib/artefact.nix copies them. A path that is absolute or leaves
     the lock's directory throws (lib/lock-fields.nix), naming the package.
       lockFile: the lock's path; lock: the parsed lock
  */
  anchorPaths = lockFile: lock: lock // {
    packages = lib.mapAttrs (name: e: if e ? path && lib.isString e.path
      then e // { path = dirOf lockFile + "/${lockFields.checked name "path" e.path}"; } else e) lock.packages;
  };

  /* checkTarget :: { lock, target, lockFile } -> lock — throw when the lock does not fit.
     The re-lock command it prints repeats the lock's own inputs (`inputs.arguments`, recorded by
     `mach-nix lock`: files with -r/-c/--pyproject, extras, groups, providers, --pre…); locks written
     before that field existed get a best guess from their files.
       lock:     the parsed lock
       target:   the target of the interpreter and platform (targetLib.fromPython)
       lockFile: the path the lock came from (named in the message)
  */
  checkTarget = { lock, target, lockFile }:
    let bad = targetLib.mismatches lock.target target; in
    if bad == [ ] then lock
    else
      throw ("mach-nix: the lock ${toString lockFile} was made for another target: "
        + lib.concatStringsSep "; " bad + ". Re-lock it for this interpreter and platform with:\n  "
        + relockOf { inherit lock target; } + " -o ${baseNameOf (toString lockFile)}");

  /* relockOf :: { lock, target } -> string — `mach-nix lock …` (without -o) for the lock's own
     inputs (`inputs.arguments`, else a guess from its files) and `target`; used by checkTarget and
     by the accelerator check (lib/accelerator.nix).
     Example: relockOf { inherit lock target; } == "mach-nix lock -r requirements.txt --python 3.11.9 --system x86_64-linux --glibc 2.40"
  */
  relockOf = { lock, target }:
    let
      inputs = lock.inputs or { };
      files = map (f: f.path) (inputs.files or [ ]);
      guessed = if files == [ ] then "-r requirements.txt"
        else lib.concatMapStringsSep " " (f: if lib.hasSuffix ".toml" f then "--pyproject ${f}" else "-r ${f}") files;
      inputFlags = if inputs ? arguments then lib.escapeShellArgs inputs.arguments else guessed;
    in
    "mach-nix lock ${inputFlags} ${targetLib.lockArgs target}";
}
