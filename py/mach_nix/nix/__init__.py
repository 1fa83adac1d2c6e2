"""What the CLI writes for Nix users: Nix literals, the files of `mach-nix env`, and the standalone
overlay of `mach-nix gen` (the lock inlined plus a copy of lib/'s overlay code).

Example::

    to_nix({"a": [1, "x"]})  # '{ "a" = [ 1 "x" ]; }'
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, Optional

from mach_nix.errors import MachNixError

if TYPE_CHECKING:
    from mach_nix.shapes import LockDocument

# lib/ files the overlay needs, in the order they are bundled.
OVERLAY_FILES = ("constants.nix", "names.nix", "graph.nix", "versions.nix", "project.nix", "lock-fields.nix", "artefact.nix", "build-hint.nix",
                 "namespaces.nix", "needs.nix", "accelerator.nix", "wheel.nix", "markers.nix", "external.nix", "sdist.nix",
                 "overrides.nix", "overlay.nix")
# overrides/ data files lib/ reads with builtins.fromJSON (builtins.readFile ../overrides/NAME)
DATA_FILES = ("packages.json", "sonames.json", "build-systems.json", "external.json")
# lib/ text files lib/ reads with builtins.readFile ./NAME (scripts its builds run)
TEXT_FILES = ("drop-namespace-inits.py",)


def checkout_root() -> Optional[Path]:
    """The mach-nix checkout this package runs from (it has default.nix and lib/), if any."""
    root = Path(__file__).resolve().parents[3]
    return root if (root / "default.nix").is_file() and (root / "lib" / "overlay.nix").is_file() else None


def nix_string(text: str) -> str:
    """A Nix double-quoted string literal. Example: nix_string('a${b}') == '"a\\\\${b}"'"""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("${", "\\${")
    return '"' + escaped.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t") + '"'


def to_nix(value: Any, indent: int = 0) -> str:
    """A JSON value as a Nix expression (attribute names always quoted)."""
    pad = "  " * (indent + 1)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    if isinstance(value, str):
        return nix_string(value)
    if isinstance(value, list):
        if not value:
            return "[ ]"
        return "[\n" + "".join(f"{pad}{to_nix(v, indent + 1)}\n" for v in value) + "  " * indent + "]"
    if isinstance(value, dict):
        if not value:
            return "{ }"
        return "{\n" + "".join(f"{pad}{nix_string(k)} = {to_nix(v, indent + 1)};\n" for k, v in value.items()) + "  " * indent + "}"
    raise TypeError(f"cannot write {type(value).__name__} as Nix")


def python_attr(python: str) -> str:
    """nixpkgs' attribute of a CPython version. Example: python_attr("3.11.9") == "python311" """
    parts = python.split(".")
    if len(parts) < 2 or not all(p.isdigit() for p in parts[:2]):
        raise MachNixError(f"--python {python!r} is not a CPython version like 3.11 or 3.11.9.")
    return f"python{parts[0]}{parts[1]}"


def machnix_import(source: str) -> str:
    """The Nix expression that imports mach-nix from `source`: an absolute path, or a tarball URL."""
    if re.match(r"^[a-z+]+://", source):
        return f"import (builtins.fetchTarball {nix_string(source)})"
    path = Path(source).resolve()
    if not (path / "default.nix").is_file():
        raise MachNixError(f"--mach-nix {source}: {path} has no default.nix; give a mach-nix checkout or a tarball URL.")
    return f"import {path}"


def env_files(*, source: str, python: str, generator: str) -> Dict[str, str]:
    """default.nix and shell.nix of `mach-nix env`, reading ./mach-nix.lock.json (no IFD)."""
    attr = python_attr(python)
    head = (f"# Written by `{generator}`. mach-nix is pinned below; re-lock with the same command.\n"
            "{ pkgs ? import <nixpkgs> { }\n"
            f", machNix ? {machnix_import(source)} {{ inherit pkgs; python = pkgs.{attr}; }}\n"
            "}:\n")
    return {
        # `nix-shell DIR` evaluates DIR/default.nix (nix-shell sets IN_NIX_SHELL): the shell then.
        "default.nix": head + ("if builtins.getEnv \"IN_NIX_SHELL\" != \"\"\n"
                               "then machNix.mkPythonShell { lockFile = ./mach-nix.lock.json; }\n"
                               "else machNix.mkPython { lockFile = ./mach-nix.lock.json; }\n"),
        "shell.nix": head + "machNix.mkPythonShell { lockFile = ./mach-nix.lock.json; }\n",
    }


def _bundle_file(lib_dir: Path, name: str) -> str:
    text = (lib_dir / name).read_text(encoding="utf-8")
    text = re.sub(r"import \./([A-Za-z0-9_-]+\.nix)", lambda m: f'(load "{m.group(1)}")', text)
    for data in DATA_FILES:
        text = text.replace(f"builtins.fromJSON (builtins.readFile ../overrides/{data})", f'(load "{data}")')
    for script in TEXT_FILES:
        text = text.replace(f"builtins.readFile ./{script}", f'(load "{script}")')
    code = "\n".join(line.split("#", 1)[0] for line in text.splitlines())
    if re.search(r"(?<![\w.])\.\.?/", code):
        raise MachNixError(f"lib/{name} refers to another file that `mach-nix gen` does not bundle; this is a bug.")
    return text


def standalone_overlay(lock: LockDocument, *, python: str, generator: str, root: Path) -> str:
    """A nixpkgs overlay giving `python<XY>` the lock's packages, with no reference to mach-nix."""
    local = sorted(n for n, e in lock["packages"].items() if e.get("path"))
    if local:
        raise MachNixError(f"the lock installs local files ({', '.join(local)}), which a standalone overlay cannot carry; "
                           "use `mach-nix env DIR` or mkPython { lockFile = …; } beside them instead.")
    attr = python_attr(python)
    lib_dir = root / "lib"
    data = "".join(f"    {nix_string(name)} = {to_nix(json.loads((root / 'overrides' / name).read_text(encoding='utf-8')), 2)};\n"
                   for name in DATA_FILES)
    data += "".join(f"    {nix_string(name)} = {nix_string((lib_dir / name).read_text(encoding='utf-8'))};\n" for name in TEXT_FILES)
    files = "".join(f"    {nix_string(n)} =\n{_bundle_file(lib_dir, n).rstrip()};\n" for n in OVERLAY_FILES)
    return (
        f"# Written by `{generator}`: a standalone nixpkgs overlay (no import-from-derivation, no mach-nix\n"
        f"# at evaluation time) giving pkgs.{attr} the {len(lock['packages'])} locked packages.\n"
        f"# Use: import <nixpkgs> {{ overlays = [ (import ./overlay.nix) ]; }}, then pkgs.{attr}.withPackages (ps: [ ps.{(lock['roots'] or ['requests'])[0]} ]).\n"
        "final: prev:\n"
        "let\n"
        "  lib = prev.lib;\n"
        "  load = name: files.${name};\n"
        "  files = {\n"
        f"{data}"
        f"{files}"
        "  };\n"
        f"  lock = {to_nix(lock, 1)};\n"
        "  overlayLib = load \"overlay.nix\" { inherit lib; pkgs = final; };\n"
        f"  attr = {nix_string(attr)};\n"
        "in\n"
        "{\n"
        "  ${attr} = prev.${attr}.override (old: {\n"
        "    self = final.${attr};\n"
        "    packageOverrides = lib.composeExtensions (old.packageOverrides or (_: _: { }))\n"
        "      (overlayLib.fromLock { inherit lock; python = prev.${attr}; });\n"
        "  });\n"
        "}\n"
    )
