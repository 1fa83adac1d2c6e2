"""User-facing errors: one paragraph that names the culprit and the fix, never a traceback."""

from __future__ import annotations


class MachNixError(Exception):
    """An error caused by the user's input or data, reported as one clear paragraph.

    Example:
        raise MachNixError("requirements.txt, line 3: 'foo>=' is not a valid requirement; "
                           "write it as NAME[SPECIFIER], e.g. 'foo>=1.0'.")
    """

    exit_code = 2

    def __init__(self, message: str, *, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code

    @property
    def message(self) -> str:
        return str(self.args[0])


class IndexError_(MachNixError):
    """The index on disk is missing, corrupt or of the wrong schema."""


class NotFound(MachNixError):
    """Something asked for (a project, a file) is absent; exit status 1."""

    exit_code = 1
