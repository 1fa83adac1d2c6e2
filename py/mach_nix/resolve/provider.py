"""The resolvelib provider: requirements and candidates over the index (run by resolver.py).

Identifiers are normalized names, and ``name[extra]`` for each requested extra (one extra per
identifier); an extra-candidate depends on its base candidate pinned to the same file, so a
package resolves to one file whatever extras are asked for. Self-referencing extras
(``pkg[all]`` → ``pkg[a,b]``) become further ``pkg[a]`` identifiers. Cycles are fine for resolvelib.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Callable, Dict, FrozenSet, Iterable, Iterator, List, Mapping, Optional, Sequence, Set, Tuple

from packaging.specifiers import SpecifierSet
from resolvelib.providers import AbstractProvider

from mach_nix.specifiers import exact_pins
from mach_nix.errors import EXIT_ABSENT, MachNixError
from mach_nix.index.view.layers import ProjectView
from mach_nix.names import normalize
from mach_nix.resolve.budget import Budget
from mach_nix.resolve.candidates import Candidate, ProjectCandidates, parse_specifier, parse_version
from mach_nix.resolve.contracts import IndexView, index_view
from mach_nix.resolve.forced import Forced, Implications, forced_requirements
from mach_nix.resolve.target import Target, simple_marker

_EMPTY = SpecifierSet("")
CRITERIA_MEMO = 1 << 16  # entries of a memo keyed by resolvelib criteria before it is emptied


class _Facts:
    """What the provider asks of a specifier again and again, computed once per (interned) specifier."""

    __slots__ = ("specifier", "prereleases", "is_pin", "pinned")

    def __init__(self, specifier: SpecifierSet) -> None:
        self.specifier = specifier  # kept alive, so its id is not reused
        self.prereleases = bool(specifier.prereleases)  # names a pre-release: PEP 440 then allows them
        pins = exact_pins(specifier)
        self.is_pin = bool(pins)
        self.pinned = frozenset(v for v in map(parse_version, pins) if v is not None)


_FACTS: Dict[int, _Facts] = {}


def facts(specifier: SpecifierSet) -> _Facts:
    """Memoized by identity: specifiers come from the parse caches, and hashing one re-serializes it.

    Example: ``facts(SpecifierSet("==1.0")).pinned == {Version("1.0")}``
    """
    hit = _FACTS.get(id(specifier))
    if hit is None or hit.specifier is not specifier:
        hit = _FACTS[id(specifier)] = _Facts(specifier)
    return hit


def _allows_pre(request: "ResolveRequest", pc: ProjectCandidates, specs: Sequence[SpecifierSet]) -> bool:
    return request.allow_prereleases or not pc.has_final or any(facts(s).prereleases for s in specs)


def _pinned(specs: Sequence[SpecifierSet]) -> FrozenSet[Any]:
    """Versions named by ``==`` in ``specs`` (yanked files are acceptable for those)."""
    out: FrozenSet[Any] = frozenset()
    for spec in specs:
        pins = facts(spec).pinned
        if pins:
            out = out | pins
    return out


class Req:
    """A requirement on one identifier; ``origin`` says where it came from (for messages)."""

    __slots__ = ("name", "extra", "specifier", "text", "pin_key", "origin", "is_pin", "identifier", "via")

    def __init__(self, name: str, specifier: SpecifierSet, text: str, extra: Optional[str] = None,
                 pin_key: Optional[tuple] = None, origin: str = "", via: Optional[str] = None) -> None:
        self.name = name
        self.extra = extra
        self.specifier = specifier
        self.text = text
        self.pin_key = pin_key
        self.origin = origin
        self.identifier = f"{name}[{extra}]" if extra else name
        self.via = via  # implied through this release (see forced.Implications), e.g. "opentelemetry-sdk 1.27.0"
        self.is_pin = pin_key is not None or facts(specifier).is_pin

    def __repr__(self) -> str:
        return f"<Req {self.text}>"


_DEP_RE = re.compile(
    r"^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[([^\]]*)\])?\s*\(?([^;()@]*?)\)?\s*(?:;\s*(.*?))?\s*$")
_EXTRA_MARKER_RE = re.compile(r"""^\(?\s*extra\s*==\s*['"]([^'"]+)['"]\s*\)?$""")


@lru_cache(maxsize=None)
def parse_marker(text: str) -> Any:
    """A marker: ``("extra", name)`` for the common ``extra == "x"`` form, a :class:`SimpleMarker`
    for the usual comparisons, else a packaging Marker."""
    m = _EXTRA_MARKER_RE.match(text)
    if m:
        return ("extra", normalize(m.group(1)))
    simple = simple_marker(text)
    if simple is not None:
        return simple
    from packaging.markers import Marker

    return Marker(text)


@lru_cache(maxsize=None)
def parse_dependency(text: str) -> Optional[Tuple[str, Tuple[str, ...], SpecifierSet, Any]]:
    """(normalized name, extras, specifier, marker) of a Requires-Dist string; None when malformed.

    A regex handles the usual shapes; anything unusual goes through packaging's full parser.

    Example: ``parse_dependency('idna<4; extra == "x"')[:3] == ("idna", (), SpecifierSet("<4"))``
    """
    m = _DEP_RE.match(text)
    if m:
        spec = parse_specifier(m.group(3).strip())
        if spec is None:
            # packaging's grammar takes the specifier with the same rules, so it would reject the
            # string too (e.g. old Django's "pytz (>dev)"); importing its parser costs more than a lock
            return None
        try:
            marker = parse_marker(m.group(4)) if m.group(4) else None
        except Exception:
            marker = False
        if marker is not False:
            extras = tuple(sorted(normalize(e.strip()) for e in (m.group(2) or "").split(",") if e.strip()))
            return normalize(m.group(1)), extras, spec, marker
    from packaging.requirements import Requirement

    try:
        req = Requirement(text)
    except ValueError:  # InvalidRequirement, or InvalidSpecifier that packaging lets escape
        return None
    spec = parse_specifier(str(req.specifier)) or _EMPTY
    return normalize(req.name), tuple(sorted(normalize(e) for e in req.extras)), spec, req.marker


class ResolveRequest:
    """Everything one resolution needs besides the index (built by the lock command).

    Example: ``ResolveRequest(roots=[("requests", ("socks",), SpecifierSet(">=2"), "requirements.txt, line 1")])``
    """

    def __init__(self, roots: List[Tuple[str, Tuple[str, ...], SpecifierSet, str]],
                 constraints: Optional[Dict[str, List[SpecifierSet]]] = None,
                 providers: Optional[Dict[str, Tuple[str, ...]]] = None,
                 nixpkgs: Optional[Dict[str, Dict[str, Any]]] = None, allow_prereleases: bool = False,
                 hashes: Optional[Dict[str, FrozenSet[str]]] = None, direct: Optional[Dict[str, str]] = None) -> None:
        self.roots = roots  # (name, extras, specifier, origin)
        self.constraints = constraints or {}
        self.providers = providers or {}
        self.nixpkgs = nixpkgs or {}
        self.allow_prereleases = allow_prereleases
        self.hashes = hashes or {}
        self.direct = direct or {}  # name -> filename (name @ url)
        self.preferred: Dict[str, str] = {}  # name -> version tried first (the pins of the lock being redone)


def release_reason(release: str, reason: str, dependency: bool) -> str:
    """``"deep-app 2.0 requires deep-lib>=1, …"`` for a reason about its dependencies (``dependency``),
    else ``"idna 3.8: yanked"`` (its files).

    Example: ``release_reason("idna 3.8", "yanked", dependency=False) == "idna 3.8: yanked"``
    """
    return f"{release} {reason}" if dependency else f"{release}: {reason}"


class Unmet:
    """Why no release can meet a requirement: the roots and constraints that exclude the releases it
    admits (``excluded_by``), and what rules out the others (``detail``).

    Example: ``Unmet(("requirements.txt, line 2: pydantic<2",), "").text == "excluded by requirements.txt, line 2: pydantic<2"``
    """

    __slots__ = ("excluded_by", "detail")

    def __init__(self, excluded_by: Sequence[str], detail: str) -> None:
        self.excluded_by = tuple(excluded_by)
        self.detail = detail

    @property
    def text(self) -> str:
        if not self.excluded_by:
            return self.detail
        return "excluded by " + " and ".join(self.excluded_by) + (f"; {self.detail}" if self.detail else "")


class NotInIndex(MachNixError):
    """A requirement names a project the index does not have (exit status 1, like NotFound)."""

    exit_code = EXIT_ABSENT

    def __init__(self, name: str, chain: List[str]) -> None:
        super().__init__(name)
        self.name = name
        self.chain = chain


class SharedScan:
    """An iterator's items, computed on first demand and replayed to every later iteration.

    Example: ``scan = SharedScan(iter([1, 2])); list(scan) == list(scan) == [1, 2]`` (the source
    is read once).
    """

    __slots__ = ("items", "source")

    def __init__(self, source: Iterator[Any]) -> None:
        self.items: List[Any] = []
        self.source: Optional[Iterator[Any]] = source

    def __iter__(self) -> Iterator[Any]:
        items, i = self.items, 0
        while True:
            if i < len(items):
                yield items[i]
                i += 1
                continue
            if self.source is None:
                return
            try:
                item = next(self.source)
            except StopIteration:
                self.source = None
                return
            items.append(item)


class ReadAhead:
    """While a walk goes down the releases of a project read on demand, start reading the next
    ones' metadata in the background: after the j-th release visited, up to 2**j more (at most
    32), so a walk that stops at the newest release costs no extra request and a long walk (40
    releases that all fail the same way) waits for a few rounds of parallel requests, not 40.
    The releases are scanned once in all (a frontier moves down them): a walk through botocore's
    1,400 releases stays linear.
    """

    __slots__ = ("pc", "fill_later", "visited", "frontier")

    def __init__(self, pc: ProjectCandidates) -> None:
        self.pc = pc
        project = pc.project
        self.fill_later = project.fill_later if isinstance(project, ProjectView) and not project.offline else None
        self.visited = 0
        self.frontier = 0  # releases before this index have been considered for reading ahead

    def visit(self, versions: Sequence[Tuple[Any, str]], position: int, fits: Callable[[Any], bool]) -> None:
        """``versions[position]`` (newest first) is being looked at; ``fits`` tells which others the walk may reach."""
        if self.fill_later is None:
            return
        self.visited += 1
        if self.visited < 2:
            return
        want = min(1 << (self.visited - 1), 32)
        index = max(position + 1, self.frontier)
        while want > 0 and index < len(versions):
            version, other = versions[index]
            index += 1
            if not fits(version):
                continue
            want -= 1
            for cand in self.pc.candidates(other)[:1]:
                node = self.pc.metadata_source(other, cand)
                if node is not None:
                    self.fill_later(node)
        self.frontier = index


class ListedGaps:
    """Releases PyPI lists that no layer holds (newest first), met in step with a newest-first walk.

    Example: with matplotlib's listed 3.10.0 … 3.10.4 and a walk from 3.10.5 to 3.9.4,
    ``gaps.newest_between(Version("3.9.4"), Version("3.10.5")) == "3.10.4"``.
    """

    __slots__ = ("pc", "fits", "next")

    def __init__(self, pc: ProjectCandidates, fits: Callable[[Any], bool]) -> None:
        self.pc = pc  # its versions table is parsed on the first call: a walk that stops at once never does
        self.fits = fits
        self.next = 0

    def newest_between(self, version: Any, above: Any) -> Optional[str]:
        """The newest listed release in (``version``, ``above``) that fits (``above`` None: no bound).

        Successive calls must come with descending ``version`` (a walk newest first)."""
        listed = self.pc.listed_absent or ()
        while self.next < len(listed) and listed[self.next][0] > version:
            candidate, vstr = listed[self.next]
            self.next += 1
            if (above is None or candidate < above) and self.fits(candidate):
                return vstr
        return None


class Provider(AbstractProvider):
    """resolvelib provider over a :class:`mach_nix.index.storage.store.Index`."""

    def __init__(self, index: Any, target: Target, request: ResolveRequest, budget: Optional[Budget] = None) -> None:
        self.index: IndexView = index_view(index)
        self.budget = budget  # checked by the look-ahead, which can walk far between two rounds
        self.target = target
        self.request = request
        self.env_cache: Dict[Tuple[int, str], Tuple[Any, bool]] = {}
        self.projects: Dict[str, ProjectCandidates] = {}
        self.required_by: Dict[str, List[Tuple[Req, Optional[Candidate]]]] = {}
        self.deps_cache: Dict[Tuple[tuple, Optional[str]], List[Req]] = {}
        self.sat_cache: Dict[Tuple[int, int], bool] = {}  # (id(specifier), id(version)) -> contains
        self.kept: Dict[int, Any] = {}  # the objects whose ids key sat_cache, kept alive with it
        self._causes_of: Any = None
        self.viable_cache: Dict[tuple, bool] = {}
        self.pref_cache: Dict[Any, int] = {}  # criterion -> 4 * (not pinned) + (not root)
        self.satisfiable_cache: Dict[Tuple[str, int], Tuple[SpecifierSet, bool]] = {}
        self.scans: Dict[tuple, Tuple[ProjectCandidates, ProjectCandidates, Tuple[SpecifierSet, ...], SharedScan]] = {}
        self.pruned: Dict[tuple, str] = {}  # (candidate key, extra) -> why it can never be used
        self.unsatisfiable_why: Dict[Tuple[str, int, Optional[str]], Unmet] = {}  # ids of specs satisfiable_cache keeps
        self._cause_names: Set[str] = set()
        self.defaults = request.providers.get("_default", ("wheel", "sdist", "nixpkgs"))
        self._forced: Optional[Forced] = None
        self.implications = Implications(self)
        # offline: name -> newer release passed over -> the release to fetch that may let it fit
        self.missed: Dict[str, Dict[str, str]] = {}
        self.unknown_deps_passed: Dict[str, Set[str]] = {}  # name -> releases deferred for unknown dependencies
        self.listed_needed: Dict[str, str] = {}  # offline: name -> a listed, absent release a requirement needs

    # --- data access -------------------------------------------------------------------------

    @property
    def always(self) -> Forced:
        """What every solution satisfies, per project (see :mod:`mach_nix.resolve.forced`); computed on first use."""
        if self._forced is None:
            self._forced = forced_requirements(self.request, self)
        return self._forced

    def project(self, name: str) -> ProjectCandidates:
        pc = self.projects.get(name)
        if pc is None:
            providers = self.request.providers.get(name, self.defaults)
            pc = ProjectCandidates(name, self.index.project(name), self.target, providers,
                                   self.request.nixpkgs.get(name), self.request.hashes.get(name),
                                   self.request.direct.get(name))
            self.projects[name] = pc
        return pc

    def extend(self, name: str) -> Optional[ProjectCandidates]:
        """The project with the remote layer's releases added (None: the index has nothing more).

        Asked only when no local release can serve a requirement (a pin outside the index's
        window, e.g. ``django<3``, or releases whose dependencies cannot be met), so a set the
        local layers serve never reaches the network.
        """
        if self.index.extend(name) is None:
            return None
        self.projects.pop(name, None)
        return self.project(name)

    def marker_ok(self, marker: Any, extra: str) -> bool:
        if marker is None:
            return not extra
        if type(marker) is tuple:  # ("extra", name)
            return marker[1] == extra
        # by identity: markers come from the parse caches, and hashing a Marker re-serializes it
        key = (id(marker), extra)
        cached = self.env_cache.get(key)
        if cached is not None and cached[0] is marker:
            return cached[1]
        env = dict(self.target.environment)
        env["extra"] = extra
        try:
            hit = bool(marker.evaluate(env))
        except Exception:  # undefined names in a broken marker: treat the requirement as absent
            hit = False
        if extra and hit:
            # an extra-candidate only adds what the extra adds; the base candidate has the rest
            hit = not self.marker_ok(marker, "")
        self.env_cache[key] = (marker, hit)
        return hit

    # --- resolvelib protocol -----------------------------------------------------------------

    def identify(self, requirement_or_candidate: Any) -> str:
        return requirement_or_candidate.identifier

    def get_preference(self, identifier: str, resolutions: Mapping[str, Candidate], candidates: Any,
                       information: Mapping[str, Iterator[Any]], backtrack_causes: Sequence[Any]) -> Any:
        pinned = root = False
        for info in information[identifier]:
            pinned = pinned or info.requirement.is_pin
            root = root or info.parent is None
        if backtrack_causes:
            if self._causes_of is not backtrack_causes:
                self._causes_of = backtrack_causes
                self._cause_names = {c.requirement.name for c in backtrack_causes}
            cause = identifier.split("[")[0] in self._cause_names
        else:
            cause = False
        return (not pinned, not cause, not root, identifier)

    def narrow_requirement_selection(self, identifiers: Iterable[str], resolutions: Mapping[str, Candidate],
                                     candidates: Any, information: Mapping[str, Iterator[Any]],
                                     backtrack_causes: Sequence[Any]) -> List[str]:
        """Only the identifier :meth:`get_preference` ranks first (resolvelib then skips its own ranking).

        resolvelib would call get_preference through two freshly built mappings per identifier and
        round; ranking here with the mappings it passes once gives the same choice, cheaper.
        """
        criteria = getattr(information, "_mapping", None)
        if type(criteria) is not dict or getattr(information, "_appends", None):  # not resolvelib 1.x's layout
            return [min(identifiers, key=lambda ident: self.get_preference(ident, resolutions, candidates,
                                                                            information, backtrack_causes))]
        if backtrack_causes and self._causes_of is not backtrack_causes:
            self._causes_of = backtrack_causes
            self._cause_names = {c.requirement.name for c in backtrack_causes}
        causes = self._cause_names if backtrack_causes else ()
        flags = self.pref_cache
        # get_preference's key (not pinned, not cause, not root, identifier) as (4a + 2b + c, identifier)
        best_rank, best = 8, ""
        for ident in identifiers:
            criterion = criteria[ident]
            rank = flags.get(criterion)  # criteria are replaced, never changed, and hash by identity
            if rank is None:
                pinned = root = False
                for info in criterion.information:
                    pinned = pinned or info.requirement.is_pin
                    root = root or info.parent is None
                if len(flags) > CRITERIA_MEMO:  # the memo keeps criteria alive: bound it on long backtracking
                    flags.clear()
                rank = flags[criterion] = 4 * (not pinned) + (not root)
            if not causes or ident.split("[")[0] not in causes:
                rank += 2
            if rank < best_rank or (rank == best_rank and ident < best):
                best_rank, best = rank, ident
        return [best]

    def find_matches(self, identifier: str, requirements: Mapping[str, Iterator[Req]],
                     incompatibilities: Mapping[str, Iterator[Candidate]]) -> Callable[[], Iterator[Candidate]]:
        reqs = list(requirements[identifier])
        name = reqs[0].name if reqs else identifier.split("[")[0]
        extra = identifier[len(name) + 1:-1] if "[" in identifier else None
        pc = self.project(name)
        if not pc.versions:
            raise NotInIndex(name, self.chain_of(identifier, reqs))
        bad = {c.key for c in incompatibilities[identifier]}
        pin_keys = {r.pin_key for r in reqs if r.pin_key is not None}
        specs = [r.specifier for r in reqs if r.pin_key is None] + self.request.constraints.get(name, [])
        allow_pre = _allows_pre(self.request, pc, specs)
        pinned = _pinned(specs)

        contains, known = self.contains, self.sat_cache

        preferred = self.request.preferred.get(name)
        versions = pc.versions
        if preferred is not None:  # a re-lock keeps the old pin while it still fits: try it first
            versions = sorted(versions, key=lambda v: v[1] != preferred)  # stable: the rest stay newest first

        def fits(version: Any) -> bool:
            if not allow_pre and version.is_prerelease:
                return False
            for spec in specs:  # a loop, contains() inlined on a hit: called for every release a walk looks at
                hit = known.get((id(spec), id(version)))
                if not (contains(spec, version) if hit is None else hit):
                    return False
            return True

        def fitting(pc: ProjectCandidates, versions: Sequence[Tuple[Any, str]]) -> Iterator[List[Candidate]]:
            ahead = ReadAhead(pc)
            listed = ListedGaps(pc, fits)
            above = None  # the version taken last in newest-first order (a re-lock's kept pin aside)
            for position, (version, vstr) in enumerate(versions):
                if not fits(version):
                    continue
                if vstr != preferred:
                    # (the newest release is always held: nothing listed is newer than it)
                    gap = listed.newest_between(version, above) if position else None
                    if gap is not None:  # PyPI lists a newer fitting release that no layer holds
                        bigger = self.extend(name)
                        if bigger is not None:  # online (or cached): walk on in the merged order
                            yield from fitting(bigger, [v for v in bigger.versions if above is None or v[0] < above])
                            return
                        self.missed.setdefault(name, {}).setdefault(gap, f"{name}=={gap}")
                    above = version
                ahead.visit(versions, position, fits)
                yield pc.candidates(vstr, yanked_ok=version in pinned)

        def matches(pc: ProjectCandidates, versions: Sequence[Tuple[Any, str]], base: ProjectCandidates,
                    seen: Set[str], unknown: List[Candidate]) -> Iterator[Candidate]:
            for cands in self._scan(identifier, pc, base, specs, lambda: fitting(pc, versions)):
                # the requirements of this release's files offered or failed so far: a file stating the
                # same ones (an sdist lending its wheel's) fails or fits alike, so it is not tried after it
                stated: List[List[str]] = []
                for cand in cands:
                    seen.add(cand.vstr)
                    if cand.key in bad:
                        if len(cands) > 1 and cand.deps is not None:
                            stated.append(cand.deps)
                        continue
                    # several different pins (stale ones from extra-candidates left behind by backtracking)
                    # cannot all hold: then nothing matches and resolvelib backtracks further
                    if pin_keys and (len(pin_keys) > 1 or cand.key not in pin_keys):
                        continue
                    if cand.file is not None and cand.deps is None:
                        unknown.append(cand)  # tried after every release whose dependencies are known
                        self.unknown_deps_passed.setdefault(name, set()).add(cand.vstr)
                        continue
                    if not self.viable(cand):
                        continue
                    if len(cands) > 1:
                        if cand.deps in stated:
                            continue
                        stated.append(cand.deps)  # type: ignore[arg-type]
                    yield cand.with_extra(extra) if extra else cand

        def generate() -> Iterator[Candidate]:
            seen: Set[str] = set()
            unknown: List[Candidate] = []
            yield from matches(pc, versions, pc, seen, unknown)
            # every local candidate failed (or none could be used): the remote layer's releases, older
            # ones included, may not (fastapi[all] with pydantic<2). The project may have been
            # extended meanwhile, by a look-ahead or the walk above: then its current candidates hold them.
            bigger = self.extend(name) or self.project(name)
            if bigger is not pc:
                yield from matches(bigger, [v for v in bigger.versions if v[1] not in seen], pc, seen, unknown)
            for cand in unknown:
                if self.viable(cand):
                    yield cand.with_extra(extra) if extra else cand

        return generate

    def _scan(self, identifier: str, pc: ProjectCandidates, base: ProjectCandidates,
              specs: List[SpecifierSet], start: Callable[[], Iterator[List[Candidate]]]) -> "SharedScan":
        """The candidates of the releases of ``pc`` that fit ``specs``, newest first, found once.

        While backtracking, resolvelib asks for the matches of the same identifier under the same
        requirements again and again (with other incompatibilities): each time, every release was
        checked against the specifiers anew (a conflict set walked 20,000 releases for 2,700 calls).
        The walk is now shared by all calls with the same project and specifiers, and done lazily:
        a call that stops at the newest release walks no further. What depends on the call
        (incompatibilities, direct-reference pins, the memoized viability) is still checked per call.
        """
        key = (identifier, id(pc), id(base), tuple(map(id, specs)))
        hit = self.scans.get(key)  # the objects are kept with the scan: their ids cannot be reused
        if hit is not None and hit[0] is pc and hit[1] is base and len(hit[2]) == len(specs) and all(
                a is b for a, b in zip(hit[2], specs)):
            return hit[3]
        if len(self.scans) > CRITERIA_MEMO:
            self.scans.clear()
        scan = SharedScan(start())
        self.scans[key] = (pc, base, tuple(specs), scan)
        return scan

    # --- pruning: candidates that can never be part of a solution -----------------------------

    def viable(self, cand: Candidate) -> bool:
        """False when a dependency of ``cand`` (its extra's included) can never be met.

        "Never" is relative to what every solution must satisfy: the root requirements and the
        constraints (resolvelib never drops a root requirement), so a candidate whose dependency
        excludes every release allowed by a root pin is dropped before resolvelib ever pins it.
        This is the learning that keeps conflict sets bounded: the verdict for each (project,
        specifier, extra) is computed once and shared by every candidate carrying the same
        requirement (Requires-Dist strings are interned, so 40 fastapi releases that all need
        ``pydantic-settings>=2`` cost one check, not 40 subtrees of backtracking). Memoized;
        cycles are assumed viable.

        Example: ``provider.viable(candidate)`` → False for bleach on Python 3.9 when every
        webencodings release needs 3.10.
        """
        key = (cand.key, cand.extra)
        hit = self.viable_cache.get(key)
        if hit is not None:
            return hit
        self.viable_cache[key] = True  # optimistic while the dependencies are being checked
        ok = True
        deps = self.dependencies_of(cand.with_extra(None) if cand.extra else cand)
        if cand.extra:
            deps = deps + self.dependencies_of(cand)
        for req in deps:
            if req.pin_key is None and not self.satisfiable(req.name, req.specifier, req.extra):
                unmet = self.unsatisfiable_why.get((req.name, id(req.specifier), req.extra))
                why = unmet.text if unmet is not None else ""
                if len(why) > 400:
                    why = why[:400] + "…"
                wanted = req.text.split(";")[0].strip()
                listed = self.listed_needed.get(req.name)
                if listed is not None:
                    self.missed.setdefault(cand.name, {}).setdefault(cand.vstr, f"{req.name}=={listed}")
                if unmet is not None and unmet.excluded_by:
                    self.pruned[key] = f"requires {wanted}, which is {why}"
                else:
                    self.pruned[key] = (f"requires {wanted}, which nothing in the index satisfies here"
                                        + (f" ({why})" if why else ""))
                ok = False
                break
        self.viable_cache[key] = ok
        return ok

    def satisfiable(self, name: str, spec: SpecifierSet, extra: Optional[str] = None) -> bool:
        """Whether some viable candidate of ``name`` (with ``extra``) matches ``spec``, the roots and constraints."""
        key = (name, id(spec), extra)
        hit = self.satisfiable_cache.get(key)
        if hit is not None and hit[0] is spec:
            return hit[1]
        self.satisfiable_cache[key] = (spec, True)  # optimistic during recursion
        if self.budget is not None:
            self.budget.check()
        pc = self.project(name)
        if not pc.versions:
            return True  # absent from the index: the resolution reports it with its chain
        always = self.always.get(name, ())
        specs = [spec] + [sp for sp, _ in always]
        allow_pre = _allows_pre(self.request, pc, specs)
        pinned = _pinned(specs)
        found = False
        excluded_by: Dict[str, None] = {}  # roots/constraints that exclude releases ``spec`` allows
        why_files = why_deps = ""  # the newest matching release rejected for its files / its dependencies
        versions = pc.versions
        fits = False  # some release's version fits (then its dependencies decide, and the look-ahead
        # does not fetch older releases: the resolution itself does if it must, see find_matches)
        while True:
            ahead = ReadAhead(pc)
            for position, (version, vstr) in enumerate(versions):
                if (not allow_pre and version.is_prerelease) or not self.contains(spec, version):
                    continue
                if always:
                    against = [where for sp, where in always if not self.contains(sp, version)]
                    if against:
                        excluded_by.update(dict.fromkeys(against))
                        continue
                fits = True
                ahead.visit(versions, position, lambda v: (allow_pre or not v.is_prerelease) and all(
                    self.contains(sp, v) for sp in specs))
                cands = pc.candidates(vstr, yanked_ok=version in pinned)
                if any(self.viable(cand.with_extra(extra) if extra else cand) for cand in cands):
                    found = True
                    break
                if cands and not why_deps:
                    why_deps = release_reason(f"{name} {vstr}", "; ".join(dict.fromkeys(
                        self.pruned.get((c.key, extra), "") for c in cands)), dependency=True)
                elif not cands and not why_files:
                    why_files = f"{name} {vstr}: " + ("; ".join(dict.fromkeys(pc.classify(vstr)[1])) or "no usable file")
            # the remote layer's releases may fit: when no local one does, or PyPI lists one the layers lack
            listed = None if found else self._listed_fitting(pc, specs, allow_pre)
            bigger = None if found or (fits and listed is None) else self.extend(name)
            if bigger is None:
                if listed is not None:  # offline: the explanation names the release and how to fetch it
                    self.listed_needed.setdefault(name, listed)
                    why_files = why_files or f"PyPI lists {name} {listed}, which no layer holds"
                break
            seen = {vstr for _, vstr in versions}
            pc, versions = bigger, [v for v in bigger.versions if v[1] not in seen]
        if not found:
            detail = why_deps or why_files or ("" if excluded_by else f"no release of {name} matches")
            self.unsatisfiable_why[key] = Unmet(list(excluded_by), detail)
        self.satisfiable_cache[key] = (spec, found)
        return found

    def _listed_fitting(self, pc: ProjectCandidates, specs: Sequence[SpecifierSet], allow_pre: bool) -> Optional[str]:
        """The newest release PyPI lists that no layer holds and that fits ``specs``, or None."""
        for version, vstr in pc.listed_absent or ():
            if (allow_pre or not version.is_prerelease) and all(self.contains(sp, version) for sp in specs):
                return vstr
        return None

    def is_satisfied_by(self, requirement: Req, candidate: Candidate) -> bool:
        if requirement.pin_key is not None:
            return candidate.key == requirement.pin_key
        # resolvelib re-checks every pin against every requirement each round: memoize by identity
        # (specifiers and versions are interned by the parse caches, so ids are stable)
        return self.contains(requirement.specifier, candidate.version)

    def contains(self, spec: SpecifierSet, version: Any) -> bool:
        """``spec.contains(version, prereleases=True)``, memoized by object identity.

        The memo keys are explicit ids of objects the memo keeps alive (``kept``), so no id is ever
        reused by another specifier or version while its entry exists (hashing a SpecifierSet
        re-serializes it: too slow for a test made for every release a walk looks at)."""
        key = (id(spec), id(version))
        hit = self.sat_cache.get(key)
        if hit is None:
            kept = self.kept
            kept[key[0]] = spec
            kept[key[1]] = version
            hit = self.sat_cache[key] = spec.contains(version, prereleases=True)
        return hit

    def get_dependencies(self, candidate: Candidate) -> Iterable[Req]:
        """The candidate's requirements and what they imply (:class:`~mach_nix.resolve.forced.Implications`)."""
        own = self.dependencies_of(candidate)
        implied = self.implications.of(candidate, own)
        for req in own:  # the chains in messages follow what releases state, not what they imply
            self.required_by.setdefault(req.identifier, []).append((req, candidate))
        return own + implied if implied else own

    def dependencies_of(self, candidate: Candidate) -> List[Req]:
        """Requirements of a candidate for the target (markers evaluated; memoized)."""
        key = (candidate.key, candidate.extra)
        cached = self.deps_cache.get(key)
        if cached is not None:
            return cached
        out: List[Req] = []
        extra = candidate.extra or ""
        where = f"{candidate.name} {candidate.vstr}"
        if extra:
            out.append(Req(candidate.name, parse_specifier(f"=={candidate.vstr}") or _EMPTY,
                           f"{candidate.name}=={candidate.vstr}", pin_key=candidate.key, origin=where))
        for text in candidate.deps or ():
            parsed = parse_dependency(text)
            if parsed is None:
                continue  # a malformed Requires-Dist entry on PyPI: pip ignores such candidates' line too
            name, extras, spec, marker = parsed
            if not self.marker_ok(marker, extra):
                continue
            if name == candidate.name:
                pin = parse_specifier(f"=={candidate.vstr}") or _EMPTY
                for e in extras:
                    if e != candidate.extra:
                        out.append(Req(name, pin, text, extra=e, origin=where))
                continue
            out.append(Req(name, spec, text, origin=where))
            for e in extras:
                out.append(Req(name, spec, text, extra=e, origin=where))
        self.deps_cache[key] = out
        return out

    # --- for messages ------------------------------------------------------------------------

    def chain_of(self, identifier: str, reqs: Sequence[Req] = ()) -> List[str]:
        """Who asked for ``identifier``, root first.

        Example: ``["requirements.txt, line 1: apache-airflow", "apache-airflow 2.9.0 requires pendulum<4"]``
        """
        chain: List[str] = []
        seen: Set[str] = set()
        current = identifier
        while current not in seen and len(chain) < 10:
            seen.add(current)
            parents = self.required_by.get(current) or self.required_by.get(current.split("[")[0])
            if not parents:
                if not chain and reqs and reqs[0].origin:
                    chain.append(f"{reqs[0].origin}: {reqs[0].text}")
                break
            req, parent = parents[0]
            if parent is None:
                chain.append(f"{req.origin}: {req.text}")
                break
            chain.append(f"{parent.name} {parent.vstr} requires {req.text}")
            current = parent.identifier
        return list(reversed(chain))
