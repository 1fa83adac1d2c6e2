"""A real HTTP server on 127.0.0.1 that plays PyPI from recorded responses and injects faults.

Routes are exact request paths (``/simple/six/``, ``/packages/ab/cd/…/six-1.16.0-py2.py3-none-any.whl``,
``….whl.metadata``) mapped to bodies. Range requests are answered with 206 like the file host.

Faults follow a seeded schedule: each request draws from ``random.Random(seed)`` whether and how to
fail, but no path fails more than ``max_faults_per_path`` times in a row, so a client that retries
enough always gets through. ``permanent`` faults (malformed JSON, wrong metadata, 404) never heal.

Example::

    with FakePyPI(routes, seed=3, rate=0.3) as server:
        client = PyPIClient(rewrite=server.rewrite)
"""

from __future__ import annotations

import random
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Dict, Optional, Tuple
from urllib.parse import urlsplit

TRANSIENT_FAULTS = ("429", "500", "503", "reset", "stall", "truncate")


@dataclass
class Route:
    body: bytes
    content_type: str = "application/octet-stream"
    status: int = 200


@dataclass
class FaultLog:
    injected: Counter = field(default_factory=Counter)
    requests: int = 0


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
        self.log = FaultLog()
        self._streak: Counter = Counter()
        self._lock = threading.Lock()
        self._server: Optional[ThreadingHTTPServer] = None

    # -- lifecycle -----------------------------------------------------------------------------

    def __enter__(self) -> "FakePyPI":
        server = _QuietServer(("127.0.0.1", 0), _handler_for(self))
        server.daemon_threads = True
        self._server = server
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    @property
    def base(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def rewrite(self, url: str) -> str:
        """Send pypi.org URLs to this server, and file-host URLs to its ``/files/`` tree.

        This is the same mapping ``mach-nix index build --pypi URL`` applies for a mirror.
        """
        parts = urlsplit(url)
        prefix = "/files" if parts.netloc == "files.pythonhosted.org" else ""
        return self.base + prefix + parts.path + (f"?{parts.query}" if parts.query else "")

    # -- fault schedule ------------------------------------------------------------------------

    def next_fault(self, path: str) -> Optional[str]:
        with self._lock:
            self.log.requests += 1
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
            route = server.routes.get(path)
            if server.latency:
                time.sleep(server.latency)
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
                self.send_response(int(fault))
                if fault == "429":
                    self.send_header("Retry-After", "1")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if route is None:
                self._send(404, b"not found", "text/plain")
                return
            body, status = route.body, route.status
            extra: Dict[str, str] = {}
            rng = self.headers.get("Range")
            if rng and status == 200 and rng.startswith("bytes="):
                body, status, extra = _ranged(route.body, rng[len("bytes="):])
            if fault == "truncate" and len(body) > 1:
                self._send(status, body[: len(body) // 2], route.content_type, length=len(body), extra=extra)
                self.close_connection = True
                return
            self._send(status, body, route.content_type, extra=extra)

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
