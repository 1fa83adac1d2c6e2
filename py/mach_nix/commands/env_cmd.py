"""`mach-nix env DIR` (a directory with default.nix, shell.nix and a lock: `nix-shell DIR` works with
no import-from-derivation) and `mach-nix gen` (a standalone nixpkgs overlay).

Exit statuses are those of every command (mach_nix.errors).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mach_nix.commands.options import add_index_option, add_lock_options, lock_options

if TYPE_CHECKING:
    from mach_nix.shapes import LockDocument


def _lock_arguments(p: argparse.ArgumentParser) -> None:
    add_lock_options(p)
    p.add_argument("--lock", type=Path, metavar="FILE", help="use this existing lock instead of resolving")
    p.add_argument("--json", action="store_true", help="print a JSON summary on stdout")


def register(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    env = sub.add_parser("env", help="write DIR/{default,shell}.nix + lock: `nix-shell DIR` with no IFD",
                         description="Resolve the requirements and write DIR/default.nix, DIR/shell.nix, "
                                     "DIR/mach-nix.lock.json and DIR/requirements.txt, pinned to this mach-nix.")
    env.add_argument("directory", type=Path, metavar="DIR")
    _lock_arguments(env)
    env.add_argument("--mach-nix", dest="machnix", default=None, metavar="SRC",
                     help="mach-nix to pin: a checkout path or a tarball URL (default: this checkout)")
    env.set_defaults(func=cmd_env)

    gen = sub.add_parser("gen", help="print a standalone nixpkgs overlay with the resolved packages",
                         description="Resolve the requirements and print (or write) a nixpkgs overlay that needs "
                                     "neither mach-nix nor import-from-derivation at evaluation time.")
    _lock_arguments(gen)
    gen.add_argument("-o", "--output", type=Path, default=None, metavar="FILE", help="write here instead of stdout")
    gen.set_defaults(func=cmd_gen)

    names = sub.add_parser("names", help="print the normalized project names of the index (a JSON list)",
                           description="Print the index's project names as a JSON list (what the flake's "
                                       "gen.python.<name>… one-liners offer).")
    add_index_option(names)
    names.set_defaults(func=cmd_names)


def _generator(command: str) -> str:
    """The command line that wrote a file (for its header), when it is this process's own."""
    import shlex

    if sys.argv[1:2] == [command]:
        return "mach-nix " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    return f"mach-nix {command}"


def _resolve(args: argparse.Namespace, out: Path) -> LockDocument:
    """Lock the inputs (or copy ``--lock``) into ``out``; return the lock."""
    from mach_nix.errors import MachNixError
    from mach_nix.fsutil import write_output
    from mach_nix.lock import read, write
    from mach_nix.pipeline import lock_requirements

    if args.lock is not None:
        if args.requirements or args.requirement or args.pyproject or args.requirement_text or args.setup_cfg:
            raise MachNixError("--lock and requirements are mutually exclusive: a lock already records its requirements.")
        lock = read(args.lock)
        if args.lock.resolve() != out.resolve():
            write_output(out, args.lock.read_bytes(), "the lock")
        return lock
    options = lock_options(args)
    options.previous = out  # an env made before keeps its pins where they still fit
    result = lock_requirements(options, notice=not (args.quiet or args.json))
    write(result.lock, out)
    if not (args.quiet or args.json):
        for warning in result.warnings:
            print(f"warning: {warning}", file=sys.stderr)
    return result.lock


def _summary(args: argparse.Namespace, lock: LockDocument, **extra: Any) -> None:
    if args.json:
        data = {"packages": len(lock["packages"]), "roots": lock["roots"], "target": lock["target"], **extra}
        print(json.dumps(data, indent=2, sort_keys=True, default=str))


def cmd_env(args: argparse.Namespace) -> int:
    from mach_nix.errors import MachNixError
    from mach_nix.fsutil import write_output
    from mach_nix.nix import checkout_root, env_files, machnix_import

    source = args.machnix
    if source is None:
        root = checkout_root()
        if root is None:
            raise MachNixError("this mach-nix does not run from a checkout (it has no lib/ beside it), so it cannot pin "
                               "itself; pass --mach-nix /path/to/mach-nix or --mach-nix https://…/mach-nix.tar.gz.")
        source = str(root)
    machnix_import(source)  # checked before anything is written
    directory: Path = args.directory
    if directory.exists() and not directory.is_dir():
        raise MachNixError(f"{directory} exists and is not a directory; `mach-nix env DIR` writes default.nix, "
                           "shell.nix and the lock into DIR. Name a new or existing directory.")
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise MachNixError(f"cannot create the directory {directory} ({exc.strerror or exc}); choose another DIR.") from None
    lock_path = directory / "mach-nix.lock.json"
    # `mach-nix lock` writes its output atomically and only on success.
    lock = _resolve(args, lock_path)
    python = lock["target"].get("python_full") or lock["target"]["python"]
    files = env_files(source=source, python=python, generator=_generator("env"))
    requirements = "".join(r + "\n" for r in lock["inputs"].get("requirements", []))
    if args.requirement and len(args.requirement) == 1:
        requirements = args.requirement[0].read_text(encoding="utf-8")
    files["requirements.txt"] = requirements
    for name, text in files.items():
        write_output(directory / name, text.encode(), name)
    written = sorted([*files, "mach-nix.lock.json"])
    if not args.quiet and not args.json:
        print(f"wrote {', '.join(written)} to {directory} ({len(lock['packages'])} packages, mach-nix from {source}); "
              f"enter it with: nix-shell {directory}", file=sys.stderr)
    _summary(args, lock, directory=str(directory), files=written, mach_nix=source)
    return 0


def cmd_gen(args: argparse.Namespace) -> int:
    from mach_nix.errors import MachNixError
    from mach_nix.fsutil import write_output
    from mach_nix.nix import checkout_root, standalone_overlay

    if args.json and args.output is None:
        raise MachNixError("--json prints a summary on stdout; give -o FILE for the overlay.")
    root = checkout_root()
    if root is None:
        raise MachNixError("`mach-nix gen` copies lib/ of its checkout, and this mach-nix has none beside it; run it "
                           "from a mach-nix checkout (e.g. `nix run github:…/mach-nix -- gen`).")
    with tempfile.TemporaryDirectory() as tmp:
        lock = _resolve(args, Path(tmp) / "lock.json")
    python = lock["target"].get("python_full") or lock["target"]["python"]
    text = standalone_overlay(lock, python=python, generator=_generator("gen"), root=root)
    if args.output is None:
        sys.stdout.write(text)
    else:
        write_output(args.output, text.encode(), "the overlay", default_name="overlay.nix")
        if not args.quiet and not args.json:
            print(f"wrote the overlay for {len(lock['packages'])} packages to {args.output}", file=sys.stderr)
    _summary(args, lock, output=str(args.output) if args.output else None)
    return 0


def cmd_names(args: argparse.Namespace) -> int:
    from mach_nix.index.storage.store import Index

    sys.stdout.write(json.dumps(sorted(Index.open(args.index).names())) + "\n")
    return 0
