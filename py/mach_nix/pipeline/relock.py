"""A lock redone over an existing one (``-o`` an existing lock): the pins it keeps, and what changed.

Example: ``changes(read_previous(path)[0], new_lock) == ["changed idna 3.7 → 3.8"]``
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Dict, List, Optional, Tuple

if TYPE_CHECKING:
    from mach_nix.pipeline.options import LockOptions
    from mach_nix.shapes import LockDocument


def read_previous(path: Optional[Path]) -> Tuple[Optional[LockDocument], Optional[str]]:
    """The lock being redone, or None with the reason it is not used (None: there is none).

    Example: ``read_previous(Path("mach-nix.lock.json")) == (lock, None)``
    """
    if path is None or not Path(path).is_file():
        return None, None
    from mach_nix.errors import MachNixError
    from mach_nix.lock import read

    try:
        return read(path), None
    except MachNixError as exc:
        return None, f"the existing {path} is not used for its pins ({exc.message}); it is replaced."


def kept_pins(previous: Optional[LockDocument], options: LockOptions) -> Dict[str, str]:
    """name → version of the previous lock that the resolver tries first (``--upgrade``: none).

    Example: ``kept_pins(old_lock, LockOptions(src, upgrade_packages=["requests"]))`` keeps all but requests.
    """
    from mach_nix.names import normalize

    if previous is None or options.upgrade:
        return {}
    freed = {normalize(n) for n in options.upgrade_packages}
    return {n: e["version"] for n, e in previous["packages"].items() if n not in freed and e["provider"] != "nixpkgs"}


def changes(previous: Optional[LockDocument], lock: LockDocument) -> List[str]:
    """``added``/``removed``/``changed`` lines of a re-lock, sorted by name (empty for a first lock).

    Example: ``changes(old, new) == ["changed idna 3.7 → 3.8", "added six 1.16.0"]``
    """
    if previous is None:
        return []
    old, new = previous["packages"], lock["packages"]
    out = []
    for name in sorted(set(old) | set(new)):
        if name not in old:
            out.append(f"added {name} {new[name]['version']}")
        elif name not in new:
            out.append(f"removed {name} {old[name]['version']}")
        elif (old[name]["version"], old[name]["provider"]) != (new[name]["version"], new[name]["provider"]):
            before, after = old[name], new[name]
            provider = "" if before["provider"] == after["provider"] else f" ({before['provider']} → {after['provider']})"
            out.append(f"changed {name} {before['version']} → {after['version']}{provider}")
    return out
