"""Fetching ahead of the resolver, so a cold lock waits on the network, not on round trips.

Two read-aheads: :func:`start_prefetching` follows the newest releases' dependencies from the
roots down; :class:`ReadAhead` reads the metadata of the next releases a walk down one project's
releases may reach.

When the remote layer has a project's page, a worker reads the metadata of the file the resolver
will most likely take first (the newest acceptable release's best candidate for the target) and
starts fetching the pages of that file's dependencies which no local layer holds; and so on
down the tree. The resolver later finds those pages and files already read, or in flight.
Guesses that the resolution does not use cost requests but never change the result: the
resolver reads what it needs itself, in its own order.

Example: ``start_prefetching(index, target, providers, ["streamlit"])``
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Dict, List, Sequence, Tuple

from mach_nix.constants import PROVIDERS
from mach_nix.index.view.layers import ProjectView
from mach_nix.names import normalize
from mach_nix.resolve.contracts import index_view

if TYPE_CHECKING:
    from mach_nix.resolve.candidates import ProjectCandidates


def start_prefetching(index: Any, target: Any, providers: Dict[str, Tuple[str, ...]], roots: List[str]) -> None:
    """Hook prefetching into ``index``'s remote layer and start with the roots no local layer holds."""
    index = index_view(index)
    remote = index.remote
    if remote is None or remote.offline:
        return
    defaults = providers.get("_default", PROVIDERS)

    def on_project(name: str) -> None:
        from mach_nix.resolve.candidates import ProjectCandidates
        from mach_nix.resolve.requirements import parse_dependency

        view = index.project(name)
        if view is None or view.fill is None:
            return
        pc = ProjectCandidates(name, view, target, providers.get(name, defaults), None)
        deps = None
        for version, vstr in pc.versions:
            if version.is_prerelease and pc.has_final:
                continue
            cands = pc.candidates(vstr)
            if cands:
                deps = cands[0].deps
                break
        env = dict(target.environment, extra="")
        for text in deps or ():
            parsed = parse_dependency(text)
            if parsed is None:
                continue
            dep, _, _, marker = parsed
            try:
                if marker is not None and (type(marker) is tuple or not marker.evaluate(env)):
                    continue  # an extra's dependency, or not for this target
            except Exception:
                continue
            if extras or not index.holds_locally(dep):
                ask(dep)

    # with --extra-index-url, every project may be an extra index's, so even those a local layer holds are asked
    extras = bool(index.extras)
    ask = index.prefetch
    for layer in index.remotes():
        layer.on_project = on_project
    for name in roots:
        if extras or not index.holds_locally(normalize(name)):
            ask(name)


class ReadAhead:
    """While a walk goes down the releases of a project read on demand, start reading the next
    ones' metadata in the background: after the j-th release visited, up to 2**j more (at most
    32), so a walk that stops at the newest release costs no extra request and a long walk (40
    releases that all fail the same way) waits for a few rounds of parallel requests, not 40.
    The releases are scanned once in all (a frontier moves down them): a walk through botocore's
    1,400 releases stays linear.
    """

    __slots__ = ("pc", "fill_later", "visited", "frontier")

    def __init__(self, pc: "ProjectCandidates") -> None:
        self.pc = pc
        project = pc.project
        self.fill_later = project.fill_later if isinstance(project, ProjectView) and not project.offline else None
        self.visited = 0
        self.frontier = 0  # releases before this index have been considered for reading ahead

    def visit(self, versions: Sequence[Tuple[Any, str]], position: int, fits: Callable[[Any], bool]) -> None:
        """``versions[position]`` (newest first) is being looked at; ``fits`` tells which others the walk may reach."""
        if self.fill_later is None:
            return
        self.visited += 1
        if self.visited < 2:
            return
        want = min(1 << (self.visited - 1), 32)
        index = max(position + 1, self.frontier)
        while want > 0 and index < len(versions):
            version, other = versions[index]
            index += 1
            if not fits(version):
                continue
            want -= 1
            for cand in self.pc.candidates(other)[:1]:
                node = self.pc.metadata_source(other, cand)
                if node is not None:
                    self.fill_later(node)
        self.frontier = index
