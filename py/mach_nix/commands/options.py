"""Command-line options shared by several commands, each defined once with one default.

Example: ``add_index_option(parser); add_lock_options(parser)`` then ``lock_options(args)``.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING, List

from mach_nix.constants import (DEFAULT_GLIBC, DEFAULT_MACOS, DEFAULT_MAX_MEMORY_MB, DEFAULT_MAX_SECONDS, DEFAULT_PYTHON,
                                DEFAULT_SYSTEM, PROVIDERS)

if TYPE_CHECKING:
    from mach_nix.pipeline import LockOptions

SYSTEMS_HELP = f"x86_64-linux, aarch64-linux, x86_64-darwin or aarch64-darwin (default {DEFAULT_SYSTEM})"


def add_index_option(parser: argparse.ArgumentParser) -> None:
    """``--index DIR`` (default: the embedded data/)."""
    parser.add_argument("--index", type=Path, default=None, metavar="DIR",
                        help="index directory (default: embedded data/)")


def env_flag(name: str) -> bool:
    """Whether the environment variable ``name`` is set to a true value (1, true, yes, on)."""
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def add_layer_options(parser: argparse.ArgumentParser) -> None:
    """Where a lock's metadata comes from: index layers, the remote simple API and its cache."""
    parser.add_argument("--index", action="append", type=Path, default=None, metavar="DIR",
                        help="index directory; repeat for layers in precedence order (default: the embedded data/)")
    parser.add_argument("--extra-index", action="append", type=Path, default=[], metavar="DIR",
                        help="index directory searched after --index (or the embedded data/); repeatable")
    parser.add_argument("--index-url", default=os.environ.get("MACH_NIX_INDEX_URL") or None, metavar="URL",
                        help="simple API (PEP 691/503) to fetch what the indexes lack from "
                             "(default https://pypi.org/simple; env MACH_NIX_INDEX_URL)")
    parser.add_argument("--extra-index-url", action="append", default=None, metavar="URL",
                        help="another simple API, asked before --index-url and the index directories: per project the "
                             "first of these indexes that has it wins (as uv); repeatable, earlier first "
                             "(env MACH_NIX_EXTRA_INDEX_URL, space-separated, when none is given)")
    parser.add_argument("--cache-dir", type=Path, default=None, metavar="DIR",
                        help="user cache of fetched metadata (default $MACH_NIX_CACHE_DIR, else "
                             "$XDG_CACHE_HOME/mach-nix, else ~/.cache/mach-nix)")
    parser.add_argument("--offline", action="store_true", default=env_flag("MACH_NIX_OFFLINE"),
                        help="never reach the network: the indexes and the cache only (env MACH_NIX_OFFLINE=1)")
    parser.add_argument("--refresh", action="store_true",
                        help="re-read the index server's pages of every project this resolution fetches")
    parser.add_argument("--refresh-package", action="append", default=[], metavar="NAME",
                        help="re-read this project's page from the index server (repeatable)")
    parser.add_argument("--request-timeout", type=float, default=_env_seconds("MACH_NIX_REQUEST_TIMEOUT", 120.0),
                        metavar="SECONDS", help="give up on one request to the index server after this long, "
                                                "retries included (default 120; env MACH_NIX_REQUEST_TIMEOUT)")
    parser.add_argument("--network-deadline", type=float, default=_env_seconds("MACH_NIX_NETWORK_DEADLINE", 900.0),
                        metavar="SECONDS", help="give up once the requests of one run took this long in all, from the "
                                                "first (default 900; 0: no limit; env MACH_NIX_NETWORK_DEADLINE)")


def _env_urls(name: str) -> List[str]:
    """The space-separated URLs of the environment variable ``name`` (as uv reads ``UV_EXTRA_INDEX_URL``)."""
    return os.environ.get(name, "").split()


def _env_seconds(name: str, default: float) -> float:
    """A number of seconds from the environment variable ``name``, else ``default``."""
    try:
        return float(os.environ.get(name) or default)
    except ValueError:
        return default


def add_quiet_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")


def add_lock_options(parser: argparse.ArgumentParser) -> None:
    """Inputs, target and resolver options of `lock`, `env` and `gen` (see :func:`lock_options`)."""
    parser.add_argument("requirements", nargs="*", metavar="REQ", help="requirements given directly, e.g. 'requests>=2'")
    parser.add_argument("-r", "--requirement", action="append", default=[], type=Path, metavar="FILE",
                        help="requirements.txt (repeatable)")
    parser.add_argument("-c", "--constraint", action="append", default=[], type=Path, metavar="FILE",
                        help="constraints file (repeatable)")
    parser.add_argument("--requirement-text", action="append", default=[], metavar="TEXT",
                        help="requirements.txt content as a string (repeatable)")
    parser.add_argument("--pyproject", type=Path, metavar="FILE", help="pyproject.toml (PEP 621, PEP 735, Poetry)")
    parser.add_argument("--setup-cfg", type=Path, metavar="FILE", help="setup.cfg with static install_requires")
    parser.add_argument("--extra", action="append", default=[], help="optional-dependencies group of the project")
    parser.add_argument("--group", action="append", default=[], help="PEP 735 dependency group (or Poetry group)")
    parser.add_argument("--python", default=DEFAULT_PYTHON, help=f"target CPython, e.g. 3.11 or 3.11.9 (default {DEFAULT_PYTHON})")
    parser.add_argument("--system", default=DEFAULT_SYSTEM, help=SYSTEMS_HELP)
    parser.add_argument("--glibc", default=None, help=f"target glibc for manylinux wheels (default {DEFAULT_GLIBC}, nixpkgs')")
    parser.add_argument("--macos", default=None, help=f"macOS deployment target for darwin wheels (default {DEFAULT_MACOS})")
    add_layer_options(parser)
    parser.add_argument("--providers", default=None,
                        help="provider order per package, e.g. 'numpy=sdist,_default=wheel,sdist' "
                             f"(default {','.join(PROVIDERS)})")
    parser.add_argument("--nixpkgs-json", type=Path, default=None, metavar="FILE",
                        help='nixpkgs Python packages: {"name": {"version": "1.2", "attr": "name"}}')
    parser.add_argument("--pre", action="store_true", help="allow pre-releases everywhere")
    parser.add_argument("--no-build-deps", action="store_true", help="do not resolve the build requirements of sdists")
    parser.add_argument("--max-seconds", type=float, default=DEFAULT_MAX_SECONDS, metavar="SECONDS",
                        help=f"stop a resolution after this wall time, naming what conflicted (default {DEFAULT_MAX_SECONDS:g}; 0: no limit)")
    parser.add_argument("--max-memory", type=float, default=DEFAULT_MAX_MEMORY_MB, metavar="MB",
                        help=f"stop a resolution once it grew the process by this much memory (default {DEFAULT_MAX_MEMORY_MB:g}; 0: no limit)")
    parser.add_argument("--needs", choices=("cached", "fetch", "off"), default=os.environ.get("MACH_NIX_NEEDS") or "cached",
                        help="the native libraries binary wheels link (the lock's `needs`): from the user cache only "
                             "(cached, the default), also read from the file host by range requests (fetch), or "
                             "none (off); env MACH_NIX_NEEDS")
    parser.add_argument("--accelerator", choices=("cpu", "cuda"), default=None,
                        help="the accelerator the environment is for (the lock's target.accelerator); default: what "
                             "the locked wheels say (+cuXYZ builds or nvidia-* wheels: cuda, else cpu)")
    add_quiet_option(parser)


def lock_options(args: argparse.Namespace) -> LockOptions:
    """The :class:`LockOptions` of parsed :func:`add_lock_options` arguments."""
    from mach_nix.inputs import InputSources
    from mach_nix.pipeline import LockOptions

    sources = InputSources(
        requirements=list(args.requirements), requirement_files=list(args.requirement),
        constraint_files=list(args.constraint), requirement_texts=list(args.requirement_text),
        pyproject=args.pyproject, setup_cfg=args.setup_cfg, extras=list(args.extra), groups=list(args.group),
        prereleases=bool(args.pre))
    return LockOptions(sources, python=args.python, system=args.system, glibc=args.glibc, macos=args.macos,
                       index=args.index, extra_indexes=list(args.extra_index), index_url=args.index_url,
                       cache_dir=args.cache_dir, offline=bool(args.offline), refresh=bool(args.refresh),
                       refresh_packages=list(args.refresh_package), providers=args.providers,
                       nixpkgs_json=args.nixpkgs_json, build_deps=not args.no_build_deps,
                       max_seconds=args.max_seconds, max_memory_mb=args.max_memory,
                       request_timeout=args.request_timeout, network_deadline=args.network_deadline,
                       needs=args.needs, accelerator=args.accelerator,
                       extra_index_urls=args.extra_index_url or _env_urls("MACH_NIX_EXTRA_INDEX_URL"))
