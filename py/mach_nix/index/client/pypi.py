"""A small PyPI client for the crawler: PEP 691 JSON / PEP 503 HTML simple API, PEP 658 metadata,
range reads. Any simple-API index works (pypi.org, devpi, a company mirror): see ``index_url``.

One pooled keep-alive ``urllib3.PoolManager`` is shared by all crawler threads. urllib3's
``Retry`` handles connection errors, 429 and 5xx (with exponential backoff, honouring
``Retry-After``); on top of it, :meth:`PyPIClient.get` retries bodies that arrive truncated or
time out while being read, which urllib3 does not retry by itself.

Every request is bounded whatever the server sends: in time by a deadline of its own
(``request_timeout``, all its attempts together) and by the client's network deadline
(``network_deadline``, counted from its first request), enforced by :mod:`mach_nix.index.deadline`;
in memory by a cap on the decoded body (urllib3 inflates a compressed body a chunk at a time, so a
gzip bomb is stopped at the cap, not held in memory). A page that is not a simple page of the project
(malformed JSON, the wrong shape, HTML without file links) is refused with a message naming the URL.
"""

from __future__ import annotations

import hashlib
import io
import threading
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any, Callable, Dict, List, Optional, Tuple, Union
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

import orjson
import urllib3
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.util.retry import Retry

from mach_nix.errors import MachNixError
from mach_nix.index.client.archives import MEMBER_LIMIT
from mach_nix.index.client.deadline import Deadline, Watchdog, watch_pools
from mach_nix.names import normalize

PYPI = "https://pypi.org"
SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"
# PEP 691 content negotiation: JSON first, PEP 503 HTML from indexes that serve nothing else.
SIMPLE_ACCEPT = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01"
USER_AGENT = "mach-nix-crawler/0.1"
RETRY_STATUSES = (429, 500, 502, 503, 504)
REQUEST_TIMEOUT = 120.0  # seconds for one request, all attempts: a 100 MiB sdist at ~1 MB/s fits
PAGE_LIMIT = 64 * 1024 * 1024  # decoded bytes of a simple page: the largest on PyPI are a few MB
METADATA_LIMIT = MEMBER_LIMIT  # a .metadata file is a METADATA member (see archives)
WHEEL_DOWNLOAD_LIMIT = 300 * 1024 * 1024  # last-resort whole-wheel downloads
_CHUNK = 1 << 16


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
    """A project's simple page in the PEP 691 form: name, serial, versions, and file entries.

    ``files`` hold only files with a sha256 (nothing else can be locked), each ``url`` absolute
    and without a ``#...`` fragment. ``versions`` is as the index lists them, else derived from
    the filenames; it may be empty.
    """

    name: str
    last_serial: int
    versions: List[str]
    files: List[Dict[str, Any]]


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
        kind = _page_kind(resp)
        if kind == "json":
            page = _json_page(url, resp)
        elif kind == "html":
            page = _html_page(url, normalize(name), resp)
        else:
            raise FetchError(f"{url} returned neither a PEP 691 JSON nor a PEP 503 HTML page "
                             f"(Content-Type {_header(resp, 'Content-Type') or 'missing'}).")
        return _finish_page(url, page)

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


# -- simple pages ------------------------------------------------------------------------------


def _header(resp: Response, name: str) -> str:
    """A response header, case-insensitively ("" when absent)."""
    return next((v for k, v in resp.headers.items() if k.lower() == name.lower()), "")


def _page_kind(resp: Response) -> Optional[str]:
    """``"json"`` or ``"html"`` by Content-Type, else by the body's first byte; None if neither."""
    ctype = _header(resp, "Content-Type").split(";")[0].strip().lower()
    if ctype.endswith("json"):
        return "json"
    if "html" in ctype:
        return "html"
    first = resp.data.lstrip()[:1]
    return {b"{": "json", b"<": "html"}.get(first)


_REFUSED = ("It is not used and nothing of it is cached; check --index-url, or retry once the server "
            "answers properly.")


def _entry_problem(entry: Any) -> Optional[str]:
    """What is wrong with one ``files`` entry of a PEP 691 page, or None."""
    if not isinstance(entry, dict):
        return f"is a {type(entry).__name__}, not an object"
    for key in ("filename", "url"):
        if not isinstance(entry.get(key), str) or not entry[key]:
            return f"has no {key} string"
    hashes = entry.get("hashes", {})
    if not isinstance(hashes, dict) or not all(isinstance(v, str) for v in hashes.values()):
        return "has hashes that are not a table of strings"
    if entry.get("requires-python") is not None and not isinstance(entry["requires-python"], str):
        return "has a requires-python that is not a string"
    if not isinstance(entry.get("yanked", False), (bool, str)):
        return "has a yanked that is neither true/false nor a reason"
    if entry.get("size") is not None and (not isinstance(entry["size"], int) or isinstance(entry["size"], bool)):
        return "has a size that is not an integer"
    if entry.get("upload-time") is not None and not isinstance(entry["upload-time"], str):
        return "has an upload-time that is not a string"
    return None


def _json_page(url: str, resp: Response) -> SimpleProject:
    """Parse a PEP 691 JSON page (file URLs still as served); FetchError naming what is malformed."""
    try:
        doc = orjson.loads(resp.data)
    except orjson.JSONDecodeError as exc:
        raise FetchError(f"{url} answered with invalid JSON ({str(exc).splitlines()[0]}) where a PEP 691 page "
                         f"was expected. {_REFUSED}") from None
    problem = None
    if not isinstance(doc, dict):
        problem = f"the document is a JSON {type(doc).__name__}, not an object"
    elif not isinstance(doc.get("name"), str):
        problem = "it has no \"name\" string"
    elif not isinstance(doc.get("files"), list):
        problem = "its \"files\" is not a list"
    elif not isinstance(doc.get("meta", {}), dict):
        problem = "its \"meta\" is not an object"
    elif not isinstance(doc.get("versions", []), list) or not all(isinstance(v, str) for v in doc.get("versions", [])):
        problem = "its \"versions\" is not a list of strings"
    else:
        problem = next((f"file entry {i} {why}" for i, why in enumerate(map(_entry_problem, doc["files"])) if why), None)
    if problem is not None:
        raise FetchError(f"{url} answered a malformed PEP 691 JSON page: {problem}. {_REFUSED}")
    meta = doc.get("meta", {})
    try:
        serial = int(meta.get("_last-serial") or _header(resp, "X-PyPI-Last-Serial") or 0)
    except (TypeError, ValueError):
        serial = 0
    return SimpleProject(name=doc["name"], last_serial=serial, versions=list(doc.get("versions", [])),
                         files=[dict(f) for f in doc["files"]])


def _html_page(url: str, name: str, resp: Response) -> SimpleProject:
    """Parse a PEP 503 HTML page: one file entry (PEP 691 form) per ``<a href>``."""
    parser = _SimpleHTML()
    try:
        parser.feed(resp.data.decode("utf-8", errors="replace"))
        parser.close()
    except (AssertionError, ValueError) as exc:  # html.parser gives up on very broken markup
        raise FetchError(f"{url} did not return a parseable PEP 503 HTML page ({exc}).") from None
    if not parser.files and resp.data.strip():
        raise FetchError(f"{url} answered HTTP 200 with {len(resp.data)} bytes of HTML that hold no file link: "
                         f"not a PEP 503 page of the project. {_REFUSED}")
    base = urljoin(url, parser.base) if parser.base else url
    files = [dict(entry, url=urljoin(base, entry["url"])) for entry in parser.files]
    serial = parser.serial or int(_header(resp, "X-PyPI-Last-Serial") or 0)
    return SimpleProject(name=name, last_serial=serial, versions=[], files=files)


def _finish_page(url: str, page: SimpleProject) -> SimpleProject:
    """Resolve file URLs against the page, move ``#hash=`` fragments into ``hashes``, drop files
    without a sha256, and derive the version list from filenames when the page has none."""
    files = [entry for entry in (_resolved(url, f) for f in page.files) if entry["hashes"].get("sha256")]
    versions = page.versions or _versions_of(page.name, files)
    return SimpleProject(page.name, page.last_serial, versions, files)


def _resolved(page_url: str, entry: Dict[str, Any]) -> Dict[str, Any]:
    """``entry`` with an absolute, fragment-free ``url``; a ``#name=value`` fragment fills in
    that hash when ``hashes`` lacks it.

    Example: ``_resolved("https://h/simple/a/", {"url": "../../f/a-1.tar.gz#sha256=ab"})``
    has url ``https://h/f/a-1.tar.gz`` and hashes ``{"sha256": "ab"}``.
    """
    url, fragment = urldefrag(urljoin(page_url, str(entry.get("url", ""))))
    hashes = dict(entry.get("hashes") or {})
    algorithm, sep, value = fragment.partition("=")
    if sep and value:
        hashes.setdefault(algorithm.lower(), value.lower())
    return dict(entry, url=url, hashes=hashes)


def _versions_of(name: str, files: List[Dict[str, Any]]) -> List[str]:
    """The distinct versions the filenames carry, in page order."""
    from mach_nix.index.crawl.releases import file_version  # releases imports this module

    found = (file_version(str(f.get("filename", "")), normalize(name)) for f in files)
    return list(dict.fromkeys(str(v) for v in found if v is not None))


def _core_metadata(value: str) -> Union[bool, Dict[str, str], None]:
    """A ``data-core-metadata`` attribute in the PEP 691 form: ``True`` or ``{"sha256": ...}``."""
    if value.strip().lower() == "false":
        return None
    algorithm, sep, digest = value.strip().partition("=")
    return {algorithm.lower(): digest.lower()} if sep and digest else True


class _SimpleHTML(HTMLParser):
    """Collects a PEP 503 page's anchors as PEP 691 file entries (relative URLs kept), the
    ``<base href>``, and PyPI's ``<!--SERIAL n-->`` comment."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)  # attribute values and text arrive unescaped
        self.files: List[Dict[str, Any]] = []
        self.base = ""
        self.serial = 0
        self._anchor: Optional[Tuple[Dict[str, Optional[str]], List[str]]] = None

    def handle_starttag(self, tag: str, attrs: List[Tuple[str, Optional[str]]]) -> None:
        found = dict(attrs)
        if tag == "base" and found.get("href"):
            self.base = found["href"] or ""
        elif tag == "a" and found.get("href"):
            self._anchor = (found, [])

    def handle_data(self, data: str) -> None:
        if self._anchor is not None:
            self._anchor[1].append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._anchor is not None:
            attrs, text = self._anchor
            self._anchor = None
            self.files.append(_html_entry(attrs, "".join(text).strip()))

    def handle_comment(self, data: str) -> None:
        words = data.split()
        if len(words) == 2 and words[0] == "SERIAL" and words[1].isdigit():
            self.serial = int(words[1])


def _html_entry(attrs: Dict[str, Optional[str]], text: str) -> Dict[str, Any]:
    """One anchor as a PEP 691 file entry (the url still relative, its fragment still on)."""
    href = attrs.get("href") or ""
    entry: Dict[str, Any] = {
        "filename": text or unquote(urlsplit(href).path.rsplit("/", 1)[-1]),
        "url": href,
        "hashes": {},
    }
    if attrs.get("data-requires-python") is not None:
        entry["requires-python"] = attrs["data-requires-python"]
    if "data-yanked" in attrs:
        entry["yanked"] = attrs["data-yanked"] or True
    key = next((k for k in ("data-core-metadata", "data-dist-info-metadata") if k in attrs), None)
    metadata = _core_metadata(attrs[key] or "true") if key else None
    if metadata is not None:
        entry["core-metadata"] = metadata
    return entry


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


class HTTPRangeFile(io.RawIOBase):
    """Random access to a remote file through ``Range`` requests, with a small block cache.

    ``zipfile.ZipFile`` reads the end-of-central-directory record, then the central directory,
    then one member; with 64 KiB blocks and a tail prefetch that is usually 1-3 requests.
    """

    BLOCK = 64 * 1024

    def __init__(self, client: PyPIClient, url: str, size: int, sha256: Optional[str] = None) -> None:
        super().__init__()
        self.client = client
        self.url = url
        self.size = int(size)
        self.sha256 = sha256.lower() if sha256 else None
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
