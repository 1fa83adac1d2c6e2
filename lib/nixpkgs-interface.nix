# Every nixpkgs attribute lib/ relies on (for nixpkgs R24.05 and later). tests/nixpkgs-shim provides
# exactly these; tests/nix/eval/interface.nix checks that each one exists there.
{
  # Top-level pkgs.*
  pkgs = [
    "lib" "stdenv" "fetchurl" "runCommand" "mkShell" "autoPatchelfHook" "python3" # and python3XY, the attribute named by python3.pythonAttr
    "pythonManylinuxPackages.manylinux1" "pythonManylinuxPackages.manylinux2010" "pythonManylinuxPackages.manylinux2014"
    "dockerTools.buildLayeredImage" # mkDockerImage
    "unzip" # a `{ url; hash; }` project source that is a .zip
    "autoAddDriverRunpath" # wheels whose overrides/ rule ignores a missing libcuda.so.1 (nixpkgs >= 24.05)
    "zlib" # overrides/packages.json names further attributes; each is looked up only when its rule applies
  ];
  stdenv = [
    "hostPlatform.system" "hostPlatform.isLinux" "hostPlatform.isDarwin" "hostPlatform.libc"
    "hostPlatform.darwinSdkVersion" "cc.libc.version"
  ];
  # The interpreter (pkgs.python3 or the `python` argument).
  python = [
    "pythonVersion" "version" "implementation" "sitePackages" "interpreter" "pythonAttr" "pythonOlder"
    "pythonOnBuildForHost.interpreter" "pkgs" "withPackages" "buildEnv" "override"
  ];
  # Its package set: builders, and the packages of the `mach-nix` CLI.
  pythonPackages = [
    "buildPythonPackage" "buildPythonApplication"
    # a fresh sdist build: its locked build closure, then its dependency closure, first on PYTHONPATH (lib/sdist.nix)
    "makePythonPath" "requiredPythonModules" "python"
    "setuptools" "packaging" "resolvelib" "orjson" "lz4" "urllib3" # + tomli when Python < 3.11
  ];
  # Used on packages of the set: overridePythonAttrs (builder arguments: version, src, dependencies,
  # propagatedBuildInputs, build-system, nativeBuildInputs, buildInputs, format, pyproject, patches,
  # doCheck, passthru), pythonModule, pname, version; buildPythonPackage arguments pname, version,
  # src, format = "wheel" | pyproject = true, dependencies, build-system, nativeBuildInputs,
  # buildInputs, doCheck, dontStrip, preFixup, autoPatchelfIgnoreMissingDeps, passthru;
  # the env's buildEnv.override { extraLibs; ignoreCollisions; } and overrideAttrs (passthru).
  packageAttributes = [ "overridePythonAttrs" "pythonModule" "pname" "version" ];
  # lib.* functions (all in nixpkgs' lib since before R24.05).
  lib = [
    "all" "any" "attrByPath" "attrNames" "attrValues" "composeExtensions" "concatMap" "concatMapStrings" "concatMapStringsSep"
    "concatStringsSep" "elem" "elemAt" "escapeShellArg" "escapeShellArgs" "filter" "foldl'" "genAttrs" "hasInfix" "hasPrefix"
    "hasSuffix" "head" "isAttrs" "isDerivation" "isFunction" "isList" "isString" "last" "length" "listToAttrs"
    "mapAttrs" "mapAttrsToList" "nameValuePair" "optional" "optionalAttrs" "optionalString"
    "optionals" "removePrefix" "replaceStrings" "sort" "splitString" "toLower" "unique"
  ];
  # builtins, all present in Nix 2.8: compareVersions fromJSON fromTOML genericClosure getEnv hashString
  # intersectAttrs isPath listToAttrs match path pathExists readFile split storeDir toJSON trace
  # tryEval unsafeDiscardStringContext.
}
