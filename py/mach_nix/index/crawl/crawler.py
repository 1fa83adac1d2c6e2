"""Build and update an index from PyPI (the rules are in docs/crawl.md).

Pipeline per project: PEP 691 page → files kept by :mod:`tags` → releases in scope → a fetch plan
(one wheel per release and platform family, a deterministic sample of the rest, sdists where they
matter) → file results (cached in the work dir as they arrive) → a project record (schema v1).
With ``closure`` every project named by an included release's dependencies joins the queue.
The finished index is written to a sibling temporary directory, verified, and swapped in.
"""


from __future__ import annotations

import hashlib
import sys
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Set, Tuple

import orjson
from packaging.markers import Marker, UndefinedComparison, UndefinedEnvironmentName
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from mach_nix.index.client.archives import ArchiveError
from mach_nix.index.client.fetch import fetch_sdist, fetch_wheel
from mach_nix.index.client.http import FetchError
from mach_nix.index.client.pypi import PyPIClient
from mach_nix.index.crawl.plan import Plan, plan_release
from mach_nix.index.crawl.record import apply_result, page_files, page_node, record_files, same_deps
from mach_nix.index.crawl.releases import Release, releases_of, select_releases, version_days
from mach_nix.index.crawl.scope import Scope, Seed
from mach_nix.index.crawl.workdir import RECORD_VERSION, WorkDir
from mach_nix.index.storage.merge import merge_permuted_deps
from mach_nix.index.storage.schema import UNREAD_METADATA, FileResult, Project
from mach_nix.names import normalize

# Targets a dependency's marker is evaluated against for the closure (docs/crawl.md).
CLOSURE_PYTHONS = ("3.8", "3.9", "3.10", "3.11", "3.12", "3.13", "3.14")
CLOSURE_PLATFORMS = (("linux", "Linux", "x86_64"), ("linux", "Linux", "aarch64"), ("darwin", "Darwin", "x86_64"), ("darwin", "Darwin", "arm64"))


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
        if cached is None or cached.get("metadata") == UNREAD_METADATA:
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
        every_release = releases_of(page)
        versions = version_days(every_release)
        releases = select_releases(every_release, self.scope.since, pins, self.scope.series_since, self.scope.max_window)
        if old is not None and self._covers(old, pins) and record_files(old) == page_files(releases):
            # What PyPI lists for the kept releases is what the index holds: nothing to fetch. The
            # serial is not trusted for this (mirrors back-fill files under an old serial).
            return dict(old, last_serial=page.last_serial, versions=versions)
        deps: Dict[str, List[str]] = {}
        record: Project = {"name": page.name, "last_serial": page.last_serial, "deps": deps, "releases": {},
                           "versions": versions}
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
            if rep and not results[sample].get("transient") and not same_deps(results[sample], results[rep]):
                rest = [e for e in release.files if e["filename"] in inherit and e["filename"] not in results]
                results.update(self._fetch_all(rest))
                inherit = {}
                break
        nodes = []
        for entry in sorted(release.files, key=lambda e: e["filename"]):
            node = page_node(entry)
            filename = entry["filename"]
            known = self._known(entry["hashes"]["sha256"])
            if filename in results:  # fetched: a representative, a sample, or an sdist
                result = dict(results[filename])
            elif known is not None:  # fetched by an earlier crawl: real data beats the rule
                result = dict(known)
            elif filename in inherit:
                rep_result = results[inherit[filename]]
                result = {k: v for k, v in rep_result.items() if k in ("requires_dist", "provides_extra")}
                result["metadata"] = "inherited"
                result["metadata_from"] = inherit[filename]
                if rep_result.get("metadata") == "unknown":
                    result = {"metadata": "unknown", "metadata_error": f"representative {inherit[filename]} failed"}
            else:  # an sdist the rule skipped (plan.sdists_skipped)
                result = {"metadata": UNREAD_METADATA}
            result.pop("transient", None)
            apply_result(node, result, deps)
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
