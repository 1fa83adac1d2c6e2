"""`mach-nix index show|pack|verify|needs|build|update|add`."""

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

    needs = isub.add_parser("needs", help="fill the embedded needs table (DATA/needs/) from the file host, within a byte budget",
                            description="Read the ELF needs of binary Linux wheels with range requests and store them in "
                                        "DATA/needs/ (keyed by wheel sha256), smallest wheels first, until the budget is spent. "
                                        "Resumable: each reading is journaled; a later run continues with what the table lacks.")
    needs.add_argument("--data", type=Path, default=None, metavar="DIR", help="the index whose wheels are read (default: the embedded data/)")
    needs.add_argument("--max-bytes", type=_byte_count, required=True, metavar="N",
                       help="budget of bytes fetched (a wheel is started only when its size still fits): 15G, 500M, 0 (only finish an interrupted fill)")
    needs.add_argument("--newest-only", action="store_true", help="per project and architecture, the newest release's wheels only")
    needs.add_argument("--lock", type=Path, action="append", default=[], metavar="FILE",
                       help="read the binary wheels of this lock instead (repeatable)")
    needs.add_argument("--threads", type=int, default=3, help="connections at once (default 3)")
    needs.add_argument("--dry-run", action="store_true", help="print what would be read, and read nothing")
    needs.add_argument("--verify", action="store_true", help="check the table's shards against its metadata.json, and read nothing")
    needs.set_defaults(func=cmd_needs)

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

    def order(v: str) -> tuple:
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



def _byte_count(text: str) -> int:
    """``15G`` → 15 * 10**9 (K, M, G, T: powers of ten, as the figures in reports)."""
    scale = {"K": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}.get(text[-1:].upper(), 1)
    try:
        value = float(text[:-1] if scale > 1 else text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a byte count (e.g. 15G, 500M, 1000000)") from None
    return int(value * scale)


def cmd_needs(args: argparse.Namespace) -> int:
    from mach_nix.index.storage.store import default_index_dir
    from mach_nix.native.needs_table import NeedsTable

    data = args.data or default_index_dir()
    table_dir = data / "needs"
    if args.verify:
        problems = list(NeedsTable(table_dir).verify())
        for problem in problems[:50]:
            print(f"  - {problem}", file=sys.stderr)
        print(f"needs table {table_dir}: " + (f"{len(problems)} problem(s)" if problems else
                                                f"sound, {NeedsTable(table_dir).metadata()['wheels']} wheels"))
        return 1 if problems else 0
    from mach_nix.native import needs_fill

    wheels = _needs_selection(args, data)
    if args.dry_run:
        report = needs_fill.FillReport()
        todo = needs_fill.plan(NeedsTable(table_dir), wheels, report)
        fits, total = 0, 0
        for wheel in todo:
            if total + wheel.size > args.max_bytes:
                break
            fits, total = fits + 1, total + wheel.size
        print(f"{report.selected} wheels selected, {report.present} in the table, {len(todo)} to read "
              f"({sum(w.size for w in todo)} bytes of wheels); the budget reaches at least {fits} ({total} bytes)")
        return 0
    report = needs_fill.fill(table_dir, wheels, args.max_bytes, threads=args.threads,
                             progress=lambda line: print(line, file=sys.stderr, flush=True))
    for failure in report.failed:
        print(f"could not read {failure}", file=sys.stderr)
    print(f"{report.selected} wheels selected, {report.present} were in the table; read {report.read} "
          f"({report.planned_bytes} bytes of wheels) in {report.requests} requests, {report.bytes} bytes, "
          f"{report.reused} members reused, "
          f"{report.seconds:.1f} s; {len(report.failed)} failed, {report.left} left beyond the budget; "
          f"table {table_dir}: {NeedsTable(table_dir).metadata()['wheels']} wheels")
    return 1 if report.failed else 0


def _needs_selection(args: argparse.Namespace, data: Path) -> list:
    """The wheels `index needs` works through: the locks' binary wheels, or the index's."""
    from dataclasses import replace

    from mach_nix.native.index_wheels import index_wheels, lock_wheels, newest_only

    from mach_nix.index.storage.store import Index

    wheels = list(index_wheels(Index.open(data)))
    if args.lock:  # a lock records no sizes: the index's, where it has the file, plan the budget
        sizes = {w.sha256: w.size for w in wheels}
        return [replace(w, size=sizes.get(w.sha256, w.size)) for path in args.lock for w in lock_wheels(path)]
    return newest_only(wheels) if args.newest_only else wheels
