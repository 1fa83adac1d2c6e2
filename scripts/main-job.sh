#!/usr/bin/env bash
# The main job, end to end on the embedded default index (data/):
#   requirements.txt → `mach-nix lock` (offline resolution) → the tree → a Nix environment built
#   by the Nix library → every installed distribution checked against the lock.
# Usage: scripts/main-job.sh [requirements.txt]   (default: examples/requirements.txt)
# Uses <nixpkgs> when this machine has one, else tests/nixpkgs-shim (no nixpkgs is reachable here).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
reqs="$(realpath "${1:-$repo/examples/requirements.txt}")"
work="$(mktemp -d -t mach-nix-main.XXXXXX)"
trap 'rm -rf "$work"' EXIT

echo "== resolving $reqs against the embedded index"
"$repo/.ci/python" -m mach_nix lock -r "$reqs" -o "$work/mach-nix.lock.json"
"$repo/.ci/python" -m mach_nix tree "$work/mach-nix.lock.json"

if nix-instantiate --find-file nixpkgs >/dev/null 2>&1; then
  pkgs="import <nixpkgs> { }"
else
  echo "== no <nixpkgs> on this machine: building against tests/nixpkgs-shim"
  pkgs="import $repo/tests/nixpkgs-shim { }"
fi

# The Nix library resolves again inside a derivation, for the interpreter and platform it builds
# for (their glibc may differ from the CLI's default target), and reads that lock back (IFD).
env="with import $repo { pkgs = $pkgs; }; mkPython { requirementsFile = $reqs; }"
echo "== building the environment (mkPython, resolution inside Nix)"
nix-build --expr "$env" -o "$work/result" >/dev/null
nix-instantiate --read-write-mode --eval --strict --json --expr "($env).lock" >"$work/nix.lock.json"

echo "== checking installed versions against the lock"
"$work/result/bin/python" - "$work/nix.lock.json" <<'PY'
import json, sys
from importlib import metadata
lock = json.load(open(sys.argv[1]))
def norm(name): return name.lower().replace("_", "-").replace(".", "-")
installed = {norm(d.metadata["Name"]): d.version for d in metadata.distributions()}
bad = []
for name, pkg in sorted(lock["packages"].items()):
    if pkg.get("build_only"):
        continue
    got = installed.get(name)
    print(f"  {name:30} locked {pkg['version']:12} installed {got}")
    if got is not None and got != pkg["version"]:
        bad.append(name)
missing = [r for r in lock["roots"] if r not in installed]
if bad or missing:
    sys.exit(f"mismatch: versions {bad}, roots missing {missing}")
print(f"ok: {len(lock['roots'])} roots, every installed distribution at its locked version")
PY
