"""A small PyPI client for the crawler: PEP 691 JSON / PEP 503 HTML simple API, PEP 658 metadata,
range reads. Any simple-API index works (pypi.org, devpi, a company mirror): see ``index_url``.

One pooled keep-alive ``urllib3.PoolManager`` is shared by all crawler threads. urllib3's
``Retry`` handles connection errors, 429 and 5xx (with exponential backoff, honouring
``Retry-After``); on top of it, :meth:`PyPIClient.get` retries bodies that arrive truncated or
time out while being read, which urllib3 does not retry by itself.

Every request is bounded whatever the server sends: in time by a deadline of its own
(``request_timeout``, all its attempts together) and by the client's network deadline
(``network_deadline``, counted from its first request), enforced by :mod:`mach_nix.index.client.deadline`;
in memory by a cap on the decoded body (urllib3 inflates a compressed body a chunk at a time, so a
gzip bomb is stopped at the cap, not held in memory). Pages are parsed and checked by
:mod:`mach_nix.index.client.simple_page`; bodies read a part at a time are in
:mod:`mach_nix.index.client.streamed` and :mod:`mach_nix.index.client.ranges`.
"""

from __future__ import annotations

import time
from typing import Any, Callable, Dict, List, Optional

import urllib3
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.util.retry import Retry

from mach_nix.index.client.deadline import Deadline, Watchdog, watch_pools
from mach_nix.index.client.http import METADATA_LIMIT, PAGE_LIMIT, FetchError, Response, Stats
from mach_nix.index.client.ranges import HTTPRangeFile
from mach_nix.index.client.simple_page import SimpleProject, parse_page
from mach_nix.index.client.streamed import StreamedBody
from mach_nix.names import normalize

PYPI = "https://pypi.org"
SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"
# PEP 691 content negotiation: JSON first, PEP 503 HTML from indexes that serve nothing else.
SIMPLE_ACCEPT = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01"
USER_AGENT = "mach-nix-crawler/0.1"
RETRY_STATUSES = (429, 500, 502, 503, 504)
REQUEST_TIMEOUT = 120.0  # seconds for one request, all attempts: a 100 MiB sdist at ~1 MB/s fits
_CHUNK = 1 << 16


class PyPIClient:
    """Thread-safe client for a simple-API index (pypi.org by default) and its file host.

    ``index_url`` is the simple API root, like pip's ``--index-url`` (default ``base + "/simple"``);
    project pages are read from ``{index_url}/{normalized-name}/``. ``rewrite`` maps every outgoing URL (tests point it at a loopback server); ``pool_size`` should
    be at least the number of crawler threads so that connections are kept alive, not reopened.

    Example::

        client = PyPIClient()
        page = client.simple("six")               # SimpleProject or None when PyPI has no such project
        devpi = PyPIClient(index_url="https://devpi.example.com/root/pypi/+simple")
        meta = client.get(page.files[-1]["url"] + ".metadata", ok=(200, 404))
    """

    def __init__(
        self,
        base: str = PYPI,
        *,
        index_url: Optional[str] = None,
        pool_size: int = 48,
        timeout: float = 30.0,
        request_timeout: float = REQUEST_TIMEOUT,
        network_deadline: Optional[float] = None,
        retries: int = 6,
        backoff: float = 0.5,
        rewrite: Optional[Callable[[str], str]] = None,
    ) -> None:
        self.base = base.rstrip("/")
        self.index_url = (index_url or self.base + "/simple").rstrip("/")
        self.rewrite = rewrite or (lambda url: url)
        self.retries = retries
        self.backoff = backoff
        self.timeout = timeout
        self.request_timeout = request_timeout
        self.network_deadline = network_deadline  # seconds from the first request; None: no limit
        self._network_end: Optional[float] = None
        self.stats = Stats()
        stats = self.stats
        # urllib3 retries 429/5xx and connection errors itself; count those retries too.
        class CountingRetry(Retry):
            def increment(self, *args: Any, **kwargs: Any) -> Any:
                stats.add(retries=1)
                return super().increment(*args, **kwargs)

        retry = CountingRetry(
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
        self._retry = retry
        self.http = urllib3.PoolManager(
            num_pools=8,
            maxsize=pool_size,
            block=True,
            retries=retry,
            timeout=urllib3.Timeout(connect=10.0, read=timeout),
            headers={"User-Agent": USER_AGENT},
        )
        watch_pools(self.http)

    # -- deadlines ---------------------------------------------------------------------------

    def deadline(self, url: str) -> Deadline:
        """The deadline of a request for ``url`` starting now: its own, or the network deadline if sooner.

        Example: ``PyPIClient(request_timeout=5).deadline(url).left() <= 5``
        """
        now = time.monotonic()
        if self.network_deadline is not None and self._network_end is None:
            self._network_end = now + self.network_deadline
        if self._network_end is not None and self._network_end < now + self.request_timeout:
            return Deadline(self._network_end, (
                f"the network deadline of {self.network_deadline:g} s (--network-deadline) passed while reading {url}; "
                "the index server is too slow or does not answer. Retry later, raise --network-deadline, or pass --offline."))
        return Deadline(now + self.request_timeout, (
            f"GET {url} did not complete within its deadline of {self.request_timeout:g} s (--request-timeout); "
            "the server answered too slowly or not at all. Retry later, raise --request-timeout, or pass --offline."))

    def _request(self, target: str, deadline: Deadline, **kwargs: Any) -> Any:
        """urllib3's request, with its timeouts and retry pauses cut to what is left of ``deadline``."""
        left = deadline.left()
        if left <= 0:
            raise FetchError(deadline.message)
        bounds: Dict[str, Any] = {"backoff_max": min(60.0, left)}
        if hasattr(self._retry, "retry_after_max"):  # urllib3 >= 2.6.3; older ones wait what Retry-After says
            bounds["retry_after_max"] = max(1, int(left))
        return self.http.request("GET", target, preload_content=False, retries=self._retry.new(**bounds),
                                 timeout=urllib3.Timeout(connect=min(10.0, left), read=min(self.timeout, left)), **kwargs)

    # -- plain requests ----------------------------------------------------------------------

    def get(self, url: str, *, headers: Optional[Dict[str, str]] = None, ok=(200,), max_bytes: int = PAGE_LIMIT,
            what: str = "simple page") -> Response:
        """GET ``url``; retry transport errors and truncated bodies; raise FetchError unless status in
        ``ok``, when the deadline passes, or when the decoded body (``what``) exceeds ``max_bytes``."""
        target = self.rewrite(url)
        deadline = self.deadline(url)
        last: Optional[BaseException] = None
        for attempt in range(self.retries + 1):
            if attempt:
                self.stats.add(retries=1)
                time.sleep(min(60.0, self.backoff * 2 ** attempt, deadline.left()))
            watchdog = Watchdog(deadline)
            try:
                with watchdog.armed():
                    resp = self._request(target, deadline, headers=headers)
                    try:
                        data = _read_capped(resp, url, max_bytes, what)
                        expected = resp.headers.get("Content-Length")
                        if expected is not None and resp.headers.get("Content-Encoding") in (None, "identity"):
                            if len(data) != int(expected):
                                raise _Truncated(f"got {len(data)} of {expected} bytes")
                    except BaseException:
                        resp.close()  # a body abandoned half-way must not go back to the pool
                        raise
                    finally:
                        resp.release_conn()
            except (Urllib3Error, _Truncated, OSError) as exc:
                last = exc
                if watchdog.fired or deadline.left() <= 0:
                    raise FetchError(deadline.message) from None
                continue
            finally:
                watchdog.cancel()
            if watchdog.fired:  # a socket shut down reads as the end of the body: it is not one
                raise FetchError(deadline.message)
            self.stats.add(requests=1, nbytes=len(data))
            if resp.status not in ok:  # 429/5xx arrive here only once urllib3's retries are spent
                raise FetchError(f"GET {url} answered HTTP {resp.status}.")
            return Response(resp.status, data, dict(resp.headers))
        raise FetchError(f"GET {url} failed after {self.retries + 1} attempts: {last}")

    def stream(self, url: str, *, max_bytes: int) -> "StreamedBody":
        """Open ``url`` for streaming reads of at most ``max_bytes`` before its deadline (the caller closes it)."""
        target = self.rewrite(url)
        watchdog = Watchdog(self.deadline(url))  # armed until the body is closed
        try:
            with watchdog.armed():
                resp = self._request(target, watchdog.deadline, decode_content=False)
        except (Urllib3Error, OSError) as exc:
            watchdog.cancel()
            raise FetchError(watchdog.deadline.message if watchdog.fired else f"GET {url} failed: {exc}") from None
        except BaseException:
            watchdog.cancel()
            raise
        self.stats.add(requests=1)
        if resp.status != 200:
            watchdog.cancel()
            resp.release_conn()
            raise FetchError(f"GET {url} answered HTTP {resp.status}.")
        return StreamedBody(resp, max_bytes, self.stats, url, watchdog)

    # -- PyPI endpoints ----------------------------------------------------------------------

    def simple(self, name: str) -> Optional[SimpleProject]:
        """A project's simple page (PEP 691 JSON or PEP 503 HTML), or None when the index has no
        such project (404).

        Example: ``PyPIClient().simple("Typing_Extensions").files[0]["url"]`` (asks for
        ``https://pypi.org/simple/typing-extensions/``).
        """
        url = f"{self.index_url}/{normalize(name)}/"
        resp = self.get(url, headers={"Accept": SIMPLE_ACCEPT}, ok=(200, 404))
        if resp.status == 404:
            return None
        return parse_page(url, normalize(name), resp)

    def pep658(self, wheel_url: str) -> Optional[bytes]:
        """The wheel's PEP 658 ``.metadata`` file, or None when the host has none (404)."""
        resp = self.get(wheel_url + ".metadata", ok=(200, 404), max_bytes=METADATA_LIMIT, what="core metadata file")
        return resp.data if resp.status == 200 else None

    def range_file(self, url: str, size: int, sha256: Optional[str] = None) -> "HTTPRangeFile":
        """A seekable read-only file over ``url`` backed by HTTP range requests; a server that ignores
        Range sends the whole file, used only when it has ``sha256``."""
        return HTTPRangeFile(self, url, size, sha256)


class _Truncated(Exception):
    pass


def _read_capped(resp: Any, url: str, max_bytes: int, what: str) -> bytes:
    """The decoded body, read a chunk at a time; FetchError past ``max_bytes`` (decoded or not)."""
    chunks: List[bytes] = []
    total = 0
    while True:
        chunk = resp.read(_CHUNK)
        if not chunk:
            return b"".join(chunks)
        total += len(chunk)
        if total > max_bytes:
            encoding = resp.headers.get("Content-Encoding")
            decoded = f" once decoded (Content-Encoding: {encoding})" if encoding else ""
            raise FetchError(f"GET {url}: the answer is larger than {max_bytes} bytes{decoded}, more than any "
                             f"{what} can be (a compression bomb, or not the file asked for); it is not read. "
                             "Check --index-url, or report it to the index's operator.")
        chunks.append(chunk)
