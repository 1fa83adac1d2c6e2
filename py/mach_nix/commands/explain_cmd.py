"""`mach-nix explain-build LOG|DRV`: read a failed build's log and print what to add.

Exit statuses: 0 a fix was printed for everything recognized; 1 the log shows no failure this
command knows (nothing printed but that sentence); 2 the log could not be read.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from mach_nix.errors import MachNixError, NotFound


def register(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    cmd = sub.add_parser(
        "explain-build", help="print the fix for a failed wheel or sdist build, from its log",
        description="Read a failed build's log (a file, '-' for stdin, or a .drv whose log `nix-store --read-log` "
                    "prints) and print, for each missing soname, header, pkg-config module, tool or Python build "
                    "requirement, the overrides/ rule or overridesPost snippet that supplies it.")
    cmd.add_argument("log", help="log file, '-' (stdin), or /nix/store/…drv")
    cmd.add_argument("--package", default=None, help="the locked package the build is of (default: read from the log)")
    cmd.add_argument("--json", action="store_true", help="print the findings as JSON")
    cmd.set_defaults(func=cmd_explain)


def read_log(source: str) -> str:
    """The log text of a file, of stdin (``-``), or of a derivation (``nix-store --read-log``)."""
    if source == "-":
        return sys.stdin.read()
    if source.endswith(".drv"):
        try:
            proc = subprocess.run(["nix-store", "--read-log", source], capture_output=True, text=True, timeout=120)
        except FileNotFoundError:
            raise MachNixError(f"{source} is a derivation, and reading its log needs nix-store, which is not on PATH; "
                               "save the log (`nix log DRV > build.log`) and give the file.") from None
        if proc.returncode != 0:
            raise MachNixError(f"nix-store --read-log {source} failed ({proc.stderr.strip().splitlines()[-1:] or ['no log']}): "
                               "the derivation was not built on this machine, or its log was not kept; rebuild it with "
                               "`nix-build` and give the log file.")
        return proc.stdout
    return Path(source).read_text(encoding="utf-8", errors="replace")


def cmd_explain(args: argparse.Namespace) -> int:
    from mach_nix.native.explain_build import explain

    findings = explain(read_log(args.log), args.package, args.log)
    if not findings:
        raise NotFound(f"{args.log} shows no failure explain-build knows (a missing soname, header, pkg-config module, "
                       "configuration tool or Python build requirement); the error is in the log's last lines.")
    if args.json:
        import orjson

        sys.stdout.write(orjson.dumps([{"kind": f.kind, "missing": f.missing, "package": f.package,
                                        "attrs": f.attrs, "fix": f.fix()} for f in findings],
                                      option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        sys.stdout.write("\n\n".join(f.fix() for f in findings) + "\n")
    return 0
