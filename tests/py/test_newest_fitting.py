"""The newest release that fits, whatever the layer holding it (issue 21, point 1).

A local layer holds a window of releases; its ``versions`` table lists every release PyPI had. A
listed release the layers lack is a candidate in its place in the version order: online the
remote layer is asked for it, offline the lock names it with the command that fetches it. Every
lock runs the real CLI against the loopback PyPI of tests/py/faults, with its own cache.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import orjson

from faults.fakepypi import FakePyPI
from faults.world import Dist, world_routes
from mach_nix.index.storage.store import Index, write_index
from test_on_demand import build_layer, lock, pins

OLD = "2015-01-01T00:00:00Z"


def lock_offline_with_warnings(args: list, *, cache: Path, cwd: Path) -> subprocess.CompletedProcess:
    """`mach-nix lock --offline` without --quiet, so that its warnings are on stderr."""
    cmd = [sys.executable, "-m", "mach_nix", "lock", "--cache-dir", str(cache), "--offline", *args]
    return subprocess.run(cmd, cwd=cwd, env=dict(os.environ), capture_output=True, text=True, timeout=300)


def html_world() -> dict:
    """The html5lib-on-3.9 shape: every release of mnx-web in the window needs Python 3.10, the
    release that fits 3.9 is old; mnx-html 0.9 is an ancient release that needs nothing."""
    return {
        "mnx-html": [Dist("0.9", wheels=[], upload_time=OLD), Dist("1.1", requires=["mnx-web"])],
        "mnx-web": [Dist("0.5.1", upload_time="2017-04-05T00:00:00Z"),
                    Dist("0.6.0", requires_python=">=3.10"), Dist("0.6.1", requires_python=">=3.10")],
    }


def plot_world() -> dict:
    """The matplotlib-on-3.8 shape: the layer holds the newest release (Python 3.10+) and an ancient
    one; the newest release for 3.8 is one the layer lacks but lists."""
    return {"mnx-plot": [Dist("1.0", wheels=[], upload_time=OLD),
                         Dist("3.7", requires_python=">=3.8", upload_time="2023-01-01T00:00:00Z"),
                         Dist("3.8", requires_python=">=3.9", upload_time="2024-01-01T00:00:00Z"),
                         Dist("3.9", requires_python=">=3.10")]}


def test_the_look_ahead_asks_pypi_for_a_dependency_only_it_can_serve(tmp_path):
    with FakePyPI(world_routes(html_world())) as server:
        layer = tmp_path / "layer"
        build_layer(server, layer, "mnx-html==0.9", "mnx-web==0.6.0")  # + the newest of each: 1.1, 0.6.1
        done = lock(["--index", str(layer), "-o", "x.json", "--no-build-deps", "--python", "3.9", "mnx-html"],
                    cache=tmp_path / "c", server=server, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    packages = json.loads((tmp_path / "x.json").read_text())["packages"]
    assert pins(tmp_path / "x.json") == {"mnx-html": "1.1", "mnx-web": "0.5.1"}
    assert packages["mnx-html"]["index"].startswith("local-")
    assert packages["mnx-web"]["index"].startswith("remote-")


def test_offline_the_release_the_look_ahead_needs_is_named_with_the_command(tmp_path):
    with FakePyPI(world_routes(html_world())) as server:
        layer = tmp_path / "layer"
        build_layer(server, layer, "mnx-html==0.9", "mnx-web==0.6.0")
    done = lock_offline_with_warnings(["--index", str(layer), "-o", "x.json", "--no-build-deps", "--python", "3.9",
                                       "mnx-html"], cache=tmp_path / "c", cwd=tmp_path)
    assert done.returncode == 0, done.stderr  # the ancient release is all the layers can serve offline
    assert pins(tmp_path / "x.json") == {"mnx-html": "0.9"}
    assert "mnx-html 1.1 is newer than the locked 0.9" in done.stderr
    assert "`mach-nix index add 'mnx-web==0.5.1' --closure --out DIR`" in done.stderr


def test_an_ancient_local_release_does_not_win_over_a_newer_listed_one(tmp_path):
    with FakePyPI(world_routes(plot_world())) as server:
        layer = tmp_path / "layer"
        build_layer(server, layer, "mnx-plot==1.0")  # 1.0 and the newest, 3.9; lists 3.7 and 3.8
        done = lock(["--index", str(layer), "-o", "x.json", "--no-build-deps", "--python", "3.8", "mnx-plot"],
                    cache=tmp_path / "c", server=server, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert pins(tmp_path / "x.json") == {"mnx-plot": "3.7"}
        server.log.clear()
        done = lock(["--index", str(layer), "-o", "y.json", "--no-build-deps", "--python", "3.8", "mnx-plot"],
                    cache=tmp_path / "c", server=server, offline=True, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert server.log == []  # the page fetched once serves the offline lock from the cache
    assert pins(tmp_path / "y.json") == {"mnx-plot": "3.7"}


def test_offline_without_the_page_the_lock_says_which_newer_release_to_fetch(tmp_path):
    with FakePyPI(world_routes(plot_world())) as server:
        layer = tmp_path / "layer"
        build_layer(server, layer, "mnx-plot==1.0")
    done = lock_offline_with_warnings(["--index", str(layer), "-o", "x.json", "--no-build-deps", "--python", "3.8",
                                       "mnx-plot"], cache=tmp_path / "c", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert pins(tmp_path / "x.json") == {"mnx-plot": "1.0"}
    assert "mnx-plot 3.8 is newer than the locked 1.0" in done.stderr
    assert "mach-nix index add 'mnx-plot==3.8' --closure --out DIR" in done.stderr


def _forget_dependencies(layer: Path, name: str, version: str) -> None:
    """Rewrite ``layer`` as if the crawler could not read the dependencies of ``name`` ``version``'s files."""
    index = Index.open(layer)
    shards = {}
    for shard in index.metadata["shards"]:
        projects = orjson.loads(orjson.dumps(index.shard(shard)))
        if name in projects:
            for node in projects[name]["releases"][version]:
                node["metadata"] = "unknown"
                node.pop("requires_dist", None)
        shards[shard] = projects
    write_index(layer, shards, "json")


def test_a_release_whose_dependencies_are_known_is_preferred_and_the_lock_says_why(tmp_path):
    world = {"mnx-app": [Dist("1.0", requires=["mnx-dep"], upload_time="2024-01-01T00:00:00Z"),
                         Dist("2.0", requires=["mnx-dep"], wheels=[])],
             "mnx-dep": [Dist("1.0")]}
    with FakePyPI(world_routes(world)) as server:
        layer = tmp_path / "layer"
        build_layer(server, layer, "mnx-app==1.0", "mnx-dep")
    _forget_dependencies(layer, "mnx-app", "2.0")
    done = lock_offline_with_warnings(["--index", str(layer), "-o", "x.json", "--no-build-deps", "mnx-app"],
                                      cache=tmp_path / "c", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert pins(tmp_path / "x.json") == {"mnx-app": "1.0", "mnx-dep": "1.0"}
    assert "mnx-app 1.0 is locked rather than the newer 2.0, whose dependencies are unknown" in done.stderr
    # asked for by name, the release is taken, and flagged
    done = lock(["--index", str(layer), "-o", "y.json", "--no-build-deps", "mnx-app==2.0"], cache=tmp_path / "c",
                offline=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads((tmp_path / "y.json").read_text())["packages"]["mnx-app"]["dependencies_unknown"] is True


def test_offline_a_release_that_cannot_fit_without_a_listed_one_is_an_error_naming_it(tmp_path):
    with FakePyPI(world_routes(html_world())) as server:
        layer = tmp_path / "layer"
        build_layer(server, layer, "mnx-html==0.9", "mnx-web==0.6.0")
    done = lock(["--index", str(layer), "-o", "x.json", "--no-build-deps", "--python", "3.9", "mnx-html==1.1",
                 "--failure-json", "failure.json"], cache=tmp_path / "c", offline=True, cwd=tmp_path)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "a release of mnx-web for mnx-web (the layers hold 0.6.0 … 0.6.1; PyPI lists 0.5.1" in done.stderr
    failure = json.loads((tmp_path / "failure.json").read_text())["failure"]
    assert failure["kind"] == "absent" and failure["absent_projects"] == []
    assert failure["commands"] == ["mach-nix index add 'mnx-web==0.5.1' --closure --out DIR"]
