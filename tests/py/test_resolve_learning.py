"""Learning from conflicts (issue 21, point 2): the chromadb/google-generativeai shape, constructed.

Two pinned roots: ``mnx-chroma==1.0`` wants an exporter, an SDK, an instrumentation and an API;
``mnx-genai==1.0`` pins ``mnx-lang==1.0``, which needs ``mnx-pb<5``. Every exporter release above
1.27 needs (through ``mnx-proto==1.X``) ``mnx-pb>=5``; every one from 1.16 to 1.27 pins the SDK to
its own minor (``~=1.X.0``), whose one release pins the API (``==1.X``), while the newest
``mnx-fastapi`` and every instrumentation (through ``mnx-semconv==0.X``) pin it too. Only the
exporters up to 1.15, which accept any SDK 1.x, fit with the newest of everything else: uv's
answer for the real set (opentelemetry-exporter-otlp-proto-grpc 1.15.0).

A resolver that finds the conflicts only after pinning the chains below each exporter walks the
instrumentation releases for every exporter (the real set stopped at its 60 s budget). Here the
rounds are counted, not timed.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Dict, List

import pytest

from mach_nix.errors import ResolutionImpossible
from mach_nix.index.storage.schema import shard_of
from mach_nix.index.storage.store import Index, write_index
from mach_nix.inputs.requirements_txt import read_requirement_text
from mach_nix.resolve.candidates import parse_providers
from mach_nix.index.storage.lazy_index import LazyIndex
from mach_nix.resolve.request import build_request
from mach_nix.resolve.resolver import Resolution, resolve
from mach_nix.resolve.target import Target

MINORS = range(10, 31)  # releases 1.10 … 1.30 (API, SDK, proto, exporter) and 0.10 … 0.30 (instrumentation)


def project(name: str, releases: Dict[str, List[str]], sdists: bool = False) -> dict:
    """An index record: one pure wheel per release (and with ``sdists`` an sdist stating the same
    requirements), with these Requires-Dist lines."""
    deps: Dict[str, List[str]] = {}
    files = {}
    for version, requires in releases.items():
        key = hashlib.sha256("\n".join(requires).encode()).hexdigest()[:12]
        deps[key] = requires
        stem = f"{name.replace('-', '_')}-{version}"
        names = [f"{stem}-py3-none-any.whl"] + ([f"{stem}.tar.gz"] if sdists else [])
        files[version] = [{"filename": filename, "sha256": hashlib.sha256(filename.encode()).hexdigest(),
                           "size": 1, "upload_time": "2024-01-01T00:00:00Z", "metadata": "pep658",
                           "requires_dist": key, "url": f"https://example.invalid/{filename}"} for filename in names]
    return {"name": name, "last_serial": 1, "deps": deps, "releases": files,
            "versions": {v: "2024-01-01" for v in releases}}


def world() -> Dict[str, dict]:
    one = {f"1.{x}": [] for x in MINORS}
    return {
        "mnx-chroma": {"1.0": ["mnx-api>=1.0", "mnx-exporter>=1.0", "mnx-sdk>=1.0", "mnx-instr>=0.1", "mnx-fastapi"]},
        "mnx-genai": {"1.0": ["mnx-lang==1.0"]},
        "mnx-lang": {"1.0": ["mnx-pb<5"]},
        "mnx-pb": {"4.0": [], "5.0": []},
        "mnx-api": one,
        "mnx-sdk": {f"1.{x}": [f"mnx-api==1.{x}"] for x in MINORS},
        "mnx-proto": {f"1.{x}": ["mnx-pb<5" if x <= 27 else "mnx-pb>=5"] for x in MINORS},
        "mnx-exporter": {f"1.{x}": ["mnx-api~=1.10", f"mnx-proto==1.{x}",
                                    "mnx-sdk~=1.10" if x <= 15 else f"mnx-sdk~=1.{x}.0"] for x in MINORS},
        "mnx-fastapi": {"1.0": [], "2.0": ["mnx-api>=1.29"]},
        "mnx-instr": {f"0.{x}": [f"mnx-semconv==0.{x}"] for x in MINORS},
        "mnx-semconv": {f"0.{x}": [f"mnx-api==1.{x}"] for x in MINORS},
    }


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("learning-index")
    shards: Dict[str, Dict[str, dict]] = {}
    for name, releases in world().items():
        shards.setdefault(shard_of(name), {})[name] = project(name, releases)
    write_index(out, shards, "json", created_at="2026-01-01T00:00:00Z")
    return out


def run(index_dir: Path, text: str) -> Resolution:
    index = LazyIndex(Index.open(index_dir))
    target = Target.create("3.11", "x86_64-linux", "2.28")
    request = build_request(read_requirement_text(text), index, target, parse_providers(None), {})
    return resolve(index, target, request, build=False, max_seconds=None, max_memory_mb=None)


def unmet(pins: Dict[str, str]) -> List[str]:
    """The requirements of the world's chosen releases (roots' included) that ``pins`` do not meet."""
    from packaging.requirements import Requirement

    out = []
    for name, version in pins.items():
        for text in world()[name][version]:
            req = Requirement(text)
            if req.name not in pins or not req.specifier.contains(pins[req.name], prereleases=True):
                out.append(f"{name} {version} requires {text}")
    return out


def test_the_newer_exporters_are_ruled_out_in_few_rounds(index_dir):
    res = run(index_dir, "mnx-chroma==1.0\nmnx-genai==1.0\n")
    pins = {name: pkg.candidate.vstr for name, pkg in res.packages.items()}
    assert unmet(pins) == []
    assert pins["mnx-pb"] == "4.0" and pins["mnx-exporter"] in {f"1.{x}" for x in range(10, 28)}
    # one round per pin and a few for the exporters whose implied pins conflict: no walk below them
    assert res.rounds < 3 * len(pins), res.rounds


def test_an_impossible_variant_still_names_the_conflicting_requirements(index_dir):
    with pytest.raises(ResolutionImpossible) as caught:
        run(index_dir, "mnx-chroma==1.0\nmnx-genai==1.0\nmnx-exporter>=1.28\n")
    message = caught.value.message
    assert "mnx-pb" in message and "mnx-lang 1.0 requires mnx-pb<5" in message
    assert "mnx-exporter>=1.28" in message


def test_a_release_whose_files_state_the_same_requirements_is_tried_once(tmp_path):
    """mnx-a N needs mnx-b>=N, mnx-c needs mnx-b<3: backtracking walks mnx-a down. Each release has a
    wheel and an sdist stating the same requirements; once the wheel fails, the sdist would fail
    alike, so the walk goes to the next release instead (half the rounds of trying both)."""
    releases = {"mnx-a": {f"{n}.0": [f"mnx-b>={n}"] for n in range(1, 10)},
                "mnx-b": {f"{n}.0": [] for n in range(1, 10)},
                "mnx-c": {"1.0": ["mnx-b<3", "mnx-d"]}, "mnx-d": {"1.0": []}}
    shards: Dict[str, Dict[str, dict]] = {}
    for name, by_version in releases.items():
        shards.setdefault(shard_of(name), {})[name] = project(name, by_version, sdists=True)
    write_index(tmp_path, shards, "json", created_at="2026-01-01T00:00:00Z")
    res = run(tmp_path, "mnx-a\nmnx-c\n")
    assert {n: (p.candidate.vstr, p.candidate.provider) for n, p in res.packages.items()} == {
        "mnx-a": ("2.0", "wheel"), "mnx-b": ("2.0", "wheel"), "mnx-c": ("1.0", "wheel"), "mnx-d": ("1.0", "wheel")}
    assert res.rounds <= 30, res.rounds  # trying each sdist after its wheel takes about twice as many
