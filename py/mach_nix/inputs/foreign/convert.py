"""A foreign lock → the packages of a mach-nix lock, for one target.

What is installed: for a graph lock, what the edges from the lock's own project reach (markers
evaluated, the selected extras and groups followed); for a flat lock, the packages whose marker
holds with the selected extras and groups. Each package then gets one file: its best wheel for the
target (by the target's tag order, as the resolver picks), else its sdist. Files without a URL
(Poetry) take it from the index, else from PyPI's simple page. An sdist's build system comes from
the index, else from the sdist itself (downloaded and read statically, never run), else it is
assumed (setuptools) and reported; build requirements are left to the Nix side
(``build_system.resolved = false``), as with ``--no-build-deps``.

Example: ``convert(read_foreign_lock(Path("uv.lock")), Target.create("3.11"), index=LazyIndex(Index.open()))``
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, List, Optional, Sequence, Set, Tuple

from mach_nix.constants import LEGACY_BUILD_SYSTEM
from mach_nix.errors import MachNixError
from mach_nix.inputs.foreign import Edge, ForeignFile, ForeignLock, ForeignPackage
from mach_nix.names import normalize
from mach_nix.resolve.target import Target

if TYPE_CHECKING:
    from mach_nix.shapes import FileNode, LockBuildSystem, LockEntry, Packages

# (name, filename) -> {"url", "sha256", "build_system"?}: what PyPI knows of a file (network)
FileLookup = Callable[[str, str], Optional[Dict[str, Any]]]
UNREADABLE_SOURCES = ("git", "directory", "path")  # "path" is readable when it names a hashed file


@dataclass
class Converted:
    """Lock packages (name → entry), roots and warnings of one conversion."""

    packages: Packages
    roots: List[str]
    warnings: List[str] = field(default_factory=list)


def convert(foreign: ForeignLock, target: Target, *, index: Any, extras: Sequence[str] = (),
            groups: Sequence[str] = (), lookup: Optional[FileLookup] = None) -> Converted:
    """The mach-nix lock packages of ``foreign`` for ``target`` (``lookup`` None: offline)."""
    _check_python(foreign, target)
    extras = tuple(normalize(e) for e in extras)
    groups = tuple(normalize(g) for g in groups)
    extras_of: Dict[str, Set[str]] = {}
    if foreign.flat:
        chosen, edges = _select_flat(foreign, target, extras, groups)
    else:
        chosen, edges = _select_graph(foreign, target, extras, groups, extras_of)
    _refuse_unreadable(foreign, chosen)
    warnings: List[str] = []
    packages: Packages = {}
    missing: List[str] = []
    for name, package in sorted(chosen.items()):
        entry = _entry(foreign, package, target, index, lookup, missing)
        if entry is not None:
            entry["extras"] = sorted(extras_of.get(name, ()))
            packages[name] = entry
    if missing:
        raise MachNixError(f"{foreign.path}: {'; '.join(missing)}.")
    for name, entry in packages.items():
        deps = edges.get(name)
        if deps is None:  # a flat lock that lists no dependencies: the index knows the file's
            deps = _index_dependencies(index, name, entry, target, set(packages))
        entry["dependencies"] = sorted(d for d in set(deps) if d in packages and d != name)
    depended = {d for e in packages.values() for d in e["dependencies"]}
    roots = edges.get("", None)
    root_names = sorted(r for r in roots if r in packages) if roots is not None else sorted(set(packages) - depended)
    assumed = sorted(n for n, e in packages.items() if e.get("build_system", {}).get("source") == "assumed")
    if assumed:
        warnings.append(f"the build systems of the sdists {', '.join(assumed)} are unknown (not in the index, and not "
                        "read from the sdist); setuptools is assumed. If a build fails, add the package to overrides/ "
                        "or to the index (`mach-nix index build --packages NAME==VERSION --out DIR`).")
    return Converted(packages, root_names or sorted(packages), warnings)


def _check_python(foreign: ForeignLock, target: Target) -> None:
    from mach_nix.resolve.candidates import parse_specifier

    spec = parse_specifier(foreign.requires_python or "")
    if foreign.requires_python and spec is not None and not spec.contains(target.python_full, prereleases=True):
        raise MachNixError(f"{foreign.path} requires Python {foreign.requires_python!r}, which excludes the target "
                           f"CPython {target.python_full}; pass a matching --python.")


def _marker_holds(marker: Optional[str], env: Dict[str, Any], context: str = "metadata") -> bool:
    if not marker:
        return True
    from packaging.markers import InvalidMarker, Marker

    try:
        parsed = Marker(marker)
    except InvalidMarker as exc:
        raise MachNixError(f"the marker {marker!r} is not valid PEP 508 ({exc}).") from None
    if context == "lock_file":
        return parsed.evaluate(env, context="lock_file")
    return parsed.evaluate(env)


def _with_extra(target: Target, extra: str) -> Dict[str, Any]:
    return dict(target.environment, extra=extra)


# --- which packages are installed -------------------------------------------------------------


def _select_graph(foreign: ForeignLock, target: Target, extras: Tuple[str, ...], groups: Tuple[str, ...],
                  extras_of: Dict[str, Set[str]]) -> Tuple[Dict[str, ForeignPackage], Dict[str, List[str]]]:
    """Walk the edges from the lock's own project; ``extras_of`` collects the extras each package gets."""
    by_name = foreign.by_name()
    env = _with_extra(target, "")
    start: List[Edge] = []
    for own_name in foreign.own_names:
        own = by_name[own_name][0]
        _check_selection(foreign, own, extras, groups)
        start += own.dependencies + [e for x in extras for e in own.optional.get(x, [])]
        start += [e for g in groups for e in own.groups.get(g, [])]
    chosen: Dict[str, ForeignPackage] = {}
    edges: Dict[str, List[str]] = {"": []}  # "" -> the roots
    queue: List[Tuple[str, Edge]] = [("", e) for e in start]
    while queue:
        parent, edge = queue.pop(0)
        if edge.name in foreign.own_names or not _marker_holds(edge.marker, env):
            continue
        package = _pick_version(foreign, by_name, edge)
        edges.setdefault(parent, []).append(package.name)
        new_extras = set(edge.extras) - extras_of.setdefault(package.name, set())
        if package.name in chosen and not new_extras:
            continue
        first = package.name not in chosen
        chosen[package.name] = package
        extras_of[package.name] |= set(edge.extras)
        follow = (package.dependencies if first else []) + [e for x in sorted(new_extras) for e in package.optional.get(x, [])]
        queue += [(package.name, e) for e in follow]
    for name in chosen:
        edges.setdefault(name, [])
    return chosen, edges


def _check_selection(foreign: ForeignLock, own: ForeignPackage, extras: Tuple[str, ...], groups: Tuple[str, ...]) -> None:
    for kind, asked, known in (("extra", extras, own.optional), ("group", groups, own.groups)):
        absent = [x for x in asked if x not in known]
        if absent:
            raise MachNixError(f"{foreign.path}: {own.name} has no {kind} {', '.join(repr(x) for x in absent)} "
                               f"(it has: {', '.join(sorted(known)) or 'none'}).")


def _pick_version(foreign: ForeignLock, by_name: Dict[str, List[ForeignPackage]], edge: Edge) -> ForeignPackage:
    options = by_name.get(edge.name)
    if not options:
        raise MachNixError(f"{foreign.path}: a dependency names {edge.name!r}, which the lock does not contain; "
                           "re-create the lock.")
    if len(options) > 1 and edge.version:
        options = [p for p in options if p.version == edge.version] or options
    return options[0]


def _select_flat(foreign: ForeignLock, target: Target, extras: Tuple[str, ...],
                 groups: Tuple[str, ...]) -> Tuple[Dict[str, ForeignPackage], Dict[str, List[str]]]:
    chosen: Dict[str, ForeignPackage] = {}
    for package in foreign.packages:
        if package.name not in foreign.own_names and _installed(foreign, package, target, extras, groups):
            if package.name in chosen:
                raise MachNixError(f"{foreign.path}: both {package.name} {chosen[package.name].version} and "
                                   f"{package.version} apply to the target; the lock is ambiguous for it.")
            chosen[package.name] = package
    edges: Dict[str, List[str]] = {}
    for name, package in chosen.items():
        if package.dependencies or foreign.format == "poetry":
            env = _with_extra(target, "")
            edges[name] = [e.name for e in package.dependencies if _marker_holds(e.marker, env)]
    return chosen, edges


def _installed(foreign: ForeignLock, package: ForeignPackage, target: Target, extras: Tuple[str, ...],
               groups: Tuple[str, ...]) -> bool:
    if foreign.format == "pylock":
        env = dict(target.environment, extras=set(extras), dependency_groups=set(groups or foreign.default_groups))
        return _marker_holds(package.marker, env, context="lock_file")
    wanted = ("main",) + groups  # Poetry: the main group always, plus the selected ones
    markers = [package.group_markers.get(g, package.marker) for g in package.in_groups if g in wanted]
    if not any(g in wanted for g in package.in_groups):
        return False
    envs = [_with_extra(target, x) for x in ("",) + extras]
    return any(_marker_holds(m, env) for m in markers for env in envs)


# --- one entry per package --------------------------------------------------------------------


def _local_file(package: ForeignPackage) -> bool:
    """A path source that names one hashed wheel or sdist: Nix copies it (builtins.path) instead of fetching."""
    files = package.wheels + ([package.sdist] if package.sdist else [])
    return package.source == "path" and bool(files) and all(f.path and f.sha256 for f in files)


def _refuse_unreadable(foreign: ForeignLock, chosen: Dict[str, ForeignPackage]) -> None:
    bad = [f"{p.name} ({p.source} {p.source_ref})" for p in chosen.values()
           if p.source in UNREADABLE_SOURCES and not _local_file(p)]
    if bad:
        raise MachNixError(f"{foreign.path}: mach-nix builds only hashed files that Nix can fetch, and these packages "
                           f"are local or VCS sources: {', '.join(sorted(bad))}. Package them with the Nix library "
                           "(buildPythonPackage { src = …; }) and pass them in packagesExtra, or publish them to an "
                           "index and re-lock.")


def _entry(foreign: ForeignLock, package: ForeignPackage, target: Target, index: Any, lookup: Optional[FileLookup],
           missing: List[str]) -> Optional[LockEntry]:
    """The lock entry of one package (its dependencies filled in later); None after noting what is missing."""
    file, provider = _best_file(package, target)
    if file is None:
        missing.append(f"{package.name} {package.version} has no wheel for {target.system} CPython {target.python} "
                       "and no sdist")
        return None
    entry: LockEntry = {"name": package.name, "version": package.version, "provider": provider,
                        "filename": file.filename, "dependencies": [], "extras": [], "requires_python": None}
    known = None
    if file.path is not None and file.sha256:  # a local file (path source), named relative to the lock
        entry["path"], entry["sha256"] = file.path, file.sha256
    else:
        from mach_nix.index.storage.schema import file_url

        known = _index_file(index, package.name, file.filename)
        url = file.url or (file_url(known) if known else None)
        sha256 = file.sha256 or (known.get("sha256") if known is not None else None)
        if (url is None or sha256 is None) and lookup is not None:
            fetched = lookup(package.name, file.filename) or {}
            url, sha256 = url or fetched.get("url"), sha256 or fetched.get("sha256")
        if url is None or sha256 is None:
            what = "URL" if url is None else "sha256"
            missing.append(f"{file.filename} ({package.name}) has no {what} in the lock"
                           + (" nor in the index" if index is not None else "")
                           + ("; run without --offline to look it up on PyPI" if lookup is None else " nor on PyPI"))
            return None
        entry["url"], entry["sha256"] = url, sha256
    if provider == "wheel":
        from mach_nix.resolve.candidates import wheel_tags

        entry["wheel_tags"] = wheel_tags(file.filename)
    else:
        entry["build_system"] = _build_system(package, file, known, lookup if "url" in entry else None)
        if known is not None and known.get("external"):
            entry["external"] = known["external"]  # PEP 725, as the index read it from the sdist
    return entry


def _best_file(package: ForeignPackage, target: Target) -> Tuple[Optional[ForeignFile], str]:
    from mach_nix.resolve.candidates import wheel_tags

    ranked = []
    for wheel in package.wheels:
        rank = min((target.tag_priority.get(t, 1 << 30) for t in wheel_tags(wheel.filename)), default=1 << 30)
        if rank < 1 << 30:
            ranked.append((rank, wheel.filename, wheel))
    if ranked:
        return min(ranked, key=lambda r: (r[0], r[1]))[2], "wheel"
    return package.sdist, "sdist"


def _index_file(index: Any, name: str, filename: str) -> Optional[FileNode]:
    project = index.project(name) if index is not None else None
    for files in (project or {}).get("releases", {}).values():
        for node in files:
            if node["filename"] == filename:
                return node
    return None


def _index_dependencies(index: Any, name: str, entry: LockEntry, target: Target, names: Set[str]) -> List[str]:
    from mach_nix.index.storage.schema import file_requires_dist
    from mach_nix.resolve.requirements import parse_dependency

    project = index.project(name) if index is not None else None
    node = _index_file(index, name, entry["filename"])
    if project is None or node is None:
        return []
    env = _with_extra(target, "")
    out = []
    for text in file_requires_dist(project, node) or []:
        parsed = parse_dependency(text)
        if parsed is not None and parsed[0] in names and _marker_holds(_marker_text(text), env):
            out.append(parsed[0])
    return out


def _marker_text(requirement: str) -> Optional[str]:
    return requirement.partition(";")[2].strip() or None


def _build_system(package: ForeignPackage, file: ForeignFile, known: Optional[FileNode],
                  lookup: Optional[FileLookup]) -> LockBuildSystem:
    found = known.get("build_system") if known is not None else None
    if not found and lookup is not None:
        found = (lookup(package.name, file.filename) or {}).get("build_system")
    bs = found or LEGACY_BUILD_SYSTEM
    source = None if found else "assumed"
    requires = list(bs.get("requires", []))
    return {"requires": requires, "backend": bs.get("backend"), "source": source or bs.get("source", "pyproject"),
            "dependencies": sorted(set(_requirement_names(requires))), "resolved": False}


def _requirement_names(requires: Iterable[str]) -> List[str]:
    from mach_nix.resolve.requirements import parse_dependency

    return [parsed[0] for parsed in (parse_dependency(r) for r in requires) if parsed is not None]
