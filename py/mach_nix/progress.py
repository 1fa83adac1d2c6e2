"""A status line for CLI work that outlasts a second (stderr, terminals only).

Quick runs print nothing; a slow one shows what it is doing and for how long, and clears the line
when done. No thread is started unless stderr is a terminal.

Example::

    with SlowNotice(lambda: f"resolving: {state.rounds} rounds"):
        run()
"""

from __future__ import annotations

import sys
import threading
import time
from typing import Callable, Optional, TextIO


class SlowNotice:
    def __init__(self, message: Callable[[], str], *, after: float = 1.0, enabled: bool = True,
                 stream: Optional[TextIO] = None) -> None:
        self.message = message
        self.after = after
        self.stream = stream or sys.stderr
        self.enabled = enabled and self.stream.isatty()
        self._done = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self._shown = False

    def __enter__(self) -> "SlowNotice":
        if self.enabled:
            self._started = time.monotonic()
            self._thread = threading.Thread(target=self._run, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        if self._thread is not None:
            self._thread.join()
        if self._shown:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()

    def _run(self) -> None:
        if self._done.wait(self.after):
            return
        while not self._done.is_set():
            elapsed = time.monotonic() - self._started
            self.stream.write(f"\r\x1b[2K{self.message()} ({elapsed:.1f} s)")
            self.stream.flush()
            self._shown = True
            self._done.wait(0.1)
