"""Reading sdists and wheels safely: no extraction, no traversal, no links, bounded sizes."""

from __future__ import annotations

import gzip
import io
import tarfile
import zipfile
from pathlib import Path

import pytest

from mach_nix.index.archives import (
    ArchiveError,
    Limits,
    check_member_name,
    read_tar_members,
    read_zip_members,
    sdist_members,
    wheel_metadata,
)
from mach_nix.index.metadata import sdist_metadata

PYPI = Path(__file__).resolve().parents[1] / "data" / "pypi"


def _tar_gz(members: list) -> bytes:
    """members: (TarInfo-like spec) tuples (name, data) or (name, None, link_type, target)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
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


def test_gzip_bomb_is_stopped() -> None:
    # 64 MiB of zeros compress to ~64 KiB: past the floor, the ratio limit trips.
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        info = tarfile.TarInfo("pkg-1/zeros")
        info.size = 64 * 1024 * 1024
        tar.addfile(info, io.BytesIO(bytes(info.size)))
    data = gzip.compress(raw.getvalue(), compresslevel=9)
    assert len(data) < 1024 * 1024
    with pytest.raises(ArchiveError, match="bomb"):
        sdist_members(io.BytesIO(data), "pkg-1.tar.gz", Limits(ratio_floor=8 * 1024 * 1024))


def test_oversized_metadata_member_is_refused() -> None:
    data = _tar_gz([("pkg-1/PKG-INFO", b"x" * 2048)])
    with pytest.raises(ArchiveError, match="limit"):
        sdist_members(io.BytesIO(data), "pkg-1.tar.gz", Limits(member=1024))


def test_zip_bomb_member_is_refused() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("pkg-1/PKG-INFO", bytes(32 * 1024 * 1024))
    with pytest.raises(ArchiveError):
        read_zip_members(io.BytesIO(buf.getvalue()), "pkg-1.zip", lambda p: True)


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


def test_tar_stream_stops_early_once_metadata_is_found() -> None:
    pkg_info = b"Metadata-Version: 2.2\nName: pkg\nVersion: 1\nRequires-Dist: b\n"
    filler = bytes(range(256)) * 40000  # ~10 MB of poorly compressible data after the metadata
    import random

    rng = random.Random(1)
    filler = bytes(rng.getrandbits(8) for _ in range(2 * 1024 * 1024))
    data = _tar_gz([("pkg-1/PKG-INFO", pkg_info), ("pkg-1/pyproject.toml", b"[project]\nname='pkg'\n"), ("pkg-1/blob", filler)])
    source = _CountingSource(data)
    members = sdist_members(io.BufferedReader(source), "pkg-1.tar.gz")
    assert set(members) == {"PKG-INFO", "pyproject.toml"}
    assert source.read_total < len(data) / 2  # the blob was never downloaded


def test_corrupt_archive_is_a_clear_error() -> None:
    with pytest.raises(ArchiveError, match="not a readable tar"):
        read_tar_members(io.BytesIO(b"\x1f\x8bnot really gzip"), "x-1.tar.gz", lambda p: True)
    with pytest.raises(ArchiveError, match="not a readable zip"):
        read_zip_members(io.BytesIO(b"PK junk"), "x-1.zip", lambda p: True)
