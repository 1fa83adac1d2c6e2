pythonRuntimeDepsCheckHook() {
    echo "Executing pythonRuntimeDepsCheck"
    local w
    for w in dist/*.whl; do
        PYTHONPATH="${PYTHONPATH:-}${PYTHONPATH:+:}@packagingPath@" @pythonInterpreter@ @script@ "$w"
    done
}
if [ -z "${dontCheckRuntimeDeps-}" ]; then preInstallPhases+=" pythonRuntimeDepsCheckHook"; fi
