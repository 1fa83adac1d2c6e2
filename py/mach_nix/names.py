"""Project names (PEP 503 normalization)."""

from __future__ import annotations

import re
from functools import lru_cache

_SEPARATORS = re.compile(r"[-_.]+")


@lru_cache(maxsize=None)
def normalize(name: str) -> str:
    """PEP 503 normalized project name.

    Example: ``normalize("Typing_Extensions") == "typing-extensions"``
    """
    return _SEPARATORS.sub("-", name).lower()
