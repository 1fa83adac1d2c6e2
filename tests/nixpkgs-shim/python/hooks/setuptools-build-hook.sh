setuptoolsBuildPhase() {
    runHook preBuild
    PYTHONPATH="${PYTHONPATH:+$PYTHONPATH:}@bootstrap@" @pythonInterpreter@ -m build --no-isolation --skip-dependency-check --outdir dist/ --wheel ${setupPyBuildFlags:-}
    runHook postBuild
}
if [ -z "${dontUseSetuptoolsBuild-}" ] && [ -z "${buildPhase-}" ]; then buildPhase=setuptoolsBuildPhase; fi
