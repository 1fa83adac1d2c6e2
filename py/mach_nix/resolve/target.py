"""The target environment: marker values and supported wheel tags, computed from arguments only.

Nothing is read from the host: ``Target.create("3.11", "aarch64-darwin")`` gives the same result on
any machine. Tags follow packaging.tags (PEP 425, PEP 600 manylinux with legacy aliases, then plain
``linux_<arch>``, abi3 forward compatibility, macOS versions, universal2), best first.
:func:`simple_marker` evaluates the usual environment markers of Requires-Dist without packaging.markers.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional, Tuple

from mach_nix.constants import DEFAULT_GLIBC, DEFAULT_MACOS, DEFAULT_PYTHON, DEFAULT_SYSTEM  # noqa: F401 (re-exported)
from mach_nix.errors import MachNixError

if TYPE_CHECKING:
    from mach_nix.shapes import LockTarget

SYSTEMS = ("x86_64-linux", "aarch64-linux", "x86_64-darwin", "aarch64-darwin")
# The CPython minor versions mach-nix knows, with the full version assumed for a bare "3.X"
# (python_full_version markers); pass 3.X.Y to override. 3.15.0 came out in October 2026.
DEFAULT_PATCH = {8: 20, 9: 23, 10: 18, 11: 13, 12: 11, 13: 5, 14: 0, 15: 0}
KNOWN_PYTHONS = tuple(f"3.{minor}" for minor in sorted(DEFAULT_PATCH))
# PEP 600 legacy aliases: manylinux_2_17 == manylinux2014 etc.
_LEGACY_MANYLINUX = {(2, 17): "manylinux2014", (2, 12): "manylinux2010", (2, 5): "manylinux1"}


class Target:
    """Python version + Nix system + libc/macOS versions the lock is for.

    Example: ``Target.create("3.11", "x86_64-linux").tag_priority["cp311-cp311-manylinux_2_28_x86_64"]``
    """

    def __init__(self, python: str, python_full: str, system: str, glibc: Optional[str], macos: Optional[str],
                 environment: Dict[str, str], tags: Tuple[str, ...], tag_priority: Dict[str, int]) -> None:
        self.python = python  # "3.11"
        self.python_full = python_full  # "3.11.13"
        self.system = system
        self.glibc = glibc
        self.macos = macos
        self.environment = environment  # PEP 508 marker values
        self.tags = tags  # supported wheel tags, best first
        self.tag_priority = tag_priority  # tag -> rank (lower is better)
        self.rank_cache: Dict[str, int] = {}  # "py-abi-platform" of a wheel filename -> best rank (candidates.py)

    @classmethod
    def create(cls, python: str = DEFAULT_PYTHON, system: str = DEFAULT_SYSTEM, glibc: Optional[str] = None,
               macos: Optional[str] = None) -> "Target":
        major, minor, full = _parse_python(python)
        if system not in SYSTEMS:
            raise MachNixError(f"--system {system!r} is not supported; use one of {', '.join(SYSTEMS)}.")
        arch, kernel = system.split("-")
        if kernel == "linux":
            if macos:
                raise MachNixError(f"--macos {macos} makes no sense for --system {system}; drop it.")
            glibc = glibc or DEFAULT_GLIBC
            _parse_two(glibc, "--glibc", DEFAULT_GLIBC)
        else:
            if glibc:
                raise MachNixError(f"--glibc {glibc} makes no sense for --system {system}; drop it.")
            macos = macos or DEFAULT_MACOS
            mac = _parse_two(macos, "--macos", DEFAULT_MACOS)
            if arch == "aarch64" and mac < (11, 0):
                raise MachNixError(f"--macos {macos}: Apple silicon (aarch64-darwin) needs macOS 11.0 or newer.")
        env = marker_environment(major, minor, full, arch, kernel)
        tags = tuple(_tags(major, minor, arch, kernel, glibc, macos))
        return cls(f"{major}.{minor}", full, system, glibc, macos, env, tags, {t: i for i, t in enumerate(tags)})

    def to_json(self) -> LockTarget:
        return {"python": self.python, "python_full": self.python_full, "implementation": "cpython",
                "system": self.system, "glibc": self.glibc, "macos": self.macos}


def _parse_python(text: str) -> Tuple[int, int, str]:
    m = re.match(r"^(?:python|cpython)?(\d)\.(\d+)(?:\.(\d+))?$", text.strip())
    if not m or int(m.group(1)) != 3 or int(m.group(2)) not in DEFAULT_PATCH:
        raise MachNixError(f"--python {text!r} is not a CPython version mach-nix knows; use one of "
                           f"{', '.join(KNOWN_PYTHONS)} (optionally with the patch level, e.g. 3.11.9).")
    major, minor = int(m.group(1)), int(m.group(2))
    patch = m.group(3) if m.group(3) is not None else str(DEFAULT_PATCH[minor])
    return major, minor, f"{major}.{minor}.{patch}"


def _parse_two(text: str, option: str, example: str) -> Tuple[int, int]:
    m = re.match(r"^(\d+)\.(\d+)$", text.strip())
    if not m:
        raise MachNixError(f"{option} {text!r} is not a MAJOR.MINOR version; write e.g. {example}.")
    return int(m.group(1)), int(m.group(2))


def marker_environment(major: int, minor: int, full: str, arch: str, kernel: str) -> Dict[str, str]:
    """PEP 508 marker values of the target (CPython on Linux or macOS).

    Example: ``marker_environment(3, 11, "3.11.9", "aarch64", "darwin")["platform_machine"] == "arm64"``
    """
    darwin = kernel == "darwin"
    return {
        "implementation_name": "cpython",
        "implementation_version": full,
        "os_name": "posix",
        "platform_machine": ("arm64" if arch == "aarch64" else arch) if darwin else arch,
        "platform_python_implementation": "CPython",
        "platform_release": "",
        "platform_system": "Darwin" if darwin else "Linux",
        "platform_version": "",
        "python_full_version": full,
        "python_version": f"{major}.{minor}",
        "sys_platform": "darwin" if darwin else "linux",
    }


def _platforms(arch: str, kernel: str, glibc: Optional[str], macos: Optional[str]) -> List[str]:
    if kernel == "linux":
        g_major, g_minor = _parse_two(glibc or DEFAULT_GLIBC, "--glibc", DEFAULT_GLIBC)
        lowest = 17 if arch == "aarch64" else 5  # aarch64 wheels start at manylinux2014
        out: List[str] = []
        for minor in range(g_minor, lowest - 1, -1):
            out.append(f"manylinux_{g_major}_{minor}_{arch}")
            legacy = _LEGACY_MANYLINUX.get((g_major, minor))
            if legacy:
                out.append(f"{legacy}_{arch}")
        # packaging.tags._linux_platforms and uv: a plain linux_<arch> wheel (built on some
        # distribution, not audited for manylinux; PyPI refuses them, other indexes such as
        # PyTorch's serve them) installs on Linux, ranked after every manylinux tag.
        return out + [f"linux_{arch}"]
    from packaging.tags import mac_platforms

    version = _parse_two(macos or DEFAULT_MACOS, "--macos", DEFAULT_MACOS)
    return list(mac_platforms(version, "arm64" if arch == "aarch64" else "x86_64"))


def _tags(major: int, minor: int, arch: str, kernel: str, glibc: Optional[str], macos: Optional[str]) -> List[str]:
    """packaging.tags' ``cpython_tags`` then ``compatible_tags`` for the platforms, as strings, without
    importing packaging.tags (with platform, logging and subprocess, a fifth of a lock's start-up).

    The order is packaging's for a GIL-enabled CPython ABI ``cpXY``: its ABI, ``abi3``, ``none`` on
    every platform; ``abi3`` of each older minor down to 3.2; ``pyXY``/``py3``/older ``py3Z`` with
    ``none`` on every platform; ``cpXY-none-any``; then ``none-any`` of the same ``py`` versions.
    """
    platforms = _platforms(arch, kernel, glibc, macos)
    cp = f"cp{major}{minor}"
    tags = [f"{cp}-{abi}-{p}" for abi in (cp, "abi3", "none") for p in platforms]
    tags += [f"cp{major}{older}-abi3-{p}" for older in range(minor - 1, 1, -1) for p in platforms]
    pys = [f"py{major}{minor}", f"py{major}"] + [f"py{major}{older}" for older in range(minor - 1, -1, -1)]
    tags += [f"{py}-none-{p}" for py in pys for p in platforms]
    tags += [f"{cp}-none-any"] + [f"{py}-none-any" for py in pys]
    return list(dict.fromkeys(t.lower() for t in tags))


# --- simple environment markers ------------------------------------------------------------------
# packaging.markers drags in its parser, packaging.utils and packaging.tags (logging, subprocess,
# sysconfig), a large part of a small lock's start-up. Index markers are nearly all comparisons of a
# few variables with a literal joined by and/or, evaluated here as packaging (>= 22) does; anything
# else (another variable, operator or shape) is left to packaging (simple_marker returns None).
_VERSION_VARIABLES = frozenset(("python_version", "python_full_version", "implementation_version"))
_STRING_VARIABLES = frozenset(("sys_platform", "platform_system", "platform_machine", "os_name",
                               "platform_python_implementation", "implementation_name"))
_VERSION_OPS = frozenset(("===", "==", "!=", "<=", ">=", "~=", "<", ">"))
# compiled on first use (re's cache), not at import: the floor of every command imports this module
_MARKER_TOKEN = r"""\s*(?:([()])|(and|or|not\s+in|in)(?![\w.])|(===|==|!=|<=|>=|~=|<|>)|'([^']*)'|"([^"]*)"|([A-Za-z_][\w.]*))"""
# token kinds: the groups of _MARKER_TOKEN (a single-quoted literal, group 4, counts as _LITERAL)
_PAREN, _WORD, _COMPARISON, _LITERAL, _NAME = 1, 2, 3, 5, 6
_Atom = Tuple[str, str, str, Any]  # (variable, operator, literal, Specifier for version comparisons)
_STRING_OPS = {  # what packaging does with strings; "has": ``"LITERAL" in VARIABLE``
    "==": lambda value, literal: value == literal, "!=": lambda value, literal: value != literal,
    "in": lambda value, literal: value in literal, "not in": lambda value, literal: value not in literal,
    "has": lambda value, literal: literal in value, "has not": lambda value, literal: literal not in value,
}


class SimpleMarker:
    """A parsed marker of the simple form: ``evaluate(env)`` as ``packaging.markers.Marker`` does.

    ``groups`` is the disjunction of conjunctions of atoms (and binds tighter than or); a nested
    parenthesized expression is a :class:`SimpleMarker` in place of an atom.
    """

    __slots__ = ("groups",)

    def __init__(self, groups: List[List[Any]]) -> None:
        self.groups = groups

    def evaluate(self, environment: Mapping[str, str]) -> bool:
        """Whether the marker holds in ``environment`` (every variable it names must be there).

        Example: ``simple_marker('python_version < "3.10"').evaluate({"python_version": "3.11"}) is False``
        """
        return any([all([_holds(item, environment) for item in group]) for group in self.groups])


def _holds(item: Any, environment: Mapping[str, str]) -> bool:
    if type(item) is SimpleMarker:
        return item.evaluate(environment)
    variable, op, literal, spec = item
    value = environment[variable]
    if variable == "extra":
        from mach_nix.names import normalize

        value = normalize(value) if value else ""
    if spec is not None:
        return spec.contains(value, prereleases=True)
    return _STRING_OPS[op](value, literal)


def simple_marker(text: str) -> Optional[SimpleMarker]:
    """The marker ``text`` parsed for :class:`SimpleMarker`, or None when it is not of the simple form.

    Example: ``simple_marker('sys_platform == "win32" or python_version < "3.8"')`` is a SimpleMarker;
    ``simple_marker('platform_release >= "5"')`` is None (packaging decides).
    """
    tokens: List[Tuple[int, str]] = []
    token = re.compile(_MARKER_TOKEN)
    pos = 0
    while pos < len(text):
        m = token.match(text, pos)
        if m is None or m.end() == pos:
            if text[pos:].strip():
                return None
            break
        kind = m.lastindex or 0
        tokens.append((_LITERAL if kind == 4 else kind, m.group(kind)))
        pos = m.end()
    parsed, end = _parse_or(tokens, 0)
    return parsed if parsed is not None and end == len(tokens) else None


def _parse_or(tokens: List[Tuple[int, str]], i: int) -> Tuple[Optional[SimpleMarker], int]:
    groups: List[List[Any]] = [[]]
    while True:
        item, i = _parse_item(tokens, i)
        if item is None:
            return None, i
        groups[-1].append(item)
        if i < len(tokens) and tokens[i] == (_WORD, "and"):
            i += 1
        elif i < len(tokens) and tokens[i] == (_WORD, "or"):
            groups.append([])
            i += 1
        else:
            return SimpleMarker(groups), i


def _parse_item(tokens: List[Tuple[int, str]], i: int) -> Tuple[Any, int]:
    """An atom or a parenthesized expression at ``tokens[i]``, and the index after it."""
    if i < len(tokens) and tokens[i] == (_PAREN, "("):
        inner, i = _parse_or(tokens, i + 1)
        if inner is None or i >= len(tokens) or tokens[i] != (_PAREN, ")"):
            return None, i
        return inner, i + 1
    if i + 3 > len(tokens):
        return None, i
    (k1, left), (k2, op), (k3, right) = tokens[i:i + 3]
    op = " ".join(op.split())  # "not   in" -> "not in"
    atom: Optional[_Atom] = None
    if k1 == _NAME and k3 == _LITERAL:  # VARIABLE OP "LITERAL"
        atom = _variable_atom(left, op, right, k2 == _COMPARISON)
    elif k1 == _LITERAL and k2 == _WORD and k3 == _NAME and op in ("in", "not in") and right in _STRING_VARIABLES:
        atom = (right, "has" if op == "in" else "has not", left, None)
    return (atom, i + 3) if atom is not None else (None, i)


def _variable_atom(variable: str, op: str, literal: str, comparison: bool) -> Optional[_Atom]:
    if variable in _VERSION_VARIABLES and comparison and op in _VERSION_OPS:
        from packaging.specifiers import InvalidSpecifier, Specifier

        try:
            return (variable, op, literal, Specifier(f"{op}{literal}"))
        except InvalidSpecifier:
            return None
    if op in ("in", "not in") and (variable in _STRING_VARIABLES or variable in _VERSION_VARIABLES):
        return (variable, op, literal, None)  # not a version comparison, for packaging either
    if op not in ("==", "!="):
        return None
    if variable in _STRING_VARIABLES:
        return (variable, op, literal, None)
    if variable == "extra":
        from mach_nix.names import normalize

        return (variable, op, normalize(literal), None)
    return None
