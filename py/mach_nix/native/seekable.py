"""The position bookkeeping of a read-only, seekable raw file of known size, for files whose bytes
come from elsewhere (range requests, a ``read(offset, size)`` callable): a subclass sets ``size``
and implements ``readinto`` (or ``read``) from ``pos``.

Example::

    class Zeros(SeekableRaw):
        def readinto(self, buffer):
            n = min(len(buffer), self.size - self.pos)
            buffer[:n] = bytes(n)
            self.pos += n
            return n

    Zeros(10).seek(-4, 2)  # 6
"""

from __future__ import annotations

import io


class SeekableRaw(io.RawIOBase):
    """``seek``/``tell`` within ``[0, size]`` (positions beyond either end are clamped)."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size, self.pos = int(size), 0

    def seekable(self) -> bool:
        return True

    def readable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.pos

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: 0, 1: self.pos, 2: self.size}[whence]
        self.pos = max(0, min(base + offset, self.size))
        return self.pos
