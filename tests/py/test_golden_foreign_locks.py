"""One table of foreign-lock conversions (tests/data/golden/foreign-locks.json) for the rule that
exists twice: `mach-nix lock --from` (py/mach_nix/inputs/foreign/) and lib/foreign-lock.nix, which
converts uv.lock, poetry.lock and pylock.toml while Nix evaluates (no import from derivation).

Each case is a lock of tests/data/foreign/, the extras and groups to install and a fixed target;
`expected` holds the roots and, per package, the fields that decide the build. Both sides read the
index tests/data/golden/foreign-index/ (the locks' projects, cut from data/), so a refresh of the
embedded index does not move the table. After a deliberate change of the rule, rewrite `expected`
with `bash .ci/python tests/py/test_golden_foreign_locks.py --write` and review the diff.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "data" / "golden"
TABLE = GOLDEN / "foreign-locks.json"
INDEX = GOLDEN / "foreign-index"
FOREIGN = ROOT / "tests" / "data" / "foreign"
FIELDS = ("version", "provider", "filename", "url", "sha256", "dependencies", "extras", "wheel_tags")
CASES: List[Dict[str, Any]] = json.loads(TABLE.read_text())["cases"]


def essentials(lock: Dict[str, Any]) -> Dict[str, Any]:
    """The roots and, per package, the fields the table records (build_system: its requirements)."""
    packages = {name: {k: e.get(k) for k in FIELDS} | {"build_system": (e.get("build_system") or {}).get("requires")}
                for name, e in lock["packages"].items()}
    return {"roots": lock["roots"], "packages": packages}


def cli_conversion(case: Dict[str, Any], out: Path) -> Dict[str, Any]:
    t = case["target"]
    cmd = [sys.executable, "-m", "mach_nix", "lock", "--from", str(FOREIGN / case["lock"]), "--offline", "-q",
           "--index", str(INDEX), "--python", t["python_full"], "--system", t["system"], "-o", str(out)]
    cmd += ["--glibc", t["glibc"]] if t.get("glibc") else []
    cmd += ["--macos", t["macos"]] if t.get("macos") else []
    cmd += [a for x in case["extras"] for a in ("--extra", x)] + [a for g in case["groups"] for a in ("--group", g)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return essentials(json.loads(out.read_text()))


def nix_conversions() -> List[Dict[str, Any]]:
    """lib/foreign-lock.nix `toLock` of every case, in one evaluation with import from derivation off."""
    expr = (f"let lib = import {ROOT / 'tests' / 'nixpkgs-shim' / 'lib.nix'}; "
            f"foreign = import {ROOT / 'lib' / 'foreign-lock.nix'} {{ inherit lib; }}; "
            f"cases = (builtins.fromJSON (builtins.readFile {TABLE})).cases; "
            "target = t: { python = builtins.head (builtins.match \"([0-9]+[.][0-9]+).*\" t.python_full); "
            "  inherit (t) python_full system; implementation = \"cpython\"; glibc = t.glibc or null; macos = t.macos or null; }; "
            "convert = c: foreign.toLock { "
            f"  path = {FOREIGN} + \"/${{c.lock}}\"; pypiData = {INDEX}; target = target c.target; inherit (c) extras groups; }}; "
            "essentials = l: { inherit (l) roots; packages = lib.mapAttrs (_: e: { "
            + " ".join(f"{k} = e.{k} or null;" for k in FIELDS)
            + " build_system = (e.build_system or { }).requires or null; }) l.packages; }; "
            "in map (c: essentials (convert c)) cases")
    proc = subprocess.run(["nix-instantiate", "--eval", "--strict", "--json", "--option", "allow-import-from-derivation",
                           "false", "--expr", expr], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


def test_the_table_covers_every_format() -> None:
    formats = {Path(c["lock"]).name for c in CASES}
    assert {"uv.lock", "poetry.lock", "pylock.toml"} <= formats
    print(f"foreign-locks.json: {len(CASES)} conversions, {sum(len(c['expected']['packages']) for c in CASES)} entries")


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_cli_conversion_agrees_with_the_golden_cases(case: Dict[str, Any], tmp_path: Path) -> None:
    assert cli_conversion(case, tmp_path / "lock.json") == case["expected"]


@pytest.mark.nix
def test_lib_foreign_lock_agrees_with_the_golden_cases() -> None:
    got = nix_conversions()
    wrong = [c["name"] for c, g in zip(CASES, got) if g != c["expected"]]
    assert wrong == [], [(c["name"], g) for c, g in zip(CASES, got) if c["name"] in wrong]


def write_expected() -> None:
    """Rewrite every case's `expected` from the CLI (after a deliberate change of the rule)."""
    import tempfile

    doc = json.loads(TABLE.read_text())
    with tempfile.TemporaryDirectory() as tmp:
        for case in doc["cases"]:
            case["expected"] = cli_conversion(case, Path(tmp) / "lock.json")
    TABLE.write_text(json.dumps(doc, indent=2) + "\n")


if __name__ == "__main__" and sys.argv[1:] == ["--write"]:
    write_expected()
