"""Check a wheel's Requires-Dist against the build environment (shim of nixpkgs' hook).

Like nixpkgs' script, it parses the wheel's metadata with `packaging.metadata.Metadata` (packaging
>= 23.2) imported from PYTHONPATH, and each requirement is checked against the *first* distribution
of that name on PYTHONPATH, as imports and `importlib.metadata` find it.
"""
import importlib.metadata as md
import os
import sys
import zipfile

from packaging.metadata import Metadata
from packaging.utils import canonicalize_name

wheel = sys.argv[1]
with zipfile.ZipFile(wheel) as z:
    meta_name = next(n for n in z.namelist() if n.count("/") == 1 and n.endswith(".dist-info/METADATA"))
    meta = Metadata.from_email(z.read(meta_name).decode(), validate=False)
installed = {}
for d in md.distributions():  # sys.path order: the first of a name wins
    installed.setdefault(canonicalize_name(d.metadata["Name"]), d.version)
errors = []
for req in meta.requires_dist or []:
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
