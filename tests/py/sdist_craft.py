"""Crafted sdists for offline tests: the archive bytes, and a loopback file host serving them."""

from __future__ import annotations

import hashlib
import io
import tarfile
import zipfile
from typing import Any, Dict, List, Tuple

from faults.fakepypi import FakePyPI, Route


def sdist_archive(members: List[Tuple[str, bytes]], fmt: str = "tar.gz") -> bytes:
    """A ``tar.gz`` (or ``zip``) of ``(path, data)`` members, in order.

    Example: ``sdist_archive([("a-1/PKG-INFO", b"Name: a\\n")])``
    """
    buf = io.BytesIO()
    if fmt == "zip":
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in members:
                archive.writestr(name, data)
    else:
        with tarfile.open(fileobj=buf, mode="w:gz") as tar:
            for name, data in members:
                info = tarfile.TarInfo(name)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def served(body: bytes, filename: str, expected: bytes) -> Tuple[FakePyPI, Dict[str, Any]]:
    """A loopback host serving ``body`` as ``filename`` (not started: use it in ``with``), and the
    simple-page entry that states the sha256 of ``expected``."""
    path = f"/packages/ab/cd/{filename}"
    entry = {
        "url": f"https://files.pythonhosted.org{path}",
        "filename": filename,
        "hashes": {"sha256": hashlib.sha256(expected).hexdigest()},
        "size": len(expected),
    }
    return FakePyPI({f"/files{path}": Route(body)}), entry
