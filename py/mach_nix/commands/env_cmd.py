"""`mach-nix env DIR` (a directory with default.nix, shell.nix and a lock: `nix-shell DIR` works with
no import-from-derivation) and `mach-nix gen` (a standalone nixpkgs overlay).

Exit codes: 0 success; 1 a package or file was not found; 2 bad input or a failed resolution
(the resolver's explanation is printed); 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any, Dict, List


def _lock_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("requirements", nargs="*", metavar="REQ", help="requirements given directly, e.g. 'requests>=2'")
    p.add_argument("-r", "--requirement", action="append", default=[], type=Path, metavar="FILE",
                   help="requirements.txt (repeatable)")
    p.add_argument("--pyproject", type=Path, metavar="FILE", help="pyproject.toml instead of requirements")
    p.add_argument("--lock", type=Path, metavar="FILE", help="use this existing lock instead of resolving")
    p.add_argument("--python", default="3.11", help="target CPython, e.g. 3.11 or 3.11.9 (default 3.11)")
    p.add_argument("--system", default=None, help="target system (default x86_64-linux)")
    p.add_argument("--glibc", default=None, help="target glibc (default 2.40, nixpkgs')")
    p.add_argument("--macos", default=None, help="macOS deployment target (default 11.3)")
    p.add_argument("--index", type=Path, default=None, metavar="DIR", help="index directory (default: embedded data/)")
    p.add_argument("--providers", default=None, help="provider order, e.g. '_default=wheel,sdist'")
    p.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")
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
    names.add_argument("--index", type=Path, default=None, metavar="DIR", help="index directory (default: embedded data/)")
    names.set_defaults(func=cmd_names)


def _generator(command: str) -> str:
    """The command line that wrote a file (for its header), when it is this process's own."""
    import shlex

    if sys.argv[1:2] == [command]:
        return "mach-nix " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    return f"mach-nix {command}"


def _resolve(args: argparse.Namespace, out: Path) -> Dict[str, Any]:
    """Lock through `mach-nix lock` (or copy --lock) into `out`; return the lock."""
    from mach_nix.cli import main as cli_main
    from mach_nix.errors import MachNixError
    from mach_nix.fsutil import atomic_write_bytes
    from mach_nix.lock import read

    if args.lock is not None:
        if args.requirements or args.requirement or args.pyproject:
            raise MachNixError("--lock and requirements are mutually exclusive: a lock already records its requirements.")
        lock = read(args.lock)
        if args.lock.resolve() != out.resolve():
            atomic_write_bytes(out, args.lock.read_bytes())
        return lock
    argv: List[str] = ["lock", *args.requirements, "--python", args.python, "-o", str(out)]
    for r in args.requirement:
        argv += ["-r", str(r)]
    for flag, value in (("--pyproject", args.pyproject), ("--system", args.system), ("--glibc", args.glibc),
                        ("--macos", args.macos), ("--index", args.index), ("--providers", args.providers)):
        if value is not None:
            argv += [flag, str(value)]
    if args.quiet or args.json:
        argv.append("--quiet")
    code = cli_main(argv)
    if code != 0:
        raise MachNixError("the resolution failed (see above); nothing was written.", exit_code=code)
    return read(out)


def _summary(args: argparse.Namespace, lock: Dict[str, Any], **extra: Any) -> None:
    if args.json:
        data = {"packages": len(lock["packages"]), "roots": lock["roots"], "target": lock["target"], **extra}
        print(json.dumps(data, indent=2, sort_keys=True, default=str))


def cmd_env(args: argparse.Namespace) -> int:
    from mach_nix.errors import MachNixError
    from mach_nix.fsutil import atomic_write_bytes
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
    directory.mkdir(parents=True, exist_ok=True)
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
        atomic_write_bytes(directory / name, text.encode())
    written = sorted([*files, "mach-nix.lock.json"])
    if not args.quiet and not args.json:
        print(f"wrote {', '.join(written)} to {directory} ({len(lock['packages'])} packages, mach-nix from {source}); "
              f"enter it with: nix-shell {directory}", file=sys.stderr)
    _summary(args, lock, directory=str(directory), files=written, mach_nix=source)
    return 0


def cmd_gen(args: argparse.Namespace) -> int:
    from mach_nix.errors import MachNixError
    from mach_nix.fsutil import atomic_write_bytes
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
        atomic_write_bytes(args.output, text.encode())
        if not args.quiet and not args.json:
            print(f"wrote the overlay for {len(lock['packages'])} packages to {args.output}", file=sys.stderr)
    _summary(args, lock, output=str(args.output) if args.output else None)
    return 0


def cmd_names(args: argparse.Namespace) -> int:
    from mach_nix.index.store import Index

    sys.stdout.write(json.dumps(sorted(Index.open(args.index).names())) + "\n")
    return 0
