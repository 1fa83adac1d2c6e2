"""Crafted ELF shared objects and wheels for the native-needs tests (tests/py/test_native_*.py).

``shared_object(needed=[...], soname=..., pyinit=...)`` is a minimal, valid ELF64 little-endian
shared object: ELF header, a PT_LOAD and a PT_DYNAMIC program header, the dynamic string table,
``padding`` bytes (random, so deflate cannot shrink them: the dynamic section lies deep, as in real
libraries), then the dynamic section.
"""

from __future__ import annotations

import io
import random
import struct
import zipfile
from typing import Dict, List, Optional


def shared_object(needed: List[str], soname: Optional[str] = None, pyinit: Optional[str] = None,
                  padding: int = 0, seed: int = 0, filler: int = 0) -> bytes:
    """A minimal x86-64 shared object; ``filler``: the length of a symbol name put first in the
    string table (a large table, as C++ libraries have)."""
    strings = b"\0" + (b"f" * filler + b"\0" if filler else b"")
    offsets: Dict[str, int] = {}
    for s in ([soname] if soname else []) + needed + ([f"PyInit_{pyinit}"] if pyinit else []) + ["malloc"]:
        offsets[s] = len(strings)
        strings += s.encode() + b"\0"
    strtab_off = 64 + 2 * 56
    dyn_off = strtab_off + len(strings) + padding
    dyn_off += -dyn_off % 8
    entries = [(1, offsets[n]) for n in needed] + ([(14, offsets[soname])] if soname else [])
    entries += [(5, strtab_off), (10, len(strings)), (0, 0)]
    dynamic = b"".join(struct.pack("<qQ", t, v) for t, v in entries)
    total = dyn_off + len(dynamic)
    header = b"\x7fELF" + bytes([2, 1, 1]) + bytes(9)
    header += struct.pack("<HHIQQQIHHHHHH", 3, 62, 1, 0, 64, 0, 0, 64, 56, 2, 64, 0, 0)
    load = struct.pack("<IIQQQQQQ", 1, 5, 0, 0, 0, total, total, 0x1000)
    dyn = struct.pack("<IIQQQQQQ", 2, 6, dyn_off, dyn_off, dyn_off, len(dynamic), len(dynamic), 8)
    pad = random.Random(seed).randbytes(dyn_off - strtab_off - len(strings))
    return header + load + dyn + strings + pad + dynamic


def wheel(members: Dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A zip of ``members`` (path → bytes), as a wheel is."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as z:
        for path, data in members.items():
            z.writestr(path, data)
    return out.getvalue()
