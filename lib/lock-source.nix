# Where the lock of a call comes from, decided in one place for mkPython & co. and for projects:
#   - a foreign lock (uv.lock, poetry.lock, pylock.toml), converted while Nix evaluates (lib/foreign-lock.nix);
#   - a mach-nix lockFile, read and checked against the target (lib/resolve.nix);
#   - else a resolution in a derivation (import from derivation) on the embedded index and the layers.
# Each way ends in the accelerator check (lib/accelerator.nix). `resolve` is the public function:
# mkPython's arguments checked, then the same choice.
{ lib, pkgs, python, mach-nix
  # The embedded index packed into the store (lib/index.nix `pack`): the first layer.
, index
  # The index's JSON shards, read by the foreign-lock conversion (null: none).
, pypiData ? null
  # Index layers every resolution reads after `index`; a call's own `indexes` come after them.
, indexes ? [ ]
}:
let
  resolveLib = import ./resolve.nix { inherit lib pkgs; };
  indexLib = import ./index.nix { inherit lib pkgs mach-nix; };
  foreignLib = import ./foreign-lock.nix { inherit lib; };
  accelLib = import ./accelerator.nix { inherit lib; };
  targetLib = import ./target.nix { inherit lib; };

  namesOf = layer: import ./index-names.nix { inherit pkgs mach-nix; index = layer; };
  embeddedNames = namesOf index;
  defaultLayers = indexLib.layers indexes;

  foreignFormats = [ "uv" "poetry" "pylock" ];
  inputNames = [ "requirements" "requirementsFile" "pyproject" "lockFile" ];
  known = inputNames ++ [ "extras" "groups" "providers" "overridesPre" "overridesPost" "python" "tests"
    "ignoreCollisions" "packagesExtra" "lockFormat" "indexes" "accelerator" ];
  python' = python;

  /* indexNamesWith :: [derivation] -> [string] — the normalized project names of the embedded
     index, the default layers and `extra` (packed layers): what the nixpkgs map is restricted to.
     Example: indexNamesWith [ ] == [ "certifi" "charset-normalizer" … ]
  */
  indexNamesWith = extra:
    let all = defaultLayers ++ extra; in
    if all == [ ] then embeddedNames else lib.unique (embeddedNames ++ lib.concatMap namesOf all);

  /* ifdLock :: { indexes, what, relockFlags, target, accelerator, … lockDrv arguments } -> lock —
     resolve in a derivation (IFD) on the embedded index, the default layers and the call's
     `indexes` (checked and packed here), and read the result; a project no layer has is an error
     naming both ways out.
       what:        the inputs as messages name them ("the requirements of ./pyproject.toml")
       relockFlags: the `mach-nix lock` flags of the same inputs, for the messages' re-lock command
     Example: ifdLock { target = t; python = pkgs.python3; requirements = "six\n"; what = "the requirements";
                        relockFlags = "-r requirements.txt"; }
  */
  ifdLock = { indexes ? [ ], what, relockFlags, accelerator ? null, ... }@a:
    let
      callLayers = indexLib.layers indexes;
      relock = "mach-nix lock ${relockFlags} ${targetLib.lockArgs a.target}";
      drv = resolveLib.lockDrv (removeAttrs a [ "indexes" "what" "relockFlags" "accelerator" ] // {
        inherit mach-nix index;
        layers = defaultLayers ++ callLayers;
        indexNames = indexNamesWith callLayers;
      });
      lock = resolveLib.readLock { path = drv; inherit what relock; };
    in
    accelLib.check { inherit lock accelerator relock; what = "the resolution of ${what}"; output = "mach-nix.lock.json";
                     # the resolver in Nix reads only the index layers: another index needs a lock made outside
                     after = "\n  then  lockFile = ./mach-nix.lock.json;"; };

  /* readLockFile :: { lockFile, target, accelerator } -> lock — a committed mach-nix lock, refused
     (with the re-lock command) when it was made for another target or accelerator; local files
     anchored next to the lock.
     Example: readLockFile { lockFile = ./mach-nix.lock.json; target = t; accelerator = null; }
  */
  readLockFile = { lockFile, target, accelerator ? null }:
    let
      parsed = resolveLib.readLock { path = lockFile; what = toString lockFile; };
      fitting = resolveLib.checkTarget { inherit target lockFile; lock = parsed; };
      checked = accelLib.check { lock = fitting; inherit accelerator; what = "the lock ${toString lockFile}";
        output = baseNameOf (toString lockFile); relock = resolveLib.relockOf { lock = fitting; inherit target; }; };
    in
    resolveLib.anchorPaths lockFile checked;

  /* foreignLock :: { lockFile, format, target, extras, groups, accelerator } -> lock — a uv.lock,
     poetry.lock or pylock.toml converted while Nix evaluates (no import from derivation).
     Example: foreignLock { lockFile = ./uv.lock; format = "uv"; target = t; extras = [ ]; groups = [ ]; }
  */
  foreignLock = { lockFile, format, target, extras, groups, accelerator ? null }:
    let lock = foreignLib.toLock { path = lockFile; inherit format target extras groups pypiData; }; in
    accelLib.check { inherit lock accelerator; what = "the lock ${toString lockFile}"; output = "mach-nix.lock.json";
                     relock = "mach-nix lock --from ${baseNameOf (toString lockFile)} ${targetLib.lockArgs target}"; };
in
rec {
  inherit indexNamesWith;

  /* foreignFormatOf :: { lockFile, lockFormat } -> "uv" | "poetry" | "pylock" | null — the foreign
     format of the lockFile (lockFormat, else by file name); null for a mach-nix lock or no lockFile.
     Example: foreignFormatOf { lockFile = ./uv.lock; lockFormat = null; } == "uv"
  */
  foreignFormatOf = { lockFile ? null, lockFormat ? null }:
    if lockFile == null then null
    else if lockFormat != null then lockFormat else foreignLib.formatOf lockFile;

  /* problem :: { lockFile, lockFormat, indexes } -> string or null — why these arguments cannot
     choose a lock (null: they can).
     Example: problem { lockFile = ./l.json; lockFormat = null; indexes = [ ./idx ]; } != null
  */
  problem = { lockFile ? null, lockFormat ? null, indexes ? [ ] }:
    if lockFormat != null && !(lib.elem lockFormat foreignFormats)
    then "mach-nix: lockFormat = \"${lockFormat}\" is not one of uv, poetry, pylock (a mach-nix lock needs none)."
    else if indexes != [ ] && lockFile != null
    then "mach-nix: indexes are read by the resolver, and a lockFile is already resolved; drop indexes, or drop lockFile to resolve the requirements with them."
    else null;

  /* lockOf :: { lockFile ?, lockFormat ?, target, extras ?, groups ?, accelerator ?, indexes ?, resolution } -> lock
     The one choice: a foreign lockFile converted, a mach-nix lockFile read, else `resolution` (the
     lockDrv arguments with `what` and `relockFlags`, read only then) resolved by import from
     derivation with `indexes`. Every way checks `accelerator` ("cpu", "cuda" or null: any).
       extras, groups: what a foreign lock installs (a resolution has its own in `resolution`)
     Example: lockOf { lockFile = ./uv.lock; target = t; resolution = throw "unused"; }
  */
  lockOf = { lockFile ? null, lockFormat ? null, target, extras ? [ ], groups ? [ ], accelerator ? null
           , indexes ? [ ], resolution }:
    let
      why = problem { inherit lockFile lockFormat indexes; };
      format = foreignFormatOf { inherit lockFile lockFormat; };
    in
    if why != null then throw why
    else if format != null then foreignLock { inherit lockFile format target extras groups accelerator; }
    else if lockFile != null then readLockFile { inherit lockFile target accelerator; }
    else ifdLock (resolution // { inherit target accelerator indexes; });

  /* resolve :: args -> lock — the lock of mkPython's arguments: exactly one of requirements (text),
     requirementsFile, pyproject or lockFile, checked up front, then lockOf.
     Example: resolve { requirements = "requests\n"; }
  */
  resolve = { requirements ? null, requirementsFile ? null, pyproject ? null, lockFile ? null
            , extras ? [ ], groups ? [ ], providers ? null, python ? python', lockFormat ? null
              # Index layers (directories made by `mach-nix index add`) resolved after the
              # embedded index, in this order; only without lockFile (a lock is already resolved).
            , indexes ? [ ]
              # "cpu" or "cuda": refuse a lock made for the other (lib/accelerator.nix); null: any
            , accelerator ? null, ... }@args:
    let
      given = lib.filter (n: args.${n} or null != null) inputNames;
      unknown = lib.attrNames (removeAttrs args known);
      why = problem { inherit lockFile lockFormat indexes; };
      format = foreignFormatOf { inherit lockFile lockFormat; };
      target = targetLib.fromPython { inherit python; inherit (pkgs) stdenv; };
      # Listing nixpkgs' Python packages evaluates every one of them (seconds on real nixpkgs), so
      # it is done only when the providers name nixpkgs explicitly.
      wantsNixpkgs = resolveLib.wantsNixpkgs (resolveLib.providersArg providers);
      what = if requirementsFile != null then toString requirementsFile
        else if pyproject != null then toString pyproject else "the requirements";
      relockFlags = if requirementsFile != null then "-r ${baseNameOf (toString requirementsFile)}"
        else if pyproject != null then lib.concatStringsSep " " ([ "--pyproject ${baseNameOf (toString pyproject)}" ]
          ++ map (e: "--extra ${lib.escapeShellArg e}") extras ++ map (g: "--group ${lib.escapeShellArg g}") groups)
        else "-r requirements.txt";
    in
    if unknown != [ ] then throw "mach-nix: unknown argument(s) ${lib.concatStringsSep ", " unknown}; known: ${lib.concatStringsSep ", " known}."
    else if given == [ ] then throw "mach-nix: give one of requirements (text), requirementsFile, pyproject or lockFile."
    else if lib.length given > 1 then throw "mach-nix: ${lib.concatStringsSep " and " given} are mutually exclusive; give exactly one (a lockFile already records its requirements)."
    else if why != null then throw why
    else if (extras != [ ] || groups != [ ]) && pyproject == null && format == null then throw "mach-nix: extras and groups select parts of a pyproject or of a uv.lock, poetry.lock or pylock.toml; give `pyproject` too, or write the extras into the requirements (e.g. \"celery[redis]\")."
    else lockOf {
      inherit lockFile lockFormat target extras groups accelerator indexes;
      resolution = {
        inherit python requirements requirementsFile pyproject extras groups providers what relockFlags;
        nixpkgsPackages = if wantsNixpkgs then python.pkgs else null;
      };
    };
}
