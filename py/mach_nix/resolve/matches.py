"""Finding the candidates of an identifier: resolvelib's ``find_matches``, newest fitting release first.

A walk goes down a project's releases newest first and offers the candidates (files) of each
release that fits the requirements, skipping what resolvelib ruled out (its incompatibilities)
and what the look-ahead proved unusable (pruning.py). Releases whose dependencies are unknown
come last; when the local layers run out, or PyPI lists a newer fitting release they lack, the
remote layer's releases join the walk in their place in the version order.

While backtracking, resolvelib asks for the same identifier's matches under the same
requirements again and again: the walk is shared by all such calls (:class:`SharedScan`) and
done lazily, so a call that stops at the newest release walks no further.

Example: ``list(Finder(factory, pruning).find_matches("idna", requirements, incompatibilities)())[0]``
is the newest idna wheel that fits.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Sequence, Set, Tuple


from mach_nix.errors import EXIT_ABSENT, MachNixError
from mach_nix.resolve.candidates import Candidate, ProjectCandidates
from mach_nix.resolve.factory import Factory
from mach_nix.resolve.prefetch import ReadAhead
from mach_nix.resolve.pruning import Pruning, allows_prereleases
from mach_nix.resolve.requirements import Req
from mach_nix.resolve.specs import interned, pinned_versions

SCANS_MEMO = 1 << 16  # shared walks kept before the memo is emptied (it keeps abandoned states alive)


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


class _Query:
    """One ``find_matches`` call: the requirements on an identifier, and the walks that answer it."""

    def __init__(self, finder: "Finder", identifier: str, reqs: List[Req], incompatible: Sequence[Candidate]) -> None:
        factory = finder.factory
        self.finder, self.factory, self.identifier = finder, factory, identifier
        self.name = name = reqs[0].name if reqs else identifier.split("[")[0]
        self.extra = identifier[len(name) + 1:-1] if "[" in identifier else None
        self.pc = pc = factory.project(name)
        if not pc.versions:
            raise NotInIndex(name, factory.chain_of(identifier, reqs))
        self.bad = {c.key for c in incompatible}
        self.pin_keys = {r.pin_key for r in reqs if r.pin_key is not None}
        constraints = [interned(s) for s in factory.request.constraints.get(name, ())]
        self.specs = specs = [r.specifier for r in reqs if r.pin_key is None] + constraints
        self.allow_pre = allows_prereleases(factory.request, pc, specs)
        self.pinned = pinned_versions(specs)
        self.preferred = factory.request.preferred.get(name)
        self.known, self.contains = factory.containment.memo, factory.contains
        self.versions = pc.versions
        if self.preferred is not None:  # a re-lock keeps the old pin while it still fits: try it first
            preferred = self.preferred  # stable: the rest stay newest first
            self.versions = sorted(self.versions, key=lambda v: v[1] != preferred)

    def fits(self, version: Any) -> bool:
        """Whether ``version`` meets every specifier (and the pre-release rule)."""
        if not self.allow_pre and version.is_prerelease:
            return False
        known, vid = self.known, version.vid
        for spec in self.specs:  # the memo read inline: called for every release a walk looks at
            hit = known.get((spec.sid, vid))
            if not (self.contains(spec, version) if hit is None else hit):
                return False
        return True

    def fitting(self, pc: ProjectCandidates, versions: Sequence[Tuple[Any, str]]) -> Iterator[List[Candidate]]:
        """The candidates of each fitting release, newest first, with the remote layer's in their place."""
        factory, name, preferred = self.factory, self.name, self.preferred
        ahead = ReadAhead(pc)
        listed = ListedGaps(pc, self.fits)
        above = None  # the version taken last in newest-first order (a re-lock's kept pin aside)
        for position, (version, vstr) in enumerate(versions):
            if not self.fits(version):
                continue
            if vstr != preferred:
                # (the newest release is always held: nothing listed is newer than it)
                gap = listed.newest_between(version, above) if position else None
                if gap is not None:  # PyPI lists a newer fitting release that no layer holds
                    bigger = factory.extend(name)
                    if bigger is not None:  # online (or cached): walk on in the merged order
                        yield from self.fitting(bigger, [v for v in bigger.versions if above is None or v[0] < above])
                        return
                    factory.missed.setdefault(name, {}).setdefault(gap, f"{name}=={gap}")
                above = version
            ahead.visit(versions, position, self.fits)
            yield pc.candidates(vstr, yanked_ok=version in self.pinned)

    def matches(self, pc: ProjectCandidates, versions: Sequence[Tuple[Any, str]], base: ProjectCandidates,
                seen: Set[str], unknown: List[Candidate]) -> Iterator[Candidate]:
        """The usable candidates of the shared walk over ``versions`` of ``pc``; those with unknown
        dependencies are put in ``unknown`` for later."""
        extra, viable = self.extra, self.finder.pruning.viable
        for cands in self.finder.scan(self, pc, base, lambda: self.fitting(pc, versions)):
            # the requirements of this release's files offered or failed so far: a file stating the
            # same ones (an sdist lending its wheel's) fails or fits alike, so it is not tried after it
            stated: List[List[str]] = []
            for cand in cands:
                seen.add(cand.vstr)
                if cand.key in self.bad:
                    if len(cands) > 1 and cand.deps is not None:
                        stated.append(cand.deps)
                    continue
                # several different pins (stale ones from extra-candidates left behind by backtracking)
                # cannot all hold: then nothing matches and resolvelib backtracks further
                if self.pin_keys and (len(self.pin_keys) > 1 or cand.key not in self.pin_keys):
                    continue
                if cand.file is not None and cand.deps is None:
                    unknown.append(cand)  # tried after every release whose dependencies are known
                    self.factory.unknown_deps_passed.setdefault(self.name, set()).add(cand.vstr)
                    continue
                if not viable(cand):
                    continue
                if len(cands) > 1:
                    if cand.deps in stated:
                        continue
                    stated.append(cand.deps)
                yield cand.with_extra(extra) if extra else cand

    def generate(self) -> Iterator[Candidate]:
        """Local releases first; then the remote layer's (older ones included), then unknown dependencies."""
        seen: Set[str] = set()
        unknown: List[Candidate] = []
        pc, extra = self.pc, self.extra
        yield from self.matches(pc, self.versions, pc, seen, unknown)
        # every local candidate failed (or none could be used): the remote layer's releases, older
        # ones included, may not (fastapi[all] with pydantic<2). The project may have been
        # extended meanwhile, by a look-ahead or the walk above: then its current candidates hold them.
        bigger = self.factory.extend(self.name) or self.factory.project(self.name)
        if bigger is not pc:
            yield from self.matches(bigger, [v for v in bigger.versions if v[1] not in seen], pc, seen, unknown)
        for cand in unknown:
            if self.finder.pruning.viable(cand):
                yield cand.with_extra(extra) if extra else cand


class Finder:
    """``find_matches`` for one resolution (see the module docstring)."""

    def __init__(self, factory: Factory, pruning: Pruning) -> None:
        self.factory = factory
        self.pruning = pruning
        # (identifier, project, base project, specifier ids) -> the walk; the projects are the keys'
        # own objects, kept alive with them
        self._scans: Dict[Tuple[str, ProjectCandidates, ProjectCandidates, Tuple[int, ...]], SharedScan] = {}

    def find_matches(self, identifier: str, requirements: Mapping[str, Iterator[Req]],
                     incompatibilities: Mapping[str, Iterator[Candidate]]) -> Callable[[], Iterator[Candidate]]:
        """resolvelib's ``find_matches``: a generator function, as resolvelib accepts."""
        return _Query(self, identifier, list(requirements[identifier]), list(incompatibilities[identifier])).generate

    def scan(self, query: _Query, pc: ProjectCandidates, base: ProjectCandidates,
             start: Callable[[], Iterator[List[Candidate]]]) -> SharedScan:
        """The walk over the releases of ``pc`` that fit ``query``'s specifiers, found once.

        What depends on the call (incompatibilities, direct-reference pins, the memoized viability)
        is still checked per call, by :meth:`_Query.matches`.
        """
        key = (query.identifier, pc, base, tuple(s.sid for s in query.specs))
        hit = self._scans.get(key)
        if hit is not None:
            return hit
        if len(self._scans) > SCANS_MEMO:
            self._scans.clear()
        scan = self._scans[key] = SharedScan(start())
        return scan
