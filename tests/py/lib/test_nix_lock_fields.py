"""Nix refuses a lock whose url, path or sha256 could steer a tool, before it calls a fetcher.

lib/lock-fields.nix is checked against the cases of tests/data/golden/lock-fields.json (shared with
tests/py/lock/test_lock_fields.py), and `mkPython { lockFile }` on a crafted lock throws a message naming
the package and the field, with no derivation instantiated for it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
LOCK = ROOT / "tests" / "nix" / "locks" / "host" / "requests.json"  # made for this host (conftest)
COMMON = f"with import {ROOT / 'tests' / 'nix' / 'common.nix'} {{ }}; "
GOLDEN = json.loads((ROOT / "tests" / "data" / "golden" / "lock-fields.json").read_text())["cases"]
NIX_FIELDS = ("url", "path", "sha256")

pytestmark = [
    pytest.mark.nix,
]


def nix_eval(expr: str) -> subprocess.CompletedProcess:
    return subprocess.run(["nix-instantiate", "--eval", "--strict", "--json", "--expr", expr], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)


def test_lib_agrees_with_the_golden_cases(tmp_path: Path) -> None:
    # Nix strings cannot hold NUL: those cases cannot reach Nix from a lock at all
    cases = [c for c in GOLDEN if c["field"] in NIX_FIELDS and "\x00" not in c["value"]]
    (tmp_path / "cases.json").write_text(json.dumps(cases))
    expr = (COMMON + f"let fields = import {ROOT / 'lib' / 'lock-fields.nix'} {{ inherit lib; }}; in "
            f"map (c: fields.problem c.field c.value == null) (importJSON {tmp_path / 'cases.json'})")
    proc = nix_eval(expr)
    assert proc.returncode == 0, proc.stderr[-3000:]
    got = json.loads(proc.stdout)
    wrong = [(c["field"], c["value"], c["why"]) for c, ok in zip(cases, got) if ok != c["ok"]]
    assert not wrong


def _crafted(tmp_path: Path, package: str, field: str, value: str) -> Path:
    lock = json.loads(LOCK.read_text())
    entry = lock["packages"][package]
    if field == "path":
        entry.pop("url", None)
    entry[field] = value
    path = tmp_path / "crafted.lock.json"
    path.write_text(json.dumps(lock, indent=2, sort_keys=True))
    return path


@pytest.mark.parametrize("field, value", [
    ("url", "-K/tmp/mach-nix-curl-config"),
    ("url", "https://files.example/x.whl --output /tmp/elsewhere"),
    ("url", "file:///etc/passwd"),
    ("path", "../../../etc/passwd"),
    ("path", "/etc/passwd"),
    ("sha256", "0" * 63),
])
def test_a_crafted_lock_is_refused_before_any_fetcher(tmp_path: Path, field: str, value: str) -> None:
    lock = _crafted(tmp_path, "certifi", field, value)
    proc = nix_eval(COMMON + f"(machNix.mkPython {{ lockFile = {lock}; }}).drvPath")
    assert proc.returncode != 0, "the crafted lock evaluated"
    assert f"mach-nix: the lock's package certifi has an invalid '{field}'" in proc.stderr, proc.stderr[-3000:]


def test_the_lock_as_written_still_evaluates() -> None:
    proc = nix_eval(COMMON + f"(machNix.mkPython {{ lockFile = {LOCK}; }}).drvPath")
    assert proc.returncode == 0, proc.stderr[-3000:]


def test_the_stand_ins_fetcher_passes_the_url_after_double_dash() -> None:
    """Called directly (past lib/'s check), the stand-in's fetchurl hands curl `-K FILE` as a URL, not
    as a config file whose second url/output pair makes curl write outside $out (the Nix tests run
    without a sandbox; the builder runs as a build user, so the directory is world-writable)."""
    where = Path(tempfile.mkdtemp(prefix="mach-nix-curl-", dir="/tmp"))
    try:
        where.chmod(0o777)
        config = where / "curlrc"
        written = where / "written-by-curl"
        config.write_text(f'url = "file://{config}"\nurl = "file://{config}"\n'
                          f'output = "{written}"\noutput = "{written}"\n')
        config.chmod(0o644)
        expr = COMMON + f'pkgs.fetchurl {{ url = "-K{config}"; name = "x"; sha256 = "{"0" * 52}"; }}'
        proc = subprocess.run(["nix-build", "--expr", expr, "--no-out-link"], cwd=ROOT, capture_output=True,
                              text=True, timeout=600)
        assert proc.returncode != 0
        assert not written.exists(), "curl read the URL as an option: " + proc.stderr[-2000:]
    finally:
        shutil.rmtree(where, ignore_errors=True)
