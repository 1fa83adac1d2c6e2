"""The resolvelib provider: resolvelib's protocol and nothing else (run by resolver.py).

Each method answers from the modules that own the question, in the spirit of pip's
provider/factory split:

- :mod:`~mach_nix.resolve.factory`: projects, candidates' requirements, who asked for what;
- :mod:`~mach_nix.resolve.matches`: ``find_matches``, the walk down a project's releases;
- :mod:`~mach_nix.resolve.pruning`: the look-ahead that rules candidates out before they are pinned;
- :mod:`~mach_nix.resolve.forced`: what every solution satisfies, and what candidates imply;
- :mod:`~mach_nix.resolve.resolvelib_internals`: the one place that reaches inside resolvelib.

Example::

    provider = Provider(index, Target.create("3.11"), request)
    make_resolver(provider, reporter).resolve(requirements_of_roots(request.roots))
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Iterator, List, Mapping, Optional, Sequence, Set

from resolvelib import AbstractProvider

from mach_nix.resolve.budget import Budget
from mach_nix.resolve.candidates import Candidate
from mach_nix.resolve.contracts import ResolveRequest
from mach_nix.resolve.factory import Factory
from mach_nix.resolve.matches import Finder
from mach_nix.resolve.pruning import Pruning
from mach_nix.resolve.requirements import Req
from mach_nix.resolve.resolvelib_internals import criteria_of, information_of
from mach_nix.resolve.target import Target

CRITERIA_MEMO = 1 << 16  # criteria ranked before the memo of ranks is emptied (it keeps them alive)


class Provider(AbstractProvider):
    """resolvelib provider over an index (see the module docstring); ``factory`` holds what it learns."""

    def __init__(self, index: Any, target: Target, request: ResolveRequest, budget: Optional[Budget] = None) -> None:
        self.factory = Factory(index, target, request, budget)
        self.pruning = Pruning(self.factory)
        self.finder = Finder(self.factory, self.pruning)
        self._ranks: dict = {}  # criterion -> 4 * (not pinned) + (not root); criteria hash by identity
        self._causes: Sequence[Any] = ()
        self._cause_names: Set[str] = set()

    def identify(self, requirement_or_candidate: Any) -> str:
        return requirement_or_candidate.identifier

    def _causes_named(self, backtrack_causes: Sequence[Any]) -> Set[str]:
        """The project names of resolvelib's current conflict causes (recomputed when they change)."""
        if self._causes is not backtrack_causes:
            self._causes = backtrack_causes
            self._cause_names = {c.requirement.name for c in backtrack_causes}
        return self._cause_names

    def get_preference(self, identifier: str, resolutions: Mapping[str, Candidate], candidates: Any,
                       information: Mapping[str, Iterator[Any]], backtrack_causes: Sequence[Any]) -> Any:
        """Pinned requirements first, then the projects of the last conflict, then roots (pip's order)."""
        pinned = root = False
        for info in information[identifier]:
            pinned = pinned or info.requirement.is_pin
            root = root or info.parent is None
        cause = bool(backtrack_causes) and identifier.split("[")[0] in self._causes_named(backtrack_causes)
        return (not pinned, not cause, not root, identifier)

    def narrow_requirement_selection(self, identifiers: Iterable[str], resolutions: Mapping[str, Candidate],
                                     candidates: Any, information: Mapping[str, Iterator[Any]],
                                     backtrack_causes: Sequence[Any]) -> List[str]:
        """Only the identifier :meth:`get_preference` ranks first (resolvelib then skips its own ranking).

        resolvelib would call get_preference through two freshly built mappings per identifier and
        round; ranking here with the criteria it holds gives the same choice, cheaper.
        """
        criteria = criteria_of(information)
        if criteria is None:
            return [min(identifiers, key=lambda ident: self.get_preference(ident, resolutions, candidates,
                                                                            information, backtrack_causes))]
        causes = self._causes_named(backtrack_causes) if backtrack_causes else ()
        ranks = self._ranks
        # get_preference's key (not pinned, not cause, not root, identifier) as (4a + 2b + c, identifier)
        best_rank, best = 8, ""
        for ident in identifiers:
            criterion = criteria[ident]
            rank = ranks.get(criterion)  # criteria are replaced, never changed
            if rank is None:
                pinned = root = False
                for info in information_of(criterion):
                    pinned = pinned or info.requirement.is_pin
                    root = root or info.parent is None
                if len(ranks) > CRITERIA_MEMO:  # the memo keeps criteria alive: bound it on long backtracking
                    ranks.clear()
                rank = ranks[criterion] = 4 * (not pinned) + (not root)
            if not causes or ident.split("[")[0] not in causes:
                rank += 2
            if rank < best_rank or (rank == best_rank and ident < best):
                best_rank, best = rank, ident
        return [best]

    def find_matches(self, identifier: str, requirements: Mapping[str, Iterator[Req]],
                     incompatibilities: Mapping[str, Iterator[Candidate]]) -> Callable[[], Iterator[Candidate]]:
        return self.finder.find_matches(identifier, requirements, incompatibilities)

    def is_satisfied_by(self, requirement: Req, candidate: Candidate) -> bool:
        if requirement.pin_key is not None:
            return candidate.key == requirement.pin_key
        # resolvelib re-checks every pin against every requirement each round: memoized
        return self.factory.contains(requirement.specifier, candidate.version)

    def get_dependencies(self, candidate: Candidate) -> Iterable[Req]:
        """The candidate's requirements and what they imply (:class:`~mach_nix.resolve.forced.Implications`)."""
        factory = self.factory
        own = factory.dependencies_of(candidate)
        implied = factory.implications.of(candidate, own)
        factory.record_dependencies(candidate, own)  # the chains in messages follow what releases state
        return own + implied if implied else own
