"""How much of what binary wheels need the soname table (overrides/sonames.json) maps: for every
soname the recorded wheels need that is neither a manylinux-set nor a driver library nor shipped by
a wheel of the needing project's family, whether the table maps it, and how many wheels need it
from an importable module or only from plugins.

A wheel of another project ships a soname for the needer's family when that project is one of the
needer's dependencies (``depends``: the names in any of its Requires-Dist lists) or their names
are related (``torch`` / ``torchvision``, ``tensorflow`` / ``tensorflow-text``): torchvision's
need of ``libc10.so`` is torch's, while pymsalruntime's need of ``libcurl.so.4`` is not semgrep's
copy of it.

Example (``python -m mach_nix.native.coverage`` prints it for data/needs/)::

    report = coverage(table_entries(NeedsTable(Path("data/needs"))), SONAMES)
    report.rows[0]   # Row(soname="libz.so.1", decided="mapped", module=226, plugin=35, shipped_by=(...), ...)
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Dict, FrozenSet, Iterable, Iterator, List, Mapping, Set, Tuple

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from mach_nix.native.needs import MODULE, PLUGIN, Summary
from mach_nix.native.needs_table import NeedsTable

Depends = Callable[[str], FrozenSet[str]]  # project -> the projects it may depend on


@dataclass(frozen=True)
class Row:
    """One soname: what the table decides for it (:func:`decision`), how many wheels need it from
    a module, how many only from plugins, and two hints (not sources): the unrelated projects that
    ship a copy of it, and the needers' dependencies named after it (``libmlx.so`` and mlx's
    ``mlx-cpu``: a wheel the table does not hold yet, likely the one that ships it)."""

    soname: str
    decided: str  # "mapped", "interpreter", "unmapped" (on purpose, with a reason) or "undecided"
    module: int
    plugin: int
    shipped_by: Tuple[str, ...]
    dependencies: Tuple[str, ...] = ()

    @property
    def mapped(self) -> bool:
        """Whether the table maps the soname to nixpkgs attributes."""
        return self.decided == "mapped"


def decision(soname: str, sonames: Mapping[str, Any]) -> str:
    """What overrides/sonames.json decides for a soname a wheel needs outside manylinux and the
    driver: ``mapped`` (to attributes), ``interpreter`` (a libpython: the environment's own, or
    another Python's that only modules for that Python need), ``unmapped`` (left out on purpose:
    ``nixpkgs.unmapped`` names it, globs allowed, with the reason) or ``undecided``.

    Example: ``decision("libQt6Core.so.6", table) == "unmapped"``
    """
    if soname in sonames["sonames"]:
        return "mapped"
    if re.fullmatch(sonames["interpreter"], soname):
        return "interpreter"
    for entry in sonames["nixpkgs"].get("unmapped", ()):
        if any(fnmatch.fnmatchcase(soname, pattern) for pattern in entry["sonames"]):
            return "unmapped"
    return "undecided"


@dataclass(frozen=True)
class Report:
    """The rows (most module needs first) and wheel counts: ``wheels`` with a need the report
    counts, ``covered`` those whose every such module need the table maps."""

    rows: Tuple[Row, ...]
    wheels: int
    covered: int


def project_of(filename: str) -> str:
    """The canonical project name of a wheel file. Example: ``project_of("Torch_X-1-py3-none-any.whl") == "torch-x"``"""
    return canonicalize_name(filename.split("-", 1)[0])


def related(a: str, b: str) -> bool:
    """Whether two projects' names say they are of one family (one name starts the other, or their
    first words agree). Example: ``related("torch", "torchvision") and not related("semgrep", "zstd")``"""
    return a.startswith(b) or b.startswith(a) or a.split("-", 1)[0] == b.split("-", 1)[0]


def named_after(soname: str, project: str) -> bool:
    """Whether a project's name holds a word (3 letters or more) of the soname's stem.
    Example: ``named_after("libQt6Core.so.6", "pyqt6-qt6") and not named_after("libz.so.1", "zlib-ng")``"""
    stem = soname[3:].split(".so", 1)[0] if soname.startswith("lib") else soname.split(".so", 1)[0]
    words = re.findall(r"[A-Z]?[a-z]+[0-9]*|[A-Z]+[0-9]*", stem)
    return any(len(w) >= 3 and w.lower() in project for w in words)


def table_entries(table: NeedsTable) -> Iterator[Tuple[str, Summary]]:
    """(filename, summary) of every wheel of a needs table."""
    for shard in sorted(table.metadata()["shards"]):
        for sha in sorted(table.shard(shard)):
            entry = table.shard(shard)[sha]
            summary = table.get(sha)
            assert summary is not None
            yield entry["filename"], summary


def index_depends(index: Any) -> Depends:
    """``depends`` read from an index (:class:`mach_nix.index.storage.store.Index`): the names of
    every Requires-Dist list of the project, any version, extras included."""
    def depends(project: str) -> FrozenSet[str]:
        record = index.project(project) or {}
        names = set()
        for requirements in record.get("deps", {}).values():
            for text in requirements:
                try:
                    names.add(canonicalize_name(Requirement(text).name))
                except InvalidRequirement:
                    continue
        return frozenset(names)
    return lru_cache(maxsize=None)(depends)


def provided(soname: str, sonames: Mapping[str, Any]) -> bool:
    """Whether a module's need of ``soname`` is met by what the table decides: mapped, a libpython,
    or a member of an ``anyOf`` family (the build gets one of its groups: lib/needs.nix).

    Example: ``provided("libavutil.so.61", table) and not provided("libmlx.so", table)``
    """
    return (decision(soname, sonames) in ("mapped", "interpreter")
            or any(soname in group for family in sonames.get("anyOf", ()) for group in family["groups"]))


def coverage(entries: Iterable[Tuple[str, Summary]], sonames: Mapping[str, Any],
             depends: Depends = lambda project: frozenset()) -> Report:
    """The coverage of ``sonames`` (overrides/sonames.json's content) over ``entries``.

    Example: ``coverage([("a-1-cp3-cp3-linux_x86_64.whl", Summary(("libfoo.so.1",)))], table).rows[0].mapped``
    """
    entries = list(entries)
    shippers: Dict[str, Set[str]] = {}
    for filename, summary in entries:
        for lib in summary.libs:
            shippers.setdefault(lib, set()).add(project_of(filename))
    skip = set(sonames["manylinux"]) | set(sonames["driver"])
    needers: Dict[str, Dict[str, int]] = {}
    named: Dict[str, Set[str]] = {}
    wheels = covered = 0
    for filename, summary in entries:
        project = project_of(filename)
        family = lambda soname: any(p != project and (related(p, project) or p in depends(project))
                                    for p in shippers.get(soname, ()))
        counted = {MODULE: [s for s in summary.module if s not in skip and not family(s)],
                   PLUGIN: [s for s in summary.plugin if s not in skip and not family(s)]}
        for use, names in counted.items():
            for soname in names:
                needers.setdefault(soname, {MODULE: 0, PLUGIN: 0})[use] += 1
                named.setdefault(soname, set()).update(p for p in depends(project) if named_after(soname, p))
        if counted[MODULE] or counted[PLUGIN]:
            wheels += 1
            covered += all(provided(s, sonames) for s in counted[MODULE])
    rows = [Row(s, decision(s, sonames), n[MODULE], n[PLUGIN], tuple(sorted(shippers.get(s, ()))),
                tuple(sorted(named[s]))) for s, n in needers.items()]
    rows.sort(key=lambda r: (-r.module, -r.plugin, r.soname))
    return Report(tuple(rows), wheels, covered)


def render(report: Report, least: int = 1) -> List[str]:
    """The report as text lines: a summary line, then one line per soname needed by ``least`` wheels or more."""
    mapped = [r for r in report.rows if r.mapped]
    module = [r for r in report.rows if r.module]
    undecided = [r for r in report.rows if r.decided == "undecided"]
    lines = [f"{len(report.rows)} sonames ({len(module)} needed by modules): {len(mapped)} mapped "
             f"({sum(r.mapped for r in module)} of the module ones), {len(undecided)} undecided; "
             f"{report.covered} of {report.wheels} wheels have every module need mapped"]
    lines += [f"{r.decided:11} {r.module:4} module {r.plugin:4} plugin-only  {r.soname}"
              + (f"  (a copy in: {', '.join(r.shipped_by)})" if r.shipped_by else "")
              + (f"  (a dependency named after it: {', '.join(r.dependencies)})" if r.dependencies else "")
              for r in report.rows if r.module + r.plugin >= least]
    return lines


def main(argv: Iterable[str] = ()) -> int:
    """``python -m mach_nix.native.coverage [LEAST]``: the report for the checkout's data/needs/ and
    overrides/sonames.json, with the embedded index's dependencies."""
    import json

    from mach_nix.index.storage.store import Index
    from mach_nix.native.needs_table import default_table_dir

    args = list(argv)
    root = Path(__file__).resolve().parents[3]
    sonames = json.loads((root / "overrides" / "sonames.json").read_text())
    index = Index.open(root / "data")
    report = coverage(table_entries(NeedsTable(default_table_dir())), sonames, index_depends(index))
    print("\n".join(render(report, int(args[0]) if args else 1)))
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1:]))
