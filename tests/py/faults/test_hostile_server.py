"""A hostile index server on 127.0.0.1 (issue 23, point 3): a compression bomb, a trickle, junk and
malformed pages, a file host that ignores Range and sends a file that does not match its hash.

Every answer is bounded: in time (a request deadline, and a network deadline over all requests),
in memory (decoded bodies are capped, compressed or not), and malformed answers are refused with a
message that names the URL, never cached as "no releases".
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import tracemalloc
import zlib
from pathlib import Path
from typing import Iterator

import pytest

from faults.fakepypi import FakePyPI, Route
from faults.world import Dist, world_routes
from mach_nix.index.storage.cache import CacheIndex
from mach_nix.index.client.fetch import fetch_wheel
from mach_nix.index.client.http import METADATA_LIMIT, PAGE_LIMIT, FetchError
from mach_nix.index.view.remote import RemoteIndex

ROOT = Path(__file__).resolve().parents[3]
SMALL = str(ROOT / "tests" / "data" / "index-small")
GiB = 1 << 30


def gzip_bomb(size: int) -> Iterator[bytes]:
    """A gzip stream inflating to ``size`` zero bytes, compressed as it is sent (~1 KB per MiB)."""
    compressor = zlib.compressobj(6, zlib.DEFLATED, 31)
    block = bytes(1 << 20)
    for _ in range(size // len(block)):
        out = compressor.compress(block)
        if out:
            yield out
    yield compressor.flush()


def trickle() -> Iterator[bytes]:
    while True:
        yield b"{"


def bomb_route(size: int = GiB) -> Route:
    return Route(stream=lambda: gzip_bomb(size), content_type="application/vnd.pypi.simple.v1+json",
                 headers={"Content-Encoding": "gzip"})


def test_a_gzip_bomb_page_is_refused_at_the_cap_with_bounded_memory():
    with FakePyPI({"/simple/bomb/": bomb_route()}) as server:
        tracemalloc.start()
        try:
            started = time.monotonic()
            with pytest.raises(FetchError, match="larger than .* once decoded \\(Content-Encoding: gzip\\)") as caught:
                server.client(retries=0).simple("bomb")
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert "/simple/bomb/" in caught.value.message
    assert peak < 3 * PAGE_LIMIT  # the whole GiB is never held (unbounded decoding peaked past it)
    assert time.monotonic() - started < 60


def test_a_gzip_bomb_metadata_file_is_refused_at_its_smaller_cap():
    with FakePyPI({"/files/x-1.0-py3-none-any.whl.metadata": bomb_route()}) as server:
        tracemalloc.start()
        try:
            with pytest.raises(FetchError, match=f"larger than {METADATA_LIMIT} bytes"):
                server.client(retries=0).pep658("https://files.pythonhosted.org/x-1.0-py3-none-any.whl")
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert peak < 4 * METADATA_LIMIT


@pytest.mark.parametrize("slow_headers", [False, True])
def test_a_trickle_is_cut_at_the_request_deadline(slow_headers):
    route = Route(stream=trickle, pause=0.3, slow_headers=slow_headers, content_type="application/vnd.pypi.simple.v1+json")
    with FakePyPI({"/simple/slow/": route}) as server:
        started = time.monotonic()
        with pytest.raises(FetchError, match="did not complete within its deadline of 1.5 s \\(--request-timeout\\)") as caught:
            server.client(retries=2, request_timeout=1.5).simple("slow")
        took = time.monotonic() - started
    assert "/simple/slow/" in caught.value.message
    assert 1.4 < took < 6  # the read timeout (30 s) never came into it


def test_the_network_deadline_bounds_all_requests_together():
    route = Route(stream=trickle, pause=0.3, content_type="application/vnd.pypi.simple.v1+json")
    with FakePyPI({"/simple/slow/": route}) as server:
        client = server.client(retries=0, request_timeout=60, network_deadline=1.0)
        started = time.monotonic()
        with pytest.raises(FetchError, match="network deadline of 1 s \\(--network-deadline\\)"):
            client.simple("slow")
        with pytest.raises(FetchError, match="network deadline"):  # spent: the next request fails at once
            client.simple("slow")
        assert time.monotonic() - started < 6


def lock(server: FakePyPI, cache: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop("MACH_NIX_OFFLINE", None)
    return subprocess.run([sys.executable, "-m", "mach_nix", "lock", "--index", SMALL, "--cache-dir", str(cache),
                           "--index-url", server.base + "/simple", "-o", "-", "-q", *args],
                          env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("body, content_type, said", [
    (b"<html><body><h1>Welcome to our portal</h1></body></html>", "text/html", "hold no file link"),
    (b'{"name": "junk", "files": [', "application/vnd.pypi.simple.v1+json", "invalid JSON"),
    (b'{"name": "junk", "files": ["a"]}', "application/vnd.pypi.simple.v1+json", "file entry 0 is a str, not an object"),
    (b'{"name": "junk", "files": {"a": 1}}', "application/vnd.pypi.simple.v1+json", '"files" is not a list'),
    (b'[1, 2]', "application/vnd.pypi.simple.v1+json", "the document is a JSON list"),
    (b'{"name": "junk", "files": [{"filename": "junk-1.0.tar.gz", "url": 5}]}', "application/vnd.pypi.simple.v1+json",
     "file entry 0 has no url string"),
])
def test_a_junk_or_malformed_page_gives_exit_4_naming_the_url_and_is_not_cached(tmp_path, body, content_type, said):
    with FakePyPI({"/simple/junk/": Route(body, content_type=content_type)}) as server:
        done = lock(server, tmp_path / "cache", "junk")
    assert done.returncode == 4, done.stderr
    assert said in done.stderr and f"{server.base}/simple/junk/" in done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert CacheIndex.for_index_url(tmp_path / "cache", server.base + "/simple").read("junk") is None


def test_a_page_whose_files_all_lack_a_hash_is_not_cached_as_no_releases(tmp_path):
    page = {"meta": {"api-version": "1.1"}, "name": "nohash", "versions": ["1.0"],
            "files": [{"filename": "nohash-1.0.tar.gz", "url": "../../files/nohash-1.0.tar.gz", "hashes": {}}]}
    with FakePyPI({"/simple/nohash/": Route.json(page)}) as server:
        cache = CacheIndex(tmp_path / "cache", server.base + "/simple")
        remote = RemoteIndex(cache, client=server.client(retries=0))
        record = remote.project("nohash")
        assert record is not None and record["releases"] == {}
        remote.save()
        assert CacheIndex(tmp_path / "cache", server.base + "/simple").read("nohash") is None
        remote = RemoteIndex(CacheIndex(tmp_path / "cache", server.base + "/simple"), client=server.client(retries=0))
        server.log.clear()
        remote.project("nohash")
        assert server.log == ["/simple/nohash/"]  # asked again, not taken from the cache


def wheel_world():
    routes = world_routes({"ranged": [Dist("1.0", pep658=False, sdist=False)]})
    page = routes["/simple/ranged/"].doc
    entry = dict(page["files"][0])
    return routes, entry


def test_a_whole_file_sent_for_a_range_request_is_used_only_when_its_sha256_matches():
    routes, entry = wheel_world()
    path = entry["url"]  # root-relative: /files/ab/cd/ranged-1.0-py3-none-any.whl
    routes[path].ignore_range = True
    with FakePyPI(routes) as server:
        entry["url"] = server.base + path
        assert fetch_wheel(server.client(retries=0), entry)["metadata"] == "range"  # whole file, hash right
        good = routes[path].body
        routes[path].body = good[:-1] + bytes([good[-1] ^ 1])  # same size, another sha256
        with pytest.raises(FetchError, match="does not match the sha256") as caught:
            fetch_wheel(server.client(retries=0), entry)
        assert entry["filename"] in caught.value.message
        requested = [p for p in server.log if p == path]
        assert len(requested) >= 3  # the range read refused it, then the whole download did too


def test_defaults_bound_requests_and_runs():
    import argparse

    from mach_nix.commands.options import add_layer_options

    parser = argparse.ArgumentParser()
    add_layer_options(parser)
    args = parser.parse_args([])
    assert args.request_timeout == 120.0 and args.network_deadline == 900.0
    args = parser.parse_args(["--request-timeout", "5", "--network-deadline", "0"])
    assert (args.request_timeout, args.network_deadline) == (5.0, 0.0)


def test_one_thread_keeps_every_deadline_and_forgets_finished_requests():
    import threading

    from mach_nix.index.client.deadline import REAPER, Deadline, Watchdog

    class Sock:
        down = False

        def shutdown(self, how: int) -> None:
            self.down = True

    before = threading.active_count()
    finished = [Watchdog(Deadline(time.monotonic() + 300, "")) for _ in range(5000)]
    for watchdog in finished:
        watchdog.watch(Sock())
        watchdog.cancel()
    live, sock = Watchdog(Deadline(time.monotonic() + 0.2, "")), Sock()
    live.watch(sock)
    assert REAPER.pending() < 2100  # cancelled entries are purged, not kept for 300 s
    assert threading.active_count() <= before + 1
    for _ in range(50):
        if sock.down:
            break
        time.sleep(0.05)
    assert sock.down and live.fired and not any(w.fired for w in finished)
