"""The lock's ``needs`` field: after resolution, the binary Linux wheels the lock selects get what
their ELF files need from outside themselves (see :mod:`mach_nix.native.needs`).

Where the readings come from, per ``mode``:

* ``cached`` (the default): the embedded needs table (data/needs/,
  :mod:`mach_nix.native.needs_table`), then the user cache (:class:`mach_nix.native.cache.ElfCache`);
  a lock makes no request for needs, and wheels not read yet leave the field out (Nix then builds
  them as before, with the ``overrides/`` rules alone) and are named in one warning;
* ``fetch``: what the table and the cache lack is read from the file host by range requests and cached;
* ``off``: no ``needs`` at all.

A re-lock whose binary wheels are exactly those of the lock it redoes (``-o`` an existing lock)
keeps that lock's ``needs`` when the cache cannot give them (another machine, CI): the readings
are per file, and the same files give the same needs.

The field is all or nothing: whether a soname is found in another locked wheel, or reached from an
importable module through another wheel's library, depends on every binary wheel of the lock, so
when one of them cannot be read, no wheel gets ``needs``.

Example: ``report = add_needs(lock["packages"], mode="fetch", cache_root=default_cache_dir())``
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional

from mach_nix.native.cache import ElfCache
from mach_nix.native.needs import Summary, classify_summaries, summarize
from mach_nix.native.needs_table import NeedsTable, default_table_dir

if TYPE_CHECKING:
    from mach_nix.shapes import LockEntry, Packages

MODES = ("cached", "fetch", "off")
LINUX_PLATFORMS = ("manylinux", "musllinux", "linux_")


@dataclass
class NeedsReport:
    """What the step did: wheels found in the embedded table / the cache / read, the cost of
    reading, and warnings."""

    table: int = 0
    cached: int = 0
    read: int = 0
    requests: int = 0
    bytes: int = 0
    seconds: float = 0.0
    missing: List[str] = field(default_factory=list)
    warnings: List[str] = field(default_factory=list)

    def stats(self) -> Dict[str, Any]:
        """The ``needs_*`` keys of ``MACH_NIX_STATS``."""
        return {"needs_wheels_table": self.table, "needs_wheels_cached": self.cached, "needs_wheels_read": self.read, "needs_requests": self.requests,
                "needs_bytes": self.bytes, "needs_seconds": round(self.seconds, 3)}


def binary_linux_wheel(entry: LockEntry) -> bool:
    """Whether a lock entry is a wheel with a Linux platform tag (the ones with ELF files).

    Example: ``binary_linux_wheel({"provider": "wheel", "wheel_tags": ["cp311-cp311-manylinux_2_17_x86_64"]})``
    """
    if entry.get("provider") != "wheel":
        return False
    return any(t.rsplit("-", 1)[-1].startswith(LINUX_PLATFORMS) for t in entry.get("wheel_tags") or ())


def add_needs(packages: Packages, *, mode: str, cache_root: Path,
              client_factory: Optional[Callable[[], Any]] = None, threads: int = 4,
              previous: Optional[Packages] = None,
              table_dir: Optional[Path] = None) -> NeedsReport:
    """Set ``needs`` on the binary Linux wheels of ``packages`` (lock entries, changed in place);
    ``previous``: the packages of the lock being redone; ``table_dir``: the needs table (default:
    :func:`mach_nix.native.needs_table.default_table_dir`)."""
    report = NeedsReport()
    # a local file (`path`, from a converted foreign lock) is not read: it gets no `needs`
    wheels = sorted(n for n, e in packages.items() if binary_linux_wheel(e) and e.get("url"))
    if mode == "off" or not wheels:
        return report
    started = time.monotonic()
    cache = ElfCache(cache_root)
    table = NeedsTable(table_dir if table_dir is not None else default_table_dir())
    found: Dict[str, Summary] = {}
    todo: List[str] = []
    for name in wheels:
        sha = packages[name]["sha256"]
        summary = table.get(sha)
        if summary is not None:
            found[name] = summary
            report.table += 1
            continue
        members = cache.get(sha)
        if members is not None:
            found[name] = summarize(members)
            report.cached += 1
        else:
            todo.append(name)
    if mode == "fetch" and todo:
        found.update(_fetch(packages, todo, cache, report, client_factory, threads))
    report.missing = [n for n in wheels if n not in found]
    report.seconds = time.monotonic() - started
    if report.missing and _same_wheels(packages, wheels, previous):
        assert previous is not None
        for name in wheels:
            packages[name]["needs"] = previous[name]["needs"]
        report.missing = []
        return report
    if report.missing:
        report.warnings.append(_missing_warning(report.missing, mode))
        return report
    for name, needs in classify_summaries(found).items():
        packages[name]["needs"] = needs
    return report


def _same_wheels(packages: Packages, wheels: List[str],
                 previous: Optional[Packages]) -> bool:
    """Whether ``previous`` has needs for exactly these binary wheels, the same files."""
    if not previous:
        return False
    before = sorted(n for n, e in previous.items() if binary_linux_wheel(e) and e.get("url"))
    return before == wheels and all(
        "needs" in previous[n] and previous[n].get("sha256") == packages[n]["sha256"] for n in wheels)


def _fetch(packages: Packages, names: List[str], cache: ElfCache, report: NeedsReport,
           client_factory: Optional[Callable[[], Any]], threads: int) -> Dict[str, Summary]:
    from concurrent.futures import ThreadPoolExecutor  # only when fetching: an offline lock never loads it

    from mach_nix.errors import MachNixError
    from mach_nix.native.remote_wheel import read_remote_wheel
    from mach_nix.native.wheel_elf import WheelReadError

    if client_factory is None:
        from mach_nix.index.client.pypi import PyPIClient

        def client_factory() -> Any:
            return PyPIClient(pool_size=threads, retries=3)
    client = client_factory()
    out: Dict[str, Summary] = {}

    def one(name: str) -> None:
        entry = packages[name]
        try:
            members, _cost = read_remote_wheel(client, entry["url"], entry.get("sha256"))
        except (MachNixError, WheelReadError) as exc:
            message = exc.message if isinstance(exc, MachNixError) else str(exc)
            report.warnings.append(f"could not read the ELF files of {entry['filename']} ({message}).")
            return
        cache.put(entry["sha256"], members)
        out[name] = summarize(members)

    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="mach-nix-needs") as pool:
        list(pool.map(one, names))
    report.read = len(out)
    report.requests, report.bytes = client.stats.requests, client.stats.bytes
    return out


def _missing_warning(missing: List[str], mode: str) -> str:
    names = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
    if mode == "fetch":
        return (f"the needs of {names} could not be read, so the lock records no `needs` for any wheel; Nix builds "
                "them with the overrides/ rules alone. Lock again to retry.")
    return (f"the native needs of {names} are not in the cache, so the lock records no `needs`; Nix builds the "
            "wheels with the overrides/ rules alone. `mach-nix lock --needs fetch` reads them from the file host "
            "(range reads, cached by sha256; torch's is most of its wheel) so that Nix gives each wheel the "
            "libraries it links.")
