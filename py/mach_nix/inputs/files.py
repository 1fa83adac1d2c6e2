"""Reading an input file the user named: a regular file of bounded size, decoded with the line of any bad byte.

Every input reader (requirements.txt, pyproject.toml, setup.cfg) goes through :func:`read_input_text`,
so ``-r /dev/urandom``, a FIFO, a directory or a file of gigabytes is refused before it is parsed.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Tuple

from mach_nix.errors import MachNixError

# Far above any real requirements or pyproject file (the largest bench set is a few KB), low enough
# that reading and parsing one stays within a second and a few hundred MB.
MAX_INPUT_BYTES = 16 * 1024 * 1024
# Locks (mach-nix's, uv.lock, poetry.lock, pylock.toml) and --nixpkgs-json maps: a lock of 300
# packages is a few hundred KB, nixpkgs' whole Python set as a map about one MB.
MAX_LOCK_BYTES = 64 * 1024 * 1024


def read_input_bytes(path: Path, what: str, max_bytes: int = MAX_INPUT_BYTES,
                     missing: str = "Check the path given.") -> bytes:
    """The bytes of ``path`` if it is a regular file of at most ``max_bytes``; else one MachNixError (exit 2).

    ``what`` names the file in messages ("Requirements file requirements.txt"); ``missing`` is
    what to do when it does not exist.
    Example: ``read_input_bytes(Path("requirements.txt"), "Requirements file requirements.txt")``
    """
    try:
        # O_NONBLOCK: opening a FIFO with no writer must not wait; a regular file ignores the flag
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise MachNixError(f"{what} does not exist. {missing}") from None
    except IsADirectoryError:
        raise MachNixError(f"{what} is a directory, not a file. Name the file itself.") from None
    except OSError as exc:
        raise MachNixError(f"Cannot read {what} ({exc.strerror or exc}). Check the path and its permissions.") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise MachNixError(f"{what} is a directory, not a file. Name the file itself.")
        if not stat.S_ISREG(info.st_mode):
            raise MachNixError(f"{what} is not a regular file (a device, pipe or socket); mach-nix reads inputs "
                               "only from regular files. Save the content to a file and name that.")
        if info.st_size > max_bytes:
            raise MachNixError(f"{what} is {info.st_size:,} bytes, more than the {max_bytes:,} an input may have. "
                               "Check that it is the right file.")
        os.set_blocking(fd, True)
        with os.fdopen(fd, "rb", closefd=True) as handle:
            fd = -1
            data = handle.read(max_bytes + 1)  # the file may have grown since fstat
    except OSError as exc:
        raise MachNixError(f"Cannot read {what} ({exc.strerror or exc}).") from None
    finally:
        if fd >= 0:
            os.close(fd)
    if len(data) > max_bytes:
        raise MachNixError(f"{what} has more than the {max_bytes:,} bytes an input may have. Check that it is the "
                           "right file.")
    return data


def decode_utf8(data: bytes, what: str, *, bom: bool = False) -> str:
    """``data`` as UTF-8 text (``bom``: a leading byte-order mark is dropped); a bad byte is reported
    with its line and column (exit 2).

    Example: ``decode_utf8(b"six\\n\\xe9\\n", "pyproject.toml")`` raises "pyproject.toml, line 2: …"
    """
    try:
        return data.decode("utf-8-sig" if bom else "utf-8")
    except UnicodeDecodeError as exc:
        line, column = _position(data, exc.start)
        raise MachNixError(f"{what}, line {line}, column {column}: byte 0x{data[exc.start]:02x} is not valid UTF-8 "
                           "(the file must be UTF-8). Re-save it as UTF-8.") from None


def read_input_text(path: Path, what: str, *, bom: bool = False) -> Tuple[str, bytes]:
    """The decoded text of an input file, as ``open()`` reads it in text mode (``\\r\\n`` and ``\\r``
    become ``\\n``: the sha256 of this text is what locks record), and its bytes.

    Example: ``text, raw = read_input_text(Path("pyproject.toml"), "pyproject.toml")``
    """
    data = read_input_bytes(path, what)
    text = decode_utf8(data, what, bom=bom)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, data


def _position(data: bytes, offset: int) -> Tuple[int, int]:
    line_start = data.rfind(b"\n", 0, offset) + 1
    return data.count(b"\n", 0, offset) + 1, offset - line_start + 1
