pypaBuildPhase() {
    runHook preBuild
    echo "Creating a wheel..."
    PYTHONPATH="${PYTHONPATH:+$PYTHONPATH:}@buildPath@" @pythonInterpreter@ -m build --no-isolation --outdir dist/ --wheel ${pypaBuildFlags:-}
    echo "Finished creating a wheel..."
    runHook postBuild
}
if [ -z "${dontUsePypaBuild-}" ] && [ -z "${buildPhase-}" ]; then buildPhase=pypaBuildPhase; fi
