"""The committed test locks (CPython 3.11) for the host's interpreter: target and cp311 wheels swapped.

tests/nix/locks/*.json and the examples' locks name CPython 3.11 and cp311 wheels. On a host whose
Python is another (Debian 13: 3.13), Nix rightly refuses them; the tests then use copies made for
the host: the target's Python, and each cp311 wheel replaced by the same release's wheel for the
host's Python with the same platform tags, as recorded from PyPI in
tests/nix/locks/wheels-by-python.json (`test_host_locks.py` checks every recorded file's sha256).
A lock made for another target on purpose (`requests-py312.json`) stays for a Python other than
the host's.

Example: ``retarget(json.load(open("tests/nix/locks/requests.json")), "3.13", "3.13.5")``
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict

LOCKS = Path(__file__).resolve().parents[1] / "locks"
WHEELS = json.loads((LOCKS / "wheels-by-python.json").read_text())
BASE = "3.11"  # the Python the committed locks are made for


def retarget(lock: Dict[str, Any], python: str, python_full: str) -> Dict[str, Any]:
    """A copy of ``lock`` for CPython ``python``; a lock for another target than BASE keeps being foreign."""
    lock = json.loads(json.dumps(lock))
    if lock["target"]["python"] != BASE:  # a lock for another interpreter, on purpose
        if lock["target"]["python"] == python:
            other = "3.12" if python != "3.12" else "3.13"
            lock["target"].update(python=other, python_full=f"{other}.0")
        return lock
    lock["target"].update(python=python, python_full=python_full)
    if python == BASE:
        return lock
    for name, entry in lock["packages"].items():
        swap = WHEELS.get(entry.get("filename", ""), {}).get(python)
        if swap is None and "-cp311-" in entry.get("filename", ""):
            raise SystemExit(f"{entry['filename']} ({name}) has no recorded wheel for CPython {python}; add it to "
                             f"{LOCKS / 'wheels-by-python.json'}")
        if swap is not None:
            entry.update(filename=swap["filename"], url=swap["url"], sha256=swap["sha256"],
                         wheel_tags=wheel_tags(swap["filename"]))
    return lock


def wheel_tags(filename: str) -> list:
    pys, abis, plats = (part.split(".") for part in filename[:-4].split("-")[-3:])
    return [f"{p}-{a}-{x}" for p in pys for a in abis for x in plats]


def write_host_locks(out: Path, python: str, python_full: str) -> Dict[str, Path]:
    """Every committed test lock and example lock, for the host, under ``out``; name → path."""
    sources = {p.stem: p for p in sorted(LOCKS.glob("*.json")) if p.name != "wheels-by-python.json"}
    examples = LOCKS.parents[2] / "examples"
    sources.update({f"example-{p.parent.name}": p for p in sorted(examples.glob("*/mach-nix.lock.json"))})
    out.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, source in sources.items():
        target = out / f"{name}.json"
        text = json.dumps(retarget(json.loads(source.read_text()), python, python_full), indent=2, sort_keys=True) + "\n"
        if not target.exists() or target.read_text() != text:
            tmp = target.with_suffix(".tmp")
            tmp.write_text(text)
            tmp.replace(target)
        written[name] = target
    return written
