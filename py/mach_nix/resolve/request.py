"""What to resolve: parsed inputs + index + target + providers → a :class:`ResolveRequest`.

Markers of the inputs are evaluated for the target here, ``--hash`` values and ``name @ URL``
references are checked against the index, and pip's hash-checking mode is enforced on the roots
(the resolved set is checked in :func:`check_hash_coverage` once it is known).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple

from mach_nix.errors import MachNixError
from mach_nix.names import normalize
from mach_nix.resolve.candidates import parse_specifier
from mach_nix.resolve.contracts import IndexView, ResolveRequest, Root
from mach_nix.specifiers import is_exact_pin

if TYPE_CHECKING:
    from mach_nix.inputs import InputRequirement, InputSet
    from mach_nix.resolve.target import Target

NixpkgsMap = Dict[str, Dict[str, Any]]


def read_nixpkgs_json(path: Optional[Path]) -> NixpkgsMap:
    """The ``--nixpkgs-json`` map (normalized name → ``{"version", "attr"}``); ``{}`` without a path.

    Example: ``read_nixpkgs_json(Path("nixpkgs.json"))["requests"]["version"]``
    """
    if path is None:
        return {}
    import orjson

    from mach_nix.inputs.files import MAX_LOCK_BYTES, read_input_bytes

    raw = read_input_bytes(Path(path), f"--nixpkgs-json {path}", MAX_LOCK_BYTES)
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise MachNixError(f"--nixpkgs-json {path} is not valid JSON ({exc}).") from None
    if not isinstance(data, dict) or not all(isinstance(v, dict) and isinstance(v.get("version"), str)
                                             for v in data.values()):
        raise MachNixError(f'--nixpkgs-json {path} must map names to {{"version": ..., "attr": ...}} objects.')
    return {normalize(k): v for k, v in data.items()}


def check_providers(providers: Dict[str, Tuple[str, ...]], nixpkgs: NixpkgsMap) -> None:
    """Refuse provider lists that can only be met from nixpkgs when no nixpkgs map was given.

    Example: ``check_providers({"_default": ("nixpkgs",)}, {})`` raises MachNixError.
    """
    if nixpkgs:
        return
    only = sorted(name for name, order in providers.items() if tuple(order) == ("nixpkgs",))
    if only:
        shown = "every package" if only == ["_default"] else ", ".join(n for n in only if n != "_default")
        raise MachNixError(
            f"--providers makes {shown} come from nixpkgs only, but no map of nixpkgs' Python packages was given. "
            "Pass --nixpkgs-json FILE (the Nix library passes it itself, e.g. mkPython { providers = …; }), "
            "or add wheel/sdist to the list, e.g. --providers '_default=nixpkgs,wheel,sdist'.")


def build_request(inputs: InputSet, index: IndexView, target: Target, providers: Dict[str, Tuple[str, ...]],
                  nixpkgs: NixpkgsMap) -> ResolveRequest:
    """Turn parsed inputs into a :class:`ResolveRequest` (of ``index`` it reads ``project()`` and ``directory``).

    Example: ``build_request(read_inputs(InputSources(requirements=["idna"])), index, Target.create(), {}, {})``
    """
    _check_requires_python(inputs, target)
    check_providers(providers, nixpkgs)
    if inputs.hash_checking:
        _check_roots_hashed(inputs)
    env = dict(target.environment, extra="")
    request = ResolveRequest(roots=[], providers=providers, nixpkgs=nixpkgs,
                             allow_prereleases=inputs.allow_prereleases)
    own = normalize(inputs.project_name) if inputs.project_name else None
    roots: Dict[str, _Root] = {}
    for item in inputs.requirements:
        req = item.req
        if req.marker is not None and not req.marker.evaluate(env):
            continue
        name = normalize(req.name)
        if own and name == own:
            continue  # a project listing itself (e.g. in a dependency group): its deps are already roots
        root = roots.get(name)
        if root is None:
            root = roots[name] = _Root()
        root.add(item)
        _add_hashes(request, index, name, item)
        if req.url and name not in request.direct:
            request.direct[name] = _direct_file(index, name, req.url, item)
    request.roots = [r for name, root in roots.items() for r in root.roots(name)]
    for item in inputs.constraints:
        req = item.req
        if req.marker is not None and not req.marker.evaluate(env):
            continue
        name = normalize(req.name)
        request.constraints.setdefault(name, []).append(parse_specifier(str(req.specifier)) or req.specifier)
        _add_hashes(request, index, name, item)
    if not request.roots:
        if not inputs.requirements:
            shown = ", ".join(f.path for f in inputs.files) or "the input"
            raise MachNixError(f"{shown} lists no requirements; nothing to lock.")
        raise MachNixError("No requirement applies to the target (all were excluded by their markers); "
                           "nothing to lock.")
    return request


MAX_SEPARATE = 8  # distinct requirements on one project kept as separate roots (each names its line)
MAX_ORIGINS = 3  # places a merged root names in messages


class _Root:
    """The requirements on one project, as roots. A line repeated (same extras and specifier) is one
    root, from its first place; past ``MAX_SEPARATE`` distinct ones they are merged into one root
    that asks what all of them ask (the union of the extras, every specifier, intersected), naming
    the first few lines: resolvelib adds each root to every earlier one of its name, so N lines on
    one project would cost N² steps and their memory.

    Example: lines ``idna>=3`` (line 1), ``idna>=3`` (line 5), ``idna<4`` (line 7) give the roots
    ``idna>=3`` from line 1 and ``idna<4`` from line 7.
    """

    __slots__ = ("wheres",)

    def __init__(self) -> None:
        self.wheres: Dict[Tuple[Tuple[str, ...], str], str] = {}  # (extras, specifier text) -> first place

    def add(self, item: InputRequirement) -> None:
        extras = tuple(sorted(normalize(e) for e in item.req.extras))
        self.wheres.setdefault((extras, str(item.req.specifier)), item.where)

    def roots(self, name: str) -> List[Root]:
        """The :class:`~mach_nix.resolve.contracts.Root` values of the requirements on ``name``."""
        if len(self.wheres) <= MAX_SEPARATE:
            return [Root(name, extras, _specifier(text), where) for (extras, text), where in self.wheres.items()]
        extras = tuple(sorted({e for extras, _ in self.wheres for e in extras}))
        texts = list(dict.fromkeys(text for _, text in self.wheres if text))
        wheres = list(self.wheres.values())
        origin = "; ".join(wheres[:MAX_ORIGINS]) + f"; and {len(wheres) - MAX_ORIGINS} more"
        return [Root(name, extras, _specifier(",".join(texts)), origin)]


def _specifier(text: str) -> Any:
    """The shared, cached parse of a specifier that packaging already parsed once."""
    spec = parse_specifier(text)
    if spec is not None:
        return spec
    from packaging.specifiers import SpecifierSet

    return SpecifierSet(text)


def check_hash_coverage(inputs: InputSet, request: ResolveRequest, runtime_names: List[str]) -> None:
    """In hash-checking mode every runtime package fetched from PyPI needs a ``--hash`` (as in pip).

    ``runtime_names``: the resolution's packages that are neither build-only nor from nixpkgs.
    Example: ``check_hash_coverage(inputs, request, ["requests", "idna"])`` raises when idna has none.
    """
    where = inputs.hash_checking
    if not where:
        return
    missing = sorted(n for n in runtime_names if n not in request.hashes and n not in request.direct)
    if missing:
        raise MachNixError(
            f"Hash checking is on ({where}), but {len(missing)} package(s) of the resolution have no --hash: "
            f"{', '.join(missing)}. Add them with their hashes (e.g. `pip hash FILE`, or `uv pip compile "
            "--generate-hashes`), or drop --require-hashes and every --hash to lock without hash checking.")


def _check_requires_python(inputs: InputSet, target: Target) -> None:
    if not inputs.requires_python:
        return
    spec, where = inputs.requires_python
    allowed = parse_specifier(spec)
    if allowed is not None and not allowed.contains(target.python_full, prereleases=True):
        raise MachNixError(f"{where} is {spec!r}, which excludes the target CPython {target.python_full}; "
                           "pass a matching --python (e.g. --python 3.12).")


def _check_roots_hashed(inputs: InputSet) -> None:
    """pip's rule for hash-checking mode: every requirement pinned with ``==`` and hashed."""
    bad = []
    for item in inputs.requirements:
        spec = list(item.req.specifier)
        pinned = item.req.url or (len(spec) == 1 and is_exact_pin(spec[0]))
        if not pinned or not (item.hashes or item.req.url):
            bad.append(f"{item.where}: {item.req}")
    if bad:
        raise MachNixError(
            f"Hash checking is on ({inputs.hash_checking}), so every requirement must be pinned with == and carry "
            f"--hash=sha256:…; these are not: {'; '.join(bad)}. Pin and hash them (e.g. `uv pip compile "
            "--generate-hashes`), or drop --require-hashes and every --hash.")


def _add_hashes(request: ResolveRequest, index: IndexView, name: str, item: InputRequirement) -> None:
    if not item.hashes:
        return
    request.hashes[name] = request.hashes.get(name, frozenset()) | item.hashes
    project = index.project(name)
    files = [f for files in project.get("releases", {}).values() for f in files] if project else []
    if not any(f["sha256"] in item.hashes for f in files):
        raise MachNixError(
            f"{item.where}: none of the --hash values of {item.req} matches a file of {name} in the index at "
            f"{index.directory}; the pin's files have other hashes (or the version is absent). Update the hashes "
            "(e.g. `pip hash FILE`) or the index.")


def _direct_file(index: IndexView, name: str, url: str, item: InputRequirement) -> str:
    filename = url.split("#")[0].rsplit("/", 1)[-1]
    fragment = url.partition("#")[2]
    project = index.project(name)
    for files in (project.get("releases", {}) if project else {}).values():
        for node in files:
            if node["filename"] == filename:
                if fragment.startswith("sha256=") and fragment[7:].lower() != node["sha256"]:
                    raise MachNixError(f"{item.where}: the #sha256 of {filename} does not match the index's hash "
                                       f"({node['sha256']}).")
                return filename
    raise MachNixError(f"{item.where}: {filename} (from {url}) is not a file of {name} in the index at "
                       f"{index.directory}; mach-nix can only lock files it knows. Use '{name}==VERSION' or "
                       "extend the index.")
