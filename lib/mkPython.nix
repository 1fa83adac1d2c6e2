# mkPython: an interpreter environment (python.buildEnv) with the lock's root packages.
{ lib, python
  # lib/lock-source.nix `resolve`: mkPython's arguments -> lock
, resolve
  # lib/mkOverlay.nix: mkPythonOverrides, withOverrides, mkOverlay
, overlays
}:
{
  /* mkPython :: args -> derivation — python.withPackages of the lock's roots (+ packagesExtra).
     The result's passthru: lock, selectPkgs, pythonOverrides, python (with the overlay), overlay.
     Example: mkPython { requirements = "requests\n"; }
  */
  mkPython = args:
    let
      base = args.python or python;
      lock = resolve args;
      pythonOverrides = overlays.mkPythonOverrides args;
      py = overlays.withOverrides base pythonOverrides;
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
        overlay = overlays.mkOverlay args;
      };
    });
}
