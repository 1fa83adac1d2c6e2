"""The shard store: read and write index directories in both forms.

* ``json``: ``DIR/XX.json``, sorted, pretty JSON (the repo's ``data/``; an update is a readable diff).
* ``lz4``:  ``DIR/XX.json.lz4``, the same JSON bytes as lz4 frames, one per project, behind a
  skippable frame holding their table (the Nix store form).

Both have ``DIR/metadata.json`` with the schema version, creation time, PyPI serial, counts and
the sha256 of every shard file. Readers load only the shards of the names asked for.
"""

from __future__ import annotations

import hashlib
import os
import struct
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, Iterable, Iterator, List, Optional, Tuple

import orjson

from mach_nix.errors import IndexError_
from mach_nix.index.storage.schema import (
    METADATA_FILE,
    READABLE_SCHEMAS,
    SCHEMA_VERSION,
    SHARD_IDS,
    Project,
    pypi_file_digest,
    shard_of,
)
from mach_nix.names import normalize

if TYPE_CHECKING:
    from mach_nix.shapes import IndexIdentity

FORMATS = ("json", "lz4")
_SUFFIX = {"json": ".json", "lz4": ".json.lz4"}
_READABLE = " and ".join(map(str, READABLE_SCHEMAS))
_SKIPPABLE = struct.pack("<I", 0x184D2A50)  # magic of an lz4 skippable frame (ignored by lz4 decoders)

_FIX = (
    "Run `mach-nix index verify {dir}` to see what is wrong, then restore the directory "
    "(e.g. `git checkout data/`) or rebuild it with `mach-nix index build` / `mach-nix index pack`."
)


def default_index_dir() -> Path:
    """The embedded default index: ``$MACH_NIX_INDEX`` or the repository's ``data/``."""
    env = os.environ.get("MACH_NIX_INDEX")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[4] / "data"


def shard_filename(shard: str, fmt: str) -> str:
    return shard + _SUFFIX[fmt]


# --- encoding ---------------------------------------------------------------------------------


def encode_shard(shard: str, projects: Dict[str, Project], fmt: str) -> bytes:
    """Serialize one shard deterministically (sorted keys) in ``fmt``.

    The lz4 form compresses the json form's bytes as one lz4 frame per segment (the opening, each
    project, the closing), preceded by a skippable frame holding the table of frames (see
    docs/index-format.md), so a reader decompresses only the projects it needs.
    """
    raw = shard_text(shard, projects)
    if fmt == "json":
        return raw
    import lz4.frame

    frames: List[bytes] = []
    table: List[List[Any]] = []
    offset = 0
    for name, segment in _segments(raw, sorted(projects)):
        # level 9: nearly the highest level's size at a fraction of its time; reading is as fast at any level
        frame = lz4.frame.compress(segment, compression_level=9, content_checksum=True)
        table.append([name, offset, len(frame)])
        frames.append(frame)
        offset += len(frame)
    head = orjson.dumps({"frames": table})
    return _SKIPPABLE + struct.pack("<I", len(head)) + head + b"".join(frames)


_PRETTY = orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2


def shard_text(shard: str, projects: Dict[str, Project]) -> bytes:
    """The pretty JSON of a shard: orjson's two-space indent and sorted keys, except that each
    file node is one line (a changed file is a one-line diff, and a node costs no indentation).

    Example: ``orjson.loads(shard_text("1a", {"six": record}))["projects"]["six"] == record``
    """
    if not projects:
        return orjson.dumps({"projects": {}, "schema": SCHEMA_VERSION, "shard": shard}, option=_PRETTY) + b"\n"
    body = b",".join(b"\n    " + orjson.dumps(name) + b": " + _project_text(projects[name]) for name in sorted(projects))
    return (b'{\n  "projects": {' + body + b'\n  },\n  "schema": ' + str(SCHEMA_VERSION).encode()
            + b',\n  "shard": ' + orjson.dumps(shard) + b"\n}\n")


def _project_text(project: Project) -> bytes:
    """One project at indent 4 (see :func:`shard_text`)."""
    members = []
    for key in sorted(project):
        value = project[key]
        if key == "releases" and value:
            text = b"{" + b",".join(
                b"\n        " + orjson.dumps(version) + b": " + _nodes_text(value[version]) for version in sorted(value)
            ) + b"\n      }"
        else:
            text = orjson.dumps(value, option=_PRETTY).replace(b"\n", b"\n      ")
        members.append(b"\n      " + orjson.dumps(key) + b": " + text)
    return b"{" + b",".join(members) + b"\n    }"


def _nodes_text(nodes: List[Dict[str, Any]]) -> bytes:
    if not nodes:
        return b"[]"
    return b"[" + b",".join(b"\n          " + orjson.dumps(_stored_node(n), option=orjson.OPT_SORT_KEYS) for n in nodes) + b"\n        ]"


def _stored_node(node: Dict[str, Any]) -> Dict[str, Any]:
    """A file node as stored: a URL on PyPI's file host becomes its ``blake2b_256`` (see schema.file_url)."""
    url = node.get("url")
    digest = pypi_file_digest(url, node["filename"]) if url else None
    if digest is None:
        return node
    out = {k: v for k, v in node.items() if k != "url"}
    out["blake2b_256"] = digest
    return out


def _segments(raw: bytes, names: List[str]) -> List[Tuple[str, bytes]]:
    """Split a pretty shard into ("", opening), (name, project text with its comma)…, ("", closing)."""
    out: List[Tuple[str, bytes]] = []
    pos = 0
    for name in names:
        start = raw.index(b"\n    " + orjson.dumps(name) + b": {", pos)
        if start != pos or not out:
            out.append(("", raw[pos:start]))
        end = raw.index(b"\n    }", start) + 6
        if raw[end:end + 1] == b",":
            end += 1
        out.append((name, raw[start:end]))
        pos = end
    out.append(("", raw[pos:]))
    return out


def frame_table(data: bytes, where: Path) -> Optional[List[Tuple[str, int, int]]]:
    """(project name or "", offset, length) of each lz4 frame of a framed lz4 shard; None if not framed."""
    if data[:4] != _SKIPPABLE:
        return None
    try:
        (size,) = struct.unpack("<I", data[4:8])
        table = orjson.loads(data[8:8 + size])["frames"]
        rows = [(str(name), int(offset) + 8 + size, int(length)) for name, offset, length in table]
    except Exception:  # truncated, not JSON, wrong shape
        raise IndexError_(f"Index shard {where} is corrupt (its frame table is unreadable). "
                          + _FIX.format(dir=where.parent)) from None
    end = 8 + size
    for _, offset, length in rows:
        if offset != end or length <= 0:
            raise IndexError_(f"Index shard {where} is corrupt (its frame table does not match the frames). "
                              + _FIX.format(dir=where.parent))
        end += length
    if end != len(data):
        raise IndexError_(f"Index shard {where} is corrupt (truncated or extended: {len(data)} bytes, the frame "
                          f"table covers {end}). " + _FIX.format(dir=where.parent))
    return rows


def decode_lz4(data: bytes, where: Path) -> bytes:
    """The JSON bytes inside an lz4 shard (framed, or one frame as older packs wrote); corruption names the file."""
    table = frame_table(data, where)
    if table is None:
        return decode_frame(data, where)
    return b"".join(decode_frame(data[offset:offset + length], where) for _, offset, length in table)


def decode_frame(frame: bytes, where: Path) -> bytes:
    """Decompress one lz4 frame (its content checksum is verified)."""
    import lz4.frame

    try:
        return lz4.frame.decompress(frame)
    except Exception as exc:  # lz4 raises RuntimeError for corrupt frames
        raise IndexError_(f"Index shard {where} is corrupt (lz4: {exc}). " + _FIX.format(dir=where.parent)) from None


def decode_shard(data: bytes, fmt: str, where: Path) -> Dict[str, Any]:
    """Parse shard bytes, turning any corruption into an error that names the file."""
    if fmt == "lz4":
        data = decode_lz4(data, where)
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise IndexError_(
            f"Index shard {where} is not valid JSON ({exc}); it may be truncated. " + _FIX.format(dir=where.parent)
        ) from None
    if not isinstance(doc, dict) or doc.get("schema") not in READABLE_SCHEMAS or not isinstance(doc.get("projects"), dict):
        raise IndexError_(
            f"Index shard {where} has schema {doc.get('schema') if isinstance(doc, dict) else '?'!r}, "
            f"but this mach-nix reads schemas {_READABLE}. " + _FIX.format(dir=where.parent)
        )
    return doc


# --- metadata ---------------------------------------------------------------------------------


def read_metadata(directory: Path) -> Dict[str, Any]:
    """Read and sanity-check ``DIR/metadata.json``."""
    path = Path(directory) / METADATA_FILE
    if not Path(directory).is_dir():
        raise IndexError_(
            f"Index directory {directory} does not exist. Pass --index DIR pointing at a mach-nix index "
            "(the embedded one is the repository's data/), or build one with `mach-nix index build`."
        )
    try:
        meta = orjson.loads(path.read_bytes())
    except FileNotFoundError:
        raise IndexError_(
            f"{path} is missing, so {directory} is not a mach-nix index. " + _FIX.format(dir=directory)
        ) from None
    except orjson.JSONDecodeError as exc:
        raise IndexError_(f"{path} is not valid JSON ({exc}). " + _FIX.format(dir=directory)) from None
    if not isinstance(meta, dict) or meta.get("schema") not in READABLE_SCHEMAS:
        found = meta.get("schema") if isinstance(meta, dict) else None
        raise IndexError_(
            f"{path} declares index schema {found!r}, but this mach-nix reads schemas {_READABLE}. "
            "Use a matching mach-nix, or rebuild the index with `mach-nix index build`."
        )
    if meta.get("format") not in FORMATS or not isinstance(meta.get("shards"), dict):
        raise IndexError_(f"{path} lacks a valid 'format' or 'shards' entry. " + _FIX.format(dir=directory))
    return meta


def metadata_sha256(directory: Path) -> str:
    """sha256 of ``metadata.json``: the identity of an index (it covers every shard's hash)."""
    return hashlib.sha256((Path(directory) / METADATA_FILE).read_bytes()).hexdigest()


def now_utc() -> str:
    import datetime as _dt  # here, not at the top: a lock only reads (start-up time)

    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def tally(counts: Dict[str, int], projects: Dict[str, Project]) -> None:
    """Add the projects, releases and files of one shard to ``counts`` (as metadata.json records them)."""
    for project in projects.values():
        releases = project.get("releases", {})
        counts["projects"] += 1
        counts["releases"] += len(releases)
        counts["files"] += sum(len(files) for files in releases.values())


def write_index(
    directory: Path,
    shards: Dict[str, Dict[str, Project]],
    fmt: str,
    *,
    created_at: Optional[str] = None,
    pypi_serial: int = 0,
    extra: Optional[Dict[str, Any]] = None,
) -> Dict[str, Any]:
    """Write every shard (all 256, empty ones included) and then ``metadata.json``.

    Each file is written atomically; ``metadata.json`` goes last, so it only ever names shards
    that are complete on disk. Returns the metadata written.
    """
    from mach_nix.fsutil import atomic_write_bytes  # here, not at the top: a lock only reads (start-up time)

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    hashes: Dict[str, str] = {}
    counts = {"projects": 0, "releases": 0, "files": 0}
    for shard in SHARD_IDS:
        projects = shards.get(shard, {})
        data = encode_shard(shard, projects, fmt)
        target = directory / shard_filename(shard, fmt)
        if not (target.exists() and target.read_bytes() == data):
            atomic_write_bytes(target, data)
        hashes[shard] = hashlib.sha256(data).hexdigest()
        tally(counts, projects)
    meta: Dict[str, Any] = {
        "schema": SCHEMA_VERSION,
        "format": fmt,
        "created_at": created_at or now_utc(),
        "pypi_serial": pypi_serial,
        **counts,
        "shards": hashes,
    }
    if extra:
        meta.update(extra)
    atomic_write_bytes(
        directory / METADATA_FILE, orjson.dumps(meta, option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2) + b"\n"
    )
    return meta


# --- reading ----------------------------------------------------------------------------------


def _looks_like_project(project: Any) -> bool:
    return (
        isinstance(project, dict)
        and isinstance(project.get("releases"), dict)
        and isinstance(project.get("deps"), dict)
        and all(isinstance(files, list) for files in project["releases"].values())
    )


class Index:
    """A lazily loaded index directory (either form).

    Example::

        index = Index.open(Path("data"))
        project = index.project("Requests")      # loads one shard, memoized
        versions = sorted(project["releases"]) if project else []
    """

    def __init__(self, directory: Path, metadata: Dict[str, Any]) -> None:
        self.directory = Path(directory)
        self.metadata = metadata
        self.format: str = metadata["format"]
        self._shards: Dict[str, Dict[str, Project]] = {}

    @classmethod
    def open(cls, directory: Optional[Path] = None) -> "Index":
        directory = Path(directory) if directory is not None else default_index_dir()
        return cls(directory, read_metadata(directory))

    @property
    def identity(self) -> "IndexIdentity":
        """What a lock records about the index it was resolved against."""
        return {
            "metadata_sha256": metadata_sha256(self.directory),
            "created_at": self.metadata.get("created_at"),
            "pypi_serial": self.metadata.get("pypi_serial"),
        }

    def shard(self, shard: str) -> Dict[str, Project]:
        """All projects of one shard, loaded once and checked against metadata.json."""
        cached = self._shards.get(shard)
        if cached is not None:
            return cached
        projects = self.load_shard(shard)
        self._shards[shard] = projects
        return projects

    def load_shard(self, shard: str) -> Dict[str, Project]:
        """Read, hash-check and decode one shard without keeping it (``verify`` walks them all)."""
        path = self.directory / shard_filename(shard, self.format)
        expected = self.metadata["shards"].get(shard)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise IndexError_(f"Index shard {path} is missing. " + _FIX.format(dir=self.directory)) from None
        if expected is not None and hashlib.sha256(data).hexdigest() != expected:
            raise IndexError_(
                f"Index shard {path} does not match the sha256 recorded in {self.directory / METADATA_FILE} "
                "(changed, truncated or corrupt). " + _FIX.format(dir=self.directory)
            )
        return decode_shard(data, self.format, path)["projects"]

    def project(self, name: str) -> Optional[Project]:
        """The record of one project (any spelling of its name), or None when absent."""
        key = normalize(name)
        shard = shard_of(key)
        project = self.shard(shard).get(key)
        if project is not None and not _looks_like_project(project):
            path = self.directory / shard_filename(shard, self.format)
            raise IndexError_(
                f"Index shard {path} holds a malformed record for {key!r} (expected name, deps and releases). "
                + _FIX.format(dir=self.directory)
            )
        return project

    def iter_projects(self) -> Iterator[Tuple[str, Project]]:
        """Every (normalized name, project) in shard order; loads all shards."""
        for shard in SHARD_IDS:
            yield from sorted(self.shard(shard).items())

    def names(self) -> Iterable[str]:
        return (name for name, _ in self.iter_projects())

    def all_shards(self) -> Dict[str, Dict[str, Project]]:
        return {shard: self.shard(shard) for shard in SHARD_IDS}
