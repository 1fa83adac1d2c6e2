"""What the resolver takes from resolvelib beyond its public API, pinned: these fail the day a new
resolvelib changes it, instead of the resolver silently falling back to its slower plain path.

Everything of that kind lives in mach_nix/resolve/resolvelib_internals.py: a subclass of the
private ``Resolution`` that memoizes the per-round pin check (reading its state stack), and
:func:`criteria_of`, which reads the criteria behind the mapping ``narrow_requirement_selection``
receives. Each has a fallback to the public API; the tests check that the shortcuts are taken on
the installed resolvelib, and that the fallbacks give the same resolution.
"""

from __future__ import annotations

import inspect
from typing import Dict, List

from packaging.specifiers import SpecifierSet

from mach_nix.index.storage.store import Index
from mach_nix.resolve import provider as provider_module
from mach_nix.resolve import resolvelib_internals
from mach_nix.resolve.budget import ConflictReporter
from mach_nix.resolve.contracts import ResolveRequest, Root
from mach_nix.resolve.provider import Provider
from mach_nix.resolve.requirements import requirements_of_roots
from mach_nix.resolve.resolvelib_internals import criteria_of, information_of, is_memoized, make_resolver
from mach_nix.resolve.target import Target
from test_resolve_absent import INDEX

ROOTS = ["requests", "urllib3<2"]


def provider() -> Provider:
    roots = [Root(name.split("<")[0], (), SpecifierSet(name[len(name.split("<")[0]):]), "test") for name in ROOTS]
    return Provider(Index.open(INDEX), Target.create("3.11"), ResolveRequest(roots=roots))


def resolve(p: Provider) -> Dict[str, str]:
    roots = requirements_of_roots(p.factory.request.roots)
    p.factory.record_roots(roots)
    result = make_resolver(p, ConflictReporter(None)).resolve(roots, max_rounds=1000)
    return {ident: cand.vstr for ident, cand in result.mapping.items()}


def counting_checks(monkeypatch) -> List[int]:
    calls = [0]
    real = Provider.is_satisfied_by

    def counted(self, requirement, candidate):
        calls[0] += 1
        return real(self, requirement, candidate)

    monkeypatch.setattr(Provider, "is_satisfied_by", counted)
    return calls


def test_resolvelib_still_has_the_private_resolution_that_is_subclassed():
    found = resolvelib_internals._private_resolution()
    assert found is not None, "resolvelib's Resolution or _build_result moved: the memoized check is off"
    resolution, _ = found
    assert list(inspect.signature(resolution._is_current_pin_satisfying).parameters) == ["self", "name", "criterion"]
    # the pin is read from the state stack, or from the ``state`` property of older releases
    assert "_states" in resolution.__init__.__code__.co_names or isinstance(getattr(resolution, "state", None), property)
    assert is_memoized(make_resolver(provider(), ConflictReporter(None)))


def test_the_memoized_resolution_checks_less_and_finds_the_same(monkeypatch):
    calls = counting_checks(monkeypatch)
    memoized = resolve(provider())
    with_memo = calls[0]
    monkeypatch.setattr(resolvelib_internals, "_private_resolution", lambda: None)  # resolvelib's own Resolver
    assert not is_memoized(make_resolver(provider(), ConflictReporter(None)))
    calls[0] = 0
    plain = resolve(provider())
    assert memoized == plain and memoized["urllib3"].startswith("1.")
    assert with_memo < calls[0], (with_memo, calls[0])


def test_narrow_requirement_selection_reads_resolvelibs_criteria(monkeypatch):
    seen: List[bool] = []
    real = Provider.narrow_requirement_selection

    def recording(self, identifiers, resolutions, candidates, information, backtrack_causes):
        identifiers = list(identifiers)
        criteria = criteria_of(information)
        seen.append(criteria is not None and all(
            [(i.requirement, i.parent) for i in information_of(criteria[ident])]
            == [(i.requirement, i.parent) for i in information[ident]] for ident in identifiers))
        return real(self, identifiers, resolutions, candidates, information, backtrack_causes)

    monkeypatch.setattr(Provider, "narrow_requirement_selection", recording)
    fast = resolve(provider())
    assert seen and all(seen), "resolvelib no longer passes its criteria behind the mapping: the fallback ranks"
    monkeypatch.setattr(provider_module, "criteria_of", lambda information: None)  # rank through get_preference
    assert resolve(provider()) == fast
