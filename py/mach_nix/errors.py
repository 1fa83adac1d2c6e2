"""User-facing errors: one paragraph that names the culprit and the fix, never a traceback.

Exit statuses (documented in README.md, pinned by tests/py/test_exit_codes.py):

======  =====================================================================================
0       success
1       something asked for is absent: a project or release not in the index, a package not
        in the lock (`why`), a project `index show` does not know; `index verify` problems
2       bad input (a file, an option, a lock that does not validate) or an impossible
        resolution (conflicting requirements, or a resolution past its budget)
3       internal error: a bug in mach-nix, reported as one paragraph
4       network: the index server (PyPI, ``--index-url``) could not be reached or answered
        something unusable while fetching what the local indexes lack (retry, or ``--offline``)
130     interrupted (Ctrl-C)
======  =====================================================================================
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

EXIT_OK = 0
EXIT_ABSENT = 1
EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 3
EXIT_NETWORK = 4
EXIT_INTERRUPTED = 130


@dataclass(frozen=True)
class Failure:
    """What went wrong, as data beside the paragraph: for scripts and the Nix library (no parsing of English).

    ``kind``: ``absent`` (projects or releases no layer holds), ``conflict`` (requirements no set of
    packages meets), ``budget`` (a resolution stopped by its budget), ``bad-input``, ``internal`` or
    ``network``. ``absent_projects`` and ``absent_releases`` (the requirements only absent releases
    meet: "django<3") are sorted; ``conflicts``: per project, the requirements on it (each with the
    chain that asks), e.g. ``[{"project": "pydantic", "requirements": ["line 2: pydantic<2", …]}]``.

    Example: ``Failure("absent", absent_projects=["furo"], commands=["mach-nix index add furo --closure --out DIR"])``
    """

    kind: str
    absent_projects: List[str] = field(default_factory=list)
    absent_releases: List[str] = field(default_factory=list)
    conflicts: List[Dict[str, Any]] = field(default_factory=list)
    commands: List[str] = field(default_factory=list)

    def to_json(self) -> Dict[str, Any]:
        return {"kind": self.kind, "absent_projects": self.absent_projects, "absent_releases": self.absent_releases,
                "conflicts": self.conflicts, "commands": self.commands}


_KINDS = {1: "absent", 2: "bad-input", 3: "internal", 4: "network"}


class MachNixError(Exception):
    """An error caused by the user's input or data, reported as one clear paragraph (exit 2).

    Example:
        raise MachNixError("requirements.txt, line 3: 'foo>=' is not a valid requirement; "
                           "write it as NAME[SPECIFIER], e.g. 'foo>=1.0'.")
    """

    exit_code = EXIT_BAD_INPUT

    def __init__(self, message: str, *, exit_code: int | None = None, failure: Optional[Failure] = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code
        self._failure = failure

    @property
    def failure(self) -> Failure:
        """The structured form of this error (set by whoever raised it, else its kind from the exit status)."""
        return self._failure or Failure(_KINDS.get(self.exit_code, "bad-input"))

    @property
    def message(self) -> str:
        return str(self.args[0])


class IndexError_(MachNixError):
    """The index on disk is missing, corrupt or of the wrong schema."""


class NotFound(MachNixError):
    """Something asked for (a project, a release, a package of a lock) is absent; exit status 1."""

    exit_code = EXIT_ABSENT


class ResolutionImpossible(MachNixError):
    """The requirements conflict (or the resolution ran past its budget); exit status 2."""

    exit_code = EXIT_BAD_INPUT


class InternalError(MachNixError):
    """A bug in mach-nix, caught and reported without a traceback; exit status 3."""

    exit_code = EXIT_INTERNAL


class NetworkError(MachNixError):
    """The index server could not be reached, or answered something unusable; exit status 4."""

    exit_code = EXIT_NETWORK


MAX_QUOTED = 200


def quoted(value: object, limit: int = MAX_QUOTED) -> str:
    """``repr(value)`` cut to about ``limit`` characters, for quoting user input in a message (a line
    of megabytes must not make a message of megabytes).

    Example: ``quoted("x" * 1000, 10) == "'xxxxxxxxx… (1,000 characters)"``
    """
    text = value if isinstance(value, str) else repr(value)
    if len(text) <= limit:
        return repr(text) if isinstance(value, str) else text
    head = repr(text[: limit - 1])[:-1] if isinstance(value, str) else text[: limit - 1]
    return f"{head}… ({len(text):,} characters)"


MAX_LINE = 2000


def cut_lines(message: str, limit: int = MAX_LINE) -> str:
    """``message`` with every line longer than ``limit`` characters cut: the last guard, in the CLI,
    for input quoted whole deep inside a message (a merged specifier of 20,000 lines).

    Example: ``cut_lines("a" * 5000, 10) == "aaaaaaaaaa… (5,000 characters)"``
    """
    if len(message) <= limit:
        return message
    return "\n".join(line if len(line) <= limit else f"{line[:limit]}… ({len(line):,} characters)"
                     for line in message.split("\n"))
