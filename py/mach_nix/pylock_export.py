"""A mach-nix lock → pylock.toml (PEP 751, lock-version 1.0), for pip, uv and other installers.

The lock is for one target, so every package is unconditional and ``environments`` names the
target (system, machine, Python version). Build-only packages are left out (installers build
sdists in their own build environments). A package from the nixpkgs provider has no file to point
at: such a lock is refused, with the re-lock that avoids it.

Example: ``Path("pylock.toml").write_text(to_pylock(read(Path("mach-nix.lock.json"))))``
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, List

from mach_nix import __version__
from mach_nix.errors import MachNixError

if TYPE_CHECKING:
    from mach_nix.shapes import LockDocument, LockEntry

MACHINES = {"x86_64-linux": ("linux", "x86_64"), "aarch64-linux": ("linux", "aarch64"),
            "x86_64-darwin": ("darwin", "x86_64"), "aarch64-darwin": ("darwin", "arm64")}


def to_pylock(lock: LockDocument) -> str:
    """The PEP 751 text of a (validated) mach-nix lock."""
    from_nixpkgs = sorted(n for n, e in lock["packages"].items() if e["provider"] == "nixpkgs" and not e.get("build_only"))
    if from_nixpkgs:
        raise MachNixError(f"the lock takes {', '.join(from_nixpkgs)} from nixpkgs, and a pylock.toml can only point at "
                           "files; re-lock with --providers '_default=wheel,sdist' to export it.")
    target = lock["target"]
    platform, machine = MACHINES[target["system"]]
    environment = (f"sys_platform == '{platform}' and platform_machine == '{machine}' "
                   f"and python_version == '{target['python']}'")
    lines = [
        f"# Written by mach-nix {__version__} from a lock for CPython {target.get('python_full') or target['python']} "
        f"on {target['system']}.",
        'lock-version = "1.0"',
        f"environments = [{_string(environment)}]",
        f"requires-python = {_string('==' + target['python'] + '.*')}",
        'created-by = "mach-nix"',
    ]
    indexes = lock.get("indexes") or {}
    for name, entry in sorted(lock["packages"].items()):
        if not entry.get("build_only"):
            lines += [""] + _package(name, entry, _index_url(indexes.get(entry.get("index") or "")))
    return "\n".join(lines) + "\n"


def _index_url(layer: Any) -> str:
    """The simple API a package came from: a remote layer's URL (``--index-url``, ``--extra-index-url``);
    PyPI's for the index directories, which mirror it.

    Example: ``_index_url({"kind": "remote", "url": "https://download.pytorch.org/whl/cpu"})``
    """
    if isinstance(layer, dict) and layer.get("kind") == "remote" and isinstance(layer.get("url"), str):
        return str(layer["url"])
    return "https://pypi.org/simple"


def _package(name: str, entry: LockEntry, index_url: str) -> List[str]:
    out = ["[[packages]]", f"name = {_string(entry.get('name') or name)}", f"version = {_string(entry['version'])}",
           f"index = {_string(index_url)}"]
    requires_python = entry.get("requires_python")
    if requires_python:
        out.append(f"requires-python = {_string(requires_python)}")
    if entry["dependencies"]:
        deps = ", ".join(f"{{ name = {_string(d)} }}" for d in entry["dependencies"])
        out.append(f"dependencies = [{deps}]")
    location = f"url = {_string(entry['url'])}" if entry.get("url") else f"path = {_string(entry['path'])}"
    file = (f"{{ name = {_string(entry['filename'])}, {location}, "
            f"hashes = {{ sha256 = {_string(entry['sha256'])} }} }}")
    out.append(f"wheels = [{file}]" if entry["provider"] == "wheel" else f"sdist = {file}")
    return out


def _string(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's; non-ASCII is written as is)."""
    return json.dumps(text, ensure_ascii=False)
