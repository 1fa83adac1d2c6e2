# Setup hook of the shim interpreter (nixpkgs: interpreters/python/setup-hook.sh).
if [ -z "${pythonSetupHookDone:-}" ]; then
    pythonSetupHookDone=1
    addPythonPath() { addToSearchPath PYTHONPATH "$1/@sitePackages@"; }
    addEnvHooks "${hostOffset:-0}" addPythonPath
    export PYTHONHASHSEED=0 DETERMINISTIC_BUILD=1 PYTHONNOUSERSITE=1
fi
