"""The `mach-nix` command line: parse arguments, hand them to a command module, print errors.

Each module in ``mach_nix.commands`` registers its sub-commands; heavy imports happen inside the
command functions so that start-up stays fast.
"""

from __future__ import annotations

import argparse
import sys
from typing import List, Optional

from mach_nix import __version__
from mach_nix.errors import MachNixError

COMMAND_MODULES = ("mach_nix.commands.index_cmd", "mach_nix.commands.lock_cmd", "mach_nix.commands.env_cmd")


def build_parser() -> argparse.ArgumentParser:
    import importlib

    parser = argparse.ArgumentParser(prog="mach-nix", description="Reproducible Python environments on Nix.")
    parser.add_argument("--version", action="version", version=f"mach-nix {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        module.register(sub)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    """Entry point of the ``mach-nix`` console script; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except MachNixError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
