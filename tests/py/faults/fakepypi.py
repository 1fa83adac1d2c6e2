"""A real HTTP server on 127.0.0.1 that plays PyPI (recorded responses, or a synthetic world from
faults/world.py) and injects faults: the one loopback PyPI of the tests.

Routes are exact request paths (``/simple/six/``, ``/files/packages/ab/cd/…/six-1.16.0-py2.py3-none-any.whl``,
``….whl.metadata``) mapped to bodies. Range requests are answered with 206 like the file host.
``routes`` is looked up on every request, and a ``Route.json(doc)`` is rendered on every request,
so a test may change pages (or add routes) between runs.

Every request's path is logged in order (``server.log`` is a list; ``server.file_requests()``
the filenames asked for under ``/files/``). Besides the seeded schedule below, a test can fail
requests itself: ``server.fail = lambda path: 503`` (None: serve normally), and answer a path once
with a truncated body (``truncate_once``) or with 429 + ``Retry-After: 1`` (``retry_after_once``).

A hostile route streams instead (``Route(stream=..., pause=..., headers=...)``): its chunks are written
one by one with ``pause`` seconds before each (a trickle), generated as they are sent (a compression
bomb of GiBs costs the test no memory), for at most ``max_seconds`` (the server stops by itself);
``slow_headers`` trickles the header block too, and ``ignore_range`` answers 200 with the whole body.

Faults follow a seeded schedule: each request draws from ``random.Random(seed)`` whether and how to
fail, but no path fails more than ``max_faults_per_path`` times in a row, so a client that retries
enough always gets through. ``permanent`` faults (malformed JSON, wrong metadata, 404) never heal.

Example::

    with FakePyPI(routes, seed=3, rate=0.3) as server:
        client = PyPIClient(rewrite=server.rewrite)   # or server.client()
        server.fail = lambda path: 500 if path.startswith("/files/") else None
        assert server.log.count("/simple/six/") == 1
"""

from __future__ import annotations

import json
import random
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Set, Tuple
from urllib.parse import urlsplit

from mach_nix.index.client.pypi import PyPIClient

TRANSIENT_FAULTS = ("429", "500", "503", "reset", "stall", "truncate")
SIMPLE_TYPE = "application/vnd.pypi.simple.v1+json"
RECORDED = Path(__file__).resolve().parents[2] / "data" / "pypi"  # tests/data/pypi (record.py)


@dataclass
class Route:
    """One path's answer. ``doc`` (when not None) is a document rendered on every request (as
    JSON, or by ``render``), so editing it changes what the server serves."""

    body: bytes = b""
    content_type: str = "application/octet-stream"
    status: int = 200
    doc: Any = None
    render: Optional[Callable[[Any], bytes]] = None
    stream: Optional[Callable[[], Iterable[bytes]]] = None  # chunks written one by one, no Content-Length
    pause: float = 0.0  # seconds before each streamed chunk (or header byte, with slow_headers)
    headers: Optional[Dict[str, str]] = None  # extra headers, e.g. Content-Encoding: gzip
    slow_headers: bool = False
    max_seconds: float = 30.0  # a stream ends by itself after this long
    ignore_range: bool = False  # answer a Range request with 200 and the whole body

    @classmethod
    def json(cls, doc: Any, content_type: str = SIMPLE_TYPE) -> "Route":
        """A live JSON route. Example: ``Route.json(page)``; then ``page["files"].pop()`` is served."""
        return cls(content_type=content_type, doc=doc)

    def payload(self) -> bytes:
        if self.doc is None:
            return self.body
        return self.render(self.doc) if self.render else json.dumps(self.doc).encode()


class RequestLog(list):
    """The paths requested, in order (a list: ``log.count(path)``, ``log.clear()``), with the
    faults the schedule injected."""

    def __init__(self) -> None:
        super().__init__()
        self.injected: Counter = Counter()

    @property
    def requests(self) -> int:
        return len(self)

    def clear(self) -> None:
        super().clear()
        self.injected.clear()


def recorded_pages() -> Dict[str, Any]:
    """The recorded PEP 691 pages (tests/data/pypi/simple/NAME.json), freshly read: NAME -> page."""
    return {p.stem: json.loads(p.read_text()) for p in (RECORDED / "simple").glob("*.json")}


def recorded_routes(pages: Optional[Dict[str, Any]] = None) -> Dict[str, Route]:
    """Routes for the recorded simple pages (live: edit ``pages`` to change them), wheels, sdists
    and .metadata files.

    Example: ``FakePyPI(recorded_routes())``; ``server.page("six")`` is the served six page.
    """
    pages = recorded_pages() if pages is None else pages
    routes = {f"/simple/{name}/": Route.json(page) for name, page in pages.items()}
    for page in pages.values():
        for entry in page["files"]:
            path = "/files" + urlsplit(entry["url"]).path
            for suffix in ("", ".metadata"):
                recorded = RECORDED / "files" / (entry["filename"] + suffix)
                if recorded.is_file():
                    routes[path + suffix] = Route(recorded.read_bytes())
    return routes


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client killed mid-request (the point of some tests) is not an error here


class FakePyPI:
    def __init__(
        self,
        routes: Dict[str, Route],
        *,
        seed: int = 0,
        rate: float = 0.0,
        faults: Tuple[str, ...] = TRANSIENT_FAULTS,
        max_faults_per_path: int = 2,
        stall_seconds: float = 3.0,
        latency: float = 0.0,
    ) -> None:
        self.routes = routes
        self.rng = random.Random(seed)
        self.rate = rate
        self.faults = faults
        self.max_faults_per_path = max_faults_per_path
        self.stall_seconds = stall_seconds
        self.latency = latency
        self.log = RequestLog()
        self.fail: Optional[Callable[[str], Optional[int]]] = None  # path -> status to answer, or None
        self.truncate_once: Set[str] = set()  # paths answered once with a body shorter than Content-Length
        self.retry_after_once: Set[str] = set()  # paths answered once with 429 + Retry-After: 1
        self._streak: Counter = Counter()
        self._lock = threading.Lock()
        self._server: Optional[ThreadingHTTPServer] = None

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> "FakePyPI":
        """Listen on a free loopback port (``with FakePyPI(...)`` does this and ``close``)."""
        server = _QuietServer(("127.0.0.1", 0), _handler_for(self))
        server.daemon_threads = True
        self._server = server
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return self

    def close(self) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> "FakePyPI":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def base(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def rewrite(self, url: str) -> str:
        """Send pypi.org URLs to this server, and file-host URLs to its ``/files/`` tree.

        This is the same mapping ``mach-nix index build --pypi URL`` applies for a mirror.
        """
        parts = urlsplit(url)
        prefix = "/files" if parts.netloc == "files.pythonhosted.org" else ""
        return self.base + prefix + parts.path + (f"?{parts.query}" if parts.query else "")

    # -- helpers for tests ---------------------------------------------------------------------

    def client(self, **overrides: Any) -> PyPIClient:
        """A client of this server (few retries, short backoff), like ``--pypi BASE`` sets up.

        Example: ``server.client(retries=0).simple("six")``.
        """
        options: Dict[str, Any] = dict(pool_size=8, retries=1, backoff=0.01, rewrite=self.rewrite)
        options.update(overrides)
        return PyPIClient(self.base, **options)

    def page(self, name: str) -> Any:
        """The live JSON document served as ``/simple/NAME/`` (edit it to change the page)."""
        return self.routes[f"/simple/{name}/"].doc

    def file_requests(self) -> List[str]:
        """The filenames requested under ``/files/``, in order (``….whl.metadata`` included)."""
        return [p.rsplit("/", 1)[1] for p in list(self.log) if p.startswith("/files/")]

    def record(self, path: str) -> None:
        with self._lock:
            self.log.append(path)

    def once(self, paths: Set[str], path: str) -> bool:
        """True (and forget it) when ``path`` is in ``paths``, for the one-shot faults."""
        with self._lock:
            if path in paths:
                paths.discard(path)
                return True
            return False

    # -- fault schedule ------------------------------------------------------------------------

    def next_fault(self, path: str) -> Optional[str]:
        with self._lock:
            if self._streak[path] >= self.max_faults_per_path or self.rng.random() >= self.rate:
                self._streak[path] = 0
                return None
            fault = self.rng.choice(self.faults)
            self._streak[path] += 1
            self.log.injected[fault] += 1
            return fault


def _handler_for(server: FakePyPI) -> type:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:  # keep test output quiet
            pass

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            path = urlsplit(self.path).path
            server.record(path)
            if server.latency:
                time.sleep(server.latency)
            if server.once(server.retry_after_once, path):
                self._send(429, b"", "text/plain", extra={"Retry-After": "1"})
                return
            failure = server.fail(path) if server.fail else None
            if failure:
                self._send(failure, b"failure", "text/plain")
                return
            route = server.routes.get(path)
            fault = server.next_fault(path)
            if fault == "reset":
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                self.connection.close()
                self.close_connection = True
                return
            if fault == "stall":
                time.sleep(server.stall_seconds)
                self.close_connection = True
                return
            if fault in ("429", "500", "503"):
                self._send(int(fault), b"", "text/plain", extra={"Retry-After": "1"} if fault == "429" else None)
                return
            if route is None:
                self._send(404, b"not found", "text/plain")
                return
            if route.stream is not None:
                self._stream(route)
                return
            body, status = route.payload(), route.status
            extra: Dict[str, str] = dict(route.headers or {})
            rng = self.headers.get("Range")
            if rng and status == 200 and rng.startswith("bytes=") and not route.ignore_range:
                body, status, extra = _ranged(body, rng[len("bytes="):])
            if (fault == "truncate" or server.once(server.truncate_once, path)) and len(body) > 1:
                self._send(status, body[: len(body) // 2], route.content_type, length=len(body), extra=extra)
                self.close_connection = True
                return
            self._send(status, body, route.content_type, extra=extra)

        def _stream(self, route: Route) -> None:
            """Write a hostile route: headers (trickled with slow_headers), then its chunks, each after a pause."""
            self.close_connection = True
            head = [f"HTTP/1.1 {route.status} OK", f"Content-Type: {route.content_type}", "Connection: close"]
            head += [f"{k}: {v}" for k, v in (route.headers or {}).items()]
            end = time.monotonic() + route.max_seconds
            try:
                block = ("\r\n".join(head) + "\r\n\r\n").encode()
                for byte in (block if route.slow_headers else [block]):
                    if route.slow_headers:
                        time.sleep(route.pause)
                    self.wfile.write(bytes([byte]) if route.slow_headers else byte)
                    self.wfile.flush()
                    if time.monotonic() > end:
                        return
                for chunk in route.stream():
                    if route.pause:
                        time.sleep(route.pause)
                    self.wfile.write(chunk)
                    self.wfile.flush()
                    if time.monotonic() > end:
                        return
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up: what the tests want

        def _send(self, status: int, body: bytes, ctype: str, *, length: Optional[int] = None,
                  extra: Optional[Dict[str, str]] = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body) if length is None else length))
            self.send_header("Accept-Ranges", "bytes")
            for key, value in (extra or {}).items():
                self.send_header(key, value)
            self.end_headers()
            try:
                self.wfile.write(body)
                self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                pass

    return Handler


def _ranged(body: bytes, spec: str) -> Tuple[bytes, int, Dict[str, str]]:
    """Answer one byte range (``a-b``, ``a-`` or ``-n``) like the file host does."""
    start_text, _, end_text = spec.partition("-")
    size = len(body)
    if start_text == "":
        start, end = max(0, size - int(end_text)), size - 1
    else:
        start = int(start_text)
        end = min(size - 1, int(end_text)) if end_text else size - 1
    if start >= size:
        return b"", 416, {"Content-Range": f"bytes */{size}"}
    return body[start : end + 1], 206, {"Content-Range": f"bytes {start}-{end}/{size}"}
