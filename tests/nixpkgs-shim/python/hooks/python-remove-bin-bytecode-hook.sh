pythonRemoveBinBytecodePhase() { if [ -d "$out/bin" ]; then rm -rf "$out/bin/__pycache__"; find "$out/bin" -type f -name "*.pyc" -delete; fi; }
if [ -z "${dontUsePythonRemoveBinBytecode-}" ]; then preDistPhases+=" pythonRemoveBinBytecodePhase"; fi
