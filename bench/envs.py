#!/usr/bin/env python3
"""Real environments: each requirement set locked, built by the Nix library, and imported module by module.

Usage: bash .ci/python bench/envs.py [--set FILE]... [--nixpkgs DIR] [--release R]... [--python PY]
       [--json OUT] [--timeout S] [--jobs N] [--workdir DIR]   (.ci/python: this checkout's packages, uv on PATH)

For each set (default: every ../shared/bench/*.txt and ../shared/bench/native/*.txt), on each
--release of the stand-in (default: its default release):
1. `mach-nix lock` for the interpreter target of the nixpkgs given (default tests/nixpkgs-shim; its
   python3 version, glibc and system are read from Nix), fetching from PyPI what the index lacks;
2. `mkPython { lockFile = …; }` built twice with nix-build: *cold* (every locked package built anew:
   a nonce in each one's derivation, downloads cached; with --no-fresh the plain expression, cold
   only when the store lacks it; the report says how many derivations it built) and *warm* (the
   same expression again: everything cached);
3. a plain venv of the same pins: `uv venv --python /usr/bin/python3` (--python: the interpreter
   nixpkgs' python3 is; the stand-in's is the host's) + `uv pip install -r pylock.toml`
   (the lock exported as PEP 751: exactly the locked files); when that fails as a whole (an sdist
   that does not build on this host), each package alone with `--no-deps`;
4. every top-level module of every distribution in the uv venv (from its RECORD: packages and
   modules; namespace packages are entered down to their first regular package or module; `test` and
   `tests` and dunder names are left out, console-script shims and `.pth` files are not modules;
   `_`-prefixed modules are kept: they are mostly C extensions such as `_cffi_backend`, exactly
   what breaks when a native library is missing) is imported in a fresh interpreter per module,
   with a timeout, in the uv venv and in the Nix environment (`result/bin/python`).
When the cold build fails, the environment is built again without the packages uv could not install
and those Nix could not build (each named with its build log's first error, its modules failing
only under Nix with that error), until it builds, so that the rest of the set is still compared.

Prints per set: packages, lock and build times, modules tried, modules importing under uv, the
modules failing only under Nix (module + the error's line) and the number failing under both
(ignored), then a summary table. Exit status: 1 when a module imports under uv but not under Nix
(an environment that did not build at all fails all of its set's modules), 2 when a set could not
be locked or its uv venv could not be made, else 0.

Example: `NIX_CONFIG='sandbox = false' bash .ci/python bench/envs.py --set ../shared/bench/web.txt --json envs.json`
(`NIX_CONFIG` only for a stand-in from before its sandboxed builds, whose builders run the host's /bin/bash).
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata
from pathlib import Path
from typing import Callable, Collection, Dict, List, Optional, Sequence

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT.parent / "shared" / "bench"
SHIM = ROOT / "tests" / "nixpkgs-shim"
# The plain interpreter of this host, which the stand-in's python3 is (tests/nixpkgs-shim/host.json).
HOST_PYTHON = Path("/usr/bin/python3")
sys.path.insert(0, str(ROOT / "py"))  # this checkout's mach_nix, not an installed one

from mach_nix.lock import read as read_lock, validate, write as write_lock  # noqa: E402
from mach_nix.errors import MachNixError  # noqa: E402
from mach_nix.pylock_export import to_pylock  # noqa: E402
from packaging.utils import canonicalize_name  # noqa: E402

# What a module import runs in a fresh interpreter: the module name is argv[1].
IMPORT = "import importlib, sys; importlib.import_module(sys.argv[1])"
# Variables of the caller that would make an interpreter see other packages than its environment's.
LEAKY = ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONUSERBASE", "VIRTUAL_ENV", "NIX_PYTHONPATH")
NOT_MODULES = {"test", "tests", "__pycache__"}
ERROR_LINE = re.compile(r"Error\b|Exception\b|error:|ERROR|not found|No such file")
TRACEBACK_LINE = re.compile(r'(raise |File "|[\^~]+$)')
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


@dataclasses.dataclass(frozen=True)
class Target:
    """The interpreter a nixpkgs' `python3` is, as `mach-nix lock` flags.

    Example: ``Target("3.11.2", "2.36", "x86_64-linux").flags()``
    → ``["--python", "3.11.2", "--system", "x86_64-linux", "--glibc", "2.36"]``.
    """
    python: str
    glibc: str
    system: str

    def flags(self) -> List[str]:
        return ["--python", self.python, "--system", self.system, "--glibc", self.glibc]


@dataclasses.dataclass
class Build:
    """One nix-build: wall seconds, derivations it built, and its error (None when it built)."""
    seconds: float
    built: int
    error: Optional[str] = None
    failed: Dict[str, str] = dataclasses.field(default_factory=dict)  # failed builder → its log's first error


@dataclasses.dataclass
class SetReport:
    """What one requirement set gave; ``nix_only`` maps a module to its error under Nix."""
    name: str
    packages: int = 0
    build_only: int = 0
    lock_s: float = 0.0
    cold: Optional[Build] = None
    warm: Optional[Build] = None
    reduced: Optional[Build] = None  # the last build without what uv or Nix cannot install, when cold failed
    modules: int = 0
    uv_ok: int = 0
    nix_only: Dict[str, str] = dataclasses.field(default_factory=dict)
    both_failed: int = 0
    uv_not_installed: Dict[str, str] = dataclasses.field(default_factory=dict)
    nix_not_built: Dict[str, str] = dataclasses.field(default_factory=dict)  # packages uv installs, Nix does not build
    error: Optional[str] = None  # the set could not be compared (lock or uv venv failed)


def set_name(path: Path) -> str:
    """'web' for ../shared/bench/web.txt, 'native/sdist-c' for ../shared/bench/native/sdist-c.txt."""
    try:
        return str(path.resolve().relative_to(BENCH.resolve()).with_suffix(""))
    except ValueError:
        return path.stem


def default_sets() -> List[Path]:
    return sorted(BENCH.glob("*.txt")) + sorted((BENCH / "native").glob("*.txt"))


def error_line(text: str, last: bool = True) -> str:
    """The line of an error output that says what failed, shortened: of the lines naming an error,
    the last (``last``: a traceback's exception line) or the first (a build log, whose first error
    is the cause and whose last is the build tool giving up); uv's hints and colours left out.

    Example: ``error_line("Traceback …\\n  …\\nImportError: libfoo.so.1\\n")`` → ``"ImportError: libfoo.so.1"``.
    """
    lines = [ln.strip() for ln in ANSI.sub("", text).splitlines() if ln.strip() and not ln.strip().startswith("hint:")]
    # A traceback's source lines (`raise ImportError(`) name an error without saying it.
    errors = [ln for ln in lines if ERROR_LINE.search(ln) and not TRACEBACK_LINE.match(ln)] or lines or ["(no output)"]
    return (errors[-1] if last else errors[0])[:240]


def pkgs_expr(nixpkgs: Path, release: Optional[str] = None) -> str:
    """The Nix expression of a nixpkgs, at a release of the stand-in when given.

    Example: ``pkgs_expr(SHIM, "24.05")`` → ``'import /…/tests/nixpkgs-shim { config.allowUnfree = true; release = "24.05"; }'``.
    """
    # CUDA libraries are unfree in nixpkgs: a user who locks cupy or torch allows them, and so does
    # the bench (nixpkgs refuses to evaluate them otherwise).
    args = "config.allowUnfree = true; " + ("" if release is None else f"release = {json.dumps(release)}; ")
    return f"import {nixpkgs.resolve()} {{ {args}}}"


def nix_target(nixpkgs: Path, release: Optional[str] = None) -> Target:
    """The python3 of ``nixpkgs``: version, glibc and system, read by evaluation."""
    expr = (f"let p = {pkgs_expr(nixpkgs, release)}; in {{ v = p.python3.version; "
            "g = p.stdenv.cc.libc.version; s = p.stdenv.hostPlatform.system; }")
    proc = subprocess.run(["nix-instantiate", "--eval", "--strict", "--json", "--expr", expr],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"cannot read python3 of {nixpkgs}: {proc.stderr[-2000:]}")
    got = json.loads(proc.stdout)
    return Target(got["v"], got["g"], got["s"])


def lock_set(requirements: Path, target: Target, out: Path, online: bool = True) -> dict:
    """`mach-nix lock -r requirements` for ``target`` into ``out``; ``online``: PyPI may fill what the
    index lacks even when the caller's environment says MACH_NIX_OFFLINE=1."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "py"), os.environ.get("PYTHONPATH")]))}
    if online:
        env.pop("MACH_NIX_OFFLINE", None)
    # --needs fetch: what binary wheels link is read (and cached), so Nix gives them their libraries
    proc = subprocess.run([sys.executable, "-m", "mach_nix", "lock", "-q", "-r", str(requirements.resolve()),
                           *target.flags(), "--needs", "fetch" if online else "cached", "-o", str(out)],
                          capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise RuntimeError(f"mach-nix lock failed: {proc.stderr.strip()[-2000:]}")
    return read_lock(out)


def mkpython_expr(lock_file: Path, nixpkgs: Path, fresh: Optional[str] = None, release: Optional[str] = None) -> str:
    """`mkPython { lockFile }` on ``nixpkgs``; ``fresh``: a nonce put in every locked package's
    derivation (overridesPost), so that each is built anew while the downloads stay cached (a
    build-machinery package lib/ keeps apart, such as packaging, stays cached). The package lib/
    gives is evaluated first: overridePythonAttrs makes a new derivation, which would otherwise
    build what lib/ refuses at evaluation (a Rust sdist without its crates).

    Example: ``mkpython_expr(Path("lock.json"), SHIM, fresh="1733570000")``.
    """
    lock = lock_file.resolve()
    post = "" if fresh is None else (
        f"overridesPost = f: p: builtins.listToAttrs (map (n: {{ name = n; value = builtins.seq p.${{n}}.drvPath "
        f"(p.${{n}}.overridePythonAttrs (o: {{ MACH_NIX_BENCH_FRESH = {json.dumps(fresh)}; }})); }}) "
        f"(builtins.filter (n: p ? ${{n}}) "
        f"(builtins.attrNames (builtins.fromJSON (builtins.readFile {lock})).packages))); ")
    return (f"(import {ROOT} {{ pkgs = {pkgs_expr(nixpkgs, release)}; }})"
            f".mkPython {{ lockFile = {lock}; {post}}}")


def nix_build(expr: str, out_link: Path) -> Build:
    """nix-build ``expr`` to ``out_link``, timed; --keep-going, so a failure names every failed builder."""
    start = time.perf_counter()
    proc = subprocess.run(["nix-build", "--keep-going", "--expr", expr, "-o", str(out_link)],
                          capture_output=True, text=True)
    seconds = round(time.perf_counter() - start, 1)
    m = re.search(r"these (\d+) derivations will be built", proc.stderr)
    built = int(m.group(1)) if m else int("this derivation will be built" in proc.stderr)
    if proc.returncode == 0:
        return Build(seconds, built)
    failed = {}
    for drv in sorted(set(re.findall(r"builder for '([^']+\.drv)' failed", proc.stderr))):
        # Nix keeps the log of a failed build; its name without the store hash and .drv.
        log = subprocess.run(["nix-store", "--read-log", drv], capture_output=True, text=True).stdout
        failed[drv.split("-", 1)[1].removesuffix(".drv")] = error_line(log, last=False)
    return Build(seconds, built, proc.stderr.strip()[-3000:], failed)


def log_failures(build: Build, log: Callable[[str], None]) -> None:
    for name, err in build.failed.items():
        log(f"  Nix cannot build {name}: {err}")
    if build.error is not None and not build.failed:  # an evaluation error: no builder ran
        log(f"  nix-build: {error_line(build.error)}")


def lock_packages(failed: Dict[str, str], lock: dict) -> Dict[str, str]:
    """The lock's packages among failed builders (``python3.11-numba-0.68.1`` → ``numba``), with their errors.

    Example: ``lock_packages({"python3.11-psycopg2-2.9.13": "Error: pg_config …"}, lock)``
    → ``{"psycopg2": "Error: pg_config …"}``; a builder that is no package of the lock is left out.
    """
    out = {}
    for drv, err in failed.items():
        pname = re.sub(r"^python\d+\.\d+-", "", drv)
        for name, entry in lock["packages"].items():
            suffix = f"-{entry['version']}"
            if pname.endswith(suffix) and canonicalize_name(pname.removesuffix(suffix)) == name:
                out[name] = err
    return out


def clean_env(home: Path) -> Dict[str, str]:
    """The caller's environment without what leaks packages in, with its own HOME (caches some
    packages write at import) and a non-interactive matplotlib backend."""
    env = {k: v for k, v in os.environ.items() if k not in LEAKY}
    env.update(HOME=str(home), MPLBACKEND="Agg", PYTHONDONTWRITEBYTECODE="1")
    return env


def uv_venv(lock: dict, python: Path, target: Target, venv: Path, work: Path) -> Dict[str, str]:
    """A venv at ``venv`` of ``python`` (``target``'s version) with the lock's runtime packages
    installed by uv from the lock's own files. Returns the packages uv could not install (name →
    error), normally none."""
    uv = shutil.which("uv")
    if uv is None:
        raise RuntimeError("uv is not on PATH (bash .ci/python puts the venv's uv there)")
    version = subprocess.run([str(python), "-c", "import platform; print(platform.python_version())"],
                             capture_output=True, text=True).stdout.strip()
    if version != target.python:
        raise RuntimeError(f"{python} is Python {version or '?'}, the Nix environment's is {target.python}: pass --python")
    made = subprocess.run([uv, "venv", "-q", "--python", str(python), str(venv)], capture_output=True, text=True)
    if made.returncode != 0:
        raise RuntimeError(f"uv venv --python {python}: {error_line(made.stderr)}")
    pylock = work / "pylock.toml"
    try:
        pylock.write_text(to_pylock(lock))
    except MachNixError as e:  # a package from the nixpkgs provider has no file for uv
        raise RuntimeError(str(e)) from None
    vpy = str(venv / "bin" / "python")
    proc = subprocess.run([uv, "pip", "install", "-q", "--python", vpy, "-r", str(pylock)],
                          capture_output=True, text=True)
    if proc.returncode == 0:
        return {}
    # One file that does not install (an sdist without its native library on this host) fails the
    # whole install: install each locked file alone, so the rest is still compared.
    failed: Dict[str, str] = {}
    for name, entry in sorted(lock["packages"].items()):
        if entry.get("build_only"):
            continue
        req = work / f"{name}.txt"
        req.write_text(f"{entry.get('name') or name} @ {entry['url']} --hash=sha256:{entry['sha256']}\n")
        one = subprocess.run([uv, "pip", "install", "-q", "--no-deps", "--python", vpy, "-r", str(req)],
                             capture_output=True, text=True)
        if one.returncode != 0:
            # uv's own lines ("× Failed to build …") come first; the backend's output follows [stdout]/[stderr].
            failed[name] = error_line(re.split(r"\[std(?:out|err)\]", one.stderr, maxsplit=1)[-1], last=False)
    return failed


def without(lock: dict, drop: Collection[str]) -> dict:
    """The lock less the runtime packages ``drop`` (and the edges to them), every other runtime
    package a root; a dropped one that another package's build system needs stays, as build-only.

    Example: ``without(lock, {"pycairo"})["roots"]`` no longer lists pycairo.
    """
    out = copy.deepcopy(lock)
    packages = out["packages"]
    needed = {d for e in packages.values() for d in (e.get("build_system") or {}).get("dependencies", [])}
    for name in drop:
        if name in needed:
            packages[name]["build_only"] = True
        else:
            del packages[name]
    # Every package left is a root: one only a dropped package needed is still installed, as uv did.
    out["roots"] = sorted(n for n, e in packages.items() if not e.get("build_only"))
    for entry in packages.values():
        entry["dependencies"] = [d for d in entry["dependencies"] if d not in drop]
    validate(out, "the lock less the packages that do not install")
    return out


def site_packages(python: Path) -> Path:
    """The purelib directory of an interpreter's environment."""
    out = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                         capture_output=True, text=True, check=True, env=clean_env(Path(tempfile.gettempdir())))
    return Path(out.stdout.strip())


def top_level_modules(site: Path) -> Dict[str, List[str]]:
    """Distribution name → the importable top-level modules its RECORD installs under ``site``.

    Example: {"python-dateutil": ["dateutil"], "six": ["six"], "protobuf": ["google.protobuf"]}.
    A directory without ``__init__.py`` is a namespace package shared by several distributions:
    its own import proves nothing, so its regular packages and modules are taken instead.
    """
    out: Dict[str, List[str]] = {}
    for dist in metadata.distributions(path=[str(site)]):
        names = set()
        for f in dist.files or []:
            parts = f.parts
            if not parts or parts[0] == ".." or not all(p.isidentifier() for p in parts[:-1]):
                continue  # console scripts, data outside site-packages, *.dist-info, *.libs, …
            prefix: List[str] = []
            for i, part in enumerate(parts):
                if i == len(parts) - 1:  # a file: a module when it is Python source or an extension
                    stem = part.split(".")[0]
                    if part.endswith((".py", ".so")) and stem.isidentifier():
                        names.add(".".join(prefix + [stem]))
                    break
                prefix.append(part)
                if (site.joinpath(*prefix) / "__init__.py").exists():
                    names.add(".".join(prefix))
                    break
        kept = sorted(n for n in names if not n.startswith("__")
                      and not NOT_MODULES.intersection(n.split(".")))
        out[dist.metadata["Name"]] = kept
    return out


def try_imports(python: Path, modules: Sequence[str], timeout: float, jobs: int, home: Path) -> Dict[str, Optional[str]]:
    """Module → None when it imports in a fresh ``python``, else its error's last line."""
    env = clean_env(home)
    cwd = home / "cwd"
    cwd.mkdir(parents=True, exist_ok=True)  # an empty directory: nothing in the cwd shadows a module

    def one(module: str) -> Optional[str]:
        try:
            proc = subprocess.run([str(python), "-c", IMPORT, module], capture_output=True, text=True,
                                  env=env, cwd=cwd, timeout=timeout)
        except subprocess.TimeoutExpired:
            return f"timed out after {timeout:g} s"
        if proc.returncode == 0:
            return None
        if proc.returncode < 0:
            return f"killed by {signal.Signals(-proc.returncode).name}"
        return error_line(proc.stderr)

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return dict(zip(modules, pool.map(one, modules)))


def run_set(requirements: Path, nixpkgs: Path, work: Path, target: Optional[Target] = None,
            python: Path = HOST_PYTHON, timeout: float = 120, jobs: int = 2, fresh: bool = True,
            release: Optional[str] = None, log: Callable[[str], None] = print) -> SetReport:
    """Lock, build (cold, warm), make the uv venv of ``python`` and compare imports, for one set.
    ``fresh``: the cold build builds every locked package anew (see mkpython_expr), else it is the
    plain `mkPython { lockFile }`, cold only when the store lacks it. ``release``: the stand-in's
    nixpkgs release (its default when None).

    Example: ``run_set(BENCH / "web.txt", SHIM, Path("/tmp/w")).nix_only`` → ``{}``.
    """
    report = SetReport(set_name(requirements) + (f"@{release}" if release else ""))
    target = target or nix_target(nixpkgs, release)
    work.mkdir(parents=True, exist_ok=True)
    lock_file = work / "mach-nix.lock.json"
    start = time.perf_counter()
    try:
        lock = lock_set(requirements, target, lock_file)
    except RuntimeError as e:
        report.error = str(e)
        return report
    report.lock_s = round(time.perf_counter() - start, 1)
    report.packages = sum(not p.get("build_only") for p in lock["packages"].values())
    report.build_only = len(lock["packages"]) - report.packages
    log(f"{report.name}: locked {report.packages} packages (+{report.build_only} build-only) in {report.lock_s} s")

    nonce = str(time.time_ns()) if fresh else None
    expr = mkpython_expr(lock_file, nixpkgs, nonce, release)
    report.cold = nix_build(expr, work / "result")
    report.warm = nix_build(expr, work / "result") if report.cold.error is None else None
    log(f"{report.name}: nix-build cold {report.cold.seconds} s ({report.cold.built} built)"
        + (f", warm {report.warm.seconds} s" if report.warm else ", FAILED"))
    log_failures(report.cold, log)

    try:
        report.uv_not_installed = uv_venv(lock, python, target, work / "venv", work)
    except RuntimeError as e:
        report.error = str(e)
        return report
    for name, err in report.uv_not_installed.items():
        log(f"  uv cannot install {name}: {err}")
    # Compare like with like: the Nix environment of the packages uv could install; and one that Nix
    # cannot build fails its own modules only: the environment is built again without it, until it
    # builds or no failed builder is a package of the lock (an evaluation error, a collision).
    env_build, dropped = report.cold, set()
    while env_build.error is not None:
        culprits = lock_packages(env_build.failed, lock)
        report.nix_not_built.update({n: e for n, e in culprits.items() if n not in report.uv_not_installed})
        drop = set(report.uv_not_installed) | set(report.nix_not_built)
        if drop == dropped:
            break
        dropped = drop
        reduced = work / "reduced.lock.json"
        write_lock(without(lock, drop), reduced)
        env_build = report.reduced = nix_build(mkpython_expr(reduced, nixpkgs, nonce, release), work / "result")
        log(f"{report.name}: without {', '.join(sorted(drop))}: nix-build {env_build.seconds} s"
            + (", FAILED" if env_build.error else ""))
        log_failures(env_build, log)

    owner = {m: canonicalize_name(d) for d, ms in top_level_modules(site_packages(work / "venv" / "bin" / "python")).items()
             for m in ms}
    modules = sorted(owner)
    report.modules = len(modules)
    under_uv = try_imports(work / "venv" / "bin" / "python", modules, timeout, jobs, work / "home-uv")
    importable = [m for m in modules if under_uv[m] is None]
    report.uv_ok = len(importable)
    if env_build.error is not None:
        built = "the environment did not build: " + (", ".join(env_build.failed) or error_line(env_build.error))
        report.nix_only = {m: built for m in importable}
    else:
        not_built = {m: f"Nix cannot build {owner[m]}: {report.nix_not_built[owner[m]]}"
                     for m in modules if owner[m] in report.nix_not_built}
        under_nix = try_imports(work / "result" / "bin" / "python", [m for m in modules if m not in not_built],
                                timeout, jobs, work / "home-nix") | not_built
        report.nix_only = {m: e for m in importable if (e := under_nix[m]) is not None}
        report.both_failed = sum(under_nix[m] is not None for m in modules if under_uv[m] is not None)
    log(f"{report.name}: {report.modules} modules, {report.uv_ok} import under uv, "
        f"{len(report.nix_only)} fail only under Nix, {report.both_failed} fail under both")
    if env_build.error is not None and report.nix_only:  # one reason for all: said once
        log(f"  only under Nix: all {len(report.nix_only)}: {next(iter(report.nix_only.values()))}")
    else:
        for m, e in report.nix_only.items():
            log(f"  only under Nix: {m}: {e}")
    return report


def summary(reports: Sequence[SetReport]) -> None:
    """The table of all sets (rich)."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Environments: Nix (mkPython lockFile) vs uv venv of the same pins")
    for col in ("set", "packages", "lock s", "cold s (built)", "warm s", "uv cannot install", "Nix cannot build",
                "modules", "import under uv", "only Nix fails", "both fail"):
        table.add_column(col, justify="left" if col == "set" else "right", no_wrap=col == "set")
    for r in reports:
        if r.error:
            table.add_row(r.name, str(r.packages), str(r.lock_s), "", "", "", "", "", "", "", f"error: {r.error[:60]}")
            continue
        cold = f"{r.cold.seconds} ({r.cold.built})" + (" FAILED" if r.cold.error else "")
        warm = str(r.warm.seconds) if r.warm else "-"
        table.add_row(r.name, f"{r.packages}+{r.build_only}", str(r.lock_s), cold, warm, str(len(r.uv_not_installed)),
                      str(len(r.nix_not_built)), str(r.modules),
                      str(r.uv_ok), str(len(r.nix_only)), str(r.both_failed))
    # Wide enough for every column when stdout is not a terminal (rich would take 80 columns).
    Console(width=max(shutil.get_terminal_size((160, 24)).columns, 160)).print(table)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", type=Path, action="append", dest="sets", help="requirements file (repeatable)")
    ap.add_argument("--nixpkgs", type=Path, default=SHIM)
    ap.add_argument("--python", type=Path, default=HOST_PYTHON,
                    help="interpreter of the uv venv: the one nixpkgs' python3 is (same version)")
    ap.add_argument("--json", type=Path, default=None, help="also write the reports here")
    ap.add_argument("--timeout", type=float, default=120, help="seconds per module import")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2, help="imports at the same time")
    ap.add_argument("--workdir", type=Path, default=None, help="keep locks, venvs and results here")
    ap.add_argument("--release", action="append", dest="releases",
                    help="the stand-in's nixpkgs release, e.g. 24.05 (repeatable; default: its default)")
    ap.add_argument("--no-fresh", dest="fresh", action="store_false",
                    help="cold build: the plain mkPython { lockFile } (cold only if the store lacks it)")
    args = ap.parse_args()
    target = nix_target(args.nixpkgs, (args.releases or [None])[0])
    print(f"target: CPython {target.python}, glibc {target.glibc}, {target.system} ({args.nixpkgs})")
    reports = []
    with tempfile.TemporaryDirectory(prefix="mach-nix-envs-") as tmp:
        base = args.workdir or Path(tmp)
        for path in args.sets or default_sets():
            for release in args.releases or [None]:
                work = base / (set_name(path).replace("/", "-") + (f"-{release}" if release else ""))
                reports.append(run_set(path, args.nixpkgs, work, None if release else target, args.python,
                                       args.timeout, args.jobs, args.fresh, release))
    summary(reports)
    if args.json:
        args.json.write_text(json.dumps({"nixpkgs": str(args.nixpkgs), "target": dataclasses.asdict(target),
                                         "python": str(args.python), "fresh": args.fresh,
                                         "releases": args.releases, "sets": [dataclasses.asdict(r) for r in reports]},
                                        indent=2) + "\n")
    if any(r.nix_only for r in reports):
        return 1
    return 2 if any(r.error for r in reports) else 0


if __name__ == "__main__":
    sys.exit(main())
