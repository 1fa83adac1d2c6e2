"""PyPI (or any PEP 691/503 simple API) as the last index layer: fetched on demand, kept in the cache.

A project's simple page gives every release and file (file nodes ``not-crawled``: metadata unread);
the metadata of a file is read only when the resolver looks at that file's dependencies
(:meth:`RemoteIndex.fill`), by the crawler's paths (:mod:`mach_nix.index.client.fetch`: PEP 658, range
reads, a download; sdists read statically, never run). Pages and metadata are fetched on a thread
pool, and :attr:`RemoteIndex.on_project` lets the resolver prefetch ahead of itself, so a cold lock
waits for the network, not for one round trip after another. What was fetched is merged into the
user cache (:mod:`mach_nix.index.storage.cache`) by :meth:`RemoteIndex.save`.

Without ``refresh``, a project the cache holds is taken from it with no request; ``offline`` never
makes one (an unread file is then unusable, see :mod:`mach_nix.resolve.candidates`).

Example::

    remote = RemoteIndex(CacheIndex.for_index_url(default_cache_dir(), PYPI_SIMPLE))
    record = remote.project("furo")          # the cached record, or PyPI's page as a record
    remote.fill("furo", record["releases"]["2024.8.6"][0])
    remote.save()
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, Callable, Dict, Optional, Set, Union

from mach_nix.errors import MachNixError, NetworkError
from mach_nix.index.storage.cache import CacheIndex, remote_layer_id
from mach_nix.index.storage.cache_reader import materialize
from mach_nix.index.storage.schema import UNREAD_METADATA as UNREAD, Project
from mach_nix.names import normalize

if TYPE_CHECKING:  # concurrent.futures is imported when the network is first needed, not on every lock
    from concurrent.futures import Future, ThreadPoolExecutor
    from mach_nix.shapes import FileNode


def record_from_page(page: Any) -> Project:
    """A project record of a simple page: every kept release and file, metadata unread.

    Example: ``record_from_page(client.simple("six"))["releases"]["1.16.0"][0]["metadata"] == "not-crawled"``
    """
    from mach_nix.index.crawl.record import page_node
    from mach_nix.index.crawl.releases import releases_of, version_days

    every_release = releases_of(page)
    releases: Dict[str, Any] = {}
    for release in every_release.values():
        nodes = [dict(page_node(entry), metadata=UNREAD) for entry in release.files]
        releases[release.key] = sorted(nodes, key=lambda n: n["filename"])
    return {"name": page.name, "last_serial": page.last_serial, "deps": {}, "releases": releases,
            "versions": version_days(every_release)}


def _running_future() -> "Future[Any]":
    """A future this thread settles itself, marked running so that no other thread's ``cancel()`` takes it."""
    from concurrent.futures import Future

    future: "Future[Any]" = Future()
    future.set_running_or_notify_cancel()
    return future


class _Settled:
    """A result known at once (a cached or offline page), with the part of Future's interface this
    layer uses; not a Future, so that a lock the cache covers does not import concurrent.futures
    (with logging, a tenth of a small lock)."""

    __slots__ = ("_value",)

    def __init__(self, value: Any) -> None:
        self._value = value

    def cancel(self) -> bool:
        return False  # already done, as a finished Future cannot be cancelled

    def result(self) -> Any:
        return self._value


def _run_into(future: "Future[Any]", fn: Callable[..., Any], *args: Any) -> None:
    """Run ``fn(*args)`` here and settle ``future`` with its result or exception."""
    try:
        future.set_result(fn(*args))
    except BaseException as exc:  # noqa: B036 (handed to whoever waits on the future)
        future.set_exception(exc)


class RemoteIndex:
    """The remote layer (see the module docstring); thread-safe."""

    def __init__(self, cache: CacheIndex, *, offline: bool = False, refresh: Union[bool, Set[str]] = False,
                 client: Any = None, threads: int = 16, client_options: Optional[Dict[str, Any]] = None) -> None:
        self.cache = cache
        self.index_url = cache.index_url
        self.layer_id = remote_layer_id(cache.index_url)
        self.offline = offline
        self.refresh = refresh if isinstance(refresh, bool) else {normalize(n) for n in refresh}
        self.on_project: Optional[Callable[[str], None]] = None  # called on the pool for each project seen
        self.projects_fetched = 0
        self.files_fetched = 0
        self._client = client
        self._client_options = dict(client_options or {})  # request_timeout, network_deadline
        self._threads = threads
        self._pool: "Optional[ThreadPoolExecutor]" = None
        self._pages: Dict[str, "Union[Future[Optional[Project]], _Settled]"] = {}
        self._fills: Dict[str, "Future[None]"] = {}
        self._changed: Dict[str, Project] = {}
        self._lock = threading.Lock()

    # -- the network, lazily: a lock the local layers cover never imports urllib3 --

    @property
    def client(self) -> Any:
        if self._client is None:
            from mach_nix.index.client.pypi import PyPIClient

            self._client = PyPIClient(index_url=self.index_url, pool_size=self._threads, retries=3, **self._client_options)
        return self._client

    def _submit(self, fn: Callable[..., Any], *args: Any) -> "Future[Any]":
        if self._pool is None:
            from concurrent.futures import ThreadPoolExecutor

            self._pool = ThreadPoolExecutor(max_workers=self._threads, thread_name_prefix="mach-nix-fetch")
        return self._pool.submit(fn, *args)

    def in_background(self, fn: Callable[..., Any], *args: Any) -> None:
        """Run ``fn(*args)`` on this layer's pool (the layered index's prefetching across indexes);
        its errors are left to whoever later reads the same page in the foreground."""
        self._submit(fn, *args)

    def requests(self) -> Dict[str, int]:
        """Requests and bytes this layer made (for ``MACH_NIX_STATS`` and the benchmark)."""
        stats = self._client.stats if self._client is not None else None
        return {"requests": stats.requests if stats else 0, "bytes": stats.bytes if stats else 0,
                "projects_fetched": self.projects_fetched, "files_fetched": self.files_fetched}

    # -- projects --

    def _refreshes(self, key: str) -> bool:
        return self.refresh is True or (isinstance(self.refresh, set) and key in self.refresh)

    def project(self, name: str) -> Optional[Project]:
        """The project's record: from the cache, else (online) from its simple page; None if absent.

        A page still queued behind prefetches is fetched at once, in the calling thread.
        """
        key = normalize(name)
        future = self._page(key)
        if future.cancel():
            running = _running_future()
            with self._lock:
                self._pages[key] = running
            _run_into(running, self._fetch_page, key)
            future = running
        try:
            return future.result()
        except MachNixError:
            raise
        except Exception as exc:  # a transport error the client did not wrap
            raise NetworkError(f"cannot read {self.index_url}/{normalize(name)}/ ({exc}); check the network, "
                               "or pass --offline to lock from the index and the cache alone.") from None

    def prefetch(self, name: str) -> None:
        """Start fetching a project's page in the background (no-op offline or when known)."""
        if not self.offline:
            self._page(normalize(name))

    def _page(self, key: str) -> "Union[Future[Optional[Project]], _Settled]":
        with self._lock:
            future = self._pages.get(key)
            if future is not None:
                return future
            cached = None if self._refreshes(key) and not self.offline else self.cache.read(key)
            if cached is not None or self.offline:
                future = self._pages[key] = _Settled(cached)
                if cached is not None and self.on_project is not None and not self.offline:
                    self._submit(self.on_project, key)
                return future
            future = self._pages[key] = self._submit(self._fetch_page, key)
            return future

    def _fetch_page(self, key: str) -> Optional[Project]:
        from mach_nix.index.client.http import FetchError

        try:
            page = self.client.simple(key)
        except FetchError as exc:
            raise NetworkError(f"cannot read the project page of {key} from {self.index_url} ({exc.message}); "
                               "check the network or --index-url, or pass --offline.") from None
        if page is None:
            return None
        from mach_nix.index.storage.merge import merge_records

        cached = self.cache.read(key)
        record = merge_records(None if cached is None else materialize(cached), record_from_page(page))
        with self._lock:
            self._changed[key] = record
            self.projects_fetched += 1
        if self.on_project is not None:
            self._submit(self.on_project, key)  # after this future completes: the hook may ask for the project
        return record

    # -- files --

    def fill(self, name: str, node: "FileNode") -> None:
        """Read the metadata of one unread file node of ``name`` into it (blocking; each file once).

        Raises :class:`NetworkError` when the file cannot be read; offline, leaves it unread.
        """
        if node.get("metadata") != UNREAD or self.offline:
            return
        key = normalize(name)
        with self._lock:
            queued = self._fills.get(node["sha256"])
            # read here, in the calling thread, unless a worker is at it already: a prefetch worker
            # waiting for a read still queued on the pool could deadlock it
            mine = queued is None or queued.cancel()
            if queued is None or mine:
                queued = self._fills[node["sha256"]] = _running_future()
            future = queued
        if mine:
            _run_into(future, self._fill, key, node)
        future.result()

    def fill_later(self, name: str, node: "FileNode") -> None:
        """Start reading an unread file node in the background (no-op offline or when under way)."""
        if node.get("metadata") != UNREAD or self.offline:
            return
        with self._lock:
            if node["sha256"] not in self._fills:
                self._fills[node["sha256"]] = self._submit(self._fill, normalize(name), node)

    def _fill(self, key: str, node: Dict[str, Any]) -> None:
        from mach_nix.index.client.archives import ArchiveError
        from mach_nix.index.client.fetch import fetch_sdist, fetch_wheel
        from mach_nix.index.client.http import FetchError
        from mach_nix.index.crawl.record import apply_result
        from mach_nix.index.storage.schema import file_url

        entry = {"filename": node["filename"], "url": file_url(node), "size": node.get("size") or 0,
                 "hashes": {"sha256": node["sha256"]}}
        try:
            if node["filename"].endswith(".whl"):
                result = fetch_wheel(self.client, entry)
            else:
                result = fetch_sdist(self.client, entry)
        except ArchiveError as exc:
            result = {"metadata": "unknown", "metadata_error": exc.message}
        except FetchError as exc:
            raise NetworkError(f"cannot read the metadata of {node['filename']} from {entry['url']} ({exc.message}); "
                               "check the network, or pass --offline.") from None
        record = self._record_of(key)
        with self._lock:
            node.pop("metadata", None)
            apply_result(node, result, record["deps"])
            self._changed[key] = record
            self.files_fetched += 1

    def _record_of(self, key: str) -> Project:
        future = self._pages[key]
        record = future.result()
        assert record is not None  # a node of it is being filled
        return record

    # -- keeping it --

    def save(self) -> None:
        """Stop the prefetching and merge what was fetched into the cache."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        with self._lock:
            changed, self._changed = self._changed, {}
        self.cache.save(changed)
