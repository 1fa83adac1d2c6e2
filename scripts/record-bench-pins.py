#!/usr/bin/env python3
"""Record the versions uv picks for every bench set, as PyPI looked when the index was built.

The embedded index must hold every version uv pins for the bench sets; tests/py/index/test_crawl_embedded.py
checks that offline against this record, so CI does not depend on what PyPI publishes later.

Run by scripts/build-embedded-index.sh before a crawl (the pins it records are crawled). Against an
existing index (``--index data``) it records uv's choice among the releases that index holds: uv
runs with ``--exclude-newer`` at the index's creation time, and a version the index lacks (a file
a mirror back-filled with an earlier upload time) is excluded with ``!=`` and uv runs again.

Usage: scripts/record-bench-pins.py [--index data] [--bench ../shared/bench] [--out tests/data/bench-pins]
"""

from __future__ import annotations

import argparse
import datetime
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
UV_TARGET = ["--python-version", "3.11", "--python-platform", "x86_64-manylinux_2_28"]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;]+)")


def uv_pins(requirements: Path, exclude_newer: str | None, excluded: list[str]) -> dict[str, str]:
    """uv's pins (normalized name → version) for one requirements file."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt") as constraints:
        constraints.write("".join(f"{line}\n" for line in excluded))
        constraints.flush()
        cmd = ["uv", "pip", "compile", "--quiet", "--no-header", "--no-annotate", *UV_TARGET,
               "-c", constraints.name, str(requirements)]
        if exclude_newer:
            cmd += ["--exclude-newer", exclude_newer]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=600).stdout
    pins = {}
    for line in out.splitlines():
        match = PIN.match(line.strip())
        if match:
            pins[re.sub(r"[-_.]+", "-", match.group(1)).lower()] = match.group(2)
    return pins


def record(requirements: Path, index_dir: Path | None) -> tuple[dict[str, str], list[str]]:
    """uv's pins for ``requirements``, restricted to the releases of ``index_dir`` when given."""
    if index_dir is None:
        return uv_pins(requirements, None, []), []
    sys.path.insert(0, str(ROOT / "py"))
    from packaging.version import Version

    from mach_nix.index.storage.store import Index

    index = Index.open(index_dir)
    excluded: list[str] = []
    for _ in range(50):
        pins = uv_pins(requirements, index.metadata["created_at"], excluded)
        absent = []
        for name, version in sorted(pins.items()):
            project = index.project(name)
            if project is not None and not any(Version(v) == Version(version) for v in project["releases"]):
                absent.append(f"{name}!={version}")
        if not absent:
            return pins, excluded
        excluded += absent
    raise SystemExit(f"{requirements}: uv keeps choosing versions the index lacks: {excluded}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=None, help="restrict to the releases of this index")
    parser.add_argument("--bench", type=Path, default=ROOT.parent / "shared" / "bench")
    parser.add_argument("--out", type=Path, default=ROOT / "tests" / "data" / "bench-pins")
    args = parser.parse_args()
    uv = subprocess.run(["uv", "--version"], check=True, capture_output=True, text=True).stdout.strip()
    today = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    args.out.mkdir(parents=True, exist_ok=True)
    for requirements in sorted(args.bench.glob("*.txt")):
        pins, excluded = record(requirements, args.index)
        header = [f"# uv's pins for {requirements.name} ({' '.join(UV_TARGET)}), recorded {today} with {uv}"]
        if excluded:
            header.append("# versions PyPI lists before the index's created_at but the index lacks (published between a "
                          "project's crawl and the end of the build, or back-filled by a mirror), excluded: " + " ".join(excluded))
        text = "\n".join(header + [f"{n}=={v}" for n, v in sorted(pins.items())]) + "\n"
        target = args.out / requirements.name
        tmp = target.with_suffix(".tmp")
        tmp.write_text(text)
        tmp.replace(target)
        print(f"{target}: {len(pins)} pins, {len(excluded)} excluded")
    return 0


if __name__ == "__main__":
    sys.exit(main())
