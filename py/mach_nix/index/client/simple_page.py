"""Simple-API project pages (PEP 691 JSON, PEP 503 HTML) parsed into one form, checked entry by
entry: a page that is not a simple page of the project is refused with a message naming the URL.

Example: ``parse_page("https://pypi.org/simple/six/", "six", resp).files[0]["hashes"]["sha256"]``
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any, Dict, List, Optional, Tuple, Union
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

import orjson

from mach_nix.index.client.http import FetchError, Response, header
from mach_nix.index.storage.tags import file_version
from mach_nix.names import normalize


@dataclass
class SimpleProject:
    """A project's simple page in the PEP 691 form: name, serial, versions, and file entries.

    ``files`` hold only files with a sha256 (nothing else can be locked), each ``url`` absolute
    and without a ``#...`` fragment. ``versions`` is as the index lists them, else derived from
    the filenames; it may be empty.
    """

    name: str
    last_serial: int
    versions: List[str]
    files: List[Dict[str, Any]]


def parse_page(url: str, name: str, resp: Response) -> SimpleProject:
    """The page ``resp`` answered for project ``name`` (normalized) at ``url``, JSON or HTML by its
    Content-Type (else its first byte); FetchError when it is neither or is malformed.

    Example: ``parse_page(url, "six", Response(200, b'{"name": "six", "files": []}', {})).files == []``
    """
    kind = _page_kind(resp)
    if kind == "json":
        page = _json_page(url, resp)
    elif kind == "html":
        page = _html_page(url, name, resp)
    else:
        raise FetchError(f"{url} returned neither a PEP 691 JSON nor a PEP 503 HTML page "
                         f"(Content-Type {header(resp, 'Content-Type') or 'missing'}).")
    return _finish_page(url, page)


def _page_kind(resp: Response) -> Optional[str]:
    """``"json"`` or ``"html"`` by Content-Type, else by the body's first byte; None if neither."""
    ctype = header(resp, "Content-Type").split(";")[0].strip().lower()
    if ctype.endswith("json"):
        return "json"
    if "html" in ctype:
        return "html"
    first = resp.data.lstrip()[:1]
    return {b"{": "json", b"<": "html"}.get(first)


_REFUSED = ("It is not used and nothing of it is cached; check --index-url, or retry once the server "
            "answers properly.")


def _entry_problem(entry: Any) -> Optional[str]:
    """What is wrong with one ``files`` entry of a PEP 691 page, or None."""
    if not isinstance(entry, dict):
        return f"is a {type(entry).__name__}, not an object"
    for key in ("filename", "url"):
        if not isinstance(entry.get(key), str) or not entry[key]:
            return f"has no {key} string"
    hashes = entry.get("hashes", {})
    if not isinstance(hashes, dict) or not all(isinstance(v, str) for v in hashes.values()):
        return "has hashes that are not a table of strings"
    if entry.get("requires-python") is not None and not isinstance(entry["requires-python"], str):
        return "has a requires-python that is not a string"
    if not isinstance(entry.get("yanked", False), (bool, str)):
        return "has a yanked that is neither true/false nor a reason"
    if entry.get("size") is not None and (not isinstance(entry["size"], int) or isinstance(entry["size"], bool)):
        return "has a size that is not an integer"
    if entry.get("upload-time") is not None and not isinstance(entry["upload-time"], str):
        return "has an upload-time that is not a string"
    return None


def _json_page(url: str, resp: Response) -> SimpleProject:
    """Parse a PEP 691 JSON page (file URLs still as served); FetchError naming what is malformed."""
    try:
        doc = orjson.loads(resp.data)
    except orjson.JSONDecodeError as exc:
        raise FetchError(f"{url} answered with invalid JSON ({str(exc).splitlines()[0]}) where a PEP 691 page "
                         f"was expected. {_REFUSED}") from None
    problem = None
    if not isinstance(doc, dict):
        problem = f"the document is a JSON {type(doc).__name__}, not an object"
    elif not isinstance(doc.get("name"), str):
        problem = "it has no \"name\" string"
    elif not isinstance(doc.get("files"), list):
        problem = "its \"files\" is not a list"
    elif not isinstance(doc.get("meta", {}), dict):
        problem = "its \"meta\" is not an object"
    elif not isinstance(doc.get("versions", []), list) or not all(isinstance(v, str) for v in doc.get("versions", [])):
        problem = "its \"versions\" is not a list of strings"
    else:
        problem = next((f"file entry {i} {why}" for i, why in enumerate(map(_entry_problem, doc["files"])) if why), None)
    if problem is not None:
        raise FetchError(f"{url} answered a malformed PEP 691 JSON page: {problem}. {_REFUSED}")
    meta = doc.get("meta", {})
    try:
        serial = int(meta.get("_last-serial") or header(resp, "X-PyPI-Last-Serial") or 0)
    except (TypeError, ValueError):
        serial = 0
    return SimpleProject(name=doc["name"], last_serial=serial, versions=list(doc.get("versions", [])),
                         files=[dict(f) for f in doc["files"]])


def _html_page(url: str, name: str, resp: Response) -> SimpleProject:
    """Parse a PEP 503 HTML page: one file entry (PEP 691 form) per ``<a href>``."""
    parser = _SimpleHTML()
    try:
        parser.feed(resp.data.decode("utf-8", errors="replace"))
        parser.close()
    except (AssertionError, ValueError) as exc:  # html.parser gives up on very broken markup
        raise FetchError(f"{url} did not return a parseable PEP 503 HTML page ({exc}).") from None
    if not parser.files and resp.data.strip():
        raise FetchError(f"{url} answered HTTP 200 with {len(resp.data)} bytes of HTML that hold no file link: "
                         f"not a PEP 503 page of the project. {_REFUSED}")
    base = urljoin(url, parser.base) if parser.base else url
    files = [dict(entry, url=urljoin(base, entry["url"])) for entry in parser.files]
    serial = parser.serial or int(header(resp, "X-PyPI-Last-Serial") or 0)
    return SimpleProject(name=name, last_serial=serial, versions=[], files=files)


def _finish_page(url: str, page: SimpleProject) -> SimpleProject:
    """Resolve file URLs against the page, move ``#hash=`` fragments into ``hashes``, drop files
    without a sha256, and derive the version list from filenames when the page has none."""
    files = [entry for entry in (_resolved(url, f) for f in page.files) if entry["hashes"].get("sha256")]
    versions = page.versions or _versions_of(page.name, files)
    return SimpleProject(page.name, page.last_serial, versions, files)


def _resolved(page_url: str, entry: Dict[str, Any]) -> Dict[str, Any]:
    """``entry`` with an absolute, fragment-free ``url``; a ``#name=value`` fragment fills in
    that hash when ``hashes`` lacks it.

    Example: ``_resolved("https://h/simple/a/", {"url": "../../f/a-1.tar.gz#sha256=ab"})``
    has url ``https://h/f/a-1.tar.gz`` and hashes ``{"sha256": "ab"}``.
    """
    url, fragment = urldefrag(urljoin(page_url, str(entry.get("url", ""))))
    hashes = dict(entry.get("hashes") or {})
    algorithm, sep, value = fragment.partition("=")
    if sep and value:
        hashes.setdefault(algorithm.lower(), value.lower())
    return dict(entry, url=url, hashes=hashes)


def _versions_of(name: str, files: List[Dict[str, Any]]) -> List[str]:
    """The distinct versions the filenames carry, in page order."""
    found = (file_version(str(f.get("filename", "")), normalize(name)) for f in files)
    return list(dict.fromkeys(str(v) for v in found if v is not None))


def _core_metadata(value: str) -> Union[bool, Dict[str, str], None]:
    """A ``data-core-metadata`` attribute in the PEP 691 form: ``True`` or ``{"sha256": ...}``."""
    if value.strip().lower() == "false":
        return None
    algorithm, sep, digest = value.strip().partition("=")
    return {algorithm.lower(): digest.lower()} if sep and digest else True


class _SimpleHTML(HTMLParser):
    """Collects a PEP 503 page's anchors as PEP 691 file entries (relative URLs kept), the
    ``<base href>``, and PyPI's ``<!--SERIAL n-->`` comment."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)  # attribute values and text arrive unescaped
        self.files: List[Dict[str, Any]] = []
        self.base = ""
        self.serial = 0
        self._anchor: Optional[Tuple[Dict[str, Optional[str]], List[str]]] = None

    def handle_starttag(self, tag: str, attrs: List[Tuple[str, Optional[str]]]) -> None:
        found = dict(attrs)
        if tag == "base" and found.get("href"):
            self.base = found["href"] or ""
        elif tag == "a" and found.get("href"):
            self._anchor = (found, [])

    def handle_data(self, data: str) -> None:
        if self._anchor is not None:
            self._anchor[1].append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._anchor is not None:
            attrs, text = self._anchor
            self._anchor = None
            self.files.append(_html_entry(attrs, "".join(text).strip()))

    def handle_comment(self, data: str) -> None:
        words = data.split()
        if len(words) == 2 and words[0] == "SERIAL" and words[1].isdigit():
            self.serial = int(words[1])


def _html_entry(attrs: Dict[str, Optional[str]], text: str) -> Dict[str, Any]:
    """One anchor as a PEP 691 file entry (the url still relative, its fragment still on)."""
    href = attrs.get("href") or ""
    entry: Dict[str, Any] = {
        "filename": text or unquote(urlsplit(href).path.rsplit("/", 1)[-1]),
        "url": href,
        "hashes": {},
    }
    if attrs.get("data-requires-python") is not None:
        entry["requires-python"] = attrs["data-requires-python"]
    if "data-yanked" in attrs:
        entry["yanked"] = attrs["data-yanked"] or True
    key = next((k for k in ("data-core-metadata", "data-dist-info-metadata") if k in attrs), None)
    metadata = _core_metadata(attrs[key] or "true") if key else None
    if metadata is not None:
        entry["core-metadata"] = metadata
    return entry
