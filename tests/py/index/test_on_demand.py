"""On-demand fetching: what the local index layers lack comes from a simple API (the loopback
PyPI of tests/py/faults), is kept in the user cache, and is reused offline.

Every lock here runs the real CLI in a subprocess against a synthetic world
(tests/py/faults/world.py) served on 127.0.0.1, with its own --cache-dir.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Dict, List

import pytest

from faults.fakepypi import FakePyPI
from faults.world import Dist, add_dist, world_routes

ROOT = Path(__file__).resolve().parents[3]
SMALL = str(ROOT / "tests" / "data" / "index-small")


def make_world() -> Dict[str, List[Dist]]:
    """mnx-app needs mnx-lib>=2 and, on an extra, mnx-extra; mnx-lib 1.x is old (outside any window)."""
    return {
        "mnx-app": [Dist("1.0", requires=["mnx-lib>=1"]),
                    Dist("2.0", requires=["mnx-lib>=2", 'mnx-extra; extra == "more"'], extras=["more"])],
        "mnx-lib": [Dist("1.0", upload_time="2019-01-01T00:00:00Z"), Dist("1.5", upload_time="2019-06-01T00:00:00Z"),
                    Dist("2.0"), Dist("2.1", wheels=[], sdist=True)],
        "mnx-extra": [Dist("0.3", pep658=False)],
    }


@pytest.fixture
def pypi():
    server = FakePyPI(world_routes(make_world()))
    with server:
        yield server


def lock(args: List[str], *, cache: Path, server: FakePyPI = None, offline: bool = False, cwd: Path,
         stats: Path = None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop("MACH_NIX_OFFLINE", None)
    if stats is not None:
        env["MACH_NIX_STATS"] = str(stats)
    cmd = [sys.executable, "-m", "mach_nix", "lock", "--cache-dir", str(cache), "-q"]
    if server is not None:
        cmd += ["--index-url", server.base + "/simple"]
    if offline:
        cmd.append("--offline")
    return subprocess.run(cmd + args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def pins(path: Path) -> Dict[str, str]:
    return {n: e["version"] for n, e in json.loads(path.read_text())["packages"].items()}


def build_layer(server: FakePyPI, out: Path, *packages: str) -> None:
    done = subprocess.run([sys.executable, "-m", "mach_nix", "index", "build", "--index-url", server.base + "/simple",
                           "--quiet",
                           "--since", "2030-01-01", "--series-since", "2030-01-01", "--packages", *packages,
                           "--out", str(out)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr


def test_an_absent_project_is_fetched_cached_and_reused_offline(pypi, tmp_path):
    cache = tmp_path / "cache"
    done = lock(["--index", SMALL, "-o", "cold.json", "mnx-app[more]", "six"], cache=cache, server=pypi, cwd=tmp_path,
                stats=tmp_path / "stats.json")
    assert done.returncode == 0, done.stderr
    lock_doc = json.loads((tmp_path / "cold.json").read_text())
    assert pins(tmp_path / "cold.json") == {"mnx-app": "2.0", "mnx-lib": "2.1", "mnx-extra": "0.3", "six": "1.16.0",
                                            "setuptools": lock_doc["packages"]["setuptools"]["version"]}
    packages = lock_doc["packages"]
    remote_id = packages["mnx-app"]["index"]
    assert remote_id.startswith("remote-") and lock_doc["indexes"][remote_id] == {"kind": "remote",
                                                                                  "url": pypi.base + "/simple"}
    assert packages["six"]["index"].startswith("local-")
    assert lock_doc["indexes"][packages["six"]["index"]]["kind"] == "directory"
    # mnx-lib 2.1 has only an sdist: its build system was read from it, and resolved
    assert packages["mnx-lib"]["build_system"]["requires"] == ["setuptools>=61"]
    assert packages["mnx-extra"]["url"].startswith(pypi.base + "/files/")  # the page's relative URL, resolved
    # only what the resolution visited was read: no metadata of mnx-lib 1.x or mnx-app 1.0
    read = pypi.file_requests()
    assert not any(f.startswith(("mnx_lib-1.", "mnx_app-1.0")) for f in read), read
    assert "six" not in " ".join(pypi.log)  # the local layer has it: never asked for
    stats = json.loads((tmp_path / "stats.json").read_text())
    assert stats["requests"] == len(pypi.log) and stats["projects_fetched"] == 3

    # the cache is an index directory: mach-nix index verify accepts it
    cached = cache / "index-v1" / remote_id
    assert subprocess.run([sys.executable, "-m", "mach_nix", "index", "verify", str(cached)],
                          capture_output=True, text=True).returncode == 0

    before = len(pypi.log)
    done = lock(["--index", SMALL, "-o", "warm.json", "mnx-app[more]", "six"], cache=cache, server=pypi,
                offline=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert len(pypi.log) == before  # offline: not one request
    assert (tmp_path / "warm.json").read_bytes() == (tmp_path / "cold.json").read_bytes()


def test_a_release_outside_the_local_window_is_fetched(pypi, tmp_path):
    layer = tmp_path / "layer"
    build_layer(pypi, layer, "mnx-lib==2.0")  # 2.0 and the newest, 2.1
    cache = tmp_path / "cache"
    done = lock(["--index", str(layer), "-o", "old.json", "--no-build-deps", "mnx-lib<2"], cache=cache, server=pypi,
                cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    doc = json.loads((tmp_path / "old.json").read_text())
    assert doc["packages"]["mnx-lib"]["version"] == "1.5"
    assert doc["packages"]["mnx-lib"]["index"].startswith("remote-")
    pypi.log.clear()
    # a requirement the local layer serves never reaches the network, and the local layer wins
    done = lock(["--index", str(layer), "-o", "new.json", "--no-build-deps", "mnx-lib>=2"], cache=cache,
                server=pypi, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    doc = json.loads((tmp_path / "new.json").read_text())
    assert doc["packages"]["mnx-lib"]["version"] == "2.1" and doc["packages"]["mnx-lib"]["index"].startswith("local-")
    assert list(pypi.log) == []


def test_when_every_local_release_conflicts_older_ones_are_fetched(tmp_path):
    """The fastapi[all] + pydantic<2 shape: the local layer holds only releases whose extra needs
    mnx-settings>=2, which needs mnx-core>=2, which the user excludes; PyPI's older release works."""
    world = {
        "mnx-web": [Dist("1.0", requires=["mnx-core>=1", 'mnx-plain; extra == "all"'], extras=["all"],
                         upload_time="2019-01-01T00:00:00Z")]
                   + [Dist(v, requires=["mnx-core>=1", 'mnx-settings>=2; extra == "all"'], extras=["all"])
                      for v in ("2.0", "2.1", "3.0")],
        "mnx-settings": [Dist("2.0", requires=["mnx-core>=2"])],
        "mnx-core": [Dist("1.0"), Dist("2.0")],
        "mnx-plain": [Dist("1.0")],
    }
    with FakePyPI(world_routes(world)) as server:
        layer = tmp_path / "layer"
        build_layer(server, layer, "mnx-web==2.1", "mnx-web==3.0")
        done = lock(["--index", str(layer), "-o", "x.json", "--no-build-deps", "mnx-web[all]", "mnx-core<2"],
                    cache=tmp_path / "c", server=server, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    packages = json.loads((tmp_path / "x.json").read_text())["packages"]
    assert {n: p["version"] for n, p in packages.items()} == {"mnx-web": "1.0", "mnx-core": "1.0", "mnx-plain": "1.0"}
    assert packages["mnx-web"]["index"].startswith("remote-")


def test_the_first_layer_holding_a_release_wins(pypi, tmp_path):
    """Two local layers: each release comes from the first that holds it; together they offer the union."""
    first, second = tmp_path / "first", tmp_path / "second"
    build_layer(pypi, first, "mnx-lib==1.0", "mnx-lib==2.0")   # + the newest, 2.1
    build_layer(pypi, second, "mnx-lib==1.5", "mnx-lib==2.0")
    ids = {}
    for name, layer in (("first", first), ("second", second)):
        done = lock(["--index", str(layer), "-o", f"{name}.json", "--no-build-deps", "mnx-lib==2.0"],
                    cache=tmp_path / "c", offline=True, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        ids[name] = json.loads((tmp_path / f"{name}.json").read_text())["packages"]["mnx-lib"]["index"]
    assert ids["first"] != ids["second"]

    def origin(requirement: str) -> str:
        done = lock(["--index", str(first), "--index", str(second), "-o", "both.json", "--no-build-deps", requirement],
                    cache=tmp_path / "c", offline=True, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        entry = json.loads((tmp_path / "both.json").read_text())["packages"]["mnx-lib"]
        return {v: k for k, v in ids.items()}[entry["index"]] + " " + entry["version"]

    assert origin("mnx-lib==2.0") == "first 2.0"  # both hold it: the first wins
    assert origin("mnx-lib<1.2") == "first 1.0"
    assert origin("mnx-lib<2,>1.2") == "second 1.5"  # only the second holds it
    # --extra-index comes after the --index layers
    done = lock(["--index", str(second), "--extra-index", str(first), "-o", "extra.json", "--no-build-deps",
                 "mnx-lib==2.0"], cache=tmp_path / "c", offline=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads((tmp_path / "extra.json").read_text())["packages"]["mnx-lib"]["index"] == ids["second"]


def test_offline_names_every_absent_project_and_both_ways_out(tmp_path):
    done = lock(["--index", SMALL, "-o", "x.json", "mnx-app", "mnx-nothing", "requests"], cache=tmp_path / "c",
                offline=True, cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert "2 projects are not in the index at" in done.stderr and "(--offline)" in done.stderr
    assert "'mnx-app'" in done.stderr and "'mnx-nothing'" in done.stderr
    assert "Lock once without --offline" in done.stderr
    assert "mach-nix index add mnx-app mnx-nothing --closure --out DIR" in done.stderr
    # offline fetches nothing into the cache (it may only note which shards it checked)
    assert not (tmp_path / "x.json").exists() and not (tmp_path / "c" / "index-v1").exists()


def test_offline_names_every_absent_release_too(tmp_path):
    done = lock(["--index", SMALL, "-o", "x.json", "six<1.0", "requests==1.0.0", "mnx-nothing"], cache=tmp_path / "c",
                offline=True, cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    lines = done.stderr.splitlines()
    assert lines[0].startswith("error: 3 requirements need a project or release that is not in the index at ")
    assert "  project 'mnx-nothing', required by: command line, line 3: mnx-nothing" in lines
    assert any(line.startswith("  a release of six for six<1.0 (the layers hold ") for line in lines)
    assert any(line.startswith("  a release of requests for requests==1.0.0 ") for line in lines)
    assert "`mach-nix index add mnx-nothing 'requests==1.0.0' 'six==VERSION' --closure --out DIR`" in lines[-1]


def test_offline_names_the_releases_pypi_lists_that_the_layers_lack(pypi, tmp_path):
    """A layer knows every version PyPI listed when it was built, held or not: offline, the report
    names them with their upload day, and the `index add` command pins the newest that fits."""
    layer = tmp_path / "layer"
    build_layer(pypi, layer, "mnx-lib==2.0")  # holds 2.0 and the newest, 2.1; lists 1.0 and 1.5 too
    record = json.loads(next(p for p in layer.glob("*.json") if '"mnx-lib"' in p.read_text()).read_text())
    assert record["projects"]["mnx-lib"]["versions"] == {"1.0": "2019-01-01", "1.5": "2019-06-01",
                                                         "2.0": "2025-01-01", "2.1": "2025-01-01"}
    done = lock(["--index", str(layer), "-o", "x.json", "--no-build-deps", "mnx-lib<2"], cache=tmp_path / "c",
                offline=True, cwd=tmp_path)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert ("a release of mnx-lib for mnx-lib<2 (the layers hold 2.0 … 2.1; PyPI lists 2 such releases, "
            "the newest 1.5 (uploaded 2019-06-01))") in done.stderr
    assert "`mach-nix index add 'mnx-lib==1.5' --closure --out DIR`" in done.stderr
    done = lock(["--index", str(layer), "-o", "x.json", "--no-build-deps", "mnx-lib==1.2"], cache=tmp_path / "c",
                offline=True, cwd=tmp_path)
    assert done.returncode == 1
    assert "PyPI listed no such release when the index was built" in done.stderr


def test_a_project_the_server_lacks_is_reported_as_such(pypi, tmp_path):
    done = lock(["--index", SMALL, "-o", "x.json", "mnx-nothing"], cache=tmp_path / "c", server=pypi, cwd=tmp_path)
    assert done.returncode == 1
    assert f"{pypi.base}/simple does not list it either" in done.stderr


def test_concurrent_locks_fill_one_cache_without_losing_anything(pypi, tmp_path):
    cache = tmp_path / "cache"
    jobs = [["mnx-app"], ["mnx-extra"], ["mnx-lib<2", "--no-build-deps"], ["mnx-app[more]"]] * 2
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        results = list(pool.map(lambda i: lock(["--index", SMALL, "-o", f"{i}.json", *jobs[i]], cache=cache,
                                                server=pypi, cwd=tmp_path), range(len(jobs))))
    assert all(r.returncode == 0 for r in results), [r.stderr for r in results if r.returncode]
    records = {}
    for shard in (cache / "index-v1").glob("*/[0-9a-f][0-9a-f].json"):
        records.update(json.loads(shard.read_text())["projects"])
    assert set(records) == {"mnx-app", "mnx-lib", "mnx-extra"}
    # every file whose metadata any of the locks read is kept as read
    lib = records["mnx-lib"]["releases"]
    assert lib["1.5"][0]["metadata"] != "not-crawled" and lib["2.1"][0]["metadata"] != "not-crawled"
    meta = json.loads(next((cache / "index-v1").glob("*/metadata.json")).read_text())
    assert meta["projects"] == 3
    pypi.log.clear()
    for i, job in enumerate(jobs):  # and all of it is there offline
        done = lock(["--index", SMALL, "-o", f"again-{i}.json", *job], cache=cache, server=pypi, offline=True,
                    cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert (tmp_path / f"again-{i}.json").read_bytes() == (tmp_path / f"{i}.json").read_bytes()
    assert list(pypi.log) == []


def test_refresh_reads_the_page_again(pypi, tmp_path):
    cache = tmp_path / "cache"
    assert lock(["--index", SMALL, "-o", "a.json", "mnx-extra"], cache=cache, server=pypi, cwd=tmp_path).returncode == 0
    add_dist(pypi.routes, "mnx-extra", Dist("0.4"), serial=2)  # released since
    pypi.log.clear()
    assert lock(["--index", SMALL, "-o", "b.json", "mnx-extra"], cache=cache, server=pypi, cwd=tmp_path).returncode == 0
    assert pins(tmp_path / "b.json")["mnx-extra"] == "0.3" and list(pypi.log) == []  # the cache answers
    for flag in (["--refresh-package", "mnx-extra"], ["--refresh"]):
        out = tmp_path / f"c{len(flag)}.json"
        done = lock(["--index", SMALL, "-o", out.name, *flag, "mnx-extra"], cache=cache, server=pypi, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert pins(out)["mnx-extra"] == "0.4"
    # the refreshed page kept what was read before: 0.3's metadata is not read again
    assert sum(1 for f in pypi.file_requests() if f.startswith("mnx_extra-0.3")) == 0


def test_html_simple_api(tmp_path):
    with FakePyPI(world_routes(make_world(), html=True)) as server:
        done = lock(["--index", SMALL, "-o", "h.json", "mnx-app"], cache=tmp_path / "c", server=server, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert pins(tmp_path / "h.json")["mnx-lib"] == "2.1"


def test_a_fetched_project_locks_as_from_a_prebuilt_index(pypi, tmp_path):
    built = tmp_path / "built"
    build = subprocess.run([sys.executable, "-m", "mach_nix", "index", "build", "--index-url", pypi.base + "/simple",
                            "--quiet",
                            "--packages", "mnx-app[more]", "--closure", "--since", "2000-01-01", "--out", str(built)],
                           capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stderr
    args = ["-o", "x.json", "mnx-app[more]", "six"]
    prebuilt = lock(["--index", SMALL, "--extra-index", str(built), *args[:1], "pre.json", *args[2:]],
                    cache=tmp_path / "c1", server=pypi, cwd=tmp_path)
    fetched = lock(["--index", SMALL, *args[:1], "fetched.json", *args[2:]], cache=tmp_path / "c2", server=pypi,
                   cwd=tmp_path)
    assert prebuilt.returncode == 0 and fetched.returncode == 0, prebuilt.stderr + fetched.stderr

    def comparable(path: Path) -> Dict[str, dict]:
        packages = json.loads(path.read_text())["packages"]
        return {n: {k: v for k, v in e.items() if k != "index"} for n, e in packages.items()}

    assert comparable(tmp_path / "pre.json") == comparable(tmp_path / "fetched.json")


def test_an_unreachable_server_is_a_network_error(tmp_path):
    import socket

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ)
    env.pop("MACH_NIX_OFFLINE", None)
    done = subprocess.run([sys.executable, "-m", "mach_nix", "lock", "--index", SMALL, "--cache-dir", str(tmp_path / "c"),
                           "--index-url", f"http://127.0.0.1:{port}/simple", "-o", "x.json", "mnx-app"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 4, done.stderr
    assert "Traceback" not in done.stderr and "--offline" in done.stderr and f"127.0.0.1:{port}" in done.stderr


def test_a_flaky_server_gives_the_same_lock(tmp_path):
    """429s, 5xx, resets, stalls and truncated bodies on a third of the requests: retried, same lock."""
    with FakePyPI(world_routes(make_world())) as calm:
        assert lock(["--index", SMALL, "-o", "calm.json", "mnx-app[more]"], cache=tmp_path / "c1", server=calm,
                    cwd=tmp_path).returncode == 0
    with FakePyPI(world_routes(make_world()), seed=7, rate=0.3, stall_seconds=0.5) as flaky:
        done = lock(["--index", SMALL, "-o", "flaky.json", "mnx-app[more]"], cache=tmp_path / "c2", server=flaky,
                    cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert sum(flaky.log.injected.values()) > 0
    calm_doc, flaky_doc = (json.loads((tmp_path / n).read_text()) for n in ("calm.json", "flaky.json"))
    strip = lambda doc: {n: {k: v for k, v in e.items() if k not in ("url", "index")}  # noqa: E731 (ports differ)
                         for n, e in doc["packages"].items()}
    assert strip(calm_doc) == strip(flaky_doc)


def test_a_file_that_keeps_failing_is_a_network_error_and_the_rest_is_kept(pypi, tmp_path):
    pypi.fail = lambda path: 503 if "mnx_extra" in path else None  # every read of mnx-extra's files fails
    cache = tmp_path / "cache"
    done = lock(["--index", SMALL, "-o", "x.json", "mnx-app[more]"], cache=cache, server=pypi, cwd=tmp_path)
    assert done.returncode == 4, done.stderr
    assert "Traceback" not in done.stderr and "mnx_extra-0.3" in done.stderr and "--offline" in done.stderr
    assert not (tmp_path / "x.json").exists()
    # what was fetched before the failure is in the cache: the pages, and mnx-app's metadata
    records = {}
    for shard in (cache / "index-v1").glob("*/[0-9a-f][0-9a-f].json"):
        records.update(json.loads(shard.read_text())["projects"])
    assert {"mnx-app", "mnx-lib", "mnx-extra"} <= set(records)
    assert records["mnx-app"]["releases"]["2.0"][0]["metadata"] != "not-crawled"
