"""Fail when the propagated closure of a package holds one distribution twice (shim of nixpkgs' hook)."""
import os
import re
import sys

SITE = "@sitePackages@"
seen, queue, found = set(), [sys.argv[1]], {}
while queue:
    p = queue.pop(0)
    if p in seen:
        continue
    seen.add(p)
    sp = os.path.join(p, SITE)
    if os.path.isdir(sp):
        for d in os.listdir(sp):
            if d.endswith(".dist-info"):
                name = re.sub(r"[-_.]+", "-", d[: -len(".dist-info")].rsplit("-", 1)[0]).lower()
                found.setdefault(name, set()).add(os.path.join(sp, d))
    prop = os.path.join(p, "nix-support", "propagated-build-inputs")
    if os.path.isfile(prop):
        queue += open(prop).read().split()
bad = False
for name, paths in sorted(found.items()):
    if len(paths) > 1:
        bad = True
        print(f"Found duplicated packages in closure for dependency '{name}':", file=sys.stderr)
        for path in sorted(paths):
            print(f"  {path}", file=sys.stderr)
sys.exit(1 if bad else 0)
