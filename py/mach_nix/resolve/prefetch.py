"""Fetching ahead of the resolver, so a cold lock waits on the network, not on round trips.

When the remote layer has a project's page, a worker reads the metadata of the file the resolver
will most likely take first (the newest acceptable release's best candidate for the target) and
starts fetching the pages of that file's dependencies which no local layer holds; and so on
down the tree. The resolver later finds those pages and files already read, or in flight.
Guesses that the resolution does not use cost requests but never change the result: the
resolver reads what it needs itself, in its own order.

Example: ``start_prefetching(index, target, providers, ["streamlit"])``
"""

from __future__ import annotations

from typing import Any, Dict, List, Tuple

from mach_nix.names import normalize


def start_prefetching(index: Any, target: Any, providers: Dict[str, Tuple[str, ...]], roots: List[str]) -> None:
    """Hook prefetching into ``index``'s remote layer and start with the roots no local layer holds."""
    remote = getattr(index, "remote", None)
    if remote is None or remote.offline:
        return
    defaults = providers.get("_default", ("wheel", "sdist", "nixpkgs"))

    def on_project(name: str) -> None:
        from mach_nix.resolve.candidates import ProjectCandidates
        from mach_nix.resolve.provider import parse_dependency

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
    extras = bool(getattr(index, "extras", None))
    ask = getattr(index, "prefetch", remote.prefetch)
    for layer in getattr(index, "remotes", lambda: [remote])():
        layer.on_project = on_project
    for name in roots:
        if extras or not index.holds_locally(normalize(name)):
            ask(name)
