"""What every solution must satisfy: the roots, the constraints, and what exact pins force.

A root pinned to one release (``google-generativeai==0.7.2``) is in every solution with that
release, so its dependencies are requirements of every solution too, and so on down chains of
exact pins (``google-ai-generativelanguage==0.6.6`` → ``protobuf<5``). This is unit propagation,
the first step of PubGrub's derivations: the look-ahead (``Pruning.viable``, pruning.py) checks
each candidate against these requirements before resolvelib ever pins it, so a family of releases
that all need something a forced requirement excludes (``opentelemetry-proto>=1.27`` needing
``protobuf>=5``) is ruled out by one check per release, not by a subtree of backtracking each.

Only what is certain is derived: a pinned release whose candidates (wheel, sdist) disagree on
their dependencies, or whose dependencies are unknown, forces nothing beyond its own pin.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Protocol, Sequence, Set, Tuple

from packaging.specifiers import SpecifierSet

from mach_nix.resolve.specs import interned
from mach_nix.specifiers import exact_pins

if TYPE_CHECKING:
    from mach_nix.resolve.candidates import Candidate, ProjectCandidates
    from mach_nix.resolve.contracts import ResolveRequest


class Factory(Protocol):
    """What propagation reads of one resolution's knowledge (resolve/factory.py's ``Factory``
    offers it; named here so that factory.py can import this module and not the other way round)."""

    contains: Callable[..., bool]

    def project(self, name: str) -> "ProjectCandidates": ...

    def extend(self, name: str) -> Optional["ProjectCandidates"]: ...

    def dependencies_of(self, candidate: "Candidate") -> List[Any]: ...


_BOUNDED_ABOVE = ("==", "===", "~=", "<", "<=")

MAX_FORCED = 500  # pinned releases whose dependencies are propagated (a bound for huge pinned files)

Forced = Dict[str, List[Tuple[SpecifierSet, str]]]


def root_requirements(request: "ResolveRequest") -> Forced:
    """(specifier, where from) of the roots and constraints, per project.

    Example: roots ``fastapi[all]`` and ``pydantic<2`` (line 2) →
    ``{"pydantic": [(SpecifierSet("<2"), "requirements.txt, line 2: pydantic<2")]}``.
    """
    out: Forced = {}
    for name, specs in request.constraints.items():
        out[name] = [(spec, f"the constraint {name}{spec}") for spec in specs if spec is not None]
    for root in request.roots:
        if len(root.specifier):
            out.setdefault(root.name, []).append((root.specifier, root.where))
    return out


def _pinned_release(pc: "ProjectCandidates", spec: SpecifierSet) -> Optional[str]:
    """The one release of ``pc`` an exact pin names (None: not exactly one, or not held)."""
    pins = exact_pins(spec)
    if len(set(pins)) != 1:
        return None
    from mach_nix.resolve.candidates import parse_version

    wanted = parse_version(pins[0])
    if wanted is None:
        return None
    for version, vstr in pc.versions:
        if version == wanted:
            return vstr
        if version < wanted:
            return None
    return None


def _shared_dependencies(factory: "Factory", cands: Sequence["Candidate"], extras: Sequence[str]) -> Optional[list]:
    """The requirements every candidate of one release has (for ``extras`` too); None when they differ."""
    shared = None
    for cand in cands:
        if cand.deps is None:
            return None  # unknown: nothing can be derived from it
        reqs = list(factory.dependencies_of(cand))
        for extra in extras:
            reqs += factory.dependencies_of(cand.with_extra(extra))
        texts = sorted({(r.name, r.text) for r in reqs})
        if shared is None:
            shared, first = texts, reqs
        elif texts != shared:
            return None
    return first if shared is not None else None


def forced_requirements(request: "ResolveRequest", factory: "Factory") -> Forced:
    """:func:`root_requirements` plus the dependencies of releases that chains of exact pins from
    the roots force, each with the chain that forces it.

    Example: root ``google-generativeai==0.7.2`` → ``out["protobuf"]`` holds ``<5.0.0dev,…`` from
    ``"…: google-generativeai==0.7.2 → google-generativeai 0.7.2 requires google-ai-generativelanguage==0.6.6
    → google-ai-generativelanguage 0.6.6 requires protobuf…"``.
    """
    out = root_requirements(request)
    queue: List[Tuple[str, Tuple[str, ...], SpecifierSet, str]] = []
    for root in request.roots:
        if exact_pins(root.specifier):
            queue.append((root.name, tuple(root.extras), root.specifier, root.where))
    done: Set[Tuple[str, Tuple[str, ...]]] = set()
    while queue and len(done) < MAX_FORCED:
        name, extras, spec, chain = queue.pop(0)
        if (name, extras) in done or request.direct.get(name):
            continue
        done.add((name, extras))
        pc = factory.project(name)
        vstr = _pinned_release(pc, spec)
        if vstr is None and pc.versions:  # a pin outside the local window: the resolver extends it too
            pc = factory.extend(name) or pc
            vstr = _pinned_release(pc, spec)
        if vstr is None:
            continue
        cands = pc.candidates(vstr, yanked_ok=True)
        reqs = _shared_dependencies(factory, cands, extras) if cands else None
        for req in reqs or ():
            if req.pin_key is not None or req.name == name or not len(req.specifier):
                continue
            where = f"{chain} → {name} {vstr} requires {req.text.split(';')[0].strip()}"
            mine = out.setdefault(req.name, [])
            if not any(sp is req.specifier for sp, _ in mine):
                mine.append((req.specifier, where))
            if exact_pins(req.specifier):
                queue.append((req.name, (req.extra,) if req.extra else (), req.specifier, where))
    return out


class Implications:
    """What choosing a candidate implies beyond its own dependencies: where a dependency's specifier
    admits exactly one release (``opentelemetry-sdk~=1.27.0`` → 1.27.0, or an ``==`` pin), that
    release's dependencies hold too (``opentelemetry-api==1.27.0``), and so on down such chains.

    The provider hands them to resolvelib with the candidate's own dependencies, so a conflict two
    or three pins below a candidate is found when the candidate is tried (one merge of criteria),
    not after pinning the chain below it for every release of every package above: PubGrub derives
    the same incompatibilities from the chain. "Exactly one" counts every release the layers hold
    and, when a layer has a ``versions`` table, every release PyPI listed, yanked and pre-releases
    included, so a derivation never rests on a release the resolver could still fetch.

    Memo keys name specifiers by the explicit id parse_specifier gives them (``sid``).

    Example: ``Implications(factory).of(exporter_1_27)`` → ``[<Req opentelemetry-api==1.27.0>, …]``
    """

    def __init__(self, factory: "Factory") -> None:
        self.factory = factory
        self._single: Dict[Tuple[str, int], Optional[str]] = {}
        self._below: Dict[Tuple[str, int, Optional[str]], list] = {}
        self._of: Dict[Tuple[tuple, Optional[str]], list] = {}

    def single_release(self, name: str, spec: SpecifierSet) -> Optional[str]:
        """The one release of ``name`` that ``spec`` admits, or None (none, several, or not certain)."""
        key = (name, interned(spec).sid)
        if key in self._single:
            return self._single[key]
        found = None
        if not any(s.operator in _BOUNDED_ABOVE for s in spec):
            # open above: it admits one release only when that is the newest, whose requirements
            # resolvelib meets at once anyway; not deriving spares reading the versions table
            self._single[key] = None
            return None
        pc = self.factory.project(name)
        contains = self.factory.contains
        matches: List[str] = []
        for version, vstr in pc.versions:  # most specifiers match two releases at once: stop there
            if contains(spec, version):
                matches.append(vstr)
                if len(matches) > 1:
                    break
        if len(matches) == 1 and exact_pins(spec):
            found = matches[0]  # an exact pin admits this very release, whatever else PyPI lists
        elif len(matches) == 1:  # the versions table (read only now) tells whether PyPI has more
            if pc.listed_absent_matching(lambda version: contains(spec, version)) is False:
                found = matches[0]
        self._single[key] = found
        return found

    def below(self, name: str, spec: SpecifierSet, extra: Optional[str]) -> list:
        """The requirements implied by a requirement on ``name`` (with ``extra``) matching ``spec``."""
        key = (name, interned(spec).sid, extra)
        hit = self._below.get(key)
        if hit is not None:
            return hit
        self._below[key] = []  # a cycle implies nothing more than what is found outside it
        out: list = []
        vstr = self.single_release(name, spec)
        cands = self.factory.project(name).candidates(vstr) if vstr is not None else []
        reqs = _shared_dependencies(self.factory, cands, (extra,) if extra else ()) if cands else None
        if reqs:
            from mach_nix.resolve.requirements import Req

            via = f"{name} {vstr}"
            for req in reqs:
                if req.pin_key is not None or req.name == name or not len(req.specifier):
                    continue
                out.append(Req(req.name, req.specifier, req.text, extra=req.extra, origin=req.origin, via=via))
                out += self.below(req.name, req.specifier, req.extra)
        self._below[key] = out
        return out

    def of(self, cand: "Candidate", deps: Sequence) -> list:
        """What ``cand`` (whose own requirements are ``deps``) implies besides them, memoized."""
        key = (cand.key, cand.extra)
        hit = self._of.get(key)
        if hit is None:
            hit = []
            for req in deps:
                if req.pin_key is None and req.name != cand.name:
                    hit += [r for r in self.below(req.name, req.specifier, req.extra) if r.name != cand.name]
            self._of[key] = hit
        return hit
