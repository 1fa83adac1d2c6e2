"""Regenerate the constructed conflict index (`python3 tests/data/index-conflicts/generate.py`).

A pigeonhole problem, hard for every backtracking resolver: ``pigeon-0`` … ``pigeon-N`` (the
roots) each pick a hole, release ``H.0`` of a pigeon meaning "in hole H", and two pigeons cannot
share one: release ``H.0`` of ``pigeon-I`` requires ``hole-H==I.0``. With N+1 pigeons and N holes
there is no solution, and proving so takes about N! pins, so a resolution of all pigeons must
stop at its budget; any N of them resolve at once.

And the shape of ``fastapi[all]`` + ``pydantic<2``, small: ``framework`` 1.0 … 40.0 with an extra
``all``; from 2.0 on, the extra needs ``plugin>=2``, whose every release needs ``core>=2``; a root
``core<2`` leaves only framework 1.0, which must be found without trying the 39 others' subtrees.
Every file is a pure wheel for Python 3.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path
from typing import Any, Dict, List

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2] / "py"))

from mach_nix.index.schema import deps_key, shard_of  # noqa: E402
from mach_nix.index.store import write_index  # noqa: E402

HOLES = 8
FRAMEWORKS = 40
CREATED_AT = "2026-12-01T00:00:00Z"


def wheel(name: str, version: str, requires: List[str]) -> Dict[str, Any]:
    filename = f"{name.replace('-', '_')}-{version}-py3-none-any.whl"
    sha = hashlib.sha256(filename.encode()).hexdigest()
    return {"filename": filename, "sha256": sha, "size": 1000, "upload_time": "2026-01-01T00:00:00Z",
            "url": f"https://files.pythonhosted.org/packages/{sha[:2]}/{sha[2:4]}/{sha[4:60]}/{filename}",
            "requires_dist": deps_key(requires), "metadata": "pep658", "requires_python": ">=3.8"}


def project(name: str, releases: Dict[str, List[str]]) -> Dict[str, Any]:
    return {"name": name, "last_serial": 1, "deps": {deps_key(r): r for r in releases.values()},
            "releases": {v: [wheel(name, v, r)] for v, r in releases.items()}}


def projects() -> Dict[str, Dict[str, Any]]:
    out = {}
    for pigeon in range(HOLES + 1):
        name = f"pigeon-{pigeon}"
        out[name] = project(name, {f"{hole}.0": [f"hole-{hole}=={pigeon}.0"] for hole in range(1, HOLES + 1)})
    for hole in range(1, HOLES + 1):
        name = f"hole-{hole}"
        out[name] = project(name, {f"{pigeon}.0": [] for pigeon in range(HOLES + 1)})
    framework = {"1.0": ["core", 'plugin>=1; extra == "all"', 'helper; extra == "all"']}
    for major in range(2, FRAMEWORKS + 1):
        framework[f"{major}.0"] = ["core", f'plugin>={min(major, 3)}; extra == "all"', 'helper; extra == "all"']
    out["framework"] = project("framework", framework)
    out["plugin"] = project("plugin", {"1.0": ["core<2"], "2.0": ["core>=2"], "3.0": ["core>=2", "helper>=2"]})
    out["helper"] = project("helper", {"1.0": [], "2.0": ["core"]})
    out["core"] = project("core", {"1.0": [], "2.0": []})
    return out


def main() -> None:
    shards: Dict[str, Dict[str, Any]] = {}
    for name, proj in projects().items():
        shards.setdefault(shard_of(name), {})[name] = proj
    write_index(HERE, shards, "json", created_at=CREATED_AT, pypi_serial=1,
                extra={"scope": {"source": "tests/data/index-conflicts/generate.py"}})


if __name__ == "__main__":
    main()
