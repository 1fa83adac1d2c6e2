"""requirements.txt as pip reads it: comments, continuations, ``-r``/``-c`` includes, ``--hash``.

Options mach-nix cannot honour (``--index-url``, ``-e``, ``--find-links`` …) are errors or
warnings that name the line. ``name @ URL`` is accepted when the URL's file is in the index (the
resolver checks that); local paths and VCS URLs are errors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator, List, Optional, Set, Tuple

from mach_nix.errors import MachNixError, quoted
from mach_nix.inputs import InputFile, InputRequirement, InputSet
from mach_nix.inputs.files import read_input_text

if TYPE_CHECKING:
    from packaging.markers import Marker
    from packaging.specifiers import SpecifierSet

    from mach_nix.inputs import RequirementLike

# Options that change where pip looks for packages: harmless to ignore (the index decides), so warn.
_IGNORED_OPTIONS = {
    "--index-url", "-i", "--extra-index-url", "--no-index", "--find-links", "-f", "--trusted-host",
    "--prefer-binary", "--use-feature", "--only-binary", "--no-binary", "--progress-bar",
}
_HASH_RE = re.compile(r"^(sha256|sha384|sha512|md5):([0-9a-fA-F]+)$")


def _logical_lines(text: str) -> Iterator[Tuple[int, str]]:
    """Join backslash continuations and strip comments; yields (first line number, text), one at a
    time (the reader checks its budget between them).

    Example: ``list(_logical_lines("a \\\\\\n>=1  # x")) == [(1, "a >=1")]``
    """
    buf: List[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), 1):
        if not buf:
            start = number
        if raw.endswith("\\") and not raw.lstrip().startswith("#"):
            buf.append(raw[:-1])
            continue
        buf.append(raw)
        yield from _joined(start, buf)
        buf = []
    yield from _joined(start, buf)


def _joined(start: int, parts: List[str]) -> Iterator[Tuple[int, str]]:
    """The logical line of ``parts`` without its comment, whitespace runs made one space (none if empty)."""
    words = strip_comment("".join(parts)).split()
    if words:
        yield start, " ".join(words)


def strip_comment(line: str) -> str:
    """``line`` without its comment: pip's rule, a ``#`` at the start or after whitespace, to the end.

    One pass over the line (a regex such as ``(^|\\s+)#.*$`` backtracks over every run of
    whitespace: a line with a megabyte of spaces took an hour).
    Example: ``strip_comment("six  # pinned") == "six  "``; ``strip_comment("a#b") == "a#b"``
    """
    at = line.find("#")
    while at > 0 and not line[at - 1].isspace():
        at = line.find("#", at + 1)
    return line if at < 0 else line[:at]


_NAME = r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?"
_SPEC = r"(?:===|==|!=|~=|<=|>=|<|>)\s*[A-Za-z0-9_.*+!-]+"
# patterns compiled on first use (re's cache), not at import
_SIMPLE_REQUIREMENT = rf"^({_NAME})\s*(?:\[([^\]]*)\])?\s*({_SPEC}(?:\s*,\s*{_SPEC})*)?\s*$"
_EXTRA_NAME = rf"^{_NAME}$"


class SimpleRequirement:
    """``NAME[EXTRAS] SPECIFIERS`` without a marker or URL, parsed without packaging.requirements (and
    so without packaging.markers' imports); the attributes and ``str`` of a packaging Requirement.

    Example: ``str(simple_requirement("Celery[redis,auth] >=5, <6")) == "Celery[auth,redis]<6,>=5"``

    A plain slotted class, not a dataclass (docs/contributing.md, "Records"): it mirrors packaging's
    class, whose ``extras`` is a set, which a frozen dataclass could not hash.
    """

    __slots__ = ("name", "extras", "specifier", "marker", "url")
    marker: Optional[Marker]  # always None: a requirement with a marker needs packaging's parser
    url: Optional[str]

    def __init__(self, name: str, extras: Set[str], specifier: "SpecifierSet") -> None:
        self.name = name
        self.extras = extras
        self.specifier = specifier
        self.marker = None
        self.url = None

    def __str__(self) -> str:
        extras = f"[{','.join(sorted(self.extras))}]" if self.extras else ""
        return f"{self.name}{extras}{self.specifier}"

    def __repr__(self) -> str:
        return f"<Requirement({str(self)!r})>"


def simple_requirement(text: str) -> Optional[SimpleRequirement]:
    """``text`` as a :class:`SimpleRequirement`, or None when it needs packaging's full parser
    (a marker, a URL, parentheses, anything unusual or invalid)."""
    # whitespace runs become one space first: with long runs the optional groups between the
    # regex's \\s* make it backtrack cubically (a megabyte of spaces would never finish)
    m = re.match(_SIMPLE_REQUIREMENT, " ".join(text.split()))
    if m is None:
        return None
    extras: Set[str] = set()
    if m.group(2) is not None:
        extras = {e.strip() for e in m.group(2).split(",")}
        if not all(re.match(_EXTRA_NAME, e) for e in extras):
            return None
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        specifier = SpecifierSet(m.group(3) or "")
    except InvalidSpecifier:
        return None
    return SimpleRequirement(m.group(1), extras, specifier)


def parse_requirement(text: str, where: str) -> RequirementLike:
    """Parse one PEP 508 requirement or raise a MachNixError naming ``where``.

    Example: ``parse_requirement("requests[socks]>=2", "requirements.txt, line 1").name == "requests"``
    """
    simple = simple_requirement(text)
    if simple is not None:
        return simple
    from packaging.requirements import Requirement

    try:
        return Requirement(text)
    except ValueError as exc:  # InvalidRequirement, or InvalidSpecifier that packaging lets escape
        detail = str(exc).splitlines()[0][:200]
        raise MachNixError(
            f"{where}: {quoted(text)} is not a valid requirement ({detail}). Write it as "
            "NAME[EXTRAS] SPECIFIERS ; MARKER, e.g. 'requests[socks]>=2.31; python_version >= \"3.8\"'."
        ) from None


MAX_INCLUDE_DEPTH = 100  # -r/-c files within files; pip sets none, but a chain of thousands is no real project's
CHECK_EVERY = 1024  # lines between two looks at the budget


@dataclass
class _Reading:
    """What one read of requirements files shares across its includes: the files already read (pip
    reads each once, so cycles end), the budget to check, and how deep the includes go."""

    seen: Set[Path] = field(default_factory=set)
    check: Optional[Callable[[], None]] = None
    depth: int = 0


def read_requirements(path: Path, *, constraint: bool = False, _display: Optional[str] = None,
                      check: Optional[Callable[[], None]] = None, _reading: Optional[_Reading] = None) -> InputSet:
    """Read a requirements file (and what it includes) into an :class:`InputSet`.

    ``check`` is called every few thousand lines (the lock's budget: it raises to stop).
    Example: ``read_requirements(Path("requirements.txt")).requirements[0].req.name``
    """
    path = Path(path)
    display = _display or str(path)
    reading = _reading if _reading is not None else _Reading(check=check)
    real = path.resolve()
    if real in reading.seen:
        return InputSet()  # an include cycle: pip reads each file once as well
    reading.seen.add(real)
    kind = "constraints" if constraint else "requirements"
    text, _ = read_input_text(path, f"{kind.capitalize()} file {display}", bom=True)
    from hashlib import sha256

    result = InputSet(files=[InputFile(display, sha256(text.encode()).hexdigest(), kind)])
    _parse(text, display, result, base=path.parent, constraint=constraint, reading=reading)
    return result


def read_requirement_text(text: str, source: str = "<requirements>", check: Optional[Callable[[], None]] = None
                          ) -> InputSet:
    """Parse requirements given as text (``--requirement-text``, positional arguments).

    Example: ``read_requirement_text("requests\\nidna").requirements[1].req.name == "idna"``
    """
    result = InputSet()
    _parse(text, source, result, base=Path.cwd(), constraint=False, reading=_Reading(check=check))
    return result


def parse_text(text: str, display: str, result: InputSet, *, base: Path, constraint: bool, seen: Set[Path]) -> None:
    """Parse requirements text into ``result`` (includes are resolved relative to ``base``).

    Example: ``parse_text("idna\\n", "req.txt", result, base=Path("."), constraint=False, seen=set())``
    """
    _parse(text, display, result, base=base, constraint=constraint, reading=_Reading(seen))


def _parse(text: str, display: str, result: InputSet, *, base: Path, constraint: bool, reading: _Reading) -> None:
    for count, (number, line) in enumerate(_logical_lines(text)):
        if reading.check is not None and count % CHECK_EVERY == 0:
            reading.check()
        where = f"{display}, line {number}"
        if line.startswith("-"):
            _option_line(line, where, display, result, base=base, constraint=constraint, reading=reading)
            continue
        req_text, hashes = _split_hashes(line, where)
        _check_url_form(req_text, where)
        req = parse_requirement(req_text, where)
        if req.url:
            _check_direct_url(req.url, req_text, where)
        item = InputRequirement(req, display, number, frozenset(hashes))
        if constraint:
            if req.extras:
                raise MachNixError(f"{where}: constraints cannot have extras ({quoted(req_text)}); drop the [..] part.")
            result.constraints.append(item)
        else:
            result.requirements.append(item)


def _split_hashes(line: str, where: str) -> Tuple[str, List[str]]:
    if " --" not in line and not line.startswith("--"):
        return line, []
    head, _, tail = line.partition(" --")
    hashes: List[str] = []
    try:
        import shlex

        tokens = shlex.split("--" + tail)
    except ValueError as exc:
        raise MachNixError(f"{where}: cannot split the options of {quoted(line)} ({exc}).") from None
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.startswith("--hash"):
            value = token.partition("=")[2] if "=" in token else (tokens[i + 1] if i + 1 < len(tokens) else "")
            i += 1 if "=" in token else 2
            m = _HASH_RE.match(value)
            if not m:
                raise MachNixError(f"{where}: {quoted(value)} is not a hash; write --hash=sha256:<64 hex digits>.")
            if m.group(1) == "sha256":
                hashes.append(m.group(2).lower())
            continue
        raise MachNixError(
            f"{where}: the per-requirement option {quoted(token)} is not supported by mach-nix; only --hash is. "
            "Remove it from the line."
        )
    return head.strip(), hashes


def _check_url_form(text: str, where: str) -> None:
    if re.match(r"^(git|hg|svn|bzr)\+", text) or re.match(r"^[a-z]+://", text) or text.startswith((".", "/")):
        raise MachNixError(
            f"{where}: {quoted(text)} is a bare URL or path; mach-nix resolves against its PyPI index only. "
            "Use 'name==version', or 'name @ https://files.pythonhosted.org/…' for a file that is in the index."
        )


def _check_direct_url(url: str, text: str, where: str) -> None:
    if not url.startswith("https://") or url.startswith(("git+", "hg+")):
        raise MachNixError(
            f"{where}: {quoted(text)} points at {quoted(url)}; mach-nix only accepts direct references to PyPI files "
            "(https://…/NAME-VERSION….whl or .tar.gz) that are in its index. Use 'name==version' instead, "
            "or package the local project with the Nix library."
        )
    if not url.split("#")[0].endswith((".whl", ".tar.gz", ".zip", ".tar.bz2")):
        raise MachNixError(
            f"{where}: {quoted(text)} does not point at a wheel or sdist file; mach-nix accepts direct references "
            "only to PyPI files in its index."
        )


def _option_line(line: str, where: str, display: str, result: InputSet, *, base: Path, constraint: bool,
                 reading: _Reading) -> None:
    try:
        import shlex

        tokens = shlex.split(line)
    except ValueError as exc:
        raise MachNixError(f"{where}: cannot parse {quoted(line)} ({exc}).") from None
    option, value = tokens[0], (tokens[1] if len(tokens) > 1 else None)
    if "=" in option and option.startswith("--"):
        option, _, value = option.partition("=")
    elif len(option) > 2 and option[:2] in ("-r", "-c") and option[1] != "-":
        option, value = option[:2], option[2:]
    if option in ("-r", "--requirement", "-c", "--constraint"):
        if not value:
            raise MachNixError(f"{where}: {option} needs a file name, e.g. '{option} base.txt'.")
        if re.match(r"^[a-z]+://", value):
            raise MachNixError(f"{where}: including {quoted(value)} over the network is not supported; download it first.")
        include = Path(value) if Path(value).is_absolute() else base / value
        shown = value if Path(value).is_absolute() else str(Path(display).parent / value)
        if reading.depth >= MAX_INCLUDE_DEPTH:
            raise MachNixError(f"{where}: {option} {quoted(value)} includes files more than {MAX_INCLUDE_DEPTH} levels "
                               "deep; flatten the chain of -r/-c files.")
        reading.depth += 1
        sub = read_requirements(include, constraint=constraint or option in ("-c", "--constraint"), _display=shown,
                                _reading=reading)
        reading.depth -= 1
        result.extend(sub)
        return
    if option in ("-e", "--editable"):
        raise MachNixError(
            f"{where}: editable requirements ({quoted(line)}) cannot be locked from the index. Package the local "
            "project with the Nix library (buildPythonPackage from a source) and lock only its dependencies."
        )
    if option == "--pre":
        result.allow_prereleases = True
        return
    if option == "--require-hashes":
        result.require_hashes = result.require_hashes or where
        return
    if option in _IGNORED_OPTIONS:
        # an index named in the file changes the lock only when given where the lock records it (inputs.arguments)
        flag = {"-i": "--index-url"}.get(option, option)
        hint = (f" To use that index, give it to the command: mach-nix lock {flag} URL …"
                if flag in ("--index-url", "--extra-index-url") else "")
        result.warnings.append(f"{where}: {option} is ignored; mach-nix resolves against its own index.{hint}")
        return
    raise MachNixError(f"{where}: unknown or unsupported option {quoted(line)}. Remove the line or see `pip help install`.")
