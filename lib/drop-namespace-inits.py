"""Remove the `__init__.py` files that only declare a namespace package (pkg_resources'
`declare_namespace`, pkgutil's `extend_path`) below a site-packages directory, so that the
distributions of one namespace (zope.*, backports.*, google.*, jaraco.*) become PEP 420 portions
and never collide in an environment, whatever each ships there. nixpkgs' pythonNamespacesHook does
the same for the names a recipe lists in `pythonNamespaces`; a lock lists none, so the files are
recognised by what they contain.

Usage: python drop-namespace-inits.py SITE_PACKAGES
"""

import ast
import os
import sys

NAMESPACE_MODULES = {"pkg_resources", "pkgutil"}


def _declares_only(stmts: list[ast.stmt]) -> bool:
    for s in stmts:
        if isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant):  # docstring
            continue
        if isinstance(s, ast.Import) and all(a.name in NAMESPACE_MODULES for a in s.names):
            continue
        if isinstance(s, ast.ImportFrom) and s.module in NAMESPACE_MODULES:
            continue
        if isinstance(s, ast.Expr) and "declare_namespace" in ast.unparse(s):
            continue
        if isinstance(s, ast.Assign) and ast.unparse(s.targets[0]) == "__path__" and "extend_path" in ast.unparse(s.value):
            continue
        if isinstance(s, ast.Try) and _declares_only(s.body) and all(_declares_only(h.body) for h in s.handlers):
            continue
        return False
    return True


def is_namespace_declaration(path: str) -> bool:
    """Whether a package's __init__.py does nothing but declare the package a namespace.

    >>> import tempfile; f = tempfile.NamedTemporaryFile("w", suffix=".py", delete=False)
    >>> _ = f.write("__import__('pkg_resources').declare_namespace(__name__)\\n"); f.close()
    >>> is_namespace_declaration(f.name)
    True
    """
    try:
        with open(path, encoding="utf-8") as f:
            tree = ast.parse(f.read())
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return False
    return bool(tree.body) and _declares_only(tree.body) and any(
        "declare_namespace" in ast.unparse(s) or "extend_path" in ast.unparse(s) for s in ast.walk(tree) if isinstance(s, ast.stmt))


def drop(directory: str, depth: int) -> None:
    for name in sorted(os.listdir(directory)):
        pkg = os.path.join(directory, name)
        init = os.path.join(pkg, "__init__.py")
        if os.path.islink(pkg) or not os.path.isfile(init) or not is_namespace_declaration(init):
            continue
        print(f"dropping namespace declaration {init} (PEP 420 portion)")
        os.remove(init)
        cache = os.path.join(pkg, "__pycache__")
        if os.path.isdir(cache):
            for c in os.listdir(cache):
                if c.startswith("__init__."):
                    os.remove(os.path.join(cache, c))
        if depth > 1:
            drop(pkg, depth - 1)  # azure.mgmt, google.cloud: namespaces inside a namespace


if __name__ == "__main__":
    site = sys.argv[1]
    if os.path.isdir(site):
        drop(site, 2)
