"""The embedded index in data/: sound, and complete for every requirement set in shared/bench/."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from packaging.version import Version

from mach_nix.index.pack import verify
from mach_nix.index.store import Index, default_index_dir

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT.parent / "shared" / "bench"
DATA = default_index_dir()


def test_embedded_index_verifies_and_has_requests() -> None:
    assert verify(DATA) == []
    index = Index.open(DATA)
    requests = index.project("requests")
    assert requests is not None
    newest = max(requests["releases"], key=Version)
    wheel = [n for n in requests["releases"][newest] if n["filename"].endswith(".whl")][0]
    assert wheel["metadata"] in ("pep658", "range", "wheel")
    deps = requests["deps"][wheel["requires_dist"]]
    assert any(d.startswith("urllib3") for d in deps)


@pytest.mark.network
@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(p.stem for p in BENCH.glob("*.txt")) or ["none"])
def test_bench_set_pins_are_in_the_embedded_index(name: str) -> None:
    """uv resolves the set against PyPI as of the index's creation time; every package and pinned
    version it picks must be in data/."""
    uv = shutil.which("uv")
    assert uv is not None, "uv is missing: .ci/setup installs it"
    assert (BENCH / f"{name}.txt").exists(), f"bench set {name} not found in {BENCH}"
    index = Index.open(DATA)
    out = subprocess.run(
        [uv, "pip", "compile", "--quiet", "--no-header", "--python-version", "3.11",
         "--python-platform", "x86_64-manylinux_2_28", "--exclude-newer", index.metadata["created_at"],
         str(BENCH / f"{name}.txt")],
        check=True, capture_output=True, text=True, timeout=600,
    ).stdout
    missing = []
    for line in out.splitlines():
        if "==" not in line or line.startswith((" ", "#")):
            continue
        pkg, version = line.split(";")[0].strip().split("==")
        project = index.project(pkg.split("[")[0])
        if project is None or not any(Version(v) == Version(version) for v in project["releases"]):
            missing.append(f"{pkg}=={version}")
    assert missing == []
