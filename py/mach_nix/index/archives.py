"""Read a few members out of sdists and wheels without extracting anything to disk.

Archives come from strangers, so every read is bounded: member names that escape the tree
(absolute, ``..``) and links that point outside it are refused, link members are never followed,
and the decompressed size (total, per member, and relative to the compressed bytes) is capped
against decompression bombs. Tar archives are read as a stream and reading stops as soon as the
caller has what it needs, so a large sdist is often only partly downloaded.
"""

from __future__ import annotations

import bz2
import io
import lzma
import posixpath
import stat
import tarfile
import zipfile
import zlib
from dataclasses import dataclass
from typing import IO, Callable, Dict, Optional

from mach_nix.errors import MachNixError

MEMBER_LIMIT = 4 * 1024 * 1024  # a metadata file larger than this is not metadata
TOTAL_LIMIT = 512 * 1024 * 1024  # decompressed bytes walked through in one archive
RATIO_LIMIT = 200  # decompressed / compressed, once past RATIO_FLOOR
RATIO_FLOOR = 16 * 1024 * 1024


class ArchiveError(MachNixError):
    """An archive is unsafe, malformed or over a limit; the message says which and why."""


@dataclass
class Limits:
    member: int = MEMBER_LIMIT
    total: int = TOTAL_LIMIT
    ratio: int = RATIO_LIMIT
    ratio_floor: int = RATIO_FLOOR


def check_member_name(name: str, archive: str) -> str:
    """Return the normalized member path, or raise ArchiveError when it escapes the tree.

    Example: ``check_member_name("pkg-1.0/PKG-INFO", "pkg-1.0.tar.gz") == "pkg-1.0/PKG-INFO"``;
    ``check_member_name("../etc/passwd", "x.tar.gz")`` raises.
    """
    path = name.replace("\\", "/")
    if path.startswith("/") or (len(path) > 1 and path[1] == ":"):
        raise ArchiveError(f"{archive}: member {name!r} has an absolute path; refusing to read the archive.")
    parts = [p for p in path.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise ArchiveError(f"{archive}: member {name!r} points outside the archive (..); refusing to read it.")
    return "/".join(parts)


def _check_link(member: tarfile.TarInfo, path: str, archive: str) -> None:
    target = member.linkname.replace("\\", "/")
    if member.issym():
        resolved = posixpath.normpath(posixpath.join(posixpath.dirname(path), target))
    else:  # hard links are relative to the archive root
        resolved = posixpath.normpath(target)
    if target.startswith("/") or resolved == ".." or resolved.startswith("../"):
        raise ArchiveError(
            f"{archive}: link {member.name!r} -> {member.linkname!r} points outside the archive; refusing to read it."
        )


class _CountingRaw(io.RawIOBase):
    """Counts the bytes read through it (the compressed bytes read from the source)."""

    def __init__(self, inner: IO[bytes]) -> None:
        super().__init__()
        self.inner = inner
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        data = self.inner.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.count += n
        self._check()
        return n

    def _check(self) -> None:
        pass


class _CountingReader(_CountingRaw):
    """Counts decompressed bytes and enforces the total and ratio limits."""

    def __init__(self, inner: IO[bytes], raw: _CountingRaw, limits: Limits, archive: str) -> None:
        super().__init__(inner)
        self.raw = raw
        self.limits = limits
        self.archive = archive

    def _check(self) -> None:
        if self.count > self.limits.total:
            raise ArchiveError(f"{self.archive}: more than {self.limits.total} bytes decompressed; refusing (archive bomb?).")
        if self.count > self.limits.ratio_floor and self.count > self.limits.ratio * max(1, self.raw.count):
            raise ArchiveError(
                f"{self.archive}: decompresses {self.count // max(1, self.raw.count)}x its size; refusing (archive bomb?)."
            )


Wanted = Callable[[str], bool]
Done = Callable[[Dict[str, bytes]], bool]


def _decompressor(filename: str, raw: IO[bytes]) -> IO[bytes]:
    lower = filename.lower()
    if lower.endswith((".tar.gz", ".tgz")):
        import gzip

        return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
    if lower.endswith(".tar.bz2"):
        return bz2.BZ2File(raw, mode="rb")  # type: ignore[return-value]
    if lower.endswith(".tar.xz"):
        return lzma.LZMAFile(raw, mode="rb")  # type: ignore[return-value]
    return raw


def read_tar_members(
    source: IO[bytes], filename: str, wanted: Wanted, done: Optional[Done] = None, limits: Optional[Limits] = None
) -> Dict[str, bytes]:
    """Stream a (compressed) tar archive and return ``{path: bytes}`` for regular members that
    ``wanted(path)`` accepts; stop once ``done(found)`` is true.

    Example::

        with open("six-1.16.0.tar.gz", "rb") as fh:
            found = read_tar_members(fh, "six-1.16.0.tar.gz", lambda p: p.endswith("/PKG-INFO"))
    """
    limits = limits or Limits()
    raw = _CountingRaw(source)
    counted = _CountingReader(_decompressor(filename, io.BufferedReader(raw)), raw, limits, filename)
    found: Dict[str, bytes] = {}
    try:
        with tarfile.open(fileobj=io.BufferedReader(counted, 1 << 16), mode="r|") as tar:
            for member in tar:
                path = check_member_name(member.name, filename)
                if member.issym() or member.islnk():
                    _check_link(member, path, filename)
                    continue  # links are never followed
                if not member.isfile() or not wanted(path):
                    continue
                if member.size > limits.member:
                    raise ArchiveError(f"{filename}: {path} is {member.size} bytes, over the {limits.member} byte limit.")
                handle = tar.extractfile(member)
                if handle is not None:
                    found[path] = handle.read(limits.member + 1)
                if done is not None and done(found):
                    break
    except (tarfile.TarError, EOFError, OSError, zlib.error, lzma.LZMAError) as exc:
        raise ArchiveError(f"{filename}: not a readable tar archive ({exc}).") from None
    return found


def read_zip_members(
    data: IO[bytes], filename: str, wanted: Wanted, limits: Optional[Limits] = None
) -> Dict[str, bytes]:
    """Return ``{path: bytes}`` for the regular members of a zip (sdist or wheel) that ``wanted``
    accepts. ``data`` must be seekable (a file, BytesIO or an HTTP range file).
    """
    limits = limits or Limits()
    found: Dict[str, bytes] = {}
    try:
        with zipfile.ZipFile(data) as archive:
            for info in archive.infolist():
                path = check_member_name(info.filename, filename)
                if stat.S_ISLNK(info.external_attr >> 16):
                    continue  # a symlink stored in a zip: never followed
                if info.is_dir() or not wanted(path):
                    continue
                if info.file_size > limits.member:
                    raise ArchiveError(f"{filename}: {path} is {info.file_size} bytes, over the {limits.member} byte limit.")
                if info.compress_size and info.file_size > limits.ratio_floor and info.file_size > limits.ratio * info.compress_size:
                    raise ArchiveError(f"{filename}: {path} decompresses too far; refusing (archive bomb?).")
                with archive.open(info) as handle:
                    content = handle.read(limits.member + 1)
                if len(content) > limits.member:
                    raise ArchiveError(f"{filename}: {path} is over the {limits.member} byte limit.")
                found[path] = content
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, zlib.error, NotImplementedError) as exc:
        raise ArchiveError(f"{filename}: not a readable zip archive ({exc}).") from None
    return found


def wheel_metadata(data: IO[bytes], filename: str) -> bytes:
    """The ``*.dist-info/METADATA`` of a wheel (a seekable file, e.g. an HTTP range file).

    Example: ``wheel_metadata(open("six-1.16.0-py2.py3-none-any.whl", "rb"), "six-1.16.0-py2.py3-none-any.whl")``
    """

    def wanted(path: str) -> bool:
        parts = path.split("/")
        return len(parts) == 2 and parts[0].endswith(".dist-info") and parts[1] == "METADATA"

    found = read_zip_members(data, filename, wanted)
    if not found:
        raise ArchiveError(f"{filename}: no *.dist-info/METADATA in the wheel.")
    return found[sorted(found)[0]]


# --- sdists ---------------------------------------------------------------------------------


def _sdist_wanted(path: str) -> bool:
    """Top-level PKG-INFO, pyproject.toml, and egg-info files at the top or under src/."""
    parts = path.split("/")
    if len(parts) == 2:
        return parts[1] in ("PKG-INFO", "pyproject.toml")
    if len(parts) == 3 and parts[1].endswith(".egg-info"):
        return parts[2] in ("requires.txt", "PKG-INFO")
    if len(parts) == 4 and parts[1] == "src" and parts[2].endswith(".egg-info"):
        return parts[3] in ("requires.txt", "PKG-INFO")
    return False


def _sdist_done(found: Dict[str, bytes]) -> bool:
    """Enough to decide: PKG-INFO with static Requires-Dist (2.2+) and pyproject.toml, or
    PKG-INFO, pyproject.toml and egg-info requires.txt."""
    from mach_nix.index.metadata import parse_core_metadata

    top = {p.split("/", 1)[1]: data for p, data in found.items() if p.count("/") == 1}
    if "PKG-INFO" not in top or "pyproject.toml" not in top:
        return False
    if parse_core_metadata(top["PKG-INFO"]).static_requires_dist():
        return True
    return any(p.endswith(".egg-info/requires.txt") for p in found)


def sdist_members(source: IO[bytes], filename: str, limits: Optional[Limits] = None) -> Dict[str, bytes]:
    """The metadata-bearing members of an sdist, keyed by path without the top directory
    (``PKG-INFO``, ``pyproject.toml``, ``foo.egg-info/requires.txt``, ``src/foo.egg-info/PKG-INFO``).

    ``source`` is a stream for tar sdists, a seekable file for zip sdists.
    """
    if filename.lower().endswith(".zip"):
        found = read_zip_members(source, filename, _sdist_wanted, limits)
    else:
        found = read_tar_members(source, filename, _sdist_wanted, _sdist_done, limits)
    out: Dict[str, bytes] = {}
    for path in sorted(found):  # sorted: with several top dirs, the first wins deterministically
        rest = path.split("/", 1)[1]
        out.setdefault(rest, found[path])
    return out
