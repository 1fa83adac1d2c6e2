"""What both routes to a lock (a resolution, a converted foreign lock) end with: the
:class:`LockResult`, the lock's ``target``, the binary wheels' ``needs``, and the
``$MACH_NIX_STATS`` report of what was fetched.

Example: ``LockResult(lock, ["…"]).summary == "locked 5 packages (0 build-only) for CPython 3.11 on x86_64-linux"``
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, List, Optional

if TYPE_CHECKING:
    from mach_nix.native.lock_needs import NeedsReport
    from mach_nix.pipeline.options import LockOptions
    from mach_nix.resolve.target import Target
    from mach_nix.shapes import LockDocument, LockTarget, Packages


@dataclass
class LockResult:
    """A new lock document, what the user should hear about it, and what changed against ``previous``."""

    lock: LockDocument
    warnings: List[str] = field(default_factory=list)
    previous: Optional[LockDocument] = None  # the lock that was redone (None: a first lock)

    @property
    def summary(self) -> str:
        packages = self.lock["packages"]
        build_only = sum(1 for e in packages.values() if e.get("build_only"))
        target = self.lock["target"]
        return f"locked {len(packages)} packages ({build_only} build-only) for CPython {target['python']} on {target['system']}"


def lock_target(options: LockOptions, target: Target, packages: Packages) -> LockTarget:
    """The lock's ``target``, with ``accelerator`` when ``--accelerator`` or ``--extra-index-url`` was
    given (without them the field is left out, so that the locks of existing inputs keep their bytes;
    readers derive it from the packages with the same rule, see accelerator.py).

    Example: ``lock_target(LockOptions(src), Target.create("3.11", "x86_64-linux"), {})["python"] == "3.11"``
    """
    out: LockTarget = target.to_json()
    if options.accelerator is not None or options.extra_index_urls:
        from mach_nix.accelerator import choose

        out["accelerator"] = choose(options.accelerator, packages)
    return out


def add_native_needs(options: LockOptions, packages: Packages, previous: Optional[LockDocument] = None) -> NeedsReport:
    """Set the ``needs`` of the lock's binary wheels (``options.needs``; see native/lock_needs.py;
    ``previous``: the lock being redone, whose needs serve when it has the same binary wheels)
    and return the :class:`mach_nix.native.lock_needs.NeedsReport`.

    Example: ``add_native_needs(LockOptions(src, needs="off"), packages).warnings == []``
    """
    from mach_nix.index.storage.cache import default_cache_dir
    from mach_nix.native.lock_needs import add_needs

    mode = "cached" if options.offline and options.needs == "fetch" else options.needs
    return add_needs(packages, mode=mode, cache_root=Path(options.cache_dir) if options.cache_dir else default_cache_dir(),
                     previous=previous["packages"] if previous is not None else None)


def write_stats(index: Any, extra: Optional[Dict[str, Any]] = None) -> None:
    """With ``$MACH_NIX_STATS``, write what the remote layers of ``index`` (a LayeredIndex, or an index
    of one layer with a ``remote``) fetched there as JSON (for bench/), with ``extra`` keys (the
    ``needs_*`` counts of the native-needs step, which come on top).

    Example: ``{"requests": 41, "bytes": 1203344, "projects_fetched": 12, "files_fetched": 27}``
    """
    import os

    path = os.environ.get("MACH_NIX_STATS")
    if not path:
        return
    import orjson

    from mach_nix.fsutil import atomic_write_bytes

    stats = {"requests": 0, "bytes": 0, "projects_fetched": 0, "files_fetched": 0}
    # PyPI (or --index-url) and the --extra-index-url indexes, summed (an index of one layer has `remote` only)
    remotes = index.remotes() if hasattr(index, "remotes") else [r for r in (getattr(index, "remote", None),) if r]
    for remote in remotes:
        for key, value in remote.requests().items():
            stats[key] += value
    stats = {**stats, **(extra or {})}
    atomic_write_bytes(Path(path), orjson.dumps(stats) + b"\n")
