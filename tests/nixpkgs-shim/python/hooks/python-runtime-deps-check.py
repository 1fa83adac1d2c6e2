"""Check a wheel's Requires-Dist against the distributions on CHECK_PATH (shim of nixpkgs' hook)."""
import importlib.metadata as md
import os
import sys
import zipfile
from email.parser import Parser

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

wheel = sys.argv[1]
with zipfile.ZipFile(wheel) as z:
    meta_name = next(n for n in z.namelist() if n.count("/") == 1 and n.endswith(".dist-info/METADATA"))
    meta = Parser().parsestr(z.read(meta_name).decode())
path = [p for p in os.environ.get("CHECK_PATH", "").split(":") if p]
installed = {canonicalize_name(d.metadata["Name"]): d.version for d in md.distributions(path=path)}
errors = []
for line in meta.get_all("Requires-Dist") or []:
    req = Requirement(line)
    if req.marker is not None and not req.marker.evaluate({"extra": ""}):
        continue
    have = installed.get(canonicalize_name(req.name))
    if have is None:
        errors.append(f"- {req.name} not installed")
    elif not req.specifier.contains(have, prereleases=True):
        errors.append(f"- {req.name}{req.specifier} not satisfied by version {have}")
if errors:
    print(f"Checking runtime dependencies for {os.path.basename(wheel)}", file=sys.stderr)
    print("\n".join(errors), file=sys.stderr)
    sys.exit(1)
