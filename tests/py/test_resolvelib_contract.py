"""What the resolver takes from resolvelib beyond its public API, pinned: these fail the day a new
resolvelib changes it, instead of the resolver silently falling back to its slower plain path.

resolver.py memoizes resolvelib's per-round "is every pin still satisfied" check on a subclass of
its private ``Resolution`` (reading its state stack), and provider.py ranks identifiers with the
criteria mapping that ``narrow_requirement_selection`` receives.
"""

from __future__ import annotations

from packaging.specifiers import SpecifierSet

from mach_nix.index.storage.store import Index
from mach_nix.resolve.budget import ConflictReporter
from mach_nix.resolve.provider import Provider, ResolveRequest
from mach_nix.resolve.resolver import _make_resolver
from mach_nix.resolve.target import Target
from test_resolve_absent import INDEX


def provider() -> Provider:
    request = ResolveRequest(roots=[("requests", (), SpecifierSet(""), "test")])
    return Provider(Index.open(INDEX), Target.create("3.11"), request)


def test_the_memoized_resolution_is_in_use():
    from resolvelib import Resolver

    p = provider()
    resolver = _make_resolver(p, ConflictReporter(None))
    assert type(resolver) is not Resolver  # not the fallback: resolvelib's private Resolution still fits


def test_narrow_requirement_selection_sees_the_criteria_mapping():
    from resolvelib.structs import IteratorMapping

    information = IteratorMapping({"a": object()}, lambda criterion: iter(()))
    assert type(getattr(information, "_mapping", None)) is dict  # what provider.py reads
    assert not getattr(information, "_appends", None)
