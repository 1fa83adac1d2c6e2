"""The status line appears only for slow work on a terminal, and is cleared afterwards."""

from __future__ import annotations

import io
import time

from mach_nix.progress import SlowNotice


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_quick_work_prints_nothing() -> None:
    term = FakeTerminal()
    with SlowNotice(lambda: "resolving", after=0.5, stream=term):
        pass
    assert term.getvalue() == ""


def test_slow_work_shows_status_then_clears_it() -> None:
    term = FakeTerminal()
    counter = {"n": 0}
    with SlowNotice(lambda: f"resolving: {counter['n']} rounds", after=0.05, stream=term):
        for _ in range(3):
            counter["n"] += 1
            time.sleep(0.1)
    out = term.getvalue()
    assert "resolving: " in out and " rounds (" in out and out.endswith("\r\x1b[2K")


def test_not_a_terminal_prints_nothing() -> None:
    pipe = io.StringIO()
    with SlowNotice(lambda: "x", after=0.0, stream=pipe):
        time.sleep(0.05)
    assert pipe.getvalue() == ""
