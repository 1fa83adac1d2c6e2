"""`mach-nix index build` and `mach-nix index update`: crawl PyPI into an index directory."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from contextlib import contextmanager
from typing import Any, Dict, Iterator, Optional

from mach_nix.commands.options import add_index_option


def register(isub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    build = isub.add_parser("build", help="crawl PyPI into a new index directory (see docs/crawl.md)")
    build.add_argument("--packages", nargs="+", default=[], metavar="FILE|REQ", help="requirement files or requirements (NAME, NAME[EXTRA], NAME==VERSION pins a release)")
    build.add_argument("--out", type=Path, required=True, metavar="DIR", help="index directory to write (replaced atomically)")
    build.add_argument("--closure", action="store_true", help="also include every project the included releases depend on")
    add_window_options(build)
    build.add_argument("--top", type=int, default=0, metavar="N", help="also include the first N projects of --top-csv")
    build.add_argument("--top-csv", type=Path, metavar="CSV", help="top-pypi-packages CSV (download_count,project)")
    build.add_argument("--sdists", action="store_true", help="download every sdist in scope (default: only where it matters)")
    common_crawl_options(build)
    build.set_defaults(func=cmd_build)

    update = isub.add_parser("update", help="fetch the files PyPI lists that the index lacks (same scope as the build)")
    update.add_argument("dir", type=Path, nargs="?", default=None, help="index directory (default: --index, else the embedded data/)")
    add_index_option(update)
    update.add_argument("--sdists", action="store_true", help="also download the sdists marked not-crawled")
    common_crawl_options(update)
    update.set_defaults(func=cmd_update)


def common_crawl_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=("json", "lz4"), default=None, help="form to write (default: json, or the existing index's)")
    parser.add_argument("--threads", type=int, default=48, help="concurrent file fetches (default 48)")
    parser.add_argument("--work-dir", type=Path, default=None, help="resume cache (default: crawl/HASH in the user cache, $MACH_NIX_CACHE_DIR or ~/.cache/mach-nix)")
    parser.add_argument("--quiet", action="store_true", help="plain periodic progress lines instead of a live display")
    parser.add_argument("--retries", type=int, default=6, help="retries per request on 429/5xx/timeouts (default 6)")
    parser.add_argument("--pypi", default="https://pypi.org", help=argparse.SUPPRESS)
    parser.add_argument("--index-url", default=None, metavar="URL",
                        help="simple API (PEP 691/503) to crawl, e.g. a company's devpi (default https://pypi.org/simple)")


class _Reporter:
    """Progress: a rich progress bar on a TTY, else a plain line every 15 seconds."""

    def __init__(self, quiet: bool) -> None:
        self.bar: Any = None
        self.task: Any = None
        self.last_line = 0.0
        if not quiet and sys.stderr.isatty():
            try:
                from rich.console import Console
                from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

                self.bar = Progress(
                    TextColumn("projects"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[stats]}"),
                    TimeElapsedColumn(), console=Console(stderr=True), transient=True,
                )
                self.task = self.bar.add_task("crawl", total=None, stats="")
                self.bar.start()
            except ImportError:
                self.bar = None

    @staticmethod
    def stats(progress: Any, crawler: Any) -> str:
        elapsed = max(1e-6, time.monotonic() - progress.started)
        client = crawler.client.stats
        return (
            f"files fetched {progress.files_fetched} ({progress.files_fetched / elapsed:.1f}/s), cached {progress.files_cached}  "
            f"requests {client.requests} ({client.requests / elapsed:.1f}/s), {client.bytes / 1e6:.0f} MB, "
            f"retries {client.retries}, failures {progress.failures}"
        )

    def text(self, progress: Any, crawler: Any) -> str:
        elapsed = time.monotonic() - progress.started
        return f"projects {progress.projects_done}/{progress.projects_total}  {self.stats(progress, crawler)}  [{elapsed:.0f}s]"

    def __call__(self, progress: Any, crawler: Any) -> None:
        if self.bar is not None:
            self.bar.update(self.task, completed=progress.projects_done, total=progress.projects_total,
                            stats=self.stats(progress, crawler))
        elif time.monotonic() - self.last_line >= 15:
            self.last_line = time.monotonic()
            print(self.text(progress, crawler), file=sys.stderr, flush=True)

    def stop(self, progress: Any, crawler: Any) -> None:
        if self.bar is not None:
            self.bar.stop()
        print(self.text(progress, crawler), file=sys.stderr, flush=True)


def open_crawler(args: argparse.Namespace, out: Path, scope: Any, reuse: Optional[Dict[str, Any]] = None,
                 known: Optional[Dict[str, Any]] = None) -> Any:
    """The crawler of ``args`` (--index-url, --pypi, --threads, --retries, --work-dir, --quiet) for the index ``out``."""
    from mach_nix.index.crawl.crawler import Crawler
    from mach_nix.index.crawl.workdir import WorkDir, default_work_dir
    from mach_nix.index.client.pypi import PyPIClient

    rewrite = None
    if args.pypi.rstrip("/") != "https://pypi.org":  # a test mirror serves the file host under /files/
        mirror = args.pypi.rstrip("/") + "/files/"
        rewrite = lambda url: url.replace("https://files.pythonhosted.org/", mirror)  # noqa: E731
    client = PyPIClient(args.pypi, index_url=args.index_url, pool_size=max(args.threads, 16), rewrite=rewrite,
                        retries=args.retries)
    work = WorkDir(args.work_dir or default_work_dir(out))
    return Crawler(client, work, scope, threads=args.threads, known=known or {}, reuse=reuse, report=_Reporter(args.quiet))


@contextmanager
def crawling(crawler: Any) -> Iterator[Any]:
    """Stop the progress display and the pools when the crawl ends, then say what failed."""
    try:
        yield crawler
    finally:
        crawler.report.stop(crawler.progress, crawler)
        crawler.close()
    if crawler.failed:
        print(f"{len(crawler.failed)} project(s) failed and were left out; run the same command again to retry them: "
              + ", ".join(sorted(crawler.failed)[:20]), file=sys.stderr)
    if crawler.progress.failures:
        print(f"{crawler.progress.failures} file fetch(es) failed; those nodes say `metadata: unknown` (fetch failed). "
              "Run the same command again to retry them.", file=sys.stderr)
    if crawler.missing:
        print(f"not on PyPI (skipped): {', '.join(sorted(crawler.missing)[:50])}", file=sys.stderr)


def _run(
    args: argparse.Namespace, out: Path, scope: Any, seeds: Dict[str, Any], reuse: Optional[Dict[str, Any]],
    known: Dict[str, Any], fmt: str, fallback: Optional[Dict[str, Any]] = None,
) -> int:
    """Crawl, then write ``out`` atomically. ``fallback``: records kept for projects that failed."""
    from mach_nix.index.crawl.publish import write_verified
    from mach_nix.index.storage.store import now_utc

    started = now_utc()
    with crawling(open_crawler(args, out, scope, reuse, known)) as crawler:
        records = crawler.run(seeds)
    for name in crawler.failed:  # update keeps projects that failed this time as they were
        if fallback and name in fallback:
            records.setdefault(name, fallback[name])
    meta = write_verified(out, records, fmt, {"scope": {**scope.to_json(), "missing": sorted(crawler.missing)}}, created_at=started)
    print(f"wrote {out}: {meta['projects']} projects, {meta['releases']} releases, {meta['files']} files (verified)")
    return 1 if crawler.failed else 0


def add_window_options(parser: argparse.ArgumentParser) -> None:
    """--since, --series-since, --max-window-releases: which releases of a project are kept."""
    parser.add_argument("--since", metavar="DATE", help="keep releases first uploaded on/after DATE (YYYY-MM-DD; default: 2 years ago)")
    parser.add_argument("--series-since", metavar="DATE", help="keep the newest release of each older major.minor series if uploaded on/after DATE (default: 4 years ago; 'all' for every series)")
    parser.add_argument("--max-window-releases", type=int, default=0, metavar="N", help="of the releases since --since keep only the newest N per project (0: all; older ones still count for the series rule)")


def window_scope(args: argparse.Namespace, **kw: Any) -> Any:
    """The :class:`Scope` of :func:`add_window_options` arguments (``kw``: its other fields)."""
    from mach_nix.index.crawl.scope import window_scope as scope_of_window

    return scope_of_window(args.since, args.series_since, args.max_window_releases, **kw)


def cmd_build(args: argparse.Namespace) -> int:
    from mach_nix.errors import MachNixError
    from mach_nix.index.crawl.known import existing_results
    from mach_nix.index.crawl.scope import parse_seeds, read_seed_args, read_top

    items = read_seed_args(args.packages)
    if args.top:
        if not args.top_csv:
            raise MachNixError("--top N needs --top-csv CSV (a top-pypi-packages list with a 'project' column).")
        items += read_top(args.top_csv, args.top)
    if not items:
        raise MachNixError("Nothing to crawl: give --packages FILE|NAME... and/or --top N --top-csv CSV.")
    seeds = parse_seeds(items)
    scope = window_scope(args, closure=args.closure, sdists="all" if args.sdists else "auto",
                         seeds=sorted({i.split('#', 1)[0].strip() for i in items if i.split('#', 1)[0].strip() and not i.strip().startswith('-')}),
                         top=args.top, top_csv=str(args.top_csv) if args.top_csv else None)
    return _run(args, args.out, scope, seeds, None, existing_results(args.out), args.format or "json")


def cmd_update(args: argparse.Namespace) -> int:
    from mach_nix.errors import MachNixError
    from mach_nix.index.crawl.known import known_results
    from mach_nix.index.crawl.publish import recover
    from mach_nix.index.crawl.scope import Scope, parse_seeds
    from mach_nix.index.storage.store import Index, default_index_dir

    args.dir = args.dir or args.index or default_index_dir()
    recover(args.dir)
    index = Index.open(args.dir)
    scope_doc = index.metadata.get("scope")
    if not isinstance(scope_doc, dict) or "since" not in scope_doc:
        raise MachNixError(f"{args.dir}/metadata.json records no crawl scope, so `index update` cannot repeat it; rebuild with `mach-nix index build`.")
    scope = Scope.from_json(scope_doc)
    if args.sdists:
        scope.sdists = "all"
    reuse = dict(index.iter_projects())
    known = known_results(reuse)
    if args.sdists:  # a changed scope: every project must be re-planned, not kept as it is
        reuse_keep: Dict[str, Any] = {}
    else:
        reuse_keep = reuse
    seeds = parse_seeds(scope.seeds + sorted(reuse))
    return _run(args, args.dir, scope, seeds, reuse_keep, known, args.format or index.format, fallback=reuse)
