"""Lock fields that reach tools (url, path, sha256, filename, version, name) are checked before use.

The cases are shared with the Nix test (tests/py/lib/test_nix_lock_fields.py) in
tests/data/golden/lock-fields.json; here they are checked by mach_nix.lock_fields, and a lock
carrying each refused value is refused by `mach-nix tree` and `why` with exit 2, naming the package
and the field, in one paragraph.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from mach_nix.errors import MachNixError
from mach_nix.lock import read
from mach_nix.lock_fields import SDIST_SUFFIXES, field_problem

DATA = Path(__file__).resolve().parents[2] / "data"
GOLDEN = json.loads((DATA / "golden" / "lock-fields.json").read_text())["cases"]
LOCK_FIELDS = ("url", "path", "sha256", "filename", "version")  # the fields of a package entry


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mach_nix", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


@pytest.fixture(scope="module")
def lock_json(tmp_path_factory) -> dict:
    """A valid lock of idna (a wheel) from the small test index."""
    where = tmp_path_factory.mktemp("lock")
    done = cli("lock", "--index", str(DATA / "index-small"), "-o", "lock.json", "idna", cwd=where)
    assert done.returncode == 0, done.stderr
    return json.loads((where / "lock.json").read_text())


@pytest.mark.parametrize("case", GOLDEN, ids=[f"{c['field']}-{c['why']}" for c in GOLDEN])
def test_golden_case(case: dict) -> None:
    problem = field_problem(case["field"], case["value"])
    assert (problem is None) == case["ok"], problem


def _packaging_accepts(field: str, value: str) -> bool:
    from packaging.utils import InvalidName, InvalidSdistFilename, InvalidWheelFilename, canonicalize_name
    from packaging.utils import parse_sdist_filename, parse_wheel_filename

    try:
        if field == "name":
            canonicalize_name(value, validate=True)
        elif value.endswith(".whl"):
            parse_wheel_filename(value)
        else:
            suffix = next((s for s in SDIST_SUFFIXES if value.endswith(s)), None)
            if suffix is None:
                return False
            stem = value[: -len(suffix)]
            parse_sdist_filename(stem + ".tar.gz")
            canonicalize_name(stem.rpartition("-")[0], validate=True)
    except (InvalidName, InvalidSdistFilename, InvalidWheelFilename):
        return False
    return True


GRAMMAR = [c for c in GOLDEN if c["field"] in ("name", "filename")]


@pytest.mark.parametrize("case", GRAMMAR, ids=[f"{c['field']}-{c['why']}" for c in GRAMMAR])
def test_the_grammar_agrees_with_packaging(case: dict) -> None:
    """lock_fields checks names and filenames without packaging.utils (which imports packaging.tags);
    it must agree with it (beyond it, a filename has no directory part, leading '.'/'-' or whitespace)."""
    ours = field_problem(case["field"], case["value"]) is None
    assert ours == case["ok"]
    if case["value"] and not case["value"].startswith((".", "-")) and " " not in case["value"]:
        assert _packaging_accepts(case["field"], case["value"]) == ours


def _with(lock: dict, field: str, value: str) -> dict:
    lock = json.loads(json.dumps(lock))
    entry = lock["packages"]["idna"]
    if field == "path":
        entry.pop("url")
    entry[field] = value
    return lock


REFUSED = [c for c in GOLDEN if not c["ok"] and c["field"] in LOCK_FIELDS]


@pytest.mark.parametrize("case", REFUSED, ids=[f"{c['field']}-{c['why']}" for c in REFUSED])
def test_a_lock_with_a_refused_field_is_refused_naming_package_and_field(case: dict, lock_json: dict,
                                                                          tmp_path: Path) -> None:
    (tmp_path / "lock.json").write_text(json.dumps(_with(lock_json, case["field"], case["value"])))
    named = rf"packages\.idna[ .].*'?{case['field']}"  # "packages.idna.url is …", or "… lacks 'url'" when empty
    with pytest.raises(MachNixError, match=named):
        read(tmp_path / "lock.json")
    for args in (["tree", "lock.json"], ["why", "idna", "lock.json"]):
        done = cli(*args, cwd=tmp_path)
        assert done.returncode == 2, (args, done.stdout, done.stderr)
        assert re.search(named, done.stderr), done.stderr
        assert done.stderr.startswith("error: ") and done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


def test_the_accepted_values_keep_the_lock_valid(lock_json: dict, tmp_path: Path) -> None:
    for case in (c for c in GOLDEN if c["ok"] and c["field"] in ("url", "path", "sha256")):
        (tmp_path / "lock.json").write_text(json.dumps(_with(lock_json, case["field"], case["value"])))
        assert read(tmp_path / "lock.json")["packages"]["idna"][case["field"]] == case["value"]


def test_package_names_are_checked_and_quoted_input_is_cut(lock_json: dict, tmp_path: Path) -> None:
    lock = json.loads(json.dumps(lock_json))
    lock["packages"]["../idna"] = lock["packages"].pop("idna")
    lock["roots"] = ["../idna"]
    (tmp_path / "lock.json").write_text(json.dumps(lock))
    done = cli("tree", "lock.json", cwd=tmp_path)
    assert done.returncode == 2 and "the package name '../idna' is not valid" in done.stderr
    huge = "https://example.org/" + "a" * 3_000_000 + " x.whl"
    (tmp_path / "lock.json").write_text(json.dumps(_with(lock_json, "url", huge)))
    done = cli("tree", "lock.json", cwd=tmp_path)
    assert done.returncode == 2 and "packages.idna.url is" in done.stderr
    assert len(done.stderr) < 1000 and "(3,000,026 characters)" in done.stderr
