"""PEP 440 versions: a cached parse, and the newest-first order the index and the resolver share.

Example: ``[t for _, t in newest_first(["1.0", "2.0"])] == ["2.0", "1.0"]``
"""

from __future__ import annotations

from functools import lru_cache
from operator import itemgetter
from typing import Iterable, List, Optional, Tuple

from packaging.version import InvalidVersion, Version


@lru_cache(maxsize=None)
def parse_version(text: str) -> Optional[Version]:
    """A cached PEP 440 parse; None for legacy versions PyPI still serves (they are skipped).

    Example: ``parse_version("2.31.0") == Version("2.31.0")``; ``parse_version("1.0-final-x") is None``
    """
    try:
        return Version(text)
    except InvalidVersion:
        return None


def newest_first(texts: Iterable[str]) -> List[Tuple[Version, str]]:
    """(Version, text) of the valid version strings, newest first; equal versions by text, descending.

    Example: ``[t for _, t in newest_first(["1.0", "2.0rc1", "x", "1.0.0"])] == ["2.0rc1", "1.0.0", "1.0"]``
    """
    versions = [(v, t) for t in texts if (v := parse_version(t)) is not None]
    # sorting the pairs, but comparing Versions with < only (tuple comparison calls == on every
    # pair first): two stable sorts
    versions.sort(key=itemgetter(1), reverse=True)
    versions.sort(key=itemgetter(0), reverse=True)
    return versions
