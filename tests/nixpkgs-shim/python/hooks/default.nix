# The hooks extension of the Python set (nixpkgs: interpreters/python/hooks/default.nix). As there,
# it is an extension of the set: hooks take Python packages from the *final* set (so an overlay of
# the set reaches them), and the build/install tools from `pythonOnBuildForHost.pkgs`:
#   wheelUnpackHook            propagates the set's wheel
#   pypaBuildHook              propagates the set's wheel; runs pythonOnBuildForHost.pkgs.build
#   pypaInstallHook            propagates pythonOnBuildForHost.pkgs.installer and runs it
#   setuptoolsBuildHook        propagates the set's setuptools and wheel; runs `setup.py bdist_wheel`
#   pythonRuntimeDepsCheckHook propagates the set's packaging; its script imports packaging.metadata
# The three tool-running hooks are overridable (`.override { build/installer/packaging = …; }`): the
# builder gives the bootstrap packages (flit-core, installer, build, packaging, pyproject-hooks,
# wheel) variants on the bootstrap tools instead, as nixpkgs does with `python.pkgs.bootstrap`.
{ lib, makeSetupHook, python, hostPython, runtimeShell }:
self: super:
let
  makePythonHook = args: makeSetupHook (lib.recursiveUpdate { passthru.provides.setupHook = true; } args);
  buildPython = python.pythonOnBuildForHost;
  subs = extra: {
    pythonInterpreter = buildPython.interpreter;
    inherit (python) sitePackages;
    inherit hostPython runtimeShell;
  } // extra;
  # The PYTHONPATH that makes a tool importable: its closure's site-packages, or the bootstrap tree
  # (the set's `bootstrap.tools`, which the builder passes for the bootstrap packages).
  isTree = tool: tool.bootstrapTree or false;
  toolPath = tool: if isTree tool then "${tool}" else buildPython.pkgs.makePythonPath [ tool ];
in
{
  wheelUnpackHook = makePythonHook {
    name = "wheel-unpack-hook.sh";
    propagatedBuildInputs = [ self.wheel ];
  } ./wheel-unpack-hook.sh;
  pypaBuildHook = lib.makeOverridable ({ build, wheel }: makePythonHook {
    name = "pypa-build-hook.sh";
    propagatedBuildInputs = lib.optional (wheel != null) wheel;
    substitutions = subs { buildPath = toolPath build; };
  } ./pypa-build-hook.sh) { inherit (buildPython.pkgs) build; inherit (self) wheel; };
  pypaInstallHook = lib.makeOverridable ({ installer }: makePythonHook {
    name = "pypa-install-hook";
    propagatedBuildInputs = lib.optional (!(isTree installer)) installer;
    substitutions = subs { installerPath = toolPath installer; };
  } ./pypa-install-hook.sh) { inherit (buildPython.pkgs) installer; };
  setuptoolsBuildHook = makePythonHook {
    name = "setuptools-build-hook";
    propagatedBuildInputs = [ self.setuptools self.wheel ];
    substitutions = subs { };
  } ./setuptools-build-hook.sh;
  pythonRuntimeDepsCheckHook = lib.makeOverridable ({ packaging }: makePythonHook {
    name = "python-runtime-deps-check-hook.sh";
    propagatedBuildInputs = lib.optional (!(isTree packaging)) packaging;
    # The bootstrap variant finds packaging in the bootstrap tree; the plain one on PYTHONPATH (the
    # set's packaging, propagated above, or whatever comes first there).
    substitutions = subs { script = ./python-runtime-deps-check.py; packagingPath = if isTree packaging then "${packaging}" else ""; };
  } ./python-runtime-deps-check-hook.sh) { inherit (self) packaging; };
  pythonCatchConflictsHook = makePythonHook { name = "python-catch-conflicts-hook"; substitutions = subs { script = ./catch-conflicts.py; }; } ./python-catch-conflicts-hook.sh;
  pythonImportsCheckHook = makePythonHook { name = "python-imports-check-hook.sh"; substitutions = subs { }; } ./python-imports-check-hook.sh;
  pythonOutputDistHook = makePythonHook { name = "python-output-dist-hook"; } ./python-output-dist-hook.sh;
  pythonRemoveTestsDirHook = makePythonHook { name = "python-remove-tests-dir-hook"; substitutions = subs { }; } ./python-remove-tests-dir-hook.sh;
  pythonRemoveBinBytecodeHook = makePythonHook { name = "python-remove-bin-bytecode-hook"; } ./python-remove-bin-bytecode-hook.sh;
  wrapPython = makePythonHook { name = "wrap-python-hook"; substitutions = subs { }; } ./wrap-python.sh;
  # Present in nixpkgs; nothing for them to do on this host.
  ensureNewerSourcesForZipFilesHook = makePythonHook { name = "ensure-newer-sources-hook"; } (builtins.toFile "noop.sh" "");
  pythonNamespacesHook = makePythonHook { name = "python-namespaces-hook.sh"; substitutions = subs { }; } ./python-namespaces-hook.sh;
}
