"""Index schema v2: names, shard keys and the shape of a project record.

See docs/index-format.md for the full description. A shard holds::

    {"schema": 2, "shard": "a3", "projects": {NORMALIZED_NAME: PROJECT}}

and a PROJECT is::

    {"name": "Requests", "last_serial": 123,
     "deps": {KEY: ["certifi>=2017.4.17", ...]},      # each distinct Requires-Dist list once
     "releases": {"2.31.0": [FILE, ...]},              # files sorted by filename
     "versions": {"2.31.0": "2023-05-22", ...}}        # every release on PyPI: first upload day

A FILE (one node per sdist or wheel) carries filename, sha256, size, upload_time, where it lives
(``blake2b_256`` for a file on PyPI's file host, else ``url``; :func:`file_url`) and optionally
requires_python, yanked, requires_dist (a key of ``deps``), provides_extra, metadata (where its
dependencies came from) and, for sdists, build_system. Schema 1 (every node has ``url``; no
``versions``) is still read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List, Optional, Union

from mach_nix.names import normalize

if TYPE_CHECKING:
    from mach_nix import shapes

SCHEMA_VERSION = 2
READABLE_SCHEMAS = (1, 2)  # a v1 index is a v2 index whose nodes all spell out their url
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

# PyPI's file host keeps a file at packages/<blake2b-256 of the file, split 2/2/60>/<filename>.
# Twin: lib/index-schema.nix pypiFiles (golden cases: tests/data/golden/file-urls.json).
PYPI_FILES = "https://files.pythonhosted.org/packages/"
_HEX = frozenset("0123456789abcdef")

# PEP 725 [external] keys an sdist node may record: lists of external dependency specifiers (a
# DepURL, optionally "; marker"), and tables of extra (or group) name -> such lists.
EXTERNAL_LISTS = ("build-requires", "host-requires", "dependencies")
EXTERNAL_TABLES = ("optional-build-requires", "optional-host-requires", "optional-dependencies", "dependency-groups")

# The record and node as the index's storage still passes them (untyped); mach_nix.shapes has their
# TypedDicts (ProjectRecord, FileNode), which the readers below accept as well.
Project = Dict[str, Any]
FileNode = Dict[str, Any]
# What reading one file gave: {"metadata", "requires_dist"?, "provides_extra"?, "build_system"?, "external"?, "metadata_error"?}
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


def file_requires_dist(project: Union[shapes.ProjectRecord, Project],
                       node: Union[shapes.FileNode, FileNode]) -> Optional[List[str]]:
    """The Requires-Dist list of a file node, or None when its dependencies are unknown.

    Example: ``file_requires_dist(project, node) == ["idna<4,>=2.5", "urllib3<3,>=1.21.1"]``
    """
    key = node.get("requires_dist")
    if key is None:
        return None
    return project["deps"][key]


def file_url(node: Union[shapes.FileNode, FileNode]) -> str:
    """Where a file node's file is: its ``url``, else its address on PyPI's file host.

    Example: ``file_url({"filename": "six-1.16.0.tar.gz", "blake2b_256": "71392…"})
    == "https://files.pythonhosted.org/packages/71/39/…/six-1.16.0.tar.gz"``
    """
    url = node.get("url")
    if url:
        return str(url)
    digest = node["blake2b_256"]
    return f"{PYPI_FILES}{digest[:2]}/{digest[2:4]}/{digest[4:]}/{node['filename']}"


def pypi_file_digest(url: str, filename: str) -> Optional[str]:
    """The blake2b-256 digest that ``url`` names, when it is PyPI's address of ``filename``, else None.

    Example: ``pypi_file_digest(PYPI_FILES + "71/39/" + "ab" * 30 + "/six-1.16.0.tar.gz",
    "six-1.16.0.tar.gz") == "7139" + "ab" * 30``
    """
    if not url.startswith(PYPI_FILES):
        return None
    parts = url[len(PYPI_FILES):].split("/")
    if len(parts) != 4 or parts[3] != filename or [len(p) for p in parts[:3]] != [2, 2, 60]:
        return None
    digest = "".join(parts[:3])
    return digest if _HEX.issuperset(digest) else None


def external_problem(value: Any) -> Optional[str]:
    """What is wrong with the shape of an sdist's ``external`` (PEP 725, docs/index-format.md), or None.

    Example: ``external_problem({"host-requires": ["dep:generic/zlib"]}) is None``;
    ``external_problem({"host-requires": "dep:generic/zlib"}) == "external.host-requires is not a list of DepURL strings"``
    """
    def deps_ok(deps: Any) -> bool:
        return isinstance(deps, list) and bool(deps) and all(isinstance(d, str) and d.startswith("dep:") for d in deps)

    if not isinstance(value, dict) or not value:
        return "external is not a non-empty object"
    for key, item in value.items():
        if key in EXTERNAL_LISTS:
            if not deps_ok(item):
                return f"external.{key} is not a list of DepURL strings"
        elif key in EXTERNAL_TABLES:
            if not isinstance(item, dict) or not all(deps_ok(d) for d in item.values()):
                return f"external.{key} is not a table of lists of DepURL strings"
        else:
            return f"external has the unknown key {key!r}"
    return None


def _node_problem(node: Any, deps: Dict[str, Any]) -> Optional[str]:
    if not isinstance(node, dict):
        return f"a file node is a {type(node).__name__}, not an object"
    filename, sha256 = node.get("filename"), node.get("sha256")
    if not isinstance(filename, str) or not filename:
        return "a file node has no filename"
    if not (isinstance(sha256, str) and len(sha256) == 64):
        return f"{filename} has no sha256 of 64 digits"
    if not isinstance(node.get("url") or node.get("blake2b_256"), str):
        return f"{filename} has neither url nor blake2b_256"
    key = node.get("requires_dist")
    if key is not None and not (isinstance(key, str) and key in deps):
        return f"{filename} names Requires-Dist {key!r}, which its deps table lacks"
    return None


def record_problem(project: Any) -> Optional[str]:
    """What is wrong with the shape of a project record (see the module docstring), or None.

    The check applied to records read back from the user cache: a record that fails is not used.

    Example: ``record_problem(5) == "the record is a int, not an object"``;
    ``record_problem({"name": "six", "deps": {}, "releases": {}}) is None``
    """
    if not isinstance(project, dict):
        return f"the record is a {type(project).__name__}, not an object"
    if not isinstance(project.get("name"), str):
        return "the record has no name"
    deps, releases = project.get("deps"), project.get("releases")
    if not isinstance(deps, dict) or not all(
            isinstance(reqs, list) and all(isinstance(r, str) for r in reqs) for reqs in deps.values()):
        return "its deps are not a table of Requires-Dist lists"
    if not isinstance(releases, dict):
        return "its releases are not a table"
    for version, nodes in releases.items():
        if type(nodes) is not list:
            return f"release {version!r} is a {type(nodes).__name__}, not a list of files"
        for node in nodes:  # inlined: a lock checks every node of each cached project it reads
            if (type(node) is not dict or type(node.get("filename")) is not str or type(node.get("sha256")) is not str
                    or len(node["sha256"]) != 64 or not ("url" in node or "blake2b_256" in node)
                    or ((key := node.get("requires_dist")) is not None and (type(key) is not str or key not in deps))):
                return f"release {version!r}: {_node_problem(node, deps) or 'a file node is malformed'}"
    if "versions" in project and not isinstance(project["versions"], dict):
        return "its versions are not a table"
    return None
