"""The ELF dynamic-section reader and the zip member reader (py/mach_nix/native/elf.py, zipmember.py),
on crafted files and on real dynamic sections recorded from PyPI wheels (tests/data/elf/)."""

from __future__ import annotations

import io
import random
import zipfile

import pytest

from elf_craft import shared_object, wheel
from mach_nix.native.elf import Dynamic, ElfError, read_dynamic
from mach_nix.native.wheel_elf import ReadCost, file_reader, is_candidate, wheel_dynamics
from mach_nix.native.zipmember import MemberInfo, ZipMember


def reader(data: bytes):
    return lambda offset, size: data[offset:offset + size]


def test_crafted_shared_object_is_read() -> None:
    so = shared_object(["libfoo.so.1", "libc.so.6"], soname="libbar.so.2", pyinit="bar")
    assert read_dynamic(reader(so)) == Dynamic("libbar.so.2", ("libfoo.so.1", "libc.so.6"), True)


def test_library_without_pyinit_is_not_a_module() -> None:
    assert read_dynamic(reader(shared_object(["libz.so.1"]))) == Dynamic(None, ("libz.so.1",), False)


@pytest.mark.parametrize("data, what", [(b"#!/bin/sh\n" + bytes(100), "not an ELF"),
                                        (b"\x7fELF" + bytes([3, 1]) + bytes(60), "class"),
                                        (shared_object(["libz.so.1"])[:100], "truncated")])
def test_malformed_files_raise(data: bytes, what: str) -> None:
    with pytest.raises(ElfError, match=what):
        read_dynamic(reader(data))


def test_string_offset_outside_the_table_raises() -> None:
    so = bytearray(shared_object(["libz.so.1"]))
    at = so.rfind((1).to_bytes(8, "little") + (1).to_bytes(8, "little"))  # the DT_NEEDED entry
    so[at + 8:at + 16] = (10 ** 6).to_bytes(8, "little")
    with pytest.raises(ElfError, match="outside the string table"):
        read_dynamic(reader(bytes(so)))


def test_deflated_member_is_streamed_only_as_far_as_the_dynamic_section() -> None:
    so = shared_object(["libfoo.so.1"], padding=2_000_000)
    trailer = random.Random(1).randbytes(4_000_000)  # after the dynamic section: never fetched
    data = wheel({"pkg/libx.so": so + trailer})
    zi = zipfile.ZipFile(io.BytesIO(data)).getinfo("pkg/libx.so")
    asked = []

    def read(offset: int, size: int) -> bytes:
        asked.append(size)
        return data[offset:offset + size]

    member = ZipMember(read, MemberInfo(zi.filename, zi.header_offset, zi.compress_type, zi.compress_size, zi.file_size))
    assert read_dynamic(member.read).needed == ("libfoo.so.1",)
    # the random padding does not compress: what was fetched is about the file up to .dynamic
    assert 2_000_000 < member.fetched < zi.compress_size
    assert max(asked) <= 8 * 1024 * 1024


def test_a_read_behind_the_kept_prefix_restarts_the_stream() -> None:
    so = shared_object(["libfoo.so.1", "libbar.so.3"], padding=300_000)
    data = wheel({"libx.so": so})
    zi = zipfile.ZipFile(io.BytesIO(data)).getinfo("libx.so")
    member = ZipMember(reader(data), MemberInfo(zi.filename, zi.header_offset, zi.compress_type, zi.compress_size,
                                                zi.file_size), keep_prefix=32)  # the string table is not kept
    assert read_dynamic(member.read).needed == ("libfoo.so.1", "libbar.so.3")
    assert member.fetched > zi.compress_size  # fetched twice over (the cost of a restart)


def test_stored_member_is_read_by_ranges() -> None:
    data = wheel({"libx.so": shared_object(["libfoo.so.1"], padding=100_000)}, zipfile.ZIP_STORED)
    zi = zipfile.ZipFile(io.BytesIO(data)).getinfo("libx.so")
    member = ZipMember(reader(data), MemberInfo(zi.filename, zi.header_offset, zi.compress_type, zi.compress_size,
                                                zi.file_size))
    assert read_dynamic(member.read).needed == ("libfoo.so.1",)
    assert member.fetched < 2_000  # header, program headers, strings, dynamic section


def test_wheel_dynamics_reads_elf_members_and_skips_the_rest(tmp_path) -> None:
    data = wheel({
        "pkg/_ext.cpython-311-x86_64-linux-gnu.so": shared_object(["libfoo.so.1"], pyinit="_ext"),
        "pkg.libs/libbundled-1a2b3c.so.5": shared_object(["libm.so.6"], soname="libbundled-1a2b3c.so.5"),
        "pkg/libscript.so": b"/* GNU ld script */ INPUT(libother.so)" + bytes(64),
        "pkg/__init__.py": b"",
        "pkg/bin/tool": shared_object(["libtool.so.1"]),
    })
    path = tmp_path / "pkg-1-cp311-cp311-manylinux_2_17_x86_64.whl"
    path.write_bytes(data)
    cost = ReadCost()
    with open(path, "rb") as handle:
        got = wheel_dynamics(file_reader(handle), len(data), cost)
    assert set(got) == {"pkg/_ext.cpython-311-x86_64-linux-gnu.so", "pkg.libs/libbundled-1a2b3c.so.5", "pkg/bin/tool"}
    assert got["pkg/_ext.cpython-311-x86_64-linux-gnu.so"].python_module
    assert (cost.members, cost.elf) == (4, 3)


@pytest.mark.parametrize("path, expected", [("torch/lib/libtorch_cuda.so", True), ("a.libs/libz-1.so.1.2.13", True),
                                            ("cv2/cv2.abi3.so", True), ("pkg/data.json", False),
                                            ("nvidia/cu13/bin/ptxas", True), ("pkg/sub.so.py", False),
                                            ("pymssql.libs/libssl-cd1d6220.so.1.0.2k", True)])
def test_candidate_members(path: str, expected: bool) -> None:
    assert is_candidate(path) is expected


def test_read_at_file_clamps_and_reads_through_a_buffer() -> None:
    import io

    from mach_nix.index.client.ranges import ReadAtFile

    data = bytes(range(10))
    raw = ReadAtFile(10, lambda offset, n: data[offset:offset + n])
    assert raw.seek(-4, 2) == 6 and raw.seek(100) == 10 and raw.seek(-3, 1) == 7 and raw.seek(-50) == 0
    buffered = io.BufferedReader(ReadAtFile(10, lambda offset, n: data[offset:offset + n]))
    buffered.seek(-3, 2)
    assert buffered.read() == bytes([7, 8, 9]) and buffered.tell() == 10


def test_a_string_table_larger_than_a_piece_is_scanned_in_pieces() -> None:
    """TensorFlow's libtensorflow_cc.so.2 has a string table of over 64 MiB: it is read front to back
    in pieces, a needed name that crosses two pieces is whole, and a PyInit_ symbol beyond the first
    piece still makes a module."""
    from mach_nix.native.elf import STRTAB_CHUNK

    # the needed names start 3 bytes before the first piece ends
    data = shared_object(["libtensorflow_framework.so.2", "libz.so.1"], soname="libtensorflow_cc.so.2",
                         pyinit="_pywrap", filler=STRTAB_CHUNK - 5 - len("libtensorflow_cc.so.2") - 1)
    sizes = []

    def read(offset: int, size: int) -> bytes:
        sizes.append(size)
        return data[offset:offset + size]

    got = read_dynamic(read)
    assert got == Dynamic("libtensorflow_cc.so.2", ("libtensorflow_framework.so.2", "libz.so.1"), True)
    assert max(sizes) <= STRTAB_CHUNK  # never the whole table at once
    # "\0PyInit_" across the end of the first piece (its NUL 3 bytes before it)
    straddling = shared_object(["libz.so.1"], pyinit="_x", filler=STRTAB_CHUNK - 4 - len("libz.so.1") - 1)
    assert read_dynamic(reader(straddling)) == Dynamic(None, ("libz.so.1",), True)
    plain = shared_object(["libz.so.1"], filler=STRTAB_CHUNK + 10)
    assert read_dynamic(reader(plain)) == Dynamic(None, ("libz.so.1",), False)
