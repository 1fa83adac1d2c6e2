"""Warnings about a resolution that succeeded: extras a package lacks, ``--providers`` entries that
name nothing locked, packages locked without their dependencies.

Example: ``advice(providers, resolution, packages) == ["--providers names nmupy, which the lock does not contain (a typo?)."]``
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Dict, List, Optional, Tuple

if TYPE_CHECKING:
    from mach_nix.resolve.resolver import ResolvedPackage, Resolution
    from mach_nix.shapes import Packages

Providers = Dict[str, Tuple[str, ...]]
_EXTRA_MARKER = re.compile(r"""extra\s*==\s*['"]([^'"]+)['"]""")


def advice(providers: Providers, resolution: Resolution, packages: Packages) -> List[str]:
    """What the user should hear about a resolution (its lock's ``packages``), sorted by kind then name.

    Example: see the module docstring.
    """
    warnings = (unknown_extra_warning(name, pkg) for name, pkg in sorted(resolution.packages.items()))
    out = [w for w in warnings if w]
    stray = sorted(n for n in providers if n != "_default" and n not in packages)
    if stray:
        out.append(f"--providers names {', '.join(stray)}, which the lock does not contain (a typo?).")
    unknown = sorted(n for n, e in packages.items() if e.get("dependencies_unknown"))
    if unknown:
        out.append(f"the dependencies of {', '.join(unknown)} are unknown to the index (sdists without static "
                   "metadata); they are locked without dependencies. Run `mach-nix index update DIR --sdists` or "
                   "add the missing packages as requirements.")
    return out


def unknown_extra_warning(name: str, pkg: ResolvedPackage) -> Optional[str]:
    """A warning when extras were asked of a package whose chosen file does not provide them (as pip does).

    Example: ``"requests 2.32.3 does not provide the extra 'nonexistent' (it has: socks, use-chardet-on-py3)"``
    """
    from mach_nix.names import normalize

    cand = pkg.candidate
    if not pkg.extras or cand.file is None or cand.deps is None:
        return None  # nothing asked, or a nixpkgs package / unknown metadata: cannot tell
    known = {normalize(e) for e in cand.file.get("provides_extra") or ()}
    known |= {normalize(m) for dep in cand.deps for m in _EXTRA_MARKER.findall(dep.partition(";")[2])}
    absent = sorted(e for e in pkg.extras if e not in known)
    if not absent:
        return None
    has = ", ".join(sorted(known)) or "none"
    return (f"{name} {cand.vstr} does not provide the extra{'s' if len(absent) > 1 else ''} "
            f"{', '.join(repr(e) for e in absent)} (it has: {has}); check the spelling.")
