"""What the simple-API client modules share: the error a request fails with, a response, the
request counters, and the size caps on what a server may send.

Example: ``raise FetchError(f"GET {url} answered HTTP {resp.status}.")``
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Dict

from mach_nix.errors import MachNixError
from mach_nix.index.client.archives import MEMBER_LIMIT

PAGE_LIMIT = 64 * 1024 * 1024  # decoded bytes of a simple page: the largest on PyPI are a few MB
METADATA_LIMIT = MEMBER_LIMIT  # a .metadata file is a METADATA member (see archives)
WHEEL_DOWNLOAD_LIMIT = 300 * 1024 * 1024  # last-resort whole-wheel downloads


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


def header(resp: Response, name: str) -> str:
    """A response header, case-insensitively ("" when absent).

    Example: ``header(Response(200, b"", {"content-type": "text/html"}), "Content-Type") == "text/html"``
    """
    return next((v for k, v in resp.headers.items() if k.lower() == name.lower()), "")
