"""What the resolver is given, as typed contracts: the index it reads, and the request it resolves.

:class:`IndexView` is what the provider, the look-ahead and the explanations read: projects, the
remote layer's releases on demand (``extend``), and the remote layer itself (``None`` for a closed
world). :class:`~mach_nix.index.view.layers.LayeredIndex` offers it; :func:`index_view` gives any single
index (a store :class:`~mach_nix.index.storage.store.Index` or a :class:`~mach_nix.index.storage.lazy_index.LazyIndex`)
the same shape as one layer without a remote. :class:`ResolveRequest` is the rest of what one
resolution needs: its :class:`Root` requirements, constraints and provider choices.

Example::

    view = index_view(LazyIndex(Index.open(Path("data"))))
    view.extend("django") is None        # no remote layer: nothing beyond the layer
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Dict, FrozenSet, Iterator, List, Optional, Protocol, Sequence, Tuple

from packaging.specifiers import SpecifierSet

from mach_nix.resolve.specs import interned

if TYPE_CHECKING:
    from mach_nix.index.view.layers import ProjectView


class RemoteLayer(Protocol):
    """A remote layer (PyPI's simple API, or an extra index) as the resolver, the read-ahead and the
    messages see it: ``on_project`` is called with each project page it reads."""

    offline: bool
    index_url: str
    cache: Any  # its cache index: ``cache.reason(name)`` says why a cached copy was not used
    on_project: Optional[Callable[[str], None]]

    def prefetch(self, name: str) -> None: ...


class IndexView(Protocol):
    """An index as the resolver reads it (see the module docstring)."""

    directory: Path
    metadata: Dict[str, Any]

    @property
    def remote(self) -> Optional[RemoteLayer]: ...

    def project(self, name: str) -> "Optional[ProjectView]": ...

    def extend(self, name: str) -> "Optional[ProjectView]": ...

    def names(self) -> Iterator[str]: ...

    @property
    def extras(self) -> Sequence[RemoteLayer]: ...  # --extra-index-url layers, asked first

    def remotes(self) -> Sequence[RemoteLayer]: ...  # the extras, then the remote layer

    def holds_locally(self, name: str) -> bool: ...

    def prefetch(self, name: str) -> None: ...


def index_view(index: Any) -> IndexView:
    """``index`` itself when it is layered already, else a one-layer view of it without a remote.

    Example: ``index_view(Index.open(Path("tests/data/index-small"))).remote is None``
    """
    from mach_nix.index.view.layers import LayeredIndex

    if isinstance(index, LayeredIndex):
        return index
    return LayeredIndex([index])


@dataclass(frozen=True, slots=True)
class Root:
    """One requirement of the user: a project, its extras, a specifier, and where it was written.

    Example: ``Root("requests", ("socks",), SpecifierSet(">=2"), "requirements.txt, line 1").text ==
    "requests[socks]>=2"``
    """

    name: str
    extras: Tuple[str, ...]
    specifier: SpecifierSet
    origin: str

    def __post_init__(self) -> None:
        # the resolver's memo tables key specifiers by the id parse_specifier gives them
        object.__setattr__(self, "specifier", interned(self.specifier))

    @property
    def text(self) -> str:
        """The requirement as written back: ``name[extra,…]specifier``."""
        return self.name + (f"[{','.join(self.extras)}]" if self.extras else "") + str(self.specifier)

    @property
    def where(self) -> str:
        """``"origin: text"`` (the text alone without an origin), as messages name a root."""
        return f"{self.origin}: {self.text}" if self.origin else self.text


class ResolveRequest:
    """Everything one resolution needs besides the index (built by the lock command).

    Example: ``ResolveRequest(roots=[Root("requests", ("socks",), SpecifierSet(">=2"), "requirements.txt, line 1")])``
    """

    __slots__ = ("roots", "constraints", "providers", "nixpkgs", "allow_prereleases", "hashes", "direct", "preferred")

    def __init__(self, roots: List[Root], constraints: Optional[Dict[str, List[SpecifierSet]]] = None,
                 providers: Optional[Dict[str, Tuple[str, ...]]] = None,
                 nixpkgs: Optional[Dict[str, Dict[str, Any]]] = None, allow_prereleases: bool = False,
                 hashes: Optional[Dict[str, FrozenSet[str]]] = None, direct: Optional[Dict[str, str]] = None,
                 preferred: Optional[Dict[str, str]] = None) -> None:
        self.roots = roots
        self.constraints: Dict[str, List[SpecifierSet]] = {
            name: [interned(s) for s in specs if s is not None] for name, specs in (constraints or {}).items()}
        self.providers = providers or {}
        self.nixpkgs = nixpkgs or {}
        self.allow_prereleases = allow_prereleases
        self.hashes = hashes or {}
        self.direct = direct or {}  # name -> filename (name @ url)
        self.preferred = preferred or {}  # name -> version tried first (the pins of the lock being redone)
