"""Lock schema v1: deterministic bytes, read/validate with clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mach_nix.cli import main
from mach_nix.errors import MachNixError
from mach_nix.lock import dumps, read, validate

INDEX = str(Path(__file__).resolve().parents[2] / "data" / "index-small")


@pytest.fixture()
def lock_path(tmp_path) -> Path:
    out = tmp_path / "mach-nix.lock.json"
    assert main(["lock", "--index", INDEX, "-q", "-o", str(out), "requests[socks]", "docopt"]) == 0
    return out


def test_lock_content(lock_path):
    lock = read(lock_path)
    assert lock["lock_version"] == 1 and lock["roots"] == ["docopt", "requests"]
    assert lock["target"]["python"] == "3.11" and lock["target"]["glibc"] == "2.40"
    assert lock["index"]["created_at"] == "2026-11-20T00:00:00Z" and len(lock["index"]["metadata_sha256"]) == 64
    requests = lock["packages"]["requests"]
    assert requests["version"] == "2.32.3" and requests["provider"] == "wheel"
    assert requests["dependencies"] == ["certifi", "charset-normalizer", "idna", "pysocks", "urllib3"]
    assert requests["extras"] == ["socks"] and requests["wheel_tags"] == ["py3-none-any"]
    assert requests["url"].endswith("/requests-2.32.3-py3-none-any.whl") and len(requests["sha256"]) == 64
    assert requests["requires_python"] == ">=3.8"
    assert lock["packages"]["pysocks"]["name"] == "PySocks"
    docopt = lock["packages"]["docopt"]
    assert docopt["provider"] == "sdist" and "wheel_tags" not in docopt
    assert docopt["build_system"] == {"requires": ["setuptools>=40.8.0", "wheel"],
                                      "backend": "setuptools.build_meta:__legacy__", "source": "default",
                                      "dependencies": ["setuptools", "wheel"]}
    assert lock["packages"]["setuptools"]["build_only"] is True
    assert lock["inputs"]["requirements"] == ["requests[socks]", "docopt"]


def test_lock_is_deterministic(lock_path, tmp_path):
    again = tmp_path / "again.json"
    assert main(["lock", "--index", INDEX, "-q", "-o", str(again), "docopt", "requests[socks]"]) == 0
    first, second = json.loads(lock_path.read_text()), json.loads(again.read_text())
    for lock in (first, second):  # the requirements in the order given, and so the command line
        lock["inputs"].pop("requirements"), lock["inputs"].pop("arguments")
    assert dumps(first) == dumps(second)
    assert lock_path.read_bytes() == dumps(read(lock_path))  # sorted keys, stable formatting


def test_validate_catches_inconsistencies(lock_path):
    lock = read(lock_path)
    lock["packages"]["requests"]["dependencies"].append("ghost")
    with pytest.raises(MachNixError, match="depends on 'ghost'"):
        validate(lock, "x.json")
    lock = read(lock_path)
    del lock["packages"]["idna"]["sha256"]
    with pytest.raises(MachNixError, match="lacks 'sha256'"):
        validate(lock, "x.json")
    lock = read(lock_path)
    lock["lock_version"] = 2
    with pytest.raises(MachNixError, match="lock_version is 2"):
        validate(lock, "x.json")


def test_read_errors(tmp_path):
    with pytest.raises(MachNixError, match="does not exist"):
        read(tmp_path / "nope.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    with pytest.raises(MachNixError, match="not valid JSON"):
        read(bad)


def test_lz4_index_gives_the_same_lock(tmp_path):
    from mach_nix.index.storage.pack import pack

    packed = tmp_path / "lz4"
    pack(Path(INDEX), packed, "lz4")
    outs = []
    for index in (INDEX, str(packed)):
        out = tmp_path / f"{len(outs)}.json"
        assert main(["lock", "--index", index, "-q", "-o", str(out), "dask[complete]", "docopt"]) == 0
        lock = read(out)
        outs.append((lock.pop("index"), lock))
    assert outs[0][1] == outs[1][1]


def test_write_to_a_device_or_fifo_writes_in_place(tmp_path):
    import os
    import threading

    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    assert main(["lock", "--index", INDEX, "-q", "-o", str(fifo), "idna"]) == 0
    reader.join(10)
    assert fifo.is_fifo() and b'"lock_version": 1' in got[0]


def test_no_build_deps_marks_build_systems_unresolved(tmp_path):
    out = tmp_path / "lock.json"
    assert main(["lock", "--index", INDEX, "-q", "--no-build-deps", "-o", str(out), "docopt"]) == 0
    lock = read(out)
    assert lock["packages"]["docopt"]["build_system"]["resolved"] is False
    assert set(lock["packages"]) == {"docopt"}
