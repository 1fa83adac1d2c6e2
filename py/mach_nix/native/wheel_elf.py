"""The dynamic sections of a wheel's ELF members, read through ``read(offset, size)`` on the
archive (range reads of a remote wheel, or a local file): the central directory, then for each
candidate member its ELF header, program headers, PT_DYNAMIC and string table (see zipmember).

Candidates are members named like shared objects (``*.so``, ``*.so.*``) and extension-less files
in a ``bin/`` directory; members that turn out not to be ELF (linker scripts, data) are skipped.

Example::

    with open("torch-2.5.1-cp311-cp311-manylinux1_x86_64.whl", "rb") as f:
        dyn = wheel_dynamics(file_reader(f))     # {"torch/lib/libtorch.so": Dynamic(...), ...}
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from typing import IO, Callable, Dict, Optional

from mach_nix.native.elf import Dynamic, ElfError, is_elf, read_dynamic
from mach_nix.native.member_memo import MemberMemo
from mach_nix.index.client.ranges import ReadAtFile
from mach_nix.native.zipmember import MemberInfo, ZipMember, ZipMemberError

ArchiveReader = Callable[[int, int], bytes]
SHARED_OBJECT = re.compile(r"\.so(\.[0-9][0-9A-Za-z_]*)*$")  # openssl 1.0.2k: libssl.so.1.0.2k


class WheelReadError(ValueError):
    """The archive is not a readable zip, or one of its ELF members is corrupt."""


@dataclass
class ReadCost:
    """What reading a wheel cost: compressed member bytes inflated, members read, ELF found, and
    members whose reading another wheel's identical member gave."""

    member_bytes: int = 0
    members: int = 0
    elf: int = 0
    reused: int = 0


def is_candidate(path: str) -> bool:
    """Whether a member may be an ELF file the build's autoPatchelf will look at.

    Example: ``is_candidate("numpy.libs/libgfortran-040039e1.so.5.0.0") is True``
    """
    base = path.rsplit("/", 1)[-1]
    if path.endswith("/"):
        return False
    return bool(SHARED_OBJECT.search(base)) or ("/bin/" in f"/{path}" and "." not in base)


def file_reader(handle: IO[bytes]) -> ArchiveReader:
    """``read(offset, size)`` over a local, seekable file."""
    def read(offset: int, size: int) -> bytes:
        handle.seek(offset)
        return handle.read(size)
    return read


def wheel_dynamics(read: ArchiveReader, size: int, cost: ReadCost | None = None,
                   memo: Optional[MemberMemo] = None) -> Dict[str, Dynamic]:
    """Member path → dynamic section, for every ELF member with one; ``memo``: readings of members
    of other wheels, reused for a member with the same name, CRC-32 and size.

    Raises WheelReadError when the archive or an ELF member cannot be read.
    """
    cost = cost if cost is not None else ReadCost()
    try:
        infos = zipfile.ZipFile(io.BufferedReader(ReadAtFile(size, read), 64 * 1024)).infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise WheelReadError(f"not a readable zip archive ({exc})") from None
    out: Dict[str, Dynamic] = {}
    for zi in infos:
        if not is_candidate(zi.filename) or zi.file_size < 64:
            continue
        member = ZipMember(read, MemberInfo(zi.filename, zi.header_offset, zi.compress_type,
                                            zi.compress_size, zi.file_size))

        def member_dynamic(member: ZipMember = member) -> Optional[Dynamic]:
            cost.members += 1
            try:
                if not is_elf(member.read(0, 4)):
                    return None
                cost.elf += 1
                return read_dynamic(member.read)
            finally:
                cost.member_bytes += member.fetched

        try:
            if memo is None:
                dyn = member_dynamic()
            else:
                key = (zi.filename.rsplit("/", 1)[-1], zi.CRC, zi.file_size)
                dyn, reused = memo.get_or_read(key, member_dynamic)
                cost.reused += reused
        except (ElfError, ZipMemberError) as exc:
            raise WheelReadError(f"{zi.filename}: {exc}") from None
        if dyn is not None:
            out[zi.filename] = dyn
    return out
