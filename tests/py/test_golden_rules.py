"""Rules that exist in Python and in Nix (the Nix twins read other tools' locks and the index with no
import from derivation) held to one table of golden cases each, under tests/data/golden/:

  names.json      PEP 503 name normalisation and the index's shard id   names.py, index/storage/schema.py | lib/names.nix, lib/index-schema.nix
  file-urls.json  where an index file node's file is                     index/storage/schema.py           | lib/index-schema.nix
  markers.json    PEP 508 markers for a target                           resolve/target.py         | lib/markers.nix
  wheel-tags.json which wheels install, and in which order               resolve/target.py         | lib/wheel-tags.nix
  versions.json   PEP 440 version order                                  packaging.version         | lib/versions.nix compare

Each table is checked against the Python rule and against the Nix rule (one evaluation for all);
the test ids carry the number of cases. specifiers.json, lock-fields.json and foreign-locks.json
have test files of their own (test_golden_specifiers.py, test_lock_fields.py/test_nix_lock_fields.py,
test_golden_foreign_locks.py).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any, Callable, Dict, List

import pytest
from packaging.markers import Marker
from packaging.utils import parse_wheel_filename
from packaging.version import Version

from mach_nix.index.storage.schema import file_url, shard_of
from mach_nix.names import normalize
from mach_nix.resolve.provider import parse_marker
from mach_nix.resolve.target import Target

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "data" / "golden"
RULES = ("names.json", "file-urls.json", "markers.json", "wheel-tags.json", "versions.json")


def cases(name: str) -> List[Dict[str, Any]]:
    return json.loads((GOLDEN / name).read_text())["cases"]


def rule_id(name: str) -> str:
    return f"{name}:{len(cases(name))}-cases"


# --- the Python rules, each case -> what the table records ------------------------------------------

def python_names(c: Dict[str, Any]) -> Any:
    return [normalize(c["name"]), shard_of(c["name"])]


def python_file_url(c: Dict[str, Any]) -> Any:
    return file_url(c["node"])


def python_marker(c: Dict[str, Any]) -> Any:
    env = dict(Target.create(c["python_full"], c["system"]).environment, extra="")
    parsed = parse_marker(c["marker"])
    fast = (parsed[1] == "") if type(parsed) is tuple else bool(parsed.evaluate(env))
    full = Marker(c["marker"]).evaluate(env)
    return fast if fast == full else ("the resolver's fast path and packaging disagree", fast, full)


def python_wheel_tags(c: Dict[str, Any]) -> Any:
    t = c["target"]
    target = Target.create(t["python_full"], t["system"], t["glibc"], t["macos"])

    def rank(f: str) -> int | None:
        ranks = [target.tag_priority[str(tag)] for tag in parse_wheel_filename(f)[3] if str(tag) in target.tag_priority]
        return min(ranks) if ranks else None
    return {"installs": [rank(f) is not None for f in c["files"]],
            "order": [f for _, f in sorted((rank(f), f) for f in c["files"] if rank(f) is not None)]}


def python_version_order(c: Dict[str, Any]) -> Any:
    a, b = Version(c["a"]), Version(c["b"])
    return (a > b) - (a < b)


PYTHON: Dict[str, Callable[[Dict[str, Any]], Any]] = {
    "names.json": python_names, "file-urls.json": python_file_url, "markers.json": python_marker,
    "wheel-tags.json": python_wheel_tags, "versions.json": python_version_order}


def expected(name: str, c: Dict[str, Any]) -> Any:
    """What the table says the rule gives for case `c`."""
    if name == "names.json":
        return [c["normalized"], c["shard"]]
    if name == "file-urls.json":
        return c["url"]
    if name == "markers.json":
        return c["holds"]
    if name == "wheel-tags.json":
        return {"installs": c["installs"], "order": c["order"]}
    return c["order"]


@pytest.mark.parametrize("name", RULES, ids=[rule_id(n) for n in RULES])
def test_python_rule_agrees_with_the_golden_cases(name: str) -> None:
    wrong = [(c, got) for c in cases(name) if (got := PYTHON[name](c)) != expected(name, c)]
    assert wrong == []


# --- the Nix rules: one evaluation of every table ------------------------------------------------

NIX_EXPR = (
    f"let lib = import {ROOT / 'tests' / 'nixpkgs-shim' / 'lib.nix'}; "
    f"golden = f: (builtins.fromJSON (builtins.readFile ({GOLDEN} + \"/${{f}}\"))).cases; "
    f"names = import {ROOT / 'lib' / 'names.nix'} {{ inherit lib; }}; "
    f"schema = import {ROOT / 'lib' / 'index-schema.nix'} {{ inherit lib; }}; "
    f"markers = import {ROOT / 'lib' / 'markers.nix'} {{ inherit lib; }}; "
    f"tags = import {ROOT / 'lib' / 'wheel-tags.nix'} {{ inherit lib; }}; "
    f"versions = import {ROOT / 'lib' / 'versions.nix'} {{ inherit lib; }}; "
    "rankOf = t: f: tags.rank t f; "
    "order = t: fs: map (x: x.f) (builtins.sort (a: b: if a.r == b.r then a.f < b.f else a.r < b.r) "
    "  (map (f: { inherit f; r = rankOf t f; }) (builtins.filter (f: rankOf t f != null) fs))); "
    "pythonOf = full: builtins.head (builtins.match \"([0-9]+[.][0-9]+).*\" full); in {"
    " \"names.json\" = map (c: [ (names.normalize c.name) (schema.shardOf (names.normalize c.name)) ]) (golden \"names.json\");"
    " \"file-urls.json\" = map (c: schema.fileUrl c.node) (golden \"file-urls.json\");"
    " \"markers.json\" = map (c: markers.evaluate (markers.environment { python = pythonOf c.python_full; inherit (c) python_full system; }) c.marker)"
    "   (golden \"markers.json\");"
    " \"wheel-tags.json\" = map (c: { installs = map (f: rankOf c.target f != null) c.files; order = order c.target c.files; })"
    "   (golden \"wheel-tags.json\");"
    " \"versions.json\" = map (c: versions.compare c.a c.b) (golden \"versions.json\"); }")


@pytest.fixture(scope="module")
def nix_results(nix_installation: str) -> Dict[str, List[Any]]:
    """Every table through its Nix twin, once per Nix installation."""
    proc = subprocess.run(["nix-instantiate", "--eval", "--strict", "--json", "--expr", NIX_EXPR],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


@pytest.mark.nix
@pytest.mark.parametrize("name", RULES, ids=[rule_id(n) for n in RULES])
def test_nix_twin_agrees_with_the_golden_cases(name: str, nix_results: Dict[str, List[Any]]) -> None:
    got = nix_results[name]
    assert len(got) == len(cases(name))
    wrong = [(c, g) for c, g in zip(cases(name), got) if g != expected(name, c)]
    assert wrong == []
