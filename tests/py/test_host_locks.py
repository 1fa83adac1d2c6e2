"""The committed test locks made for another host Python (tests/nix/tools/retarget.py): what Nix
tests on a Debian 13 host (CPython 3.13) use instead of the CPython 3.11 locks."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from mach_nix.lock import validate

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "nix" / "tools"))
from retarget import LOCKS, WHEELS, retarget, write_host_locks  # noqa: E402


@pytest.mark.parametrize("python", ["3.12", "3.13"])
def test_every_committed_lock_retargets_to_valid_wheels_of_that_python(python, tmp_path):
    written = write_host_locks(tmp_path, python, f"{python}.1")
    assert {"requests", "numpy", "scipy", "example-app", "example-data-science"} <= set(written)
    for name, path in written.items():
        lock = json.loads(path.read_text())
        validate(lock, str(path))
        if name == "requests-py312":
            assert lock["target"]["python"] != python  # still a lock for another interpreter
            continue
        assert lock["target"]["python"] == python
        for entry in lock["packages"].values():
            filename = entry.get("filename", "")
            assert "-cp311-" not in filename, (name, filename)
            if filename.endswith(".whl") and "-cp3" in filename:
                cp = f"cp{python.replace('.', '')}"
                assert f"-{cp}-{cp}-" in filename and all(t.startswith(f"{cp}-{cp}-") for t in entry["wheel_tags"])
    numpy = json.loads(written["numpy"].read_text())["packages"]["numpy"]
    assert numpy["filename"] == f"numpy-2.1.3-cp{python.replace('.', '')}-cp{python.replace('.', '')}-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
    assert numpy["sha256"] == WHEELS["numpy-2.1.3-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"][python]["sha256"]


def test_the_base_python_keeps_the_committed_files():
    lock = json.loads((LOCKS / "numpy.json").read_text())
    assert retarget(lock, "3.11", "3.11.9")["packages"] == lock["packages"]


@pytest.mark.network
def test_recorded_wheels_match_their_sha256():
    from test_locked_files import sha256_of_url

    files = {v["url"]: v["sha256"] for per_python in WHEELS.values() for v in per_python.values()}
    assert len(files) == 8
    assert {url: sha256_of_url(url) for url in files} == files
