"""``--providers``: which providers a package may come from, in order (no packaging import: a lock
parses it before reading its inputs, see pipeline.py).
"""

from __future__ import annotations

from typing import Dict, List, Optional, Tuple

from mach_nix.constants import PROVIDERS
from mach_nix.errors import MachNixError

DEFAULT_PROVIDERS: Tuple[str, ...] = PROVIDERS


def parse_providers(text: Optional[str]) -> Dict[str, Tuple[str, ...]]:
    """Parse ``--providers``: ``'numpy=sdist,_default=wheel,sdist'`` → per-package provider orders.

    Example: ``parse_providers("numpy=sdist,_default=wheel,sdist") ==
    {"_default": ("wheel", "sdist"), "numpy": ("sdist",)}``
    """
    from mach_nix.names import normalize

    result: Dict[str, Tuple[str, ...]] = {"_default": DEFAULT_PROVIDERS}
    if not text:
        return result
    current: Optional[str] = None
    values: Dict[str, List[str]] = {}
    for token in (t.strip() for t in text.replace(";", ",").split(",")):
        if not token:
            continue
        if "=" in token:
            key, _, token = token.partition("=")
            current = "_default" if key.strip() == "_default" else normalize(key.strip())
            values[current] = []
        elif current is None:
            current = "_default"
            values[current] = []
        token = token.strip()
        if token not in PROVIDERS:
            raise MachNixError(
                f"--providers {text!r}: {token!r} is not a provider; use wheel, sdist or nixpkgs, "
                "e.g. 'numpy=sdist,_default=wheel,sdist'."
            )
        if token not in values[current]:
            values[current].append(token)
    result.update({k: tuple(v) for k, v in values.items()})
    return result
