"""What one lock depends on besides the index's content: :class:`LockOptions`, as the CLI and the
Nix library's resolver derivation give it, and the index layers and CLI arguments it stands for.

Example: ``LockOptions(InputSources(requirements=["requests"]), python="3.12").arguments() == ["requests"]``
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Set, Union

from mach_nix.constants import DEFAULT_MAX_MEMORY_MB, DEFAULT_MAX_SECONDS, DEFAULT_PYTHON, DEFAULT_SYSTEM
from mach_nix.inputs import InputSources

if TYPE_CHECKING:
    from mach_nix.index.view.layers import LayeredIndex


@dataclass
class LockOptions:
    """Everything a lock depends on besides the index's content.

    Example: ``lock_requirements(LockOptions(InputSources(requirements=["requests"]), python="3.12"))``
    """

    sources: InputSources
    python: str = DEFAULT_PYTHON
    system: str = DEFAULT_SYSTEM
    glibc: Optional[str] = None  # default: nixpkgs' glibc (constants.DEFAULT_GLIBC)
    macos: Optional[str] = None  # default: nixpkgs' SDK (constants.DEFAULT_MACOS)
    # index directories (a Path or a list), in precedence order; default: the embedded data/
    index: Union[Path, List[Path], None] = None
    extra_indexes: List[Path] = field(default_factory=list)  # layers after those (--extra-index)
    index_url: Optional[str] = None  # the remote layer's simple API (default PyPI's)
    cache_dir: Optional[Path] = None  # the user cache (default: index.cache.default_cache_dir())
    refresh: bool = False  # re-read the remote pages of every project of the resolution
    refresh_packages: List[str] = field(default_factory=list)  # ... of these only
    providers: Optional[str] = None  # e.g. "numpy=sdist,_default=wheel,sdist"
    nixpkgs_json: Optional[Path] = None
    build_deps: bool = True
    from_lock: Optional[Path] = None  # a uv.lock, poetry.lock or pylock.toml to convert instead of resolving
    lock_format: Optional[str] = None  # its format, when its name does not say
    offline: bool = False  # never reach the network: local layers and the cache only
    previous: Optional[Path] = None  # a lock being redone: its pins are kept where they still fit
    output: Optional[Path] = None  # where the lock goes: local files (path sources) are named relative to it
    upgrade: bool = False  # ignore the previous lock's pins
    upgrade_packages: List[str] = field(default_factory=list)  # free these pins only
    max_seconds: Optional[float] = DEFAULT_MAX_SECONDS  # the resolution's budgets (None or 0: no limit), see resolve()
    max_memory_mb: Optional[float] = DEFAULT_MAX_MEMORY_MB
    request_timeout: Optional[float] = None  # seconds for one request to the index server (None: the client's default)
    network_deadline: Optional[float] = None  # seconds for all of them together (None or 0: no limit)
    needs: str = "cached"  # the binary wheels' native needs: "cached", "fetch" or "off" (native/lock_needs.py)
    # simple APIs asked before every other layer, in order; per project the first that has it wins
    extra_index_urls: List[str] = field(default_factory=list)
    accelerator: Optional[str] = None  # "cpu", "cuda", or None: what the locked wheels say (accelerator.py)

    def index_dirs(self) -> List[Path]:
        """The local layers in order: ``index`` (the embedded data/ when unset), then ``extra_indexes``."""
        from mach_nix.index.storage.store import default_index_dir

        given = self.index if isinstance(self.index, list) else ([self.index] if self.index is not None else [])
        return [Path(p) for p in (given or [default_index_dir()])] + [Path(p) for p in self.extra_indexes]

    def open_index(self) -> LayeredIndex:
        """The :class:`mach_nix.index.view.layers.LayeredIndex` of these options."""
        from mach_nix.index.view.layers import open_layers

        refresh: Union[bool, Set[str]] = True if self.refresh else set(self.refresh_packages)
        return open_layers(self.index_dirs(), offline=self.offline, index_url=self.index_url,
                           cache_dir=self.cache_dir, refresh=refresh, client_options=self.client_options(),
                           extra_index_urls=self.extra_index_urls)

    def client_options(self) -> Dict[str, Any]:
        """The network bounds of these options, as :class:`~mach_nix.index.client.pypi.PyPIClient` arguments."""
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
