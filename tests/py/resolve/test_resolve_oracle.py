"""Oracle: uv, given our lock's pins as == constraints, must accept them and pick exactly our set.

Locks against the embedded index (data/), fetching from PyPI only what it lacks; uv reads PyPI.
What this proves: our set is *valid* (every requirement and marker holds, and nothing is missing or
extra). It cannot prove our versions are the *newest*: once uv accepts the `==` pins, the version
comparison below can only agree. That is checked offline in test_resolve_newest.py, against uv's
own choice recorded when the index was built.
Targets: CPython 3.11.0 (uv's reading of --python-version 3.11) on x86_64 manylinux_2_28, and
CPython 3.12.0 on Apple silicon with macOS 11.3 (uv told so via MACOSX_DEPLOYMENT_TARGET).
"""

from __future__ import annotations

import pytest

from oracle_support import BENCH, assert_uv_agrees, lock

# conflicts/fastapi-pydantic1: the newest releases of fastapi[all] all need pydantic 2; uv takes 0.99.1 too.
# conflicts/chromadb-genai and llm-app: what exact pins force (protobuf<5 through google-ai-generativelanguage) and
# what a requirement admitting one release implies (opentelemetry-sdk~=1.27.0 → opentelemetry-api==1.27.0) rule
# the newer opentelemetry exporters out at once (resolve/forced.py).
# The other conflict sets need releases the index does not hold (test_resolve_bounded.py checks their messages);
# test_open_world_oracle.py locks every set, these included, fetching from PyPI what the index lacks.
SETS = ["airflow", "ds", "ml", "web", "conflicts/fastapi-pydantic1", "conflicts/chromadb-genai", "conflicts/llm-app"]
TARGETS = {
    # name: (our options, uv options, extra environment for uv)
    "linux": (["--python", "3.11.0", "--glibc", "2.28"],
              ["--python-version", "3.11", "--python-platform", "x86_64-manylinux_2_28"], {}),
    "darwin": (["--python", "3.12.0", "--system", "aarch64-darwin", "--macos", "11.3"],
               ["--python-version", "3.12", "--python-platform", "aarch64-apple-darwin"],
               {"MACOSX_DEPLOYMENT_TARGET": "11.3"}),
}


@pytest.mark.network
@pytest.mark.parametrize("target", sorted(TARGETS))
@pytest.mark.parametrize("name", SETS)
def test_uv_agrees_with_our_lock(name, target, tmp_path):
    ours_opts, uv_opts, uv_env = TARGETS[target]
    requirements = BENCH / f"{name}.txt"
    # the embedded index, and PyPI for what it lacks (fastapi 0.99.1, older than the embedded window)
    ours = lock(requirements, ours_opts, tmp_path / "lock.json", online=True)
    assert_uv_agrees(requirements, ours, uv_opts, tmp_path, uv_env)
