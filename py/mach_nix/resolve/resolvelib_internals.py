"""Everything the resolver takes from resolvelib beyond its public API, in one place.

Two shortcuts, each with a fallback to the public API when resolvelib changes, and each pinned by
tests/py/resolve/test_resolvelib_contract.py, which fails the day a new resolvelib no longer fits:

1. :func:`make_resolver`: resolvelib re-checks every pin against all its requirements twice per
   round, which dominates large resolutions. Criteria are never mutated (resolvelib replaces
   them), so the answer for a (criterion, pin) pair never changes: a subclass of resolvelib's
   private ``Resolution`` memoizes it, reading the state stack directly and keeping the answer on
   the criterion (it dies with the states that hold it). Without that class: the plain Resolver.
2. :func:`criteria_of`: ``narrow_requirement_selection`` receives resolvelib's criteria behind an
   ``IteratorMapping``; ranking with the criteria themselves (one memo entry per criterion)
   avoids building two mappings per identifier and round. Without that layout: None, and the
   provider ranks through ``get_preference``, as resolvelib itself would.

Example::

    resolver = make_resolver(provider, reporter)      # a resolvelib.Resolver either way
    result = resolver.resolve(roots, max_rounds=20000)
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, Optional

from resolvelib import BaseReporter, Resolver

_SAT = "_mach_nix_sat"  # the pin every requirement of the criterion was found to accept
_UNSAT = "_mach_nix_unsat"  # the pin one of them was found to refuse


def _private_resolution() -> Any:
    """resolvelib's ``Resolution`` and ``_build_result``, or None when they are not as expected."""
    try:
        from resolvelib.resolvers import Resolution
        try:
            from resolvelib.resolvers.resolution import _build_result
        except ImportError:  # resolvelib 1.0: a single module
            from resolvelib.resolvers import _build_result
    except ImportError:
        return None
    if not hasattr(Resolution, "_is_current_pin_satisfying"):
        return None
    return Resolution, _build_result


def make_resolver(provider: Any, reporter: BaseReporter) -> Resolver:
    """resolvelib's Resolver, with the per-round "is every pin still satisfied" check memoized
    (the plain Resolver when resolvelib's internals are not as expected)."""
    found = _private_resolution()
    if found is None:
        return Resolver(provider, reporter)
    Resolution, build_result = found
    stack = "_states" in Resolution.__init__.__code__.co_names

    class _Resolution(Resolution):  # type: ignore[misc,valid-type]
        def _is_current_pin_satisfying(self, name: Any, criterion: Any) -> bool:
            # called ~criteria x rounds times: read the state stack directly, not through the property
            pin = self._states[-1].mapping.get(name) if stack else self.state.mapping.get(name)
            if pin is None:
                return False
            known = criterion.__dict__
            if known.get(_SAT) is pin:  # the common case: the pin checked last round
                return True
            if known.get(_UNSAT) is pin:
                return False
            ok = all(self._p.is_satisfied_by(requirement=r, candidate=pin) for r in criterion.iter_requirement())
            known[_SAT if ok else _UNSAT] = pin
            return ok

    class _Resolver(Resolver):
        def resolve(self, requirements: Any, max_rounds: int = 100) -> Any:
            state = _Resolution(self.provider, self.reporter).resolve(requirements, max_rounds=max_rounds)
            return build_result(state)

    return _Resolver(provider, reporter)


def is_memoized(resolver: Resolver) -> bool:
    """Whether :func:`make_resolver` could use its memoized resolution (else it fell back)."""
    return type(resolver) is not Resolver


def criteria_of(information: Any) -> Optional[Dict[str, Any]]:
    """The criteria (identifier → criterion, each with ``.information``) behind the mapping
    ``narrow_requirement_selection`` receives, or None when resolvelib lays it out otherwise.

    Example: ``criteria_of(information)["idna"].information`` lists the (requirement, parent) pairs.
    """
    criteria = getattr(information, "_mapping", None)
    if type(criteria) is not dict or getattr(information, "_appends", None):
        return None
    return criteria


def information_of(criterion: Any) -> Iterable[Any]:
    """The (requirement, parent) pairs of a criterion :func:`criteria_of` gave, as ``information`` yields them."""
    return criterion.information
