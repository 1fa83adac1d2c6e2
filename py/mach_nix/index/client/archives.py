"""Read a few members out of sdists and wheels without extracting anything to disk.

Archives come from strangers, so every read is bounded: member names that escape the tree
(absolute, ``..``) and links that point outside it are refused, link members are never followed,
and decompression is capped against archive bombs. The limits (:class:`Limits`), all enforced on
zip and tar archives alike:

``member`` = 4 MiB
    One wanted (metadata) member. The largest real METADATA files, with a whole README inlined,
    are a few hundred kB.
``total`` = 16 MiB
    All wanted members of one archive together, which are held in memory (a wheel has one
    METADATA, an sdist a handful of small files; 40 METADATA members of 4 MiB each are not a wheel).
``stream`` = 2 GiB
    Decompressed bytes walked through in one tar stream before the metadata is found (a tar must
    be read in order; sdists over the crawler's 100 MiB download limit are not read, and real
    sdists decompress 5-7x, so 2 GiB leaves room for any of them). Costs time, not memory.
``ratio`` = 100, once ``ratio_floor`` = 1 MiB is decompressed
    Decompressed / compressed bytes: for a tar over the whole stream so far, for a zip per member
    (from the central directory, before anything is inflated) and over the members read. Source
    and metadata compress 2-10x (recorded sdists: 5-7x, METADATA: 2-4x), while a deflate bomb
    reaches ~1000x and bzip2/xz far more, so a bomb is refused after at most ~1 MiB of output on
    a zip and once its first compressed block is inflated past the floor on a tar. The floor is
    below ``member``, so the ratio check is reachable before the size limits.

Tar archives are read as a stream and decompression stops as soon as the caller has what it
needs; callers that must verify the download's sha256 read the rest of the compressed bytes
themselves (see ``crawler.fetch_sdist``).
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
from typing import IO, Callable, Dict, Optional, Protocol

from mach_nix.errors import MachNixError

MiB = 1024 * 1024
MEMBER_LIMIT = 4 * MiB  # one wanted member: a metadata file larger than this is not metadata
TOTAL_LIMIT = 16 * MiB  # all wanted members of one archive together (held in memory)
STREAM_LIMIT = 2048 * MiB  # decompressed bytes walked through in one tar stream
RATIO_LIMIT = 100  # decompressed / compressed, checked once RATIO_FLOOR bytes are decompressed
RATIO_FLOOR = 1 * MiB


class ArchiveError(MachNixError):
    """An archive is unsafe, malformed or over a limit; the message says which and why."""


class SeekableFile(Protocol):
    """What zipfile reads a zip from: an open file, a BytesIO, or an HTTP range file
    (:class:`mach_nix.index.client.ranges.HTTPRangeFile`)."""

    def seek(self, offset: int, whence: int = 0, /) -> int: ...

    def read(self, n: int = -1, /) -> bytes: ...

    def tell(self) -> int: ...


@dataclass(frozen=True)
class Limits:
    """Decompression limits for one archive (the module docstring gives the reasons for each).

    Example: ``Limits(ratio=10**9)`` switches the ratio check off, e.g. to test the others.
    """

    member: int = MEMBER_LIMIT
    total: int = TOTAL_LIMIT
    stream: int = STREAM_LIMIT
    ratio: int = RATIO_LIMIT
    ratio_floor: int = RATIO_FLOOR


class _Tally:
    """One archive's running counts, checked against its limits; each error names its limit."""

    def __init__(self, limits: Limits, archive: str) -> None:
        self.limits = limits
        self.archive = archive
        self.kept = 0  # bytes of wanted members

    def keep(self, path: str, size: int) -> None:
        """Account for a wanted member of ``size`` bytes before it is decompressed."""
        limits = self.limits
        if size > limits.member:
            raise ArchiveError(
                f"{self.archive}: {path} is {size} bytes, over the member limit of {limits.member} bytes "
                "for one metadata file; not read."
            )
        if self.kept + size > limits.total:
            raise ArchiveError(
                f"{self.archive}: its metadata files add up to more than the per-archive total limit of "
                f"{limits.total} bytes (at {path}); not read (archive bomb?)."
            )
        self.kept += size

    def ratio(self, decompressed: int, compressed: int, what: str) -> None:
        """Refuse ``what`` once it is past the floor and decompresses beyond the ratio limit."""
        limits = self.limits
        if decompressed > limits.ratio_floor and decompressed > limits.ratio * max(1, compressed):
            raise ArchiveError(
                f"{self.archive}: {what}: {decompressed} bytes out of {compressed} compressed "
                f"({decompressed // max(1, compressed)}x), over the ratio limit of {limits.ratio}x; not read (archive bomb?)."
            )

    def stream(self, decompressed: int) -> None:
        """Refuse a tar stream that decompresses past the stream limit."""
        if decompressed > self.limits.stream:
            raise ArchiveError(
                f"{self.archive}: more than the stream limit of {self.limits.stream} bytes decompressed "
                "before the metadata was found; not read."
            )


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
    """Counts the bytes read through it; ``on_read`` runs after every read (to check limits)."""

    def __init__(self, inner: IO[bytes], on_read: Optional[Callable[[], None]] = None) -> None:
        super().__init__()
        self.inner = inner
        self.count = 0
        self.on_read = on_read

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.inner.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.count += n
        if self.on_read is not None:
            self.on_read()
        return n


Wanted = Callable[[str], bool]
Done = Callable[[Dict[str, bytes]], bool]


def _decompressor(filename: str, raw: IO[bytes]) -> IO[bytes]:
    lower = filename.lower()
    if lower.endswith((".tar.gz", ".tgz")):
        import gzip

        return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
    if lower.endswith(".tar.bz2"):
        return bz2.BZ2File(raw, mode="rb")
    if lower.endswith(".tar.xz"):
        return lzma.LZMAFile(raw, mode="rb")
    return raw


def _counted_tar_stream(source: IO[bytes], filename: str, tally: _Tally) -> IO[bytes]:
    """The decompressed tar stream of ``source``, checking the stream and ratio limits as it is read."""
    compressed = _CountingRaw(source)
    decompressed = _CountingRaw(_decompressor(filename, io.BufferedReader(compressed)))

    def check() -> None:
        tally.stream(decompressed.count)
        tally.ratio(decompressed.count, compressed.count, "the tar stream so far")

    decompressed.on_read = check
    return io.BufferedReader(decompressed, 1 << 16)


def read_tar_members(
    source: IO[bytes], filename: str, wanted: Wanted, done: Optional[Done] = None, limits: Optional[Limits] = None
) -> Dict[str, bytes]:
    """Stream a (compressed) tar archive and return ``{path: bytes}`` for regular members that
    ``wanted(path)`` accepts; stop decompressing once ``done(found)`` is true.

    Example::

        with open("six-1.16.0.tar.gz", "rb") as fh:
            found = read_tar_members(fh, "six-1.16.0.tar.gz", lambda p: p.endswith("/PKG-INFO"))
    """
    tally = _Tally(limits or Limits(), filename)
    found: Dict[str, bytes] = {}
    try:
        with tarfile.open(fileobj=_counted_tar_stream(source, filename, tally), mode="r|") as tar:
            for member in tar:
                path = check_member_name(member.name, filename)
                if member.issym() or member.islnk():
                    _check_link(member, path, filename)
                    continue  # links are never followed
                if not member.isfile() or not wanted(path):
                    continue
                tally.keep(path, member.size)
                handle = tar.extractfile(member)
                if handle is not None:
                    found[path] = handle.read(member.size)
                if done is not None and done(found):
                    break
    except (tarfile.TarError, EOFError, OSError, zlib.error, lzma.LZMAError) as exc:
        raise ArchiveError(f"{filename}: not a readable tar archive ({exc}).") from None
    return found


def read_zip_members(
    data: SeekableFile, filename: str, wanted: Wanted, limits: Optional[Limits] = None
) -> Dict[str, bytes]:
    """Return ``{path: bytes}`` for the regular members of a zip (sdist or wheel) that ``wanted``
    accepts. ``data`` must be seekable (a file, BytesIO or an HTTP range file). Each member is
    checked against the limits from the central directory before it is inflated; zipfile then
    inflates no more than the size the directory states.

    Example: ``read_zip_members(open("six-1.15.0-py2.py3-none-any.whl", "rb"), "six-1.15.0-py2.py3-none-any.whl",
    lambda p: p.endswith(".dist-info/METADATA"))``
    """
    tally = _Tally(limits or Limits(), filename)
    found: Dict[str, bytes] = {}
    inflated = compressed = 0
    try:
        with zipfile.ZipFile(data) as archive:
            for info in archive.infolist():
                path = check_member_name(info.filename, filename)
                if stat.S_ISLNK(info.external_attr >> 16):
                    continue  # a symlink stored in a zip: never followed
                if info.is_dir() or not wanted(path):
                    continue
                inflated, compressed = inflated + info.file_size, compressed + info.compress_size
                tally.ratio(info.file_size, info.compress_size, path)
                tally.ratio(inflated, compressed, "the members read together")
                tally.keep(path, info.file_size)
                with archive.open(info) as handle:
                    found[path] = handle.read(info.file_size)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, zlib.error, NotImplementedError) as exc:
        raise ArchiveError(f"{filename}: not a readable zip archive ({exc}).") from None
    return found


def wheel_metadata(data: SeekableFile, filename: str) -> bytes:
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
    from mach_nix.index.client.metadata import parse_core_metadata

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
