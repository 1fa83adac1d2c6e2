"""One lock, end to end: inputs → index → resolve → lock document, as one library call.

The CLI's `lock`, `env` and `gen` and the Nix library's resolver derivation all go through
:func:`lock_requirements`; commands only parse arguments and print. The package by concern:

* ``options``: :class:`LockOptions`, what a lock depends on besides the index;
* ``resolved``: the resolving route (inputs, index, resolution, lock document);
* ``foreign``: the ``--from`` route (another tool's lock converted);
* ``result``: what both routes end with (:class:`LockResult`, the target, native needs, stats);
* ``relock``: a lock redone over an existing one (kept pins, changes);
* ``advice``: warnings about a resolution that succeeded.
"""

from __future__ import annotations

import gc

from mach_nix.pipeline.options import LockOptions
from mach_nix.pipeline.result import LockResult, write_stats

__all__ = ["LockOptions", "LockResult", "lock_requirements", "write_stats"]


def lock_requirements(options: LockOptions, *, notice: bool = False) -> LockResult:
    """Resolve ``options`` against the index and return the lock (not yet written).

    A resolution builds ~1M objects that live until the end and makes few reference cycles, so
    the cyclic garbage collector is paused meanwhile (its collections would only re-scan them), and
    what is left is then frozen (``gc.freeze``): otherwise the first collection after re-enabling,
    or the one at interpreter exit, scans all of it.

    Example: ``lock_requirements(LockOptions(InputSources(requirements=["idna"]))).lock["roots"] == ["idna"]``
    """
    if options.from_lock is not None:
        from mach_nix.pipeline.foreign import convert_foreign

        return convert_foreign(options)
    from mach_nix.pipeline.resolved import resolved_lock

    enabled = gc.isenabled()
    gc.disable()
    try:
        return resolved_lock(options, notice)
    finally:
        gc.freeze()
        if enabled:
            gc.enable()
