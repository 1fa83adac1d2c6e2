"""Index files → ranked candidates, one :class:`Candidate` per (version, provider).

Ranking: newest acceptable version first; within a version, the package's provider order
(``wheel`` → the best-ranked compatible wheel of the release, ``sdist``, ``nixpkgs``). A file is
rejected, with a reason kept for error messages, when its requires-python excludes the target,
no wheel tag fits, it is yanked (unless pinned with ``==``), or its provider is filtered out.

Files whose dependencies are unknown (sdists with metadata ``unknown``/``not-crawled``) borrow the
Requires-Dist of a wheel of the same release when one is known (``deps_from``); otherwise they are
still usable, with no dependencies, and flagged ``dependencies_unknown`` in the lock.
"""

from __future__ import annotations

from functools import lru_cache, partial
from typing import TYPE_CHECKING, Any, Callable, Dict, FrozenSet, List, Optional, Sequence, Tuple

from packaging.version import Version

from mach_nix.constants import SDIST_SUFFIXES  # noqa: F401 (re-exported)
from mach_nix.index.view.layers import ProjectView
from mach_nix.index.storage.schema import UNREAD_METADATA as UNREAD
from mach_nix.resolve.provider_order import DEFAULT_PROVIDERS, PROVIDERS, parse_providers  # noqa: F401 (re-exported)
from mach_nix.resolve.reasons import Rejected, Rejection
from mach_nix.resolve.specs import LazyVersions, newest_first, parse_specifier, parse_version

if TYPE_CHECKING:
    from mach_nix.resolve.target import Target
    from mach_nix.shapes import FileNode



@lru_cache(maxsize=None)
def python_allowed(requires_python: str, python_full: str) -> bool:
    """Whether ``python_full`` satisfies a Requires-Python (an invalid one is not enforced), memoized.

    Example: ``python_allowed(">=3.8", "3.11.13") is True``; ``python_allowed("<3", "3.11.13") is False``
    """
    spec = parse_specifier(requires_python)
    return spec is None or spec.contains(python_full, prereleases=True)


def wheel_tags(filename: str) -> List[str]:
    """Expanded tags of a wheel filename (compressed tag sets included).

    Example: ``wheel_tags("a-1-py2.py3-none-any.whl") == ["py2-none-any", "py3-none-any"]``
    """
    parts = filename[:-4].split("-")
    if len(parts) < 5:
        return []
    pys, abis, plats = parts[-3].split("."), parts[-2].split("."), parts[-1].split(".")
    return [f"{p}-{a}-{x}" for p in pys for a in abis for x in plats]


def _wheel_preference(node: FileNode) -> Tuple[bool, str]:
    """Which wheel an sdist borrows Requires-Dist from: a pure one first, then by filename."""
    return (not node["filename"].endswith("-none-any.whl"), node["filename"])


class Candidate:
    """One installable choice: a project version from one provider (and, for files, one file).

    ``extra`` is set on the extra-candidates resolvelib sees for ``name[extra]`` identifiers.
    ``deps`` of a file whose metadata is fetched on demand are read on first use (``pending``).
    """

    __slots__ = ("name", "version", "vstr", "provider", "file", "_deps", "deps_from", "extra", "nix_attr", "key",
                 "_pending")

    def __init__(self, name: str, version: Version, vstr: str, provider: str, file: Optional[FileNode],
                 deps: Optional[List[str]], deps_from: Optional[str] = None, extra: Optional[str] = None,
                 nix_attr: Optional[str] = None,
                 pending: Optional[Callable[[], Tuple[Optional[List[str]], Optional[str]]]] = None) -> None:
        self.name = name
        self.version = version
        self.vstr = vstr
        self.provider = provider
        self.file = file
        self._deps = deps
        self.deps_from = deps_from
        self.extra = extra
        self.nix_attr = nix_attr
        self.key = (name, vstr, provider, file["filename"] if file else None)
        self._pending = pending

    @property
    def deps(self) -> Optional[List[str]]:
        """Requires-Dist of the file (None: unknown), fetched now if it is read on demand."""
        if self._pending is not None:
            pending, self._pending = self._pending, None
            self._deps, self.deps_from = pending()
        return self._deps

    def with_extra(self, extra: Optional[str]) -> "Candidate":
        if self._pending is not None:
            return Candidate(self.name, self.version, self.vstr, self.provider, self.file, None, None, extra,
                             self.nix_attr, pending=self._pending)
        return Candidate(self.name, self.version, self.vstr, self.provider, self.file, self._deps, self.deps_from,
                         extra, self.nix_attr)

    @property
    def identifier(self) -> str:
        return f"{self.name}[{self.extra}]" if self.extra else self.name

    def __repr__(self) -> str:
        return f"<{self.identifier} {self.vstr} {self.provider}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Candidate) and self.key == other.key and self.extra == other.extra

    def __hash__(self) -> int:
        return hash((self.key, self.extra))


class ProjectCandidates:
    """Candidates of one project, computed lazily version by version (newest first).

    Example::

        pc = ProjectCandidates("idna", index.project("idna"), target, ("wheel", "sdist"), None)
        best = next(iter(pc.candidates(pc.versions[0][1])))
    """

    def __init__(self, name: str, project: Optional[Dict[str, Any]], target: "Target",
                 providers: Sequence[str], nixpkgs: Optional[Dict[str, Any]],
                 hashes: Optional[FrozenSet[str]] = None, only_file: Optional[str] = None) -> None:
        self.name = name
        self.project = project
        self.target = target
        self.providers = tuple(providers)
        self.nixpkgs = nixpkgs
        self.hashes = hashes  # --hash filter: only files with these sha256
        self.only_file = only_file  # direct reference: only this filename
        releases = project["releases"] if project else {}
        self.nix_version: Optional[str] = None
        nix_text = str(nixpkgs.get("version", "")) if nixpkgs and "nixpkgs" in self.providers and not only_file else ""
        nix = parse_version(nix_text) if nix_text else None
        order = project.get("release_order") if project else None
        self.versions: Sequence[Tuple[Version, str]]
        if order is not None and nix is None:
            self.versions = LazyVersions(order)  # the order of the same releases, known: parse on use
        else:
            versions = newest_first(releases)
            if nix is not None:
                self.nix_version = nix_text
                if not any(pv == nix for pv, _ in versions):
                    versions = newest_first([t for _, t in versions] + [self.nix_version])
            self.versions = versions
        self._has_final: Optional[bool] = None
        self._listed: Optional[List[Tuple[Version, str]]] = None
        self._cache: Dict[Tuple[str, bool], List[Candidate]] = {}

    @property
    def listed_absent(self) -> Optional[List[Tuple[Version, str]]]:
        """Releases PyPI listed when a layer was built (its ``versions`` table) that no layer holds,
        newest first; None when no layer has that table (then nothing is known beyond the layers).

        Example: ``pc.listed_absent[:1] == [(Version("3.7.4"), "3.7.4")]`` for matplotlib when data/
        holds 3.7.5 and the 3.8+ series only.
        """
        if self._listed is None:
            table = self.project.get("versions") if self.project else None
            if table is None:
                return None
            held = self.project["releases"]  # type: ignore[index]
            self._listed = newest_first(v for v in table if v not in held)
        return self._listed

    def listed_absent_matching(self, test: Callable[[Version], bool]) -> Optional[bool]:
        """Whether a release PyPI listed and no layer holds passes ``test`` (unsorted, for a yes/no);
        None without a ``versions`` table.

        Example: ``pc.listed_absent_matching(SpecifierSet("~=3.7.0").contains)`` is True for matplotlib
        when the layers hold 3.7.5 and PyPI listed 3.7.0 … 3.7.4.
        """
        if self._listed is not None:
            return any(test(version) for version, _ in self._listed)
        table = self.project.get("versions") if self.project else None
        if table is None:
            return None
        held = self.project["releases"]  # type: ignore[index]
        return any((version := parse_version(v)) is not None and test(version) for v in table if v not in held)

    @property
    def has_final(self) -> bool:
        """Whether some version is not a pre-release (read up to the newest final one only)."""
        if self._has_final is None:
            self._has_final = any(not v.is_prerelease for v, _ in self.versions)
        return self._has_final

    def candidates(self, vstr: str, yanked_ok: bool = False) -> List[Candidate]:
        """Usable candidates of one version in provider order (memoized)."""
        key = (vstr, yanked_ok)
        cached = self._cache.get(key)
        if cached is None:
            cached = self._cache[key] = self.classify(vstr, yanked_ok)[0]
        return cached

    def classify(self, vstr: str, yanked_ok: bool = False) -> Tuple[List[Candidate], List[Rejected]]:
        """Usable candidates of a version and, per rejected file, why it was rejected.

        Example: ``pc.classify("3.8")[1] == [Rejected(Rejection.YANKED, "yanked; pin it with == to use it")]``
        """
        files: List[FileNode] = (self.project["releases"].get(vstr) or []) if self.project else []
        reasons: List[Rejected] = []
        best_wheel: Optional[Tuple[int, str, FileNode]] = None
        sdist: Optional[FileNode] = None
        wheels_seen = 0
        project = self.project
        # a remote layer's project: unread files are read on use
        fill = project.fill if isinstance(project, ProjectView) else None
        offline = fill is not None and isinstance(project, ProjectView) and project.offline
        for node in files:
            filename = node["filename"]
            is_whl = filename.endswith(".whl")
            kind = "wheel" if is_whl else ("sdist" if filename.endswith(SDIST_SUFFIXES) else None)
            if kind is None or (self.only_file and filename != self.only_file):
                continue
            rejected = self._rejection(node, kind, yanked_ok, offline)
            if rejected is not None:
                reasons.append(rejected)
                continue
            if is_whl:
                wheels_seen += 1
                rank = self._tag_rank(filename)
                if rank == 1 << 30:
                    continue  # counted below: one summary line instead of one per platform
                if best_wheel is None or (rank, filename) < best_wheel[:2]:
                    best_wheel = (rank, filename, node)
            elif sdist is None or filename < sdist["filename"]:
                sdist = node
        if wheels_seen and best_wheel is None:
            reasons += [Rejected(Rejection.WHEEL_TAG, f"no wheel tag compatible with {self._target_text()}")] * wheels_seen
        out = self._build(vstr, files, best_wheel[2] if best_wheel else None, sdist, fill is not None)
        if not files and not out:
            reasons.append(Rejected(Rejection.NO_FILES, f"{self.name} {vstr} has no files in the index"))
        return out, reasons

    def _rejection(self, node: FileNode, kind: str, yanked_ok: bool, offline: bool) -> Optional[Rejected]:
        """Why one file of a release cannot be used (its wheel tags aside), or None."""
        if kind not in self.providers and not self.only_file:
            return Rejected(Rejection.PROVIDER, f"provider '{kind}' not allowed for {self.name}")
        if self.hashes is not None and node["sha256"] not in self.hashes:
            return Rejected(Rejection.HASH, "sha256 not among the --hash values")
        if node.get("yanked") and not yanked_ok:
            why = node["yanked"]
            return Rejected(Rejection.YANKED, "yanked" + (f" ({why})" if isinstance(why, str) and why else "")
                            + "; pin it with == to use it")
        rp = node.get("requires_python")
        if rp and not python_allowed(rp, self.target.python_full):
            return Rejected(Rejection.PYTHON, f"requires Python {rp} (target {self.target.python_full})")
        if offline and node.get("metadata") == UNREAD:
            return Rejected(Rejection.OFFLINE_METADATA,
                            "its metadata is not in the cache (--offline; lock once online to fetch it)")
        return None

    def _build(self, vstr: str, files: List[FileNode], wheel: Optional[FileNode],
               sdist: Optional[FileNode], on_demand: bool) -> List[Candidate]:
        """The candidates of a release in provider order, from its chosen wheel and sdist (and nixpkgs).

        ``on_demand``: the project is a remote layer's, whose unread files are read on first use."""
        version = parse_version(vstr)
        assert version is not None
        out: List[Candidate] = []
        order = self.providers if not self.only_file else ("wheel", "sdist")
        for provider in order:
            if provider == "wheel" and wheel is not None:
                if on_demand and wheel.get("metadata") == UNREAD:
                    out.append(Candidate(self.name, version, vstr, "wheel", wheel, None,
                                         pending=partial(self._read, wheel, files)))
                else:
                    out.append(Candidate(self.name, version, vstr, "wheel", wheel, self._deps(wheel)))
            elif provider == "sdist" and sdist is not None:
                if on_demand and sdist.get("metadata") == UNREAD:
                    out.append(Candidate(self.name, version, vstr, "sdist", sdist, None,
                                         pending=partial(self._read_sdist, sdist, files)))
                    continue
                deps, deps_from = self._deps(sdist), None
                if deps is None:
                    deps, deps_from = self._borrow(files)
                out.append(Candidate(self.name, version, vstr, "sdist", sdist, deps, deps_from))
            elif provider == "nixpkgs" and self.nix_version is not None and parse_version(self.nix_version) == version:
                attr = str(self.nixpkgs.get("attr") or self.name)  # type: ignore[union-attr]
                if on_demand:
                    out.append(Candidate(self.name, version, vstr, "nixpkgs", None, None, nix_attr=attr,
                                         pending=partial(self._borrow, files, True)))
                else:
                    deps, deps_from = self._borrow(files)
                    out.append(Candidate(self.name, version, vstr, "nixpkgs", None, deps, deps_from, nix_attr=attr))
        return out

    def _tag_rank(self, filename: str) -> int:
        """Best rank of a wheel's tags for the target (1 << 30: none fits), memoized per tag triple."""
        parts = filename[:-4].split("-")
        if len(parts) < 5:
            return 1 << 30
        triple = "-".join(parts[-3:])
        cache = self.target.rank_cache
        rank = cache.get(triple)
        if rank is None:
            rank = cache[triple] = min((self.target.tag_priority.get(t, 1 << 30) for t in wheel_tags(filename)),
                                       default=1 << 30)
        return rank

    def _target_text(self) -> str:
        t = self.target
        extra = f"glibc {t.glibc}" if t.glibc else f"macOS {t.macos}"
        return f"CPython {t.python} on {t.system} ({extra})"

    def _deps(self, node: FileNode) -> Optional[List[str]]:
        key = node.get("requires_dist")
        if key is None or self.project is None:
            return None
        return self.project["deps"][key]

    def _read(self, node: FileNode, files: List[FileNode]) -> Tuple[Optional[List[str]], Optional[str]]:
        """Read an unread file's metadata (on demand), then its Requires-Dist, or a wheel's for an sdist without."""
        self.project.fill(node)  # type: ignore[union-attr]
        deps = self._deps(node)
        if deps is None and not node["filename"].endswith(".whl"):
            return self._borrow(files, True)
        return deps, None

    def metadata_source(self, vstr: str, cand: Candidate) -> Optional[FileNode]:
        """The file whose metadata gives ``cand`` its dependencies: its wheel, or for an sdist the
        release's wheel it borrows from (an sdist's own are read only without any wheel)."""
        if cand.file is None or cand.file["filename"].endswith(".whl"):
            return cand.file
        files = (self.project["releases"].get(vstr) or []) if self.project else []
        wheels = sorted((n for n in files if n["filename"].endswith(".whl")), key=_wheel_preference)
        return wheels[0] if wheels else None

    def _read_sdist(self, node: FileNode, files: List[FileNode]) -> Tuple[Optional[List[str]], Optional[str]]:
        """An unread sdist's dependencies: a wheel's of the release when it has one (a small read, as
        the crawler does), else the sdist's own (a download; its build system is read with them)."""
        if any(n["filename"].endswith(".whl") for n in files):
            deps, deps_from = self._borrow(files, True)
            if deps is not None:
                return deps, deps_from
        return self._read(node, files)

    def _borrow(self, files: List[FileNode], read: bool = False) -> Tuple[Optional[List[str]], Optional[str]]:
        """Requires-Dist of the release's wheels (pure ones first), for files without their own.

        With ``read``, the preferred wheel is read on demand first when no wheel's metadata is known.
        """
        if read and not any(n.get("requires_dist") is not None for n in files):
            wheels = sorted((n for n in files if n["filename"].endswith(".whl")), key=_wheel_preference)
            if wheels and wheels[0].get("metadata") == UNREAD:
                self.project.fill(wheels[0])  # type: ignore[union-attr]
        known = [n for n in files if n.get("requires_dist") is not None]
        known.sort(key=lambda n: (not n["filename"].endswith("-none-any.whl"), not n["filename"].endswith(".whl"),
                                  n["filename"]))
        if not known:
            return None, None
        return self._deps(known[0]), known[0]["filename"]
