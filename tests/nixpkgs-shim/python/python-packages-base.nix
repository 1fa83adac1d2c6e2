# The base of the Python set (nixpkgs: interpreters/python/python-packages-base.nix).
{ lib, pkgs, stdenv, python, formatDefaultSetuptools }:
self:
let
  hasPythonModule = drv: drv ? pythonModule && drv.pythonModule == python;
  requiredPythonModules = drvs:
    let modules = lib.filter hasPythonModule drvs;
    in lib.unique ([ python ] ++ modules ++ lib.concatLists (lib.catAttrs "requiredPythonModules" modules));
  makePythonPath = drvs: lib.makeSearchPath python.sitePackages (requiredPythonModules drvs);
  toPythonModule = drv: drv.overrideAttrs (old: {
    passthru = (old.passthru or { }) // {
      pythonModule = python;
      pythonPath = [ ];
      requiredPythonModules = requiredPythonModules (old.propagatedBuildInputs or [ ]);
    };
  });
  toPythonApplication = drv: drv.overrideAttrs (old: {
    passthru = (old.passthru or { }) // { pythonModule = false; };
  });
  mkBuilder = namePrefix: makeModule:
    let
      builder = lib.makeOverridable (self.callPackage ./mk-python-derivation.nix {
        inherit namePrefix formatDefaultSetuptools;
        toPythonModule = if makeModule then toPythonModule else toPythonApplication;
      });
      # The arguments may be a set or a function of the final arguments (`buildPythonPackage
      # (finalAttrs: { … })`, nixpkgs R25.05+). overridePythonAttrs re-runs the builder with the
      # arguments extended, shallowly: `lib.extends (lib.toExtension f)`, so attributes computed
      # from finalAttrs (src from finalAttrs.version) follow an override.
      makeOverridablePythonPackage = argsOrFun:
        let
          fun = if lib.isFunction argsOrFun then argsOrFun else (_: argsOrFun);
          args = lib.fix fun;
          result = builder args;
          toExtension = f:
            if lib.isFunction f then (final: prev: let fPrev = f prev; in if lib.isFunction fPrev then f final prev else fPrev)
            else (final: prev: f);
          overridePythonAttrs = f: makeOverridablePythonPackage (lib.extends (toExtension f) fun);
        in
        result // {
          inherit overridePythonAttrs;
          passthru = (result.passthru or { }) // { inherit overridePythonAttrs; };
        };
    in makeOverridablePythonPackage;
in
{
  inherit lib pkgs stdenv hasPythonModule requiredPythonModules makePythonPath toPythonModule toPythonApplication;
  inherit (python) isPy3k isPy27 isPy310 isPy311 isPy312 isPyPy pythonAtLeast pythonOlder;
  pythonPackages = self;
  python = toPythonModule python;
  callPackage = lib.callPackageWith (pkgs // self);
  buildPythonPackage = mkBuilder "${python.libPrefix}-" true;
  buildPythonApplication = mkBuilder "" false;
  disabled = drv: throw "${drv.pname or drv.name} not supported for interpreter ${python.executable}";
  disabledIf = x: drv: if x then throw "${drv.pname or drv.name} not supported for interpreter ${python.executable}" else drv;
}
