"""Parse dependency metadata: core metadata (METADATA / PKG-INFO), egg-info ``requires.txt``,
static ``pyproject.toml`` ``[project]`` tables, ``[build-system]`` and PEP 725 ``[external]``.

Nothing here executes project code: it only reads files that some tool already wrote.

Errors: :func:`parse_core_metadata` and :func:`parse_pyproject` never raise (a pyproject.toml
that cannot be used says why in ``PyProject.problem``); :func:`parse_requires_txt` raises
:class:`MetadataError` naming the file and the line. Every requirement string returned parses
with ``packaging.requirements.Requirement``.
"""

from __future__ import annotations

import email.parser
import email.policy
import re
import sys
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from packaging.requirements import Requirement

from mach_nix.constants import LEGACY_BUILD_SYSTEM
from mach_nix.errors import MachNixError
from mach_nix.index.storage.schema import EXTERNAL_LISTS, EXTERNAL_TABLES

if sys.version_info >= (3, 11):  # a version test, not try/except: mypy follows it
    import tomllib
else:  # pragma: no cover - exercised on 3.9/3.10
    import tomli as tomllib


class MetadataError(MachNixError):
    """A metadata file is invalid; the message names the file and the line or key. The crawler
    records it on the file node as ``metadata_error`` (the dependencies are then unknown)."""


def _checked(requirement: str, where: str, what: str = "") -> str:
    """``requirement`` if it parses, else MetadataError naming ``where`` (and ``what`` made it)."""
    try:
        Requirement(requirement)
    except ValueError as exc:  # packaging raises InvalidRequirement, and InvalidSpecifier for e.g. "a===,a"
        reason = str(exc).splitlines()[0]
        raise MetadataError(f"{where}: {requirement!r}{what} is not a valid requirement ({reason}).") from None
    return requirement


@dataclass
class CoreMetadata:
    """The fields of a METADATA / PKG-INFO file the index needs."""

    metadata_version: str
    name: str
    version: str
    requires_dist: List[str] = field(default_factory=list)
    provides_extra: List[str] = field(default_factory=list)
    requires_python: Optional[str] = None
    dynamic: List[str] = field(default_factory=list)

    def static_requires_dist(self) -> bool:
        """PEP 643: from Metadata-Version 2.2 on, a field not marked Dynamic is authoritative."""
        return _version_tuple(self.metadata_version) >= (2, 2) and "requires-dist" not in self.dynamic


def _version_tuple(text: str) -> Tuple[int, ...]:
    parts = re.findall(r"\d+", text or "")
    return tuple(int(p) for p in parts[:2]) or (0,)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def parse_core_metadata(data: bytes) -> CoreMetadata:
    """Parse a METADATA or PKG-INFO file (RFC 822 style headers; the body is ignored).

    Example::

        meta = parse_core_metadata(b"Metadata-Version: 2.1\\nName: a\\nVersion: 1\\nRequires-Dist: b>=1\\n")
        meta.requires_dist == ["b>=1"]
    """
    text = _decode(data)
    # Only the header block matters; cutting the body keeps huge READMEs out of the parser.
    head = re.split(r"\r?\n\r?\n", text, maxsplit=1)[0]
    msg = email.parser.HeaderParser(policy=email.policy.compat32).parsestr(head)

    def many(key: str) -> List[str]:
        return [" ".join(str(v).split()) for v in (msg.get_all(key) or []) if str(v).strip()]

    requires_python = msg.get("Requires-Python")
    return CoreMetadata(
        metadata_version=str(msg.get("Metadata-Version", "")).strip(),
        name=str(msg.get("Name", "")).strip(),
        version=str(msg.get("Version", "")).strip(),
        requires_dist=many("Requires-Dist"),
        provides_extra=sorted(set(many("Provides-Extra"))),
        requires_python=str(requires_python).strip() if requires_python and str(requires_python).strip() else None,
        dynamic=[d.lower() for d in many("Dynamic")],
    )


_LINES = re.compile(r"\r\n|\r|\n")  # universal newlines, as setuptools reads requires.txt; not str.splitlines
_SECTION = re.compile(r"^\[(?P<extra>[^:\]]*)(?::(?P<marker>.*))?\]$")


def _with_marker(requirement: str, marker: Optional[str], extra: Optional[str]) -> str:
    """Attach an extra and/or a section marker to a requirement line from requires.txt."""
    clauses = []
    if ";" in requirement:  # a line with its own marker (rare): keep it as one more clause
        requirement, own = (part.strip() for part in requirement.split(";", 1))
        clauses.append(f"({own})")
    if marker:
        clauses.append(f"({marker})" if extra or clauses else marker)
    if extra:
        clauses.append(f'extra == "{extra}"')
    if not clauses:
        return requirement
    return f"{requirement}; {' and '.join(clauses)}"


def parse_requires_txt(data: bytes, where: str = "requires.txt") -> Tuple[List[str], List[str]]:
    """Convert setuptools' ``*.egg-info/requires.txt`` to Requires-Dist strings and extras.

    Sections are ``[extra]``, ``[extra:marker]`` and ``[:marker]``. Raises MetadataError naming
    ``where`` and the line when a line, or a line under its section's marker, is not a valid
    requirement.

    Example::

        parse_requires_txt(b"a>=1\\n[socks]\\nPySocks\\n[:python_version < '3.8']\\nzipp\\n")
        == (["a>=1", "PySocks; extra == \\"socks\\"", "zipp; python_version < '3.8'"], ["socks"])
    """
    requires: List[str] = []
    extras: List[str] = []
    extra: Optional[str] = None
    marker: Optional[str] = None
    header = ""
    for number, raw in enumerate(_LINES.split(_decode(data)), 1):  # numbered as an editor shows them
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        section = _SECTION.match(line)
        if section:
            header = line
            extra = (section.group("extra") or "").strip() or None
            marker = (section.group("marker") or "").strip() or None
            if extra and extra not in extras:
                extras.append(extra)
            continue
        _checked(line, f"{where}, line {number}")
        requires.append(_checked(_with_marker(line, marker, extra), f"{where}, line {number}", f" under {header}"))
    return requires, sorted(extras)


@dataclass
class PyProject:
    """What an sdist's pyproject.toml says statically."""

    build_system: Dict[str, Any]
    requires_dist: Optional[List[str]]  # None when dependencies are dynamic or there is no [project]
    provides_extra: List[str]
    requires_python: Optional[str]
    problem: Optional[str] = None
    external: Optional[Dict[str, Any]] = None  # PEP 725 [external], see external_of


def _extra_requirement(requirement: str, extra: str) -> str:
    req = Requirement(requirement)
    if req.marker is None:
        return f'{requirement}; extra == "{extra}"'
    base = requirement.split(";", 1)[0].strip()
    return f'{base}; ({req.marker}) and extra == "{extra}"'


def build_system_of(doc: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    """The ``[build-system]`` of a parsed pyproject.toml, or setuptools' legacy default.

    PEP 517/518: no table → legacy default; a table without ``build-backend`` → the legacy
    backend with the table's requirements.
    """
    table = (doc or {}).get("build-system")
    if not isinstance(table, dict):
        return dict(LEGACY_BUILD_SYSTEM)
    requires = table.get("requires")
    if not isinstance(requires, list) or not all(isinstance(r, str) for r in requires):
        requires = list(LEGACY_BUILD_SYSTEM["requires"])
    backend = table.get("build-backend")
    if not isinstance(backend, str) or not backend:
        backend = LEGACY_BUILD_SYSTEM["backend"]
    return {"requires": list(requires), "backend": backend, "source": "pyproject"}


def _dep_strings(value: Any, group: bool = False) -> Optional[List[str]]:
    """``value`` when it is a list of external dependency specifiers (strings that start with a
    DepURL's ``dep:``), else None. A dependency ``group`` may also hold ``{include-group = …}``
    tables (PEP 735), which are dropped here (they only name other groups of the same table)."""
    if not isinstance(value, list):
        return None
    kept = [v.strip() for v in value if isinstance(v, str)]
    tables = sum(isinstance(v, dict) for v in value) if group else 0
    if len(kept) + tables != len(value) or not all(v.startswith("dep:") for v in kept):
        return None
    return kept


def external_of(doc: Optional[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
    """The PEP 725 ``[external]`` table of a parsed pyproject.toml, as the index records it: the
    known keys that are well formed and not empty, specifiers verbatim; None when there is none.
    A malformed key is left out (the sdist's Python metadata stays usable; PEP 725 asks build
    tools, not indexes, to reject it).

    Example::

        external_of({"external": {"build-requires": ["dep:virtual/compiler/c"], "host-requires": []}})
        == {"build-requires": ["dep:virtual/compiler/c"]}
    """
    table = (doc or {}).get("external")
    if not isinstance(table, dict):
        return None
    out: Dict[str, Any] = {}
    for key in EXTERNAL_LISTS:
        deps = _dep_strings(table.get(key))
        if deps:
            out[key] = deps
    for key in EXTERNAL_TABLES:
        groups = table.get(key)
        if not isinstance(groups, dict):
            continue
        kept = {name: deps for name, value in sorted(groups.items()) if (deps := _dep_strings(value, key == "dependency-groups"))}
        if kept:
            out[key] = kept
    return out or None


def _strings(value: Any, where: str, key: str) -> List[str]:
    """``value`` when it is a list of strings, else MetadataError naming the key."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise MetadataError(f"{where}: [project] {key} is not a list of strings.")
    return value


def _static_dependencies(project: Dict[str, Any], where: str) -> Tuple[List[str], List[str]]:
    """Requires-Dist strings and extras of a static ``[project]`` table; MetadataError when its
    ``dependencies`` or ``optional-dependencies`` are not what PEP 621 says they are."""
    deps = [_checked(d, where) for d in _strings(project.get("dependencies", []), where, "dependencies")]
    optional = project.get("optional-dependencies", {})
    if not isinstance(optional, dict):
        raise MetadataError(f"{where}: [project] optional-dependencies is not a table.")
    for extra in sorted(optional):
        key = f"optional-dependencies.{extra}"
        for requirement in _strings(optional[extra], where, key):
            _checked(requirement, where)
            deps.append(_checked(_extra_requirement(requirement, extra), where, f" (from {key})"))
    return deps, sorted(optional)


def parse_pyproject(data: bytes, where: str = "pyproject.toml") -> PyProject:
    """Read ``[build-system]`` and the static parts of ``[project]`` from pyproject.toml bytes.
    Never raises: what makes the dependencies unusable is in ``problem``, naming ``where``.

    Example::

        p = parse_pyproject(b'[project]\\nname="a"\\nversion="1"\\ndependencies=["b"]\\n')
        p.requires_dist == ["b"] and p.build_system["source"] == "default"
    """
    try:
        doc = tomllib.loads(_decode(data))
    except tomllib.TOMLDecodeError as exc:
        return PyProject(dict(LEGACY_BUILD_SYSTEM), None, [], None, problem=f"{where} is not valid TOML ({exc})")
    build = build_system_of(doc)
    external = external_of(doc)
    project = doc.get("project")
    if not isinstance(project, dict):
        return PyProject(build, None, [], None, problem=f"{where} has no [project] table", external=external)
    rp = project.get("requires-python")
    requires_python = rp if isinstance(rp, str) else None
    try:
        dynamic = [d.lower() for d in _strings(project.get("dynamic", []), where, "dynamic")]
        if "dependencies" in dynamic or "optional-dependencies" in dynamic:
            return PyProject(build, None, [], requires_python, problem=f"{where} declares its dependencies dynamic", external=external)
        deps, extras = _static_dependencies(project, where)
    except MetadataError as exc:
        return PyProject(build, None, [], requires_python, problem=exc.message, external=external)
    return PyProject(build, deps, extras, requires_python, external=external)


@dataclass
class SdistMetadata:
    """What the index records for an sdist node (see docs/index-format.md)."""

    source: str  # "pkg-info" | "egg-info" | "pyproject" | "unknown"
    requires_dist: Optional[List[str]]
    provides_extra: List[str]
    build_system: Dict[str, Any]
    error: Optional[str] = None
    external: Optional[Dict[str, Any]] = None  # pyproject.toml's PEP 725 [external] (external_of)


def sdist_metadata(members: Dict[str, bytes], filename: str = "sdist") -> SdistMetadata:
    """Decide an sdist's dependencies from its members (paths without the top directory).

    Order: PKG-INFO when Metadata-Version >= 2.2 and Requires-Dist is not Dynamic; else
    ``*.egg-info/requires.txt`` (an egg-info directory without one means "no dependencies");
    else a static ``[project]`` table; else unknown, with the reason.

    Example: ``sdist_metadata({"PKG-INFO": b"Metadata-Version: 2.2\\nName: a\\nVersion: 1\\n"}).source == "pkg-info"``
    """
    pyproject = parse_pyproject(members["pyproject.toml"], f"{filename}: pyproject.toml") if "pyproject.toml" in members else None
    build = pyproject.build_system if pyproject else dict(LEGACY_BUILD_SYSTEM)
    external = pyproject.external if pyproject else None
    pkg_info = parse_core_metadata(members["PKG-INFO"]) if "PKG-INFO" in members else None
    extras = list(pkg_info.provides_extra) if pkg_info else []
    if pkg_info and pkg_info.static_requires_dist():
        return SdistMetadata("pkg-info", pkg_info.requires_dist, extras, build, external=external)
    egg_dirs = sorted({p.rsplit("/", 1)[0] for p in members if ".egg-info/" in p}, key=lambda d: (d.count("/"), d))
    if egg_dirs:
        requires_txt = members.get(f"{egg_dirs[0]}/requires.txt")
        try:
            requires, egg_extras = parse_requires_txt(requires_txt or b"", f"{filename}: {egg_dirs[0]}/requires.txt")
        except MetadataError as exc:
            return SdistMetadata("unknown", None, extras, build, error=exc.message, external=external)
        return SdistMetadata("egg-info", requires, sorted(set(extras) | set(egg_extras)), build, external=external)
    if pyproject and pyproject.requires_dist is not None:
        return SdistMetadata("pyproject", pyproject.requires_dist, pyproject.provides_extra, build, external=external)
    reasons = []
    if pkg_info is None:
        reasons.append("no PKG-INFO")
    elif not pkg_info.static_requires_dist():
        reasons.append(f"PKG-INFO {pkg_info.metadata_version or '?'} without static Requires-Dist")
    reasons.append("no egg-info")
    reasons.append(pyproject.problem if pyproject and pyproject.problem else "no pyproject.toml")
    return SdistMetadata("unknown", None, extras, build, error="; ".join(reasons), external=external)
