"""Random reads into one member of a zip archive (a wheel) that is stored or deflated, fetching
only the compressed bytes up to the furthest offset asked for.

A deflate stream cannot be entered in the middle, so a read at offset N of a deflated member
inflates everything before N; this reader streams the compressed bytes in growing chunks and
keeps only a bounded prefix of what it inflated (where the ELF header, the program headers and,
in ld's and lld's layouts, the dynamic string table lie) plus what the last read asked for.
A read behind the position that the prefix does not cover restarts the stream.

Example::

    member = ZipMember(read_archive, entry)          # read_archive(offset, size) -> bytes
    member.read(0, 64)                               # the ELF header
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from typing import Callable, Optional

ArchiveReader = Callable[[int, int], bytes]
STORED, DEFLATED = 0, 8
LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature .. name length, extra length (30 bytes)
KEEP_PREFIX = 32 * 1024 * 1024  # inflated bytes kept from the start of a member
FIRST_CHUNK, MAX_CHUNK = 64 * 1024, 8 * 1024 * 1024


class ZipMemberError(ValueError):
    """The member cannot be read: an unsupported compression, a bad local header, corrupt data."""


@dataclass(frozen=True)
class MemberInfo:
    """Where a member lies in the archive, from the central directory (``zipfile.ZipInfo``)."""

    name: str
    header_offset: int
    compress_type: int
    compress_size: int
    file_size: int


class ZipMember:
    """Reads of one member; ``fetched`` counts the compressed (or stored) bytes read for it so far."""

    def __init__(self, read_archive: ArchiveReader, info: MemberInfo, keep_prefix: int = KEEP_PREFIX) -> None:
        if info.compress_type not in (STORED, DEFLATED):
            raise ZipMemberError(f"{info.name}: compression method {info.compress_type} is not supported")
        self.info = info
        self._read_archive = read_archive
        self._keep = keep_prefix
        self._data_start: Optional[int] = None
        self.fetched = 0  # compressed bytes fetched (a restart counts them again)
        self._restart()

    def _start(self) -> int:
        if self._data_start is None:
            head = self._read_archive(self.info.header_offset, LOCAL_HEADER.size)
            if len(head) < LOCAL_HEADER.size:
                raise ZipMemberError(f"{self.info.name}: truncated local header")
            signature, name_len, extra_len = LOCAL_HEADER.unpack(head)
            if signature != b"PK\x03\x04":
                raise ZipMemberError(f"{self.info.name}: no local file header at {self.info.header_offset}")
            self._data_start = self.info.header_offset + LOCAL_HEADER.size + name_len + extra_len
        return self._data_start

    def _restart(self) -> None:
        self._inflater = zlib.decompressobj(-15)
        self._in_pos = 0  # compressed bytes consumed
        self._chunk = FIRST_CHUNK
        self._out_pos = 0  # inflated bytes produced
        self._prefix = bytearray()
        self._tail = bytearray()  # inflated bytes [self._tail_start, self._out_pos) beyond the prefix
        self._tail_start = 0

    def read(self, offset: int, size: int) -> bytes:
        """Up to ``size`` bytes at ``offset`` of the (uncompressed) member."""
        end = min(offset + size, self.info.file_size)
        if offset >= end:
            return b""
        if self.info.compress_type == STORED:
            self.fetched += end - offset
            return self._read_archive(self._start() + offset, end - offset)
        if end <= len(self._prefix):
            return bytes(self._prefix[offset:end])
        if offset < self._tail_start:  # dropped already: inflate again from the start
            self._restart()
        self._advance(offset, end)
        return bytes(self._tail[offset - self._tail_start:end - self._tail_start])

    def _advance(self, keep_from: int, end: int) -> None:
        """Inflate until ``end``; ``_tail`` keeps the inflated bytes from ``keep_from`` on."""
        self._trim(keep_from)
        start = self._start()
        while self._out_pos < end:
            if self._inflater.unconsumed_tail:
                data = self._inflater.unconsumed_tail
            else:
                if self._in_pos >= self.info.compress_size:
                    raise ZipMemberError(f"{self.info.name}: deflate stream ends at {self._out_pos} of {end} bytes")
                n = min(self._chunk, self.info.compress_size - self._in_pos)
                data = self._read_archive(start + self._in_pos, n)
                if not data:
                    raise ZipMemberError(f"{self.info.name}: archive ends inside the member")
                self._in_pos += len(data)
                self.fetched += len(data)
                self._chunk = min(self._chunk * 2, MAX_CHUNK)
            try:
                out = self._inflater.decompress(data, MAX_CHUNK)
            except zlib.error as exc:
                raise ZipMemberError(f"{self.info.name}: corrupt deflate data ({exc})") from None
            if len(self._prefix) == self._out_pos and len(self._prefix) < self._keep:
                self._prefix += out[:self._keep - len(self._prefix)]
            self._out_pos += len(out)
            self._tail += out
            self._trim(keep_from)

    def _trim(self, keep_from: int) -> None:
        """Drop the inflated bytes before ``keep_from`` (the prefix keeps its own copy)."""
        drop = min(keep_from, self._out_pos) - self._tail_start
        if drop > 0:
            del self._tail[:drop]
            self._tail_start += drop
