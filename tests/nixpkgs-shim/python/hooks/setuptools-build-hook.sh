# nixpkgs' setuptoolsBuildHook runs `setup.py bdist_wheel` (through its nix_run_setup shim) with the
# setuptools and wheel it propagates: a project without setup.py cannot be built this way.
setuptoolsBuildPhase() {
    runHook preBuild
    if [ ! -f setup.py ]; then echo "setuptoolsBuildPhase: no setup.py in $PWD (format = \"setuptools\" runs setup.py bdist_wheel)" >&2; exit 1; fi
    @pythonInterpreter@ -c 'import sys, setuptools; sys.argv[0] = "setup.py"; exec(compile(open("setup.py", "rb").read(), "setup.py", "exec"), {"__name__": "__main__", "__file__": "setup.py"})' \
        ${setupPyGlobalFlags:-} bdist_wheel --dist-dir dist ${setupPyBuildFlags:-}
    runHook postBuild
}
if [ -z "${dontUseSetuptoolsBuild-}" ] && [ -z "${buildPhase-}" ]; then buildPhase=setuptoolsBuildPhase; fi
