"""`mach-nix lock`, `mach-nix tree` and `mach-nix why`.

Imports of the resolver happen inside the command functions: `mach-nix --help` stays fast.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple


def register(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    lock = sub.add_parser(
        "lock", help="resolve requirements against the index and write a lock file",
        description="Resolve requirements offline against the mach-nix index and write a lock (schema v1).")
    lock.add_argument("requirements", nargs="*", metavar="REQ", help="requirements given directly, e.g. 'requests>=2'")
    lock.add_argument("-r", "--requirement", action="append", default=[], type=Path, metavar="FILE",
                      help="requirements.txt (repeatable)")
    lock.add_argument("-c", "--constraint", action="append", default=[], type=Path, metavar="FILE",
                      help="constraints file (repeatable)")
    lock.add_argument("--requirement-text", action="append", default=[], metavar="TEXT",
                      help="requirements.txt content as a string (repeatable)")
    lock.add_argument("--pyproject", type=Path, metavar="FILE", help="pyproject.toml (PEP 621, PEP 735, Poetry)")
    lock.add_argument("--setup-cfg", type=Path, metavar="FILE", help="setup.cfg with static install_requires")
    lock.add_argument("--extra", action="append", default=[], help="optional-dependencies group of the project")
    lock.add_argument("--group", action="append", default=[], help="PEP 735 dependency group (or Poetry group)")
    lock.add_argument("--python", default="3.11", help="target CPython, e.g. 3.11 or 3.11.9 (default 3.11)")
    lock.add_argument("--system", default="x86_64-linux",
                      help="x86_64-linux, aarch64-linux, x86_64-darwin or aarch64-darwin (default x86_64-linux)")
    lock.add_argument("--glibc", default=None, help="target glibc for manylinux wheels (default 2.40)")
    lock.add_argument("--macos", default=None, help="macOS deployment target for darwin wheels (default 11.3)")
    lock.add_argument("--index", type=Path, default=None, metavar="DIR", help="index directory (default: embedded data/)")
    lock.add_argument("--providers", default=None,
                      help="provider order per package, e.g. 'numpy=sdist,_default=wheel,sdist' "
                           "(default wheel,sdist,nixpkgs)")
    lock.add_argument("--nixpkgs-json", type=Path, default=None, metavar="FILE",
                      help='nixpkgs Python packages: {"name": {"version": "1.2", "attr": "name"}}')
    lock.add_argument("--pre", action="store_true", help="allow pre-releases everywhere")
    lock.add_argument("--no-build-deps", action="store_true", help="do not resolve the build requirements of sdists")
    lock.add_argument("-o", "--output", type=Path, default=Path("mach-nix.lock.json"), metavar="FILE",
                      help="lock file to write ('-' for stdout; default mach-nix.lock.json)")
    lock.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")
    lock.set_defaults(func=cmd_lock)

    tree = sub.add_parser("tree", help="print the dependency tree of a lock")
    tree.add_argument("lock", nargs="?", type=Path, default=Path("mach-nix.lock.json"))
    tree.add_argument("--depth", type=int, default=0, help="limit the depth (0: no limit)")
    tree.set_defaults(func=cmd_tree)

    why = sub.add_parser("why", help="print every chain from a root to a package")
    why.add_argument("package")
    why.add_argument("lock", nargs="?", type=Path, default=Path("mach-nix.lock.json"))
    why.set_defaults(func=cmd_why)


# --- lock -------------------------------------------------------------------------------------


def _read_inputs(args: argparse.Namespace) -> Any:
    from mach_nix.errors import MachNixError
    from mach_nix.inputs import InputSet
    from mach_nix.inputs.requirements_txt import read_requirement_text, read_requirements

    inputs = InputSet()
    for path in args.requirement:
        inputs.extend(read_requirements(path))
    for path in args.constraint:
        inputs.extend(read_requirements(path, constraint=True))
    for i, text in enumerate(args.requirement_text, 1):
        inputs.extend(read_requirement_text(text, f"--requirement-text #{i}"))
    if args.requirements:
        inputs.extend(read_requirement_text("\n".join(args.requirements), "command line"))
    if args.pyproject:
        from mach_nix.inputs.pyproject import read_pyproject

        inputs.extend(read_pyproject(args.pyproject, args.extra, args.group))
    elif args.setup_cfg:
        from mach_nix.inputs.pyproject import read_setup_cfg

        inputs.extend(read_setup_cfg(args.setup_cfg, args.extra))
    elif args.extra or args.group:
        raise MachNixError("--extra/--group need --pyproject (or --setup-cfg for --extra).")
    if args.pre:
        inputs.allow_prereleases = True
    if not inputs.requirements and not inputs.files:
        raise MachNixError("Nothing to lock: pass -r requirements.txt, --pyproject pyproject.toml or requirements "
                           "as arguments, e.g. `mach-nix lock 'requests>=2'`.")
    return inputs


def _read_nixpkgs(path: Optional[Path]) -> Dict[str, Dict[str, Any]]:
    if path is None:
        return {}
    import orjson

    from mach_nix.errors import MachNixError
    from mach_nix.names import normalize

    try:
        data = orjson.loads(path.read_bytes())
    except FileNotFoundError:
        raise MachNixError(f"--nixpkgs-json {path} does not exist.") from None
    except orjson.JSONDecodeError as exc:
        raise MachNixError(f"--nixpkgs-json {path} is not valid JSON ({exc}).") from None
    if not isinstance(data, dict) or not all(isinstance(v, dict) and "version" in v for v in data.values()):
        raise MachNixError(f'--nixpkgs-json {path} must map names to {{"version": ..., "attr": ...}} objects.')
    return {normalize(k): v for k, v in data.items()}


def build_request(inputs: Any, index: Any, target: Any, providers: Dict[str, Tuple[str, ...]],
                  nixpkgs: Dict[str, Dict[str, Any]]) -> Any:
    """Turn parsed inputs into a :class:`ResolveRequest` (markers evaluated, hashes and URLs checked)."""
    from mach_nix.errors import MachNixError
    from mach_nix.names import normalize
    from mach_nix.resolve.candidates import parse_specifier
    from mach_nix.resolve.provider import ResolveRequest

    if inputs.requires_python:
        spec, where = inputs.requires_python
        allowed = parse_specifier(spec)
        if allowed is not None and not allowed.contains(target.python_full, prereleases=True):
            raise MachNixError(f"{where} is {spec!r}, which excludes the target CPython {target.python_full}; "
                               "pass a matching --python (e.g. --python 3.12).")
    env = dict(target.environment, extra="")
    request = ResolveRequest(roots=[], providers=providers, nixpkgs=nixpkgs,
                             allow_prereleases=inputs.allow_prereleases)
    own = normalize(inputs.project_name) if inputs.project_name else None
    for item in inputs.requirements:
        req = item.req
        if req.marker is not None and not req.marker.evaluate(env):
            continue
        name = normalize(req.name)
        if own and name == own:
            continue  # a project listing itself (e.g. in a dependency group): its deps are already roots
        spec = parse_specifier(str(req.specifier))
        request.roots.append((name, tuple(sorted(normalize(e) for e in req.extras)), spec, item.where))
        if item.hashes:
            request.hashes[name] = request.hashes.get(name, frozenset()) | item.hashes
            _check_hashes(index, name, item)
        if req.url:
            request.direct[name] = _direct_file(index, name, req.url, item)
    for item in inputs.constraints:
        req = item.req
        if req.marker is not None and not req.marker.evaluate(env):
            continue
        name = normalize(req.name)
        request.constraints.setdefault(name, []).append(parse_specifier(str(req.specifier)))
        if item.hashes:
            request.hashes[name] = request.hashes.get(name, frozenset()) | item.hashes
            _check_hashes(index, name, item)
    if not request.roots:
        if not inputs.requirements:
            shown = ", ".join(path for path, _ in inputs.files) or "the input"
            raise MachNixError(f"{shown} lists no requirements; nothing to lock.")
        raise MachNixError("No requirement applies to the target (all were excluded by their markers); "
                           "nothing to lock.")
    return request


def _check_hashes(index: Any, name: str, item: Any) -> None:
    from mach_nix.errors import MachNixError

    project = index.project(name)
    files = [f for files in (project or {}).get("releases", {}).values() for f in files]
    found = [f for f in files if f["sha256"] in item.hashes]
    if not found:
        raise MachNixError(
            f"{item.where}: none of the --hash values of {item.req} matches a file of {name} in the index at "
            f"{index.directory}; the pin's files have other hashes (or the version is absent). Update the hashes "
            "(e.g. `pip hash FILE`) or the index.")


def _direct_file(index: Any, name: str, url: str, item: Any) -> str:
    from mach_nix.errors import MachNixError

    filename = url.split("#")[0].rsplit("/", 1)[-1]
    fragment = url.partition("#")[2]
    project = index.project(name)
    for files in (project or {}).get("releases", {}).values():
        for node in files:
            if node["filename"] == filename:
                if fragment.startswith("sha256=") and fragment[7:].lower() != node["sha256"]:
                    raise MachNixError(f"{item.where}: the #sha256 of {filename} does not match the index's hash "
                                       f"({node['sha256']}).")
                return filename
    raise MachNixError(f"{item.where}: {filename} (from {url}) is not a file of {name} in the index at "
                       f"{index.directory}; mach-nix can only lock files it knows. Use '{name}==VERSION' or "
                       "extend the index.")


def cmd_lock(args: argparse.Namespace) -> int:
    """``mach-nix lock``: resolve the inputs against the index and write the lock.

    A resolution builds ~1M objects that live until the end and makes few reference cycles, so
    the cyclic garbage collector is paused meanwhile (its collections would only re-scan them), and
    what is left is then frozen (``gc.freeze``): otherwise the first collection after re-enabling,
    or the one at interpreter exit, scans all of it. Together ~20% of a large lock's run time.
    """
    import gc

    enabled = gc.isenabled()
    gc.disable()
    try:
        return _lock(args)
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def _lock(args: argparse.Namespace) -> int:
    from mach_nix.index.store import Index
    from mach_nix.lock import build_lock, package_entry, write
    from mach_nix.resolve.candidates import parse_providers
    from mach_nix.resolve.lazy_index import LazyIndex
    from mach_nix.resolve.resolver import resolve
    from mach_nix.resolve.target import Target

    target = Target.create(args.python, args.system, args.glibc, args.macos)
    providers = parse_providers(args.providers)
    inputs = _read_inputs(args)
    index = LazyIndex(Index.open(args.index))
    nixpkgs = _read_nixpkgs(args.nixpkgs_json)
    from mach_nix.progress import SlowNotice

    notice = SlowNotice(lambda: f"resolving {len(inputs.requirements)} requirement(s) for CPython {target.python} on {target.system}",
                        enabled=not getattr(args, "quiet", False))
    try:
        with notice:
            request = build_request(inputs, index, target, providers, nixpkgs)
            resolution = resolve(index, target, request, build=not args.no_build_deps)
    except Exception:
        index.check()  # a changed shard explains any failure better than what it caused
        raise
    index.check()
    packages: Dict[str, Dict[str, Any]] = {}
    for name, pkg in resolution.packages.items():
        project = index.project(name)
        packages[name] = package_entry(pkg, project["name"] if project else name)
    lock_inputs = {
        "files": [{"path": path, "sha256": sha} for path, sha in inputs.files],
        "requirements": [str(r.req) for r in inputs.requirements],
        "constraints": [str(r.req) for r in inputs.constraints],
        "extras": sorted(args.extra),
        "groups": sorted(args.group),
        "providers": {k: list(v) for k, v in providers.items()},
        "prereleases": bool(inputs.allow_prereleases),
    }
    lock = build_lock(target=target.to_json(), inputs=lock_inputs, index=index.identity,
                      roots=resolution.roots, packages=packages)
    write(lock, args.output)
    if not args.quiet:
        for warning in inputs.warnings + resolution.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        stray = sorted(n for n in providers if n != "_default" and n not in packages)
        if stray:
            print(f"warning: --providers names {', '.join(stray)}, which the lock does not contain (a typo?).",
                  file=sys.stderr)
        unknown = sorted(n for n, e in packages.items() if e.get("dependencies_unknown"))
        if unknown:
            print(f"warning: the dependencies of {', '.join(unknown)} are unknown to the index (sdists without "
                  "static metadata); they are locked without dependencies. Run `mach-nix index update DIR --sdists` "
                  "or add the missing packages as requirements.", file=sys.stderr)
        build_only = sum(1 for e in packages.values() if e.get("build_only"))
        where = "stdout" if str(args.output) == "-" else str(args.output)
        print(f"locked {len(packages)} packages ({build_only} build-only) for CPython {target.python} on "
              f"{target.system} → {where}", file=sys.stderr)
    return 0


# --- tree / why -------------------------------------------------------------------------------


def _label(name: str, entry: Dict[str, Any]) -> str:
    text = f"{name} {entry['version']} [{entry['provider']}"
    if entry.get("filename", "").endswith(".whl"):
        text += " " + "-".join(entry["filename"][:-4].split("-")[-3:])
    text += "]"
    if entry.get("extras"):
        text = text.replace(f"{name} ", f"{name}[{','.join(entry['extras'])}] ", 1)
    if entry.get("build_only"):
        text += " (build only)"
    if entry.get("dependencies_unknown"):
        text += " (dependencies unknown)"
    return text


def cmd_tree(args: argparse.Namespace) -> int:
    from mach_nix.lock import read

    lock = read(args.lock)
    packages = lock["packages"]
    out: List[str] = []
    expanded: set = set()

    def walk(name: str, prefix: str, last: bool, depth: int, path: Tuple[str, ...]) -> None:
        entry = packages[name]
        branch = "" if depth == 0 else ("└── " if last else "├── ")
        suffix = ""
        if name in path:
            suffix = " (cycle)"
        elif name in expanded and entry["dependencies"]:
            suffix = " (*)"
        out.append(prefix + branch + _label(name, entry) + suffix)
        if suffix or (args.depth and depth >= args.depth):
            return
        expanded.add(name)
        children = entry["dependencies"]
        child_prefix = prefix if depth == 0 else prefix + ("    " if last else "│   ")
        for i, child in enumerate(children):
            walk(child, child_prefix, i == len(children) - 1, depth + 1, path + (name,))

    for root in lock["roots"]:
        walk(root, "", True, 0, ())
    build = sorted(n for n, e in packages.items() if e.get("build_only"))
    if build:
        out.append("build-only: " + ", ".join(f"{n} {packages[n]['version']}" for n in build))
    sys.stdout.write("\n".join(out) + "\n")
    return 0


def cmd_why(args: argparse.Namespace) -> int:
    from mach_nix.errors import NotFound
    from mach_nix.lock import read
    from mach_nix.names import normalize

    lock = read(args.lock)
    packages = lock["packages"]
    target = normalize(args.package)
    if target not in packages:
        raise NotFound(f"{args.package!r} is not in the lock {args.lock} ({len(packages)} packages).")
    parents: Dict[str, List[Tuple[str, str]]] = {}
    for name, entry in packages.items():
        for dep in entry["dependencies"]:
            parents.setdefault(dep, []).append((name, "requires"))
        for dep in (entry.get("build_system") or {}).get("dependencies", []):
            parents.setdefault(dep, []).append((name, "builds with"))
    roots = set(lock["roots"])
    chains: List[List[str]] = []

    def up(name: str, chain: List[str], seen: frozenset) -> None:
        if len(chains) >= 200:
            return
        if name in roots:
            chains.append([name] + chain)
        for parent, how in sorted(parents.get(name, [])):
            if parent not in seen:
                up(parent, [f"{how} {name}"] + chain, seen | {parent})

    up(target, [], frozenset({target}))
    if not chains:
        print(f"{target} is in the lock but no root reaches it.")
        return 0
    for chain in sorted(chains, key=lambda c: (len(c), c)):
        print(" ".join(_render(step, packages) for step in chain))
    return 0


def _render(step: str, packages: Dict[str, Any]) -> str:
    how, _, name = step.rpartition(" ")
    label = f"{name} {packages[name]['version']}"
    return f"→ ({how}) {label}" if how else label
