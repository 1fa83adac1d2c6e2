"""Reading sdists and wheels safely: no extraction, no traversal, no links, bounded sizes."""

from __future__ import annotations

import gzip
import io
import random
import tarfile
import zipfile
from pathlib import Path

import pytest

from mach_nix.index.client.archives import (
    MEMBER_LIMIT,
    RATIO_FLOOR,
    RATIO_LIMIT,
    STREAM_LIMIT,
    TOTAL_LIMIT,
    ArchiveError,
    Limits,
    check_member_name,
    read_tar_members,
    read_zip_members,
    sdist_members,
    wheel_metadata,
)
from mach_nix.index.client.metadata import sdist_metadata

PYPI = Path(__file__).resolve().parents[2] / "data" / "pypi"


def _tar_gz(members: list, level: int = 9) -> bytes:
    """members: (TarInfo-like spec) tuples (name, data) or (name, None, link_type, target)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz", compresslevel=level) as tar:
        for spec in members:
            info = tarfile.TarInfo(spec[0])
            if len(spec) == 4:
                info.type = spec[2]
                info.linkname = spec[3]
                tar.addfile(info)
            else:
                info.size = len(spec[1])
                tar.addfile(info, io.BytesIO(spec[1]))
    return buf.getvalue()


class _CountingSource(io.RawIOBase):
    def __init__(self, data: bytes) -> None:
        self.inner = io.BytesIO(data)
        self.read_total = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        chunk = self.inner.read(len(buffer))
        buffer[: len(chunk)] = chunk
        self.read_total += len(chunk)
        return len(chunk)


def test_real_sdist_six() -> None:
    with open(PYPI / "files" / "six-1.17.0.tar.gz", "rb") as handle:
        members = sdist_members(handle, "six-1.17.0.tar.gz")
    assert "PKG-INFO" in members and "six.egg-info/PKG-INFO" in members
    meta = sdist_metadata(members, "six-1.17.0.tar.gz")
    assert meta.source == "egg-info" and meta.requires_dist == []


def test_real_wheel_metadata_from_zip() -> None:
    data = (PYPI / "files" / "six-1.15.0-py2.py3-none-any.whl").read_bytes()
    meta = wheel_metadata(io.BytesIO(data), "six-1.15.0-py2.py3-none-any.whl")
    assert b"Name: six" in meta and b"Version: 1.15.0" in meta


@pytest.mark.parametrize("name", ["../evil/PKG-INFO", "/etc/passwd", "a/../../b", "C:/x", "..\\..\\x"])
def test_member_names_escaping_the_tree_are_refused(name: str) -> None:
    with pytest.raises(ArchiveError, match="outside|absolute"):
        check_member_name(name, "x.tar.gz")


def test_tar_with_traversal_member_is_refused() -> None:
    data = _tar_gz([("pkg-1/PKG-INFO", b"Metadata-Version: 2.2\n"), ("../../etc/cron.d/x", b"boom")])
    with pytest.raises(ArchiveError, match=r"\.\."):
        sdist_members(io.BytesIO(data), "pkg-1.tar.gz")


def test_tar_with_symlink_outside_is_refused_and_inside_is_ignored() -> None:
    outside = _tar_gz([("pkg-1/PKG-INFO", None, tarfile.SYMTYPE, "../../../etc/passwd")])
    with pytest.raises(ArchiveError, match="link"):
        sdist_members(io.BytesIO(outside), "pkg-1.tar.gz")
    hard = _tar_gz([("pkg-1/x", None, tarfile.LNKTYPE, "/etc/shadow")])
    with pytest.raises(ArchiveError, match="link"):
        sdist_members(io.BytesIO(hard), "pkg-1.tar.gz")
    inside = _tar_gz([("pkg-1/real", b"data"), ("pkg-1/PKG-INFO", None, tarfile.SYMTYPE, "real")])
    assert sdist_members(io.BytesIO(inside), "pkg-1.tar.gz") == {}  # the link is never followed


# --- limits: one test per limit and format, each asserting the limit it is named for ----------

MEMBER, TOTAL, STREAM, RATIO, FLOOR = (MEMBER_LIMIT, TOTAL_LIMIT, STREAM_LIMIT, RATIO_LIMIT, RATIO_FLOOR)
NO_RATIO = Limits(ratio=10**12)


def _random(size: int, seed: int = 1) -> bytes:
    """Incompressible bytes: an archive of them trips size limits, never the ratio limit."""
    return random.Random(seed).randbytes(size)


def _zip(members: list, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return buf.getvalue()


def _archive(fmt: str, members: list, stored: bool = False) -> bytes:
    """A zip or tar.gz sdist of ``members`` ((name, bytes) pairs), in order; ``stored``: not
    compressed (quick to build from incompressible bytes)."""
    if fmt == "zip":
        return _zip(members, zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED)
    return _tar_gz(members, level=0 if stored else 9)


def _read(fmt: str, data: bytes, limits: Limits = Limits()) -> dict:
    return sdist_members(io.BytesIO(data), f"pkg-1.{'zip' if fmt == 'zip' else 'tar.gz'}", limits)


FORMATS = pytest.mark.parametrize("fmt", ["zip", "tar.gz"])


def test_default_limits_leave_every_check_reachable() -> None:
    # The ratio is checked from the floor on, below one member; a member fits in the total; the
    # total of kept members fits in what a tar stream may decompress.
    assert FLOOR < MEMBER <= TOTAL < STREAM
    assert Limits() == Limits(MEMBER, TOTAL, STREAM, RATIO, FLOOR)
    for name in ("markupsafe-3.0.2.tar.gz", "idna-3.10.tar.gz", "six-1.17.0.tar.gz"):
        data = (PYPI / "files" / name).read_bytes()  # real sdists compress 5-7x: far below the limit
        assert len(gzip.decompress(data)) < RATIO * len(data) / 10


@FORMATS
def test_member_limit(fmt: str) -> None:
    data = _archive(fmt, [("pkg-1/PKG-INFO", _random(MEMBER + 1))], stored=True)
    with pytest.raises(ArchiveError, match=f"PKG-INFO is {MEMBER + 1} bytes, over the member limit of {MEMBER}"):
        _read(fmt, data)
    assert len(_read(fmt, _archive(fmt, [("pkg-1/PKG-INFO", _random(MEMBER))], stored=True))["PKG-INFO"]) == MEMBER


@FORMATS
def test_total_limit(fmt: str) -> None:
    # Five top directories, each with a PKG-INFO under the member limit: 17.5 MiB together.
    size = MEMBER * 7 // 8
    members = [(f"pkg-{i}/PKG-INFO", _random(size, seed=i)) for i in range(5)]
    with pytest.raises(ArchiveError, match=f"add up to more than the per-archive total limit of {TOTAL} bytes"):
        _read(fmt, _archive(fmt, members, stored=True))
    assert _read(fmt, _archive(fmt, members[:4], stored=True))  # 14 MiB: within the total


@FORMATS
def test_ratio_limit_refuses_a_bomb_that_passes_the_size_limits(fmt: str) -> None:
    # 2 MiB of zeros: under the member and total limits, over the floor, ~1000x compressed.
    bomb = [("pkg-1/PKG-INFO", bytes(2 * 1024 * 1024))]
    data = _archive(fmt, bomb)
    assert len(data) * RATIO < 2 * 1024 * 1024
    with pytest.raises(ArchiveError, match=rf"[0-9]+ bytes out of [0-9]+ compressed \([0-9]+x\), over the ratio limit of {RATIO}x"):
        _read(fmt, data)
    assert len(_read(fmt, data, NO_RATIO)["PKG-INFO"]) == 2 * 1024 * 1024  # the ratio was the only reason


def test_ratio_limit_on_a_tar_counts_members_nobody_asked_for() -> None:
    # The bomb is not a metadata member (so no member or total limit applies to it): the tar
    # stream's ratio stops it long before the stream limit.
    data = _tar_gz([("pkg-1/zeros", bytes(64 * 1024 * 1024)), ("pkg-1/PKG-INFO", b"Name: pkg\n")], level=9)
    with pytest.raises(ArchiveError, match=rf"the tar stream so far: [0-9]+ bytes .*\([0-9]+x\), over the ratio limit of {RATIO}x"):
        sdist_members(io.BytesIO(data), "pkg-1.tar.gz")
    assert sdist_members(io.BytesIO(data), "pkg-1.tar.gz", NO_RATIO) == {"PKG-INFO": b"Name: pkg\n"}


def test_ratio_limit_on_a_zip_counts_members_together() -> None:
    # Each member is under the floor (so no single one trips the ratio); together they are past it.
    members = [(f"pkg-{i}/PKG-INFO", bytes(RATIO_FLOOR // 2)) for i in range(3)]
    with pytest.raises(ArchiveError, match=rf"the members read together: 1572864 bytes .*, over the ratio limit of {RATIO}x"):
        _read("zip", _zip(members))
    assert len(_read("zip", _zip(members[:2]))) == 1  # at the floor, not past it: read (one top dir wins)


def test_ratio_limit_on_a_zip_is_checked_per_member_too() -> None:
    # An incompressible member first dilutes the ratio of the members together (5 MiB out of
    # ~3 MiB); the bomb after it is still refused on its own ratio, before it is inflated.
    members = [("pkg-0/PKG-INFO", _random(3 * 1024 * 1024)), ("pkg-1/PKG-INFO", bytes(2 * 1024 * 1024))]
    with pytest.raises(ArchiveError, match=rf"pkg-1/PKG-INFO: 2097152 bytes out of [0-9]+ compressed .* ratio limit of {RATIO}x"):
        _read("zip", _zip(members))


def test_forty_metadata_members_in_a_small_wheel_are_refused() -> None:
    # The case from issue 12: METADATA members just under the member limit, a few kB compressed.
    wheel = _zip([(f"x-{i}.dist-info/METADATA", bytes(MEMBER - 1)) for i in range(40)])
    assert len(wheel) < 200 * 1024
    with pytest.raises(ArchiveError, match="ratio limit"):
        wheel_metadata(io.BytesIO(wheel), "x-1-py3-none-any.whl")
    with pytest.raises(ArchiveError, match="per-archive total limit"):
        read_zip_members(io.BytesIO(wheel), "x-1-py3-none-any.whl", lambda p: p.endswith("/METADATA"), NO_RATIO)


def test_stream_limit_on_a_tar() -> None:
    # Incompressible filler before the metadata: no ratio to trip, only the stream limit.
    data = _tar_gz([("pkg-1/blob", _random(2 * 1024 * 1024)), ("pkg-1/PKG-INFO", b"Name: pkg\n")], level=0)
    small = Limits(stream=1024 * 1024)
    with pytest.raises(ArchiveError, match="more than the stream limit of 1048576 bytes decompressed"):
        sdist_members(io.BytesIO(data), "pkg-1.tar.gz", small)
    assert sdist_members(io.BytesIO(data), "pkg-1.tar.gz") == {"PKG-INFO": b"Name: pkg\n"}


def test_zip_traversal_and_symlink() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("../PKG-INFO", b"x")
    with pytest.raises(ArchiveError, match=r"\.\."):
        read_zip_members(io.BytesIO(buf.getvalue()), "pkg-1.zip", lambda p: True)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        link = zipfile.ZipInfo("pkg-1/PKG-INFO")
        link.external_attr = (0o120777 << 16)
        archive.writestr(link, "/etc/passwd")
    assert read_zip_members(io.BytesIO(buf.getvalue()), "pkg-1.zip", lambda p: True) == {}


def test_tar_decompression_stops_once_metadata_is_found() -> None:
    # (The crawler then reads the rest of the download without decompressing it, for its sha256.)
    pkg_info = b"Metadata-Version: 2.2\nName: pkg\nVersion: 1\nRequires-Dist: b\n"
    filler = _random(2 * 1024 * 1024)  # poorly compressible data after the metadata
    data = _tar_gz([("pkg-1/PKG-INFO", pkg_info), ("pkg-1/pyproject.toml", b"[project]\nname='pkg'\n"), ("pkg-1/blob", filler)])
    source = _CountingSource(data)
    members = sdist_members(io.BufferedReader(source), "pkg-1.tar.gz")
    assert set(members) == {"PKG-INFO", "pyproject.toml"}
    assert source.read_total < len(data) / 2  # the blob was never decompressed


def test_corrupt_archive_is_a_clear_error() -> None:
    with pytest.raises(ArchiveError, match="not a readable tar"):
        read_tar_members(io.BytesIO(b"\x1f\x8bnot really gzip"), "x-1.tar.gz", lambda p: True)
    with pytest.raises(ArchiveError, match="not a readable zip"):
        read_zip_members(io.BytesIO(b"PK junk"), "x-1.zip", lambda p: True)
