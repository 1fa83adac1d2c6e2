"""Inputs: requirements.txt, pyproject.toml (PEP 621, PEP 735, Poetry) and setup.cfg → requirements.

Every reader returns an :class:`InputSet`: root requirements, constraints and the files read
(with their sha256, for the lock). Errors name the file and line.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, FrozenSet, List, Optional, Tuple

from mach_nix.errors import MachNixError

if TYPE_CHECKING:
    from packaging.requirements import Requirement


class Value:
    """An immutable record compared and hashed by ``__slots__`` (a NamedTuple's class is built by
    exec'ing generated code: two of them were a tenth of a lock's own start-up)."""

    __slots__: Tuple[str, ...] = ()

    def _values(self) -> Tuple[Any, ...]:
        return tuple(getattr(self, f) for f in self.__slots__)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __eq__(self, other: Any) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        return f"{type(self).__qualname__}(" + ", ".join(f"{f}={getattr(self, f)!r}" for f in self.__slots__) + ")"


class InputFile(Value):
    """A file the inputs were read from: the path as given, its sha256, and how it was read.

    ``kind`` is ``requirements``, ``constraints``, ``pyproject`` or ``setup_cfg``.
    Example: ``InputFile("requirements.txt", "ab12…", "requirements")``
    """

    __slots__ = ("path", "sha256", "kind")
    path: str
    sha256: str
    kind: str

    def __init__(self, path: str, sha256: str, kind: str) -> None:
        object.__setattr__(self, "path", path)
        object.__setattr__(self, "sha256", sha256)
        object.__setattr__(self, "kind", kind)


class InputRequirement(Value):
    """One requirement with where it came from.

    Example: ``InputRequirement(Requirement("requests>=2"), "requirements.txt", 3)``
    """

    __slots__ = ("req", "source", "line", "hashes")
    req: "Requirement"
    source: str
    line: int
    hashes: FrozenSet[str]

    def __init__(self, req: "Requirement", source: str, line: int = 0, hashes: FrozenSet[str] = frozenset()) -> None:
        object.__setattr__(self, "req", req)
        object.__setattr__(self, "source", source)
        object.__setattr__(self, "line", line)
        object.__setattr__(self, "hashes", hashes)

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


class Record:
    """A plain record with dataclass-style ``repr`` and ``==`` over ``_fields`` (no dataclasses import:
    with inspect it is a third of a lock's start-up imports)."""

    _fields: Tuple[str, ...] = ()
    __hash__ = None  # type: ignore[assignment]  # mutable, compared by value (as a dataclass)

    def __repr__(self) -> str:
        return f"{type(self).__qualname__}(" + ", ".join(f"{f}={getattr(self, f)!r}" for f in self._fields) + ")"

    def __eq__(self, other: Any) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return all(getattr(self, f) == getattr(other, f) for f in self._fields)


class InputSources(Record):
    """Where the requirements come from, as the CLI and the Nix library give them.

    Example: ``read_inputs(InputSources(requirement_files=[Path("requirements.txt")]))``
    """

    _fields = ("requirements", "requirement_files", "constraint_files", "requirement_texts", "pyproject", "setup_cfg",
               "extras", "groups", "prereleases")

    def __init__(self, requirements: Optional[List[str]] = None, requirement_files: Optional[List[Path]] = None,
                 constraint_files: Optional[List[Path]] = None, requirement_texts: Optional[List[str]] = None,
                 pyproject: Optional[Path] = None, setup_cfg: Optional[Path] = None,
                 extras: Optional[List[str]] = None, groups: Optional[List[str]] = None,
                 prereleases: bool = False) -> None:
        self.requirements: List[str] = [] if requirements is None else requirements  # given directly, e.g. "requests>=2"
        self.requirement_files: List[Path] = [] if requirement_files is None else requirement_files
        self.constraint_files: List[Path] = [] if constraint_files is None else constraint_files
        self.requirement_texts: List[str] = [] if requirement_texts is None else requirement_texts  # requirements.txt content
        self.pyproject = pyproject
        self.setup_cfg = setup_cfg
        self.extras: List[str] = [] if extras is None else extras
        self.groups: List[str] = [] if groups is None else groups
        self.prereleases = prereleases


def read_inputs(sources: InputSources, check: Optional[Callable[[], None]] = None) -> InputSet:
    """Read every source into one :class:`InputSet`; raise MachNixError when there is nothing to lock.

    ``check`` is called as the requirements are read (the lock's budget: it raises to stop).
    Example: ``read_inputs(InputSources(requirements=["idna"])).requirements[0].req.name == "idna"``
    """
    from mach_nix.inputs.requirements_txt import read_requirement_text, read_requirements

    inputs = InputSet()
    for path in sources.requirement_files:
        inputs.extend(read_requirements(path, check=check))
    for path in sources.constraint_files:
        inputs.extend(read_requirements(path, constraint=True, check=check))
    for i, text in enumerate(sources.requirement_texts, 1):
        inputs.extend(read_requirement_text(text, f"--requirement-text #{i}", check=check))
    if sources.requirements:
        inputs.extend(read_requirement_text("\n".join(sources.requirements), "command line", check=check))
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
