"""A failed resolution as data (:class:`~mach_nix.errors.Failure`), beside the paragraph absent.py or explain.py writes.

The CLI writes it with ``--failure-json`` and the Nix library reads the absent projects from it,
so a reworded message never breaks what a program does with a failure.

Example: ``absent_failure(factory, roots, first="furo").to_json()["absent_projects"] == ["furo"]``
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Optional, Sequence

from mach_nix.errors import Failure
from mach_nix.resolve.absent import absent_projects, listed_absent
from mach_nix.resolve.explain import requirement_line
from mach_nix.specifiers import exact_pins


def absent_failure(factory: Any, roots: Sequence[Any], first: Optional[str] = None) -> Failure:
    """Every project (``first`` included) and release the requirements reach that no layer holds."""
    releases: Dict[str, Any] = {}
    names = set(absent_projects(factory, roots, releases))
    if first is not None:
        names.add(first)
    seeds = sorted(names)
    wanted = []
    for name, (text, _chain, _span, specifier) in sorted(releases.items()):
        wanted.append(text)
        pins = exact_pins(specifier)
        listed = listed_absent(factory, name, specifier)
        pin = pins[0] if len(pins) == 1 else (listed[0][0] if listed else None)
        seeds.append(f"'{name}=={pin}'" if pin else name)
    commands = [f"mach-nix index add {' '.join(seeds)} --closure --out DIR"] if seeds else []
    return Failure("absent", absent_projects=sorted(names), absent_releases=sorted(wanted), commands=commands)


def conflict_failure(factory: Any, causes: Iterable[Any]) -> Failure:
    """The requirements that conflicted, per project, each with the chain that asks for it."""
    by_name: Dict[str, List[str]] = {}
    for info in causes:
        line = requirement_line(factory, info.requirement, info.parent)
        lines = by_name.setdefault(info.requirement.name, [])
        if line not in lines:
            lines.append(line)
    return Failure("conflict", conflicts=[{"project": n, "requirements": r} for n, r in sorted(by_name.items())])


def budget_failure(factory: Any, conflicts: Sequence[Any]) -> Failure:
    """The requirements that conflicted most before the budget stopped the resolution."""
    out = []
    for name, _count, pairs in conflicts:
        lines: List[str] = []
        for req, parent in pairs:
            line = requirement_line(factory, req, parent)
            if line not in lines:
                lines.append(line)
        out.append({"project": name, "requirements": lines})
    return Failure("budget", conflicts=out)
