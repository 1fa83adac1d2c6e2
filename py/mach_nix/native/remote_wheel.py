"""A remote wheel's ELF members read with HTTP range requests through
:class:`mach_nix.index.pypi.PyPIClient` (which counts its requests and bytes): one suffix request
for the end of the archive (its size and central directory), then the members' bytes as
:mod:`mach_nix.native.wheel_elf` asks for them.

Example: ``members, cost = read_remote_wheel(PyPIClient(), "https://files.pythonhosted.org/.../numpy-....whl")``
"""

from __future__ import annotations

import re
from typing import Any, Dict, Tuple

from mach_nix.index.pypi import FetchError
from mach_nix.native.elf import Dynamic
from mach_nix.native.wheel_elf import ReadCost, wheel_dynamics

TAIL = 64 * 1024  # the central directory of a wheel with a few hundred members fits
WINDOW = 64 * 1024  # a smaller read fetches this much: a member's local header with its first bytes


def read_remote_wheel(client: Any, url: str) -> Tuple[Dict[str, Dynamic], ReadCost]:
    """Member path → dynamic section of the wheel at ``url``, and what reading it cost.

    Raises FetchError (the host failed or ignores ranges on a large file) or WheelReadError.
    """
    resp = client.get(url, headers={"Range": f"bytes=-{TAIL}"}, ok=(206, 200))
    headers = {k.lower(): v for k, v in resp.headers.items()}
    if resp.status == 200:  # no range support: the whole file came, read it from memory
        whole = resp.data
        return _read_bytes(whole), ReadCost(member_bytes=len(whole))
    match = re.match(r"bytes (\d+)-(\d+)/(\d+)$", headers.get("content-range", ""))
    if not match:
        raise FetchError(f"{url}: a range request was answered without a usable Content-Range header.")
    tail_start, size = int(match.group(1)), int(match.group(3))
    tail = resp.data
    window = [0, b""]  # the last range fetched: a local header is read, then the bytes after it

    def read(offset: int, n: int) -> bytes:
        end = min(offset + n, size)
        if offset >= tail_start:
            return tail[offset - tail_start:end - tail_start]
        start, data = window
        head = b""
        if start <= offset < start + len(data):  # the part the window holds is not fetched again
            head = data[offset - start:end - start]
            if offset + len(head) == end:
                return head
        first = offset + len(head)
        last = min(max(end, first + WINDOW), tail_start)
        resp = client.get(url, headers={"Range": f"bytes={first}-{last - 1}"}, ok=(206, 200))
        got = resp.data
        if resp.status == 200:  # the host (a cache of it) ignored the range: the whole file came
            if len(got) != size:
                raise FetchError(f"{url}: expected {size} bytes, got {len(got)}.")
            window[:] = [0, got]
            return head + got[first:end]
        if len(got) != last - first:
            raise FetchError(f"{url}: range {first}-{last - 1} returned {len(got)} bytes.")
        window[:] = [first, got]
        return head + got[:end - first]

    cost = ReadCost()
    return wheel_dynamics(read, size, cost), cost


def _read_bytes(data: bytes) -> Dict[str, Dynamic]:
    return wheel_dynamics(lambda offset, n: data[offset:offset + n], len(data))
