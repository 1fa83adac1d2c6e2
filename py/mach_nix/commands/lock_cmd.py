"""`mach-nix lock`, `mach-nix tree` and `mach-nix why`: parse, call the library, print.

Heavy imports happen inside the command functions: `mach-nix --help` stays fast.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mach_nix.commands.options import add_lock_options, lock_options
from mach_nix.errors import MachNixError


def register(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    lock = sub.add_parser(
        "lock", help="resolve requirements against the index and write a lock file",
        description="Resolve requirements against the mach-nix index layers, fetching what they lack from PyPI "
                    "(or --index-url) into the user cache, and write a lock (schema v1).")
    add_lock_options(lock)
    lock.add_argument("--from", dest="from_lock", type=Path, default=None, metavar="LOCK",
                      help="convert uv.lock, poetry.lock or pylock.toml (PEP 751) instead of resolving")
    lock.add_argument("--lock-format", choices=("uv", "poetry", "pylock"), default=None,
                      help="the format of --from when its file name does not say")
    lock.add_argument("-o", "--output", type=Path, default=Path("mach-nix.lock.json"), metavar="FILE",
                      help="lock file to write ('-' for stdout; default mach-nix.lock.json); when it exists, its "
                           "pins are kept wherever they still fit")
    lock.add_argument("-U", "--upgrade", action="store_true", help="re-resolve everything, ignoring the pins of -o")
    lock.add_argument("-P", "--upgrade-package", action="append", default=[], metavar="NAME",
                      help="free this package's pin (and what must move with it); repeatable")
    lock.add_argument("--failure-json", type=Path, default=None, metavar="FILE",
                      help='on failure, write {"error": MESSAGE, "failure": {kind, absent_projects, absent_releases, '
                           'conflicts, commands}} to FILE (for scripts; the Nix library reads it)')
    lock.add_argument("--format", choices=("mach-nix", "pylock"), default=None,
                      help="mach-nix (JSON, schema v1) or pylock (PEP 751 pylock.toml); default: pylock when -o is "
                           "named pylock.toml or pylock.*.toml, else mach-nix")
    lock.set_defaults(func=cmd_lock)

    tree = sub.add_parser("tree", help="print the dependency tree of a lock")
    tree.add_argument("lock", nargs="?", type=Path, default=Path("mach-nix.lock.json"))
    tree.add_argument("--depth", type=int, default=0, help="limit the depth (0: no limit)")
    tree.set_defaults(func=cmd_tree)

    why = sub.add_parser("why", help="print every chain from a root to a package")
    why.add_argument("package")
    why.add_argument("lock", nargs="?", type=Path, default=Path("mach-nix.lock.json"))
    why.set_defaults(func=cmd_why)


def cmd_lock(args: argparse.Namespace) -> int:
    """``mach-nix lock``: resolve, write the lock atomically, print warnings and a summary line."""
    from mach_nix.lock import write
    from mach_nix.pipeline import lock_requirements

    options = lock_options(args)
    options.from_lock, options.lock_format = args.from_lock, args.lock_format
    fmt = output_format(args.format, args.output)
    options.output = args.output
    if fmt == "mach-nix" and str(args.output) != "-":
        options.previous = args.output
    options.upgrade, options.upgrade_packages = args.upgrade, list(args.upgrade_package)
    try:
        result = lock_requirements(options, notice=not args.quiet)
    except MachNixError as exc:
        if args.failure_json is not None:
            write_failure(args.failure_json, exc)
        raise
    if fmt == "pylock":
        from mach_nix.fsutil import write_output
        from mach_nix.pylock_export import to_pylock

        write_output(args.output, to_pylock(result.lock).encode(), "the pylock.toml", default_name="pylock.toml")
    else:
        write(result.lock, args.output)
    if not args.quiet:
        for warning in result.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        from mach_nix.pipeline.relock import changes

        for line in changes(result.previous, result.lock):
            print(line, file=sys.stderr)
        where = "stdout" if str(args.output) == "-" else str(args.output)
        print(f"{result.summary} → {where}", file=sys.stderr)
    return 0


def write_failure(path: Path, exc: "MachNixError") -> None:
    """``{"error": …, "failure": …}`` of a failed lock at ``path`` (``--failure-json``).

    Example: ``{"error": "'furo' is not in …", "failure": {"kind": "absent", "absent_projects": ["furo"], …}}``
    """
    import orjson

    from mach_nix.fsutil import atomic_write_bytes

    doc = {"error": exc.message, "failure": exc.failure.to_json()}
    atomic_write_bytes(path, orjson.dumps(doc, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n")


def output_format(given: "str | None", output: Path) -> str:
    """``--format``, else ``pylock`` for an output named like PEP 751 says (pylock.toml, pylock.NAME.toml)."""
    if given:
        return given
    name = output.name
    return "pylock" if name == "pylock.toml" or (name.startswith("pylock.") and name.endswith(".toml")) else "mach-nix"


def cmd_tree(args: argparse.Namespace) -> int:
    from mach_nix.lock import read
    from mach_nix.lock_view import tree_lines

    sys.stdout.write("\n".join(tree_lines(read(args.lock), args.depth)) + "\n")
    return 0


def cmd_why(args: argparse.Namespace) -> int:
    from mach_nix.lock import read
    from mach_nix.lock_view import why_lines

    sys.stdout.write("\n".join(why_lines(read(args.lock), args.package, f"the lock {args.lock}")) + "\n")
    return 0
