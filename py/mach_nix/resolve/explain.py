"""Human explanations of failed resolutions: who requires what, and why versions were rejected.

A project missing from the index, or a pinned version newer than the index, is reported as such
(with the index's date and how to refresh it), not as a conflict.
"""

from __future__ import annotations

import difflib
from typing import Any, Dict, List, Sequence

from mach_nix.names import normalize

MAX_VERSIONS = 6


def _index_text(provider: Any) -> str:
    index = provider.index
    created = index.metadata.get("created_at", "?")
    return f"the index at {index.directory} (created {created})"


def _refresh_hint(name: str) -> str:
    return (f"Refresh it with `mach-nix index update DIR`, or add the project with "
            f"`mach-nix index build --packages {name} --out DIR`, then pass --index DIR.")


def close_names(index: Any, name: str, limit: int = 3) -> List[str]:
    """Index names similar to ``name`` (difflib over all names; loads every shard, only on error).

    Example: ``close_names(index, "reqeusts") == ["requests"]``
    """
    try:
        names = list(index.names())
    except Exception:
        return []
    return difflib.get_close_matches(normalize(name), names, n=limit, cutoff=0.75)


def explain_absent(provider: Any, name: str, chain: Sequence[str]) -> str:
    """Message for a project that is not in the index (and not in the nixpkgs map)."""
    who = " → ".join(chain) if chain else "the requirements"
    text = f"{name!r} is not in {_index_text(provider)}; it is required by: {who}."
    similar = close_names(provider.index, name)
    if similar:
        text += f" Did you mean {', '.join(repr(s) for s in similar)}?"
    return text + " If it exists on PyPI, the index lacks it. " + _refresh_hint(name)


def _rejections(provider: Any, name: str, specs: Sequence[Any]) -> List[str]:
    pc = provider.project(name)
    lines: List[str] = []
    shown = 0
    for version, vstr in pc.versions:
        if specs and not all(s.contains(version, prereleases=True) for s in specs):
            continue
        if shown >= MAX_VERSIONS:
            lines.append("    …")
            break
        cands, reasons = pc.classify(vstr)
        if cands:
            continue
        shown += 1
        detail = "; ".join(reasons[:3]) + (f"; … ({len(reasons) - 3} more)" if len(reasons) > 3 else "")
        lines.append(f"    {name} {vstr}: {detail or 'no usable file'}")
    return lines


def explain_impossible(provider: Any, causes: Sequence[Any]) -> str:
    """The message for resolvelib's ResolutionImpossible (conflict chains and rejected versions)."""
    by_name: Dict[str, List[Any]] = {}
    for info in causes:
        by_name.setdefault(info.requirement.name, []).append(info)
    parts: List[str] = []
    for name, infos in sorted(by_name.items()):
        pc = provider.project(name)
        lines = [f"  {name}:"]
        specs = []
        for info in infos:
            req = info.requirement
            if req.pin_key is None:
                specs.append(req.specifier)
            if info.parent is None:
                line = f"    {req.origin}: {req.text}"
            else:
                chain = provider.chain_of(info.parent.identifier)
                via = " → ".join(chain + [f"{info.parent.name} {info.parent.vstr}"])
                line = f"    {via} requires {req.text}"
            if line not in lines:
                lines.append(line)
        pins = [s for spec in specs for s in spec if s.operator in ("==", "===") and "*" not in s.version]
        known = [v for _, v in pc.versions]
        absent = [p.version for p in pins if not any(p.contains(v, prereleases=True) for v, _ in pc.versions)]
        if absent and known:
            lines.append(f"    {name} {absent[0]} is not in {_index_text(provider)}, which knows {name} "
                         f"{known[-1]} … {known[0]}. If it was released later, the index is out of date. "
                         + _refresh_hint(name))
        elif not any(all(s.contains(v, prereleases=True) for s in specs) for v, _ in pc.versions):
            span = f"{known[-1]} … {known[0]}" if len(known) > 1 else (known[0] if known else "none")
            lines.append(f"    no version of {name} in {_index_text(provider)} satisfies all of these together "
                         f"(it knows {len(known)} version(s): {span})")
        rejected = _rejections(provider, name, specs)
        if rejected:
            lines.append("    versions that match but cannot be used:")
            lines += rejected
        parts.append("\n".join(lines))
    return ("Cannot find a set of packages that satisfies the requirements for "
            f"CPython {provider.target.python} on {provider.target.system}. Conflicting requirements:\n"
            + "\n".join(parts)
            + "\nRelax one of the requirements above, change --python/--system, or allow other providers "
              "with --providers.")
