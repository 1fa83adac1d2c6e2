"""`mach-nix lock --needs` end to end, offline on the embedded index: the default (`cached`) with an
empty cache warns and leaves the field out; once the cache holds a wheel's reading (keyed by its
sha256, as `--needs fetch` stores it), the lock records `needs`; `off` never does; pure wheels
never get the field. The user-cache tests run with an empty needs table; the last one reads the
committed data/needs/."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mach_nix.cli import main
from mach_nix.native.cache import ElfCache
from mach_nix.native.elf import Dynamic


@pytest.fixture(autouse=True)
def empty_table(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if "committed_table" not in request.node.name:
        monkeypatch.setenv("MACH_NIX_NEEDS_TABLE", str(tmp_path / "no-table"))


def lock(tmp_path: Path, *extra: str) -> dict:
    out = tmp_path / "lock.json"
    assert main(["lock", "--offline", "--cache-dir", str(tmp_path / "cache"), "-o", str(out), "numpy", "idna",
                 *extra]) == 0
    return json.loads(out.read_text())


def test_needs_modes(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    cold = lock(tmp_path)
    err = capsys.readouterr().err
    assert "numpy are not in the cache" in err and "--needs fetch" in err
    assert not any("needs" in e for e in cold["packages"].values())

    numpy = cold["packages"]["numpy"]
    ElfCache(tmp_path / "cache").put(numpy["sha256"], {
        "numpy/_core/_multiarray_umath.cpython-311-x86_64-linux-gnu.so":
            Dynamic(None, ("libscipy_openblas64_-32a4b2a6.so", "libz.so.1", "libc.so.6"), True),
        "numpy.libs/libscipy_openblas64_-32a4b2a6.so": Dynamic("libscipy_openblas64_-32a4b2a6.so", ("libgfortran.so.5",)),
    })
    warm = lock(tmp_path)
    assert "are not in the cache" not in capsys.readouterr().err
    assert warm["packages"]["numpy"]["needs"] == {"libz.so.1": {"use": "module"}, "libgfortran.so.5": {"use": "module"}}
    assert "needs" not in warm["packages"]["idna"]  # a pure wheel's entry is as before
    assert {k: v for k, v in warm["packages"]["idna"].items()} == cold["packages"]["idna"]

    off = lock(tmp_path, "--needs", "off")
    assert "needs" not in off["packages"]["numpy"]


def test_a_relock_keeps_the_needs_of_the_same_wheels_without_a_cache(tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture) -> None:
    first = lock(tmp_path)
    numpy = first["packages"]["numpy"]
    ElfCache(tmp_path / "cache").put(numpy["sha256"], {"numpy/_x.so": Dynamic(None, ("libz.so.1",), True)})
    with_needs = lock(tmp_path)
    assert with_needs["packages"]["numpy"]["needs"] == {"libz.so.1": {"use": "module"}}
    import shutil

    shutil.rmtree(tmp_path / "cache")  # another machine: the lock is committed, the cache is not
    capsys.readouterr()
    again = lock(tmp_path)  # -o names the existing lock: it is the one being redone
    assert again["packages"]["numpy"]["needs"] == {"libz.so.1": {"use": "module"}}
    assert "not in the cache" not in capsys.readouterr().err
    changed = lock(tmp_path, "numpy<2")  # another numpy file: the old needs do not apply
    assert "needs" not in changed["packages"]["numpy"]


def test_the_committed_table_gives_needs_with_no_cache_and_no_network_committed_table(
        tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from mach_nix.native.needs import classify_summaries
    from mach_nix.native.needs_table import NeedsTable, default_table_dir

    got = lock(tmp_path)
    assert "not in the cache" not in capsys.readouterr().err and not (tmp_path / "cache" / "elf-v1").exists()
    numpy = got["packages"]["numpy"]
    assert numpy["needs"] == classify_summaries({"numpy": NeedsTable(default_table_dir()).get(numpy["sha256"])})["numpy"]
    assert "needs" not in got["packages"]["idna"]
