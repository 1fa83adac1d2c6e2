"""Which wheel filenames the index keeps (docs/index-format.md, "What is kept")."""

from __future__ import annotations

import pytest

from mach_nix.index.storage.tags import is_sdist, keep_file, keep_wheel, primary_family, wheel_families


@pytest.mark.parametrize(
    "filename, families",
    [
        ("six-1.16.0-py2.py3-none-any.whl", {"pure"}),
        ("attrs-23.1.0-py3-none-any.whl", {"pure"}),
        ("numpy-2.1.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", {"linux-x86_64"}),
        ("numpy-2.1.0-cp312-cp312-manylinux_2_17_aarch64.manylinux2014_aarch64.whl", {"linux-aarch64"}),
        ("numpy-1.24.0-cp38-cp38-manylinux1_x86_64.whl", {"linux-x86_64"}),
        ("numpy-2.1.0-cp312-cp312-macosx_14_0_arm64.whl", {"macos-arm64"}),
        ("numpy-2.1.0-cp310-cp310-macosx_10_9_x86_64.whl", {"macos-x86_64"}),
        ("cryptography-41.0.0-cp37-abi3-macosx_10_12_universal2.whl", {"macos-universal2"}),
        ("cryptography-41.0.0-cp37-abi3-manylinux_2_28_x86_64.whl", {"linux-x86_64"}),
        ("ninja-1.11.1-py3-none-manylinux_2_12_x86_64.manylinux2010_x86_64.whl", {"linux-x86_64"}),
        ("x-1.0-cp311-cp311-linux_x86_64.whl", {"linux-x86_64"}),
    ],
)
def test_kept_wheels_and_their_family(filename: str, families: set) -> None:
    assert wheel_families(filename) == families
    assert keep_wheel(filename)
    assert keep_file(filename)


@pytest.mark.parametrize(
    "filename",
    [
        "numpy-2.1.0-cp312-cp312-win_amd64.whl",  # Windows
        "markupsafe-3.0.2-cp313-cp313t-manylinux_2_17_aarch64.manylinux2014_aarch64.whl",  # free-threaded
        "numpy-2.1.0-cp312-cp312-manylinux_2_17_i686.manylinux2014_i686.whl",  # i686
        "numpy-2.1.0-cp312-cp312-musllinux_1_1_x86_64.whl",  # musl
        "numpy-2.1.0-cp312-cp312-manylinux_2_17_ppc64le.whl",
        "numpy-2.1.0-cp312-cp312-manylinux_2_17_s390x.whl",
        "numpy-1.21.0-cp37-cp37m-manylinux2014_x86_64.whl",  # CPython < 3.8
        "numpy-2.1.0-pp310-pypy310_pp73-manylinux_2_17_x86_64.whl",  # PyPy
        "futures-3.4.0-py2-none-any.whl",  # Python 2 only
        "x-1.0-cp311-cp311-linux_armv7l.whl",
        "not-a-wheel.whl",
    ],
)
def test_dropped_wheels(filename: str) -> None:
    assert not keep_wheel(filename)
    assert primary_family(filename) is None


def test_sdists_are_kept_and_other_artefacts_are_not() -> None:
    for name in ("six-1.16.0.tar.gz", "pkg-1.0.zip", "old-0.1.tar.bz2"):
        assert is_sdist(name) and keep_file(name)
    for name in ("pkg-1.0-py2.7.egg", "pkg-1.0.win32.exe", "pkg-1.0.msi"):
        assert not keep_file(name)


def test_multi_platform_wheel_takes_smallest_family() -> None:
    name = "x-1-py3-none-macosx_10_9_x86_64.macosx_11_0_arm64.whl"
    assert wheel_families(name) == {"macos-x86_64", "macos-arm64"}
    assert primary_family(name) == "macos-arm64"


def test_no_target_selects_a_free_threaded_wheel() -> None:
    """Why the index drops cp313t wheels: every target is a GIL-enabled CPython."""
    from mach_nix.resolve.target import Target

    for python in ("3.13", "3.14"):
        for system in ("x86_64-linux", "aarch64-darwin"):
            tags = Target.create(python, system).tag_priority
            assert tags and not [t for t in tags if t.split("-")[1].endswith("t")]
