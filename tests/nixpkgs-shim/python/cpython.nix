# A CPython interpreter from the host (a venv of `hostPython`, so host site-packages stay out), with
# nixpkgs' passthru (interpreters/python/cpython/default.nix + passthrufun.nix).
{ lib, stdenv, pkgs, runCommand, makeSetupHook, fetchurl, hostPython, sourceVersion, pythonAttr
, formatDefaultSetuptools
  # The parsed python/releases/<release>.json: the versions of the set's build machinery.
, release
, self
, packageOverrides ? (final: prev: { })
}:
let
  pythonVersion = "${sourceVersion.major}.${sourceVersion.minor}";
  version = "${pythonVersion}.${sourceVersion.patch}";
  libPrefix = "python${pythonVersion}";
  executable = libPrefix;
  sitePackages = "lib/${libPrefix}/site-packages";

  pythonPackages =
    let
      base = import ./python-packages-base.nix { inherit lib pkgs stdenv formatDefaultSetuptools; python = self; };
      hooks = import ./hooks { inherit lib makeSetupHook hostPython; python = self; runtimeShell = stdenv.shell; };
      packages = import ./python-packages.nix { inherit lib fetchurl release; };
      aliases = import ./aliases.nix lib;
      extensions = lib.composeManyExtensions ([ hooks packages ] ++ pkgs.pythonPackagesExtensions ++ [ packageOverrides ]);
      set = lib.fix (lib.extends (lib.composeExtensions aliases extensions) base);
    in ensurePythonModules set;

  # Every derivation of the set must be a Python module (or a hook, or stdenv).
  ensurePythonModules = set:
    let
      # nixpkgs (passthrufun.nix): the module must be of *this* interpreter, not merely non-false.
      valid = v: (v ? pythonModule && v.pythonModule != false && v.pythonModule.pythonVersion == pythonVersion
        && v.pythonModule.implementation or "cpython" == "cpython") || (v.provides.setupHook or false) || v == stdenv;
      wrap = name: v:
        if lib.isDerivation v && !(valid v) then
          v // {
            outPath = throw "${v.name} should use `buildPythonPackage` or `toPythonModule` if it is to be part of the Python packages set.";
            drvPath = throw "${v.name} should use `buildPythonPackage` or `toPythonModule` if it is to be part of the Python packages set.";
          }
        else v;
    in lib.mapAttrs wrap set;

  buildEnv = lib.makeOverridable (import ./wrapper.nix { inherit lib stdenv runCommand hostPython; python = self; }) { extraLibs = [ ]; };
  withPackages = f: buildEnv.override { extraLibs = f pythonPackages; };

  passthru = {
    inherit pythonVersion sourceVersion libPrefix executable sitePackages pythonAttr buildEnv withPackages;
    implementation = "cpython";
    interpreter = "${self}/bin/${executable}";
    pkgs = pythonPackages;
    # nixpkgs (cpython/default.nix) re-applies this interpreter's packageOverrides to the build
    # platform's interpreter: an overlay reaches the set whose `build`/`installer` the hooks run.
    pythonOnBuildForHost = let py = pkgs.${pythonAttr}.override { inherit packageOverrides; self = py; }; in py;
    isPy3k = true; isPy3 = true; isPy2 = false; isPy27 = false; isPyPy = false;
    isPy310 = pythonVersion == "3.10"; isPy311 = pythonVersion == "3.11"; isPy312 = pythonVersion == "3.12";
    isPy313 = pythonVersion == "3.13"; isPy314 = pythonVersion == "3.14";
    pythonAtLeast = lib.versionAtLeast pythonVersion;
    pythonOlder = lib.versionOlder pythonVersion;
    hasDistutilsCxxPatch = false;
  };
in
stdenv.mkDerivation {
  pname = "python3";
  inherit version passthru;
  setupHook = ./hooks/setup-hook.sh;
  inherit sitePackages;
  buildCommand = ''
    have=$(${hostPython} -c 'import platform; print(platform.python_version())')
    if [ "$have" != "${version}" ]; then
      echo "nixpkgs-shim: ${hostPython} is Python $have, but this shim declares ${version}; pass hostPython/hostPythonVersion to the shim" >&2
      exit 1
    fi
    ${hostPython} -m venv --without-pip $out
    rm -f $out/bin/activate* $out/bin/Activate.ps1
    [ -e $out/bin/${executable} ] || ln -s python3 $out/bin/${executable}
    mkdir -p $out/nix-support
    substituteAll "$setupHook" $out/nix-support/setup-hook
  '';
  # nixpkgs: CPython builds on Linux and darwin alike.
  meta.platforms = lib.systems.doubles.all;
}
