"""Files that carry their own checksum: derived data that is discarded, never trusted, when damaged.

The user cache keeps files that only make locks faster (the slice tables, the record of verified
shards). A damaged one must cost a recomputation, not a wrong lock: a well-formed table that lost
entries would otherwise make a lock drop releases silently. So each such file is sealed: a magic
line, the sha256 of the payload, then the payload; :func:`unseal` gives the payload back only when
the digest matches (sha256 is hardware-accelerated: well under a millisecond for these files).

Example::

    path.write_bytes(seal(marshal.dumps(tables)))
    payload = unseal(path.read_bytes())     # None: missing seal, truncated, or changed
"""

from __future__ import annotations

import hashlib
from typing import Optional, Union

MAGIC = b"mach-nix sealed v1\n"
_DIGEST = 32


def seal(payload: bytes) -> bytes:
    """``payload`` behind the magic line and its sha256.

    Example: ``unseal(seal(b"x")) == b"x"``
    """
    return MAGIC + hashlib.sha256(payload).digest() + payload


def unseal(data: Union[bytes, memoryview]) -> Optional[memoryview]:
    """The payload of sealed ``data`` (a view, not a copy), or None when the seal does not hold.

    Example: ``unseal(b"not sealed") is None``
    """
    view = memoryview(data)
    start = len(MAGIC) + _DIGEST
    if len(view) < start or view[:len(MAGIC)] != MAGIC:
        return None
    payload = view[start:]
    return payload if hashlib.sha256(payload).digest() == view[len(MAGIC):start] else None
