# mkPython, mkPythonShell, mkOverlay, mkPythonOverrides, resolve: the user-facing functions.
{ lib, pkgs, python, mach-nix, index }:
let
  resolveLib = import ./resolve.nix { inherit lib pkgs; };
  targetLib = import ./target.nix { inherit lib; };
  overlayLib = import ./overlay.nix { inherit lib pkgs; };
  inputNames = [ "requirements" "requirementsFile" "pyproject" "lockFile" ];
  known = inputNames ++ [ "extras" "groups" "providers" "overridesPre" "overridesPost" "python" "tests"
    "ignoreCollisions" "packagesExtra" ];
  toList = x: if x == null then [ ] else if lib.isList x then x else [ x ];

  /* The lock for the arguments: resolved in a derivation (IFD), or read from lockFile. */
  resolve = { requirements ? null, requirementsFile ? null, pyproject ? null, lockFile ? null
            , extras ? [ ], groups ? [ ], providers ? null, python ? python', ... }@args:
    let
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
    else if (extras != [ ] || groups != [ ]) && pyproject == null then throw "mach-nix: extras and groups select parts of a pyproject; give `pyproject` too, or write the extras into the requirements (e.g. \"celery[redis]\")."
    else if lockFile != null then
      resolveLib.checkTarget { inherit target lockFile; lock = resolveLib.readLock { path = lockFile; what = toString lockFile; }; }
    else
      let drv = resolveLib.lockDrv {
        inherit mach-nix index target python requirements requirementsFile pyproject extras groups providers;
        nixpkgsPackages = if wantsNixpkgs then python.pkgs else null;
      }; in
      resolveLib.readLock { path = drv; what = if requirementsFile != null then toString requirementsFile else if pyproject != null then toString pyproject else "the requirements"; };
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

  /* mkPython :: args -> derivation — python.withPackages of the lock's roots (+ packagesExtra). */
  mkPython = args:
    let
      base = args.python or python;
      lock = resolve args;
      pythonOverrides = mkPythonOverrides args;
      py = base.override (old: {
        self = py;
        packageOverrides = lib.composeExtensions (old.packageOverrides or (_: _: { })) pythonOverrides;
      });
      extra = args.packagesExtra or [ ];
      selectPkgs = ps: map (n: ps.${n}) lock.roots ++ (if lib.isFunction extra then extra ps else extra);
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

  /* mkPythonShell :: args -> derivation — a mkShell with mkPython's environment. */
  mkPythonShell = args:
    let env = mkPython args; in
    pkgs.mkShell { packages = [ env ]; passthru = { inherit env; }; };

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
{ inherit resolve mkPython mkPythonShell mkOverlay mkPythonOverrides; }
