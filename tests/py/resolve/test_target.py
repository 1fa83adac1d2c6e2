"""Target: marker values and wheel tags come from the arguments only (never from the host)."""

from __future__ import annotations

import pytest

from mach_nix.errors import MachNixError
from mach_nix.resolve.target import Target


def test_linux_markers_and_default_versions():
    t = Target.create("3.11", "x86_64-linux")
    assert t.glibc == "2.40" and t.macos is None
    assert t.environment["sys_platform"] == "linux" and t.environment["platform_machine"] == "x86_64"
    assert t.environment["python_version"] == "3.11" and t.python_full.startswith("3.11.")
    assert Target.create("3.12.4", "x86_64-linux").environment["python_full_version"] == "3.12.4"


def test_darwin_markers_use_macos_names():
    t = Target.create("3.12", "aarch64-darwin")
    assert t.macos == "11.3" and t.glibc is None
    env = t.environment
    assert (env["sys_platform"], env["platform_system"], env["platform_machine"]) == ("darwin", "Darwin", "arm64")


def test_manylinux_order_legacy_aliases_and_glibc_limit():
    t = Target.create("3.11", "x86_64-linux", glibc="2.28")
    p = t.tag_priority
    assert "cp311-cp311-manylinux_2_29_x86_64" not in p
    assert p["cp311-cp311-manylinux_2_28_x86_64"] < p["cp311-cp311-manylinux_2_17_x86_64"]
    for legacy in ("manylinux2014", "manylinux2010", "manylinux1"):
        assert f"cp311-cp311-{legacy}_x86_64" in p
    assert p["cp311-cp311-manylinux_2_17_x86_64"] < p["cp311-cp311-manylinux1_x86_64"]
    # specific ABI beats abi3, abi3 beats pure, and abi3 is forward compatible
    assert p["cp311-cp311-manylinux_2_17_x86_64"] < p["cp311-abi3-manylinux_2_28_x86_64"]
    assert "cp37-abi3-manylinux_2_17_x86_64" in p
    assert p["cp39-abi3-manylinux_2_17_x86_64"] < p["py3-none-any"]
    # never: other Pythons' ABIs, other architectures (their plain linux_* tags too)
    for tag in ("cp312-cp312-manylinux_2_17_x86_64", "cp311-cp311-manylinux_2_17_aarch64", "cp311-cp311-linux_aarch64",
                "cp312-abi3-manylinux_2_17_x86_64"):
        assert tag not in p


@pytest.mark.parametrize("system, lowest", [("x86_64-linux", 5), ("aarch64-linux", 17)])
def test_linux_tags_are_packagings_with_plain_linux_last(system, lowest):
    """packaging.tags' order for the platforms _linux_platforms yields: manylinux (newest first, each
    legacy alias after its manylinux_2_N), then plain linux_<arch> (PyTorch's own index serves those)."""
    from packaging.tags import compatible_tags, cpython_tags

    arch = system.split("-")[0]
    legacy = {17: "manylinux2014", 12: "manylinux2010", 5: "manylinux1"}
    platforms = [p for minor in range(28, lowest - 1, -1)
                 for p in (f"manylinux_2_{minor}_{arch}", f"{legacy[minor]}_{arch}" if minor in legacy else None) if p]
    platforms.append(f"linux_{arch}")
    expected = [str(t) for t in cpython_tags((3, 11), ["cp311"], platforms)]
    expected += [str(t) for t in compatible_tags((3, 11), "cp311", platforms) if str(t) not in expected]
    t = Target.create("3.11", system, glibc="2.28")
    assert list(t.tags) == expected
    p = t.tag_priority
    assert p[f"cp311-cp311-{legacy[lowest]}_{arch}"] < p[f"cp311-cp311-linux_{arch}"] < p[f"cp311-abi3-manylinux_2_28_{arch}"]


def test_aarch64_linux_starts_at_manylinux2014():
    p = Target.create("3.11", "aarch64-linux").tag_priority
    assert "cp311-cp311-manylinux2014_aarch64" in p and "cp311-cp311-manylinux_2_12_aarch64" not in p


def test_macos_versions_and_universal2():
    p = Target.create("3.11", "aarch64-darwin").tag_priority
    assert "cp311-cp311-macosx_11_0_arm64" in p and "cp311-cp311-macosx_10_9_universal2" in p
    assert "cp311-cp311-macosx_14_0_arm64" not in p  # newer than the 11.3 deployment target
    assert "cp311-cp311-macosx_10_9_x86_64" not in p
    x86 = Target.create("3.11", "x86_64-darwin", macos="14.0").tag_priority
    assert "cp311-cp311-macosx_14_0_x86_64" in x86 and "cp311-cp311-macosx_10_9_universal2" in x86
    assert x86["cp311-cp311-macosx_14_0_x86_64"] < x86["cp311-cp311-macosx_10_9_x86_64"]


@pytest.mark.parametrize("kwargs, message", [
    ({"python": "2.7"}, "not a CPython version mach-nix knows"),
    ({"python": "3.11.x"}, "not a CPython version mach-nix knows"),
    ({"python": "3.99"}, "use one of 3.8, 3.9, 3.10, 3.11, 3.12, 3.13, 3.14, 3.15"),
    ({"system": "x86_64-windows"}, "is not supported"),
    ({"glibc": "2"}, "not a MAJOR.MINOR"),
    ({"system": "aarch64-darwin", "macos": "10.15"}, "needs macOS 11.0"),
    ({"system": "x86_64-darwin", "glibc": "2.28"}, "makes no sense"),
])
def test_bad_targets(kwargs, message):
    with pytest.raises(MachNixError, match=message):
        Target.create(**kwargs)


def test_lock_json_shape():
    assert Target.create("3.11.9", "x86_64-linux").to_json() == {
        "python": "3.11", "python_full": "3.11.9", "implementation": "cpython", "system": "x86_64-linux",
        "glibc": "2.40", "macos": None}
