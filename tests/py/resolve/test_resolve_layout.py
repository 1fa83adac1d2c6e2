"""The module map of mach_nix.resolve (its package docstring) is true: at module level, each module
imports only the modules listed above it, so the core reads bottom up without cycles."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import mach_nix.resolve as package

PACKAGE = Path(package.__file__).parent


def listed_order() -> list:
    order = []
    for line in (package.__doc__ or "").splitlines():
        if line.startswith("- "):
            order += re.findall(r"``(\w+)``", line.split(":")[0])
    return order


def module_level_imports(path: Path) -> set:
    """The mach_nix.resolve modules a module imports outside functions and TYPE_CHECKING blocks."""
    found = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "mach_nix.resolve":
                found |= {a.name for a in node.names}
            elif node.module.startswith("mach_nix.resolve."):
                found.add(node.module.split(".")[2])
    return found


def test_every_module_is_listed_once():
    order = listed_order()
    modules = sorted(p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__")
    assert sorted(order) == modules


def test_modules_import_only_what_is_listed_above_them():
    order = listed_order()
    for position, name in enumerate(order):
        later = module_level_imports(PACKAGE / f"{name}.py") - set(order[:position])
        assert not later, f"{name} imports {sorted(later)}, listed after it (or not listed)"


def test_only_resolvelib_internals_reaches_inside_resolvelib():
    import resolvelib

    public = set(resolvelib.__all__)
    for path in PACKAGE.glob("*.py"):
        if path.stem == "resolvelib_internals":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "resolvelib":
                assert node.module == "resolvelib", f"{path.name} imports {node.module}"
                assert {a.name for a in node.names} <= public, f"{path.name} imports non-public names of resolvelib"
            elif isinstance(node, ast.Import):
                assert not any(a.name.startswith("resolvelib.") for a in node.names), path.name
