# buildPythonPackage / buildPythonApplication (nixpkgs: interpreters/python/mk-python-derivation.nix,
# R24.05–R25.05 argument semantics; the missing-format case follows R25.11 unless
# `formatDefaultSetuptools` is set).
{ lib, stdenv, python, namePrefix, toPythonModule, formatDefaultSetuptools
, wrapPython, ensureNewerSourcesForZipFilesHook, pythonRemoveTestsDirHook, pythonCatchConflictsHook
, pythonRemoveBinBytecodeHook, wheelUnpackHook, setuptoolsBuildHook, pypaBuildHook
, pythonRuntimeDepsCheckHook, pypaInstallHook, pythonImportsCheckHook, pythonNamespacesHook
, pythonOutputDistHook, unzip ? null
}:
{ name ? "${attrs.pname}-${attrs.version}"
, nativeBuildInputs ? [ ], buildInputs ? [ ], propagatedBuildInputs ? [ ], pythonPath ? [ ]
, dependencies ? [ ], build-system ? [ ], optional-dependencies ? { }
, checkInputs ? [ ], nativeCheckInputs ? [ ]
, pyproject ? null, format ? null
, disabled ? false, doCheck ? true, catchConflicts ? true, dontWrapPythonPrograms ? false
, makeWrapperArgs ? [ ], permitUserSite ? false, removeBinBytecode ? true, strictDeps ? true
, outputs ? [ "out" ], passthru ? { }, meta ? { }, postFixup ? ""
, ...
}@attrs:
assert (pyproject != null) -> (format == null);
let
  format' =
    if pyproject != null then (if pyproject then "pyproject" else "other")
    else if format != null then format
    else if formatDefaultSetuptools then "setuptools"
    else throw "${name} does not configure a `format`. To build with setuptools as before, set `pyproject = true` and `build-system = [ setuptools ]`.";
  # nixpkgs special-cases its bootstrap packages by pname: their build, install and runtime-deps
  # hooks run on the bootstrap tools and propagate nothing (else `wheel` would need itself). The
  # `format = "wheel"` branch has no such case: it always adds the plain wheelUnpackHook.
  bootstrapInstallPnames = [ "flit-core" "installer" ];
  bootstrapPnames = bootstrapInstallPnames ++ [ "build" "packaging" "pyproject-hooks" "wheel" ]
    ++ lib.optionals (python.pythonOlder "3.11") [ "tomli" ];
  isBootstrap = lib.elem (attrs.pname or "") bootstrapPnames;
  isBootstrapInstall = lib.elem (attrs.pname or "") bootstrapInstallPnames;
  # nixpkgs reads these from `python.pythonOnBuildForHost.pkgs.bootstrap`, a non-package attribute.
  inherit (python.pythonOnBuildForHost.pkgs.bootstrap) tools;
  buildHook = if isBootstrap then pypaBuildHook.override { build = tools; wheel = null; } else pypaBuildHook;
  depsCheckHook = if isBootstrap then pythonRuntimeDepsCheckHook.override { packaging = tools; } else pythonRuntimeDepsCheckHook;
  installHook = if isBootstrapInstall then pypaInstallHook.override { installer = tools; } else pypaInstallHook;
  withDistOutput = lib.elem format' [ "pyproject" "setuptools" "wheel" ];
  isMismatched = x: x ? pythonModule && x.pythonModule != false && x.pythonModule.pythonVersion != python.pythonVersion;
  checkMismatch = xs: map (x: if isMismatched x then throw "Python version mismatch in '${name}': The Python derivation '${name}' depends on a Python derivation named '${x.name}', but the two derivations use different Python versions." else x) xs;
  unsupported = lib.filter (a: attrs ? ${a}) [ "pythonRelaxDeps" "pythonRemoveDeps" ];
  self = toPythonModule (stdenv.mkDerivation ((removeAttrs attrs [
    "disabled" "checkPhase" "checkInputs" "nativeCheckInputs" "doCheck" "pyproject" "format"
    "dependencies" "build-system" "optional-dependencies" "catchConflicts" "pythonPath"
    "makeWrapperArgs" "permitUserSite" "removeBinBytecode"
  ]) // {
    name = namePrefix + name;
    nativeBuildInputs = [ python wrapPython ensureNewerSourcesForZipFilesHook pythonRemoveTestsDirHook ]
      ++ lib.optionals (catchConflicts && !(lib.elem (attrs.pname or "") (bootstrapPnames ++ [ "setuptools" ]))) [ pythonCatchConflictsHook ]
      ++ lib.optionals removeBinBytecode [ pythonRemoveBinBytecodeHook ]
      ++ lib.optionals (lib.hasSuffix "zip" (attrs.src.name or "") && unzip != null) [ unzip ]
      ++ lib.optionals (format' == "setuptools") [ setuptoolsBuildHook ]
      ++ lib.optionals (format' == "pyproject") [ buildHook depsCheckHook ]
      ++ lib.optionals (format' == "wheel") [ wheelUnpackHook ]
      ++ lib.optionals (format' != "other") [ installHook ]
      ++ [ pythonImportsCheckHook pythonNamespacesHook ]
      ++ lib.optionals withDistOutput [ pythonOutputDistHook ]
      ++ nativeBuildInputs ++ build-system;
    buildInputs = checkMismatch buildInputs ++ pythonPath;
    propagatedBuildInputs = checkMismatch (propagatedBuildInputs ++ dependencies) ++ [ python ];
    inherit strictDeps;
    LANG = "C.UTF-8";
    doCheck = false;
    doInstallCheck = attrs.doCheck or true;
    nativeInstallCheckInputs = nativeCheckInputs;
    installCheckInputs = checkInputs;
    postFixup = lib.optionalString (!dontWrapPythonPrograms) "wrapPythonPrograms\n" + postFixup;
    outputs = outputs ++ lib.optionals withDistOutput [ "dist" ];
    passthru = {
      inherit disabled;
    } // lib.optionalAttrs (dependencies != [ ]) { inherit dependencies; }
      // lib.optionalAttrs (optional-dependencies != { }) { inherit optional-dependencies; }
      // lib.optionalAttrs (build-system != [ ]) { inherit build-system; }
      // passthru;
    meta = { platforms = python.meta.platforms; } // meta;
  } // lib.optionalAttrs (attrs ? checkPhase) { installCheckPhase = attrs.checkPhase; }));
  # R24.05+: `disabled` throws only when the derivation is instantiated or built.
  guard = x: if disabled then throw "${name} not supported for interpreter ${python.executable}"
    else if unsupported != [ ] then throw "nixpkgs-shim: ${lib.concatStringsSep ", " unsupported} not implemented (${name})"
    else x;
in
self // { outPath = guard self.outPath; drvPath = guard self.drvPath; }
