"""Inputs: requirements.txt, pyproject.toml (PEP 621, PEP 735, Poetry) and setup.cfg → requirements.

Every reader returns an :class:`InputSet`: root requirements, constraints and the files read
(with their sha256, for the lock). Errors name the file and line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, FrozenSet, List, NamedTuple, Optional, Tuple

if TYPE_CHECKING:
    from packaging.requirements import Requirement


class InputRequirement(NamedTuple):
    """One requirement with where it came from.

    Example: ``InputRequirement(Requirement("requests>=2"), "requirements.txt", 3)``
    """

    req: "Requirement"
    source: str
    line: int = 0
    hashes: FrozenSet[str] = frozenset()

    @property
    def where(self) -> str:
        return f"{self.source}, line {self.line}" if self.line else self.source

    def __str__(self) -> str:
        return str(self.req)


class InputSet:
    """What the user asked for: roots, constraints (pip ``-c``) and the files they came from."""

    def __init__(self, requirements: Optional[List[InputRequirement]] = None,
                 constraints: Optional[List[InputRequirement]] = None,
                 files: Optional[List[Tuple[str, str]]] = None) -> None:
        self.requirements: List[InputRequirement] = requirements or []
        self.constraints: List[InputRequirement] = constraints or []
        self.files: List[Tuple[str, str]] = files or []  # (path as given, sha256)
        self.allow_prereleases = False
        self.warnings: List[str] = []
        self.project_name: Optional[str] = None
        self.requires_python: Optional[Tuple[str, str]] = None  # (specifier, where it was declared)

    def extend(self, other: "InputSet") -> None:
        self.requirements += other.requirements
        self.constraints += other.constraints
        self.files += [f for f in other.files if f not in self.files]
        self.allow_prereleases = self.allow_prereleases or other.allow_prereleases
        self.warnings += other.warnings
        self.project_name = self.project_name or other.project_name
        self.requires_python = self.requires_python or other.requires_python
