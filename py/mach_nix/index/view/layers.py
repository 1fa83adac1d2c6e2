"""Layered indexes: local index directories in order, then PyPI on demand (through the user cache).

The resolver sees one index. A project's releases are the union of the layers' releases; for a
version several layers hold, the first layer in order wins (its files and their metadata), so
the order is the precedence: the ``--index`` directories as given (the embedded data/ when none is
given), then the ``--extra-index`` directories, then the remote layer (PyPI or ``--index-url``,
read through its cache). Before all of them come the ``--extra-index-url`` simple APIs
(``extras``), as uv orders them (``first-index``): a project the first of them lists is taken from
that index alone, every release and file, whatever the other layers hold (so a CPU index's
``torch 2.5.1+cpu`` shadows PyPI's CUDA build); a project none of them lists goes through the
layers below. The remote layer is asked only for what the local layers lack: a
project none of them holds, or (:meth:`LayeredIndex.extend`) a project whose local releases
cannot serve a requirement. Identical Requires-Dist lists have identical keys in every layer
(content hashes), so the layers' ``deps`` tables are merged by key.

Example::

    index = LayeredIndex([LazyIndex(Index.open(Path("data")))], remote=None)
    view = index.project("requests")
    index.origin("requests", "2.32.3")      # "local-<12 hex digits>", see local_layer_id
"""

from __future__ import annotations

import threading
from collections import ChainMap
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterator, List, Mapping, Optional, Tuple

from mach_nix.names import normalize

if TYPE_CHECKING:
    from mach_nix.shapes import FileNode, IndexIdentity, LayerJson
    from mach_nix.index.view.remote import RemoteIndex
    from mach_nix.index.storage.lazy_index import LazyIndex


_CONTENT_KEYS = ("created_at", "pypi_serial", "projects", "releases", "files")


def describe_local(metadata: Dict[str, Any]) -> "LayerJson":
    """What a lock records of a local index directory: what its ``metadata.json`` says of its
    content, the same for its json and lz4 forms (its path differs per machine; the primary
    layer's exact file hash is the lock's ``index``).

    Example: ``describe_local(meta) == {"kind": "directory", "created_at": "2026-11-24T03:01:01Z", ...}``
    """
    return {"kind": "directory", **{k: metadata.get(k) for k in _CONTENT_KEYS}}  # type: ignore[typeddict-item]  # keys from _CONTENT_KEYS, which mypy cannot follow


def local_layer_id(metadata: Dict[str, Any]) -> str:
    """The id a lock gives a local index directory: ``local-`` and 12 hex digits of its description and scope.

    Example: ``local_layer_id(Index.open().metadata)`` → ``"local-3f2a9c01b7de"``
    """
    import hashlib

    import orjson

    # the crawl's scope (seeds, window) is hashed too: two layers written in the same second with the
    # same counts differ in it; `index pack` keeps it, so both forms of one index keep one id
    described = dict(describe_local(metadata), scope=metadata.get("scope"))
    digest = hashlib.sha256(orjson.dumps(described, option=orjson.OPT_SORT_KEYS)).hexdigest()
    return "local-" + digest[:12]


class ProjectView(dict):
    """A project record (``name``, ``deps``, ``releases``, and ``versions`` when a layer has that
    table) merged over layers; from a single layer, its ``release_order`` too (see LazyIndex).

    ``fill(node)`` reads the metadata of a file node that no layer has read yet (a remote
    layer's ``not-crawled`` node) into the node and ``deps``; None when nothing can be filled.
    """

    fill: Optional[Callable[["FileNode"], None]] = None
    fill_later: Optional[Callable[["FileNode"], None]] = None  # the same, in the background
    offline: bool = False
    origin_id: Optional[str] = None  # the layer of every release, when one layer supplied them all


class _MergedReleases(Mapping[str, Any]):
    """version → files of the first layer holding the version (layers' own mappings stay lazy)."""

    __slots__ = ("_sources", "_keys")

    def __init__(self, sources: List[Tuple[str, Mapping[str, Any]]]) -> None:
        self._sources = sources
        self._keys: Dict[str, str] = {}
        for layer, releases in sources:
            for version in releases:
                self._keys.setdefault(version, layer)

    def origin(self, version: str) -> Optional[str]:
        return self._keys.get(version)

    def __getitem__(self, version: str) -> Any:
        layer = self._keys[version]
        return next(releases[version] for name, releases in self._sources if name == layer)

    def get(self, version: str, default: Any = None) -> Any:
        return self[version] if version in self._keys else default

    def __contains__(self, version: object) -> bool:
        return version in self._keys

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)


class LayeredIndex:
    """Local layers (each a :class:`LazyIndex`) and an optional remote layer, as one index.

    Offers what the resolver, the explanations and the lock use of an index: ``project``,
    ``names``, ``check``, ``directory``/``metadata``/``identity`` (of the first local layer, the
    lock's ``index``), ``origin`` (which layer a package came from) and ``layers_json``.
    """

    def __init__(self, local: List["LazyIndex"], remote: Optional["RemoteIndex"] = None,
                 extras: Optional[List["RemoteIndex"]] = None) -> None:
        if not local:
            raise ValueError("at least one local index layer is needed")
        self.local = local
        self.remote = remote
        self.extras: List["RemoteIndex"] = list(extras or [])  # --extra-index-url, asked first, in order
        self.primary = local[0]
        self.directory = self.primary.directory
        self.metadata = self.primary.metadata
        self._ids = [local_layer_id(layer.metadata) for layer in local]
        self._views: Dict[str, Optional[ProjectView]] = {}
        self._extended: Dict[str, bool] = {}
        self._lock = threading.RLock()  # the remote layer's prefetch threads look projects up too

    @property
    def identity(self) -> "IndexIdentity":
        return self.primary.identity

    def names(self) -> Iterator[str]:
        """Every project name of the local layers (for "did you mean" suggestions)."""
        seen: Dict[str, None] = {}
        for layer in self.local:
            for name in layer.names():
                if name not in seen:
                    seen[name] = None
                    yield name

    def check(self) -> None:
        for layer in self.local:
            layer.check()

    def holds_locally(self, name: str) -> bool:
        """Whether a local layer has the project (thread-safe; no network)."""
        with self._lock:
            return any(layer.project(name) is not None for layer in self.local)

    def project(self, name: str) -> Optional[ProjectView]:
        """The merged record, or None when no layer (the remote one included) has the project."""
        key = normalize(name)
        with self._lock:
            if key in self._views:
                return self._views[key]
        view = self._from_extra(key)
        if view is None:
            found = self._local_records(key)
            remote, layer = None, self.remote
            if not found and layer is not None:
                remote = layer.project(key)
                if remote is not None:
                    found = [(layer.layer_id, remote)]
            view = self._merge(found) if found else None
            if view is not None and remote is not None and layer is not None:
                self._attach(key, view, layer)
        with self._lock:
            self._views[key] = view
        return view

    def _from_extra(self, key: str) -> Optional[ProjectView]:
        """The project from the first ``--extra-index-url`` index that lists it (uv's ``first-index``), or None."""
        for extra in self.extras:
            record = extra.project(key)
            if record is not None:
                view = self._merge([(extra.layer_id, record)])
                self._attach(key, view, extra)
                return view
        return None

    def prefetch(self, name: str) -> None:
        """Start fetching the page a later :meth:`project` will read, in the background: PyPI's (or
        ``--index-url``'s) directly, or, with ``--extra-index-url``, the extra indexes' in order and
        the primary's only if none of them lists the project (so that it is not asked for a project
        an extra index shadows)."""
        if not self.extras:
            if self.remote is not None:
                self.remote.prefetch(name)
            return
        first = self.extras[0]
        if not first.offline:
            first.in_background(self._prefetch_in_order, normalize(name))

    def _prefetch_in_order(self, key: str) -> None:
        if any(extra.project(key) is not None for extra in self.extras):
            return
        if self.remote is not None and not self.holds_locally(key):
            self.remote.prefetch(key)

    def extend(self, name: str) -> Optional[ProjectView]:
        """The project with the remote layer's releases added behind the local ones, once per
        project; None when there is nothing to add (no remote layer, offline without a cached
        page, PyPI lacks the project, or the project came from the remote layer already).

        Example: ``index.extend("django")`` when a requirement wants ``django<3`` and data/ holds 4.x only.
        """
        key = normalize(name)
        current = self.project(key)
        if self.remote is None or current is None or current.fill is not None or self._extended.get(key):
            return None
        self._extended[key] = True
        remote = self.remote.project(key)
        if remote is None:
            return None
        view = self._merge(self._local_records(key) + [(self.remote.layer_id, remote)])
        self._attach(key, view, self.remote)
        with self._lock:
            self._views[key] = view
        return view

    @staticmethod
    def _attach(key: str, view: ProjectView, remote: "RemoteIndex") -> None:
        view.fill = lambda node: remote.fill(key, node)
        view.fill_later = lambda node: remote.fill_later(key, node)
        view.offline = remote.offline

    def _local_records(self, key: str) -> List[Tuple[str, Any]]:
        """(layer id, record) of every local layer holding the project, in precedence order."""
        with self._lock:
            return [(lid, rec) for lid, layer in zip(self._ids, self.local) if (rec := layer.project(key)) is not None]

    def _merge(self, found: List[Tuple[str, Any]]) -> ProjectView:
        first = found[0][1]
        view = ProjectView(name=first["name"])
        if len(found) == 1:
            view["deps"], view["releases"] = first["deps"], first["releases"]
            if "release_order" in first:  # the order of these very releases (merged ones are sorted anew)
                view["release_order"] = first["release_order"]
        else:
            view["deps"] = ChainMap(*[rec["deps"] for _, rec in found])
            view["releases"] = _MergedReleases([(lid, rec["releases"]) for lid, rec in found])
        tables = [rec["versions"] for _, rec in found if "versions" in rec]
        if tables:  # every release any layer knows PyPI has, held or not (lazy: read to explain a failure)
            view["versions"] = tables[0] if len(tables) == 1 else ChainMap(*tables)
        view.origin_id = found[0][0] if len(found) == 1 else None
        return view

    def origin(self, name: str, version: str) -> Optional[str]:
        """The id of the layer the resolver took ``name``'s ``version`` from."""
        view = self.project(name)
        if view is None:
            return None
        releases = view["releases"]
        if isinstance(releases, _MergedReleases):
            return releases.origin(version)
        return view.origin_id

    def layers_json(self, used: List[str]) -> Dict[str, "LayerJson"]:
        """What the lock records about each layer in ``used`` (ids from :meth:`origin`)."""
        out: Dict[str, "LayerJson"] = {}
        for lid, layer in zip(self._ids, self.local):
            if lid in used:
                out[lid] = describe_local(layer.metadata)
        for remote in self.remotes():
            if remote.layer_id in used:
                out[remote.layer_id] = {"kind": "remote", "url": remote.index_url}
        return out

    def remotes(self) -> List["RemoteIndex"]:
        """Every remote layer: the ``--extra-index-url`` ones in order, then PyPI (or ``--index-url``)."""
        return self.extras + ([self.remote] if self.remote is not None else [])

    def close(self) -> None:
        """Keep what the remote layers fetched (each in its own cache, keyed by its URL), and mark the
        extra indexes this lock asked (an offline lock needs them asked once, see open_layers)."""
        for remote in self.remotes():
            remote.save()
        for extra in self.extras:
            if extra.requests()["requests"]:
                marker = read_marker(extra)
                marker.parent.mkdir(parents=True, exist_ok=True)
                marker.touch()


def read_marker(remote: "RemoteIndex") -> Any:
    """The file that says an online lock has asked this remote layer (an ``--extra-index-url``) before:
    its cache alone cannot say, as a cache holds only the projects the index has.

    Example: ``read_marker(layer) == root / "extra-index-read" / "remote-3f2a9c01b7de"``
    """
    return remote.cache.directory.parent.parent / "extra-index-read" / remote.layer_id


def open_layers(dirs: List[Any], *, offline: bool = False, index_url: Optional[str] = None,
                cache_dir: Optional[Any] = None, refresh: Any = False, remote: bool = True,
                client_options: Optional[Dict[str, Any]] = None,
                extra_index_urls: Optional[List[str]] = None) -> LayeredIndex:
    """The layers of one lock: ``extra_index_urls`` (asked first, see the module docstring), ``dirs``
    (index directories, in order), then the remote layer.

    ``remote=False`` leaves the remote layer out (a closed world: only ``dirs``); ``offline`` keeps
    it but only reads its cache; ``client_options`` bound its requests (see :class:`~mach_nix.index.client.pypi.PyPIClient`).
    Example: ``open_layers([Path("data")], offline=True).project("six")``
    """
    from pathlib import Path

    from mach_nix.index.storage.cache import PYPI_SIMPLE, CacheIndex, default_cache_dir
    from mach_nix.index.storage.store import Index
    from mach_nix.index.storage.slice_tables import TABLES_FILE, SliceTables
    from mach_nix.index.storage.verified import RECORD, VerifiedShards
    from mach_nix.index.storage.lazy_index import LazyIndex

    root = Path(cache_dir) if cache_dir else default_cache_dir()
    verified = VerifiedShards(root / RECORD)  # one record for all layers: saved by each check()
    tables = SliceTables(root / TABLES_FILE)  # likewise
    local = [LazyIndex(Index.open(Path(d)), verified, tables) for d in dirs]
    layer = None
    extras: List[Any] = []
    if remote:
        from mach_nix.index.view.remote import RemoteIndex

        def remote_layer(url: str) -> RemoteIndex:
            # each simple API has a cache of its own (index-v1/<layer id of its URL>): a CPU index's
            # torch never mixes with PyPI's
            return RemoteIndex(CacheIndex.for_index_url(root, url, verified, tables), offline=offline, refresh=refresh,
                               client_options=client_options)

        layer = remote_layer(index_url or PYPI_SIMPLE)
        primary = layer.index_url
        seen = {primary}
        for url in extra_index_urls or []:
            if url.rstrip("/") not in seen:  # the same index twice (or the primary again) adds nothing
                seen.add(url.rstrip("/"))
                extras.append(remote_layer(url))
                if offline and not read_marker(extras[-1]).exists():
                    # the layers below would serve its projects silently (PyPI's CUDA torch for a CPU index's)
                    from mach_nix.errors import NotFound

                    raise NotFound(f"--offline with --extra-index-url {url}, whose pages were never read into the "
                                   f"cache ({root}): which projects it has is unknown, and the other layers would "
                                   "be used for them. Lock once online (or drop --offline), then offline locks "
                                   "read it from the cache.")
    return LayeredIndex(local, layer, extras)
