"""The soname table overrides/sonames.json (issue 20, point 2): its shape, that every attribute path
is declared in lib/nixpkgs-interface.nix (`sonames`), and that it covers what the recorded wheels of
the bench sets (tests/data/elf/) need outside themselves, glibc and the manylinux sets."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
TABLE = json.loads((ROOT / "overrides" / "sonames.json").read_text())
SONAME = re.compile(r"^lib[A-Za-z0-9_+.-]*\.so(\.[0-9]+)*$")
ATTR = re.compile(r"^[A-Za-z_][A-Za-z0-9_'-]*(\.[A-Za-z_][A-Za-z0-9_'-]*)*$")


def interface_sonames() -> set:
    text = (ROOT / "lib" / "nixpkgs-interface.nix").read_text()
    block = re.search(r"^  sonames = \[(.*?)\];", text, re.S | re.M)
    assert block, "lib/nixpkgs-interface.nix declares no `sonames` list"
    return set(re.findall(r'"([^"]+)"', block.group(1)))


def test_shape() -> None:
    assert set(TABLE) == {"_comment", "nixpkgs", "manylinux", "driver", "pluginOnlySkip", "interpreter", "anyOf", "sonames"}
    assert TABLE["nixpkgs"]["read"] and TABLE["nixpkgs"]["checked"]
    for soname, paths in TABLE["sonames"].items():
        assert SONAME.match(soname), soname
        assert isinstance(paths, list) and paths and all(isinstance(p, str) and ATTR.match(p) for p in paths), soname
    for key in ("manylinux", "driver"):
        assert all(SONAME.match(s) for s in TABLE[key]) and len(set(TABLE[key])) == len(TABLE[key])
    sets = [set(TABLE["sonames"]), set(TABLE["manylinux"]), set(TABLE["driver"])]
    assert not (sets[0] & sets[1] or sets[0] & sets[2] or sets[1] & sets[2]), "a soname in two sections"
    assert all(p.endswith(".") for p in TABLE["pluginOnlySkip"])
    for entry in TABLE["nixpkgs"]["unmapped"]:
        assert set(entry) == {"sonames", "why"} and entry["why"] and entry["sonames"]
        assert not any(s in TABLE["sonames"] for s in entry["sonames"]), entry  # unmapped means not mapped


def test_interpreter_pattern() -> None:
    """Python's re.fullmatch and Nix's builtins.match (POSIX ERE, whole string) read it alike."""
    assert re.fullmatch(TABLE["interpreter"], "libpython3.12.so.1.0").group(1) == "3.12"
    assert not re.fullmatch(TABLE["interpreter"], "libpython3.12.so") and not re.fullmatch(TABLE["interpreter"], "libpython3.so")


def test_any_of_families() -> None:
    """Each family's groups are disjoint sets of sonames, each either mapped or unmapped with a reason; a
    soname in two groups (FFmpeg 5 and 6's libswresample.so.4) maps to both groups' packages."""
    from mach_nix.native.coverage import decision

    for family in TABLE["anyOf"]:
        assert family["name"] and family["why"] and len(family["groups"]) >= 2
        for group in family["groups"]:
            assert group and all(SONAME.match(s) for s in group)
            decided = {decision(s, TABLE) for s in group}
            assert decided in ({"mapped"}, {"unmapped"}), (group, decided)
    ffmpeg = next(f for f in TABLE["anyOf"] if f["name"] == "FFmpeg")
    assert TABLE["sonames"]["libswresample.so.4"] == ["ffmpeg_6", "ffmpeg_5"]
    assert sum("libswresample.so.4" in g for g in ffmpeg["groups"]) == 2


def test_the_driver_is_never_a_package() -> None:
    assert "libcuda.so.1" in TABLE["driver"] and "libnvidia-ml.so.1" in TABLE["driver"]
    assert not any("nvidia_x11" in p or "linuxPackages" in p for ps in TABLE["sonames"].values() for p in ps)


def test_every_attribute_is_declared_in_the_interface() -> None:
    attrs = {p for ps in TABLE["sonames"].values() for p in ps}
    assert attrs == interface_sonames()


def test_issue_examples() -> None:
    want = {"libtbb.so.12": "tbb", "libibverbs.so.1": "rdma-core", "libmpi.so.40": "mpi",
            "libcublas.so.12": "cudaPackages_12.libcublas", "libz.so.1": "zlib"}
    for soname, attr in want.items():
        assert attr in TABLE["sonames"][soname], soname
    assert {"libGL.so.1", "libglib-2.0.so.0", "libstdc++.so.6"} <= set(TABLE["manylinux"])


def test_recorded_needs_are_covered() -> None:
    from mach_nix.native.needs import is_glibc

    covered = set(TABLE["sonames"]) | set(TABLE["manylinux"]) | set(TABLE["driver"])
    bundled = re.compile(r"-[0-9a-f]{8}\.so")  # auditwheel's renamed copies ship in the wheel itself
    internal = {"libtorch_python.so", "libcufile.so.0"}  # shipped by torch and nvidia-cufile themselves
    seen = set()
    for path in (ROOT / "tests" / "data" / "elf").glob("*.json.gz"):
        doc = json.loads(gzip.decompress(path.read_bytes()))
        seen |= {s for s in doc["expected"]["needed"] if not is_glibc(s) and not bundled.search(s)} - internal
    assert seen and seen <= covered, sorted(seen - covered)
