"""Network: every file a lock of a bench set names still downloads from PyPI with its sha256.

True on any later day: PyPI never replaces a file under the same name (a re-upload gets a new
filename), so a changed hash means our index or lock is wrong, not that PyPI moved.
"""

from __future__ import annotations

import hashlib
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from mach_nix.cli import main

ROOT = Path(__file__).resolve().parents[3]
SETS = ROOT / "tests" / "data" / "requirements" / "sets"
SMALL_INDEX = ROOT / "tests" / "data" / "index-small"


def sha256_of_url(url: str) -> str:
    import urllib3

    http = urllib3.PoolManager(retries=urllib3.Retry(total=5, backoff_factor=0.5, status_forcelist=(429, 500, 502, 503)))
    response = http.request("GET", url, preload_content=False, timeout=urllib3.Timeout(connect=30, read=120))
    try:
        assert response.status == 200, f"{url}: HTTP {response.status}"
        digest = hashlib.sha256()
        for chunk in response.stream(1 << 20):
            digest.update(chunk)
        return digest.hexdigest()
    finally:
        response.release_conn()


@pytest.mark.network
@pytest.mark.slow
def test_every_locked_file_of_the_web_set_matches_its_sha256(tmp_path):
    out = tmp_path / "lock.json"
    assert main(["lock", "-q", "-r", str(SETS / "web.txt"), "-o", str(out)]) == 0
    packages = json.loads(out.read_text())["packages"]
    files = {p["url"]: p["sha256"] for p in packages.values() if p["provider"] != "nixpkgs"}
    assert len(files) >= 25
    with ThreadPoolExecutor(8) as pool:
        got = dict(zip(files, pool.map(sha256_of_url, files)))
    assert {url: sha for url, sha in got.items() if sha != files[url]} == {}


@pytest.mark.network
@pytest.mark.slow
def test_every_file_of_a_lock_fetched_on_demand_matches_its_sha256(tmp_path, monkeypatch):
    """The same for projects the local layer lacks, read from PyPI's pages on demand (and an sdist
    whose release has no wheel for Python 3.11, locked with its build system). The local layer is
    the small test index, which will never hold them, whatever the embedded one grows to."""
    monkeypatch.delenv("MACH_NIX_OFFLINE", raising=False)
    out = tmp_path / "lock.json"
    assert main(["lock", "-q", "--index", str(SMALL_INDEX), "--cache-dir", str(tmp_path / "cache"), "-o", str(out),
                 "furo", "myst-parser", "numpy<1.21", "--no-build-deps"]) == 0
    lock = json.loads(out.read_text())
    packages = lock["packages"]
    fetched = {n for n, p in packages.items() if p.get("index") == "pypi"}
    assert {"furo", "myst-parser", "numpy"} <= fetched and lock["indexes"]["pypi"]["kind"] == "remote"
    assert packages["numpy"]["provider"] == "sdist" and packages["numpy"]["build_system"]["requires"]
    files = {packages[n]["url"]: packages[n]["sha256"] for n in fetched}
    with ThreadPoolExecutor(8) as pool:
        got = dict(zip(files, pool.map(sha256_of_url, files)))
    assert {url: sha for url, sha in got.items() if sha != files[url]} == {}
