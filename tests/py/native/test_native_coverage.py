"""The soname table's coverage report (mach_nix.native.coverage): what counts as a need the table
must map (not manylinux, not the driver, not a wheel of the needer's family), and the report over
the committed needs table data/needs/ with overrides/sonames.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mach_nix.index.storage.store import Index
from mach_nix.native.coverage import (coverage, decision, index_depends, named_after, project_of, provided, related, render,
                                      table_entries)
from mach_nix.native.needs import Summary
from mach_nix.native.needs_table import NeedsTable

ROOT = Path(__file__).resolve().parents[3]
SONAMES = json.loads((ROOT / "overrides" / "sonames.json").read_text())
TAG = "cp312-cp312-manylinux_2_28_x86_64.whl"

# Shapes read from data/needs/: torch ships libc10.so that torchvision and sglang-kernel link;
# semgrep carries its own libcurl.so.4, which pymsalruntime needs from the system.
ENTRIES = [
    (f"torch-2.9.0-{TAG}", Summary((), (), {"libc10.so": ("libgomp.so.1",), "libcurl.so.4": ()})),
    (f"torchvision-0.24.0-{TAG}", Summary(("libc10.so", "libz.so.1", "libGL.so.1"))),
    (f"sglang_kernel-0.3.0-{TAG}", Summary(("libc10.so",), ("libcuda.so.1",))),
    (f"semgrep-1.90.0-{TAG}", Summary((), (), {"libcurl.so.4": ()})),
    (f"pymsalruntime-0.18.1-{TAG}", Summary(("libcurl.so.4", "libfoo.so.9"), ("libbar.so.2",))),
]


def test_names() -> None:
    assert project_of("SGLang_Kernel-0.3.0-cp39-abi3-manylinux2014_x86_64.whl") == "sglang-kernel"
    assert related("torch", "torchvision") and related("tensorflow", "tensorflow-text")
    assert not related("semgrep", "pymsalruntime")
    assert named_after("libtensorflow_framework.so.2", "tensorflow-cpu") and named_after("libmlx.so", "mlx-cuda-12")
    assert not named_after("libz.so.1", "zlib-ng") and not named_after("libcrypto.so.3", "pymsalruntime")


def test_family_manylinux_and_driver_needs_are_not_counted() -> None:
    report = coverage(ENTRIES, SONAMES, depends=lambda p: frozenset({"torch"}) if p == "sglang-kernel" else frozenset())
    rows = {r.soname: r for r in report.rows}
    # torchvision's libc10.so is torch's by name, sglang-kernel's by its dependency on torch.
    assert "libc10.so" not in rows and "libGL.so.1" not in rows and "libcuda.so.1" not in rows
    assert rows["libcurl.so.4"].mapped and rows["libcurl.so.4"].shipped_by == ("semgrep", "torch")
    assert (rows["libfoo.so.9"].mapped, rows["libfoo.so.9"].module, rows["libfoo.so.9"].plugin) == (False, 1, 0)
    assert (rows["libbar.so.2"].module, rows["libbar.so.2"].plugin) == (0, 1)
    # torchvision (libz only) is covered; pymsalruntime is not (libfoo); sglang-kernel counts nothing.
    assert (report.wheels, report.covered) == (2, 1)
    assert render(report)[0].endswith("1 of 2 wheels have every module need mapped")
    without = coverage(ENTRIES, SONAMES)
    assert {r.soname: r.module for r in without.rows}["libc10.so"] == 1  # sglang-kernel's, now unexplained


def test_the_committed_table() -> None:
    report = coverage(table_entries(NeedsTable(ROOT / "data" / "needs")), SONAMES, index_depends(Index.open(ROOT / "data")))
    rows = {r.soname: r for r in report.rows}
    assert report.wheels > 300 and report.covered > report.wheels / 2
    # torch's own libraries: over 600 wheels' modules need them, nearly all of torch's family (by name or
    # dependency: torchaudio, torchcodec, vllm, xformers …), which is not counted; what remains are wheels
    # that do not declare torch (sgl-kernel), decided as shipped by torch, never mapped to nixpkgs.
    for soname in ("libc10.so", "libtorch_cpu.so"):
        assert rows[soname].decided == "unmapped" and rows[soname].shipped_by == ("torch",)
        assert rows[soname].module < 100
    assert rows["libexpat.so.1"].mapped and rows["libexpat.so.1"].module >= 3
    for soname in SONAMES["manylinux"] + SONAMES["driver"]:
        assert soname not in rows


def test_decisions() -> None:
    assert decision("libz.so.1", SONAMES) == "mapped"
    assert decision("libpython3.12.so.1.0", SONAMES) == "interpreter"
    assert decision("libQt6Core.so.6", SONAMES) == "unmapped"          # a glob of nixpkgs.unmapped
    assert decision("libavutil.so.61", SONAMES) == "unmapped"          # FFmpeg's next major
    assert decision("libfoo-nowhere.so.7", SONAMES) == "undecided"
    assert provided("libavutil.so.61", SONAMES)                        # its anyOf family has mapped groups
    assert provided("libpython3.10.so.1.0", SONAMES) and not provided("libmlx.so", SONAMES)


def test_every_need_of_the_committed_table_is_decided() -> None:
    """The goal of overrides/sonames.json: every soname that the embedded index's binary wheels need
    (from modules or only from plugins; beyond manylinux, the driver and their own families) is
    mapped, a libpython, or left unmapped on purpose with its reason."""
    report = coverage(table_entries(NeedsTable(ROOT / "data" / "needs")), SONAMES, index_depends(Index.open(ROOT / "data")))
    assert len(report.rows) > 150
    assert [r.soname for r in report.rows if r.decided == "undecided"] == []
