"""The user cache never loses what it stored and never hands out unchecked bytes (issue 23, points 1-2).

A save is cut short between each of its steps (by an exception raised at the step, and by a real
SIGKILL in a subprocess); the next reader must find everything the earlier saves stored, and
``index verify`` must find the cache sound. Corrupted shards, a lost or garbled ``metadata.json``,
and records of the wrong shape are not used.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Dict, List

import orjson
import pytest

from mach_nix.index.storage import cache_journal
from mach_nix.index.storage.cache import CacheIndex, finish_interrupted_save
from mach_nix.index.storage.cache_journal import JOURNAL_FILE
from mach_nix.index.storage.pack import verify
from mach_nix.index.storage.schema import METADATA_FILE, shard_of

ROOT = Path(__file__).resolve().parents[3]
URL = "http://127.0.0.1:9/simple"


def record(name: str, version: str) -> Dict:
    filename = f"{name.replace('-', '_')}-{version}-py3-none-any.whl"
    return {"name": name, "last_serial": 1, "deps": {}, "versions": {version: "2024-01-01"},
            "releases": {version: [{"filename": filename, "sha256": hashlib.sha256(filename.encode()).hexdigest(),
                                    "url": f"http://127.0.0.1:9/files/{filename}", "size": 10,
                                    "upload_time": "2024-01-01", "metadata": "not-crawled"}]}}


FIRST = {f"proj-{i}": record(f"proj-{i}", "1.0") for i in range(6)}
# the second save touches three shards the first wrote and adds new projects
SECOND = {**{f"proj-{i}": record(f"proj-{i}", "2.0") for i in range(3)},
          **{f"new-{i}": record(f"new-{i}", "1.0") for i in range(3)}}


def versions(cache_dir: Path, name: str) -> List[str]:
    found = CacheIndex(cache_dir, URL).read(name)
    return sorted(found["releases"]) if found else []


def assert_sound(cache_dir: Path) -> None:
    """What a killed save may leave: every first-save release there, each second-save record whole or
    absent, `verify` clean, no temporary file left."""
    reader = CacheIndex(cache_dir, URL)
    for name in FIRST:
        got = reader.read(name)
        assert got is not None and "1.0" in got["releases"], name
    for name in SECOND:
        got = reader.read(name)
        before = set(FIRST[name]["releases"]) if name in FIRST else None
        assert (got["releases"].keys() if got else None) in (before, before and before | {"2.0"}, {"1.0"}), name
    assert reader.rejected == {}
    assert verify(cache_dir) == []
    assert not list(cache_dir.glob(".*.tmp")) and not (cache_dir / JOURNAL_FILE).exists()


@pytest.fixture
def baseline(tmp_path: Path) -> Path:
    directory = tmp_path / "base"
    CacheIndex(directory, URL).save(dict(FIRST))
    assert verify(directory) == []
    return directory


def count_writes(tmp_path: Path, baseline: Path) -> int:
    """How many atomic writes and unlinks the second save makes (its steps)."""
    probe = tmp_path / "probe"
    shutil.copytree(baseline, probe)
    calls = []
    real = cache_journal.atomic_write_bytes
    cache_journal.atomic_write_bytes = lambda *a: (calls.append(a[0]), real(*a))[1]
    try:
        CacheIndex(probe, URL).save(dict(SECOND))
    finally:
        cache_journal.atomic_write_bytes = real
    return len(calls) + 1  # + the journal's removal


class Killed(BaseException):
    pass


def test_a_save_cut_short_at_each_step_loses_nothing(tmp_path, baseline, monkeypatch):
    steps = count_writes(tmp_path, baseline)
    assert steps >= 5  # journal, 3+ shards, metadata.json, removal
    for step in range(steps):
        directory = tmp_path / f"cut-{step}"
        shutil.copytree(baseline, directory)
        done = []
        real_write, real_unlink = cache_journal.atomic_write_bytes, cache_journal.os.unlink

        def write(path, data, _done=done, _step=step):
            if len(_done) == _step:
                raise Killed
            _done.append(path)
            real_write(path, data)

        def unlink(path, _done=done, _step=step):
            if len(_done) == _step:
                raise Killed
            real_unlink(path)

        monkeypatch.setattr(cache_journal, "atomic_write_bytes", write)
        monkeypatch.setattr(cache_journal.os, "unlink", unlink)
        with pytest.raises(Killed):
            CacheIndex(directory, URL).save(dict(SECOND))
        monkeypatch.undo()
        if step:
            assert (directory / JOURNAL_FILE).exists()
        assert_sound(directory)
        CacheIndex(directory, URL).save(dict(SECOND))  # the save done again completes it
        assert versions(directory, "proj-0") == ["1.0", "2.0"] and versions(directory, "new-2") == ["1.0"]
        assert verify(directory) == []


KILLER = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    sys.path.insert(0, sys.argv[4])
    from test_cache_integrity import SECOND, URL
    from mach_nix.index.storage.cache import CacheIndex
    kill_at, kind = int(sys.argv[2]), sys.argv[3]
    seen = [0]
    real = getattr(os, kind)
    def step(*args, **kwargs):
        seen[0] += 1
        if seen[0] == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)   # mid-step: after the fsync, before the rename
        return real(*args, **kwargs)
    setattr(os, kind, step)
    CacheIndex(Path(sys.argv[1]), URL).save(dict(SECOND))
""")


@pytest.mark.parametrize("kind", ["replace", "fsync"])
def test_a_save_killed_by_sigkill_anywhere_is_recovered(tmp_path, baseline, kind):
    script = tmp_path / "killer.py"
    script.write_text(KILLER)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "py"), os.environ.get("PYTHONPATH", "")]))
    steps = count_writes(tmp_path, baseline) - 1  # each write renames once and fsyncs once
    killed = 0
    for step in range(1, steps + 2):
        directory = tmp_path / f"{kind}-{step}"
        shutil.copytree(baseline, directory)
        run = subprocess.run([sys.executable, str(script), str(directory), str(step), kind, str(Path(__file__).parent)],
                             env=env, capture_output=True, text=True, timeout=120)
        killed += run.returncode == -9
        assert run.returncode in (0, -9), run.stderr
        if kind == "fsync" and run.returncode == -9:
            assert list(directory.glob(".*.tmp"))  # the kill left a temporary file
        assert verify(directory) == [] or (directory / JOURNAL_FILE).exists()
        assert finish_interrupted_save(directory) == (run.returncode == -9)
        assert_sound(directory)
    assert killed == steps  # every step was killed once, and the last run completed


def test_a_lost_or_garbled_metadata_json_is_rebuilt_from_the_shards(baseline):
    for damage in (b"", b"{not json", b"[]", b'{"shards": 5}', None):
        meta = baseline / METADATA_FILE
        if damage is None:
            meta.unlink()
        else:
            meta.write_bytes(damage)
        assert versions(baseline, "proj-4") == ["1.0"]  # the reader rebuilt it
        assert verify(baseline) == []
        CacheIndex(baseline, URL).save({"new-0": record("new-0", "1.0")})
        assert all(versions(baseline, name) == ["1.0"] for name in FIRST)


def test_a_save_after_lost_metadata_never_writes_an_existing_shard_empty(baseline):
    before = {p.name: p.read_bytes() for p in baseline.glob("??.json")}
    (baseline / METADATA_FILE).unlink()
    cache = CacheIndex(baseline, URL)
    cache._prepared = True  # the save alone, as a writer that never read first
    cache.save({"new-1": record("new-1", "1.0")})
    changed = {name for name, data in before.items() if (baseline / name).read_bytes() != data}
    assert changed <= {f"{shard_of('new-1')}.json"}
    assert all(versions(baseline, name) == ["1.0"] for name in FIRST)


def flip_sha_digit(path: Path, name: str) -> None:
    doc = orjson.loads(path.read_bytes())
    node = doc["projects"][name]["releases"]["1.0"][0]
    node["sha256"] = ("0" if node["sha256"][0] != "0" else "1") + node["sha256"][1:]
    path.write_bytes(orjson.dumps(doc))


def test_a_changed_shard_is_not_read_and_is_replaced_by_the_next_save(baseline):
    shard = baseline / f"{shard_of('proj-1')}.json"
    flip_sha_digit(shard, "proj-1")
    reader = CacheIndex(baseline, URL)
    assert reader.read("proj-1") is None
    assert str(shard) in reader.reason("proj-1") and "sha256" in reader.reason("proj-1")
    assert verify(baseline) != []
    CacheIndex(baseline, URL).save({"proj-1": record("proj-1", "1.0")})  # fetched again
    assert versions(baseline, "proj-1") == ["1.0"] and verify(baseline) == []


@pytest.mark.parametrize("cut", [1, 100, -1])
def test_a_truncated_shard_is_not_read(baseline, cut):
    shard = baseline / f"{shard_of('proj-2')}.json"
    data = shard.read_bytes()
    shard.write_bytes(data[:cut])
    assert CacheIndex(baseline, URL).read("proj-2") is None


def rewrite_consistently(directory: Path, shard: str, doc) -> None:
    """A shard edited together with its hash in metadata.json (only the shape check can refuse it)."""
    data = orjson.dumps(doc)
    (directory / f"{shard}.json").write_bytes(data)
    meta = orjson.loads((directory / METADATA_FILE).read_bytes())
    meta["shards"][shard] = hashlib.sha256(data).hexdigest()
    (directory / METADATA_FILE).write_bytes(orjson.dumps(meta))


@pytest.mark.parametrize("bad", [5, {"name": "kombu", "deps": {}, "releases": {"5.0": 5}},
                                 {"name": "kombu", "deps": {}, "releases": {"5.0": [{"filename": "k.whl"}]}},
                                 {"name": "kombu", "deps": [], "releases": {}}])
def test_a_record_of_the_wrong_shape_is_not_cached(baseline, bad):
    shard = shard_of("kombu")
    rewrite_consistently(baseline, shard, {"projects": {"kombu": bad}, "schema": 2, "shard": shard})
    cache = CacheIndex(baseline, URL)
    assert cache.read("kombu") is None
    assert "malformed" in cache.reason("kombu")
    cache.save({"kombu": record("kombu", "5.0")})  # fetched again: the bad record is dropped
    assert versions(baseline, "kombu") == ["5.0"] and verify(baseline) == []


def test_recovery_without_metadata_sets_aside_shards_of_the_wrong_shape(baseline):
    shard = shard_of("kombu")
    (baseline / f"{shard}.json").write_bytes(orjson.dumps({"projects": {"kombu": 5}, "schema": 2, "shard": shard}))
    (baseline / METADATA_FILE).unlink()
    assert versions(baseline, "kombu") == [] and versions(baseline, "proj-3") == ["1.0"]
    assert (baseline / f"{shard}.json.corrupt").exists()
    assert verify(baseline) == []


def test_a_changed_cache_shard_is_fetched_again_online_and_reported_offline(tmp_path):
    """End to end: one sha256 digit edited in a cache shard never reaches a lock."""
    from faults.fakepypi import FakePyPI
    from faults.world import world_routes
    from test_on_demand import SMALL, lock, make_world

    args = ["--index", SMALL, "--no-build-deps", "mnx-lib==2.0"]
    cache_root = tmp_path / "c"
    with FakePyPI(world_routes(make_world())) as server:
        first = lock(args + ["-o", "first.json"], cache=cache_root, server=server, cwd=tmp_path)
        assert first.returncode == 0, first.stderr
        directory = cache_root / "index-v1" / next(p.name for p in (cache_root / "index-v1").iterdir())
        shard = directory / f"{shard_of('mnx-lib')}.json"
        doc = orjson.loads(shard.read_bytes())
        node = doc["projects"]["mnx-lib"]["releases"]["2.0"][0]
        node["sha256"] = ("0" if node["sha256"][0] != "0" else "1") + node["sha256"][1:]
        shard.write_bytes(orjson.dumps(doc))

        offline = lock(args + ["-o", "offline.json"], cache=cache_root, server=server, offline=True, cwd=tmp_path)
        assert offline.returncode == 1 and "Traceback" not in offline.stderr
        assert "failed its check" in offline.stderr and str(shard) in offline.stderr
        assert "Lock once without --offline" in offline.stderr and "--refresh" in offline.stderr
        assert not (tmp_path / "offline.json").exists()

        server.log.clear()
        again = lock(args + ["-o", "again.json"], cache=cache_root, server=server, cwd=tmp_path)
        assert again.returncode == 0, again.stderr
        assert "/simple/mnx-lib/" in server.log  # fetched again, not taken from the changed shard
    assert (tmp_path / "again.json").read_bytes() == (tmp_path / "first.json").read_bytes()
    assert verify(directory) == []


def test_a_recovery_cut_short_at_each_step_is_recovered_in_turn(tmp_path, baseline, monkeypatch):
    """A save killed after its journal and two shards; then the recovery itself is cut at each of its steps."""
    killed = tmp_path / "killed"
    shutil.copytree(baseline, killed)
    real_write = cache_journal.atomic_write_bytes
    written = []

    def write_three(path, data):
        if len(written) == 3:
            raise Killed
        written.append(path)
        real_write(path, data)

    monkeypatch.setattr(cache_journal, "atomic_write_bytes", write_three)
    with pytest.raises(Killed):
        CacheIndex(killed, URL).save(dict(SECOND))
    monkeypatch.undo()
    flip_sha_digit(killed / f"{shard_of('proj-5')}.json", "proj-5")  # and one shard changed on disk meanwhile
    for step in range(8):
        directory = tmp_path / f"recover-{step}"
        shutil.copytree(killed, directory)
        done = []

        def write(path, data, _done=done, _step=step):
            if len(_done) == _step:
                raise Killed
            _done.append(path)
            real_write(path, data)

        monkeypatch.setattr(cache_journal, "atomic_write_bytes", write)
        try:
            cache_journal.recover(directory, URL)
        except Killed:
            pass
        monkeypatch.undo()
        assert cache_journal.recover(directory, URL)
        reader = CacheIndex(directory, URL)
        assert all(reader.read(name) is not None for name in FIRST if name != "proj-5")
        assert reader.read("proj-5") is None and verify(directory) == []
        assert (directory / f"{shard_of('proj-5')}.json.corrupt").exists()


def test_index_verify_of_a_cache_a_kill_left_completes_the_save_and_finds_it_sound(tmp_path, baseline, monkeypatch):
    real_write = cache_journal.atomic_write_bytes
    written = []

    def write_two(path, data):
        if len(written) == 2:
            raise Killed
        written.append(path)
        real_write(path, data)

    monkeypatch.setattr(cache_journal, "atomic_write_bytes", write_two)
    with pytest.raises(Killed):
        CacheIndex(baseline, URL).save(dict(SECOND))
    monkeypatch.undo()
    assert verify(baseline) != []  # as the kill left it: a shard renamed in, metadata.json not yet
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "py"), os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run([sys.executable, "-m", "mach_nix", "index", "verify", str(baseline)], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "cut short" in done.stderr and "is sound" in done.stdout
    assert not (baseline / JOURNAL_FILE).exists()
