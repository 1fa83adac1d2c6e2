"""Atomic file writes: a reader sees the old file or the new one, never half of one."""

from __future__ import annotations

import os
import stat
from pathlib import Path


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same directory and a rename.

    Example: ``atomic_write_bytes(Path("data/00.json"), b"{}")``
    """
    path = Path(path)
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        mode = None
    if mode is not None and not stat.S_ISREG(mode):
        # A device or pipe (`-o /dev/stdout`, `/dev/null`, a fifo) is written to, never replaced.
        with open(path, "wb") as handle:
            handle.write(data)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = _create_temporary(path)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _create_temporary(path: Path) -> "tuple[int, str]":
    """A new file beside ``path`` (created exclusively, mode 0666 less the umask, as ``open`` makes
    files), and its name. Not :mod:`tempfile`: importing it (random, shutil, bz2, lzma) costs a lock
    more than the write."""
    while True:
        tmp = str(path.parent / f".{path.name}.{os.getpid()}.{os.urandom(6).hex()}.tmp")
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666), tmp
        except FileExistsError:
            continue


def write_output(path: Path, data: bytes, what: str, default_name: str = "mach-nix.lock.json") -> None:
    """Atomically write a file the user named (``-``: stdout); any OSError becomes one MachNixError naming ``path``.

    Example: ``write_output(Path("mach-nix.lock.json"), b"{}", "the lock")``
    """
    from mach_nix.errors import MachNixError

    if str(path) == "-":
        import sys

        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    path = Path(path)
    if path.is_dir():
        raise MachNixError(f"{path} is a directory: name a file to write {what} to, e.g. {path / default_name}.")
    try:
        atomic_write_bytes(path, data)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise MachNixError(f"cannot write {what} to {path} ({reason}); choose a path in a directory you may "
                           "write to (its parent directories must be directories, not files).") from None
