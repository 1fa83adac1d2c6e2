pypaInstallPhase() {
    runHook preInstall
    local w
    for w in dist/*.whl; do
        PYTHONPATH="@installerPath@" @pythonInterpreter@ -m installer --prefix "$out" "$w"
    done
    runHook postInstall
}
if [ -z "${dontUsePypaInstall-}" ] && [ -z "${installPhase-}" ]; then installPhase=pypaInstallPhase; fi
