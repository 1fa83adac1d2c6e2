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
      # overridePythonAttrs re-runs the builder with shallowly merged builder arguments.
      makeOverridablePythonPackage = args:
        let
          result = builder args;
          overrideWith = newArgs: args // (if lib.isFunction newArgs then newArgs args else newArgs);
          overridePythonAttrs = newArgs: makeOverridablePythonPackage (overrideWith newArgs);
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
