"""Run a resolution: runtime requirements first, then the build requirements of chosen sdists.

Build requirements are resolved into the same lock (one version per name, as in a Nix package
set): a second resolution whose roots are the sdists' ``build_system.requires`` and whose
constraints are the runtime pins, repeated until no new sdist appears. Packages only reached that
way are marked ``build_only``.

Why a resolution is bounded
---------------------------
1. *Learning what can never work* (pruning.py, ``viable``/``satisfiable``): before resolvelib
   sees a candidate, its dependencies (its extra's included) are checked against what every
   solution must satisfy: the root requirements, the constraints, and what chains of exact pins
   from the roots force (forced.py: ``google-generativeai==0.7.2`` → ``protobuf<5``, which rules out
   every opentelemetry exporter above 1.27 at once). The verdict is memoized per
   (project, specifier, extra), so candidates sharing a failing requirement are ruled out by one
   check: with ``fastapi[all]`` and ``pydantic<2`` the 40 newest fastapi releases (pydantic 2
   directly, or through ``[all]``'s pydantic-settings) never get pinned, and no subtree below them
   is explored; the look-ahead visits each (project, specifier, extra) once, so it is linear in
   the dependency edges of the index slice it touches.
2. *Implications* (forced.py, ``Implications``): a candidate's requirement that admits exactly one
   release (``opentelemetry-sdk~=1.27.0``) brings that release's requirements along
   (``opentelemetry-api==1.27.0``), so resolvelib finds a conflict two pins down when it tries the
   candidate, in one merge of criteria, instead of after pinning the chain below it: a family of
   releases that all conflict two pins down costs one merge each, not a subtree each.
3. *Backjumping with conflict causes first* (resolvelib ≥ 1.1, plus ``get_preference``): what is
   left are conflicts between non-root requirements; resolvelib jumps back to the pin that caused
   them, and the provider then works on the identifiers named by the conflict first (pip's order).
4. *Hard budgets* (budget.py): nothing above bounds every input (the pigeonhole set of
   tests/data/index-conflicts needs N! pins for any backtracking resolver), so every round and
   every look-ahead step checks a wall-time budget and the growth of the resident set, and past
   either one the resolution stops with ``ResolutionImpossible`` naming the projects whose
   requirements conflicted most (and ``MAX_ROUNDS`` stops it deterministically). Memos about
   resolvelib's criteria live on the criteria or are emptied past ``CRITERIA_MEMO`` entries, so
   they cannot keep abandoned states alive.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List, Optional, Set

from mach_nix.constants import LEGACY_BUILD_SYSTEM
from mach_nix.errors import InternalError, MachNixError, NotFound, ResolutionImpossible as Impossible
from mach_nix.resolve.budget import DEFAULT_MAX_MEMORY_MB, DEFAULT_MAX_SECONDS, Budget, BudgetExceeded, ConflictReporter
from mach_nix.resolve.candidates import Candidate, parse_specifier
from mach_nix.resolve.contracts import ResolveRequest, Root, index_view
from mach_nix.resolve.factory import Factory
from mach_nix.resolve.matches import NotInIndex
from mach_nix.resolve.provider import Provider
from mach_nix.resolve.requirements import Req, parse_dependency, requirements_of_roots
from mach_nix.resolve.resolvelib_internals import make_resolver
from mach_nix.resolve.target import Target
from mach_nix.index.storage.schema import UNREAD_METADATA

if TYPE_CHECKING:
    from mach_nix.shapes import LockBuildSystem

MAX_ROUNDS = 20000


class ResolvedPackage:
    """One package of the result: the chosen candidate, active extras and dependency names."""

    def __init__(self, candidate: Candidate, build_only: bool = False) -> None:
        self.candidate = candidate
        self.extras: Set[str] = set()
        self.dependencies: Set[str] = set()
        self.build_only = build_only
        self.build_system: Optional[LockBuildSystem] = None


class Resolution:
    """Root names, the packages chosen (normalized name → package), warnings for the user, and the
    number of resolvelib rounds it took (build requirements included)."""

    def __init__(self, roots: List[str], packages: Dict[str, ResolvedPackage]) -> None:
        self.roots = roots
        self.packages = packages
        self.warnings: List[str] = []
        self.rounds = 0


def _run(provider: Provider, roots: List[Req]) -> Dict[str, Candidate]:
    from resolvelib import (InconsistentCandidate, RequirementsConflicted, ResolutionError, ResolutionImpossible,
                            ResolutionTooDeep)

    factory = provider.factory
    factory.record_roots(roots)
    reporter = ConflictReporter(factory.budget)
    try:
        result = make_resolver(provider, reporter).resolve(roots, max_rounds=MAX_ROUNDS)
    except (ResolutionImpossible, NotInIndex) as exc:
        from mach_nix.resolve.absent import explain_absent, explain_offline_absent
        from mach_nix.resolve.explain import explain_impossible
        from mach_nix.resolve.failure import absent_failure, conflict_failure

        lacking = explain_offline_absent(factory, roots)  # offline: name all that is absent at once
        if lacking:
            raise NotFound(lacking, failure=absent_failure(factory, roots)) from None
        if isinstance(exc, NotInIndex):
            raise NotFound(explain_absent(factory, exc.name, exc.chain, roots),
                           failure=absent_failure(factory, roots, exc.name)) from None
        raise Impossible(explain_impossible(factory, exc.causes), failure=conflict_failure(factory, exc.causes)) from None
    except (BudgetExceeded, ResolutionTooDeep) as exc:
        from mach_nix.resolve.explain import explain_budget
        from mach_nix.resolve.failure import budget_failure

        what = exc if isinstance(exc, BudgetExceeded) else BudgetExceeded(f"after {MAX_ROUNDS} rounds of backtracking", "")
        conflicts = reporter.most_conflicted()
        raise Impossible(explain_budget(factory, what, conflicts), failure=budget_failure(factory, conflicts)) from None
    except (ResolutionError, InconsistentCandidate, RequirementsConflicted) as exc:
        # any other resolvelib error is an inconsistency of the resolver: a mach-nix bug, reported without a traceback
        raise InternalError(f"Internal resolver error ({type(exc).__name__}: {exc}). This is a bug in mach-nix; "
                           "please report it with the requirements that trigger it.") from None
    return dict(result.mapping)


def _collect(factory: Factory, mapping: Dict[str, Candidate], packages: Dict[str, ResolvedPackage],
             build_only: bool) -> None:
    for ident, cand in sorted(mapping.items()):
        pkg = packages.get(cand.name)
        if pkg is None:
            base = mapping.get(cand.name, cand.with_extra(None) if cand.extra else cand)
            pkg = packages[cand.name] = ResolvedPackage(base, build_only=build_only)
        if cand.extra:
            pkg.extras.add(cand.extra)
        for req in factory.dependencies_of(cand):
            if req.name != cand.name:
                pkg.dependencies.add(req.name)


def resolve(index: Any, target: Target, request: ResolveRequest, *, build: bool = True,
            max_seconds: Optional[float] = DEFAULT_MAX_SECONDS,
            max_memory_mb: Optional[float] = DEFAULT_MAX_MEMORY_MB, budget: Optional[Budget] = None) -> Resolution:
    """Resolve ``request`` against ``index`` for ``target``; raises MachNixError with an explanation.

    The budgets (``None`` or 0: no limit) bound the whole call, build requirements included: past
    ``max_seconds`` of wall time, or once the process's memory grew by ``max_memory_mb``, it stops
    with ``ResolutionImpossible`` naming the requirements that conflicted most. ``budget`` replaces
    both with a :class:`Budget` already started (a lock's, counting from its first byte read).

    Example: ``resolve(Index.open(), Target.create(), ResolveRequest(roots=[Root("idna", (), SpecifierSet(""), "cli")]),
    max_seconds=10)``
    """
    index = index_view(index)  # one view for the runtime and the build resolutions
    budget = budget or Budget(max_seconds, max_memory_mb)  # given: one already running (the whole lock's)
    provider = Provider(index, target, request, budget)
    factory = provider.factory
    mapping = _run(provider, requirements_of_roots(request.roots))
    packages: Dict[str, ResolvedPackage] = {}
    _collect(factory, mapping, packages, build_only=False)
    roots = sorted({root.name for root in request.roots})
    resolution = Resolution(roots, packages)
    resolution.warnings += _passed_over(factory, packages)
    if build:
        _resolve_build(index, target, request, resolution, budget)
    for pkg in packages.values():
        if pkg.candidate.provider == "sdist" and pkg.build_system is None:
            pkg.build_system = _build_system(pkg.candidate, target, factory)
            if not build:
                pkg.build_system["resolved"] = False  # --no-build-deps: the Nix side provides them
    resolution.rounds = budget.rounds
    for pkg in packages.values():  # e.g. a build chain deeper than the rounds allowed in _resolve_build
        bs = pkg.build_system
        if bs is not None and any(dep not in packages for dep in bs["dependencies"]):
            bs["resolved"] = False
    return resolution


def _passed_over(factory: Factory, packages: Dict[str, ResolvedPackage]) -> List[str]:
    """Warnings for newer releases the resolution passed over: listed on PyPI but absent offline, or
    with unknown dependencies (tried last, as a release whose dependencies are known is preferred)."""
    from mach_nix.resolve.candidates import parse_version
    from mach_nix.resolve.absent import explain_missed

    out: List[str] = []
    for name, pkg in sorted(packages.items()):
        cand = pkg.candidate
        missed = explain_missed(factory, name, cand)
        if missed:
            out.append(missed)
        if cand.deps is None and cand.file is not None:
            continue  # the lock flags it, and the pipeline warns about it
        unknown = [v for v in factory.unknown_deps_passed.get(name, ())
                   if (parsed := parse_version(v)) is not None and parsed > cand.version]
        if unknown:
            newest = max(unknown, key=lambda v: parse_version(v) or cand.version)  # (all parse: see above)
            out.append(f"{name} {cand.vstr} is locked rather than the newer {newest}, whose dependencies are unknown "
                       f"to the index (an sdist without static metadata): a release with known dependencies is "
                       f"preferred. Require {name}=={newest} to take it anyway (locked without its dependencies).")
    return out


def _build_system(cand: Candidate, target: Target, factory: Factory) -> LockBuildSystem:
    node = cand.file
    # an sdist read on demand whose dependencies a wheel lent it
    if node is not None and node.get("metadata") == UNREAD_METADATA:
        view = factory.index.project(cand.name)
        if view is not None and view.fill is not None:
            view.fill(node)
    bs = node.get("build_system") if node is not None else None
    source = None
    if not bs:
        bs = LEGACY_BUILD_SYSTEM
        source = "assumed"  # metadata unknown: setuptools' legacy backend is the best guess
    requires = list(bs.get("requires", []))
    names: List[str] = []
    for text in requires:
        parsed = parse_dependency(text)
        if parsed is not None and factory.marker_ok(parsed[3], ""):
            names.append(parsed[0])
    return {"requires": requires, "backend": bs.get("backend"), "source": source or bs.get("source", "pyproject"),
            "dependencies": sorted(set(names))}


def _resolve_build(index: Any, target: Target, request: ResolveRequest, resolution: Resolution,
                   budget: Budget) -> None:
    """Add the build requirements of every sdist (recursively) to ``resolution``."""
    packages = resolution.packages
    wanted: Dict[str, Root] = {}
    for _ in range(4):
        probe = Factory(index, target, request)
        new = False
        for name, pkg in sorted(packages.items()):
            if pkg.candidate.provider != "sdist":
                continue
            pkg.build_system = _build_system(pkg.candidate, target, probe)
            for text in pkg.build_system["requires"]:
                parsed = parse_dependency(text)
                if parsed is None or not probe.marker_ok(parsed[3], ""):
                    continue
                dep, extras, spec, _ = parsed
                key = f"{dep}|{text}"
                if key not in wanted:
                    wanted[key] = Root(dep, extras, spec, f"build requirement of {name} {pkg.candidate.vstr}")
                    new = True
        if not new:
            return
        constraints = dict(request.constraints)
        for name, pkg in packages.items():
            if not pkg.build_only:
                pin = parse_specifier(f"=={pkg.candidate.vstr}")
                constraints[name] = constraints.get(name, []) + ([pin] if pin is not None else [])
        sub = ResolveRequest(roots=list(wanted.values()), constraints=constraints, providers=request.providers,
                             nixpkgs=request.nixpkgs, allow_prereleases=request.allow_prereleases,
                             hashes=request.hashes, direct=request.direct, preferred=request.preferred)
        provider = Provider(index, target, sub, budget)
        try:
            mapping = _run(provider, requirements_of_roots(sub.roots))
        except MachNixError as exc:
            resolution.warnings.append(
                "the build requirements of the sdists could not be resolved together with the runtime pins, so "
                "they are not in the lock (the Nix side must provide them): " + exc.message.splitlines()[0])
            for pkg in packages.values():
                if pkg.build_system is not None:
                    pkg.build_system["resolved"] = False
            return
        for name in list(packages):
            if packages[name].build_only:
                del packages[name]
        build_packages: Dict[str, Any] = {}
        _collect(provider.factory, mapping, build_packages, build_only=True)
        for name, bpkg in build_packages.items():
            if name not in packages:
                packages[name] = bpkg
