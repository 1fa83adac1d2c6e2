"""A streamed response body with a hard byte limit, hashed as it is read (sdists, read once front
to back).

Example: ``with client.stream(url, max_bytes=SDIST_LIMIT) as body: tarfile.open(fileobj=body, mode="r|*")``
"""

from __future__ import annotations

import hashlib
import io
from typing import Any, Optional

from urllib3.exceptions import HTTPError as Urllib3Error

from mach_nix.index.client.deadline import Watchdog
from mach_nix.index.client.http import FetchError, Stats


class StreamedBody(io.RawIOBase):
    """A streamed response body with a hard byte limit (for sdists, read once front to back).

    ``sha256`` hashes every byte read; once ``eof`` is true it is the whole file's.
    """

    def __init__(self, resp: Any, max_bytes: int, stats: Stats, url: str, watchdog: Optional[Watchdog] = None) -> None:
        super().__init__()
        self._watchdog = watchdog  # cancelled when the body is closed
        self._resp = resp
        self._left = max_bytes
        self._stats = stats
        self.url = url
        self.read_bytes = 0
        self.eof = False
        self.sha256 = hashlib.sha256()  # of the bytes read so far (the whole file once eof)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        want = min(len(buffer), self._left + 1)  # one byte past the limit tells "larger" from "exactly"
        try:
            chunk = self._resp.read(want)
        except (Urllib3Error, OSError) as exc:
            if self._watchdog is not None and self._watchdog.fired:
                raise FetchError(self._watchdog.deadline.message) from None
            raise FetchError(f"reading {self.url} failed: {exc}") from None
        n = len(chunk)
        if n > self._left:
            raise FetchError(f"{self.url} is larger than the crawler's limit of {self.read_bytes + self._left} bytes; not read.")
        if n == 0 and want > 0 and self._watchdog is not None and self._watchdog.fired:
            raise FetchError(self._watchdog.deadline.message)  # a socket shut down reads as the end
        buffer[:n] = chunk
        if n == 0 and want > 0:
            self.eof = True
        self.sha256.update(chunk)
        self._left -= n
        self.read_bytes += n
        self._stats.add(nbytes=n)
        return n

    def close(self) -> None:
        if not self.closed:
            # A body abandoned half-way must not go back to the pool: close its connection.
            self._resp.close()
            self._resp.release_conn()
            if self._watchdog is not None:
                self._watchdog.cancel()
        super().close()
