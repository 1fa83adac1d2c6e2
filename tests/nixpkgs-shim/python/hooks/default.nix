# The hooks extension of the Python set (nixpkgs: interpreters/python/hooks/default.nix).
{ lib, makeSetupHook, python, bootstrap, hostPython }:
self: super:
let
  makePythonHook = args: makeSetupHook ({ passthru.provides.setupHook = true; } // args);
  subs = extra: {
    pythonInterpreter = python.pythonOnBuildForHost.interpreter;
    inherit (python) sitePackages;
    inherit bootstrap hostPython;
  } // extra;
in
{
  wheelUnpackHook = makePythonHook { name = "wheel-unpack-hook.sh"; } ./wheel-unpack-hook.sh;
  pypaBuildHook = makePythonHook { name = "pypa-build-hook.sh"; substitutions = subs { }; } ./pypa-build-hook.sh;
  setuptoolsBuildHook = makePythonHook { name = "setuptools-build-hook"; substitutions = subs { }; } ./setuptools-build-hook.sh;
  pypaInstallHook = makePythonHook { name = "pypa-install-hook"; substitutions = subs { }; } ./pypa-install-hook.sh;
  pythonRuntimeDepsCheckHook = makePythonHook { name = "python-runtime-deps-check-hook.sh"; substitutions = subs { script = ./python-runtime-deps-check.py; }; } ./python-runtime-deps-check-hook.sh;
  pythonCatchConflictsHook = makePythonHook { name = "python-catch-conflicts-hook"; substitutions = subs { script = ./catch-conflicts.py; }; } ./python-catch-conflicts-hook.sh;
  pythonImportsCheckHook = makePythonHook { name = "python-imports-check-hook.sh"; substitutions = subs { }; } ./python-imports-check-hook.sh;
  pythonOutputDistHook = makePythonHook { name = "python-output-dist-hook"; } ./python-output-dist-hook.sh;
  pythonRemoveTestsDirHook = makePythonHook { name = "python-remove-tests-dir-hook"; substitutions = subs { }; } ./python-remove-tests-dir-hook.sh;
  pythonRemoveBinBytecodeHook = makePythonHook { name = "python-remove-bin-bytecode-hook"; } ./python-remove-bin-bytecode-hook.sh;
  wrapPython = makePythonHook { name = "wrap-python-hook"; substitutions = subs { }; } ./wrap-python.sh;
  # Present in nixpkgs; nothing for them to do on this host.
  ensureNewerSourcesForZipFilesHook = makePythonHook { name = "ensure-newer-sources-hook"; } (builtins.toFile "noop.sh" "");
  pythonNamespacesHook = makePythonHook { name = "python-namespaces-hook.sh"; } (builtins.toFile "noop.sh" "");
}
