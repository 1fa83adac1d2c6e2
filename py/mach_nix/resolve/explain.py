"""Human explanations of failed resolutions: who requires what, and why versions were rejected.

What the index lacks is explained by absent.py; this module explains conflicts (resolvelib's
``ResolutionImpossible``) and resolutions stopped by their budget. ``factory`` is the
resolution's :class:`~mach_nix.resolve.factory.Factory`.

Example: ``explain_impossible(factory, causes)`` → ``"No set of packages satisfies the requirements
for CPython 3.11 on x86_64-linux. What is required, and by whom: …"``
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Sequence

from mach_nix.resolve.absent import absent_hint, index_text, release_hint, version_span
from mach_nix.resolve.reasons import release_reason, summarize_reasons
from mach_nix.specifiers import is_exact_pin

MAX_VERSIONS = 6
MAX_CHAINS_PER_PARENT = 2


def _strs(pc: Any, versions: Sequence[Any]) -> List[str]:
    wanted = set(versions)
    return [vstr for v, vstr in pc.versions if v in wanted]


def _rejections(factory: Any, name: str, specs: Sequence[Any], any_of: bool = False) -> List[str]:
    """Versions matching the specifiers (all of them, or with ``any_of`` any one) that have no usable file."""
    pc = factory.project(name)
    groups: List[List[Any]] = []  # [newest, oldest, summary, rejections] of consecutive versions
    test = any if any_of else all
    for version, vstr in pc.versions:
        if specs and not test(s.contains(version, prereleases=True) for s in specs):
            continue
        cands, reasons = pc.classify(vstr)
        usable = [c for c in cands if (c.key, None) not in factory.pruned]
        if usable:
            continue
        reasons = reasons + [factory.pruned[(c.key, None)] for c in cands]
        summary = summarize_reasons(reasons)
        if groups and groups[-1][2] == summary:
            groups[-1][1] = vstr
        else:
            groups.append([vstr, vstr, summary, reasons])
    lines = ["    " + release_reason(f"{name} {new if new == old else f'{old} … {new}'}", reasons)
             for new, old, _, reasons in groups]
    return lines[:MAX_VERSIONS] + (["    …"] if len(lines) > MAX_VERSIONS else [])


def explain_impossible(factory: Any, causes: Iterable[Any]) -> str:
    """The message for resolvelib's ResolutionImpossible (conflict chains and rejected versions)."""
    by_name: Dict[str, List[Any]] = {}
    for info in causes:
        by_name.setdefault(info.requirement.name, []).append(info)
    parts: List[str] = []
    for name, infos in sorted(by_name.items()):
        pc = factory.project(name)
        lines = [f"  {name}:"]
        specs = []
        per_parent: Dict[str, List[str]] = {}  # parent name -> its versions, beyond the first shown
        for info in infos:
            req = info.requirement
            if req.pin_key is None:
                specs.append(req.specifier)
            shown = req.text if info.parent is None else f"{req.identifier}{req.specifier}" + _through(req)
            if info.parent is None:
                line = f"    {req.origin}: {shown}"
            else:
                seen = per_parent.setdefault(info.parent.name, [])
                seen.append(info.parent.vstr)
                if len(seen) > MAX_CHAINS_PER_PARENT:
                    continue
                chain = factory.chain_of(info.parent.identifier)
                via = " → ".join(chain + [f"{info.parent.name} {info.parent.vstr}"])
                line = f"    {via} requires {shown}"
            if line not in lines:
                lines.append(line)
        for parent, versions in sorted(per_parent.items()):
            rest = versions[MAX_CHAINS_PER_PARENT:]
            if rest:
                lines.append(f"    … and {len(rest)} more version(s) of {parent} with similar requirements")
        pins = [s for spec in specs for s in spec if is_exact_pin(s)]
        known = [v for _, v in pc.versions]
        span = version_span(pc)
        absent = [p.version for p in pins if not any(p.contains(v, prereleases=True) for v, _ in pc.versions)]
        matching = [v for v, _ in pc.versions if all(s.contains(v, prereleases=True) for s in specs)]
        if absent and known:
            lines.append(f"    {name} {absent[0]} is not in {index_text(factory)}, which holds {name} {span}. "
                         + absent_hint(name, absent[0], known, pc, factory))
        elif not matching:
            contradictory = len({str(p.version) for p in pins}) > 1  # two different == pins: no release can do
            lines.append(f"    no version of {name} in {index_text(factory)} satisfies all of these together "
                         f"(it holds {len(known)} version(s): {span})."
                         + ("" if contradictory else " " + release_hint(name, "VERSION", factory)))
        rejected = _rejections(factory, name, specs, any_of=bool(per_parent))
        if rejected:
            lines.append("    versions that match but cannot be used:")
            lines += rejected
            if matching and all(not pc.candidates(v) for v in _strs(pc, matching)):  # files rule them out, not deps
                lines.append(f"    The index holds a selection of {name}'s releases. "
                             + release_hint(name, "VERSION", factory))
        parts.append("\n".join(lines))
    return ("No set of packages satisfies the requirements for "
            f"CPython {factory.target.python} on {factory.target.system}. What is required, and by whom:\n"
            + "\n".join(parts)
            + "\nRelax one of the requirements above, change --python/--system, or allow other providers "
              "with --providers.")


def _through(req: Any) -> str:
    """`` (through opentelemetry-sdk 1.27.0)`` for a requirement a candidate implies, not states."""
    return f" (through {req.via})" if req.via else ""


def requirement_line(factory: Any, req: Any, parent: Any) -> str:
    if parent is None:
        return f"{req.origin}: {req.text}" if req.origin else req.text
    return f"{parent.name} {parent.vstr} requires {req.identifier}{req.specifier}{_through(req)}"


def explain_budget(factory: Any, exceeded: Any, conflicts: Sequence[Any]) -> str:
    """The message for a resolution stopped by its budget: the most conflicted requirements, what to relax.

    ``conflicts`` is :meth:`mach_nix.resolve.budget.ConflictReporter.most_conflicted`'s list.
    """
    text = (f"The resolution for CPython {factory.target.python} on {factory.target.system} stopped "
            f"{exceeded.what} without finding a solution")
    if not conflicts:
        return text + (". Nothing conflicted yet: the requirements pull in too much to resolve within the budget; "
                       f"raise {exceeded.option or 'the budget'} or narrow the requirements.")
    lines = [text + ". The requirements that conflicted most while backtracking:"]
    for name, count, pairs in conflicts:
        lines.append(f"  {name} ({count} conflict{'s' if count != 1 else ''}):")
        shown: Dict[str, None] = {}
        for req, parent in pairs:
            shown.setdefault(requirement_line(factory, req, parent), None)
            if len(shown) >= MAX_VERSIONS:
                break
        lines += [f"    {line}" for line in shown]
    names = ", ".join(name for name, _, _ in conflicts)
    raise_it = f", or raise {exceeded.option}" if exceeded.option else ""
    parents = _tried_most(conflicts)
    pin = (f"pin {' or '.join(parents)} (whose releases were tried one after another) to a version you know "
           "works, or " if parents else "")
    lines.append(f"To finish, {pin}relax one of the requirements on {names}{raise_it}.")
    return "\n".join(lines)


def _tried_most(conflicts: Sequence[Any], limit: int = 3) -> List[str]:
    """The packages whose releases brought the conflicting requirements most often (the roots excluded)."""
    counts: Dict[str, int] = {}
    for _, _, pairs in conflicts:
        for _, parent in pairs:
            if parent is not None:
                counts[parent.name] = counts.get(parent.name, 0) + 1
    return [name for name, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]]
