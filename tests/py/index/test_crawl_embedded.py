"""The embedded index in data/: sound, and complete for every requirement set in shared/bench/."""

from __future__ import annotations

from pathlib import Path

import pytest
from packaging.version import Version

from mach_nix.index.storage.pack import verify
from mach_nix.index.storage.store import Index, default_index_dir

ROOT = Path(__file__).resolve().parents[3]
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


def test_embedded_index_is_within_its_budgets_and_knows_every_release(tmp_path) -> None:
    """<= 100 MB of JSON, <= 25 MB packed (issue #9); at least the top 2,000; a versions table per project."""
    from mach_nix.index.storage.pack import pack

    json_bytes = sum(p.stat().st_size for p in DATA.glob("*.json"))
    pack(DATA, tmp_path / "lz4")
    lz4_bytes = sum(p.stat().st_size for p in (tmp_path / "lz4").glob("*"))
    assert json_bytes <= 100_000_000 and lz4_bytes <= 25_000_000, (json_bytes, lz4_bytes)
    index = Index.open(DATA)
    assert index.metadata["projects"] >= 2000 and index.metadata["scope"]["top"] == 2000
    sqlalchemy = index.project("sqlalchemy")
    assert sqlalchemy is not None and "1.3.24" in sqlalchemy["versions"] and "1.3.24" not in sqlalchemy["releases"]
    assert set(sqlalchemy["releases"]) <= set(sqlalchemy["versions"])


PINS = ROOT / "tests" / "data" / "bench-pins"


@pytest.mark.parametrize("name", sorted(p.stem for p in BENCH.glob("*.txt")) or ["none"])
def test_bench_set_pins_are_in_the_embedded_index(name: str) -> None:
    """Every version uv picked for the set when the index was built (recorded by
    scripts/record-bench-pins.py, see its docstring) is in data/.

    Offline on purpose: what uv picks from PyPI today changes every day (new releases, files a
    mirror back-fills with an earlier upload time), so the check is against the record.
    """
    assert (BENCH / f"{name}.txt").exists(), f"bench set {name} not found in {BENCH}"
    record = PINS / f"{name}.txt"
    assert record.exists(), f"no recorded pins for {name}: run scripts/record-bench-pins.py --index data"
    pins = [line.split("==") for line in record.read_text().splitlines() if line and not line.startswith("#")]
    assert len(pins) >= 20
    index = Index.open(DATA)
    missing = []
    for pkg, version in pins:
        project = index.project(pkg)
        if project is None or not any(Version(v) == Version(version) for v in project["releases"]):
            missing.append(f"{pkg}=={version}")
    assert missing == []
