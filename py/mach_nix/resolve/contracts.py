"""What the resolver needs of an index, as typed contracts (instead of ``Any`` probed with ``getattr``).

:class:`IndexView` is what the provider, the look-ahead and the explanations read: projects, the
remote layer's releases on demand (``extend``), and the remote layer itself (``None`` for a closed
world). :class:`~mach_nix.index.view.layers.LayeredIndex` offers it; :func:`index_view` gives any single
index (a store :class:`~mach_nix.index.storage.store.Index` or a :class:`~mach_nix.index.storage.lazy_index.LazyIndex`)
the same shape as one layer without a remote.

Example::

    view = index_view(LazyIndex(Index.open(Path("data"))))
    view.extend("django") is None        # no remote layer: nothing beyond the layer
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, Iterator, Optional, Protocol

if TYPE_CHECKING:
    from mach_nix.index.view.layers import ProjectView


class RemoteLayer(Protocol):
    """The remote layer as the resolver's messages see it."""

    offline: bool
    index_url: str


class IndexView(Protocol):
    """An index as the resolver reads it (see the module docstring)."""

    directory: Path
    metadata: Dict[str, Any]

    @property
    def remote(self) -> Optional[RemoteLayer]: ...

    def project(self, name: str) -> "Optional[ProjectView]": ...

    def extend(self, name: str) -> "Optional[ProjectView]": ...

    def names(self) -> Iterator[str]: ...


def index_view(index: Any) -> IndexView:
    """``index`` itself when it is layered already, else a one-layer view of it without a remote.

    Example: ``index_view(Index.open(Path("tests/data/index-small"))).remote is None``
    """
    from mach_nix.index.view.layers import LayeredIndex

    if isinstance(index, LayeredIndex):
        return index
    return LayeredIndex([index])
