"""Build and update an index from PyPI (the rules are in docs/crawl.md).

Pipeline per project: PEP 691 page → files kept by :mod:`tags` → releases in scope → a fetch plan
(one wheel per release and platform family, a deterministic sample of the rest, sdists where they
matter) → file results (cached in the work dir as they arrive) → a project record (schema v1).
With ``closure`` every project named by an included release's dependencies joins the queue.
The finished index is written to a sibling temporary directory, verified, and swapped in.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import io
import os
import shutil
import sys
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Callable, Dict, Iterable, List, Optional, Set, Tuple

import orjson
from packaging.markers import Marker, UndefinedComparison, UndefinedEnvironmentName
from packaging.requirements import Requirement
from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename
from packaging.version import InvalidVersion, Version

from mach_nix.errors import MachNixError
from mach_nix.fsutil import atomic_write_bytes
from mach_nix.specifiers import exact_pins
from mach_nix.index import tags
from mach_nix.index.archives import ArchiveError, sdist_members, wheel_metadata
from mach_nix.index.metadata import parse_core_metadata, sdist_metadata
from mach_nix.index.pypi import FetchError, PyPIClient, SimpleProject, StreamedBody
from mach_nix.index.schema import SHARD_IDS, Project, deps_key, shard_of
from mach_nix.names import normalize

RECORD_VERSION = 4  # bump when the record assembly changes, so cached project records are redone
SDIST_LIMIT = 100 * 1024 * 1024  # bytes; larger sdists are not downloaded (metadata: unknown)
WHEEL_DOWNLOAD_LIMIT = 300 * 1024 * 1024  # last-resort whole-wheel downloads
# Targets a dependency's marker is evaluated against for the closure (docs/crawl.md).
CLOSURE_PYTHONS = ("3.8", "3.9", "3.10", "3.11", "3.12", "3.13", "3.14")
CLOSURE_PLATFORMS = (("linux", "Linux", "x86_64"), ("linux", "Linux", "aarch64"), ("darwin", "Darwin", "x86_64"), ("darwin", "Darwin", "arm64"))
# A release whose wheels cover all of these (or has a pure wheel) needs no sdist for any target.
TARGET_FAMILIES = (("linux-x86_64",), ("linux-aarch64",), ("macos-x86_64", "macos-universal2"), ("macos-arm64", "macos-universal2"))


# --- scope ------------------------------------------------------------------------------------


@dataclass
class Scope:
    """Which projects and releases a crawl covers (stored in metadata.json under ``scope``)."""

    since: str  # ISO date: releases first uploaded on or after it are kept
    series_since: str = "0000-00-00"  # ISO date: older series contribute their newest release if uploaded on/after it
    max_window: int = 0  # at most this many of the newest releases from the window (0: all)
    closure: bool = False
    sdists: str = "auto"  # "auto" (where they matter) | "all"
    seeds: List[str] = field(default_factory=list)  # requirement strings given by the user
    top: int = 0
    top_csv: Optional[str] = None

    def to_json(self) -> Dict[str, Any]:
        return {
            "since": self.since,
            "series_since": self.series_since,
            "max_window": self.max_window,
            "closure": self.closure,
            "sdists": self.sdists,
            "seeds": sorted(self.seeds),
            "top": self.top,
            "top_csv": Path(self.top_csv).name if self.top_csv else None,
            "releases": "first uploaded on/after `since` (the newest `max_window` of them, if set); the newest release of every older major.minor series "
            "if uploaded on/after `series_since`; the newest release; versions pinned with == in the seeds; "
            "minus pre-releases older than the newest final release",
        }

    @classmethod
    def from_json(cls, doc: Dict[str, Any]) -> "Scope":
        return cls(
            since=doc["since"], series_since=doc.get("series_since", "0000-00-00"),
            max_window=int(doc.get("max_window") or 0), closure=bool(doc.get("closure")), sdists=doc.get("sdists", "auto"),
            seeds=list(doc.get("seeds", [])), top=int(doc.get("top") or 0), top_csv=doc.get("top_csv"),
        )


def default_since(years: int = 2, today: Optional[_dt.date] = None) -> str:
    """The default cutoff: the same day ``years`` years ago (Feb 29 → Feb 28)."""
    today = today or _dt.datetime.now(_dt.timezone.utc).date()
    try:
        return today.replace(year=today.year - years).isoformat()
    except ValueError:
        return today.replace(year=today.year - years, day=28).isoformat()


@dataclass
class Seed:
    name: str
    extras: Set[str] = field(default_factory=set)
    pins: Set[str] = field(default_factory=set)


def parse_seeds(items: Iterable[str], where: str = "--packages") -> Dict[str, Seed]:
    """Requirement strings → seeds by normalized name; ``name==1.2`` also pins release 1.2.

    Example: ``parse_seeds(["Requests[socks]==2.31.0"])["requests"].pins == {"2.31.0"}``
    """
    seeds: Dict[str, Seed] = {}
    for item in items:
        text = item.split("#", 1)[0].strip()
        if not text or text.startswith("-"):
            continue
        try:
            req = Requirement(text)
        except ValueError as exc:  # InvalidRequirement or InvalidSpecifier
            raise MachNixError(f"{where}: {text!r} is not a valid requirement ({exc}); write NAME, NAME[EXTRA] or NAME==VERSION.") from None
        seed = seeds.setdefault(normalize(req.name), Seed(normalize(req.name)))
        seed.extras |= {canonicalize_name(e) for e in req.extras}
        seed.pins.update(exact_pins(req.specifier))
    return seeds


def read_seed_args(values: List[str]) -> List[str]:
    """``--packages`` values: each is a file of requirement lines or a requirement itself."""
    out: List[str] = []
    for value in values:
        path = Path(value)
        if path.is_file():
            for number, line in enumerate(path.read_text().splitlines(), 1):
                out.append(line)
        else:
            out.append(value)
    return out


def read_top(csv_path: Path, count: int) -> List[str]:
    """The first ``count`` project names of a top-pypi-packages CSV (``download_count,project``)."""
    import csv

    try:
        with open(csv_path, newline="") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as exc:
        raise MachNixError(f"--top-csv {csv_path}: cannot read it ({exc}).") from None
    if rows and "project" not in rows[0]:
        raise MachNixError(f"--top-csv {csv_path}: expected a 'project' column (download_count,project).")
    return [row["project"] for row in rows[:count]]


# --- files and releases -----------------------------------------------------------------------


def file_version(filename: str, project: str) -> Optional[Version]:
    """The version encoded in a wheel or sdist filename (None when it is not PEP 440).

    Example: ``file_version("six-1.16.0.tar.gz", "six") == Version("1.16.0")``
    """
    try:
        if filename.endswith(".whl"):
            return parse_wheel_filename(filename)[1]
        lower = filename.lower()
        for suffix in tags.SDIST_SUFFIXES:
            if lower.endswith(suffix):
                stem = filename[: -len(suffix)]
                break
        else:
            return None
        # The name part may itself contain dashes: strip the normalized project name first.
        norm = normalize(stem)
        if norm.startswith(project + "-"):
            return Version(stem[len(stem) - (len(norm) - len(project) - 1):])
        return Version(stem.rpartition("-")[2])
    except (InvalidVersion, InvalidWheelFilename):
        return None


def _short_time(value: Optional[str]) -> str:
    if not value:
        return ""
    return value.split(".", 1)[0].rstrip("Z") + "Z"


@dataclass
class Release:
    version: Version
    key: str  # version string as on PyPI
    first_upload: str
    files: List[Dict[str, Any]]  # kept simple-API entries


def releases_of(page: SimpleProject) -> Dict[Version, Release]:
    """Group a project's kept files into releases (non-PEP 440 versions are skipped)."""
    name = normalize(page.name)
    spelled: Dict[Version, str] = {}
    for v in page.versions:
        try:
            spelled.setdefault(Version(v), v)
        except InvalidVersion:
            continue
    out: Dict[Version, Release] = {}
    for entry in page.files:
        filename = entry.get("filename", "")
        version = file_version(filename, name)
        if version is None:
            continue
        release = out.get(version)
        if release is None:
            release = out[version] = Release(version, spelled.get(version, str(version)), "9999", [])
        uploaded = _short_time(entry.get("upload-time"))
        if uploaded and uploaded < release.first_upload:
            release.first_upload = uploaded
        if tags.keep_file(filename) and (entry.get("hashes") or {}).get("sha256"):
            release.files.append(entry)
    return {v: r for v, r in out.items() if r.files}


def select_releases(
    releases: Dict[Version, Release], since: str, pins: Set[str], series_since: str = "0000-00-00", max_window: int = 0
) -> List[Release]:
    """The release rule: uploaded on/after ``since`` (only the newest ``max_window`` of those when
    set); the newest release of every other major.minor series if uploaded on/after
    ``series_since``; the newest release; pinned versions.
    Pre-releases older than the newest final release are left out (unless pinned).
    Returns them newest first.
    """
    pinned = set()
    for pin in pins:
        try:
            pinned.add(Version(pin))
        except InvalidVersion:
            pass
    chosen: Dict[Version, Release] = {}
    newest_of_series: Dict[Tuple[int, int], Version] = {}
    for version in releases:
        series = (version.release + (0,))[:2]
        if series not in newest_of_series or _series_rank(version) > _series_rank(newest_of_series[series]):
            newest_of_series[series] = version
    finals = [v for v in releases if not v.is_prerelease]
    newest_final = max(finals) if finals else None
    window = sorted(
        (v for v, r in releases.items() if r.first_upload[:10] >= since and not (v.is_prerelease and newest_final is not None and v < newest_final)),
        reverse=True,
    )
    in_window = set(window[:max_window] if max_window > 0 else window)
    for version, release in releases.items():
        if version in pinned:
            chosen[version] = release
        elif version.is_prerelease and newest_final is not None and version < newest_final:
            continue  # a pre-release superseded by a final release
        elif version in in_window:
            chosen[version] = release
        elif newest_of_series[(version.release + (0,))[:2]] == version and release.first_upload[:10] >= series_since:
            chosen[version] = release
    if releases:  # however old, the newest release is offered
        newest = max(releases, key=_series_rank)
        chosen[newest] = releases[newest]
    return [chosen[v] for v in sorted(chosen, reverse=True)]


def _series_rank(version: Version) -> Tuple[bool, Version]:
    # Prefer final releases as a series' representative; a pre-release only when nothing else exists.
    return (not version.is_prerelease, version)


# --- the fetch plan ---------------------------------------------------------------------------


@dataclass
class Plan:
    """What to fetch for one release."""

    fetch: List[Dict[str, Any]]  # entries to fetch now
    inherit: Dict[str, str]  # wheel filename → filename of the representative it shares
    samples: List[str]  # inherited wheels fetched to check the assumption
    sdists_skipped: List[str]


def _stable_pick(names: List[str]) -> str:
    return min(names, key=lambda n: hashlib.sha256(n.encode()).hexdigest())


def covers_all_targets(filenames: Iterable[str]) -> bool:
    """True when the wheels include a pure one, or one for every supported target."""
    families: Set[str] = set()
    for name in filenames:
        families |= tags.wheel_families(name)
    if tags.PURE in families:
        return True
    return all(any(f in families for f in options) for options in TARGET_FAMILIES)


def plan_release(release: Release, newest: bool, sdists: str) -> Plan:
    """One wheel per platform family (the smallest filename) is fetched; the others inherit its
    metadata; one inherited wheel per release (picked by hash) is fetched as a sample. The sdist is
    fetched for the project's newest release, when the wheels miss a supported target, or always
    with ``sdists == "all"``.
    """
    wheels = sorted((e for e in release.files if e["filename"].endswith(".whl")), key=lambda e: e["filename"])
    sdist_entries = [e for e in release.files if not e["filename"].endswith(".whl")]
    by_family: Dict[str, List[Dict[str, Any]]] = {}
    for entry in wheels:
        by_family.setdefault(tags.primary_family(entry["filename"]) or "", []).append(entry)
    fetch: List[Dict[str, Any]] = []
    inherit: Dict[str, str] = {}
    for family in sorted(by_family):
        group = by_family[family]
        fetch.append(group[0])
        for other in group[1:]:
            inherit[other["filename"]] = group[0]["filename"]
    samples: List[str] = []
    if inherit:
        sample = _stable_pick(sorted(inherit))
        samples.append(sample)
        fetch.append(next(e for e in wheels if e["filename"] == sample))
    skipped: List[str] = []
    want_sdist = sdists == "all" or newest or not covers_all_targets(e["filename"] for e in wheels)
    for entry in sdist_entries:
        if want_sdist:
            fetch.append(entry)
        else:
            skipped.append(entry["filename"])
    return Plan(fetch, inherit, samples, skipped)


# --- fetching one file ------------------------------------------------------------------------

FileResult = Dict[str, Any]  # {"metadata", "requires_dist"?, "provides_extra"?, "build_system"?, "metadata_error"?}


def _expected_metadata_sha256(entry: Dict[str, Any]) -> Optional[str]:
    """The .metadata file's sha256 when the simple page states it (PEP 714 ``core-metadata``,
    or the older ``dist-info-metadata`` key)."""
    for key in ("core-metadata", "dist-info-metadata", "data-dist-info-metadata"):
        value = entry.get(key)
        if isinstance(value, dict) and isinstance(value.get("sha256"), str):
            return value["sha256"].lower()
    return None


def _matches_file(data: bytes, filename: str) -> bool:
    """True when metadata names the version its wheel's filename carries."""
    try:
        meta_version = Version(parse_core_metadata(data).version)
        return meta_version == parse_wheel_filename(filename)[1]
    except (InvalidVersion, InvalidWheelFilename):
        return True  # nothing to compare against; the content is still what the host served


def fetch_wheel(client: PyPIClient, entry: Dict[str, Any]) -> FileResult:
    """A wheel's Requires-Dist: PEP 658 file, else range reads into the zip, else a download.

    A .metadata body whose sha256 differs from the one the simple page states (PEP 714), or
    that names another version than the wheel, is not trusted: the wheel itself is read instead.
    """
    url, filename = entry["url"], entry["filename"]
    data = client.pep658(url)
    source = "pep658"
    if data is not None:
        expected = _expected_metadata_sha256(entry)
        if (expected and hashlib.sha256(data).hexdigest() != expected) or not _matches_file(data, filename):
            data = None
    if data is None:
        try:
            handle = client.range_file(url, int(entry.get("size") or 0))
            handle.prefetch_tail()
            data = wheel_metadata(handle, filename)
            source = "range"
        except (FetchError, ArchiveError):
            if int(entry.get("size") or 0) > WHEEL_DOWNLOAD_LIMIT:
                raise
            whole = client.get(url).data
            if hashlib.sha256(whole).hexdigest() != entry["hashes"]["sha256"].lower():
                raise _mismatch(entry, len(whole)) from None
            data = wheel_metadata(io.BytesIO(whole), filename)
            source = "wheel"
    meta = parse_core_metadata(data)
    return {"metadata": source, "requires_dist": meta.requires_dist, "provides_extra": meta.provides_extra}


def _mismatch(entry: Dict[str, Any], nbytes: int) -> FetchError:
    return FetchError(
        f"{entry['filename']}: the download ({nbytes} bytes) does not match the sha256 the simple page "
        f"states ({entry['hashes']['sha256'].lower()}); nothing from it is used, the next crawl tries again."
    )


def _verify_download(body: StreamedBody, entry: Dict[str, Any]) -> None:
    """Raise FetchError unless ``body`` was read to its end and matches the entry's sha256."""
    if not body.eof or body.sha256.hexdigest() != entry["hashes"]["sha256"].lower():
        raise _mismatch(entry, body.read_bytes)


def _drain(reader: IO[bytes]) -> None:
    """Read ``reader`` to its end without decompressing anything (the body hashes what passes)."""
    while reader.read(1 << 20):
        pass


def read_sdist(client: PyPIClient, entry: Dict[str, Any]) -> Dict[str, bytes]:
    """Download an sdist (streamed, at most SDIST_LIMIT bytes), check its sha256, and return its
    metadata members (see :func:`archives.sdist_members`).

    A tar's metadata is decompressed as it streams by; the rest of the download is then read
    without decompressing it, so the whole file is hash-checked before anything read from it is
    trusted, its refusal (an ArchiveError) included. A zip is downloaded and checked first.
    Raises FetchError when the download does not match its sha256.

    Example: ``read_sdist(PyPIClient(), entry)["PKG-INFO"]`` for an ``entry`` of a PEP 691 page.
    """
    filename = entry["filename"]
    body = client.stream(entry["url"], max_bytes=SDIST_LIMIT)
    try:
        reader = io.BufferedReader(body, 1 << 16)
        if filename.lower().endswith(".zip"):
            data = reader.read()
            _verify_download(body, entry)
            return sdist_members(io.BytesIO(data), filename)
        refused: Optional[ArchiveError] = None
        try:
            members = sdist_members(reader, filename)
        except ArchiveError as exc:
            refused = exc
        _drain(reader)
        _verify_download(body, entry)
        if refused is not None:
            raise refused
        return members
    finally:
        body.close()


def fetch_sdist(client: PyPIClient, entry: Dict[str, Any], attempts: int = 3) -> FileResult:
    """An sdist's dependencies and build system, read from a streamed, hash-checked download.

    A failed or mismatching download is retried ``attempts`` times, then raised as FetchError
    (the crawler records it as transient); an archive refused although its sha256 matches is
    recorded as ``metadata: unknown`` with the reason.
    """
    filename = entry["filename"]
    size = int(entry.get("size") or 0)
    if size > SDIST_LIMIT:
        return {"metadata": "unknown", "metadata_error": f"sdist is {size} bytes, over the crawler's {SDIST_LIMIT} byte limit; not downloaded"}
    last: Optional[Exception] = None
    for attempt in range(attempts):
        try:
            members = read_sdist(client, entry)
            break
        except FetchError as exc:
            last = exc
            if attempt + 1 < attempts:
                time.sleep(0.5 * 2 ** attempt)
        except ArchiveError as exc:
            return {"metadata": "unknown", "metadata_error": exc.message}
    else:
        raise FetchError(f"{filename}: {last}")
    meta = sdist_metadata(members, filename)
    result: FileResult = {"metadata": meta.source, "build_system": meta.build_system}
    if meta.requires_dist is not None:
        result["requires_dist"] = meta.requires_dist
    if meta.provides_extra:
        result["provides_extra"] = meta.provides_extra
    if meta.error:
        result["metadata_error"] = meta.error
    return result


# --- the work dir (resume) --------------------------------------------------------------------


class WorkDir:
    """Crash-safe crawl state: ``files.jsonl`` (one result per line, keyed by sha256; a torn last
    line is ignored) and ``projects/NAME.json`` (finished project records, written atomically)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        (self.path / "projects").mkdir(parents=True, exist_ok=True)
        self.lock = threading.Lock()
        self.files: Dict[str, FileResult] = {}
        log = self.path / "files.jsonl"
        if log.exists():
            for line in log.read_bytes().splitlines():
                try:
                    doc = orjson.loads(line)
                    self.files[doc["sha256"]] = doc["result"]
                except (orjson.JSONDecodeError, KeyError, TypeError):
                    continue
        # Unbuffered: every finished result reaches the kernel in one write(), so even SIGKILL
        # loses none of them; fsync every 50 lines bounds what a power loss could take.
        self._log = open(log, "ab", buffering=0)
        self._unsynced = 0

    def add_file(self, sha256: str, result: FileResult) -> None:
        line = orjson.dumps({"sha256": sha256, "result": result}) + b"\n"
        with self.lock:
            self.files[sha256] = result
            self._log.write(line)
            self._unsynced += 1
            if self._unsynced >= 50:
                self._flush()

    def _flush(self) -> None:
        self._log.flush()
        os.fsync(self._log.fileno())
        self._unsynced = 0

    def flush(self) -> None:
        with self.lock:
            self._flush()

    def project_path(self, name: str) -> Path:
        return self.path / "projects" / f"{name}.json"

    def save_project(self, name: str, doc: Dict[str, Any]) -> None:
        atomic_write_bytes(self.project_path(name), orjson.dumps(doc))

    def load_project(self, name: str) -> Optional[Dict[str, Any]]:
        try:
            return orjson.loads(self.project_path(name).read_bytes())
        except (FileNotFoundError, orjson.JSONDecodeError):
            return None

    def close(self) -> None:
        with self.lock:
            self._flush()
            self._log.close()


def default_work_dir(out: Path) -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "mach-nix" / "crawl"
    return base / hashlib.sha256(str(Path(out).resolve()).encode()).hexdigest()[:16]


# --- assembling a project record --------------------------------------------------------------


def _file_list(record: Project) -> Set[Tuple[str, str, str, Any]]:
    """(release, filename, sha256, yanked) of every file an index record holds."""
    return {(key, n["filename"], n["sha256"], n.get("yanked")) for key, nodes in record["releases"].items() for n in nodes}


def _page_file_list(releases: List["Release"]) -> Set[Tuple[str, str, str, Any]]:
    """The same for the releases selected from a simple page (as :func:`_node` would record them)."""
    out = set()
    for release in releases:
        for entry in release.files:
            node = _node(entry)
            out.add((release.key, node["filename"], node["sha256"], node.get("yanked")))
    return out


def _node(entry: Dict[str, Any]) -> Dict[str, Any]:
    node: Dict[str, Any] = {
        "filename": entry["filename"],
        "sha256": entry["hashes"]["sha256"],
        "url": entry["url"],
        "size": int(entry.get("size") or 0),
        "upload_time": _short_time(entry.get("upload-time")),
    }
    if entry.get("requires-python"):
        node["requires_python"] = entry["requires-python"]
    yanked = entry.get("yanked")
    if yanked:
        node["yanked"] = yanked if isinstance(yanked, str) else True
    return node


def _apply(node: Dict[str, Any], result: FileResult, deps: Dict[str, List[str]]) -> None:
    node["metadata"] = result["metadata"]
    if result.get("requires_dist") is not None:
        key = deps_key(result["requires_dist"])
        deps[key] = result["requires_dist"]
        node["requires_dist"] = key
    if result.get("provides_extra"):
        node["provides_extra"] = sorted(result["provides_extra"])
    for extra in ("metadata_error", "build_system", "metadata_from"):
        if result.get(extra) is not None:
            node[extra] = result[extra]


def _same(a: FileResult, b: FileResult) -> bool:
    """Same dependencies: equal Requires-Dist (as sets; order carries no meaning) and extras."""
    ra, rb = a.get("requires_dist"), b.get("requires_dist")
    return (ra is None) == (rb is None) and sorted(ra or []) == sorted(rb or []) and sorted(a.get("provides_extra") or []) == sorted(b.get("provides_extra") or [])


def merge_permuted_deps(record: Project) -> None:
    """Store lists that differ only in order once (some builds emit Requires-Dist in random order).

    Of the orderings seen, the one with the smallest key is kept, so the choice is deterministic.
    """
    groups: Dict[Tuple[str, ...], List[str]] = {}
    for key, requirements in record["deps"].items():
        groups.setdefault(tuple(sorted(requirements)), []).append(key)
    remap = {}
    for keys in groups.values():
        keep = min(keys)
        for key in keys:
            if key != keep:
                remap[key] = keep
                del record["deps"][key]
    if remap:
        for files in record["releases"].values():
            for node in files:
                if node.get("requires_dist") in remap:
                    node["requires_dist"] = remap[node["requires_dist"]]


# --- the crawler ------------------------------------------------------------------------------


@dataclass
class Progress:
    projects_done: int = 0
    projects_total: int = 0
    files_fetched: int = 0
    files_cached: int = 0
    failures: int = 0
    started: float = field(default_factory=time.monotonic)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count(self, name: str) -> None:
        """Thread-safe ``self.<name> += 1``."""
        with self.lock:
            setattr(self, name, getattr(self, name) + 1)


class Crawler:
    """Crawl projects into schema-v1 records.

    Example::

        crawler = Crawler(PyPIClient(), WorkDir(tmp), Scope(since="2023-01-01"))
        records = crawler.run(parse_seeds(["six", "idna"]))
    """

    def __init__(
        self,
        client: PyPIClient,
        work: WorkDir,
        scope: Scope,
        *,
        threads: int = 48,
        project_threads: int = 12,
        known: Optional[Dict[str, FileResult]] = None,
        reuse: Optional[Dict[str, Project]] = None,
        report: Optional[Callable[[Progress, "Crawler"], None]] = None,
        log: Callable[[str], None] = lambda msg: print(msg, file=sys.stderr),
    ) -> None:
        self.client = client
        self.work = work
        self.scope = scope
        self.files_pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="file")
        self.project_threads = project_threads
        self.known = dict(known or {})
        self.reuse = reuse or {}  # name → record kept as is when PyPI lists the same files for it
        self.progress = Progress()
        self.report = report
        self.log = log
        self.missing: List[str] = []
        self.failed: Dict[str, str] = {}
        self._marker_cache: Dict[Tuple[str, Tuple[str, ...]], bool] = {}

    # -- one file --

    def _file(self, entry: Dict[str, Any]) -> FileResult:
        sha = entry["hashes"]["sha256"]
        cached = self._known(sha)
        if cached is not None:
            self.progress.count("files_cached")
            return cached
        try:
            if entry["filename"].endswith(".whl"):
                result = fetch_wheel(self.client, entry)
            else:
                result = fetch_sdist(self.client, entry)
        except (FetchError, ArchiveError) as exc:
            # Not cached: the next run tries again.
            self.progress.count("failures")
            return {"metadata": "unknown", "metadata_error": f"fetch failed: {exc.message}", "transient": True}
        self.work.add_file(sha, result)
        self.progress.count("files_fetched")
        return result

    def _known(self, sha256: str) -> Optional[FileResult]:
        cached = self.work.files.get(sha256) or self.known.get(sha256)
        if cached is None or cached.get("metadata") == "not-crawled":
            return None
        return cached

    def _submit(self, entries: List[Dict[str, Any]]) -> Dict[str, "Future[FileResult]"]:
        return {e["filename"]: self.files_pool.submit(self._file, e) for e in entries}

    def _fetch_all(self, entries: List[Dict[str, Any]]) -> Dict[str, FileResult]:
        return {name: future.result() for name, future in self._submit(entries).items()}

    # -- one project --

    def crawl_project(self, name: str, pins: Set[str]) -> Optional[Project]:
        """Fetch one project and return its record (None when PyPI has no such project)."""
        page = self.client.simple(name)
        if page is None:
            return None
        old = self.reuse.get(name)
        releases = select_releases(releases_of(page), self.scope.since, pins, self.scope.series_since, self.scope.max_window)
        if old is not None and self._covers(old, pins) and _file_list(old) == _page_file_list(releases):
            # What PyPI lists for the kept releases is what the index holds: nothing to fetch. The
            # serial is not trusted for this (mirrors back-fill files under an old serial).
            return dict(old, last_serial=page.last_serial)
        deps: Dict[str, List[str]] = {}
        record: Project = {"name": page.name, "last_serial": page.last_serial, "deps": deps, "releases": {}}
        # Submit every release's fetches at once, so a project with hundreds of releases does not
        # wait for them one after the other.
        plans = [plan_release(release, index == 0, self.scope.sdists) for index, release in enumerate(releases)]
        pending = [self._submit(plan.fetch) for plan in plans]
        for release, plan, futures in zip(releases, plans, pending):
            results = {name: future.result() for name, future in futures.items()}
            record["releases"][release.key] = self._release(release, plan, results, deps)
        merge_permuted_deps(record)
        return record

    def _covers(self, record: Project, pins: Set[str]) -> bool:
        have = set()
        for key in record["releases"]:
            try:
                have.add(Version(key))
            except InvalidVersion:
                pass
        return all(Version(p) in have for p in pins if _is_version(p))

    def _release(
        self, release: Release, plan: Plan, results: Dict[str, FileResult], deps: Dict[str, List[str]]
    ) -> List[Dict[str, Any]]:
        # The sample check: if a sampled wheel differs from its representative, fetch every wheel.
        inherit = dict(plan.inherit)
        for sample in plan.samples:
            rep = inherit.get(sample)
            if rep and not results[sample].get("transient") and not _same(results[sample], results[rep]):
                rest = [e for e in release.files if e["filename"] in inherit and e["filename"] not in results]
                results.update(self._fetch_all(rest))
                inherit = {}
                break
        nodes = []
        for entry in sorted(release.files, key=lambda e: e["filename"]):
            node = _node(entry)
            filename = entry["filename"]
            known = self._known(entry["hashes"]["sha256"])
            if filename in results:  # fetched: a representative, a sample, or an sdist
                result = dict(results[filename])
            elif known is not None:  # fetched by an earlier crawl: real data beats the rule
                result = dict(known)
            elif filename in inherit:
                rep = results[inherit[filename]]
                result = {k: v for k, v in rep.items() if k in ("requires_dist", "provides_extra")}
                result["metadata"] = "inherited"
                result["metadata_from"] = inherit[filename]
                if rep.get("metadata") == "unknown":
                    result = {"metadata": "unknown", "metadata_error": f"representative {inherit[filename]} failed"}
            else:  # an sdist the rule skipped (plan.sdists_skipped)
                result = {"metadata": "not-crawled"}
            result.pop("transient", None)
            _apply(node, result, deps)
            nodes.append(node)
        return nodes

    # -- closure --

    def _marker_possible(self, marker: Marker, extras: Tuple[str, ...]) -> bool:
        key = (str(marker), extras)
        hit = self._marker_cache.get(key)
        if hit is not None:
            return hit
        possible = False
        for python in CLOSURE_PYTHONS:
            for sys_platform, system, machine in CLOSURE_PLATFORMS:
                env = {
                    "python_version": python, "python_full_version": python + ".0", "sys_platform": sys_platform,
                    "platform_system": system, "platform_machine": machine, "os_name": "posix",
                    "implementation_name": "cpython", "platform_python_implementation": "CPython",
                    "implementation_version": python + ".0", "platform_release": "", "platform_version": "",
                }
                for extra in extras or ("",):
                    env["extra"] = extra
                    try:
                        if marker.evaluate(env):
                            possible = True
                            break
                    except (UndefinedComparison, UndefinedEnvironmentName, ValueError):
                        possible = True
                        break
                if possible:
                    break
            if possible:
                break
        self._marker_cache[key] = possible
        return possible

    def dependencies(self, record: Project, extras: Set[str]) -> Dict[str, Set[str]]:
        """Names (with requested extras) that the closure rule takes from a record: every
        Requires-Dist of every included release whose marker can hold on some supported target,
        with only the ``extras`` asked for activated, and every build-system requirement of its
        crawled sdists."""
        wanted = tuple(sorted(extras))
        out: Dict[str, Set[str]] = {}
        # Build-system requirements of the crawled sdists count too: an sdist is only usable
        # when its build backend (flit-core, hatchling, setuptools-scm, …) can be resolved.
        build_requirements = [
            list(node["build_system"].get("requires", []))
            for files in record.get("releases", {}).values()
            for node in files
            if isinstance(node.get("build_system"), dict)
        ]
        for requirements in [*record["deps"].values(), *build_requirements]:
            for text in requirements:
                try:
                    req = Requirement(text)
                except ValueError:  # InvalidRequirement or InvalidSpecifier
                    continue
                if req.marker is not None and not self._marker_possible(req.marker, wanted):
                    continue
                out.setdefault(normalize(req.name), set()).update(canonicalize_name(e) for e in req.extras)
        return out

    # -- the queue --

    def run(self, seeds: Dict[str, Seed]) -> Dict[str, Project]:
        """Crawl the seeds (and with ``scope.closure`` their closure); return records by name."""
        records: Dict[str, Project] = {}
        extras: Dict[str, Set[str]] = {name: set(seed.extras) for name, seed in seeds.items()}
        pins: Dict[str, Set[str]] = {name: set(seed.pins) for name, seed in seeds.items()}
        queue: List[str] = sorted(seeds)
        queued: Set[str] = set(queue)
        self.progress.projects_total = len(queue)
        running: Dict[Future, str] = {}
        pool = ThreadPoolExecutor(max_workers=self.project_threads, thread_name_prefix="project")
        last_report = 0.0

        def expand(name: str) -> None:
            if not self.scope.closure or name not in records:
                return
            for dep, dep_extras in self.dependencies(records[name], extras.get(name, set())).items():
                if dep not in queued:
                    queued.add(dep)
                    queue.append(dep)
                    extras[dep] = set(dep_extras)
                    self.progress.projects_total += 1
                elif not dep_extras <= extras.setdefault(dep, set()):
                    extras[dep] |= dep_extras
                    expand(dep)  # newly activated extras may name more projects

        try:
            while queue or running:
                while queue and len(running) < self.project_threads * 2:
                    name = queue.pop(0)
                    running[pool.submit(self._project_job, name, pins.get(name, set()))] = name
                done, _ = wait(list(running), timeout=1.0, return_when=FIRST_COMPLETED)
                for future in done:
                    name = running.pop(future)
                    self.progress.projects_done += 1
                    try:
                        record = future.result()
                    except (FetchError, ArchiveError) as exc:
                        self.failed[name] = exc.message
                        self.log(f"warning: {name}: {exc.message}")
                        continue
                    if record is None:
                        self.missing.append(name)
                        continue
                    records[name] = record
                    expand(name)
                now = time.monotonic()
                if self.report and now - last_report >= 0.5:
                    last_report = now
                    self.report(self.progress, self)
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
            self.work.flush()
        if self.report:
            self.report(self.progress, self)
        return records

    def _project_job(self, name: str, pins: Set[str]) -> Optional[Project]:
        cached = self.work.load_project(name)
        scope_key = self._scope_key(pins)
        if cached is not None and cached.get("scope_key") == scope_key and self.reuse.get(name) is None:
            return cached.get("record")
        record = self.crawl_project(name, pins)
        if record is not None and not _has_transient(record):
            self.work.save_project(name, {"scope_key": scope_key, "record": record})
        return record

    def _scope_key(self, pins: Set[str]) -> str:
        return hashlib.sha256(orjson.dumps([RECORD_VERSION, self.scope.since, self.scope.series_since, self.scope.max_window, self.scope.sdists, sorted(pins)])).hexdigest()[:16]

    def close(self) -> None:
        self.files_pool.shutdown(wait=False, cancel_futures=True)
        self.work.close()


def _has_transient(record: Project) -> bool:
    return any(
        str(node.get("metadata_error", "")).startswith("fetch failed") or str(node.get("metadata_error", "")).startswith("representative ")
        for files in record["releases"].values()
        for node in files
    )


def _is_version(text: str) -> bool:
    try:
        Version(text)
        return True
    except InvalidVersion:
        return False


# --- writing: temp dir, verify, swap -----------------------------------------------------------


def shards_of(records: Dict[str, Project]) -> Dict[str, Dict[str, Project]]:
    shards: Dict[str, Dict[str, Project]] = {s: {} for s in SHARD_IDS}
    for name, record in records.items():
        shards[shard_of(name)][name] = record
    return shards


def recover(out: Path) -> None:
    """Finish or roll back a swap that a crash interrupted, and drop stale temp dirs."""
    out = Path(out)
    old, new = out.with_name(out.name + ".old"), out.with_name(out.name + ".new")
    if not out.exists() and old.exists():
        os.replace(old, out)
    if old.exists():
        shutil.rmtree(old)
    if new.exists():
        shutil.rmtree(new)


def write_verified(
    out: Path, records: Dict[str, Project], fmt: str, extra: Dict[str, Any], created_at: Optional[str] = None
) -> Dict[str, Any]:
    """Write the index to ``OUT.new``, verify it, then swap it in place of ``OUT``.

    Until the final rename, ``OUT`` is untouched; a crash in between is undone by :func:`recover`.
    ``created_at`` should be the crawl's start: the index holds (at least) PyPI as of then.
    """
    from mach_nix.index.pack import verify
    from mach_nix.index.store import write_index

    out = Path(out)
    recover(out)
    new, old = out.with_name(out.name + ".new"), out.with_name(out.name + ".old")
    serial = max((int(r.get("last_serial") or 0) for r in records.values()), default=0)
    meta = write_index(new, shards_of(records), fmt, created_at=created_at, pypi_serial=serial, extra=extra)
    problems = verify(new)
    if problems:
        raise MachNixError(f"The freshly written index at {new} failed verification ({problems[0]}); {out} was left as it was.")
    if out.exists():
        os.replace(out, old)
    os.replace(new, out)
    if old.exists():
        shutil.rmtree(old)
    return meta
