# Setup hook of the shim interpreter (nixpkgs: interpreters/python/setup-hook.sh).
addPythonPath() { addToSearchPath PYTHONPATH "$1/@sitePackages@"; }
addEnvHooks "${hostOffset:-0}" addPythonPath
export PYTHONHASHSEED=0 DETERMINISTIC_BUILD=1 PYTHONNOUSERSITE=1
