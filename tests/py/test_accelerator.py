"""The accelerator axis (issue 20, point 4): ``--extra-index-url`` indexes asked first (uv's
``first-index``), kept apart in the cache, and the lock's ``target.accelerator``.

Two loopback simple APIs on 127.0.0.1 (tests/py/faults): "PyPI" serves ``fakepkg`` 1.0 and 1.1
(CUDA-style: 1.1 needs ``nvidia-fake-cu12``), the "CPU index" serves ``fakepkg 1.0+cpu`` only, as
download.pytorch.org/whl/cpu serves ``torch 2.5.1+cpu`` next to PyPI's CUDA builds.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import List, Optional

import pytest

from faults.fakepypi import FakePyPI
from faults.world import Dist, world_routes
from mach_nix.accelerator import choose, derive, evidence
from mach_nix.errors import MachNixError

ROOT = Path(__file__).resolve().parents[2]
SMALL = str(ROOT / "tests" / "data" / "index-small")
TAG = "cp311-cp311-manylinux_2_17_x86_64"


@pytest.fixture
def pypi():
    world = {
        "fakepkg": [Dist("1.0", wheels=[TAG], sdist=False),
                    Dist("1.1", wheels=[TAG], sdist=False, requires=["nvidia-fake-cu12>=12"])],
        "nvidia-fake-cu12": [Dist("12.4", wheels=[TAG], sdist=False)],
        "fakedep": [Dist("2.0")],
    }
    with FakePyPI(world_routes(world)) as server:
        yield server


@pytest.fixture
def cpu_index():
    world = {"fakepkg": [Dist("1.0+cpu", wheels=[TAG], sdist=False, requires=["fakedep>=2"])]}
    with FakePyPI(world_routes(world)) as server:
        yield server


def lock(args: List[str], *, cache: Path, pypi: FakePyPI, extra: Optional[FakePyPI] = None, cwd: Path,
         offline: bool = False) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("MACH_NIX_OFFLINE", "MACH_NIX_EXTRA_INDEX_URL")}
    cmd = [sys.executable, "-m", "mach_nix", "lock", "-q", "--cache-dir", str(cache), "--index", SMALL,
           "--index-url", pypi.base + "/simple", "--python", "3.11", "--no-build-deps"]
    if extra is not None:
        cmd += ["--extra-index-url", extra.base + "/simple/"]
    if offline:
        cmd.append("--offline")
    return subprocess.run(cmd + args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def test_the_extra_index_shadows_pypi_and_the_lock_says_cpu(pypi, cpu_index, tmp_path):
    done = lock(["-o", "cpu.json", "fakepkg==1.0"], cache=tmp_path / "cache", pypi=pypi, extra=cpu_index, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    doc = json.loads((tmp_path / "cpu.json").read_text())
    fake = doc["packages"]["fakepkg"]
    # `==1.0` matches the local version 1.0+cpu (PEP 440), and the CPU index is asked first
    assert fake["version"] == "1.0+cpu"
    assert fake["filename"] == f"fakepkg-1.0+cpu-{TAG}.whl"
    assert fake["url"].startswith(cpu_index.base + "/files/")  # a non-PyPI file keeps its URL
    assert doc["indexes"][fake["index"]] == {"kind": "remote", "url": cpu_index.base + "/simple"}
    # a project the CPU index lacks comes from PyPI
    assert doc["indexes"][doc["packages"]["fakedep"]["index"]] == {"kind": "remote", "url": pypi.base + "/simple"}
    assert doc["target"]["accelerator"] == "cpu"
    arguments = doc["inputs"]["arguments"]  # so that Nix's re-lock command asks the CPU index again
    assert arguments[arguments.index("--extra-index-url") + 1] == cpu_index.base + "/simple/"
    # each index has a cache of its own; offline, the same lock comes from them
    assert sorted(p.name for p in (tmp_path / "cache" / "index-v1").iterdir()) == sorted(
        {doc["packages"]["fakedep"]["index"], fake["index"]})
    before = len(cpu_index.log) + len(pypi.log)
    again = lock(["-o", "offline.json", "fakepkg==1.0"], cache=tmp_path / "cache", pypi=pypi, extra=cpu_index,
                 cwd=tmp_path, offline=True)
    assert again.returncode == 0, again.stderr
    assert len(cpu_index.log) + len(pypi.log) == before
    assert (tmp_path / "offline.json").read_bytes() == (tmp_path / "cpu.json").read_bytes()


def test_first_index_wins_even_over_a_newer_release_elsewhere(pypi, cpu_index, tmp_path):
    """uv's first-index: PyPI's fakepkg 1.1 is never considered once the CPU index lists fakepkg."""
    done = lock(["-o", "l.json", "fakepkg"], cache=tmp_path / "cache", pypi=pypi, extra=cpu_index, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    doc = json.loads((tmp_path / "l.json").read_text())
    assert doc["packages"]["fakepkg"]["version"] == "1.0+cpu"
    assert "nvidia-fake-cu12" not in doc["packages"]
    assert not any(p.startswith("/simple/fakepkg") for p in pypi.log)  # PyPI was never asked for it


def test_an_nvidia_dependency_makes_the_lock_cuda(pypi, tmp_path):
    done = lock(["-o", "l.json", "--accelerator", "cuda", "fakepkg"], cache=tmp_path / "cache", pypi=pypi, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    doc = json.loads((tmp_path / "l.json").read_text())
    assert doc["packages"]["fakepkg"]["version"] == "1.1" and "nvidia-fake-cu12" in doc["packages"]
    assert doc["target"]["accelerator"] == "cuda"
    # the accelerator is not an input argument (Nix adds the wanted one to its re-lock command)
    assert "--accelerator" not in doc["inputs"]["arguments"]


def test_a_given_accelerator_that_contradicts_the_wheels_is_an_error(pypi, cpu_index, tmp_path):
    done = lock(["-o", "l.json", "--accelerator", "cuda", "fakepkg"], cache=tmp_path / "cache", pypi=pypi,
                extra=cpu_index, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "l.json").exists()
    assert "--accelerator cuda contradicts the locked wheel fakepkg 1.0+cpu" in done.stderr
    done = lock(["-o", "l.json", "--accelerator", "cpu", "fakepkg"], cache=tmp_path / "cache", pypi=pypi, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "--accelerator cpu contradicts the locked wheel nvidia-fake-cu12 12.4" in done.stderr
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in done.stderr


def test_without_the_new_options_the_lock_has_no_accelerator_field(pypi, tmp_path):
    done = lock(["-o", "l.json", "fakepkg"], cache=tmp_path / "cache", pypi=pypi, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "accelerator" not in json.loads((tmp_path / "l.json").read_text())["target"]


# one table for mach_nix/accelerator.py and lib/accelerator.nix (test_nix_accelerator.py)
EVIDENCE_CASES = [(c["name"], c["version"], c["evidence"]) for c in
                  json.loads((Path(__file__).resolve().parents[2] / "tests" / "data" / "golden" / "accelerator.json").read_text())["cases"]]


@pytest.mark.parametrize("name, version, expected", EVIDENCE_CASES)
def test_evidence_of_one_package(name, version, expected):
    assert evidence(name, version) == expected


def test_derive_and_choose():
    cpu = {"torch": {"name": "torch", "version": "2.5.1+cpu"}, "six": {"name": "six", "version": "1.16.0"}}
    assert derive(cpu) == ("cpu", "torch 2.5.1+cpu")
    assert derive({"six": {"name": "six", "version": "1.16.0"}}) == ("cpu", None)
    assert choose("cuda", {"six": {"name": "six", "version": "1.16.0"}}) == "cuda"  # nothing says otherwise
    assert choose(None, cpu) == "cpu"
    with pytest.raises(MachNixError, match="torch 2.5.1[+]cpu"):
        choose("cuda", cpu)


@pytest.mark.parametrize("requirement, expected", [
    ("fakepkg", "1.0+cpu"),  # 1.0+cpu sorts after 1.0 (PEP 440: a local version is newer than its public one)
    ("fakepkg==1.0", "1.0+cpu"), ("fakepkg<=1.0", "1.0+cpu"),  # a public specifier ignores local labels
    ("fakepkg<1.0", "0.9+cpu"), ("fakepkg==1.0+cpu", "1.0+cpu"), ("fakepkg===1.0", "1.0"),
])
def test_local_versions_order_and_match_as_pep_440_says(pypi, tmp_path, requirement, expected):
    world = {"fakepkg": [Dist(v, wheels=[TAG], sdist=False) for v in ("0.9+cpu", "1.0", "1.0+cpu")]}
    with FakePyPI(world_routes(world)) as both:
        done = lock(["-o", "l.json", requirement], cache=tmp_path / "cache", pypi=pypi, extra=both, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads((tmp_path / "l.json").read_text())["packages"]["fakepkg"]["version"] == expected


def test_an_unreachable_extra_index_is_a_network_error_naming_it(pypi, tmp_path):
    """A project the extra index cannot be asked about is never silently taken from PyPI instead."""
    import socket

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    dead = type("Dead", (), {"base": f"http://127.0.0.1:{port}"})()
    done = lock(["-o", "l.json", "fakepkg"], cache=tmp_path / "cache", pypi=pypi, extra=dead, cwd=tmp_path)
    assert done.returncode == 4, done.stderr
    assert "Traceback" not in done.stderr and f"127.0.0.1:{port}" in done.stderr
    assert not (tmp_path / "l.json").exists()


def test_the_stats_count_every_index(pypi, cpu_index, tmp_path, monkeypatch):
    stats = tmp_path / "stats.json"
    monkeypatch.setenv("MACH_NIX_STATS", str(stats))
    done = lock(["-o", "l.json", "fakepkg"], cache=tmp_path / "cache", pypi=pypi, extra=cpu_index, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    counted = json.loads(stats.read_text())
    assert counted["requests"] == len(pypi.log) + len(cpu_index.log) > len(cpu_index.log) > 0


def test_an_extra_index_in_a_requirements_file_says_how_to_use_it(tmp_path):
    (tmp_path / "requirements.txt").write_text("--extra-index-url https://download.pytorch.org/whl/cpu\nsix\n")
    done = subprocess.run([sys.executable, "-m", "mach_nix", "lock", "--offline", "--index", SMALL, "--cache-dir",
                           str(tmp_path / "cache"), "-r", "requirements.txt", "-o", "l.json"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert ("requirements.txt, line 1: --extra-index-url is ignored; mach-nix resolves against its own index. "
            "To use that index, give it to the command: mach-nix lock --extra-index-url URL") in done.stderr


def test_pylock_names_the_index_each_package_came_from(pypi, cpu_index, tmp_path):
    import tomllib

    done = lock(["-o", "pylock.toml", "fakepkg"], cache=tmp_path / "cache", pypi=pypi, extra=cpu_index, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    doc = tomllib.loads((tmp_path / "pylock.toml").read_text())
    assert {p["name"]: p["index"] for p in doc["packages"]} == {"fakepkg": cpu_index.base + "/simple",
                                                                "fakedep": pypi.base + "/simple"}



def test_the_extra_index_can_come_from_the_environment(pypi, cpu_index, tmp_path):
    """MACH_NIX_EXTRA_INDEX_URL (space-separated, as uv's UV_EXTRA_INDEX_URL) when no flag is given."""
    env = {k: v for k, v in os.environ.items() if k != "MACH_NIX_OFFLINE"}
    cmd = [sys.executable, "-m", "mach_nix", "lock", "-q", "--cache-dir", str(tmp_path / "cache"), "--index", SMALL,
           "--index-url", pypi.base + "/simple", "--no-build-deps", "-o", "l.json", "fakepkg"]
    with FakePyPI(world_routes({})) as empty:
        env["MACH_NIX_EXTRA_INDEX_URL"] = f"{empty.base}/simple {cpu_index.base}/simple"
        done = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        assert "/simple/fakepkg/" in empty.log  # both were read, in order
    assert json.loads((tmp_path / "l.json").read_text())["packages"]["fakepkg"]["version"] == "1.0+cpu"
    # a flag replaces the variable: naming PyPI again leaves no extra index, so PyPI's newest (CUDA) build wins
    done = subprocess.run(cmd + ["--extra-index-url", pypi.base + "/simple"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert json.loads((tmp_path / "l.json").read_text())["target"]["accelerator"] == "cuda"


def test_offline_with_an_extra_index_never_read_is_refused(pypi, cpu_index, tmp_path):
    done = lock(["-o", "l.json", "fakepkg"], cache=tmp_path / "cache", pypi=pypi, extra=cpu_index, cwd=tmp_path,
                offline=True)
    assert done.returncode == 1, done.stderr
    assert f"--offline with --extra-index-url {cpu_index.base}/simple/, whose pages were never read" in done.stderr
    assert "Traceback" not in done.stderr and not cpu_index.log and not (tmp_path / "l.json").exists()


def test_offline_works_once_the_extra_index_was_asked_even_if_it_had_nothing(pypi, tmp_path):
    with FakePyPI(world_routes({})) as empty:
        online = lock(["-o", "on.json", "fakepkg"], cache=tmp_path / "cache", pypi=pypi, extra=empty, cwd=tmp_path)
        assert online.returncode == 0, online.stderr
        offline = lock(["-o", "off.json", "fakepkg"], cache=tmp_path / "cache", pypi=pypi, extra=empty, cwd=tmp_path,
                       offline=True)
    assert offline.returncode == 0, offline.stderr
    assert (tmp_path / "on.json").read_bytes() == (tmp_path / "off.json").read_bytes()


LINUX_TAG = "cp311-cp311-linux_x86_64"


def test_a_plain_linux_wheel_of_the_extra_index_is_selected_and_says_cpu(pypi, tmp_path):
    """PyTorch's CPU index serves torch <= 2.5 as linux_x86_64 wheels only (not manylinux): pip and
    uv install them on Linux, after every manylinux tag, and so does mach-nix."""
    world = {"fakepkg": [Dist("1.0+cpu", wheels=[LINUX_TAG], sdist=False)]}
    with FakePyPI(world_routes(world)) as linux_only:
        done = lock(["-o", "l.json", "fakepkg"], cache=tmp_path / "cache", pypi=pypi, extra=linux_only, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    doc = json.loads((tmp_path / "l.json").read_text())
    fake = doc["packages"]["fakepkg"]
    assert (fake["version"], fake["filename"]) == ("1.0+cpu", f"fakepkg-1.0+cpu-{LINUX_TAG}.whl")
    assert fake["wheel_tags"] == [LINUX_TAG]
    assert doc["target"]["accelerator"] == "cpu"
    assert "nvidia-fake-cu12" not in doc["packages"]
