"""Inputs: requirements.txt, pyproject.toml (PEP 621, PEP 735, Poetry) and setup.cfg → requirements.

Every reader returns an :class:`InputSet`: root requirements, constraints and the files read
(with their sha256, for the lock). Errors name the file and line. This module holds the records;
:func:`mach_nix.inputs.read.read_inputs` reads every source of an :class:`InputSources`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, FrozenSet, List, Optional, Set, Tuple


if TYPE_CHECKING:
    from typing import Protocol

    from packaging.markers import Marker
    from packaging.specifiers import SpecifierSet

    class RequirementLike(Protocol):
        """What a root requirement offers: a packaging ``Requirement``, or the
        :class:`~mach_nix.inputs.requirements_txt.SimpleRequirement` that stands in for one."""

        name: str
        extras: Set[str]
        specifier: SpecifierSet
        marker: Optional[Marker]
        url: Optional[str]


@dataclass(frozen=True)
class InputFile:
    """A file the inputs were read from: the path as given, its sha256, and how it was read.

    ``kind`` is ``requirements``, ``constraints``, ``pyproject`` or ``setup_cfg``.
    Example: ``InputFile("requirements.txt", "ab12…", "requirements")``
    """

    path: str
    sha256: str
    kind: str


@dataclass(frozen=True)
class InputRequirement:
    """One requirement with where it came from.

    Example: ``InputRequirement(Requirement("requests>=2"), "requirements.txt", 3)``
    """

    req: RequirementLike
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
    files: List[InputFile] = field(default_factory=list)
    allow_prereleases: bool = False
    warnings: List[str] = field(default_factory=list)
    project_name: Optional[str] = None
    requires_python: Optional[Tuple[str, str]] = None  # (specifier, where it was declared)
    require_hashes: Optional[str] = None  # where `--require-hashes` was given

    def extend(self, other: InputSet) -> None:
        self.requirements += other.requirements
        self.constraints += other.constraints
        self.files += [f for f in other.files if f not in self.files]
        self.allow_prereleases = self.allow_prereleases or other.allow_prereleases
        self.warnings += other.warnings
        self.project_name = self.project_name or other.project_name
        self.requires_python = self.requires_python or other.requires_python
        self.require_hashes = self.require_hashes or other.require_hashes

    @property
    def hash_checking(self) -> Optional[str]:
        """Where pip's hash-checking mode was turned on: ``--require-hashes``, or the first ``--hash``."""
        if self.require_hashes:
            return self.require_hashes
        hashed = next((r for r in self.requirements + self.constraints if r.hashes), None)
        return f"{hashed.where} (a --hash turns hash checking on)" if hashed else None


@dataclass
class InputSources:
    """Where the requirements come from, as the CLI and the Nix library give them.

    Example: ``read_inputs(InputSources(requirement_files=[Path("requirements.txt")]))``
    """

    requirements: List[str] = field(default_factory=list)  # given directly, e.g. "requests>=2"
    requirement_files: List[Path] = field(default_factory=list)
    constraint_files: List[Path] = field(default_factory=list)
    requirement_texts: List[str] = field(default_factory=list)  # requirements.txt content
    pyproject: Optional[Path] = None
    setup_cfg: Optional[Path] = None
    extras: List[str] = field(default_factory=list)
    groups: List[str] = field(default_factory=list)
    prereleases: bool = False
