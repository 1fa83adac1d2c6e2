"""Inputs: requirements.txt, pyproject.toml (PEP 621, PEP 735, Poetry) and setup.cfg → requirements.

Every reader returns an :class:`InputSet`: root requirements, constraints and the files read
(with their sha256, for the lock). Errors name the file and line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, FrozenSet, List, Optional, Tuple

if TYPE_CHECKING:
    from packaging.requirements import Requirement


@dataclass(frozen=True)
class InputRequirement:
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


@dataclass
class InputSet:
    """What the user asked for: roots, constraints (pip ``-c``) and the files they came from."""

    requirements: List[InputRequirement] = field(default_factory=list)
    constraints: List[InputRequirement] = field(default_factory=list)
    files: List[Tuple[str, str]] = field(default_factory=list)  # (path as given, sha256)
    allow_prereleases: bool = False
    warnings: List[str] = field(default_factory=list)
    project_name: Optional[str] = None

    def extend(self, other: "InputSet") -> None:
        self.requirements += other.requirements
        self.constraints += other.constraints
        self.files += [f for f in other.files if f not in self.files]
        self.allow_prereleases = self.allow_prereleases or other.allow_prereleases
        self.warnings += other.warnings
