"""The resolving route to a lock: inputs → index → resolution → lock document, within the budgets.

Example: ``resolved_lock(LockOptions(InputSources(requirements=["idna"])), notice=False).lock["roots"] == ["idna"]``
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:
    from mach_nix.index.view.layers import LayeredIndex
    from mach_nix.inputs import InputSet
    from mach_nix.pipeline.advice import Providers
    from mach_nix.pipeline.options import LockOptions
    from mach_nix.pipeline.result import LockResult
    from mach_nix.resolve.contracts import ResolveRequest
    from mach_nix.resolve.resolver import Resolution
    from mach_nix.resolve.target import Target
    from mach_nix.shapes import LockDocument, LockInputs, Packages


def resolved_lock(options: LockOptions, notice: bool) -> LockResult:
    """Resolve ``options``' inputs against their index and build the lock; ``notice``: say on stderr
    what is being resolved when it takes a while. Example: see the module docstring."""
    from mach_nix.inputs.read import read_inputs
    from mach_nix.resolve.budget import Budget, BudgetExceeded
    from mach_nix.resolve.provider_order import parse_providers
    from mach_nix.resolve.target import Target

    # the budgets bound the whole lock from the first byte read, not only the resolution
    budget = Budget(options.max_seconds, options.max_memory_mb)
    target = Target.create(options.python, options.system, options.glibc, options.macos)
    providers = parse_providers(options.providers)
    try:
        inputs = read_inputs(options.sources, check=budget.check)
    except BudgetExceeded as exc:
        raise budget.stopped(exc, "reading the inputs") from None
    # the resolver's modules (packaging, resolvelib) once there is something to resolve
    from mach_nix.pipeline.relock import kept_pins, read_previous
    from mach_nix.pipeline.result import write_stats
    from mach_nix.progress import SlowNotice
    from mach_nix.resolve.prefetch import start_prefetching
    from mach_nix.resolve.request import build_request, read_nixpkgs_json
    from mach_nix.resolve.resolver import resolve

    previous, why_not = read_previous(options.previous)
    nixpkgs = read_nixpkgs_json(options.nixpkgs_json)
    index = options.open_index()
    status = SlowNotice(lambda: f"resolving {len(inputs.requirements)} requirement(s) for CPython {target.python} "
                                f"on {target.system}", enabled=notice)
    try:
        try:
            with status:
                start_prefetching(index, target, providers, [r.req.name for r in inputs.requirements])
                request = build_request(inputs, index, target, providers, nixpkgs)
                request.preferred = kept_pins(previous, options)
                try:
                    budget.check()
                except BudgetExceeded as exc:
                    raise budget.stopped(exc, "reading the inputs") from None
                resolution = resolve(index, target, request, build=options.build_deps, budget=budget)
        except Exception:
            index.check()  # a changed shard explains any failure better than what it caused
            raise
        index.check()
    finally:
        index.close()  # what was fetched is kept, whether or not the resolution succeeded
        write_stats(index)
    result = _lock_result(options, inputs, providers, previous, target, index, request, resolution)
    if why_not:
        result.warnings.append(why_not)
    return result


def _lock_result(options: LockOptions, inputs: InputSet, providers: Providers, previous: Optional[LockDocument],
                 target: Target, index: LayeredIndex, request: ResolveRequest, resolution: Resolution) -> LockResult:
    from mach_nix.lock import build_lock, package_entry
    from mach_nix.pipeline.advice import advice
    from mach_nix.pipeline.result import LockResult, add_native_needs, lock_target, write_stats
    from mach_nix.resolve.request import check_hash_coverage

    runtime = [n for n, p in resolution.packages.items() if not p.build_only and p.candidate.provider != "nixpkgs"]
    check_hash_coverage(inputs, request, runtime)
    packages: Packages = {}
    for name, pkg in resolution.packages.items():
        project = index.project(name)
        packages[name] = package_entry(pkg, project["name"] if project else name)
        if pkg.candidate.file is not None:
            packages[name]["index"] = index.origin(name, pkg.candidate.vstr)
    used = sorted({layer for layer in (e.get("index") for e in packages.values()) if layer})
    needs = add_native_needs(options, packages, previous)
    write_stats(index, needs.stats())
    lock = build_lock(target=lock_target(options, target, packages), inputs=_lock_inputs(options, inputs, providers),
                      index=index.identity, roots=resolution.roots, packages=packages,
                      indexes=index.layers_json(used))
    warnings = inputs.warnings + resolution.warnings + advice(providers, resolution, packages) + needs.warnings
    return LockResult(lock, warnings, previous)


def _lock_inputs(options: LockOptions, inputs: InputSet, providers: Providers) -> LockInputs:
    return {
        "files": [{"path": f.path, "sha256": f.sha256, "kind": f.kind} for f in inputs.files],
        "requirements": [str(r.req) for r in inputs.requirements],
        "constraints": [str(r.req) for r in inputs.constraints],
        "extras": sorted(options.sources.extras),
        "groups": sorted(options.sources.groups),
        "providers": {k: list(v) for k, v in providers.items()},
        "prereleases": bool(inputs.allow_prereleases),
        "arguments": options.arguments(),
    }
