"""Deadlines for HTTP requests, whatever the server sends.

urllib3's read timeout bounds each wait for a byte, not a request: a server that sends one byte
every few seconds (of the body, or of the headers) keeps a request alive for ever. So a request
runs while a :class:`Watchdog` is armed on its thread: the pools of :func:`watch_pools` make
connections that hand their socket to that watchdog when they start waiting for a response, and
at the deadline the watchdog shuts the socket down, so that the blocked read fails at once (the
pool then drops the connection, as one the server closed). One thread keeps every deadline.

Example::

    watch_pools(pool_manager)
    deadline = Deadline(time.monotonic() + 60, "GET URL took over 60 s")
    with Watchdog(deadline).armed():
        resp = pool_manager.request("GET", url, preload_content=False)
        body = resp.read()              # fails once the deadline passes
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any, Iterator, List, Optional, Tuple

from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

_current = threading.local()  # the watchdog armed on this thread, if any


@dataclass(frozen=True)
class Deadline:
    """A point in ``time.monotonic()`` time, and what to tell the user when it passes."""

    at: float
    message: str

    def left(self) -> float:
        """Seconds left (0 once passed). Example: ``Deadline(time.monotonic() + 5, "").left() <= 5``"""
        return max(0.0, self.at - time.monotonic())


class _Reaper:
    """One daemon thread for all watchdogs: shuts each watched socket down at its deadline (a
    request costs a heap entry, not a thread of its own)."""

    def __init__(self) -> None:
        self._heap: List[Tuple[float, int, Any, "Watchdog"]] = []
        self._count = itertools.count()  # ties on the deadline never compare sockets
        self._cond = threading.Condition()
        self._thread: Optional[threading.Thread] = None
        self._purge_at = 1024

    def add(self, at: float, sock: Any, watchdog: "Watchdog") -> None:
        with self._cond:
            if len(self._heap) >= self._purge_at:  # requests end long before their deadlines: drop theirs
                self._heap = [entry for entry in self._heap if not entry[3].cancelled]
                heapq.heapify(self._heap)
                self._purge_at = max(1024, 2 * len(self._heap))
            heapq.heappush(self._heap, (at, next(self._count), sock, watchdog))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="mach-nix-deadlines", daemon=True)
                self._thread.start()
            self._cond.notify()

    def pending(self) -> int:
        """Entries held: the live watchdogs' and the cancelled ones not yet purged.

        Example: ``REAPER.pending() < 2100`` after 5000 requests that ended long before their deadlines
        """
        with self._cond:
            return len(self._heap)

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._heap or self._heap[0][0] > time.monotonic():
                    self._cond.wait(self._heap[0][0] - time.monotonic() if self._heap else None)
                _, _, sock, watchdog = heapq.heappop(self._heap)
            if not watchdog.cancelled:
                watchdog.fire(sock)


REAPER = _Reaper()


class Watchdog:
    """Shuts down the sockets a request waits on once its deadline passes (see the module docstring)."""

    def __init__(self, deadline: Deadline) -> None:
        self.deadline = deadline
        self.fired = False
        self.cancelled = False

    @contextlib.contextmanager
    def armed(self) -> Iterator["Watchdog"]:
        """Hand this thread's connections to the watchdog while the block runs."""
        previous = getattr(_current, "watchdog", None)
        _current.watchdog = self
        try:
            yield self
        finally:
            _current.watchdog = previous

    def watch(self, sock: Any) -> None:
        """Shut ``sock`` down at the deadline (at once when it has passed)."""
        REAPER.add(self.deadline.at, sock, self)

    def fire(self, sock: Any) -> None:
        self.fired = True
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass  # closed already

    def cancel(self) -> None:
        """Stop watching (the request is over); its heap entries are dropped when they come due."""
        self.cancelled = True


def _hand_to_watchdog(conn: Any) -> None:
    watchdog: Optional[Watchdog] = getattr(_current, "watchdog", None)
    if watchdog is not None and conn.sock is not None:
        watchdog.watch(conn.sock)


class _WatchedHTTPConnection(HTTPConnection):
    def getresponse(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        _hand_to_watchdog(self)
        return super().getresponse(*args, **kwargs)


class _WatchedHTTPSConnection(HTTPSConnection):
    def getresponse(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        _hand_to_watchdog(self)
        return super().getresponse(*args, **kwargs)


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


def watch_pools(manager: Any) -> None:
    """Make ``manager`` (a ``urllib3.PoolManager``) open connections a :class:`Watchdog` can stop."""
    manager.pool_classes_by_scheme = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}
