"""What one resolution knows besides resolvelib's state (pip's "factory"): projects and their
candidates, what candidates require, who asked for what, and what the walk found on the way.

The provider (provider.py) answers resolvelib's questions from it; the look-ahead (pruning.py),
the walk over releases (matches.py), forced requirements (forced.py) and the explanations
(absent.py, explain.py, failure.py) read and record here.

Example::

    factory = Factory(index, Target.create("3.11"), request)
    factory.project("idna").versions[0]          # (Version("3.10"), "3.10")
    factory.chain_of("pendulum")                 # ["requirements.txt, line 1: apache-airflow", …]
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Sequence, Set, Tuple

from mach_nix.constants import PROVIDERS
from mach_nix.resolve.budget import Budget
from mach_nix.resolve.candidates import Candidate, ProjectCandidates
from mach_nix.resolve.contracts import IndexView, ResolveRequest, index_view
from mach_nix.resolve.forced import Forced, Implications, forced_requirements
from mach_nix.resolve.reasons import Rejected
from mach_nix.resolve.requirements import Dependencies, Req
from mach_nix.resolve.specs import Containment
from mach_nix.resolve.target import Target

MAX_CHAIN = 10  # links of a "required by" chain in messages


class Factory:
    """The projects, dependencies and findings of one resolution (see the module docstring)."""

    def __init__(self, index: Any, target: Target, request: ResolveRequest, budget: Optional[Budget] = None) -> None:
        self.index: IndexView = index_view(index)
        self.target = target
        self.request = request
        self.budget = budget  # checked by the look-ahead, which can walk far between two rounds
        self.defaults = request.providers.get("_default", PROVIDERS)
        self.projects: Dict[str, ProjectCandidates] = {}
        self.containment = Containment()
        # ``spec.contains(version, prereleases=True)``, memoized; bound once: the hottest call of a resolution
        self.contains: Callable[[Any, Any], bool] = self.containment.contains
        self.dependencies = Dependencies(target)
        self.implications = Implications(self)
        self._forced: Optional[Forced] = None
        # identifier -> (requirement, the candidate that states it; None for a root)
        self.required_by: Dict[str, List[Tuple[Req, Optional[Candidate]]]] = {}
        # findings, for messages and warnings:
        self.pruned: Dict[Tuple[tuple, Optional[str]], Rejected] = {}  # (candidate key, extra) -> why never usable
        self.missed: Dict[str, Dict[str, str]] = {}  # offline: name -> newer release passed over -> what to fetch
        self.unknown_deps_passed: Dict[str, Set[str]] = {}  # name -> releases deferred for unknown dependencies
        self.listed_needed: Dict[str, str] = {}  # offline: name -> a listed, absent release a requirement needs

    @property
    def always(self) -> Forced:
        """What every solution satisfies, per project (see :mod:`mach_nix.resolve.forced`); computed on first use."""
        if self._forced is None:
            self._forced = forced_requirements(self.request, self)
        return self._forced

    def project(self, name: str) -> ProjectCandidates:
        """The candidates of ``name`` (no versions when the index lacks it)."""
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
        """Whether a dependency's marker holds for the target (see :class:`~mach_nix.resolve.requirements.Dependencies`)."""
        return self.dependencies.marker_ok(marker, extra)

    def dependencies_of(self, candidate: Candidate) -> List[Req]:
        """Requirements of a candidate for the target (markers evaluated; memoized)."""
        return self.dependencies.of(candidate)

    def record_roots(self, roots: Sequence[Req]) -> None:
        """Remember the roots as the start of every "required by" chain."""
        for req in roots:
            self.required_by.setdefault(req.identifier, []).append((req, None))

    def record_dependencies(self, candidate: Candidate, reqs: Sequence[Req]) -> None:
        """Remember that ``candidate`` states ``reqs`` (the chains follow what releases state)."""
        for req in reqs:
            self.required_by.setdefault(req.identifier, []).append((req, candidate))

    def chain_of(self, identifier: str, reqs: Sequence[Req] = ()) -> List[str]:
        """Who asked for ``identifier``, root first.

        Example: ``["requirements.txt, line 1: apache-airflow", "apache-airflow 2.9.0 requires pendulum<4"]``
        """
        chain: List[str] = []
        seen: Set[str] = set()
        current = identifier
        while current not in seen and len(chain) < MAX_CHAIN:
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
