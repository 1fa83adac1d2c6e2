"""Requirements as the provider hands them to resolvelib, and what a candidate requires.

Identifiers are normalized names, and ``name[extra]`` for each requested extra (one extra per
identifier); an extra-candidate depends on its base candidate pinned to the same file, so a
package resolves to one file whatever extras are asked for. Self-referencing extras
(``pkg[all]`` → ``pkg[a,b]``) become further ``pkg[a]`` identifiers.

Example::

    deps = Dependencies(target)
    [r.text for r in deps.of(candidate)] == ["idna<4,>=2.5", "urllib3<3,>=1.21.1", …]
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple

from packaging.specifiers import SpecifierSet

from mach_nix.names import normalize
from mach_nix.resolve.specs import EMPTY, InternedSpecifierSet, facts, interned, parse_specifier
from mach_nix.resolve.target import Target, simple_marker

if TYPE_CHECKING:
    from mach_nix.resolve.candidates import Candidate
    from mach_nix.resolve.contracts import Root


class Req:
    """A requirement on one identifier; ``origin`` says where it came from (for messages).

    ``pin_key`` pins an extra-candidate's base to the same file (a candidate key); ``via`` names
    the release a requirement is implied through (see forced.Implications).

    Example: ``Req("idna", parse_specifier("<4"), "idna<4", origin="requests 2.32.3").identifier == "idna"``
    """

    __slots__ = ("name", "extra", "specifier", "text", "pin_key", "origin", "is_pin", "identifier", "via")

    def __init__(self, name: str, specifier: SpecifierSet, text: str, extra: Optional[str] = None,
                 pin_key: Optional[tuple] = None, origin: str = "", via: Optional[str] = None) -> None:
        self.name = name
        self.extra = extra
        self.specifier: InternedSpecifierSet = interned(specifier)
        self.text = text
        self.pin_key = pin_key
        self.origin = origin
        self.identifier = f"{name}[{extra}]" if extra else name
        self.via = via  # e.g. "opentelemetry-sdk 1.27.0"
        self.is_pin = pin_key is not None or facts(self.specifier).is_pin

    def __repr__(self) -> str:
        return f"<Req {self.text}>"


def requirements_of_roots(roots: "List[Root]") -> List[Req]:
    """The requirements resolvelib starts from: one per root, and one per extra of it.

    Example: ``[r.identifier for r in requirements_of_roots([Root("a", ("x",), SpecifierSet(""), "cli")])] == ["a", "a[x]"]``
    """
    reqs: List[Req] = []
    for root in roots:
        text = root.text
        reqs.append(Req(root.name, root.specifier, text, origin=root.origin))
        for extra in root.extras:
            reqs.append(Req(root.name, root.specifier, text, extra=extra, origin=root.origin))
    return reqs


_DEP_RE = re.compile(
    r"^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[([^\]]*)\])?\s*\(?([^;()@]*?)\)?\s*(?:;\s*(.*?))?\s*$")
_EXTRA_MARKER_RE = re.compile(r"""^\(?\s*extra\s*==\s*['"]([^'"]+)['"]\s*\)?$""")


@lru_cache(maxsize=None)
def parse_marker(text: str) -> Any:
    """A marker: ``("extra", name)`` for the common ``extra == "x"`` form, a :class:`SimpleMarker`
    for the usual comparisons, else a packaging Marker.

    Example: ``parse_marker('extra == "socks"') == ("extra", "socks")``
    """
    m = _EXTRA_MARKER_RE.match(text)
    if m:
        return ("extra", normalize(m.group(1)))
    simple = simple_marker(text)
    if simple is not None:
        return simple
    from packaging.markers import Marker

    return Marker(text)


@lru_cache(maxsize=None)
def parse_dependency(text: str) -> Optional[Tuple[str, Tuple[str, ...], SpecifierSet, Any]]:
    """(normalized name, extras, specifier, marker) of a Requires-Dist string; None when malformed.

    A regex handles the usual shapes; anything unusual goes through packaging's full parser.

    Example: ``parse_dependency('idna<4; extra == "x"')[:3] == ("idna", (), SpecifierSet("<4"))``
    """
    m = _DEP_RE.match(text)
    if m:
        spec = parse_specifier(m.group(3).strip())
        if spec is None:
            # packaging's grammar takes the specifier with the same rules, so it would reject the
            # string too (e.g. old Django's "pytz (>dev)"); importing its parser costs more than a lock
            return None
        try:
            marker = parse_marker(m.group(4)) if m.group(4) else None
        except Exception:
            marker = False
        if marker is not False:
            extras = tuple(sorted(normalize(e.strip()) for e in (m.group(2) or "").split(",") if e.strip()))
            return normalize(m.group(1)), extras, spec, marker
    from packaging.requirements import Requirement

    try:
        req = Requirement(text)
    except ValueError:  # InvalidRequirement, or InvalidSpecifier that packaging lets escape
        return None
    spec = parse_specifier(str(req.specifier)) or EMPTY
    return normalize(req.name), tuple(sorted(normalize(e) for e in req.extras)), spec, req.marker


class Dependencies:
    """What candidates require for one target: markers evaluated, memoized per candidate and extra.

    Example: ``Dependencies(Target.create("3.11")).marker_ok(parse_marker('python_version < "3.8"'), "") is False``
    """

    def __init__(self, target: Target) -> None:
        self.target = target
        self._of: Dict[Tuple[tuple, Optional[str]], List[Req]] = {}
        # keyed by the marker object: parse_marker gives one per text, and the key keeps it alive
        self._markers: Dict[Tuple[Any, str], bool] = {}

    def marker_ok(self, marker: Any, extra: str) -> bool:
        """Whether a dependency with ``marker`` applies to the target, for ``extra`` ("" for the base)."""
        if marker is None:
            return not extra
        if type(marker) is tuple:  # ("extra", name)
            return marker[1] == extra
        key = (marker, extra)
        cached = self._markers.get(key)
        if cached is not None:
            return cached
        env = dict(self.target.environment)
        env["extra"] = extra
        try:
            hit = bool(marker.evaluate(env))
        except Exception:  # undefined names in a broken marker: treat the requirement as absent
            hit = False
        if extra and hit:
            # an extra-candidate only adds what the extra adds; the base candidate has the rest
            hit = not self.marker_ok(marker, "")
        self._markers[key] = hit
        return hit

    def of(self, candidate: "Candidate") -> List[Req]:
        """Requirements of a candidate for the target (memoized)."""
        key = (candidate.key, candidate.extra)
        cached = self._of.get(key)
        if cached is not None:
            return cached
        out: List[Req] = []
        extra = candidate.extra or ""
        where = f"{candidate.name} {candidate.vstr}"
        if extra:
            out.append(Req(candidate.name, parse_specifier(f"=={candidate.vstr}") or EMPTY,
                           f"{candidate.name}=={candidate.vstr}", pin_key=candidate.key, origin=where))
        for text in candidate.deps or ():
            parsed = parse_dependency(text)
            if parsed is None:
                continue  # a malformed Requires-Dist entry on PyPI: pip ignores such candidates' line too
            name, extras, spec, marker = parsed
            if not self.marker_ok(marker, extra):
                continue
            if name == candidate.name:
                pin = parse_specifier(f"=={candidate.vstr}") or EMPTY
                for e in extras:
                    if e != candidate.extra:
                        out.append(Req(name, pin, text, extra=e, origin=where))
                continue
            out.append(Req(name, spec, text, origin=where))
            for e in extras:
                out.append(Req(name, spec, text, extra=e, origin=where))
        self._of[key] = out
        return out
