"""Re-locks keep the pins of the lock they replace wherever those still fit; --upgrade and
--upgrade-package free them; the output lists only what changed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "data"
INDEX = str(DATA / "index-small")


def lock(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "mach_nix", "lock", "--index", INDEX, "--no-build-deps",
                           "-o", "lock.json", *args], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done


def versions(tmp_path: Path) -> dict:
    return {n: p["version"] for n, p in json.loads((tmp_path / "lock.json").read_text())["packages"].items()}


def change_lines(done: subprocess.CompletedProcess) -> list:
    return [line for line in done.stderr.splitlines() if line.startswith(("added ", "removed ", "changed "))]


def test_pins_are_kept_and_only_new_packages_are_reported(tmp_path):
    first = lock(tmp_path, "requests<2.32", "idna<3.8")
    assert change_lines(first) == []
    before = versions(tmp_path)
    assert before["requests"] == "2.31.0" and before["idna"] == "3.7"
    again = lock(tmp_path, "requests", "six")  # the upper bounds are gone; the pins stay
    assert change_lines(again) == ["added six 1.16.0"]
    assert versions(tmp_path) == {**before, "six": "1.16.0"}


def test_upgrade_package_frees_one_pin(tmp_path):
    lock(tmp_path, "requests<2.32", "idna<3.8")
    freed = lock(tmp_path, "requests", "-P", "idna")
    assert change_lines(freed) == ["changed idna 3.7 → 3.8"]
    assert versions(tmp_path)["requests"] == "2.31.0"


def test_upgrade_frees_every_pin(tmp_path):
    lock(tmp_path, "requests<2.32", "idna<3.8")
    upgraded = lock(tmp_path, "requests", "--upgrade")
    assert change_lines(upgraded) == ["changed idna 3.7 → 3.8", "changed requests 2.31.0 → 2.32.3"]


def test_a_pin_that_no_longer_fits_moves_and_nothing_else(tmp_path):
    lock(tmp_path, "requests<2.32", "idna<3.8")
    moved = lock(tmp_path, "requests", "idna>=3.8")
    assert change_lines(moved) == ["changed idna 3.7 → 3.8"]
    assert versions(tmp_path)["requests"] == "2.31.0"


def test_removed_requirements_are_reported(tmp_path):
    lock(tmp_path, "requests", "six")
    before = versions(tmp_path)
    fewer = lock(tmp_path, "six")
    assert change_lines(fewer) == [f"removed {n} {v}" for n, v in sorted(before.items()) if n != "six"]
    assert len(change_lines(fewer)) >= 5 and set(versions(tmp_path)) == {"six"}


def test_an_unreadable_previous_lock_is_replaced_with_a_warning(tmp_path):
    (tmp_path / "lock.json").write_text("{not json")
    done = lock(tmp_path, "six")
    assert "the existing lock.json is not used for its pins" in done.stderr
    assert versions(tmp_path) == {"six": "1.16.0"}
