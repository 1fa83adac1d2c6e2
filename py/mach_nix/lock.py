"""The lock file, schema v1 (docs/lock-format.md): build from a resolution, write, read, validate.

Written as sorted, indented JSON, so the same inputs give the same bytes and a re-lock diff is
readable.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Dict, List, NoReturn, Optional

from mach_nix import __version__
from mach_nix.constants import PROVIDERS
from mach_nix.errors import MachNixError, quoted

if TYPE_CHECKING:
    from mach_nix.resolve.resolver import ResolvedPackage
    from mach_nix.shapes import IndexIdentity, LayerJson, LockDocument, LockEntry, LockInputs, LockTarget, Packages

Fail = Callable[[str], NoReturn]  # raises the MachNixError that names what is wrong with the lock

LOCK_VERSION = 1
DEFAULT_LOCK = "mach-nix.lock.json"


def package_entry(pkg: ResolvedPackage, display_name: str) -> LockEntry:
    """The lock entry of one resolved package.

    Example: ``package_entry(resolution.packages["idna"], "idna")["provider"] == "wheel"``
    """
    from mach_nix.index.storage.schema import file_url
    from mach_nix.resolve.candidates import wheel_tags

    cand = pkg.candidate
    entry: LockEntry = {
        "name": display_name,
        "version": cand.vstr,
        "provider": cand.provider,
        "dependencies": sorted(pkg.dependencies),
        "extras": sorted(pkg.extras),
    }
    node = cand.file
    if node is not None:
        entry["filename"] = node["filename"]
        entry["url"] = file_url(node)
        entry["sha256"] = node["sha256"]
        entry["requires_python"] = node.get("requires_python")
        if node.get("yanked"):
            entry["yanked"] = True
        if cand.provider == "wheel":
            entry["wheel_tags"] = wheel_tags(node["filename"])
    if cand.provider == "nixpkgs" and cand.nix_attr is not None:  # a nixpkgs candidate always has one
        entry["nixpkgs_attr"] = cand.nix_attr
    if pkg.build_system is not None:
        entry["build_system"] = pkg.build_system
    if cand.provider == "sdist" and node is not None and node.get("external"):
        entry["external"] = node["external"]  # PEP 725: lib/sdist.nix maps it with overrides/external.json
    if pkg.build_only:
        entry["build_only"] = True
    if cand.deps is None:
        entry["dependencies_unknown"] = True
    elif cand.deps_from:
        entry["dependencies_from"] = cand.deps_from
    return entry


def build_lock(*, target: LockTarget, inputs: LockInputs, index: IndexIdentity, roots: List[str],
               packages: Packages, indexes: Optional[Dict[str, LayerJson]] = None) -> LockDocument:
    """Assemble a lock document (validated).

    Example: ``build_lock(target=t.to_json(), inputs={...}, index=idx.identity, roots=["idna"], packages={...})``
    """
    lock: LockDocument = {
        "lock_version": LOCK_VERSION,
        "generated_by": f"mach-nix {__version__}",
        "target": target,
        "inputs": inputs,
        "index": index,
        "roots": sorted(roots),
        "packages": packages,
    }
    if indexes is not None:
        lock["indexes"] = indexes
    validate(lock, "<new lock>")
    return lock


def dumps(lock: LockDocument) -> bytes:
    """Deterministic bytes of a lock: sorted keys, two-space indent, trailing newline."""
    import orjson

    return orjson.dumps(lock, option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2) + b"\n"


def write(lock: LockDocument, path: Path) -> None:
    """Write a lock atomically (``-`` writes to stdout; devices and pipes are written in place).

    Example: ``write(lock, Path("mach-nix.lock.json"))``
    """
    from mach_nix.fsutil import write_output

    write_output(Path(path), dumps(lock), "the lock")


def read(path: Optional[Path] = None) -> LockDocument:
    """Read and validate a lock (default ``./mach-nix.lock.json``).

    Example: ``read(Path("mach-nix.lock.json"))["packages"]["requests"]["version"]``
    """
    import orjson

    from mach_nix.inputs.files import MAX_LOCK_BYTES, read_input_bytes

    path = Path(path) if path is not None else Path(DEFAULT_LOCK)
    data = read_input_bytes(path, f"Lock file {path}", MAX_LOCK_BYTES,
                            missing="Create it with `mach-nix lock -r requirements.txt`.")
    try:
        lock = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise MachNixError(f"Lock file {path} is not valid JSON ({exc}). Re-create it with `mach-nix lock`.") from None
    validate(lock, str(path))
    return lock  # a LockDocument, now that validate() has checked it


def validate(lock: Any, where: str) -> None:
    """Check the structure and internal consistency of a lock; raise MachNixError naming the problem.

    Everything `tree`, `why`, `env`, `gen` and the Nix library read is checked here, so that they
    can rely on it. Example: ``validate({"lock_version": 1}, "x.json")`` raises (keys missing).
    """
    def fail(what: str) -> NoReturn:
        raise MachNixError(f"Lock file {where} is invalid: {what}. Re-create it with `mach-nix lock`.")

    if not isinstance(lock, dict):
        fail("the top level is not an object")
    if lock.get("lock_version") != LOCK_VERSION:
        fail(f"lock_version is {quoted(lock.get('lock_version'))}, this mach-nix reads {LOCK_VERSION}")
    for key, kind in (("target", dict), ("inputs", dict), ("index", dict), ("roots", list), ("packages", dict)):
        if key not in lock:
            fail(f"the key {key!r} is missing")
        if not isinstance(lock[key], kind):
            fail(f"{key!r} is not {'an object' if kind is dict else 'a list'}")
    _validate_target(lock["target"], fail)
    indexes = lock.get("indexes", {})
    if not isinstance(indexes, dict) or not all(isinstance(v, dict) for v in indexes.values()):
        fail("'indexes' is not an object of objects")
    packages = lock["packages"]
    for name, entry in packages.items():
        _validate_package(name, entry, packages, fail)
        if entry.get("index") is not None and entry["index"] not in indexes:
            fail(f"packages.{name}.index is {quoted(entry['index'])}, which 'indexes' does not describe")
    for root in lock["roots"]:
        if not isinstance(root, str) or root not in packages:
            fail(f"root {quoted(root)} is not in 'packages'")
    arguments = lock["inputs"].get("arguments")
    if arguments is not None and not _strings(arguments):
        fail("inputs.arguments is not a list of strings")


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _validate_target(target: Dict[str, Any], fail: Fail) -> None:
    for key in ("python", "system"):
        if not isinstance(target.get(key), str):
            fail(f"target.{key} is {quoted(target.get(key))}, expected a string")
    for key in ("python_full", "glibc", "macos", "implementation"):
        if target.get(key) is not None and not isinstance(target[key], str):
            fail(f"target.{key} is {quoted(target[key])}, expected a string or null")
    if "accelerator" in target and target["accelerator"] not in ("cpu", "cuda"):
        fail(f"target.accelerator is {quoted(target['accelerator'])}, expected \"cpu\" or \"cuda\"")


def _validate_package(name: str, entry: Any, packages: Dict[str, Any], fail: Fail) -> None:
    _validate_name(name, fail)
    if not isinstance(entry, dict):
        fail(f"packages.{name} is not an object")
    for key in ("version", "provider", "dependencies"):
        if key not in entry:
            fail(f"packages.{name} lacks {key!r}")
    if not isinstance(entry["version"], str) or not entry["version"]:
        fail(f"packages.{name}.version is {quoted(entry['version'])}, expected a version string")
    provider = entry["provider"]
    if not isinstance(provider, str) or provider not in PROVIDERS:
        fail(f"packages.{name}.provider is {quoted(provider)}, expected one of {', '.join(PROVIDERS)}")
    needed = ("nixpkgs_attr",) if provider == "nixpkgs" else ("filename", "sha256")
    for key in needed:
        if not entry.get(key) or not isinstance(entry[key], str):
            fail(f"packages.{name} ({provider}) lacks {key!r}")
    if provider != "nixpkgs" and not (entry.get("url") or entry.get("path")):
        fail(f"packages.{name} ({provider}) lacks 'url' (or 'path', for a local file)")
    for key in ("filename", "url", "path", "sha256", "name", "nixpkgs_attr", "requires_python", "index"):
        if entry.get(key) is not None and not isinstance(entry[key], str):
            fail(f"packages.{name}.{key} is {quoted(entry[key])}, expected a string")
    _validate_fields(name, entry, fail)
    for key in ("extras", "wheel_tags"):
        if key in entry and not _strings(entry[key]):
            fail(f"packages.{name}.{key} is not a list of strings")
    for key in ("build_only", "dependencies_unknown", "yanked"):
        if key in entry and not isinstance(entry[key], bool):
            fail(f"packages.{name}.{key} is {quoted(entry[key])}, expected true or false")
    if not isinstance(entry["dependencies"], list):
        fail(f"packages.{name}.dependencies is not a list")
    for dep in entry["dependencies"]:
        if not isinstance(dep, str) or dep not in packages:
            fail(f"packages.{name} depends on {quoted(dep)}, which is not in 'packages'")
    _validate_build_system(name, entry.get("build_system"), packages, fail)
    _validate_needs(name, entry, packages, fail)
    _validate_external(name, entry, fail)


def _validate_external(name: str, entry: Dict[str, Any], fail: Fail) -> None:
    """``external``: the sdist's PEP 725 table as the index records it (docs/lock-format.md), on sdists only."""
    from mach_nix.index.storage.schema import external_problem

    if "external" not in entry:
        return
    problem = "it is only written for an sdist" if entry["provider"] != "sdist" else external_problem(entry["external"])
    if problem is not None:
        fail(f"packages.{name}.external is not valid: {problem}")


NEEDS_USES = ("module", "plugin")


def _validate_needs(name: str, entry: Dict[str, Any], packages: Dict[str, Any], fail: Fail) -> None:
    """``needs``: soname → {"use": "module"|"plugin", "wheel": a locked package}, on wheels only."""
    if "needs" not in entry:
        return
    needs = entry["needs"]
    if entry["provider"] != "wheel" or not isinstance(needs, dict):
        fail(f"packages.{name}.needs must be an object, and only on a wheel")
    for soname, need in needs.items():
        if not isinstance(need, dict) or need.get("use") not in NEEDS_USES or set(need) - {"use", "wheel"}:
            fail(f"packages.{name}.needs[{soname!r}] is {need!r}, expected {{\"use\": \"module\" or \"plugin\"}} "
                 "with an optional \"wheel\"")
        if "wheel" in need and need["wheel"] not in packages:
            fail(f"packages.{name}.needs[{soname!r}] is found in {need['wheel']!r}, which is not in 'packages'")


def _validate_name(name: str, fail: Fail) -> None:
    """A key of ``packages``: a PEP 508 name in its normalized (PEP 503) form."""
    from mach_nix.lock_fields import field_problem
    from mach_nix.names import normalize

    problem = field_problem("name", name)
    if problem is None and normalize(name) != name:
        problem = f"expected the normalized name {quoted(normalize(name))}"
    if problem is not None:
        fail(f"the package name {quoted(name)} is not valid ({problem})")


def _validate_fields(name: str, entry: Dict[str, Any], fail: Fail) -> None:
    """The fields that reach tools (a fetcher, a copy, store paths), in their grammar (mach_nix.lock_fields)."""
    from mach_nix.lock_fields import field_problem

    for key in ("name", "version", "filename", "url", "path", "sha256"):
        if entry.get(key) is not None:
            problem = field_problem(key, entry[key])
            if problem is not None:
                fail(f"packages.{name}.{key} is {quoted(entry[key])}: {problem}")


def _validate_build_system(name: str, bs: Any, packages: Dict[str, Any], fail: Fail) -> None:
    if bs is None:
        return
    if not isinstance(bs, dict):
        fail(f"packages.{name}.build_system is not an object")
    resolved = bs.get("resolved", True)
    if not isinstance(resolved, bool):
        fail(f"packages.{name}.build_system.resolved is {quoted(resolved)}, expected true or false")
    for key in ("requires", "dependencies"):
        if key in bs and not _strings(bs[key]):
            fail(f"packages.{name}.build_system.{key} is not a list of strings")
    if resolved:
        for dep in bs.get("dependencies", []):
            if dep not in packages:
                fail(f"packages.{name}.build_system needs {quoted(dep)}, which is not in 'packages'")
