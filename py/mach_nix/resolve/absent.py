"""Explanations of what the index lacks: absent projects, absent releases, and how to fetch them.

A project missing from the index, or a pinned version newer than the index, is reported as such
(with the index's date and how to refresh it), not as a conflict; offline, every project and
release the requirements reach that the layers lack is named at once, with the command that
fetches them. ``factory`` is the resolution's :class:`~mach_nix.resolve.factory.Factory`.

Example: ``explain_absent(factory, "furo", ["docs.txt, line 3: furo"])`` →
``"'furo' is not in the index at … Did you mean …? Add it with `mach-nix index add furo …`"``
"""

from __future__ import annotations

from collections import deque
from typing import Any, Dict, List, Optional, Sequence, Tuple

from mach_nix.names import normalize
from mach_nix.specifiers import exact_pins


def index_text(factory: Any) -> str:
    index = factory.index
    created = index.metadata.get("created_at", "?")
    text = f"the index at {index.directory} (created {created})"
    remote = index.remote
    if remote is None:
        return text
    if remote.offline:
        return f"{text}, the other index layers, or the cache of {remote.index_url} (--offline)"
    return f"{text}, the other index layers, or {remote.index_url}"


def _refresh_hint(names: str, factory: Any) -> str:
    remote = factory.index.remote
    if remote is not None and remote.offline:
        reasons = [why for why in map(remote.cache.reason, names.split()) if why]
        failed = (f" The cache holds a copy that failed its check ({'; '.join(dict.fromkeys(reasons))}): it is "
                  "not used.") if reasons else ""
        return (f"{failed} Lock once without --offline to fetch {'them' if ' ' in names else 'it'} from "
                f"{remote.index_url} into the cache (with --refresh to re-read what it holds), or make a local "
                f"layer with `mach-nix index add {names} --closure --out DIR` and pass --extra-index DIR.").lstrip()
    if remote is not None:
        return (f"{remote.index_url} does not list {'them' if ' ' in names else 'it'} either: check the spelling, "
                "or pass --index-url for the index that has it (--refresh re-reads pages the cache holds).")
    return (f"Add {'them' if ' ' in names else 'it'} with `mach-nix index add {names} --closure --out DIR` and pass "
            "--extra-index DIR, or refresh the index with `mach-nix index update DIR`.")


MAX_SUGGESTED = 10  # absent names a message looks for similar names of


class Suggestions:
    """"Did you mean" for the absent names of one message: the index's names are listed once (a
    walk of every shard), and only the first ``MAX_SUGGESTED`` names asked get suggestions, so a
    message about thousands of absent names costs one walk and ten comparisons with every name.

    Example: ``similar = Suggestions(index); similar("reqeusts") == ["requests"]``
    """

    def __init__(self, index: Any) -> None:
        self._index = index
        self._names: Optional[List[str]] = None
        self.asked = 0

    def __call__(self, name: str, limit: int = 3) -> List[str]:
        if self.asked >= MAX_SUGGESTED:
            return []
        self.asked += 1
        if self._names is None:
            try:
                self._names = list(self._index.names())
            except Exception:  # a suggestion must never turn a clear error into another one
                self._names = []
        import difflib  # only a failed lock suggests names: a successful one does not load it

        return difflib.get_close_matches(normalize(name), self._names, n=limit, cutoff=0.75)


MAX_ABSENT_SCAN = 5000  # projects the scan for other absent names visits at most


MAX_LISTED = 50  # absent projects a message names one by one


def explain_absent(factory: Any, name: str, chain: Sequence[str], roots: Sequence[Any] = ()) -> str:
    """Message for a project that is not in the index (and not in the nixpkgs map), naming every other
    absent project the newest candidates reach too (:func:`absent_projects`), so that one run shows all."""
    others = {n: c for n, c in absent_projects(factory, roots).items() if n != name}
    similar = Suggestions(factory.index)
    if not others:
        who = " → ".join(chain) if chain else "the requirements"
        text = f"{name!r} is not in {index_text(factory)}; it is required by: {who}."
        guesses = similar(name)
        if guesses:
            text += f" Did you mean {', '.join(repr(s) for s in guesses)}?"
        return text + " " + _refresh_hint(name, factory)
    absent = {name: list(chain), **others}
    listed = sorted(absent.items())[:MAX_LISTED]
    lines = [f"{len(absent)} projects are not in {index_text(factory)}:"]
    for absent_name, absent_chain in listed:
        guesses = similar(absent_name)
        guess = f" (did you mean {', '.join(repr(s) for s in guesses)}?)" if guesses else ""
        lines.append(f"  {absent_name!r}{guess}, required by: {' → '.join(absent_chain) or 'the requirements'}")
    if len(absent) > len(listed):
        lines.append(f"  … and {len(absent) - len(listed)} more")
    lines.append(_refresh_hint(" ".join(n for n, _ in listed), factory))
    return "\n".join(lines)


def explain_offline_absent(factory: Any, roots: Sequence[Any]) -> str:
    """Offline, every project and release the requirements reach that the layers and the cache lack,
    at once, each with the chain that needs it, and what to run; "" when no release is lacking
    (then it is a real conflict, or absent projects only, which :func:`explain_absent` reports).

    Example: ``"'furo', required by: …"`` and ``"django<3: no release in the layers (they hold 3.2.25 … 6.1.3)"``
    """
    remote = factory.index.remote
    if remote is None or not remote.offline:
        return ""
    releases: Dict[str, Tuple[str, List[str], str, Any]] = {}
    absent = absent_projects(factory, roots, releases)
    if not releases:
        return ""  # absent projects only: explain_absent names them all
    count = len(absent) + len(releases)
    lines = [f"{count} requirement{'s' if count > 1 else ''} need{'' if count > 1 else 's'} a project or release "
             f"that is not in {index_text(factory)}:"]
    for name, chain in sorted(absent.items()):
        lines.append(f"  project {name!r}, required by: {' → '.join(chain) or 'the requirements'}")
    pins: Dict[str, str] = {}
    for name, (text, chain, span, specifier) in sorted(releases.items()):
        listed = listed_absent(factory, name, specifier)
        known = f"; {listed_text(listed)}" if listed is not None else ""
        lines.append(f"  a release of {name} for {text} (the layers hold {span}{known}), required by: {' → '.join(chain)}")
        exact = exact_pins(specifier)
        pins[name] = exact[0] if len(exact) == 1 else (listed[0][0] if listed else "VERSION")
    seeds = " ".join(sorted(absent) + [f"'{n}=={pin}'" for n, pin in sorted(pins.items())])
    lines.append(f"Lock once without --offline to fetch them from {remote.index_url} into the cache, or make a local "
                 f"layer with `mach-nix index add {seeds} --closure --out DIR` and pass --extra-index DIR.")
    return "\n".join(lines)


def explain_missed(factory: Any, name: str, locked: Any) -> Optional[str]:
    """Offline, a warning when newer releases of ``name`` than the ``locked`` version were passed over
    because they, or a dependency of theirs, are releases PyPI lists that the layers lack; else None.

    Example: ``"mnx-plot 3.7 is newer than the locked 1.0 and may fit with releases PyPI lists that the
    layers lack (mnx-plot==3.7). Lock once without --offline …"``
    """
    from mach_nix.resolve.candidates import parse_version

    passed = [(version, v, fetch) for v, fetch in factory.missed.get(name, {}).items()
              if (version := parse_version(v)) is not None and version > locked.version]
    newer = [(v, fetch) for _, v, fetch in sorted(passed, key=lambda item: item[0], reverse=True)]
    if not newer:
        return None
    remote = factory.index.remote
    where = f" from {remote.index_url}" if remote is not None else ""
    fetch = sorted(dict.fromkeys(f for _, f in newer))
    seeds = " ".join(f"'{f}'" for f in fetch)
    return (f"{name} {newer[0][0]} is newer than the locked {locked.vstr} and may fit with releases PyPI lists that "
            f"the layers lack ({', '.join(fetch)}). Lock once without --offline to fetch them{where}, or make a "
            f"local layer with `mach-nix index add {seeds} --closure --out DIR` and pass --extra-index DIR.")


def listed_absent(factory: Any, name: str, specifier: Any) -> Optional[List[Tuple[str, str]]]:
    """(version, upload day) of the releases PyPI listed when a layer was built (its ``versions``
    table) that match ``specifier`` but that no layer holds, newest first; None without such a table.

    Example: ``listed_absent(factory, "sqlalchemy", SpecifierSet("==1.3.24")) == [("1.3.24", "2021-03-19")]``
    """
    from mach_nix.resolve.candidates import parse_version

    view = factory.index.project(name)
    if view is None or "versions" not in view:
        return None
    held = view["releases"]
    found = []
    for vstr, day in view["versions"].items():
        version = parse_version(vstr)
        if version is not None and vstr not in held and specifier.contains(version, prereleases=True):
            found.append((version, vstr, day))
    return [(vstr, day) for _, vstr, day in sorted(found, reverse=True)]


def listed_text(listed: Optional[List[Tuple[str, str]]]) -> str:
    """``"PyPI lists 1.3.24 (uploaded 2021-03-19)"``, or for several the count and the newest; what
    an empty table says; "" without a table."""
    if listed is None:
        return ""
    if not listed:
        return "PyPI listed no such release when the index was built"
    vstr, day = listed[0]
    when = f" (uploaded {day})" if day else ""
    if len(listed) == 1:
        return f"PyPI lists {vstr}{when}"
    return f"PyPI lists {len(listed)} such releases, the newest {vstr}{when}"


def version_span(pc: Any) -> str:
    """The oldest and newest version the layers hold of a project (``"3.2.25 … 6.1.3"``), or ``none``."""
    known = [v for _, v in pc.versions]
    return f"{known[-1]} … {known[0]}" if len(known) > 1 else (known[0] if known else "none")


def absent_projects(factory: Any, roots: Sequence[Any],
                    releases: Optional[Dict[str, Tuple[str, List[str], str, Any]]] = None
                    ) -> Dict[str, List[str]]:
    """Every project the newest acceptable candidates reach from ``roots`` that the index lacks, with
    the chain that reaches it (root first). A scan, not a resolution: each project is visited once,
    through its newest version that satisfies the first requirement met (at most MAX_ABSENT_SCAN).

    Example: ``absent_projects(factory, roots) == {"furo": ["docs.txt, line 3: furo"]}``
    """
    absent: Dict[str, List[str]] = {}
    seen: set = set()
    queue = deque((req, [f"{req.origin}: {req.text}" if req.origin else req.text]) for req in roots)
    while queue and len(seen) < MAX_ABSENT_SCAN:
        req, chain = queue.popleft()
        key = (req.name, req.extra)
        if key in seen:
            continue
        seen.add(key)
        pc = factory.project(req.name)
        if not pc.versions:
            if req.name not in factory.request.nixpkgs:
                absent.setdefault(req.name, chain)
            continue
        cand = _newest_candidate(pc, req)
        if cand is None:
            if releases is not None and (not any(req.specifier.contains(v, prereleases=True) for v, _ in pc.versions)
                                         or req.name in factory.listed_needed):
                releases.setdefault(req.name, (req.text.split(";")[0].strip(), chain, version_span(pc), req.specifier))
            continue
        for dep in factory.dependencies_of(cand.with_extra(req.extra) if req.extra else cand):
            if dep.name != req.name:
                queue.append((dep, chain + [f"{cand.name} {cand.vstr} requires {dep.text}"]))
    return absent


def _newest_candidate(pc: Any, req: Any) -> Any:
    for version, vstr in pc.versions:
        if req.specifier.contains(version, prereleases=True):
            cands, _ = pc.classify(vstr)
            if cands:
                return cands[0]
    return None


def absent_hint(name: str, version: str, known: List[str], pc: Any, factory: Any) -> str:
    from packaging.specifiers import SpecifierSet

    from mach_nix.resolve.candidates import parse_version

    wanted = parse_version(version)
    newest = pc.versions[0][0] if pc.versions else None
    listed = listed_absent(factory, name, SpecifierSet(f"=={version}")) if wanted is not None else None
    if listed is not None:
        if listed:
            return f"{listed_text(listed)}; the index holds a selection of releases. " + release_hint(name, version, factory)
        if newest is not None and wanted < newest:
            return (f"PyPI did not list {name} {version} when the index was built: check the version. "
                    + release_hint(name, version, factory))
    if wanted is not None and newest is not None and wanted < newest:
        return ("The index holds a selection of releases (the recent ones and the newest of each older series). "
                + release_hint(name, version, factory))
    return "If it was released after the index was built, the index is out of date. " + release_hint(name, version, factory)


def release_hint(name: str, version: str, factory: Any) -> str:
    """What to run for a release the layers lack (``version`` may be ``VERSION``, a placeholder)."""
    remote = factory.index.remote
    add = f"`mach-nix index add '{name}=={version}' --out DIR` and pass --extra-index DIR"
    if remote is not None and remote.offline:
        return f"Lock once without --offline to fetch it from {remote.index_url}, or add it with {add}."
    if remote is not None:
        return f"{remote.index_url} does not list it either; or add it from elsewhere with {add}."
    return f"Add it with {add}."
