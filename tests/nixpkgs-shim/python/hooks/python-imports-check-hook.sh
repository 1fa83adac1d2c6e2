pythonImportsCheckPhase() {
    if [ -n "${pythonImportsCheck:-}" ]; then
        echo "Check whether the following modules can be imported: $pythonImportsCheck"
        PYTHONPATH="$out/@sitePackages@${PYTHONPATH:+:$PYTHONPATH}" @pythonInterpreter@ -c 'import importlib, sys; [importlib.import_module(m) for m in sys.argv[1:]]' $pythonImportsCheck
    fi
}
if [ -z "${dontUsePythonImportsCheck-}" ]; then preDistPhases+=" pythonImportsCheckPhase"; fi
