"""The dynamic section of an ELF file: its soname and the sonames it needs (DT_NEEDED).

A small reader over ``struct`` rather than pyelftools: it needs only the ELF header, the program
headers, PT_DYNAMIC and the string table, and it asks for exactly those byte ranges through a
``read(offset, size)`` callable, so a caller can serve them from HTTP range reads or from an
inflating stream without ever holding the whole file (pyelftools wants a seekable stream over it).

Example::

    info = read_dynamic(lambda off, n: data[off:off + n])
    info.needed  # ("libc.so.6", "libm.so.6")
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Tuple

ELF_MAGIC = b"\x7fELF"
PT_LOAD, PT_DYNAMIC = 1, 2
DT_NULL, DT_NEEDED, DT_STRTAB, DT_STRSZ, DT_SONAME = 0, 1, 5, 10, 14
MAX_STRTAB = 1024 * 1024 * 1024  # a larger DT_STRSZ is a corrupt file, not a library
STRTAB_CHUNK = 4 * 1024 * 1024  # the string table is scanned in pieces: TensorFlow's is over 64 MiB
MAX_NAME = 4096  # a needed soname longer than this is a corrupt file

Reader = Callable[[int, int], bytes]


class ElfError(ValueError):
    """The bytes are not an ELF file this reader understands (or are truncated/corrupt)."""


@dataclass(frozen=True)
class Dynamic:
    """What the dynamic linker reads of a shared object: its own soname and its DT_NEEDED list;
    ``python_module``: its string table names a ``PyInit_*`` symbol, the entry point CPython's
    import calls, so it is an importable extension module (not a library or a dlopen plugin)."""

    soname: Optional[str]
    needed: Tuple[str, ...]
    python_module: bool = False


def is_elf(head: bytes) -> bool:
    """Whether ``head`` (the first bytes of a file) starts an ELF file.

    Example: ``is_elf(b"\\x7fELF\\x02\\x01") is True``
    """
    return head[:4] == ELF_MAGIC


def read_dynamic(read: Reader) -> Optional[Dynamic]:
    """The soname and needed sonames of the ELF file behind ``read``, or None for a file without
    a dynamic section (static executables, object files).

    ``read(offset, size)`` returns up to ``size`` bytes at ``offset`` of the file. The reads come
    in this order: header, program headers, PT_DYNAMIC, then the string table (which lies before
    PT_DYNAMIC in the files ld and lld write). Raises ElfError for anything malformed.

    Example: ``read_dynamic(lambda o, n: so_bytes[o:o + n]).needed``
    """
    ident = read(0, 16)
    if len(ident) < 16 or not is_elf(ident):
        raise ElfError("not an ELF file")
    wide = {1: False, 2: True}.get(ident[4])
    order = {1: "<", 2: ">"}.get(ident[5])
    if wide is None or order is None:
        raise ElfError(f"unknown ELF class {ident[4]} or data encoding {ident[5]}")
    header = read(0, 64 if wide else 52)
    if wide:
        phoff, phentsize, phnum = _unpack(order + "32xQ16xHH", header, 0)[0], *_unpack(order + "HH", header, 54)
    else:
        phoff, phentsize, phnum = _unpack(order + "28xI", header, 0)[0], *_unpack(order + "HH", header, 42)
    if phnum == 0:
        return None
    if phentsize < (56 if wide else 32) or phnum > 4096:
        raise ElfError(f"implausible program header table ({phnum} entries of {phentsize} bytes)")
    table = read(phoff, phentsize * phnum)
    loads: List[Tuple[int, int, int]] = []  # (vaddr, file offset, file size) of each PT_LOAD
    dynamic: Optional[Tuple[int, int]] = None
    for i in range(phnum):
        entry = table[i * phentsize:(i + 1) * phentsize]
        if wide:
            p_type, _flags, offset, vaddr, _paddr, filesz = _unpack(order + "IIQQQQ", entry, 0)
        else:
            p_type, offset, vaddr, _paddr, filesz = _unpack(order + "IIIII", entry, 0)
        if p_type == PT_LOAD:
            loads.append((vaddr, offset, filesz))
        elif p_type == PT_DYNAMIC:
            dynamic = (offset, filesz)
    if dynamic is None:
        return None
    entries = _dynamic_entries(read(*dynamic), order, wide)
    strtab = next((v for t, v in entries if t == DT_STRTAB), None)
    strsz = next((v for t, v in entries if t == DT_STRSZ), None)
    needed_at = [v for t, v in entries if t == DT_NEEDED]
    soname_at = next((v for t, v in entries if t == DT_SONAME), None)
    if strtab is None and not needed_at and soname_at is None:
        return Dynamic(None, ())
    if strtab is None or strsz is None or strsz > MAX_STRTAB:
        raise ElfError("dynamic section without a usable DT_STRTAB/DT_STRSZ")
    wanted = needed_at + ([soname_at] if soname_at is not None else [])
    names, module = _scan_strings(read, _file_offset(loads, strtab), strsz, wanted)
    return Dynamic(names[soname_at] if soname_at is not None else None, tuple(names[a] for a in needed_at), module)


def _scan_strings(read: Reader, start: int, size: int, wanted: List[int]) -> Tuple[Dict[int, str], bool]:
    """The strings at offsets ``wanted`` of the string table at file offset ``start``, and whether
    the table names a ``PyInit_*`` symbol, reading it front to back in pieces of STRTAB_CHUNK."""
    for at in wanted:
        if at >= size:
            raise ElfError(f"string offset {at} outside the string table")
    todo = sorted(set(wanted))
    found: Dict[int, str] = {}
    module = False
    marker = b"\0PyInit_"
    # the end of the previous piece, so that a marker across two pieces is seen; at the start, the
    # NUL a name at offset 0 follows
    carry = b"\0"
    pos = 0
    while pos < size:
        piece = read(start + pos, min(STRTAB_CHUNK, size - pos))
        if not piece:
            raise ElfError("truncated string table")
        module = module or marker in carry + piece[:len(marker) - 1] or marker in piece
        while todo and todo[0] < pos + len(piece):
            at = todo.pop(0)
            end = piece.find(b"\0", at - pos)
            raw = piece[at - pos:end] if end >= 0 else _string_at(read, start + at)
            found[at] = raw.decode("utf-8", "replace")
        carry = (carry + piece[-(len(marker) - 1):])[-(len(marker) - 1):]
        pos += len(piece)
    return found, module


def _string_at(read: Reader, offset: int) -> bytes:
    """The NUL-terminated string at ``offset`` (one that continues past the piece it starts in)."""
    data = read(offset, MAX_NAME)
    end = data.find(b"\0")
    if end < 0:
        raise ElfError(f"no string end within {MAX_NAME} bytes of offset {offset}")
    return data[:end]


def _unpack(fmt: str, data: bytes, offset: int) -> Tuple[int, ...]:
    try:
        return struct.unpack_from(fmt, data, offset)
    except struct.error:
        raise ElfError("truncated ELF file") from None


def _dynamic_entries(data: bytes, order: str, wide: bool) -> List[Tuple[int, int]]:
    """(tag, value) pairs up to DT_NULL."""
    size = 16 if wide else 8
    fmt = order + ("qQ" if wide else "iI")
    out = []
    for at in range(0, len(data) - size + 1, size):
        tag, value = struct.unpack_from(fmt, data, at)
        if tag == DT_NULL:
            break
        out.append((tag, value))
    return out


def _file_offset(loads: List[Tuple[int, int, int]], vaddr: int) -> int:
    """The file offset of virtual address ``vaddr`` (DT_STRTAB is an address, not an offset)."""
    for start, offset, filesz in loads:
        if start <= vaddr < start + filesz:
            return offset + (vaddr - start)
    raise ElfError(f"address {vaddr:#x} lies in no loaded segment")
