wheelUnpackPhase() {
    runHook preUnpack
    mkdir -p dist
    cp "$src" "dist/$(stripHash "$src")"
    chmod +w dist/*
}
if [ -z "${dontUseWheelUnpack-}" ] && [ -z "${unpackPhase-}" ]; then unpackPhase=wheelUnpackPhase; fi
