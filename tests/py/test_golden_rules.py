"""Rules that exist in Python and in Nix (the Nix twins read other tools' locks and the index with no
import from derivation) held to one table of golden cases each, under tests/data/golden/:
name normalisation and shard ids (names.json), file URLs of index nodes (file-urls.json), PEP 508
markers for a target (markers.json), which wheels install and in which order (wheel-tags.json).
Each table is checked against the Python rule here and against the Nix rule by one evaluation.
(specifiers.json and lock-fields.json have files of their own.)"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from packaging.markers import Marker
from packaging.utils import parse_wheel_filename

from mach_nix.index.schema import file_url, shard_of
from mach_nix.names import normalize
from mach_nix.resolve.requirements import parse_marker
from mach_nix.resolve.target import Target

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "data" / "golden"


def cases(name: str) -> list[dict[str, Any]]:
    return json.loads((GOLDEN / name).read_text())["cases"]


def nix_eval(expr: str) -> Any:
    proc = subprocess.run(["nix-instantiate", "--eval", "--strict", "--json", "--expr",
                           f"let lib = import {ROOT / 'tests' / 'nixpkgs-shim' / 'lib.nix'}; "
                           f"golden = f: (builtins.fromJSON (builtins.readFile ({GOLDEN} + \"/${{f}}\"))).cases; in {expr}"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


def test_python_names_and_shards() -> None:
    for c in cases("names.json"):
        assert (normalize(c["name"]), shard_of(c["name"])) == (c["normalized"], c["shard"]), c


def test_python_file_urls() -> None:
    for c in cases("file-urls.json"):
        assert file_url(c["node"]) == c["url"], c


def test_python_markers() -> None:
    for c in cases("markers.json"):
        env = dict(Target.create(c["python_full"], c["system"]).environment, extra="")
        parsed = parse_marker(c["marker"])
        fast = (parsed[1] == "") if type(parsed) is tuple else bool(parsed.evaluate(env))
        assert (fast, Marker(c["marker"]).evaluate(env)) == (c["holds"], c["holds"]), c


def test_python_wheel_tags() -> None:
    for c in cases("wheel-tags.json"):
        t = c["target"]
        target = Target.create(t["python_full"], t["system"], t["glibc"], t["macos"])

        def rank(f: str) -> int | None:
            ranks = [target.tag_priority[str(tag)] for tag in parse_wheel_filename(f)[3] if str(tag) in target.tag_priority]
            return min(ranks) if ranks else None
        assert [rank(f) is not None for f in c["files"]] == c["installs"], t
        assert [f for _, f in sorted((rank(f), f) for f in c["files"] if rank(f) is not None)] == c["order"], t


@pytest.mark.nix
def test_nix_twins_agree_with_the_golden_cases() -> None:
    got = nix_eval(
        f"let names = import {ROOT / 'lib' / 'names.nix'} {{ inherit lib; }}; "
        f"foreign = import {ROOT / 'lib' / 'foreign-lock.nix'} {{ inherit lib; }}; "
        f"markers = import {ROOT / 'lib' / 'markers.nix'} {{ inherit lib; }}; "
        f"tags = import {ROOT / 'lib' / 'wheel-tags.nix'} {{ inherit lib; }}; "
        "rankOf = t: f: tags.rank t f; "
        "order = t: fs: map (x: x.f) (builtins.sort (a: b: if a.r == b.r then a.f < b.f else a.r < b.r) "
        "  (map (f: { inherit f; r = rankOf t f; }) (builtins.filter (f: rankOf t f != null) fs))); in {"
        " names = map (c: [ (names.normalize c.name) (foreign.shardOf (names.normalize c.name)) ]) (golden \"names.json\");"
        " urls = map (c: foreign.indexFileUrl c.node) (golden \"file-urls.json\");"
        " markers = map (c: markers.evaluate (markers.environment { python = let v = lib.splitString \".\" c.python_full; in \"${builtins.elemAt v 0}.${builtins.elemAt v 1}\"; inherit (c) python_full system; }) c.marker) (golden \"markers.json\");"
        " tags = map (c: { installs = map (f: rankOf c.target f != null) c.files; order = order c.target c.files; }) (golden \"wheel-tags.json\"); }")
    assert got["names"] == [[c["normalized"], c["shard"]] for c in cases("names.json")]
    assert got["urls"] == [c["url"] for c in cases("file-urls.json")]
    wrong = [(c["marker"], c["python_full"], c["system"]) for c, g in zip(cases("markers.json"), got["markers"]) if g != c["holds"]]
    assert wrong == []
    assert got["tags"] == [{"installs": c["installs"], "order": c["order"]} for c in cases("wheel-tags.json")]
