"""``mach-nix lock --from``: a mach-nix lock of another tool's lock (uv.lock, poetry.lock,
pylock.toml) for one target, instead of a resolution.

Example: ``convert_foreign(LockOptions(InputSources(), from_lock=Path("uv.lock"))).lock["packages"]``
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:
    from mach_nix.pipeline.result import LockResult
    from mach_nix.pipeline.options import LockOptions
    from mach_nix.shapes import LockInputs, Packages


def convert_foreign(options: LockOptions) -> LockResult:
    """A mach-nix lock of ``options.from_lock`` for the options' target; its local files named
    relative to ``options.output``. Example: see the module docstring."""
    from mach_nix.errors import MachNixError
    from mach_nix.index.view.layers import open_layers
    from mach_nix.inputs.foreign.read import read_foreign_lock
    from mach_nix.inputs.foreign.convert import convert
    from mach_nix.lock import build_lock
    from mach_nix.pipeline.result import LockResult, add_native_needs, lock_target
    from mach_nix.resolve.target import Target

    src = options.sources
    if src.requirements or src.requirement_files or src.constraint_files or src.requirement_texts or src.pyproject \
            or src.setup_cfg:
        raise MachNixError("--from converts a lock and takes no requirements: a lock already records them. Drop "
                           "-r/-c/--pyproject/REQ, or drop --from to resolve them.")
    assert options.from_lock is not None
    target = Target.create(options.python, options.system, options.glibc, options.macos)
    foreign = read_foreign_lock(options.from_lock, options.lock_format)
    index = open_layers(options.index_dirs(), remote=False)  # the local layers: what they know of a file is used
    lookup = None
    if not options.offline:
        from mach_nix.index.client.fetch import PyPIFileLookup
        from mach_nix.index.client.pypi import PyPIClient

        lookup = PyPIFileLookup(client=PyPIClient(index_url=options.index_url, pool_size=4, retries=3,
                                                  **options.client_options()))
    converted = convert(foreign, target, index=index, extras=src.extras, groups=src.groups, lookup=lookup)
    relocate_paths(converted.packages, Path(foreign.path).parent, options.output)
    needs = add_native_needs(options, converted.packages)
    inputs: LockInputs = {
        "files": [{"path": foreign.path, "sha256": foreign.sha256, "kind": foreign.format}],
        "requirements": [], "constraints": [], "extras": sorted(src.extras), "groups": sorted(src.groups),
        "providers": {}, "prereleases": False, "arguments": options.arguments()}
    lock = build_lock(target=lock_target(options, target, converted.packages), inputs=inputs, index=index.identity,
                      roots=converted.roots,
                      packages=converted.packages)
    return LockResult(lock, converted.warnings + needs.warnings)


def relocate_paths(packages: Packages, source_dir: Path, output: Optional[Path]) -> None:
    """Local files of a foreign lock are named relative to it; the new lock names them relative to
    itself, and only files inside its directory (a lock's ``path`` never leaves it: docs/lock-format.md).

    Example: uv.lock's ``wheels/six….whl`` becomes ``app/wheels/six….whl`` for ``-o mach-nix.lock.json``
    written one directory above it.
    """
    import os

    from mach_nix.errors import MachNixError, quoted

    base = (output.parent if output is not None and str(output) != "-" else Path(".")).resolve()
    for name, entry in packages.items():
        if entry.get("path"):
            target = (source_dir / entry["path"]).resolve()
            relative = os.path.relpath(target, base)
            if relative == ".." or relative.startswith("../"):
                raise MachNixError(
                    f"packages.{name}.path: the local file {quoted(str(target))} is outside {base}, the directory "
                    "of the lock being written, and a lock may only name files inside its own directory. Write the "
                    "lock (-o) in a directory that contains the file, e.g. beside the lock it is converted from.")
            entry["path"] = relative
