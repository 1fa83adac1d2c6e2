pythonRuntimeDepsCheckHook() {
    echo "Executing pythonRuntimeDepsCheck"
    local w
    for w in dist/*.whl; do
        CHECK_PATH="${PYTHONPATH:-}" PYTHONPATH="@bootstrap@" @pythonInterpreter@ @script@ "$w"
    done
}
if [ -z "${dontCheckRuntimeDeps-}" ]; then preInstallPhases+=" pythonRuntimeDepsCheckHook"; fi
