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
from typing import TYPE_CHECKING, Any, Callable, Dict, FrozenSet, Iterator, List, Optional, Sequence, Tuple

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

from mach_nix.index.view.layers import ProjectView
from mach_nix.index.storage.schema import UNREAD_METADATA as UNREAD
from mach_nix.resolve.provider_order import DEFAULT_PROVIDERS, PROVIDERS, parse_providers  # noqa: F401 (re-exported)
from mach_nix.versions import newest_first, parse_version  # noqa: F401 (re-exported)

if TYPE_CHECKING:
    from mach_nix.resolve.target import Target

SDIST_SUFFIXES = (".tar.gz", ".zip", ".tar.bz2", ".tgz", ".tar.xz", ".tar")


class LazyVersions(Sequence[Tuple[Version, str]]):
    """(Version, text) pairs of version strings already newest first (:func:`newest_first`'s order,
    known from an earlier lock), each Version parsed when first read: a walk that stops at the
    newest release parses one.

    Example: ``LazyVersions(["2.0", "1.0"])[1] == (Version("1.0"), "1.0")``
    """

    __slots__ = ("_texts", "_pairs")

    def __init__(self, texts: Sequence[str]) -> None:
        self._texts = texts
        self._pairs: List[Tuple[Version, str]] = []

    def __len__(self) -> int:
        return len(self._texts)

    def _upto(self, index: int) -> None:
        pairs, texts = self._pairs, self._texts
        while len(pairs) <= index:
            text = texts[len(pairs)]
            version = parse_version(text)
            assert version is not None, f"{text!r} in a version order"  # orders hold valid versions only
            pairs.append((version, text))

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self._texts)
        if index < 0:
            raise IndexError(index)
        self._upto(index)
        return self._pairs[index]

    def __iter__(self) -> Iterator[Tuple[Version, str]]:
        for index in range(len(self._texts)):
            if index >= len(self._pairs):
                self._upto(index)
            yield self._pairs[index]


@lru_cache(maxsize=None)
def parse_specifier(text: str) -> Optional[SpecifierSet]:
    """A cached SpecifierSet parse; None when invalid (such a Requires-Python is not enforced)."""
    try:
        return SpecifierSet(text)
    except InvalidSpecifier:
        return None


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


def _wheel_preference(node: Dict[str, Any]) -> Tuple[bool, str]:
    """Which wheel an sdist borrows Requires-Dist from: a pure one first, then by filename."""
    return (not node["filename"].endswith("-none-any.whl"), node["filename"])


class Candidate:
    """One installable choice: a project version from one provider (and, for files, one file).

    ``extra`` is set on the extra-candidates resolvelib sees for ``name[extra]`` identifiers.
    ``deps`` of a file whose metadata is fetched on demand are read on first use (``pending``).
    """

    __slots__ = ("name", "version", "vstr", "provider", "file", "_deps", "deps_from", "extra", "nix_attr", "key",
                 "_pending")

    def __init__(self, name: str, version: Version, vstr: str, provider: str, file: Optional[Dict[str, Any]],
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

    def with_extra(self, extra: str) -> "Candidate":
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

    def classify(self, vstr: str, yanked_ok: bool = False) -> Tuple[List[Candidate], List[str]]:
        """Usable candidates of a version and, per rejected file, why it was rejected."""
        files: List[Dict[str, Any]] = (self.project["releases"].get(vstr) or []) if self.project else []
        reasons: List[str] = []
        version = parse_version(vstr)
        assert version is not None
        best_wheel: Optional[Tuple[int, str, Dict[str, Any]]] = None
        sdist: Optional[Dict[str, Any]] = None
        wheels_seen = 0
        project = self.project
        # a remote layer's project: unread files are read on use
        fill = project.fill if isinstance(project, ProjectView) else None
        offline = fill is not None and isinstance(project, ProjectView) and project.offline
        for node in files:
            filename = node["filename"]
            is_whl = filename.endswith(".whl")
            kind = "wheel" if is_whl else ("sdist" if filename.endswith(SDIST_SUFFIXES) else None)
            if kind is None:
                continue
            if self.only_file and filename != self.only_file:
                continue
            if kind not in self.providers and not self.only_file:
                reasons.append(f"provider '{kind}' not allowed for {self.name}")
                continue
            if self.hashes is not None and node["sha256"] not in self.hashes:
                reasons.append("sha256 not among the --hash values")
                continue
            if node.get("yanked") and not yanked_ok:
                why = node["yanked"]
                reasons.append("yanked" + (f" ({why})" if isinstance(why, str) and why else "")
                               + "; pin it with == to use it")
                continue
            rp = node.get("requires_python")
            if rp:
                if not python_allowed(rp, self.target.python_full):
                    reasons.append(f"requires Python {rp} (target {self.target.python_full})")
                    continue
            if offline and node.get("metadata") == UNREAD:
                reasons.append("its metadata is not in the cache (--offline; lock once online to fetch it)")
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
            reasons += [f"no wheel tag compatible with {self._target_text()}"] * wheels_seen
        out: List[Candidate] = []
        order = self.providers if not self.only_file else ("wheel", "sdist")
        for provider in order:
            if provider == "wheel" and best_wheel is not None:
                node = best_wheel[2]
                if fill is not None and node.get("metadata") == UNREAD:
                    out.append(Candidate(self.name, version, vstr, "wheel", node, None,
                                         pending=partial(self._read, node, files)))
                else:
                    out.append(Candidate(self.name, version, vstr, "wheel", node, self._deps(node)))
            elif provider == "sdist" and sdist is not None:
                if fill is not None and sdist.get("metadata") == UNREAD:
                    out.append(Candidate(self.name, version, vstr, "sdist", sdist, None,
                                         pending=partial(self._read_sdist, sdist, files)))
                    continue
                deps, deps_from = self._deps(sdist), None
                if deps is None:
                    deps, deps_from = self._borrow(files)
                out.append(Candidate(self.name, version, vstr, "sdist", sdist, deps, deps_from))
            elif provider == "nixpkgs" and self.nix_version is not None and parse_version(self.nix_version) == version:
                attr = str(self.nixpkgs.get("attr") or self.name)
                if fill is not None:
                    out.append(Candidate(self.name, version, vstr, "nixpkgs", None, None, nix_attr=attr,
                                         pending=partial(self._borrow, files, True)))
                else:
                    deps, deps_from = self._borrow(files)
                    out.append(Candidate(self.name, version, vstr, "nixpkgs", None, deps, deps_from, nix_attr=attr))
        if not files and not out:
            reasons.append(f"{self.name} {vstr} has no files in the index")
        return out, reasons

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

    def _deps(self, node: Dict[str, Any]) -> Optional[List[str]]:
        key = node.get("requires_dist")
        if key is None:
            return None
        return self.project["deps"][key]

    def _read(self, node: Dict[str, Any], files: List[Dict[str, Any]]) -> Tuple[Optional[List[str]], Optional[str]]:
        """Read an unread file's metadata (on demand), then its Requires-Dist, or a wheel's for an sdist without."""
        self.project.fill(node)  # type: ignore[union-attr]
        deps = self._deps(node)
        if deps is None and not node["filename"].endswith(".whl"):
            return self._borrow(files, True)
        return deps, None

    def metadata_source(self, vstr: str, cand: Candidate) -> Optional[Dict[str, Any]]:
        """The file whose metadata gives ``cand`` its dependencies: its wheel, or for an sdist the
        release's wheel it borrows from (an sdist's own are read only without any wheel)."""
        if cand.file is None or cand.file["filename"].endswith(".whl"):
            return cand.file
        files = (self.project["releases"].get(vstr) or []) if self.project else []
        wheels = sorted((n for n in files if n["filename"].endswith(".whl")), key=_wheel_preference)
        return wheels[0] if wheels else None

    def _read_sdist(self, node: Dict[str, Any], files: List[Dict[str, Any]]) -> Tuple[Optional[List[str]], Optional[str]]:
        """An unread sdist's dependencies: a wheel's of the release when it has one (a small read, as
        the crawler does), else the sdist's own (a download; its build system is read with them)."""
        if any(n["filename"].endswith(".whl") for n in files):
            deps, deps_from = self._borrow(files, True)
            if deps is not None:
                return deps, deps_from
        return self._read(node, files)

    def _borrow(self, files: List[Dict[str, Any]], read: bool = False) -> Tuple[Optional[List[str]], Optional[str]]:
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
