"""Locks of other tools (uv.lock, poetry.lock, pylock.toml) read into one model.

Each reader returns a :class:`ForeignLock`; :mod:`mach_nix.inputs.foreign.convert` turns it into a
mach-nix lock for one target (markers evaluated, one file chosen per package). Two shapes exist:

* a *graph* (uv.lock): the lock's own project lists its dependencies, extras and groups, and every
  package its own, each edge with a marker; what is installed is what the edges reach;
* *flat* (pylock.toml, poetry.lock): every package says when it is installed (a marker over the
  target and the selected extras and groups); the dependency edges only order the environment.

Example: ``read_foreign_lock(Path("uv.lock")).packages[0].name``
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from mach_nix.errors import MachNixError

FORMATS = ("uv", "poetry", "pylock")


@dataclass(frozen=True)
class ForeignFile:
    """One artefact of a locked package; ``url`` is None where the format records none (Poetry),
    ``path`` (relative to the lock's directory) is set for a local file (a path source)."""

    filename: str
    url: Optional[str]
    sha256: Optional[str]
    path: Optional[str] = None


@dataclass(frozen=True)
class Edge:
    """A dependency: on ``name`` (normalized) when ``marker`` holds, with ``extras`` of it.

    ``version`` disambiguates when a graph lock holds several versions of one name.
    """

    name: str
    marker: Optional[str] = None
    extras: Tuple[str, ...] = ()
    version: Optional[str] = None


@dataclass
class ForeignPackage:
    """A package of a foreign lock. ``source`` is ``registry``, ``url``, ``path``, ``git``,
    ``directory``, ``editable`` or ``virtual``; ``source_ref`` is its URL or path."""

    name: str
    version: str
    source: str = "registry"
    source_ref: Optional[str] = None
    wheels: List[ForeignFile] = field(default_factory=list)
    sdist: Optional[ForeignFile] = None
    dependencies: List[Edge] = field(default_factory=list)
    optional: Dict[str, List[Edge]] = field(default_factory=dict)  # extra -> edges
    groups: Dict[str, List[Edge]] = field(default_factory=dict)  # dependency group -> edges
    marker: Optional[str] = None  # flat locks: when the package is installed
    in_groups: Tuple[str, ...] = ()  # Poetry: the groups that install it ("main" is the default)
    group_markers: Dict[str, str] = field(default_factory=dict)  # Poetry: a marker per group


@dataclass
class ForeignLock:
    """A foreign lock: its format, the file it came from (path as given, sha256), its packages."""

    format: str
    path: str
    sha256: str
    packages: List[ForeignPackage]
    flat: bool
    requires_python: Optional[str] = None
    own_names: Tuple[str, ...] = ()  # the lock's own project(s): never fetched, their deps are roots
    default_groups: Tuple[str, ...] = ()  # pylock.toml: the groups installed when none are selected

    def by_name(self) -> Dict[str, List[ForeignPackage]]:
        out: Dict[str, List[ForeignPackage]] = {}
        for package in self.packages:
            out.setdefault(package.name, []).append(package)
        return out


def parse_toml(path: Path, text: str) -> Dict:
    if sys.version_info >= (3, 11):  # a version test, not try/except: mypy follows it
        import tomllib
    else:
        import tomli as tomllib
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise MachNixError(f"{path} is not valid TOML ({str(exc)[:200]}).") from None
    except RecursionError:  # tomllib parses nested arrays and inline tables recursively
        raise MachNixError(f"{path} nests arrays or tables too deeply to be read (thousands of levels); no lock "
                           "needs that.") from None


def filename_of(url: str) -> str:
    """The file name at the end of a URL (query and fragment dropped)."""
    return url.split("#")[0].split("?")[0].rstrip("/").rsplit("/", 1)[-1]


def sha256_of(hash_text: Optional[str]) -> Optional[str]:
    """The hex digest of ``sha256:HEX``; None for another algorithm or none."""
    if not hash_text or not hash_text.startswith("sha256:"):
        return None
    return hash_text[7:].lower()


def expect(condition: bool, where: str, what: str) -> None:
    """Raise a MachNixError naming the lock file and the entry when a format rule is broken."""
    if not condition:
        raise MachNixError(f"{where}: {what}. Re-create the lock with the tool that wrote it.")
