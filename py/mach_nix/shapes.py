"""The JSON shapes that cross stages, as ``TypedDict``s: the index's file node and project record
(docs/index-format.md), the lock document, its target and its package entries (docs/lock-format.md).

They exist for the type checker only: at run time they are plain dicts, read and written by orjson,
so modules import this one under ``TYPE_CHECKING`` and pay nothing at start-up. The documents are
the truth (a field is added there first); what a lock read from disk really holds is checked by
:func:`mach_nix.lock.validate`, after which it may be treated as a :class:`LockDocument`.

Keys that are always present are declared in a ``…Keys`` base class, the optional ones in the class
itself (``total=False``), the only spelling of "required and optional keys" Python 3.9's typing has.

Example: ``entry: LockEntry = {"version": "3.10", "provider": "wheel", "dependencies": []}``
"""

from __future__ import annotations

from typing import Dict, List, Optional, TypedDict, Union

# --- the index (docs/index-format.md) -------------------------------------------------------------

# PEP 725's [external] table of an sdist (the keys have hyphens, hence the functional form): lists of
# DepURL strings, and the optional-… tables of them by extra or group name
External = TypedDict("External", {
    "build-requires": List[str],
    "host-requires": List[str],
    "dependencies": List[str],
    "optional-build-requires": Dict[str, List[str]],
    "optional-host-requires": Dict[str, List[str]],
    "optional-dependencies": Dict[str, List[str]],
    "dependency-groups": Dict[str, List[str]],
}, total=False)


class IndexBuildSystem(TypedDict, total=False):
    """An sdist's ``[build-system]`` as the index records it."""

    requires: List[str]
    backend: str
    source: str  # "pyproject" or "default" (setuptools' legacy backend)


class FileNodeKeys(TypedDict):
    filename: str
    sha256: str


class FileNode(FileNodeKeys, total=False):
    """One sdist or wheel of a release, as a shard (or the user cache) stores it.

    Exactly one of ``blake2b_256`` (PyPI's file host, see ``index.schema.file_url``) and ``url``.
    Example: ``{"filename": "idna-3.10-py3-none-any.whl", "sha256": "…", "blake2b_256": "…", "size": 70442,
    "upload_time": "2024-09-15T18:07:37Z", "metadata": "pep658", "requires_dist": "4f1a…"}``
    """

    blake2b_256: str
    url: str
    size: int
    upload_time: str
    requires_python: str
    yanked: Union[bool, str]  # True or PEP 592's reason
    metadata: str  # where the dependency data came from: "pep658", "pkg-info", …, "unknown", "not-crawled"
    requires_dist: str  # a key of the project's ``deps``
    provides_extra: List[str]
    metadata_from: str
    metadata_error: str
    build_system: IndexBuildSystem
    external: External


class ProjectRecord(TypedDict, total=False):
    """One project of a shard: its releases' file nodes and the Requires-Dist lists they share."""

    name: str  # PyPI's display name
    last_serial: int
    deps: Dict[str, List[str]]  # deps key → Requires-Dist strings
    releases: Dict[str, List[FileNode]]  # version as on PyPI → its files, by filename
    versions: Dict[str, str]  # every version PyPI listed → the day of its first upload


# --- the lock (docs/lock-format.md) ---------------------------------------------------------------

class LockTargetKeys(TypedDict):
    python: str
    system: str


class LockTarget(LockTargetKeys, total=False):
    """What a lock is for. Example: ``Target.create("3.11", "x86_64-linux").to_json()``"""

    python_full: Optional[str]
    implementation: Optional[str]
    glibc: Optional[str]  # Linux
    macos: Optional[str]  # Darwin
    accelerator: str  # "cpu" or "cuda"; only when --accelerator or --extra-index-url was given


class InputFileJson(TypedDict):
    """A file the inputs were read from (``inputs.files``)."""

    path: str
    sha256: str
    kind: str  # "requirements", "constraints", "pyproject", "setup_cfg"; "uv", "poetry", "pylock" (--from)


class LockInputsKeys(TypedDict):
    files: List[InputFileJson]
    requirements: List[str]
    constraints: List[str]
    extras: List[str]
    groups: List[str]
    providers: Dict[str, List[str]]
    prereleases: bool


class LockInputs(LockInputsKeys, total=False):
    """What was asked for; ``arguments`` is absent in locks written before it existed."""

    arguments: List[str]


class IndexIdentity(TypedDict):
    """The first index layer a lock was resolved against (``index``)."""

    metadata_sha256: str
    created_at: Optional[str]
    pypi_serial: Optional[int]


class LayerJson(TypedDict, total=False):
    """One layer some package came from (``indexes``): a directory or a remote simple API."""

    kind: str  # "directory" or "remote"
    url: str  # remote
    created_at: Optional[str]  # directory
    pypi_serial: Optional[int]
    projects: int
    releases: int
    files: int


class LockBuildSystem(TypedDict, total=False):
    """An sdist's build requirements and, unless ``resolved`` is false, their locked names."""

    requires: List[str]
    backend: Optional[str]
    source: str  # "pyproject", "default" or "assumed"
    dependencies: List[str]
    resolved: bool


class NeedJson(TypedDict, total=False):
    """What a binary wheel links from outside itself: ``use`` "module" or "plugin", and the locked
    ``wheel`` that ships the library."""

    use: str
    wheel: str


class LockEntryKeys(TypedDict):
    version: str
    provider: str  # "wheel", "sdist" or "nixpkgs"
    dependencies: List[str]


class LockEntry(LockEntryKeys, total=False):
    """One package of a lock (``packages[name]``). Example: docs/lock-format.md, "Package entry"."""

    name: str
    extras: List[str]
    filename: str
    url: str
    path: str  # instead of url: a local file, relative to the lock
    sha256: str
    requires_python: Optional[str]
    index: Optional[str]  # a key of the lock's ``indexes``
    wheel_tags: List[str]
    nixpkgs_attr: str
    build_system: LockBuildSystem
    build_only: bool
    yanked: bool
    dependencies_unknown: bool
    dependencies_from: str
    external: External
    needs: Dict[str, NeedJson]


class LockDocumentKeys(TypedDict):
    lock_version: int
    generated_by: str
    target: LockTarget
    inputs: LockInputs
    index: IndexIdentity
    roots: List[str]
    packages: Dict[str, LockEntry]


class LockDocument(LockDocumentKeys, total=False):
    """A whole lock, schema v1; ``indexes`` is absent in locks written before layers existed."""

    indexes: Dict[str, LayerJson]


Packages = Dict[str, LockEntry]
