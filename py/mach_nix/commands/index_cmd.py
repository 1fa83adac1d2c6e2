"""`mach-nix index show|pack|verify|build|update|add`."""

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
        add = isub.add_parser("add", help="make or extend a project-local index layer (mach-nix lock --index BASE --index DIR; Nix: indexes = [ DIR ])",
                              description="Crawl the named projects from PyPI into the index layer DIR, keeping what DIR already holds.")
        add.add_argument("packages", nargs="+", metavar="REQ", help="NAME, NAME[EXTRA] or NAME==VERSION (that release is included even outside the window)")
        add.add_argument("--out", type=Path, required=True, metavar="DIR", help="the layer to make or extend (written atomically, verified)")
        add.add_argument("--closure", action="store_true", help="also add the projects the added releases depend on that no base layer holds")
        add.add_argument("--index", type=Path, action="append", default=None, metavar="BASE",
                         help="a base layer (repeatable; default: the embedded data/): --closure leaves the projects it holds to it")
        crawl_cmd.add_window_options(add)
        crawl_cmd.common_crawl_options(add)
        add.set_defaults(func=cmd_add)


def cmd_show(args: argparse.Namespace) -> int:
    import orjson

    from mach_nix.errors import NotFound
    from mach_nix.index.storage.schema import file_requires_dist
    from mach_nix.index.storage.store import Index

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
    from mach_nix.index.storage.pack import pack

    meta = pack(args.src, args.out, args.format)
    print(f"wrote {args.out} ({meta['format']}): {meta['projects']} projects, {meta['releases']} releases, {meta['files']} files")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from mach_nix.index.storage.pack import verify
    from mach_nix.index.storage.store import default_index_dir

    from mach_nix.index.storage.cache import finish_interrupted_save

    directory = args.dir or args.index or default_index_dir()
    if finish_interrupted_save(directory):
        print(f"completed a save of the cache {directory} that was cut short", file=sys.stderr)
    problems = verify(directory)
    if problems:
        print(f"index {directory} has {len(problems)} problem(s):", file=sys.stderr)
        for problem in problems[:50]:
            print(f"  - {problem}", file=sys.stderr)
        print("Restore the directory from version control or rebuild it with `mach-nix index build`.", file=sys.stderr)
        return 1
    print(f"index {directory} is sound")
    return 0


def cmd_add(args: argparse.Namespace) -> int:
    from mach_nix.commands.crawl_cmd import crawling, open_crawler, window_scope
    from mach_nix.errors import NotFound
    from mach_nix.index.crawl.add import add_to_layer
    from mach_nix.index.crawl.scope import parse_seeds
    from mach_nix.index.storage.store import Index, default_index_dir, now_utc

    bases = [Index.open(d) for d in (args.index or [default_index_dir()])]
    started = now_utc()
    with crawling(open_crawler(args, args.out, window_scope(args, closure=False, seeds=list(args.packages)))) as crawler:
        result = add_to_layer(crawler, args.packages, args.out, closure=args.closure, bases=bases, fmt=args.format,
                              created_at=started)
    meta = result.meta
    print(f"wrote {args.out}: {meta['projects']} projects, {meta['releases']} releases, {meta['files']} files (verified); "
          f"added {', '.join(result.added) or 'nothing'}" + (f"; kept {len(result.kept)} already there" if result.kept else "")
          + (f"; left to the base: {', '.join(result.skipped)}" if result.skipped else ""))
    absent = [n for n in result.missing if n in parse_seeds(args.packages)]
    problems = [f"{n} is not on PyPI" for n in absent]
    problems += [f"{n} has no release {', '.join(v)} on PyPI" for n, v in sorted(result.unpinned.items())]
    if problems:
        raise NotFound("; ".join(problems) + ". Check the spelling and the version (`mach-nix index show NAME --index "
                       f"{args.out}` lists what the layer holds).")
    return 1 if result.failed else 0

