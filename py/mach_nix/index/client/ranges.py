"""Random access to files that are not on disk: :class:`ReadAtFile`, a seekable file over any
``read_at(offset, n)``, and :class:`HTTPRangeFile`, one over HTTP range requests (wheels, whose
central directory and one member are all a metadata read needs).

Example: ``zipfile.ZipFile(HTTPRangeFile(client, url, size, sha256)).read("six-1.16.0.dist-info/METADATA")``
"""

from __future__ import annotations

import hashlib
import io
from typing import Any, Callable, Dict, Optional

from mach_nix.index.client.http import WHEEL_DOWNLOAD_LIMIT, FetchError


class ReadAtFile(io.RawIOBase):
    """A seekable, read-only file of ``size`` bytes over ``read_at(offset, n) -> bytes`` (passed in,
    or a subclass's method): what ``zipfile`` needs to read an archive that is not on disk.

    Example: ``zipfile.ZipFile(ReadAtFile(len(data), lambda offset, n: data[offset:offset + n]))``
    """

    def __init__(self, size: int, read_at: Optional[Callable[[int, int], bytes]] = None) -> None:
        super().__init__()
        self.size = size
        self.pos = 0
        self._reader = read_at

    def read_at(self, offset: int, n: int) -> bytes:
        """Up to ``n`` bytes at ``offset`` (fewer only at the end of the file)."""
        if self._reader is None:
            raise NotImplementedError("pass read_at, or override it")
        return self._reader(offset, n)

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

    def read(self, n: int = -1) -> bytes:  # type: ignore[override]
        if n is None or n < 0:
            n = self.size - self.pos
        out = self.read_at(self.pos, min(n, self.size - self.pos)) if self.pos < self.size else b""
        self.pos += len(out)
        return out

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


class HTTPRangeFile(ReadAtFile):
    """Random access to a remote file through ``Range`` requests, with a small block cache.

    ``zipfile.ZipFile`` reads the end-of-central-directory record, then the central directory,
    then one member; with 64 KiB blocks and a tail prefetch that is usually 1-3 requests.
    """

    BLOCK = 64 * 1024

    def __init__(self, client: Any, url: str, size: int, sha256: Optional[str] = None) -> None:
        super().__init__(int(size))
        self.client = client
        self.url = url
        self.sha256 = sha256.lower() if sha256 else None
        self.blocks: Dict[int, bytes] = {}
        self.requests = 0

    def _fetch(self, first: int, last: int) -> None:
        """Fetch blocks ``first``..``last`` (inclusive) in one request."""
        start = first * self.BLOCK
        end = min(self.size, (last + 1) * self.BLOCK) - 1
        # a server that ignores Range answers 200 with the whole file: allow for it, no more
        resp = self.client.get(self.url, headers={"Range": f"bytes={start}-{end}"}, ok=(206, 200),
                               max_bytes=max(end - start + 1, min(self.size, WHEEL_DOWNLOAD_LIMIT)),
                               what="byte range or whole file")
        self.requests += 1
        data = resp.data
        if resp.status == 200:  # server ignored Range: we have the whole file
            start = 0
            if len(data) != self.size:
                raise FetchError(f"{self.url}: expected {self.size} bytes, got {len(data)}.")
            if self.sha256 is None or hashlib.sha256(data).hexdigest() != self.sha256:
                raise FetchError(f"{self.url} ignored the byte range asked for and sent the whole file ({len(data)} bytes), "
                                 f"which does not have the sha256 its index page states ({self.sha256}); nothing from it is used.")
        elif len(data) != end - start + 1:
            raise FetchError(f"{self.url}: range {start}-{end} returned {len(data)} bytes.")
        for offset in range(0, len(data), self.BLOCK):
            self.blocks[(start + offset) // self.BLOCK] = data[offset : offset + self.BLOCK]

    def read_at(self, offset: int, n: int) -> bytes:
        """Up to ``n`` bytes at ``offset``, fetching the blocks not yet held in one request."""
        n = min(n, self.size - offset)
        if n <= 0:
            return b""
        first, last = offset // self.BLOCK, (offset + n - 1) // self.BLOCK
        missing = [b for b in range(first, last + 1) if b not in self.blocks]
        if missing:
            self._fetch(missing[0], missing[-1])
        buf = b"".join(self.blocks[b] for b in range(first, last + 1))
        start = offset - first * self.BLOCK
        return buf[start : start + n]

    def prefetch_tail(self, nbytes: int = 64 * 1024) -> None:
        """Fetch the last ``nbytes`` at once (the zip central directory lives there)."""
        if self.size <= 0:
            return
        first = max(0, self.size - nbytes) // self.BLOCK
        last = (self.size - 1) // self.BLOCK
        self._fetch(first, last)
