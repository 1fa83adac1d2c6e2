"""Index schema v1: names, shard keys and the shape of a project record.

See docs/index-format.md for the full description. A shard holds::

    {"schema": 1, "shard": "a3", "projects": {NORMALIZED_NAME: PROJECT}}

and a PROJECT is::

    {"name": "Requests", "last_serial": 123,
     "deps": {KEY: ["certifi>=2017.4.17", ...]},      # each distinct Requires-Dist list once
     "releases": {"2.31.0": [FILE, ...]}}              # files sorted by filename

A FILE (one node per sdist or wheel) carries filename, sha256, url, size, upload_time and
optionally requires_python, yanked, requires_dist (a key of ``deps``), provides_extra,
metadata (where its dependencies came from) and, for sdists, build_system.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from mach_nix.names import normalize

SCHEMA_VERSION = 1
SHARD_IDS: List[str] = [f"{i:02x}" for i in range(256)]
METADATA_FILE = "metadata.json"

# Where a file's dependency data came from (FILE["metadata"]).
METADATA_SOURCES = (
    "pep658",  # the wheel's PEP 658 .metadata file
    "range",  # METADATA read from the wheel's zip through HTTP range requests
    "wheel",  # METADATA read from a downloaded wheel
    "inherited",  # copied from another wheel of the same release (FILE["metadata_from"])
    "pkg-info",  # sdist PKG-INFO, Metadata-Version >= 2.2 and Requires-Dist not dynamic
    "egg-info",  # sdist *.egg-info/requires.txt
    "pyproject",  # sdist static [project] table
    "unknown",  # looked, found nothing static (FILE["metadata_error"] says why)
    "not-crawled",  # sdist not downloaded yet (`mach-nix index update --sdists` fills it in)
)

UNREAD_METADATA = "not-crawled"  # a file whose metadata was not read (yet)

# setuptools' legacy default when an sdist has no [build-system] (PEP 517/518).
LEGACY_BUILD_SYSTEM: Dict[str, Any] = {
    "backend": "setuptools.build_meta:__legacy__",
    "requires": ["setuptools>=40.8.0", "wheel"],
    "source": "default",
}

Project = Dict[str, Any]
FileNode = Dict[str, Any]
# What reading one file gave: {"metadata", "requires_dist"?, "provides_extra"?, "build_system"?, "metadata_error"?}
FileResult = Dict[str, Any]


def shard_of(name: str) -> str:
    """The shard id of a project: the first two hex digits of sha256(normalized name).

    Example: ``shard_of("requests") == "1a"`` (whatever sha256 says).
    """
    from hashlib import sha256  # here: a lock that is refused before the index is read does not load OpenSSL

    return sha256(normalize(name).encode()).hexdigest()[:2]


def deps_key(requirements: List[str]) -> str:
    """Stable key of a Requires-Dist list inside a project's ``deps`` table.

    Keys are content hashes, so re-crawls never renumber them and diffs stay small.
    """
    from hashlib import sha256

    import orjson

    return sha256(orjson.dumps(requirements)).hexdigest()[:12]


def file_requires_dist(project: Project, node: FileNode) -> Optional[List[str]]:
    """The Requires-Dist list of a file node, or None when its dependencies are unknown.

    Example: ``file_requires_dist(project, node) == ["idna<4,>=2.5", "urllib3<3,>=1.21.1"]``
    """
    key = node.get("requires_dist")
    if key is None:
        return None
    return project["deps"][key]
