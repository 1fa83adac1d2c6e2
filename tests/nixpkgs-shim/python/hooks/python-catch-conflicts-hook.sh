pythonCatchConflictsPhase() {
    @pythonInterpreter@ @script@ "$out"
}
if [ -z "${dontUsePythonCatchConflicts-}" ]; then preDistPhases+=" pythonCatchConflictsPhase"; fi
