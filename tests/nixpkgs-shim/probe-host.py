"""Write host.json: the facts of this host that the shim's interpreter and stdenv report, read from
the interpreter the shim wraps (run it with that interpreter: `/usr/bin/python3 probe-host.py`).

The shim cannot read them at evaluation time (no builtin runs a program, and pure evaluation, as in
`nix flake check`, may not read files outside the flake), so `.ci/setup-nix.sh` and the Nix tests'
conftest write this file before any evaluation; default.nix refuses to evaluate without it.
"""
import json
import os
import platform
import sys

libc, version = platform.libc_ver()
if libc != "glibc":
    sys.exit(f"nixpkgs-shim: {sys.executable} is not linked with glibc ({libc or 'unknown'}); the shim needs a glibc host")
facts = {
    "hostPython": sys.executable,
    "python": platform.python_version(),
    # major.minor, as nixpkgs' stdenv.cc.libc.version
    "glibc": ".".join(version.split(".")[:2]),
    "multiarch": getattr(sys.implementation, "_multiarch", None) or f"{platform.machine()}-linux-gnu",
}
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "host.json")
tmp = out + f".{os.getpid()}"
with open(tmp, "w") as f:
    json.dump(facts, f, indent=2, sort_keys=True)
    f.write("\n")
os.replace(tmp, out)
print(json.dumps(facts))
