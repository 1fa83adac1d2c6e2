"""The `mach-nix` command line: parse arguments, hand them to a command module, print errors.

Each module in ``mach_nix.commands`` registers its sub-commands; heavy imports happen inside the
command functions so that start-up stays fast.
"""

from __future__ import annotations

import argparse
import os
import sys
from functools import lru_cache
from typing import Any, List, Optional

from mach_nix import __version__
from mach_nix.errors import EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_OK, MachNixError, cut_lines

COMMAND_MODULES = ("mach_nix.commands.index_cmd", "mach_nix.commands.lock_cmd", "mach_nix.commands.env_cmd",
                   "mach_nix.commands.explain_cmd")
# the module registering each sub-command: `mach-nix lock` imports lock_cmd alone (start-up time)
COMMAND_OF = {"lock": "mach_nix.commands.lock_cmd", "tree": "mach_nix.commands.lock_cmd",
              "why": "mach_nix.commands.lock_cmd", "explain-build": "mach_nix.commands.explain_cmd"}


@lru_cache(maxsize=None)
def _columns(environ_columns: Optional[str]) -> int:
    """The terminal width ``shutil.get_terminal_size`` gives (``$COLUMNS``, else stdout's, else 80),
    without importing shutil (and with it bz2, lzma and fnmatch); memoized per ``$COLUMNS`` value:
    argparse makes a formatter for every option it adds, and without a terminal each look-up raises."""
    try:
        columns = int(environ_columns or 0)
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns or 80  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):  # AttributeError: no __stdout__ (None)
            columns = 80
    return columns


class _HelpFormatter(argparse.HelpFormatter):
    """argparse's formatter with the width of :func:`_columns`."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                 width: Optional[int] = None) -> None:
        if width is None:
            width = _columns(os.environ.get("COLUMNS")) - 2
        super().__init__(prog, indent_increment, max_help_position, width)


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose help formatter defaults to :class:`_HelpFormatter` (sub-commands' too)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _HelpFormatter)
        super().__init__(*args, **kwargs)


def build_parser(argv: Optional[List[str]] = None) -> argparse.ArgumentParser:
    """The parser with every sub-command, or only those of the module ``argv``'s sub-command needs."""
    import importlib

    parser = _Parser(prog="mach-nix", description="Reproducible Python environments on Nix.")
    parser.add_argument("--version", action="version", version=f"mach-nix {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    first = argv[0] if argv else None
    for module_name in (COMMAND_OF[first],) if first in COMMAND_OF else COMMAND_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        module.register(sub)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    """Entry point of the ``mach-nix`` console script; returns the exit status (see mach_nix.errors).

    Example: ``main(["tree", "mach-nix.lock.json"])``
    """
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_BAD_INPUT
    try:
        return int(args.func(args) or 0)
    except MachNixError as exc:
        print(f"error: {cut_lines(exc.message)}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK
    except OSError as exc:  # a file or directory the command could not read or write
        print(f"error: {describe_os_error(exc)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except Exception as exc:  # noqa: BLE001 - the last line of defence: a bug, never a traceback
        if os.environ.get("MACH_NIX_DEBUG"):
            raise
        print(f"error: internal error in mach-nix ({type(exc).__name__}: {exc}). This is a bug; run again with "
              "MACH_NIX_DEBUG=1 to see the traceback, and report it with the command line.", file=sys.stderr)
        return EXIT_INTERNAL


def describe_os_error(exc: OSError) -> str:
    """One sentence for an OSError, naming the path and what to do.

    Example: ``describe_os_error(IsADirectoryError(21, "Is a directory", "out/"))``
    → ``"out/ is a directory, not a file: name a file inside it (e.g. out/mach-nix.lock.json)."``
    """
    import errno

    path = exc.filename if exc.filename is not None else "a file"
    hints = {
        errno.EISDIR: f"{path} is a directory, not a file: name a file (e.g. {path}/mach-nix.lock.json).",
        errno.ENOTDIR: f"{path}: a part of this path is a file, not a directory; choose another path.",
        errno.ENOENT: f"{path} does not exist (or its directory does not); create the directory or fix the path.",
        errno.EACCES: f"{path} is not accessible (permission denied); choose a path you may write to.",
        errno.EPERM: f"{path}: operation not permitted; choose another path.",
        errno.EROFS: f"{path} is on a read-only file system; choose a writable path.",
        errno.ENOSPC: f"no space left on the device holding {path}; free some space and retry.",
        errno.EEXIST: f"{path} already exists and is in the way; move it or choose another path.",
    }
    fallback = f"{path}: {exc.strerror or exc} (errno {exc.errno}); check the path and retry."
    return hints.get(exc.errno, fallback) if exc.errno is not None else fallback
