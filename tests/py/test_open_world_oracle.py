"""Oracle for the open world: every set in shared/bench/ and all its subfolders (the main four, conflicts/,
open-world/) must lock, fetching from PyPI whatever the embedded index lacks, and uv must agree.

Each set is locked online with one cache index (`--cache-dir`) shared by the module, empty at its
start, so later sets reuse what earlier ones fetched. uv then compiles the same file with our runtime
pins as `==` constraints at the lock's own full Python version (its target's `python_full`), on
x86_64 manylinux_2_28, and must pick exactly our set of (name, version). Only validity is asserted,
never equality with today's newest releases, so the test stays true as PyPI grows.
"""

from __future__ import annotations

import pytest

from oracle_support import BENCH, assert_uv_agrees, bench_sets, lock

PYTHON = "3.11.13"


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("mach-nix-cache")


@pytest.mark.network
@pytest.mark.parametrize("name", bench_sets())
def test_uv_agrees_with_our_open_world_lock(name, cache_dir, tmp_path):
    requirements = BENCH / f"{name}.txt"
    ours = lock(requirements, ["--python", PYTHON, "--glibc", "2.28", "--cache-dir", str(cache_dir)],
                tmp_path / "lock.json", online=True)
    python_full = ours["target"]["python_full"]
    assert python_full == PYTHON
    assert_uv_agrees(requirements, ours, ["--python-version", python_full, "--python-platform",
                                          "x86_64-manylinux_2_28"], tmp_path)
