"""Record the bytes of real wheels' ELF members that the dynamic-section reader reads (the ELF
header, program headers, PT_DYNAMIC and the string table), nothing else, into
tests/data/elf/<file>.json.gz: the offline tests replay them (tests/py/native/test_native_needs.py).

Usage: python scripts/record-elf-fixtures.py LOCK NAME:MEMBER-PATH...
(the wheel of package NAME in LOCK; e.g. numba:numba/np/ufunc/tbbpool.cpython-311-x86_64-linux-gnu.so)
"""

from __future__ import annotations

import base64
import gzip
import json
import sys
import zipfile
from pathlib import Path

from mach_nix.index.client.pypi import PyPIClient
from mach_nix.native.elf import read_dynamic
from mach_nix.index.client.ranges import ReadAtFile
from mach_nix.native.zipmember import MemberInfo, ZipMember

OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "elf"


def main(lock_path: str, wanted: list) -> None:
    lock = json.loads(Path(lock_path).read_text())
    client = PyPIClient(pool_size=2)
    for spec in wanted:
        name, _, member_path = spec.partition(":")
        entry = lock["packages"][name]
        url = entry["url"]
        head = client.get(url, headers={"Range": "bytes=-1"}, ok=(206,))
        size = int({k.lower(): v for k, v in head.headers.items()}["content-range"].rsplit("/", 1)[1])

        def read(offset: int, n: int) -> bytes:
            return client.get(url, headers={"Range": f"bytes={offset}-{offset + n - 1}"}, ok=(206,)).data

        zi = zipfile.ZipFile(ReadAtFile(size, read)).getinfo(member_path)
        member = ZipMember(read, MemberInfo(zi.filename, zi.header_offset, zi.compress_type, zi.compress_size,
                                            zi.file_size))
        ranges = []

        def logged(offset: int, n: int) -> bytes:
            data = member.read(offset, n)
            ranges.append([offset, base64.b64encode(data).decode()])
            return data

        dyn = read_dynamic(logged)
        doc = {"wheel": entry["filename"], "sha256": entry["sha256"], "member": member_path, "size": zi.file_size,
               "read": ranges, "expected": {"soname": dyn.soname, "needed": list(dyn.needed),
                                            "python_module": dyn.python_module}}
        out = OUT / f"{name}--{member_path.rsplit('/', 1)[-1]}.json.gz"
        out.write_bytes(gzip.compress(json.dumps(doc, indent=1).encode(), mtime=0))
        print(out.name, out.stat().st_size, "bytes;", dyn)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
