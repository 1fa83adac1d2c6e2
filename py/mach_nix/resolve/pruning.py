"""Learning what can never be part of a solution, before resolvelib pins it (the look-ahead).

"Never" is relative to what every solution must satisfy: the root requirements and the
constraints (resolvelib never drops a root requirement), and what chains of exact pins force
(forced.py); so a candidate whose dependency excludes every release those allow is dropped
before resolvelib ever pins it. This is the learning that keeps conflict sets bounded: the
verdict for each (project, specifier, extra) is computed once and shared by every candidate
carrying the same requirement (Requires-Dist strings are interned, so 40 fastapi releases that all
need ``pydantic-settings>=2`` cost one check, not 40 subtrees of backtracking). Cycles are
assumed viable.

Example: ``Pruning(factory).viable(bleach_6)`` is False on Python 3.9 when every webencodings
release needs 3.10, and ``factory.pruned`` says why.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple

from packaging.specifiers import SpecifierSet

from mach_nix.resolve.candidates import Candidate, ProjectCandidates
from mach_nix.resolve.contracts import ResolveRequest
from mach_nix.resolve.factory import Factory
from mach_nix.resolve.prefetch import ReadAhead
from mach_nix.resolve.reasons import Unmet, release_reason, summarize_reasons, unmet_dependency
from mach_nix.resolve.specs import facts, interned, pinned_versions


def allows_prereleases(request: ResolveRequest, pc: ProjectCandidates, specs: Sequence[SpecifierSet]) -> bool:
    """PEP 440: pre-releases when asked for, when a specifier names one, or when nothing else exists."""
    return request.allow_prereleases or not pc.has_final or any(facts(s).prereleases for s in specs)


def listed_fitting(factory: Factory, pc: ProjectCandidates, specs: Sequence[SpecifierSet],
                   allow_pre: bool) -> Optional[str]:
    """The newest release PyPI lists that no layer holds and that fits ``specs``, or None."""
    for version, vstr in pc.listed_absent or ():
        if (allow_pre or not version.is_prerelease) and all(factory.contains(sp, version) for sp in specs):
            return vstr
    return None


class _Search:
    """One :meth:`Pruning.satisfiable` walk: what it found, and why nothing fits when nothing does."""

    __slots__ = ("found", "fits", "excluded_by", "why_files", "why_deps")

    def __init__(self) -> None:
        self.found = False
        self.fits = False  # some release's version fits (then its dependencies decide)
        self.excluded_by: Dict[str, None] = {}  # roots/constraints that exclude releases the specifier allows
        self.why_files = ""  # the newest matching release rejected for its files
        self.why_deps = ""  # … or for its dependencies


class Pruning:
    """The look-ahead of one resolution (see the module docstring); verdicts go to ``factory.pruned``."""

    def __init__(self, factory: Factory) -> None:
        self.factory = factory
        self._viable: Dict[Tuple[tuple, Optional[str]], bool] = {}
        # (name, specifier id, extra) -> satisfiable, and why not
        self._satisfiable: Dict[Tuple[str, int, Optional[str]], bool] = {}
        self._unmet: Dict[Tuple[str, int, Optional[str]], Unmet] = {}

    def viable(self, cand: Candidate) -> bool:
        """False when a dependency of ``cand`` (its extra's included) can never be met. Memoized.

        Example: ``pruning.viable(candidate)`` → False for bleach on Python 3.9 when every
        webencodings release needs 3.10.
        """
        key = (cand.key, cand.extra)
        hit = self._viable.get(key)
        if hit is not None:
            return hit
        self._viable[key] = True  # optimistic while the dependencies are being checked
        factory = self.factory
        deps = factory.dependencies_of(cand.with_extra(None) if cand.extra else cand)
        if cand.extra:
            deps = deps + factory.dependencies_of(cand)
        ok = True
        for req in deps:
            if req.pin_key is None and not self.satisfiable(req.name, req.specifier, req.extra):
                listed = factory.listed_needed.get(req.name)
                if listed is not None:
                    factory.missed.setdefault(cand.name, {}).setdefault(cand.vstr, f"{req.name}=={listed}")
                unmet = self._unmet.get((req.name, req.specifier.sid, req.extra))
                factory.pruned[key] = unmet_dependency(req.text.split(";")[0].strip(), unmet)
                ok = False
                break
        self._viable[key] = ok
        return ok

    def satisfiable(self, name: str, spec: SpecifierSet, extra: Optional[str] = None) -> bool:
        """Whether some viable candidate of ``name`` (with ``extra``) matches ``spec``, the roots and constraints."""
        key = (name, interned(spec).sid, extra)
        hit = self._satisfiable.get(key)
        if hit is not None:
            return hit
        self._satisfiable[key] = True  # optimistic during recursion
        factory = self.factory
        if factory.budget is not None:
            factory.budget.check()
        pc = factory.project(name)
        if not pc.versions:
            return True  # absent from the index: the resolution reports it with its chain
        always = factory.always.get(name, ())
        specs = [spec] + [sp for sp, _ in always]
        allow_pre = allows_prereleases(factory.request, pc, specs)
        search = _Search()
        versions = pc.versions
        while True:
            self._walk(search, pc, versions, spec, specs, always, extra, allow_pre)
            # the remote layer's releases may fit: when no local one does, or PyPI lists one the layers lack
            listed = None if search.found else listed_fitting(factory, pc, specs, allow_pre)
            # when a release fits and only its dependencies fail, the look-ahead fetches no older
            # releases: the resolution itself does if it must (see matches.py)
            bigger = None if search.found or (search.fits and listed is None) else factory.extend(name)
            if bigger is None:
                if listed is not None:  # offline: the explanation names the release and how to fetch it
                    factory.listed_needed.setdefault(name, listed)
                    search.why_files = search.why_files or f"PyPI lists {name} {listed}, which no layer holds"
                break
            seen = {vstr for _, vstr in versions}
            pc, versions = bigger, [v for v in bigger.versions if v[1] not in seen]
        if not search.found:
            detail = search.why_deps or search.why_files or (
                "" if search.excluded_by else f"no release of {name} matches")
            self._unmet[key] = Unmet(tuple(search.excluded_by), detail)
        self._satisfiable[key] = search.found
        return search.found

    def _walk(self, search: _Search, pc: ProjectCandidates, versions: Sequence[Tuple[Any, str]], spec: SpecifierSet,
              specs: List[SpecifierSet], always: Sequence[Tuple[SpecifierSet, str]], extra: Optional[str],
              allow_pre: bool) -> None:
        """Look at ``versions`` of ``pc`` newest first until a viable candidate matches ``spec``."""
        contains = self.factory.contains
        pinned = pinned_versions(specs)
        ahead = ReadAhead(pc)
        for position, (version, vstr) in enumerate(versions):
            if (not allow_pre and version.is_prerelease) or not contains(spec, version):
                continue
            if always:
                against = [where for sp, where in always if not contains(sp, version)]
                if against:
                    search.excluded_by.update(dict.fromkeys(against))
                    continue
            search.fits = True
            ahead.visit(versions, position, lambda v: (allow_pre or not v.is_prerelease) and all(
                contains(sp, v) for sp in specs))
            cands = pc.candidates(vstr, yanked_ok=version in pinned)
            if any(self.viable(cand.with_extra(extra) if extra else cand) for cand in cands):
                search.found = True
                return
            if cands and not search.why_deps:
                pruned = self.factory.pruned
                search.why_deps = release_reason(f"{pc.name} {vstr}", [pruned[(c.key, extra)] for c in cands])
            elif not cands and not search.why_files:
                search.why_files = f"{pc.name} {vstr}: " + summarize_reasons(pc.classify(vstr)[1])
