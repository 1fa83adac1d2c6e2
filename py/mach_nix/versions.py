"""PEP 440 versions as the index and the resolver read them: parsed once per text, each numbered
(``vid``) for memo keys, and in order, newest first (:func:`newest_first`, :class:`LazyVersions`).

A shared leaf: index.storage (the lazy reader) and resolve both order releases with it.

Example: ``[t for _, t in newest_first(["1.0", "2.0"])] == ["2.0", "1.0"]``
"""

from __future__ import annotations

import itertools
from functools import lru_cache
from operator import itemgetter
from typing import Any, Iterable, Iterator, List, Optional, Sequence, Tuple

from packaging.version import InvalidVersion, Version

_SERIAL = itertools.count(1)


class InternedVersion(Version):
    """A Version made by :func:`parse_version`; ``vid`` names it in memo keys."""

    __slots__ = ("vid",)
    vid: int


@lru_cache(maxsize=None)
def parse_version(text: str) -> Optional[InternedVersion]:
    """A cached PEP 440 parse; None for legacy versions PyPI still serves (they are skipped).

    Example: ``parse_version("2.31.0") == Version("2.31.0")``; ``parse_version("1.0-final-x") is None``
    """
    try:
        version = InternedVersion(text)
    except InvalidVersion:
        return None
    version.vid = next(_SERIAL)
    return version


def newest_first(texts: Iterable[str]) -> List[Tuple[Version, str]]:
    """(Version, text) of the valid version strings, newest first; equal versions by text, descending.

    Example: ``[t for _, t in newest_first(["1.0", "2.0rc1", "x", "1.0.0"])] == ["2.0rc1", "1.0.0", "1.0"]``
    """
    versions: List[Tuple[Version, str]] = [(v, t) for t in texts if (v := parse_version(t)) is not None]
    # sorting the pairs, but comparing Versions with < only (tuple comparison calls == on every
    # pair first): two stable sorts
    versions.sort(key=itemgetter(1), reverse=True)
    versions.sort(key=itemgetter(0), reverse=True)
    return versions


class LazyVersions(Sequence[Tuple[Version, str]]):
    """(Version, text) pairs of version strings already newest first (:func:`newest_first`'s order,
    known from an earlier lock), each Version parsed when first read: a walk that stops at the
    newest release parses one.

    Example: ``LazyVersions(["2.0", "1.0"])[1] == (Version("1.0"), "1.0")``
    """

    __slots__ = ("_texts", "_pairs")

    def __init__(self, texts: Sequence[str]) -> None:
        self._texts = texts
        self._pairs: List[Tuple[Version, str]] = []

    def __len__(self) -> int:
        return len(self._texts)

    def _upto(self, index: int) -> None:
        pairs, texts = self._pairs, self._texts
        while len(pairs) <= index:
            text = texts[len(pairs)]
            version = parse_version(text)
            assert version is not None, f"{text!r} in a version order"  # orders hold valid versions only
            pairs.append((version, text))

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self._texts)
        if index < 0:
            raise IndexError(index)
        self._upto(index)
        return self._pairs[index]

    def __iter__(self) -> Iterator[Tuple[Version, str]]:
        for index in range(len(self._texts)):
            if index >= len(self._pairs):
                self._upto(index)
            yield self._pairs[index]
