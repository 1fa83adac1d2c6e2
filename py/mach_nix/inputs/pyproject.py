"""pyproject.toml (PEP 621 dependencies and extras, PEP 735 groups, Poetry) and static setup.cfg.

Poetry's ``^``/``~`` constraints are translated to PEP 440 ranges; git/path/url dependencies
are errors (they are not on PyPI). A project that lists itself (``app[extra]`` inside its own
extras) has those extras expanded locally.
"""

from __future__ import annotations

import hashlib
import re
import sys
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Set, Tuple

from mach_nix.errors import MachNixError, quoted
from mach_nix.inputs import InputFile, InputRequirement, InputSet
from mach_nix.inputs.files import read_input_text
from mach_nix.inputs.requirements_txt import parse_requirement
from mach_nix.names import normalize


MAX_INCLUDE_DEPTH = 100  # [dependency-groups] include chains; real ones are a few levels


def _load_toml(path: Path) -> Tuple[Dict[str, Any], bytes]:
    """The parsed pyproject.toml and its bytes (for the sha256 the lock records)."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.9/3.10 only
        import tomli as tomllib
    text, data = read_input_text(path, str(path))
    try:
        return tomllib.loads(text), data
    except tomllib.TOMLDecodeError as exc:
        raise MachNixError(f"{path} is not valid TOML: {str(exc)[:200]}. Fix the file and retry.") from None
    except RecursionError:  # tomllib parses nested arrays and inline tables recursively
        raise MachNixError(f"{path} nests arrays or tables too deeply to be read (thousands of levels); no "
                           "pyproject.toml needs that. Fix the file and retry.") from None


def read_pyproject(path: Path, extras: Sequence[str] = (), groups: Sequence[str] = ()) -> InputSet:
    """Root requirements of a pyproject.toml: ``[project]`` or Poetry, plus chosen extras and groups.

    Example: ``read_pyproject(Path("pyproject.toml"), extras=["test"], groups=["dev"])``
    """
    path = Path(path)
    data, raw = _load_toml(path)
    shown = str(path)
    result = InputSet(files=[InputFile(shown, hashlib.sha256(raw).hexdigest(), "pyproject")])
    project = data.get("project")
    poetry = data.get("tool", {}).get("poetry") if isinstance(data.get("tool"), dict) else None
    if isinstance(project, dict) and ("dependencies" in project or "optional-dependencies" in project
                                     or not poetry):
        result.project_name = project.get("name")
        if isinstance(project.get("requires-python"), str):
            result.requires_python = (project["requires-python"], f"{shown}: [project].requires-python")
        if "dependencies" in project.get("dynamic", []):
            raise MachNixError(
                f"{shown}: [project].dependencies is dynamic, so it cannot be read statically. List the "
                "dependencies in pyproject.toml, or pass them with -r requirements.txt."
            )
        _pep621(project, shown, extras, result)
    elif isinstance(poetry, dict):
        result.project_name = poetry.get("name")
        python = (poetry.get("dependencies") or {}).get("python")
        if isinstance(python, str):
            try:
                result.requires_python = (poetry_constraint(python), f"{shown}: [tool.poetry.dependencies].python")
            except ValueError:
                pass
        _poetry(poetry, shown, extras, result)
    elif extras:
        raise MachNixError(f"{shown} has neither [project] nor [tool.poetry], so --extra {extras[0]} has no meaning.")
    _pep735(data.get("dependency-groups"), shown, groups, result, poetry if isinstance(poetry, dict) else None)
    if isinstance(project, dict) and project.get("name"):
        _expand_own(project, shown, result)
    return result


def _expand_own(project: Dict[str, Any], shown: str, result: InputSet) -> None:
    """A group naming the project itself (``dev = ["app[test]"]``) means its dependencies and extras."""
    own = normalize(project["name"])
    wanted: List[str] = []
    kept: List[InputRequirement] = []
    for item in result.requirements:
        if normalize(item.req.name) == own:
            wanted += sorted(normalize(e) for e in item.req.extras)
        else:
            kept.append(item)
    if len(kept) == len(result.requirements):
        return
    extra = InputSet()
    _pep621(project, shown, wanted, extra)
    seen = {str(item.req) for item in kept}
    result.requirements = kept + [i for i in extra.requirements if str(i.req) not in seen]


def _as_reqs(items: Any, where: str, result: List[InputRequirement], source: str) -> None:
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise MachNixError(f"{where} must be a list of requirement strings.")
    for text in items:
        result.append(InputRequirement(parse_requirement(text, where), source))


def _pep621(project: Dict[str, Any], shown: str, extras: Sequence[str], result: InputSet) -> None:
    reqs: List[InputRequirement] = []
    _as_reqs(project.get("dependencies", []), f"{shown}: [project].dependencies", reqs, shown)
    optional = project.get("optional-dependencies", {}) or {}
    if not isinstance(optional, dict):
        raise MachNixError(f"{shown}: [project.optional-dependencies] must be a table of lists.")
    table = {normalize(k): v for k, v in optional.items()}
    own = normalize(project.get("name") or "")
    todo = [normalize(e) for e in extras]
    done: Set[str] = set()
    while todo:
        extra = todo.pop(0)
        if extra in done:
            continue
        done.add(extra)
        if extra not in table:
            known = ", ".join(sorted(table)) or "none"
            raise MachNixError(f"{shown}: there is no optional-dependencies group {extra!r} (--extra); known: {known}.")
        group: List[InputRequirement] = []
        _as_reqs(table[extra], f"{shown}: [project.optional-dependencies].{extra}", group, shown)
        for item in group:
            if own and normalize(item.req.name) == own:  # self-reference: pkg[all] = pkg[a,b]
                todo += sorted(normalize(e) for e in item.req.extras)
            else:
                reqs.append(item)
    result.requirements += reqs


def _pep735(groups_table: Any, shown: str, groups: Sequence[str], result: InputSet,
            poetry: Optional[Dict[str, Any]]) -> None:
    if not groups:
        return
    table = {normalize(k): v for k, v in (groups_table or {}).items()} if isinstance(groups_table, dict) else {}
    poetry_groups = {}
    if poetry and isinstance(poetry.get("group"), dict):
        poetry_groups = {normalize(k): v for k, v in poetry["group"].items()}
    for group in groups:
        name = normalize(group)
        if name in table:
            for text in _expand_group(table, name, shown):
                result.requirements.append(InputRequirement(
                    parse_requirement(text, f"{shown}: [dependency-groups].{name}"), shown))
        elif name in poetry_groups:
            deps = poetry_groups[name].get("dependencies", {}) if isinstance(poetry_groups[name], dict) else {}
            result.requirements += _poetry_table(deps, f"{shown}: [tool.poetry.group.{name}.dependencies]", shown,
                                                 include_optional=True)
        else:
            known = ", ".join(sorted(set(table) | set(poetry_groups))) or "none"
            raise MachNixError(f"{shown}: there is no dependency group {group!r} (--group); known: {known}.")


def _expand_group(table: Dict[str, Any], name: str, shown: str) -> List[str]:
    """PEP 735: a group is a list of requirement strings and ``{include-group = "other"}`` tables.

    Walked with an explicit stack, each group expanded once (a group included from many places is
    not expanded again, and repeated strings are kept once), so long chains, wide fans and cycles
    cost time linear in the table; a cycle of any length is named, a chain deeper than
    ``MAX_INCLUDE_DEPTH`` refused. Example: ``{"dev": ["pytest", {"include-group": "lint"}],
    "lint": ["ruff"]}`` gives ``["pytest", "ruff"]`` for ``dev``.
    """
    done: Dict[str, List[str]] = {}
    path: List[str] = []  # the groups being expanded, outermost first
    on_path: Set[str] = set()
    too_deep: Optional[str] = None  # the group at which the includes first went too deep
    # frames: (group, index of its next item, strings so far)
    stack: List[Tuple[str, int, Dict[str, None]]] = [(name, 0, {})]
    path.append(name)
    on_path.add(name)
    while stack:
        group, at, out = stack.pop()
        items = table[group]
        if not isinstance(items, list):
            raise MachNixError(f"{shown}: [dependency-groups].{group} must be a list (of requirement strings and "
                               "{include-group = ...} tables).")
        while at < len(items):
            item = items[at]
            at += 1
            if isinstance(item, str):
                out[item] = None
                continue
            included = _included_group(item, group, table, path, on_path, shown)
            if included in done:
                out.update(dict.fromkeys(done[included]))
                continue
            if len(path) > MAX_INCLUDE_DEPTH and too_deep is None:
                too_deep = group  # reported once the walk is over: a cycle further on is named first
            stack.append((group, at, out))
            stack.append((included, 0, {}))
            path.append(included)
            on_path.add(included)
            break
        else:
            done[group] = list(out)
            path.pop()
            on_path.discard(group)
            if stack:
                parent, parent_at, parent_out = stack[-1]
                parent_out.update(out)
    if too_deep is not None:
        raise MachNixError(f"{shown}: [dependency-groups].{name} includes groups more than {MAX_INCLUDE_DEPTH} "
                           f"levels deep (through {too_deep}); flatten the chain.")
    return done[name]


def _included_group(item: Any, group: str, table: Dict[str, Any], path: List[str], on_path: Set[str],
                    shown: str) -> str:
    """The group an ``{include-group = …}`` item of ``group`` names; an error for an invalid item,
    an unknown group, or one already being expanded on ``path`` (a cycle, named)."""
    if not (isinstance(item, dict) and isinstance(item.get("include-group"), str)):
        raise MachNixError(f"{shown}: [dependency-groups].{group} has an invalid entry {quoted(item)}.")
    included = normalize(item["include-group"])
    if included in on_path:
        cycle = path[path.index(included):] + [included]
        shown_cycle = " → ".join(cycle) if len(cycle) <= 12 else \
            " → ".join(cycle[:5] + ["…"] + cycle[-5:]) + f" ({len(cycle) - 1} groups)"
        raise MachNixError(f"{shown}: [dependency-groups] include cycle: {shown_cycle}. Remove one of "
                           "the include-group entries.")
    if included not in table:
        raise MachNixError(f"{shown}: [dependency-groups].{group} includes unknown group {quoted(included)}.")
    return included


# --- Poetry ----------------------------------------------------------------------------------

_POETRY_OP = re.compile(r"^\s*(\^|~(?!=)|==|!=|<=|>=|<|>|~=|=)?\s*([0-9][^\s,]*|\*)\s*$")


def poetry_constraint(text: str) -> str:
    """Translate a Poetry version constraint to a PEP 440 specifier.

    Example: ``poetry_constraint("^1.2.3") == ">=1.2.3,<2.0.0"``; ``poetry_constraint("~1.2") == ">=1.2,<1.3"``
    """
    text = text.strip()
    if text in ("", "*"):
        return ""
    parts: List[str] = []
    for piece in re.split(r"\s*,\s*|\s+(?=[<>=!~^])", text):
        if "||" in piece:
            raise ValueError("'||' alternatives cannot be expressed in one PEP 440 specifier")
        m = _POETRY_OP.match(piece)
        if not m:
            raise ValueError(f"{quoted(piece)} is not a Poetry version constraint")
        op, version = m.group(1) or "", m.group(2)
        if version == "*":
            continue
        if op in ("^", "~") or (op == "" and "*" not in version):
            if op == "":
                parts.append(f"=={version}")
                continue
            parts.append(f">={version}")
            parts.append(f"<{_upper_bound(op, version)}")
        elif op in ("=", ""):
            parts.append(f"=={version}")
        else:
            parts.append(f"{op}{version}")
    return ",".join(parts)


def _upper_bound(op: str, version: str) -> str:
    numbers = re.match(r"^(\d+(?:\.\d+)*)", version)
    assert numbers is not None, version  # _POETRY_OP only matches versions that start with a digit
    release = [int(x) for x in numbers.group(1).split(".")]
    if op == "^":
        # bump the first non-zero component (or the last given one when all are zero)
        index = next((i for i, n in enumerate(release) if n != 0), len(release) - 1)
    else:  # tilde: bump the minor when given, else the major
        index = 1 if len(release) >= 2 else 0
    bumped = release[: index + 1]
    bumped[index] += 1
    bumped += [0] * (len(release) - len(bumped))
    return ".".join(str(n) for n in bumped)


def _poetry(poetry: Dict[str, Any], shown: str, extras: Sequence[str], result: InputSet) -> None:
    deps = poetry.get("dependencies", {}) or {}
    where = f"{shown}: [tool.poetry.dependencies]"
    chosen: Set[str] = set()
    extras_table = {normalize(k): v for k, v in (poetry.get("extras", {}) or {}).items()}
    for extra in extras:
        name = normalize(extra)
        if name not in extras_table:
            known = ", ".join(sorted(extras_table)) or "none"
            raise MachNixError(f"{shown}: there is no [tool.poetry.extras] entry {extra!r} (--extra); known: {known}.")
        chosen |= {normalize(n) for n in extras_table[name]}
    result.requirements += _poetry_table(deps, where, shown, include_optional=False, chosen_optional=chosen)


def _poetry_table(deps: Dict[str, Any], where: str, shown: str, *, include_optional: bool,
                  chosen_optional: Iterable[str] = ()) -> List[InputRequirement]:
    chosen = set(chosen_optional)
    out: List[InputRequirement] = []
    for name, spec in deps.items():
        if normalize(name) == "python":
            continue
        entries = spec if isinstance(spec, list) else [spec]  # multiple-constraints form
        for entry in entries:
            table = entry if isinstance(entry, dict) else {"version": entry}
            if not isinstance(table, dict) or not isinstance(table.get("version", "*"), str):
                raise MachNixError(f"{where}: the entry for {quoted(name)} is not understood ({quoted(spec)}).")
            for key in ("git", "path", "url", "file"):
                if key in table:
                    raise MachNixError(
                        f"{where}: {name} is a {key} dependency; mach-nix locks PyPI packages only. Package it with "
                        "the Nix library, or depend on a released version."
                    )
            if table.get("optional") and not include_optional and normalize(name) not in chosen:
                continue
            try:
                specifier = poetry_constraint(table.get("version", "*"))
            except ValueError as exc:
                raise MachNixError(f"{where}: {name} = {quoted(table.get('version'))}: {exc}.") from None
            text = name
            if table.get("extras"):
                text += "[" + ",".join(table["extras"]) + "]"
            text += specifier
            markers = []
            if table.get("markers"):
                markers.append(f"({table['markers']})")
            if table.get("python"):
                markers.append(_python_marker(table["python"], where, name))
            if table.get("platform"):
                markers.append(f'sys_platform == "{table["platform"]}"')
            if markers:
                text += "; " + " and ".join(markers)
            out.append(InputRequirement(parse_requirement(text, where), shown))
    return out


def _python_marker(constraint: str, where: str, name: str) -> str:
    try:
        spec = poetry_constraint(constraint)
    except ValueError as exc:
        raise MachNixError(f"{where}: {name} python = {quoted(constraint)}: {exc}.") from None
    if not spec:
        return 'python_version >= "0"'
    return "(" + " and ".join(f'python_full_version {_op_value(p)}' for p in spec.split(",")) + ")"


def _op_value(part: str) -> str:
    m = re.match(r"^(==|!=|<=|>=|<|>|~=)(.*)$", part)
    return f'{m.group(1)} "{m.group(2)}"' if m else f'== "{part}"'


# --- setup.cfg -------------------------------------------------------------------------------


def read_setup_cfg(path: Path, extras: Sequence[str] = ()) -> InputSet:
    """``[options] install_requires`` (and chosen ``[options.extras_require]``) of a static setup.cfg.

    Example: ``read_setup_cfg(Path("setup.cfg"), extras=["test"])``
    """
    import configparser

    path = Path(path)
    parser = configparser.ConfigParser(interpolation=None)
    text, _ = read_input_text(path, str(path))
    try:
        parser.read_string(text)
    except configparser.Error as exc:
        raise MachNixError(f"{path} is not a valid setup.cfg: {exc}.") from None
    result = InputSet(files=[InputFile(str(path), hashlib.sha256(text.encode()).hexdigest(), "setup_cfg")])
    result.project_name = parser.get("metadata", "name", fallback=None)
    sections = [("options", "install_requires")] + [("options.extras_require", e) for e in extras]
    lines = text.splitlines()
    for section, key in sections:
        if not parser.has_option(section, key):
            if section != "options":
                raise MachNixError(f"{path}: [options.extras_require] has no {key!r} (--extra).")
            continue
        value = parser.get(section, key)
        if value.strip().startswith(("file:", "attr:")):
            raise MachNixError(f"{path}: [{section}] {key} is {value.strip()!r}, which is not static; list the "
                               "requirements in setup.cfg or pass them with -r.")
        for item in value.replace(";\n", "\n").splitlines():
            item = item.split(" #")[0].strip()
            if not item or item.startswith("#"):
                continue
            number = next((i for i, l in enumerate(lines, 1) if item in l), 0)
            where = f"{path}, line {number}" if number else str(path)
            result.requirements.append(InputRequirement(parse_requirement(item, where), str(path), number))
    return result
