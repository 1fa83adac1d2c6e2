"""Getting one file's metadata from PyPI (or any PEP 691 index): wheels by PEP 658, HTTP range
reads or a download, sdists by a hash-checked download read statically (never run); and a
remembering lookup of what PyPI knows of a file, for locks that lack it.

The crawler (bulk) and `mach-nix lock --from` (on demand) share these.

Example: ``fetch_wheel(PyPIClient(), entry)["requires_dist"]``
"""

from __future__ import annotations

import hashlib
import io
import time
from typing import IO, Any, Dict, Optional, Tuple

from packaging.utils import InvalidWheelFilename, parse_wheel_filename
from packaging.version import InvalidVersion, Version

from mach_nix.errors import NetworkError
from mach_nix.index.client.archives import ArchiveError, sdist_members, wheel_metadata
from mach_nix.index.client.http import WHEEL_DOWNLOAD_LIMIT, FetchError
from mach_nix.index.client.metadata import parse_core_metadata, sdist_metadata
from mach_nix.index.client.pypi import PyPIClient
from mach_nix.index.client.streamed import StreamedBody
from mach_nix.index.storage.schema import FileResult

SDIST_LIMIT = 100 * 1024 * 1024  # bytes; larger sdists are not downloaded (metadata: unknown)




def _expected_metadata_sha256(entry: Dict[str, Any]) -> Optional[str]:
    """The .metadata file's sha256 when the simple page states it (PEP 714 ``core-metadata``,
    or the older ``dist-info-metadata`` key)."""
    for key in ("core-metadata", "dist-info-metadata", "data-dist-info-metadata"):
        value = entry.get(key)
        if isinstance(value, dict) and isinstance(value.get("sha256"), str):
            return value["sha256"].lower()
    return None


def _matches_file(data: bytes, filename: str) -> bool:
    """True when metadata names the version its wheel's filename carries."""
    try:
        meta_version = Version(parse_core_metadata(data).version)
        return meta_version == parse_wheel_filename(filename)[1]
    except (InvalidVersion, InvalidWheelFilename):
        return True  # nothing to compare against; the content is still what the host served


def fetch_wheel(client: PyPIClient, entry: Dict[str, Any]) -> FileResult:
    """A wheel's Requires-Dist: PEP 658 file, else range reads into the zip, else a download.

    A .metadata body whose sha256 differs from the one the simple page states (PEP 714), or
    that names another version than the wheel, is not trusted: the wheel itself is read instead.
    """
    url, filename = entry["url"], entry["filename"]
    data = client.pep658(url)
    source = "pep658"
    if data is not None:
        expected = _expected_metadata_sha256(entry)
        if (expected and hashlib.sha256(data).hexdigest() != expected) or not _matches_file(data, filename):
            data = None
    if data is None:
        try:
            handle = client.range_file(url, int(entry.get("size") or 0), entry["hashes"]["sha256"])
            handle.prefetch_tail()
            data = wheel_metadata(handle, filename)
            source = "range"
        except (FetchError, ArchiveError):
            if int(entry.get("size") or 0) > WHEEL_DOWNLOAD_LIMIT:
                raise
            whole = client.get(url, max_bytes=WHEEL_DOWNLOAD_LIMIT, what="wheel").data
            if hashlib.sha256(whole).hexdigest() != entry["hashes"]["sha256"].lower():
                raise _mismatch(entry, len(whole)) from None
            data = wheel_metadata(io.BytesIO(whole), filename)
            source = "wheel"
    meta = parse_core_metadata(data)
    return {"metadata": source, "requires_dist": meta.requires_dist, "provides_extra": meta.provides_extra}


def _mismatch(entry: Dict[str, Any], nbytes: int) -> FetchError:
    return FetchError(
        f"{entry['filename']}: the download ({nbytes} bytes) does not match the sha256 the simple page "
        f"states ({entry['hashes']['sha256'].lower()}); nothing from it is used, the next crawl tries again."
    )


def _verify_download(body: StreamedBody, entry: Dict[str, Any]) -> None:
    """Raise FetchError unless ``body`` was read to its end and matches the entry's sha256."""
    if not body.eof or body.sha256.hexdigest() != entry["hashes"]["sha256"].lower():
        raise _mismatch(entry, body.read_bytes)


def _drain(reader: IO[bytes]) -> None:
    """Read ``reader`` to its end without decompressing anything (the body hashes what passes)."""
    while reader.read(1 << 20):
        pass


def read_sdist(client: PyPIClient, entry: Dict[str, Any]) -> Dict[str, bytes]:
    """Download an sdist (streamed, at most SDIST_LIMIT bytes), check its sha256, and return its
    metadata members (see :func:`archives.sdist_members`).

    A tar's metadata is decompressed as it streams by; the rest of the download is then read
    without decompressing it, so the whole file is hash-checked before anything read from it is
    trusted, its refusal (an ArchiveError) included. A zip is downloaded and checked first.
    Raises FetchError when the download does not match its sha256.

    Example: ``read_sdist(PyPIClient(), entry)["PKG-INFO"]`` for an ``entry`` of a PEP 691 page.
    """
    filename = entry["filename"]
    body = client.stream(entry["url"], max_bytes=SDIST_LIMIT)
    try:
        reader = io.BufferedReader(body, 1 << 16)
        if filename.lower().endswith(".zip"):
            data = reader.read()
            _verify_download(body, entry)
            return sdist_members(io.BytesIO(data), filename)
        refused: Optional[ArchiveError] = None
        try:
            members = sdist_members(reader, filename)
        except ArchiveError as exc:
            refused = exc
        _drain(reader)
        _verify_download(body, entry)
        if refused is not None:
            raise refused
        return members
    finally:
        body.close()


def fetch_sdist(client: PyPIClient, entry: Dict[str, Any], attempts: int = 3) -> FileResult:
    """An sdist's dependencies and build system, read from a streamed, hash-checked download.

    A failed or mismatching download is retried ``attempts`` times, then raised as FetchError
    (the crawler records it as transient); an archive refused although its sha256 matches is
    recorded as ``metadata: unknown`` with the reason.
    """
    filename = entry["filename"]
    size = int(entry.get("size") or 0)
    if size > SDIST_LIMIT:
        return {"metadata": "unknown", "metadata_error": f"sdist is {size} bytes, over the crawler's {SDIST_LIMIT} byte limit; not downloaded"}
    last: Optional[Exception] = None
    for attempt in range(attempts):
        try:
            members = read_sdist(client, entry)
            break
        except FetchError as exc:
            last = exc
            if attempt + 1 < attempts:
                time.sleep(0.5 * 2 ** attempt)
        except ArchiveError as exc:
            return {"metadata": "unknown", "metadata_error": exc.message}
    else:
        raise FetchError(f"{filename}: {last}")
    meta = sdist_metadata(members, filename)
    result: FileResult = {"metadata": meta.source, "build_system": meta.build_system}
    if meta.requires_dist is not None:
        result["requires_dist"] = meta.requires_dist
    if meta.provides_extra:
        result["provides_extra"] = meta.provides_extra
    if meta.error:
        result["metadata_error"] = meta.error
    if meta.external:
        result["external"] = meta.external
    return result


class PyPIFileLookup:
    """A callable ``(project, filename) -> {"url", "sha256", "build_system"?}`` or None if PyPI lacks it."""

    def __init__(self, base: str = "https://pypi.org", client: Any = None) -> None:
        from mach_nix.index.client.pypi import PyPIClient

        self.client = client or PyPIClient(base, pool_size=4, retries=3)
        self.pages: Dict[str, Dict[str, Dict[str, Any]]] = {}
        self.results: Dict[Tuple[str, str], Optional[Dict[str, Any]]] = {}

    def __call__(self, project: str, filename: str) -> Optional[Dict[str, Any]]:
        key = (project, filename)
        if key not in self.results:
            self.results[key] = self._lookup(project, filename)
        return self.results[key]

    def _lookup(self, project: str, filename: str) -> Optional[Dict[str, Any]]:
        from mach_nix.index.client.http import FetchError

        try:
            entry = self._files(project).get(filename)
            if entry is None:
                return None
            sha256 = (entry.get("hashes") or {}).get("sha256")
            found: Dict[str, Any] = {"url": entry["url"], "sha256": sha256}
            if not filename.endswith(".whl") and sha256:
                found["build_system"] = fetch_sdist(self.client, entry).get("build_system")
            return found
        except FetchError as exc:
            raise NetworkError(f"cannot look up {filename} of {project} on {self.client.index_url} ({exc}); check the "
                               "network or --index-url, or make the project's files known with `mach-nix index add PROJECT==VERSION --out DIR` "
                               "and --extra-index DIR, then convert --offline.") from None

    def _files(self, project: str) -> Dict[str, Dict[str, Any]]:
        if project not in self.pages:
            page = self.client.simple(project)
            self.pages[project] = {f["filename"]: f for f in (page.files if page else [])}
        return self.pages[project]
