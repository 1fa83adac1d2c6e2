"""`mach-nix index add`: make or extend a project-local index layer.

A layer is an ordinary index directory (docs/index-format.md) holding a few projects the base
layers (by default the embedded data/) lack, or releases of them outside the default window
(``django==2.2.28``). It is passed to the resolver after the base (``mach-nix lock --index BASE
--index LAYER``, or ``indexes = [ ./mach-nix-index ]`` in Nix).

Example::

    from mach_nix.index.crawl.add import add_to_layer
    crawler = Crawler(PyPIClient(), WorkDir(tmp), Scope(since=default_since()))
    result = add_to_layer(crawler, ["django==2.2.28"], Path("mach-nix-index"), closure=True,
                          bases=[Index.open()])
    result.meta["projects"], result.skipped   # e.g. 3, ["asgiref"] (asgiref left to the base)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Set, Tuple

from mach_nix.errors import MachNixError
from mach_nix.index.crawl.crawler import Crawler
from mach_nix.index.crawl.scope import Seed, parse_seeds
from mach_nix.index.storage.merge import merge_records
from mach_nix.index.storage.schema import Project
from mach_nix.index.storage.store import Index


@dataclass
class AddResult:
    """What one `index add` did."""

    meta: Dict[str, Any]  # the metadata.json written
    added: List[str] = field(default_factory=list)  # projects crawled by this run (sorted)
    kept: List[str] = field(default_factory=list)  # projects the layer already had and keeps as they were
    skipped: List[str] = field(default_factory=list)  # dependencies left to a base layer (--closure)
    missing: List[str] = field(default_factory=list)  # names PyPI does not know
    failed: Dict[str, str] = field(default_factory=dict)  # project → why its crawl failed (run again)
    unpinned: Dict[str, List[str]] = field(default_factory=dict)  # project → ==pins PyPI has no release for


def _missing_pins(record: Project, pins: Set[str]) -> List[str]:
    """The ``==`` pins no release of ``record`` matches (compared as versions)."""
    from packaging.version import InvalidVersion, Version

    def parse(text: str) -> Any:
        try:
            return Version(text)
        except InvalidVersion:
            return text

    have = {parse(v) for v in record.get("releases", {})}
    return sorted(p for p in pins if parse(p) not in have)


def add_to_layer(
    crawler: Crawler,
    items: Sequence[str],
    out: Path,
    *,
    closure: bool = False,
    bases: Sequence[Index] = (),
    fmt: Optional[str] = None,
    created_at: Optional[str] = None,
) -> AddResult:
    """Crawl ``items`` (requirement strings: ``NAME``, ``NAME[EXTRA]``, ``NAME==V`` to include
    release V) with ``crawler`` and write them into the layer ``out``, atomically and verified.

    An existing index at ``out`` keeps every project and release it has: a project named again gets
    the union of its stored and its crawled releases. With ``closure``, the projects the added
    releases depend on (as ``mach-nix index build --closure`` follows them, extras included) are
    crawled too, except those a layer of ``bases`` or ``out`` itself already holds. ``crawler``'s
    scope must have ``closure = False``: the rounds are run here, so that held projects are skipped.
    ``fmt``: the form to write (default: the existing layer's, else json).
    """
    from mach_nix.index.crawl.publish import write_verified

    out = Path(out)
    existing, old_scope, fmt = _open_layer(out, fmt)
    seeds = parse_seeds(items)
    result = AddResult(meta={})

    def held(name: str) -> bool:
        return name in existing or any(base.project(name) is not None for base in bases)

    crawled = _crawl_rounds(crawler, seeds, closure, held, result)
    records = dict(existing)
    for name, record in crawled.items():
        records[name] = merge_records(existing[name], record) if name in existing else record
    for name in crawler.failed:  # a failed re-crawl keeps what the layer had
        if name in existing:
            records[name] = existing[name]
    old_seeds = list(old_scope.get("seeds", []))
    scope = {**crawler.scope.to_json(), "closure": closure, "layer": True,
             "seeds": sorted(set(old_seeds) | {i.split("#", 1)[0].strip() for i in items if i.strip()}),
             "missing": sorted(set(crawler.missing))}
    if bases:
        scope["bases"] = [str(base.directory) for base in bases]
    result.meta = write_verified(out, records, fmt or "json", {"scope": scope}, created_at=created_at)
    result.added = sorted(crawled)
    result.kept = sorted(set(existing) - set(crawled))
    result.skipped = sorted(set(result.skipped))
    result.missing = sorted(set(crawler.missing))
    result.failed = dict(crawler.failed)
    return result


def _open_layer(out: Path, fmt: Optional[str]) -> Tuple[Dict[str, Project], Dict[str, Any], Optional[str]]:
    """The projects and crawl scope of the layer at ``out`` (none if it is new), and the form to
    write (``fmt``, else the layer's); refuses a directory that holds something else."""
    from mach_nix.index.crawl.publish import recover

    recover(out)
    if out.exists() and not (out / "metadata.json").exists() and (not out.is_dir() or any(out.iterdir())):
        # The swap would replace it: never take a directory of something else for a layer.
        raise MachNixError(f"--out {out} exists and is not an index directory (it has no metadata.json), so `index add` "
                           "will not replace it; name a new directory (e.g. --out ./mach-nix-index) or an existing layer.")
    if not (out / "metadata.json").exists():
        return {}, {}, fmt
    layer = Index.open(out)
    scope = layer.metadata.get("scope")
    old_scope: Dict[str, Any] = scope if isinstance(scope, dict) else {}
    return dict(layer.iter_projects()), old_scope, fmt or layer.format


def _crawl_rounds(crawler: Crawler, seeds: Dict[str, Seed], closure: bool, held: Callable[[str], bool],
                  result: AddResult) -> Dict[str, Project]:
    """Crawl ``seeds``, then (with ``closure``) round after round what the crawled releases need
    that nothing ``held`` yet; records ==pins without a release and skipped dependencies in ``result``."""
    crawled: Dict[str, Project] = {}
    extras: Dict[str, Set[str]] = {name: set(seed.extras) for name, seed in seeds.items()}

    def expand(name: str, round_seeds: Dict[str, Seed]) -> None:
        """Queue (into ``round_seeds``) what ``name``'s releases need that nothing holds yet."""
        for dep, dep_extras in crawler.dependencies(crawled[name], extras.get(name, set())).items():
            if dep in seeds or dep in crawled or dep in round_seeds:
                if not dep_extras <= extras.setdefault(dep, set()):
                    extras[dep] |= dep_extras
                    if dep in crawled:
                        expand(dep, round_seeds)  # newly asked-for extras may name more projects
                    elif dep in round_seeds:
                        round_seeds[dep].extras |= dep_extras
            elif held(dep):
                result.skipped.append(dep)
            else:
                extras[dep] = set(dep_extras)
                round_seeds[dep] = Seed(dep, set(dep_extras))

    pending: Dict[str, Seed] = seeds
    while pending:
        got = crawler.run(pending)
        for name, record in got.items():
            crawled[name] = record
            if name in seeds and seeds[name].pins:
                absent = _missing_pins(record, seeds[name].pins)
                if absent:
                    result.unpinned[name] = absent
        if not closure:
            break
        following: Dict[str, Seed] = {}
        for name in sorted(got):
            expand(name, following)
        pending = following
    return crawled
