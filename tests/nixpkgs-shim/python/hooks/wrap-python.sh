# wrapPythonPrograms: wrap the Python programs in $out/bin so they find the package's closure.
wrapPythonPrograms() {
    [ -d "$out/bin" ] || return 0
    local pp; pp=$(@hostPython@ - "$out" <<'PY'
import os, sys
seen, queue, out = set(), [sys.argv[1]], []
while queue:
    p = queue.pop(0)
    if p in seen: continue
    seen.add(p)
    sp = os.path.join(p, "@sitePackages@")
    if os.path.isdir(sp): out.append(sp)
    prop = os.path.join(p, "nix-support", "propagated-build-inputs")
    if os.path.isfile(prop): queue += open(prop).read().split()
print(":".join(out))
PY
)
    local f
    for f in "$out"/bin/*; do
        [ -f "$f" ] && [ ! -L "$f" ] || continue
        head -c 2 "$f" | grep -q '#!' || continue
        head -n1 "$f" | grep -q python || continue
        local base; base=$(basename "$f")
        mv "$f" "$out/bin/.$base-wrapped"
        printf '#!@runtimeShell@\nexport PYTHONPATH="%s${PYTHONPATH:+:$PYTHONPATH}"\nexec "%s" "%s" "$@"\n' "$pp" "@pythonInterpreter@" "$out/bin/.$base-wrapped" > "$f"
        chmod +x "$f"
    done
}
