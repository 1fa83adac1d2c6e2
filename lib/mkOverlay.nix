# Overlays of a call: the Python package-set overlay (overridesPre, the lock's packages, overridesPost),
# the interpreter with it, and mkOverlay, the nixpkgs overlay that gives an interpreter attribute it.
{ lib, pkgs, python
  # lib/lock-source.nix `resolve`: mkPython's arguments -> lock
, resolve
}:
let
  overlayLib = import ./overlay.nix { inherit lib pkgs; };
in
rec {
  /* composeOverrides :: { lock, python, tests, overridesPre, overridesPost } -> (final: prev: attrs)
     overridesPre, the lock's overlay (lib/overlay.nix fromLock), overridesPost, composed in this
     order; each of the two may be null, one overlay or a list.
     Example: composeOverrides { lock = l; python = pkgs.python3; tests = false; overridesPre = null; overridesPost = [ ]; }
  */
  composeOverrides = { lock, python, tests ? false, overridesPre ? null, overridesPost ? null }:
    let toList = x: if x == null then [ ] else if lib.isList x then x else [ x ]; in
    lib.foldl' lib.composeExtensions (_: _: { })
      (toList overridesPre ++ [ (overlayLib.fromLock { inherit lock python tests; }) ] ++ toList overridesPost);

  /* withOverrides :: python -> overlay -> python — the interpreter whose set has the overlay.
     Example: (withOverrides pkgs.python3 (final: prev: { })).pkgs.requests
  */
  withOverrides = base: pythonOverrides:
    let py = base.override (old: {
      self = py;
      packageOverrides = lib.composeExtensions (old.packageOverrides or (_: _: { })) pythonOverrides;
    }); in py;

  /* mkPythonOverrides :: args -> (final: prev: attrs) — overridesPre, the lock's overlay,
     overridesPost for mkPython's arguments.
     Example: pkgs.python3.override { packageOverrides = mkPythonOverrides { requirements = "six"; }; }
  */
  mkPythonOverrides = args: composeOverrides {
    lock = resolve args;
    python = args.python or python;
    tests = args.tests or false;
    overridesPre = args.overridesPre or null;
    overridesPost = args.overridesPost or null;
  };

  /* mkOverlay :: args -> (final: prev: attrs) — a nixpkgs overlay giving the chosen interpreter
     (python.pythonAttr, e.g. python311) the lock's packageOverrides.
     Example: import <nixpkgs> { overlays = [ (mkOverlay { requirements = "requests"; }) ]; }
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
}
