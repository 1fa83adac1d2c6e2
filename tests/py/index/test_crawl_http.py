"""The PyPI client's retries (truncated bodies, 429 with Retry-After), range reads, streamed
bodies, and the sha256 check of every downloaded sdist."""

from __future__ import annotations

import random
import time
import zipfile
from typing import Iterator, List, Tuple

import pytest

from faults.fakepypi import FakePyPI, Route
from mach_nix.index.client.fetch import fetch_sdist, read_sdist
from mach_nix.index.client.http import FetchError
from mach_nix.index.client.pypi import PyPIClient
from mach_nix.index.client.ranges import ReadAtFile
from sdist_craft import sdist_archive, served
from test_crawl import PYPI, mirror  # noqa: F401  (fixture)


def _wheel_url(mirror: FakePyPI, filename: str) -> str:
    page = mirror.client().simple("six")
    assert page is not None
    return next(f["url"] for f in page.files if f["filename"] == filename)


def test_truncated_body_is_retried(mirror: FakePyPI) -> None:  # noqa: F811
    client = mirror.client()
    path = "/simple/six/"
    mirror.truncate_once.add(path)
    page = client.simple("six")
    assert page is not None and page.name == "six"
    assert mirror.log.count(path) == 2 and client.stats.retries == 1


def test_429_honours_retry_after(mirror: FakePyPI) -> None:  # noqa: F811
    client = PyPIClient(mirror.base, retries=2, backoff=0.01)
    mirror.retry_after_once.add("/simple/idna/")
    start = time.monotonic()
    assert client.simple("idna") is not None
    assert time.monotonic() - start >= 0.9  # waited for Retry-After: 1, not the 0.01 s backoff
    assert mirror.log.count("/simple/idna/") == 2


def test_persistent_failure_is_a_fetch_error(mirror: FakePyPI) -> None:  # noqa: F811
    mirror.fail = lambda path: 503
    client = PyPIClient(mirror.base, retries=1, backoff=0.01)
    with pytest.raises(FetchError, match=r"/simple/six/ answered HTTP 503"):
        client.simple("six")
    assert mirror.log.count("/simple/six/") == 2  # the first try and the one retry asked for
    mirror.fail = None
    page = client.simple("six")  # the same client works again once the server does
    assert page is not None and page.name == "six" and mirror.log.count("/simple/six/") == 3


def test_missing_project_is_none(mirror: FakePyPI) -> None:  # noqa: F811
    assert mirror.client().simple("no-such-project") is None


def test_range_file_reads_wheel_metadata_with_few_requests(mirror: FakePyPI) -> None:  # noqa: F811
    filename = "six-1.15.0-py2.py3-none-any.whl"
    size = (PYPI / "files" / filename).stat().st_size
    client = mirror.client()
    handle = client.range_file(_wheel_url(mirror, filename), size)
    handle.prefetch_tail()
    with zipfile.ZipFile(handle) as archive:
        assert "six-1.15.0.dist-info/METADATA" in archive.namelist()
        assert b"Name: six" in archive.read("six-1.15.0.dist-info/METADATA")
    assert handle.requests <= 2
    assert client.pep658(_wheel_url(mirror, filename)) is None  # the host has no .metadata for it


def test_a_read_at_file_serves_zipfile_and_reads_like_the_range_file(mirror: FakePyPI) -> None:  # noqa: F811
    filename = "six-1.15.0-py2.py3-none-any.whl"
    data = (PYPI / "files" / filename).read_bytes()
    asked: List[Tuple[int, int]] = []
    local = ReadAtFile(len(data), lambda offset, n: (asked.append((offset, n)), data[offset:offset + n])[1])
    with zipfile.ZipFile(local) as archive:
        assert b"Name: six" in archive.read("six-1.15.0.dist-info/METADATA")
    assert asked and all(offset + n <= len(data) for offset, n in asked)  # never past the end
    remote = mirror.client().range_file(_wheel_url(mirror, filename), len(data))
    for offset, n in [(0, 10), (len(data) - 5, 100), (70000, 3), (len(data), 4)]:
        assert remote.read_at(offset, n) == data[offset:offset + n]
        local.seek(offset)
        assert local.read(n) == data[offset:offset + n] and local.tell() == min(offset + n, len(data))
    assert local.seek(-3, 2) == len(data) - 3 and local.read() == data[-3:]
    with pytest.raises(NotImplementedError):
        ReadAtFile(1).read(1)


# --- streamed bodies and the sha256 of sdists -----------------------------------------------

PKG_INFO = b"Metadata-Version: 2.2\nName: pkg\nVersion: 1\nRequires-Dist: b>=1\n"
PYPROJECT = b"[build-system]\nrequires = ['flit_core']\nbuild-backend = 'flit_core.buildapi'\n"


def _sdist(fmt: str, blob: bytes, first: bytes = b"") -> bytes:
    """An sdist of ``first`` (when given), the metadata, then ``blob`` (a tar stops decompressing
    before the blob)."""
    members = [("pkg-1/PKG-INFO", PKG_INFO), ("pkg-1/pyproject.toml", PYPROJECT), ("pkg-1/blob", blob)]
    members = [("pkg-1/first", first)] + members if first else members
    return sdist_archive(members, fmt)


@pytest.fixture
def blobs() -> Iterator[Tuple[bytes, bytes]]:
    rng = random.Random(7)
    yield rng.randbytes(512 * 1024), rng.randbytes(512 * 1024)


@pytest.mark.parametrize("fmt", ["tar.gz", "zip"])
def test_sdist_matching_its_sha256_is_read(fmt: str, blobs: Tuple[bytes, bytes]) -> None:
    good = _sdist(fmt, blobs[0])
    server, entry = served(good, f"pkg-1.{fmt}", good)
    with server:
        client = PyPIClient(rewrite=server.rewrite, retries=0)
        assert read_sdist(client, entry) == {"PKG-INFO": PKG_INFO, "pyproject.toml": PYPROJECT}
        result = fetch_sdist(client, entry, attempts=1)
    assert result["metadata"] == "pkg-info" and result["requires_dist"] == ["b>=1"]
    assert result["build_system"]["backend"] == "flit_core.buildapi"


@pytest.mark.parametrize("fmt", ["tar.gz", "zip"])
def test_tampered_sdist_is_refused_even_when_its_metadata_is_intact(fmt: str, blobs: Tuple[bytes, bytes]) -> None:
    # Same metadata, another blob after it: only the sha256 can tell (a tar's metadata is read
    # before the blob arrives).
    good, tampered = _sdist(fmt, blobs[0]), _sdist(fmt, blobs[1])
    server, entry = served(tampered, f"pkg-1.{fmt}", good)
    with server:
        client = PyPIClient(rewrite=server.rewrite, retries=0)
        with pytest.raises(FetchError, match=rf"pkg-1\.{fmt}: the download \({len(tampered)} bytes\) does not match the sha256"):
            fetch_sdist(client, entry, attempts=2)
    assert server.log.requests == 2  # a mismatch is retried (a transient corruption heals), then raised


def test_archive_refusal_counts_only_for_bytes_that_match_the_sha256(blobs: Tuple[bytes, bytes]) -> None:
    # 8 MiB of zeros first: refused by the ratio limit long before the blob after it is read.
    bomb, tampered = (_sdist("tar.gz", blob, first=bytes(8 * 1024 * 1024)) for blob in blobs)
    server, entry = served(bomb, "pkg-1.tar.gz", bomb)
    with server:
        client = PyPIClient(rewrite=server.rewrite, retries=0)
        result = fetch_sdist(client, entry, attempts=1)
        assert result["metadata"] == "unknown" and "ratio limit" in result["metadata_error"]
        server.routes[next(iter(server.routes))] = Route(tampered)  # the same bomb, another tail
        with pytest.raises(FetchError, match="does not match the sha256"):
            fetch_sdist(client, entry, attempts=1)  # not recorded as the file's verdict: tried again next time


@pytest.mark.parametrize("limit, ok", [(1000, True), (999, False)])
def test_streamed_body_limit_is_exact(limit: int, ok: bool) -> None:
    body = bytes(range(250)) * 4
    server, entry = served(body, "pkg-1.tar.gz", body)
    with server:
        stream = PyPIClient(rewrite=server.rewrite, retries=0).stream(entry["url"], max_bytes=limit)
        try:
            if ok:
                assert stream.read() == body and stream.eof
                assert stream.sha256.hexdigest() == entry["hashes"]["sha256"]
            else:
                with pytest.raises(FetchError, match="larger than the crawler's limit of 999 bytes"):
                    stream.read()
        finally:
            stream.close()
