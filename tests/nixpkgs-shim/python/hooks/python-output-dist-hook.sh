pythonOutputDistPhase() {
    if [ -d dist ]; then mv dist "$dist"; else echo "pythonOutputDistPhase: ./dist is missing" >&2; exit 1; fi
}
preFixupPhases+=" pythonOutputDistPhase"
