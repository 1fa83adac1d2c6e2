"""A synthetic PyPI for tests: projects and releases described in a few lines, served by FakePyPI.

``world_routes`` turns ``{name: [Dist, ...]}`` into FakePyPI routes: a simple page per project
(PEP 691 JSON, or PEP 503 HTML with ``html=True``), real wheel zips, PEP 658 ``.metadata`` files
and sdists. File URLs in the pages are root-relative (``/files/ab/cd/FILENAME``, ab/cd from the
sha256), so the pages work on any port (the client resolves them against the page URL). Bytes are
deterministic (fixed zip timestamps, tar and gzip mtime 0): a sha256 is the same in every run.

Pages are live documents: ``add_dist`` adds a release to an existing world, also while a server
is serving it (back-fill and refresh tests).

Example::

    routes = world_routes({"alpha": [Dist("1.0", requires=["beta>=2"])], "beta": [Dist("2.0")]})
    with FakePyPI(routes) as server:
        page = server.client().simple("alpha")      # alpha-1.0-py3-none-any.whl, alpha-1.0.tar.gz
        add_dist(routes, "alpha", Dist("1.1"), serial=2)
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import html
import io
import json
import tarfile
import zipfile
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple, Union

from mach_nix.names import normalize

from .fakepypi import SIMPLE_TYPE, Route

HTML_TYPE = "application/vnd.pypi.simple.v1+html"
ZIP_TIME = (2020, 1, 1, 0, 0, 0)


@dataclass
class Dist:
    """One release of a project: its metadata and which files it has."""

    version: str
    requires: List[str] = field(default_factory=list)  # Requires-Dist lines, e.g. 'beta>=2; extra == "x"'
    extras: List[str] = field(default_factory=list)  # Provides-Extra
    requires_python: Optional[str] = None
    wheels: List[str] = field(default_factory=lambda: ["py3-none-any"])  # tag triples; [] = sdist only
    sdist: bool = True
    pep658: bool = True  # serve WHEEL.metadata (else only range reads work)
    build_requires: List[str] = field(default_factory=lambda: ["setuptools>=61"])
    upload_time: str = "2025-01-01T00:00:00Z"
    yanked: Union[bool, str] = False


def world_routes(projects: Dict[str, List[Dist]], *, html: bool = False, serial: int = 1) -> Dict[str, Route]:
    """FakePyPI routes for ``projects`` (name -> releases), every page at ``serial``.

    Example: ``FakePyPI(world_routes({"alpha": [Dist("1.0")]}, html=True))`` serves
    ``/simple/alpha/`` as PEP 503 HTML, ``/files/…/alpha-1.0-py3-none-any.whl`` and its ``.metadata``.
    """
    routes: Dict[str, Route] = {}
    for name, dists in projects.items():
        routes[page_path(name)] = _page_route(name, serial, html)
        for dist in dists:
            add_dist(routes, name, dist)
    return routes


def add_dist(routes: Dict[str, Route], name: str, dist: Dist, *, serial: Optional[int] = None,
             html: bool = False) -> List[Dict[str, Any]]:
    """Add release ``dist`` of ``name`` to a world: its files' routes and its page entries.

    ``serial``: the page's new ``_last-serial`` (None keeps it, as a mirror back-filling files
    does). A project not yet in the world gets a page (HTML when ``html``, serial 1 by default).
    Returns the page entries added (filename, url, hashes, …). The same ``routes`` dict passed to a
    running FakePyPI serves the new release at once.

    Example: ``add_dist(routes, "alpha", Dist("1.1"), serial=2)[0]["filename"] == "alpha-1.1-py3-none-any.whl"``
    """
    path = page_path(name)
    if path not in routes:
        routes[path] = _page_route(name, serial or 1, html)
    doc = routes[path].doc
    if serial is not None:
        doc["meta"]["_last-serial"] = serial
    entries = []
    for filename, body, metadata in dist_files(name, dist):
        entry = _file_entry(filename, body, dist, metadata)
        routes[entry["url"]] = Route(body)
        if metadata is not None:
            routes[entry["url"] + ".metadata"] = Route(metadata)
        entries.append(entry)
    doc["files"].extend(entries)
    if dist.version not in doc["versions"]:
        doc["versions"].append(dist.version)
    return entries


def page_path(name: str) -> str:
    """The simple page's path. Example: ``page_path("Foo_Bar") == "/simple/foo-bar/"``"""
    return f"/simple/{normalize(name)}/"


def file_path(filename: str, body: bytes) -> str:
    """Where a file is served. Example: ``/files/3f/a1/alpha-1.0.tar.gz`` (ab/cd from its sha256)."""
    digest = hashlib.sha256(body).hexdigest()
    return f"/files/{digest[:2]}/{digest[2:4]}/{filename}"


def dist_files(name: str, dist: Dist) -> List[Tuple[str, bytes, Optional[bytes]]]:
    """``(filename, bytes, PEP 658 metadata or None)`` of every file of ``dist``, wheels first.

    Example: ``dist_files("alpha", Dist("1.0"))[1][0] == "alpha-1.0.tar.gz"``
    """
    stem = f"{normalize(name).replace('-', '_')}-{dist.version}"
    metadata = core_metadata(name, dist, "2.1")
    files = [(f"{stem}-{tag}.whl", wheel_bytes(stem, tag, metadata), metadata if dist.pep658 else None)
             for tag in dist.wheels]
    if dist.sdist:
        files.append((f"{stem}.tar.gz", sdist_bytes(stem, name, dist), None))
    return files


def core_metadata(name: str, dist: Dist, metadata_version: str) -> bytes:
    """The METADATA / PKG-INFO text of ``dist`` (static fields only, no Dynamic)."""
    lines = [f"Metadata-Version: {metadata_version}", f"Name: {name}", f"Version: {dist.version}"]
    if dist.requires_python:
        lines.append(f"Requires-Python: {dist.requires_python}")
    lines += [f"Provides-Extra: {extra}" for extra in dist.extras]
    lines += [f"Requires-Dist: {requirement}" for requirement in dist.requires]
    return ("\n".join(lines) + "\n").encode()


def wheel_bytes(stem: str, tag: str, metadata: bytes) -> bytes:
    """A wheel zip: ``STEM.dist-info/`` METADATA, WHEEL and RECORD, with fixed timestamps."""
    info = f"{stem}.dist-info"
    wheel = f"Wheel-Version: 1.0\nGenerator: mach-nix-tests\nRoot-Is-Purelib: true\nTag: {tag}\n".encode()
    members = [(f"{info}/METADATA", metadata), (f"{info}/WHEEL", wheel)]
    record = "".join(f"{path},sha256={_record_hash(data)},{len(data)}\n" for path, data in members)
    members.append((f"{info}/RECORD", (record + f"{info}/RECORD,,\n").encode()))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in members:
            archive.writestr(zipfile.ZipInfo(path, ZIP_TIME), data, zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def sdist_bytes(stem: str, name: str, dist: Dist) -> bytes:
    """An sdist ``STEM.tar.gz``: ``STEM/PKG-INFO`` (Metadata-Version 2.2) and ``STEM/pyproject.toml``."""
    pyproject = (f"[build-system]\nrequires = {json.dumps(dist.build_requires)}\n"
                 'build-backend = "setuptools.build_meta"\n').encode()
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for member, data in (("PKG-INFO", core_metadata(name, dist, "2.2")), ("pyproject.toml", pyproject)):
            info = tarfile.TarInfo(f"{stem}/{member}")
            info.size, info.mtime, info.mode = len(data), 0, 0o644
            tar.addfile(info, io.BytesIO(data))
    return gzip.compress(buf.getvalue(), mtime=0)


def _record_hash(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def _file_entry(filename: str, body: bytes, dist: Dist, metadata: Optional[bytes]) -> Dict[str, Any]:
    """The PEP 691 entry of one file (its url root-relative)."""
    return {
        "filename": filename,
        "url": file_path(filename, body),
        "hashes": {"sha256": hashlib.sha256(body).hexdigest()},
        "requires-python": dist.requires_python,
        "size": len(body),
        "upload-time": dist.upload_time,
        "yanked": dist.yanked,
        "core-metadata": {"sha256": hashlib.sha256(metadata).hexdigest()} if metadata is not None else False,
    }


def _page_route(name: str, serial: int, as_html: bool) -> Route:
    """An empty live page for ``name`` (JSON, or HTML rendered from the same document)."""
    doc = {"meta": {"api-version": "1.1", "_last-serial": serial}, "name": normalize(name), "versions": [], "files": []}
    if as_html:
        return Route(content_type=HTML_TYPE, doc=doc, render=render_html)
    return Route.json(doc, SIMPLE_TYPE)


def render_html(doc: Dict[str, Any]) -> bytes:
    """A PEP 691 JSON document as a PEP 503 page (with PyPI's ``<!--SERIAL n-->`` comment).

    Example: ``b'data-requires-python="&gt;=3.8"' in render_html(doc)``
    """
    title = html.escape(doc["name"])
    anchors = "".join(f"    {_anchor(entry)}<br />\n" for entry in doc["files"])
    return (f'<!DOCTYPE html>\n<html>\n  <head>\n    <meta name="pypi:repository-version" content="1.1">\n'
            f"    <title>Links for {title}</title>\n  </head>\n  <body>\n    <h1>Links for {title}</h1>\n"
            f"{anchors}  </body>\n</html>\n<!--SERIAL {doc['meta']['_last-serial']}-->\n").encode()


def _anchor(entry: Dict[str, Any]) -> str:
    """One file's ``<a>``: the sha256 as a fragment, the PEP 503/592/658/714 data attributes."""
    attrs = [("href", f"{entry['url']}#sha256={entry['hashes']['sha256']}")]
    if entry.get("requires-python"):
        attrs.append(("data-requires-python", entry["requires-python"]))
    if entry.get("yanked"):
        attrs.append(("data-yanked", "" if entry["yanked"] is True else str(entry["yanked"])))
    metadata = entry.get("core-metadata")
    if isinstance(metadata, dict):
        attrs.append(("data-core-metadata", f"sha256={metadata['sha256']}"))
    elif metadata:
        attrs.append(("data-core-metadata", "true"))
    text = " ".join(f'{key}="{html.escape(value, quote=True)}"' for key, value in attrs)
    return f"<a {text}>{html.escape(entry['filename'])}</a>"
