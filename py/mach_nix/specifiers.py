"""Version specifiers: the one predicate for an exact pin (``==1.2`` / ``===1.2``, no wildcard).

Example: ``exact_pins(SpecifierSet("==1.2,>=1")) == ["1.2"]``
"""

from __future__ import annotations

from typing import Iterable, List

from packaging.specifiers import Specifier


def is_exact_pin(spec: Specifier) -> bool:
    """``==V`` or ``===V`` without a wildcard: exactly one version.

    Example: ``is_exact_pin(Specifier("==1.2"))`` is True, ``is_exact_pin(Specifier("==1.*"))`` is False.
    """
    return spec.operator in ("==", "===") and "*" not in spec.version


def exact_pins(specifiers: Iterable[Specifier]) -> List[str]:
    """The versions of the exact pins among ``specifiers`` (a SpecifierSet iterates its Specifiers)."""
    return [s.version for s in specifiers if is_exact_pin(s)]
