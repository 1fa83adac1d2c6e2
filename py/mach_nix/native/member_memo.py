"""Readings of ELF members shared between the wheels of one fill: the wheels of a release for
several Python versions carry the same libraries (torch's ``libtorch_cuda.so``, the ``.libs/``
auditwheel grafts), and a member whose name, CRC-32 and size (from the central directory) match one
already read has the same dynamic section, so it is not fetched again.

Example::

    memo = MemberMemo()
    dyn = memo.get_or_read(("libfoo.so.1", 0x1234abcd, 40960), lambda: read_dynamic(member.read))
"""

from __future__ import annotations

import threading
from typing import Callable, Dict, Hashable, Optional, Tuple

from mach_nix.native.elf import Dynamic

_MISSING = object()


class MemberMemo:
    """key → the member's reading (None: not ELF, or no dynamic section). Thread-safe: a key being
    read by one thread makes the others wait for that reading instead of fetching it too."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._done: Dict[Hashable, Optional[Dynamic]] = {}
        self._busy: Dict[Hashable, threading.Event] = {}
        self.reused = 0

    def get_or_read(self, key: Hashable, read: Callable[[], Optional[Dynamic]]) -> Tuple[Optional[Dynamic], bool]:
        """The reading for ``key`` and whether it was reused; ``read`` runs when none is known (its
        exception propagates and nothing is stored, so a waiting thread then reads for itself)."""
        while True:
            with self._lock:
                found = self._done.get(key, _MISSING)
                if found is not _MISSING:
                    self.reused += 1
                    return found, True  # type: ignore[return-value]
                event = self._busy.get(key)
                if event is None:
                    event = self._busy[key] = threading.Event()
                    break
            event.wait()
        try:
            value = read()
            with self._lock:
                self._done[key] = value
            return value, False
        finally:
            with self._lock:
                del self._busy[key]
            event.set()
