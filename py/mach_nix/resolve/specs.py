"""Versions and specifiers as the resolver reads them: parsed once per text, each with an explicit id,
and versions in order, newest first (:func:`newest_first`, :class:`LazyVersions`).

The resolver asks whether a specifier admits a version for every release a walk looks at, and
hashing a ``SpecifierSet`` re-serializes it. So every version and specifier it reads is parsed by
:func:`parse_version` / :func:`parse_specifier` (one object per text) and numbered at parse time
(``vid`` / ``sid``); memo tables are keyed by those numbers, never by ``id()``, whose values
Python reuses once an object dies.

Example::

    spec, version = parse_specifier(">=2"), parse_version("2.1")
    Containment().contains(spec, version) is True      # memoized under (spec.sid, version.vid)
"""

from __future__ import annotations

import itertools
from functools import lru_cache
from operator import itemgetter
from typing import Any, Dict, FrozenSet, Iterable, Iterator, List, NamedTuple, Optional, Sequence, Tuple

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

from mach_nix.specifiers import exact_pins
from mach_nix.versions import InternedVersion, LazyVersions, newest_first, parse_version  # noqa: F401 (re-exported)

_SERIAL = itertools.count(1)


class InternedSpecifierSet(SpecifierSet):
    """A SpecifierSet made by :func:`parse_specifier`; ``sid`` names it in memo keys."""

    __slots__ = ("sid", "facts")
    sid: int
    facts: Optional["SpecFacts"]


@lru_cache(maxsize=None)
def parse_specifier(text: str) -> Optional[InternedSpecifierSet]:
    """A cached SpecifierSet parse; None when invalid (such a Requires-Python is not enforced).

    Example: ``parse_specifier(">=2,<3") is parse_specifier(">=2,<3")``; ``parse_specifier(">dev") is None``
    """
    try:
        spec = InternedSpecifierSet(text)
    except InvalidSpecifier:
        return None
    spec.sid = next(_SERIAL)
    spec.facts = None
    return spec


def interned(spec: SpecifierSet) -> InternedSpecifierSet:
    """``spec`` itself when :func:`parse_specifier` made it, else the parse of its text.

    Example: ``interned(SpecifierSet(">=2")) is parse_specifier(">=2")``
    """
    if type(spec) is InternedSpecifierSet:
        return spec
    out = parse_specifier(str(spec))
    assert out is not None, f"{spec!r} printed as a specifier it cannot parse"
    return out


EMPTY = interned(SpecifierSet(""))


class SpecFacts(NamedTuple):
    """What the resolver asks of a specifier again and again: whether it names a pre-release
    (PEP 440 then allows them), whether it is an exact pin, and the versions it pins."""

    prereleases: bool
    is_pin: bool
    pinned: FrozenSet[Version]


def facts(specifier: SpecifierSet) -> SpecFacts:
    """The :class:`SpecFacts` of ``specifier``, computed once per interned specifier.

    Example: ``facts(parse_specifier("==1.0")).pinned == {Version("1.0")}``
    """
    spec = interned(specifier)
    hit = spec.facts
    if hit is None:
        pins = exact_pins(spec)
        hit = spec.facts = SpecFacts(bool(spec.prereleases), bool(pins),
                                     frozenset(v for v in map(parse_version, pins) if v is not None))
    return hit


def pinned_versions(specs: Sequence[SpecifierSet]) -> FrozenSet[Any]:
    """Versions named by ``==`` in ``specs`` (yanked files are acceptable for those).

    Example: ``pinned_versions([parse_specifier("==1.0"), parse_specifier(">0")]) == {Version("1.0")}``
    """
    out: FrozenSet[Any] = frozenset()
    for spec in specs:
        pins = facts(spec).pinned
        if pins:
            out = out | pins
    return out


class Containment:
    """``spec.contains(version, prereleases=True)`` memoized for one resolution, keyed by explicit ids.

    ``memo`` is public so that the resolver's hottest loop can read it inline (see matches.py).

    Example: ``Containment().contains(parse_specifier("<2"), parse_version("1.5")) is True``
    """

    __slots__ = ("memo",)

    def __init__(self) -> None:
        self.memo: Dict[Tuple[int, int], bool] = {}

    def contains(self, spec: InternedSpecifierSet, version: InternedVersion) -> bool:
        """Whether ``spec`` admits ``version`` (pre-releases included: the caller filters them)."""
        key = (spec.sid, version.vid)
        hit = self.memo.get(key)
        if hit is None:
            hit = self.memo[key] = spec.contains(version, prereleases=True)
        return hit
