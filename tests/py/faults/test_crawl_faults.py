"""The crawler against a loopback PyPI that injects faults on a seeded schedule.

A fault-free crawl of the recorded projects is the reference. Crawls under transient faults
(429 with Retry-After, 500, 503, connection resets, stalls past the timeout, truncated bodies) must
end with exactly the reference records; permanent faults (malformed JSON, a metadata file that is
404 or whose sha256 is wrong) must be named or worked around; a crawl killed with SIGKILL at a
random point and resumed must end identical; an interrupted update leaves a verified index.
Run with ``pytest -s`` to see the fault report.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, Tuple

import pytest

from mach_nix.index.crawl.crawler import Crawler
from mach_nix.index.crawl.publish import write_verified
from mach_nix.index.crawl.scope import Scope, parse_seeds
from mach_nix.index.crawl.workdir import WorkDir
from mach_nix.index.storage.pack import verify
from mach_nix.index.storage.store import Index

from .fakepypi import RECORDED as PYPI, SIMPLE_TYPE, FakePyPI, Route, recorded_pages, recorded_routes

NAMES = ["six", "markupsafe", "idna"]
SCOPE = Scope(since="2000-01-01", closure=False)


def run_crawl(server: FakePyPI, work: Path, *, timeout: float = 1.0) -> Tuple[Crawler, Dict[str, Any]]:
    """Crawl NAMES from the fake PyPI; return the crawler (stats, failures) and its records."""
    client = server.client(timeout=timeout, retries=6)
    crawler = Crawler(client, WorkDir(work), SCOPE, threads=4, project_threads=2, log=lambda m: None)
    try:
        records = crawler.run(parse_seeds(NAMES))
    finally:
        crawler.close()
    return crawler, records


def projects_of(directory: Path) -> Dict[str, Any]:
    return dict(Index.open(directory).iter_projects())


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, Any]:
    tmp = tmp_path_factory.mktemp("reference")
    with FakePyPI(recorded_routes()) as server:
        crawler, records = run_crawl(server, tmp / "work")
    assert not crawler.failed
    write_verified(tmp / "index", records, "json", {})
    return projects_of(tmp / "index")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_transient_faults_lose_no_record(seed: int, reference: Dict[str, Any], tmp_path: Path) -> None:
    with FakePyPI(recorded_routes(), seed=seed, rate=0.5, stall_seconds=1.5) as server:
        crawler, records = run_crawl(server, tmp_path / "work")
    injected = dict(server.log.injected)
    print(f"\nseed {seed}: {server.log.requests} requests, faults injected {injected} "
          f"({sum(injected.values())}), client retries {crawler.client.stats.retries}, failures {dict(crawler.failed)}")
    assert sum(injected.values()) >= 4, "the schedule must actually inject faults"
    assert not crawler.failed
    assert crawler.client.stats.retries >= sum(injected.values()) // 2  # faults were met by retries
    write_verified(tmp_path / "index", records, "json", {})
    assert projects_of(tmp_path / "index") == reference  # records lost: 0


def test_malformed_simple_page_is_named(tmp_path: Path) -> None:
    routes = recorded_routes()
    routes["/simple/idna/"] = Route(b'{"meta": {"api-version": "1.1"}, "files": [', SIMPLE_TYPE)
    with FakePyPI(routes) as server:
        crawler, records = run_crawl(server, tmp_path / "work")
    assert list(crawler.failed) == ["idna"]
    assert "idna" in crawler.failed["idna"] or "JSON" in crawler.failed["idna"]


def test_missing_metadata_file_falls_back_to_range_reads(reference: Dict[str, Any], tmp_path: Path) -> None:
    routes = recorded_routes()
    wheel = PYPI / "files" / "six-1.15.0-py2.py3-none-any.whl"
    assert wheel.is_file()  # recorded without its .metadata: the range-read path
    assert not any(path.endswith("six-1.15.0-py2.py3-none-any.whl.metadata") for path in routes)
    with FakePyPI(routes) as server:
        crawler, records = run_crawl(server, tmp_path / "work")
    node = next(n for n in records["six"]["releases"]["1.15.0"] if n["filename"].endswith(".whl"))
    assert node["metadata"] == "range"
    assert not crawler.failed


def test_metadata_with_wrong_sha256_is_not_trusted(reference: Dict[str, Any], tmp_path: Path) -> None:
    """PEP 714: a simple page may state the .metadata file's sha256; a mismatching body is refused."""
    pages = recorded_pages()
    import hashlib

    target = "six-1.16.0-py2.py3-none-any.whl"
    for entry in pages["six"]["files"]:
        if entry["filename"] == target:
            good = (PYPI / "files" / (target + ".metadata")).read_bytes()
            entry["core-metadata"] = {"sha256": hashlib.sha256(good).hexdigest()}
    routes = recorded_routes(pages)
    path = next(p for p in routes if p.endswith(target + ".metadata"))
    routes[path] = Route(routes[path].body.replace(b"Version: 1.16.0", b"Version: 6.6.6\nRequires-Dist: evil"))
    with FakePyPI(routes) as server:
        crawler, records = run_crawl(server, tmp_path / "work")
    node = next(n for n in records["six"]["releases"]["1.16.0"] if n["filename"] == target)
    deps = records["six"]["deps"].get(node.get("requires_dist"), None)
    assert deps is None or "evil" not in deps
    assert node["metadata"] != "pep658"


def _cli_build(server: FakePyPI, out: Path, work: Path, *extra: str) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "mach_nix", "index", *extra] if extra and extra[0] == "update" else [
        sys.executable, "-m", "mach_nix", "index", "build", "--packages", *NAMES, "--out", str(out),
        "--since", "2000-01-01", "--threads", "4"]
    cmd += ["--quiet", "--work-dir", str(work), "--pypi", server.base]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_sigkill_at_a_random_point_then_resume_ends_identical(seed: int, reference: Dict[str, Any], tmp_path: Path) -> None:
    rng = random.Random(seed)
    out, work = tmp_path / "index", tmp_path / "work"
    with FakePyPI(recorded_routes(), latency=0.25) as server:
        proc = _cli_build(server, out, work)
        time.sleep(rng.uniform(0.6, 1.6))
        proc.send_signal(signal.SIGKILL)
        assert proc.wait() == -signal.SIGKILL, "the crawl finished before it could be killed"
        assert not out.exists()
        done_before = len(WorkDir(work).files)
        resumed = _cli_build(server, out, work)
        _, err = resumed.communicate(timeout=120)
    assert resumed.returncode == 0, err.decode()
    assert verify(out) == []
    assert projects_of(out) == reference
    print(f"\nseed {seed}: killed after {done_before} finished file results; resumed to an identical index")
    assert done_before < sum(len(files) for p in reference.values() for files in p["releases"].values())


def _shards(directory: Path) -> Dict[str, bytes]:
    return {p.name: p.read_bytes() for p in directory.iterdir() if p.name != "metadata.json"}


def test_interrupted_update_leaves_a_verified_index(tmp_path: Path) -> None:
    import shutil

    original = tmp_path / "original"
    with FakePyPI(recorded_routes()) as server:
        crawler, records = run_crawl(server, tmp_path / "work0")
    write_verified(original, records, "json", {"scope": SCOPE.to_json()})
    pages = recorded_pages()
    pages["six"]["meta"]["_last-serial"] = int(pages["six"]["meta"]["_last-serial"]) + 1
    for entry in pages["six"]["files"]:
        if "1.16.0" in entry["filename"]:
            entry["yanked"] = "re-released"
    # The uninterrupted update: what a finished update leaves.
    finished = tmp_path / "finished"
    shutil.copytree(original, finished)
    with FakePyPI(recorded_routes(pages)) as server:
        proc = _cli_build(server, finished, tmp_path / "work-finished", "update", str(finished), "--sdists")
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
    assert _shards(finished) != _shards(original)
    outcomes = []
    for delay in (0.1, 0.5, 1.0, 2.0, 4.0):
        out = tmp_path / f"index-{delay}"
        shutil.copytree(original, out)
        with FakePyPI(recorded_routes(pages), latency=0.1) as server:
            proc = _cli_build(server, out, tmp_path / f"work-{delay}", "update", str(out), "--sdists")
            time.sleep(delay)
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        assert verify(out) == [], f"index unreadable after a kill at {delay}s"
        now = _shards(out)
        assert now in (_shards(original), _shards(finished)), f"a mix of old and new shards after a kill at {delay}s"
        outcomes.append("old" if now == _shards(original) else "new")
    print(f"\nupdate killed at 0.1-4 s: index left {outcomes}")
    assert "old" in outcomes
