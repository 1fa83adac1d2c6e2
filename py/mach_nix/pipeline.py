"""One lock, end to end: inputs → index → resolve → lock document, as one library call.

The CLI's `lock`, `env` and `gen` and the Nix library's resolver derivation all go through
:func:`lock_requirements`; commands only parse arguments and print.
"""

from __future__ import annotations

import gc
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple

from mach_nix.inputs import Record

if TYPE_CHECKING:
    from mach_nix.inputs import InputSet, InputSources
    from mach_nix.resolve.resolver import ResolvedPackage, Resolution

Providers = Dict[str, Tuple[str, ...]]


class LockOptions(Record):
    """Everything a lock depends on besides the index's content.

    Example: ``lock_requirements(LockOptions(InputSources(requirements=["requests"]), python="3.12"))``
    """

    _fields = ("sources", "python", "system", "glibc", "macos", "index", "extra_indexes", "index_url", "cache_dir",
               "refresh", "refresh_packages", "providers", "nixpkgs_json", "build_deps", "from_lock", "lock_format",
               "offline", "previous", "output", "upgrade", "upgrade_packages", "max_seconds", "max_memory_mb",
               "request_timeout", "network_deadline", "needs", "extra_index_urls", "accelerator")

    def __init__(self, sources: InputSources, python: str = "3.11", system: str = "x86_64-linux",
                 glibc: Optional[str] = None, macos: Optional[str] = None, index: Any = None,
                 extra_indexes: Optional[List[Path]] = None, index_url: Optional[str] = None,
                 cache_dir: Optional[Path] = None, refresh: bool = False, refresh_packages: Optional[List[str]] = None,
                 providers: Optional[str] = None, nixpkgs_json: Optional[Path] = None, build_deps: bool = True,
                 from_lock: Optional[Path] = None, lock_format: Optional[str] = None, offline: bool = False,
                 previous: Optional[Path] = None, output: Optional[Path] = None, upgrade: bool = False,
                 upgrade_packages: Optional[List[str]] = None, max_seconds: Optional[float] = 60.0,
                 max_memory_mb: Optional[float] = 2048.0, request_timeout: Optional[float] = None,
                 network_deadline: Optional[float] = None, needs: str = "cached",
                 extra_index_urls: Optional[List[str]] = None, accelerator: Optional[str] = None) -> None:
        self.sources = sources
        self.python = python
        self.system = system
        self.glibc = glibc  # default: nixpkgs' glibc (target.DEFAULT_GLIBC)
        self.macos = macos  # default: nixpkgs' SDK (target.DEFAULT_MACOS)
        self.index = index  # index directories (a Path or a list), in precedence order; default: the embedded data/
        self.extra_indexes: List[Path] = [] if extra_indexes is None else extra_indexes  # layers after those (--extra-index)
        self.index_url = index_url  # the remote layer's simple API (default PyPI's)
        self.cache_dir = cache_dir  # the user cache (default: index.cache.default_cache_dir())
        self.refresh = refresh  # re-read the remote pages of every project of the resolution
        self.refresh_packages: List[str] = [] if refresh_packages is None else refresh_packages  # ... of these only
        self.providers = providers  # e.g. "numpy=sdist,_default=wheel,sdist"
        self.nixpkgs_json = nixpkgs_json
        self.build_deps = build_deps
        self.from_lock = from_lock  # a uv.lock, poetry.lock or pylock.toml to convert instead of resolving
        self.lock_format = lock_format  # its format, when its name does not say
        self.offline = offline  # never reach the network: local layers and the cache only
        self.previous = previous  # a lock being redone: its pins are kept where they still fit
        self.output = output  # where the lock goes: local files (path sources) are named relative to it
        self.upgrade = upgrade  # ignore the previous lock's pins
        self.upgrade_packages: List[str] = [] if upgrade_packages is None else upgrade_packages  # free these pins only
        self.max_seconds = max_seconds  # the resolution's budgets (None or 0: no limit), see resolve()
        self.max_memory_mb = max_memory_mb
        self.request_timeout = request_timeout  # seconds for one request to the index server (None: the client's default)
        self.network_deadline = network_deadline  # seconds for all of them together (None or 0: no limit)
        self.needs = needs  # the binary wheels' native needs: "cached", "fetch" or "off" (native/lock_needs.py)
        # simple APIs asked before every other layer, in order; per project the first that has it wins
        self.extra_index_urls: List[str] = [] if extra_index_urls is None else extra_index_urls
        self.accelerator = accelerator  # "cpu", "cuda", or None: what the locked wheels say (accelerator.py)

    def index_dirs(self) -> List[Path]:
        """The local layers in order: ``index`` (the embedded data/ when unset), then ``extra_indexes``."""
        from mach_nix.index.storage.store import default_index_dir

        given = self.index if isinstance(self.index, list) else ([self.index] if self.index is not None else [])
        return [Path(p) for p in (given or [default_index_dir()])] + [Path(p) for p in self.extra_indexes]

    def open_index(self) -> Any:
        """The :class:`mach_nix.index.layers.LayeredIndex` of these options."""
        from mach_nix.index.view.layers import open_layers

        refresh: Any = True if self.refresh else set(self.refresh_packages)
        return open_layers(self.index_dirs(), offline=self.offline, index_url=self.index_url,
                           cache_dir=self.cache_dir, refresh=refresh, client_options=self.client_options(),
                           extra_index_urls=self.extra_index_urls)

    def client_options(self) -> Dict[str, Any]:
        """The network bounds of these options, as :class:`~mach_nix.index.pypi.PyPIClient` arguments."""
        bounds: Dict[str, Any] = {"network_deadline": self.network_deadline or None}
        if self.request_timeout:
            bounds["request_timeout"] = self.request_timeout
        return bounds

    def arguments(self) -> List[str]:
        """The `mach-nix lock` arguments that give these inputs again (no target, no output).

        Recorded in the lock (``inputs.arguments``), so that a re-lock for another target can be
        printed exactly. ``--index`` and ``--nixpkgs-json`` name paths of one machine (the lock
        records the index's identity instead). Example: ``["-r", "requirements.txt", "-c", "constraints.txt", "--pre"]``
        """
        src = self.sources
        args: List[str] = []
        if self.from_lock is not None:
            args += ["--from", str(self.from_lock)] + (["--lock-format", self.lock_format] if self.lock_format else [])
        args += [a for path in src.requirement_files for a in ("-r", str(path))]
        args += [a for path in src.constraint_files for a in ("-c", str(path))]
        args += [a for text in src.requirement_texts for a in ("--requirement-text", text)]
        if src.pyproject is not None:
            args += ["--pyproject", str(src.pyproject)]
        if src.setup_cfg is not None:
            args += ["--setup-cfg", str(src.setup_cfg)]
        args += [a for extra in src.extras for a in ("--extra", extra)]
        args += [a for group in src.groups for a in ("--group", group)]
        if self.providers is not None:  # not --index, --nixpkgs-json: paths that differ per machine
            args += ["--providers", self.providers]
        if self.index_url is not None:
            args += ["--index-url", self.index_url]
        args += [a for url in self.extra_index_urls for a in ("--extra-index-url", url)]
        if src.prereleases:
            args.append("--pre")
        if not self.build_deps:
            args.append("--no-build-deps")
        return args + list(src.requirements)


class LockResult(Record):
    """A new lock document, what the user should hear about it, and what changed against ``previous``."""

    _fields = ("lock", "warnings", "previous")

    def __init__(self, lock: Dict[str, Any], warnings: Optional[List[str]] = None,
                 previous: Optional[Dict[str, Any]] = None) -> None:
        self.lock = lock
        self.warnings: List[str] = [] if warnings is None else warnings
        self.previous = previous  # the lock that was redone (None: a first lock)

    @property
    def summary(self) -> str:
        packages = self.lock["packages"]
        build_only = sum(1 for e in packages.values() if e.get("build_only"))
        target = self.lock["target"]
        return f"locked {len(packages)} packages ({build_only} build-only) for CPython {target['python']} on {target['system']}"


def lock_requirements(options: LockOptions, *, notice: bool = False) -> LockResult:
    """Resolve ``options`` against the index and return the lock (not yet written).

    A resolution builds ~1M objects that live until the end and makes few reference cycles, so
    the cyclic garbage collector is paused meanwhile (its collections would only re-scan them), and
    what is left is then frozen (``gc.freeze``): otherwise the first collection after re-enabling,
    or the one at interpreter exit, scans all of it. Together ~20% of a large lock's run time.

    Example: ``lock_requirements(LockOptions(InputSources(requirements=["idna"]))).lock["roots"] == ["idna"]``
    """
    if options.from_lock is not None:
        return _convert(options)
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _lock(options, notice)
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def _lock(options: LockOptions, notice: bool) -> LockResult:
    from mach_nix.inputs import read_inputs
    from mach_nix.resolve.budget import Budget, BudgetExceeded
    from mach_nix.resolve.provider_order import parse_providers
    from mach_nix.resolve.target import Target

    # the budgets bound the whole lock from the first byte read, not only the resolution
    budget = Budget(options.max_seconds, options.max_memory_mb)
    target = Target.create(options.python, options.system, options.glibc, options.macos)
    providers = parse_providers(options.providers)
    try:
        inputs = read_inputs(options.sources, check=budget.check)
    except BudgetExceeded as exc:
        raise budget.stopped(exc, "reading the inputs") from None
    # the resolver's modules (packaging, resolvelib) once there is something to resolve
    from mach_nix.progress import SlowNotice
    from mach_nix.resolve.prefetch import start_prefetching
    from mach_nix.resolve.request import build_request, read_nixpkgs_json
    from mach_nix.resolve.resolver import resolve

    previous, why_not = read_previous(options.previous)
    nixpkgs = read_nixpkgs_json(options.nixpkgs_json)
    index = options.open_index()
    status = SlowNotice(lambda: f"resolving {len(inputs.requirements)} requirement(s) for CPython {target.python} "
                                f"on {target.system}", enabled=notice)
    try:
        try:
            with status:
                start_prefetching(index, target, providers, [r.req.name for r in inputs.requirements])
                request = build_request(inputs, index, target, providers, nixpkgs)
                request.preferred = kept_pins(previous, options)
                try:
                    budget.check()
                except BudgetExceeded as exc:
                    raise budget.stopped(exc, "reading the inputs") from None
                resolution = resolve(index, target, request, build=options.build_deps, budget=budget)
        except Exception:
            index.check()  # a changed shard explains any failure better than what it caused
            raise
        index.check()
    finally:
        index.close()  # what was fetched is kept, whether or not the resolution succeeded
        write_stats(index)
    return _lock_result(options, inputs, providers, previous, why_not, target, index, request, resolution)


def _lock_result(options: LockOptions, inputs: InputSet, providers: Providers, previous: Optional[Dict[str, Any]],
                 why_not: Optional[str], target: Any, index: Any, request: Any, resolution: Resolution) -> LockResult:
    from mach_nix.lock import build_lock, package_entry
    from mach_nix.resolve.request import check_hash_coverage

    runtime = [n for n, p in resolution.packages.items() if not p.build_only and p.candidate.provider != "nixpkgs"]
    check_hash_coverage(inputs, request, runtime)
    packages: Dict[str, Dict[str, Any]] = {}
    for name, pkg in resolution.packages.items():
        project = index.project(name)
        packages[name] = package_entry(pkg, project["name"] if project else name)
        if pkg.candidate.file is not None:
            packages[name]["index"] = index.origin(name, pkg.candidate.vstr)
    used = sorted({e["index"] for e in packages.values() if e.get("index")})
    needs = add_native_needs(options, packages, previous)
    write_stats(index, needs.stats())
    lock = build_lock(target=_lock_target(options, target, packages), inputs=_lock_inputs(options, inputs, providers),
                      index=index.identity, roots=resolution.roots, packages=packages,
                      indexes=index.layers_json(used))
    warnings = inputs.warnings + resolution.warnings + _advice(providers, resolution, packages) + needs.warnings
    if why_not:
        warnings.append(why_not)
    return LockResult(lock, warnings, previous)


def _lock_target(options: LockOptions, target: Any, packages: Dict[str, Dict[str, Any]]) -> Dict[str, Any]:
    """The lock's ``target``, with ``accelerator`` when ``--accelerator`` or ``--extra-index-url`` was
    given (without them the field is left out, so that the locks of existing inputs keep their bytes;
    readers derive it from the packages with the same rule, see accelerator.py)."""
    out: Dict[str, Any] = target.to_json()
    if options.accelerator is not None or options.extra_index_urls:
        from mach_nix.accelerator import choose

        out["accelerator"] = choose(options.accelerator, packages)
    return out


def add_native_needs(options: LockOptions, packages: Dict[str, Dict[str, Any]],
                     previous: Optional[Dict[str, Any]] = None) -> Any:
    """Set the ``needs`` of the lock's binary wheels (``options.needs``; see native/lock_needs.py;
    ``previous``: the lock being redone, whose needs serve when it has the same binary wheels)
    and return the :class:`mach_nix.native.lock_needs.NeedsReport`."""
    from mach_nix.index.storage.cache import default_cache_dir
    from mach_nix.native.lock_needs import add_needs

    mode = "cached" if options.offline and options.needs == "fetch" else options.needs
    return add_needs(packages, mode=mode, cache_root=Path(options.cache_dir) if options.cache_dir else default_cache_dir(),
                     previous=(previous or {}).get("packages"))


def write_stats(index: Any, extra: Optional[Dict[str, Any]] = None) -> None:
    """With ``$MACH_NIX_STATS``, write what the remote layer fetched there as JSON (for bench/),
    with ``extra`` keys (the ``needs_*`` counts of the native-needs step, which come on top).

    Example: ``{"requests": 41, "bytes": 1203344, "projects_fetched": 12, "files_fetched": 27}``
    """
    import os

    path = os.environ.get("MACH_NIX_STATS")
    if not path:
        return
    import orjson

    from mach_nix.fsutil import atomic_write_bytes

    stats = {"requests": 0, "bytes": 0, "projects_fetched": 0, "files_fetched": 0}
    # PyPI (or --index-url) and the --extra-index-url indexes, summed (an index of one layer has `remote` only)
    remotes = index.remotes() if hasattr(index, "remotes") else [r for r in (getattr(index, "remote", None),) if r]
    for remote in remotes:
        for key, value in remote.requests().items():
            stats[key] += value
    stats = {**stats, **(extra or {})}
    atomic_write_bytes(Path(path), orjson.dumps(stats) + b"\n")


def read_previous(path: Optional[Path]) -> Tuple[Optional[Dict[str, Any]], Optional[str]]:
    """The lock being redone, or None with the reason it is not used (None: there is none)."""
    if path is None or not Path(path).is_file():
        return None, None
    from mach_nix.errors import MachNixError
    from mach_nix.lock import read

    try:
        return read(path), None
    except MachNixError as exc:
        return None, f"the existing {path} is not used for its pins ({exc.message}); it is replaced."


def kept_pins(previous: Optional[Dict[str, Any]], options: LockOptions) -> Dict[str, str]:
    """name → version of the previous lock that the resolver tries first (``--upgrade``: none).

    Example: ``kept_pins(old_lock, LockOptions(src, upgrade_packages=["requests"]))`` keeps all but requests.
    """
    from mach_nix.names import normalize

    if previous is None or options.upgrade:
        return {}
    freed = {normalize(n) for n in options.upgrade_packages}
    return {n: e["version"] for n, e in previous["packages"].items() if n not in freed and e["provider"] != "nixpkgs"}


def changes(previous: Optional[Dict[str, Any]], lock: Dict[str, Any]) -> List[str]:
    """``added``/``removed``/``changed`` lines of a re-lock, sorted by name (empty for a first lock).

    Example: ``changes(old, new) == ["changed idna 3.7 → 3.8", "added six 1.16.0"]``
    """
    if previous is None:
        return []
    old, new = previous["packages"], lock["packages"]
    out = []
    for name in sorted(set(old) | set(new)):
        if name not in old:
            out.append(f"added {name} {new[name]['version']}")
        elif name not in new:
            out.append(f"removed {name} {old[name]['version']}")
        elif (old[name]["version"], old[name]["provider"]) != (new[name]["version"], new[name]["provider"]):
            before, after = old[name], new[name]
            provider = "" if before["provider"] == after["provider"] else f" ({before['provider']} → {after['provider']})"
            out.append(f"changed {name} {before['version']} → {after['version']}{provider}")
    return out


def _convert(options: LockOptions) -> LockResult:
    """A mach-nix lock of a foreign lock (uv.lock, poetry.lock, pylock.toml) for the target."""
    from mach_nix.errors import MachNixError
    from mach_nix.index.view.layers import open_layers
    from mach_nix.inputs.foreign import read_foreign_lock
    from mach_nix.inputs.foreign.convert import convert
    from mach_nix.lock import build_lock
    from mach_nix.resolve.target import Target

    src = options.sources
    if src.requirements or src.requirement_files or src.constraint_files or src.requirement_texts or src.pyproject \
            or src.setup_cfg:
        raise MachNixError("--from converts a lock and takes no requirements: a lock already records them. Drop "
                           "-r/-c/--pyproject/REQ, or drop --from to resolve them.")
    assert options.from_lock is not None
    target = Target.create(options.python, options.system, options.glibc, options.macos)
    foreign = read_foreign_lock(options.from_lock, options.lock_format)
    index = open_layers(options.index_dirs(), remote=False)  # the local layers: what they know of a file is used
    lookup = None
    if not options.offline:
        from mach_nix.index.client.fetch import PyPIFileLookup
        from mach_nix.index.client.pypi import PyPIClient

        lookup = PyPIFileLookup(client=PyPIClient(index_url=options.index_url, pool_size=4, retries=3,
                                                  **options.client_options()))
    converted = convert(foreign, target, index=index, extras=src.extras, groups=src.groups, lookup=lookup)
    relocate_paths(converted.packages, Path(foreign.path).parent, options.output)
    needs = add_native_needs(options, converted.packages)
    inputs = {"files": [{"path": foreign.path, "sha256": foreign.sha256, "kind": foreign.format}],
              "requirements": [], "constraints": [], "extras": sorted(src.extras), "groups": sorted(src.groups),
              "providers": {}, "prereleases": False, "arguments": options.arguments()}
    lock = build_lock(target=_lock_target(options, target, converted.packages), inputs=inputs, index=index.identity,
                      roots=converted.roots,
                      packages=converted.packages)
    return LockResult(lock, converted.warnings + needs.warnings)


def relocate_paths(packages: Dict[str, Dict[str, Any]], source_dir: Path, output: Optional[Path]) -> None:
    """Local files of a foreign lock are named relative to it; the new lock names them relative to
    itself, and only files inside its directory (a lock's ``path`` never leaves it: docs/lock-format.md).

    Example: uv.lock's ``wheels/six….whl`` becomes ``app/wheels/six….whl`` for ``-o mach-nix.lock.json``
    written one directory above it.
    """
    import os

    from mach_nix.errors import MachNixError, quoted

    base = (output.parent if output is not None and str(output) != "-" else Path(".")).resolve()
    for name, entry in packages.items():
        if entry.get("path"):
            target = (source_dir / entry["path"]).resolve()
            relative = os.path.relpath(target, base)
            if relative == ".." or relative.startswith("../"):
                raise MachNixError(
                    f"packages.{name}.path: the local file {quoted(str(target))} is outside {base}, the directory "
                    "of the lock being written, and a lock may only name files inside its own directory. Write the "
                    "lock (-o) in a directory that contains the file, e.g. beside the lock it is converted from.")
            entry["path"] = relative


def _lock_inputs(options: LockOptions, inputs: InputSet, providers: Providers) -> Dict[str, Any]:
    return {
        "files": [{"path": f.path, "sha256": f.sha256, "kind": f.kind} for f in inputs.files],
        "requirements": [str(r.req) for r in inputs.requirements],
        "constraints": [str(r.req) for r in inputs.constraints],
        "extras": sorted(options.sources.extras),
        "groups": sorted(options.sources.groups),
        "providers": {k: list(v) for k, v in providers.items()},
        "prereleases": bool(inputs.allow_prereleases),
        "arguments": options.arguments(),
    }


def _advice(providers: Providers, resolution: Resolution, packages: Dict[str, Dict[str, Any]]) -> List[str]:
    warnings = (unknown_extra_warning(name, pkg) for name, pkg in sorted(resolution.packages.items()))
    out = [w for w in warnings if w]
    stray = sorted(n for n in providers if n != "_default" and n not in packages)
    if stray:
        out.append(f"--providers names {', '.join(stray)}, which the lock does not contain (a typo?).")
    unknown = sorted(n for n, e in packages.items() if e.get("dependencies_unknown"))
    if unknown:
        out.append(f"the dependencies of {', '.join(unknown)} are unknown to the index (sdists without static "
                   "metadata); they are locked without dependencies. Run `mach-nix index update DIR --sdists` or "
                   "add the missing packages as requirements.")
    return out


def unknown_extra_warning(name: str, pkg: ResolvedPackage) -> Optional[str]:
    """A warning when extras were asked of a package whose chosen file does not provide them (as pip does).

    Example: ``"requests 2.32.3 does not provide the extra 'nonexistent' (it has: socks, use-chardet-on-py3)"``
    """
    from mach_nix.names import normalize

    cand = pkg.candidate
    if not pkg.extras or cand.file is None or cand.deps is None:
        return None  # nothing asked, or a nixpkgs package / unknown metadata: cannot tell
    known = {normalize(e) for e in cand.file.get("provides_extra") or ()}
    known |= {normalize(m) for dep in cand.deps for m in _extra_names(dep)}
    absent = sorted(e for e in pkg.extras if e not in known)
    if not absent:
        return None
    has = ", ".join(sorted(known)) or "none"
    return (f"{name} {cand.vstr} does not provide the extra{'s' if len(absent) > 1 else ''} "
            f"{', '.join(repr(e) for e in absent)} (it has: {has}); check the spelling.")


def _extra_names(dependency: str) -> List[str]:
    import re

    return re.findall(r"""extra\s*==\s*['"]([^'"]+)['"]""", dependency.partition(";")[2])
