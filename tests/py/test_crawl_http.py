"""The PyPI client's retries: truncated bodies, 429 with Retry-After, range reads."""

from __future__ import annotations

import time
import zipfile

import pytest

from mach_nix.index.pypi import FetchError, PyPIClient
from test_crawl import PYPI, Mirror, mirror  # noqa: F401  (fixture)


def _wheel_url(mirror: Mirror, filename: str) -> str:
    page = mirror.client().simple("six")
    assert page is not None
    return next(f["url"] for f in page.files if f["filename"] == filename)


def test_truncated_body_is_retried(mirror: Mirror) -> None:  # noqa: F811
    client = mirror.client()
    path = "/simple/six/"
    mirror.truncate_once.add(path)
    page = client.simple("six")
    assert page is not None and page.name == "six"
    assert mirror.log.count(path) == 2 and client.stats.retries == 1


def test_429_honours_retry_after(mirror: Mirror) -> None:  # noqa: F811
    client = PyPIClient(mirror.url, retries=2, backoff=0.01)
    mirror.retry_after_once.add("/simple/idna/")
    start = time.monotonic()
    assert client.simple("idna") is not None
    assert time.monotonic() - start >= 0.9  # waited for Retry-After: 1, not the 0.01 s backoff
    assert mirror.log.count("/simple/idna/") == 2


def test_persistent_failure_is_a_fetch_error(mirror: Mirror) -> None:  # noqa: F811
    mirror.fail = lambda path: 503
    client = PyPIClient(mirror.url, retries=1, backoff=0.01)
    with pytest.raises(FetchError, match="503"):
        client.simple("six")
    assert client.simple  # the client object stays usable


def test_missing_project_is_none(mirror: Mirror) -> None:  # noqa: F811
    assert mirror.client().simple("no-such-project") is None


def test_range_file_reads_wheel_metadata_with_few_requests(mirror: Mirror) -> None:  # noqa: F811
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
