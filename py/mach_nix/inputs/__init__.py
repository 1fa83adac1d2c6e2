"""Inputs: requirements.txt, pyproject.toml (PEP 621, PEP 735, Poetry) and setup.cfg → requirements.

Every reader returns an :class:`InputSet`: root requirements, constraints and the files read
(with their sha256, for the lock). Errors name the file and line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, FrozenSet, List, NamedTuple, Optional, Tuple

from mach_nix.errors import MachNixError

if TYPE_CHECKING:
    from packaging.requirements import Requirement


class InputFile(NamedTuple):
    """A file the inputs were read from: the path as given, its sha256, and how it was read.

    ``kind`` is ``requirements``, ``constraints``, ``pyproject`` or ``setup_cfg``.
    Example: ``InputFile("requirements.txt", "ab12…", "requirements")``
    """

    path: str
    sha256: str
    kind: str


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
                 files: Optional[List[InputFile]] = None) -> None:
        self.requirements: List[InputRequirement] = requirements or []
        self.constraints: List[InputRequirement] = constraints or []
        self.files: List[InputFile] = files or []
        self.allow_prereleases = False
        self.warnings: List[str] = []
        self.project_name: Optional[str] = None
        self.requires_python: Optional[Tuple[str, str]] = None  # (specifier, where it was declared)
        self.require_hashes: Optional[str] = None  # where `--require-hashes` was given

    def extend(self, other: "InputSet") -> None:
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


def read_inputs(sources: InputSources) -> InputSet:
    """Read every source into one :class:`InputSet`; raise MachNixError when there is nothing to lock.

    Example: ``read_inputs(InputSources(requirements=["idna"])).requirements[0].req.name == "idna"``
    """
    from mach_nix.inputs.requirements_txt import read_requirement_text, read_requirements

    inputs = InputSet()
    for path in sources.requirement_files:
        inputs.extend(read_requirements(path))
    for path in sources.constraint_files:
        inputs.extend(read_requirements(path, constraint=True))
    for i, text in enumerate(sources.requirement_texts, 1):
        inputs.extend(read_requirement_text(text, f"--requirement-text #{i}"))
    if sources.requirements:
        inputs.extend(read_requirement_text("\n".join(sources.requirements), "command line"))
    if sources.pyproject:
        from mach_nix.inputs.pyproject import read_pyproject

        inputs.extend(read_pyproject(sources.pyproject, sources.extras, sources.groups))
    elif sources.setup_cfg:
        from mach_nix.inputs.pyproject import read_setup_cfg

        inputs.extend(read_setup_cfg(sources.setup_cfg, sources.extras))
    elif sources.extras or sources.groups:
        raise MachNixError("--extra/--group need --pyproject (or --setup-cfg for --extra).")
    if sources.prereleases:
        inputs.allow_prereleases = True
    if not inputs.requirements and not inputs.files:
        raise MachNixError("Nothing to lock: pass -r requirements.txt, --pyproject pyproject.toml or requirements "
                           "as arguments, e.g. `mach-nix lock 'requests>=2'`.")
    return inputs
