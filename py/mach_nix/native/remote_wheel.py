"""A remote wheel's ELF members read with HTTP range requests through
:class:`mach_nix.index.client.pypi.PyPIClient` (which counts its requests and bytes): one suffix request
for the end of the archive (its size and central directory), then the members' bytes as
:mod:`mach_nix.native.wheel_elf` asks for them.

Example: ``members, cost = read_remote_wheel(PyPIClient(), "https://files.pythonhosted.org/.../numpy-....whl")``
"""

from __future__ import annotations

import hashlib
import re
from typing import Any, Dict, Optional, Tuple

from mach_nix.index.client.http import WHEEL_DOWNLOAD_LIMIT, FetchError
from mach_nix.native.elf import Dynamic
from mach_nix.native.wheel_elf import ReadCost, wheel_dynamics

TAIL = 64 * 1024  # the central directory of a wheel with a few hundred members fits
WINDOW = 64 * 1024  # a smaller read fetches this much: a member's local header with its first bytes


def read_remote_wheel(client: Any, url: str, sha256: Optional[str] = None) -> Tuple[Dict[str, Dynamic], ReadCost]:
    """Member path → dynamic section of the wheel at ``url``, and what reading it cost.

    A host that answers a range request with the whole file (PyPI's cache sometimes does) is read
    from that answer, up to the whole-wheel download limit, and only when it has the ``sha256`` the
    lock states (without one, it is refused: nothing unchecked is read).
    Raises FetchError (the host failed or ignores ranges on a large file) or WheelReadError.
    """
    def get(range_spec: str) -> Any:
        resp = client.get(url, headers={"Range": f"bytes={range_spec}"}, ok=(206, 200),
                          max_bytes=WHEEL_DOWNLOAD_LIMIT, what="byte range or whole wheel")
        if resp.status == 200 and (sha256 is None or hashlib.sha256(resp.data).hexdigest() != sha256.lower()):
            raise FetchError(f"{url} ignored the byte range asked for and sent the whole file ({len(resp.data)} bytes), "
                             f"which does not have the sha256 the lock states ({sha256}); nothing from it is used.")
        return resp

    resp = get(f"-{TAIL}")
    headers = {k.lower(): v for k, v in resp.headers.items()}
    if resp.status == 200:  # no range support: the whole (checked) file came, read it from memory
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
        resp = get(f"{first}-{last - 1}")
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
