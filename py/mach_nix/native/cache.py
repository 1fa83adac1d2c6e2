"""The dynamic sections of wheels already read, by the wheel's sha256, in the user cache
(``<cache dir>/elf-v1/<2 hex>/<sha256>.json``): a wheel is read from the file host once per
machine, and locks made afterwards (offline too) find its needs here.

Example::

    cache = ElfCache(default_cache_dir())
    cache.put(sha, {"pkg/_ext.so": Dynamic(None, ("libfoo.so.1",), True)})
    cache.get(sha)["pkg/_ext.so"].needed == ("libfoo.so.1",)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Mapping, Optional

import orjson

from mach_nix.fsutil import atomic_write_bytes
from mach_nix.native.elf import Dynamic

Members = Dict[str, Dynamic]


def members_to_json(members: Mapping[str, Dynamic]) -> Dict[str, Any]:
    """The JSON form of member path → dynamic section (also the index's, should it carry them)."""
    return {path: {"soname": d.soname, "needed": list(d.needed), "python_module": d.python_module}
            for path, d in sorted(members.items())}


def members_from_json(data: Mapping[str, Any]) -> Members:
    """Inverse of :func:`members_to_json`; raises KeyError/TypeError on a malformed document."""
    return {path: Dynamic(d["soname"], tuple(d["needed"]), bool(d["python_module"])) for path, d in data.items()}


class ElfCache:
    """One directory of cached wheel readings (see the module docstring); safe to share between
    concurrent locks (each file is written atomically, and any writer writes the same content)."""

    def __init__(self, root: Path) -> None:
        self.directory = Path(root) / "elf-v1"

    def _path(self, sha256: str) -> Path:
        sha = sha256.lower()
        return self.directory / sha[:2] / f"{sha}.json"

    def get(self, sha256: str) -> Optional[Members]:
        """The members recorded for the wheel, or None (not read yet, or an unreadable entry)."""
        try:
            return members_from_json(orjson.loads(self._path(sha256).read_bytes())["members"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(self, sha256: str, members: Mapping[str, Dynamic]) -> None:
        path = self._path(sha256)
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, orjson.dumps({"members": members_to_json(members)}, option=orjson.OPT_SORT_KEYS))
