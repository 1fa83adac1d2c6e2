"""A small PyPI client for the crawler: PEP 691 JSON simple API, PEP 658 metadata, range reads.

One pooled keep-alive ``urllib3.PoolManager`` is shared by all crawler threads. urllib3's
``Retry`` handles connection errors, 429 and 5xx (with exponential backoff, honouring
``Retry-After``); on top of it, :meth:`PyPIClient.get` retries bodies that arrive truncated or
time out while being read, which urllib3 does not retry by itself.
"""

from __future__ import annotations

import hashlib
import io
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional

import orjson
import urllib3
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.util.retry import Retry

from mach_nix.errors import MachNixError

PYPI = "https://pypi.org"
SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"
USER_AGENT = "mach-nix-crawler/0.1"
RETRY_STATUSES = (429, 500, 502, 503, 504)


class FetchError(MachNixError):
    """A request failed for good (after retries) or returned something unusable."""


@dataclass
class Response:
    status: int
    data: bytes
    headers: Dict[str, str]


@dataclass
class Stats:
    """Request counters (thread-safe increments), for the progress display and the benchmark."""

    requests: int = 0
    bytes: int = 0
    retries: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, requests: int = 0, nbytes: int = 0, retries: int = 0) -> None:
        with self.lock:
            self.requests += requests
            self.bytes += nbytes
            self.retries += retries


@dataclass
class SimpleProject:
    """A project's PEP 691 page: display name, serial, versions as on PyPI, and file entries."""

    name: str
    last_serial: int
    versions: List[str]
    files: List[Dict[str, Any]]


class PyPIClient:
    """Thread-safe client for pypi.org and its file host.

    ``rewrite`` maps every outgoing URL (tests point it at a loopback server); ``pool_size`` should
    be at least the number of crawler threads so that connections are kept alive, not reopened.

    Example::

        client = PyPIClient()
        page = client.simple("six")               # SimpleProject or None when PyPI has no such project
        meta = client.get(page.files[-1]["url"] + ".metadata", ok=(200, 404))
    """

    def __init__(
        self,
        base: str = PYPI,
        *,
        pool_size: int = 48,
        timeout: float = 30.0,
        retries: int = 6,
        backoff: float = 0.5,
        rewrite: Optional[Callable[[str], str]] = None,
    ) -> None:
        self.base = base.rstrip("/")
        self.rewrite = rewrite or (lambda url: url)
        self.retries = retries
        self.backoff = backoff
        self.stats = Stats()
        stats = self.stats
        # urllib3 retries 429/5xx and connection errors itself; count those retries too.
        counting = type("CountingRetry", (Retry,), {
            "increment": lambda self, *a, **kw: (stats.add(retries=1), Retry.increment(self, *a, **kw))[1],
        })
        retry = counting(
            total=retries,
            connect=retries,
            read=retries,
            status=retries,
            backoff_factor=backoff,
            backoff_max=60,
            status_forcelist=RETRY_STATUSES,
            respect_retry_after_header=True,
            raise_on_status=False,
            allowed_methods=None,
        )
        self.http = urllib3.PoolManager(
            num_pools=8,
            maxsize=pool_size,
            block=True,
            retries=retry,
            timeout=urllib3.Timeout(connect=10.0, read=timeout),
            headers={"User-Agent": USER_AGENT},
        )

    # -- plain requests ----------------------------------------------------------------------

    def get(self, url: str, *, headers: Optional[Dict[str, str]] = None, ok=(200,)) -> Response:
        """GET ``url``; retry transport errors and truncated bodies; raise FetchError unless status in ``ok``."""
        target = self.rewrite(url)
        last: Optional[BaseException] = None
        for attempt in range(self.retries + 1):
            if attempt:
                self.stats.add(retries=1)
                time.sleep(min(60.0, self.backoff * 2 ** attempt))
            try:
                resp = self.http.request("GET", target, headers=headers, preload_content=False)
                try:
                    data = resp.read()
                    expected = resp.headers.get("Content-Length")
                    if expected is not None and resp.headers.get("Content-Encoding") in (None, "identity"):
                        if len(data) != int(expected):
                            raise _Truncated(f"got {len(data)} of {expected} bytes")
                finally:
                    resp.release_conn()
            except (Urllib3Error, _Truncated, OSError) as exc:
                last = exc
                continue
            self.stats.add(requests=1, nbytes=len(data))
            if resp.status not in ok:  # 429/5xx arrive here only once urllib3's retries are spent
                raise FetchError(f"GET {url} answered HTTP {resp.status}.")
            return Response(resp.status, data, dict(resp.headers))
        raise FetchError(f"GET {url} failed after {self.retries + 1} attempts: {last}")

    def stream(self, url: str, *, max_bytes: int) -> "StreamedBody":
        """Open ``url`` for streaming reads of at most ``max_bytes`` (the caller closes it)."""
        target = self.rewrite(url)
        try:
            resp = self.http.request("GET", target, preload_content=False, decode_content=False)
        except Urllib3Error as exc:
            raise FetchError(f"GET {url} failed: {exc}") from None
        self.stats.add(requests=1)
        if resp.status != 200:
            resp.release_conn()
            raise FetchError(f"GET {url} answered HTTP {resp.status}.")
        return StreamedBody(resp, max_bytes, self.stats, url)

    # -- PyPI endpoints ----------------------------------------------------------------------

    def simple(self, name: str) -> Optional[SimpleProject]:
        """The PEP 691 JSON page of a project, or None when PyPI has no such project (404)."""
        url = f"{self.base}/simple/{name}/"
        resp = self.get(url, headers={"Accept": SIMPLE_JSON}, ok=(200, 404))
        if resp.status == 404:
            return None
        try:
            doc = orjson.loads(resp.data)
            meta = doc.get("meta", {})
            return SimpleProject(
                name=doc["name"],
                last_serial=int(meta.get("_last-serial") or resp.headers.get("X-PyPI-Last-Serial") or 0),
                versions=list(doc.get("versions", [])),
                files=list(doc["files"]),
            )
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise FetchError(f"{url} did not return a PEP 691 JSON page ({exc}).") from None

    def pep658(self, wheel_url: str) -> Optional[bytes]:
        """The wheel's PEP 658 ``.metadata`` file, or None when the host has none (404)."""
        resp = self.get(wheel_url + ".metadata", ok=(200, 404))
        return resp.data if resp.status == 200 else None

    def range_file(self, url: str, size: int) -> "HTTPRangeFile":
        """A seekable read-only file over ``url`` backed by HTTP range requests."""
        return HTTPRangeFile(self, url, size)


class _Truncated(Exception):
    pass


class StreamedBody(io.RawIOBase):
    """A streamed response body with a hard byte limit (for sdists, read once front to back).

    ``sha256`` hashes every byte read; once ``eof`` is true it is the whole file's.
    """

    def __init__(self, resp: Any, max_bytes: int, stats: Stats, url: str) -> None:
        super().__init__()
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
        except Urllib3Error as exc:
            raise FetchError(f"reading {self.url} failed: {exc}") from None
        n = len(chunk)
        if n > self._left:
            raise FetchError(f"{self.url} is larger than the crawler's limit of {self.read_bytes + self._left} bytes; not read.")
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
        super().close()


class HTTPRangeFile(io.RawIOBase):
    """Random access to a remote file through ``Range`` requests, with a small block cache.

    ``zipfile.ZipFile`` reads the end-of-central-directory record, then the central directory,
    then one member; with 64 KiB blocks and a tail prefetch that is usually 1-3 requests.
    """

    BLOCK = 64 * 1024

    def __init__(self, client: PyPIClient, url: str, size: int) -> None:
        super().__init__()
        self.client = client
        self.url = url
        self.size = int(size)
        self.pos = 0
        self.blocks: Dict[int, bytes] = {}
        self.requests = 0

    def seekable(self) -> bool:
        return True

    def readable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.pos

    def seek(self, offset: int, whence: int = 0) -> int:
        if whence == 0:
            self.pos = offset
        elif whence == 1:
            self.pos += offset
        else:
            self.pos = self.size + offset
        self.pos = max(0, min(self.pos, self.size))
        return self.pos

    def _fetch(self, first: int, last: int) -> None:
        """Fetch blocks ``first``..``last`` (inclusive) in one request."""
        start = first * self.BLOCK
        end = min(self.size, (last + 1) * self.BLOCK) - 1
        resp = self.client.get(self.url, headers={"Range": f"bytes={start}-{end}"}, ok=(206, 200))
        self.requests += 1
        data = resp.data
        if resp.status == 200:  # server ignored Range: we have the whole file
            start = 0
            if len(data) != self.size:
                raise FetchError(f"{self.url}: expected {self.size} bytes, got {len(data)}.")
        elif len(data) != end - start + 1:
            raise FetchError(f"{self.url}: range {start}-{end} returned {len(data)} bytes.")
        for offset in range(0, len(data), self.BLOCK):
            self.blocks[(start + offset) // self.BLOCK] = data[offset : offset + self.BLOCK]

    def read(self, n: int = -1) -> bytes:  # type: ignore[override]
        if n is None or n < 0:
            n = self.size - self.pos
        n = min(n, self.size - self.pos)
        if n <= 0:
            return b""
        first, last = self.pos // self.BLOCK, (self.pos + n - 1) // self.BLOCK
        missing = [b for b in range(first, last + 1) if b not in self.blocks]
        if missing:
            self._fetch(missing[0], missing[-1])
        buf = b"".join(self.blocks[b] for b in range(first, last + 1))
        offset = self.pos - first * self.BLOCK
        out = buf[offset : offset + n]
        self.pos += len(out)
        return out

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def prefetch_tail(self, nbytes: int = 64 * 1024) -> None:
        """Fetch the last ``nbytes`` at once (the zip central directory lives there)."""
        if self.size <= 0:
            return
        first = max(0, self.size - nbytes) // self.BLOCK
        last = (self.size - 1) // self.BLOCK
        self._fetch(first, last)
