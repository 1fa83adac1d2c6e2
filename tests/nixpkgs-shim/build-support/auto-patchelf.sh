# autoPatchelfHook (shim of pkgs/build-support/setup-hooks/auto-patchelf.sh): after fixup, give every
# ELF file in the outputs an RPATH that satisfies its DT_NEEDED entries, searching the outputs' own
# libraries first, then addAutoPatchelfSearchPath dirs, then lib/ of the host inputs (buildInputs).
declare -a autoPatchelfLibs autoPatchelfRecursiveLibs
# addAutoPatchelfSearchPath [--no-recurse] DIR...: search DIR (recursively unless --no-recurse).
addAutoPatchelfSearchPath() {
    if [ "$1" = "--no-recurse" ]; then shift; autoPatchelfLibs+=("$@"); else autoPatchelfRecursiveLibs+=("$@"); fi
}
gatherLibraries() { if [ -d "$1/lib" ]; then autoPatchelfLibs+=("$1/lib"); fi; }
addEnvHooks "${targetOffset:-1}" gatherLibraries

autoPatchelf() {
    local ignore="${autoPatchelfIgnoreMissingDeps:-}"
    if [ "$ignore" = 1 ]; then echo "autoPatchelfIgnoreMissingDeps=true is deprecated; use '*'" >&2; ignore='*'; fi
    local outs=() o
    for o in $outputs; do outs+=("${!o}"); done
    local rt=() d
    for d in ${runtimeDependencies:-}; do rt+=("$d/lib"); done
    @hostPython@ @autoPatchelfPy@ \
        --ignore-missing "$ignore" \
        --libs ${autoPatchelfLibs[@]+"${autoPatchelfLibs[@]}"} \
        --recursive-libs ${autoPatchelfRecursiveLibs[@]+"${autoPatchelfRecursiveLibs[@]}"} \
        --runtime-dependencies ${rt[@]+"${rt[@]}"} \
        --append-rpaths ${appendRunpaths:-} \
        --interpreter "@dynamicLinker@" \
        --libc-dir "@libcDir@" \
        --paths "${outs[@]}"
}

autoPatchelfPostFixup() {
    if [ -z "${dontAutoPatchelf-}" ]; then autoPatchelf; fi
}
postFixupHooks+=(autoPatchelfPostFixup)
