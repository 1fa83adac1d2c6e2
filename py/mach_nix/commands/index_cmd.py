"""`mach-nix index show|pack|verify|build|update`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mach_nix.commands.options import add_index_option


def register(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    index = sub.add_parser("index", help="inspect, pack, verify and crawl the PyPI dependency index")
    isub = index.add_subparsers(dest="index_command", metavar="SUBCOMMAND")

    show = isub.add_parser("show", help="print a project's releases and files (exit 1 when absent)")
    show.add_argument("name")
    show.add_argument("--json", action="store_true", help="print the raw project record")
    add_index_option(show)
    show.set_defaults(func=cmd_show)

    pack = isub.add_parser("pack", help="convert an index directory to the other form (default: lz4)")
    pack.add_argument("src", type=Path)
    pack.add_argument("out", type=Path)
    pack.add_argument("--format", choices=("lz4", "json"), default="lz4")
    pack.set_defaults(func=cmd_pack)

    verify = isub.add_parser("verify", help="check metadata, hashes and schema of an index directory")
    verify.add_argument("dir", type=Path, nargs="?", default=None)
    add_index_option(verify)
    verify.set_defaults(func=cmd_verify)

    import importlib

    try:
        crawl_cmd = importlib.import_module("mach_nix.commands.crawl_cmd")
    except ModuleNotFoundError as exc:
        if exc.name != "mach_nix.commands.crawl_cmd":
            raise
    else:
        crawl_cmd.register(isub)


def cmd_show(args: argparse.Namespace) -> int:
    import orjson

    from mach_nix.errors import NotFound
    from mach_nix.index.schema import file_requires_dist
    from mach_nix.index.store import Index

    index = Index.open(args.index)
    project = index.project(args.name)
    if project is None:
        raise NotFound(
            f"{args.name!r} is not in the index at {index.directory} (created {index.metadata.get('created_at')}). "
            "Add it with `mach-nix index build --packages NAME --out DIR` or refresh with `mach-nix index update DIR`."
        )
    if args.json:
        sys.stdout.write(orjson.dumps(project, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS).decode() + "\n")
        return 0
    from packaging.version import InvalidVersion, Version

    def order(v: str):
        try:
            return (0, Version(v))
        except InvalidVersion:
            return (-1, v)

    out = [f"{project['name']}  ({len(project['releases'])} releases, index {index.directory})"]
    for version in sorted(project["releases"], key=order, reverse=True):
        files = project["releases"][version]
        out.append(f"  {version}")
        for node in files:
            deps = file_requires_dist(project, node)
            flags = []
            if node.get("yanked"):
                flags.append("yanked")
            if node.get("requires_python"):
                flags.append(f"python{node['requires_python']}")
            flags.append(f"metadata={node.get('metadata', '?')}")
            deps_text = "deps unknown" if deps is None else f"{len(deps)} deps"
            out.append(f"    {node['filename']}  [{', '.join(flags)}; {deps_text}]")
    sys.stdout.write("\n".join(out) + "\n")
    return 0


def cmd_pack(args: argparse.Namespace) -> int:
    from mach_nix.index.pack import pack

    meta = pack(args.src, args.out, args.format)
    print(f"wrote {args.out} ({meta['format']}): {meta['projects']} projects, {meta['releases']} releases, {meta['files']} files")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from mach_nix.index.pack import verify
    from mach_nix.index.store import default_index_dir

    directory = args.dir or args.index or default_index_dir()
    problems = verify(directory)
    if problems:
        print(f"index {directory} has {len(problems)} problem(s):", file=sys.stderr)
        for problem in problems[:50]:
            print(f"  - {problem}", file=sys.stderr)
        print("Restore the directory from version control or rebuild it with `mach-nix index build`.", file=sys.stderr)
        return 1
    print(f"index {directory} is sound")
    return 0
