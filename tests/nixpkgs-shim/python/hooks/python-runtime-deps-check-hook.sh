pythonRuntimeDepsCheckHook() {
    echo "Executing pythonRuntimeDepsCheck"
    local w
    for w in dist/*.whl; do
        PYTHONPATH="@bootstrap@" CHECK_PATH="${PYTHONPATH:-}" @pythonInterpreter@ @script@ "$w"
    done
}
if [ -z "${dontCheckRuntimeDeps-}" ]; then preInstallPhases+=" pythonRuntimeDepsCheckHook"; fi
