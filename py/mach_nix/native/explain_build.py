"""What a failed build's log says is missing, and the fix to write down: an unsatisfied soname (the
overrides/sonames.json line, or re-locking with its `needs`), a missing header or pkg-config module
or configuration tool (the nixpkgs attribute, from overrides/build-hints.json), or a Python module
the build imports but does not declare (the build-system line), each as an overrides/packages.json
rule and an ``overridesPost`` snippet.

Example::

    for finding in explain(log_text):
        print(finding.fix())
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Dict, Iterator, List, Optional, Tuple

STORE_NAME = re.compile(r"/nix/store/[0-9a-z]{32}-(?:python\d+\.\d+-)?(?P<name>[A-Za-z0-9_.+-]+?)-(?P<version>\d[\w.+!-]*?)"
                        r"(?:\.drv|\.tar\.gz|\.zip|\.whl|/|'|\s|$)")
# (kind, pattern): the first group is what is missing; `soname` also captures the file wanting it.
PATTERNS: List[Tuple[str, re.Pattern]] = [
    ("soname", re.compile(r"auto-patchelf could not satisfy dependency (\S+) wanted by (\S+)")),
    ("header", re.compile(r"fatal error: ([\w./+-]+\.h(?:pp)?): No such file or directory")),
    ("header", re.compile(r"fatal error: '([\w./+-]+\.h(?:pp)?)' file not found")),
    ("pkgconfig", re.compile(r"Package ([\w.+-]+) was not found in the pkg-config search path")),
    ("pkgconfig", re.compile(r"Package '([\w.+-]+)', required by '[^']*', not found")),
    ("pkgconfig", re.compile(r"(?:Run-time )?[Dd]ependency \"?([\w.+-]+)\"? (?:found: NO|not found)")),
    ("tool", re.compile(r"(?:^|[\s:'\"])([\w.+-]+): (?:command )?not found")),
    ("tool", re.compile(r"\b([\w.+-]+) executable not found")),
    ("tool", re.compile(r"\b([\w-]+[_-]config) not found")),
    ("python", re.compile(r"ModuleNotFoundError: No module named '([\w.]+)'")),
    ("python", re.compile(r"ERROR Missing dependencies:\s*\n((?:[ \t]+\S.*\n?)+)")),
]


@lru_cache(maxsize=None)
def _table(name: str) -> Dict:
    """overrides/NAME of the mach-nix checkout this runs from (the tables are data, not package files)."""
    from mach_nix.errors import MachNixError
    from mach_nix.nix import checkout_root

    root = checkout_root()
    if root is None or not (root / "overrides" / name).is_file():
        raise MachNixError(f"explain-build reads overrides/{name} of a mach-nix checkout, and this mach-nix was "
                           "installed without one; run it from a checkout (`python -m mach_nix` with py/ on the path).")
    return json.loads((root / "overrides" / name).read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Finding:
    """One missing thing: ``kind`` (soname, header, pkgconfig, tool, python), what is ``missing``,
    the locked ``package`` whose build failed, and for a soname the file that wanted it."""

    kind: str
    missing: str
    package: str
    wanted_by: Optional[str] = None
    attrs: List[str] = field(default_factory=list)

    def fix(self) -> str:
        """The fix as one paragraph: what failed, then the rule and the overridesPost snippet."""
        return {"soname": self._soname, "python": self._python}.get(self.kind, self._native)()

    def _post(self, attr_expr: str, field_name: str = "buildInputs") -> str:
        return (f"overridesPost = [ (final: prev: {{ {self.package} = prev.{self.package}.overridePythonAttrs (o: "
                f"{{ {field_name} = (o.{field_name} or [ ]) ++ [ {attr_expr} ]; }}); }}) ];")

    def _soname(self) -> str:
        table = _table("sonames.json")
        where = f" (wanted by {self.wanted_by})" if self.wanted_by else ""
        head = f"{self.package}: autoPatchelf could not find {self.missing}{where}."
        if self.missing in table["driver"]:
            return (f"{head} It is the NVIDIA driver's, found at run time through the driver runpath, never at build time. "
                    f"Re-lock with `mach-nix lock --needs fetch …` so the lock records the wheel's needs (the overlay then "
                    f"tolerates it and adds the driver runpath), or add to overrides/packages.json: "
                    f"\"{self.package}\": [{{\"providers\": [\"wheel\"], \"autoPatchelfIgnoreMissingDeps\": [\"{self.missing}\"]}}]")
        if self.attrs:
            attr = self.attrs[0]
            return (f"{head} overrides/sonames.json maps it to {' or '.join(self.attrs)}; the lock has no `needs` for "
                    f"{self.package} (or this nixpkgs lacks the attribute). Re-lock with `mach-nix lock --needs fetch …`, or "
                    f"give it now: {self._post(f'pkgs.{attr}')}")
        return (f"{head} Nothing maps it: add the nixpkgs package that has lib/{self.missing} to overrides/sonames.json, "
                f"the line  \"{self.missing}\": [\"<attribute>\"],  (`nix-locate lib/{self.missing}`), or "
                f"{self._post('pkgs.<attribute>')} If only a plugin the package loads with dlopen needs it, tolerate it "
                f"instead: \"{self.package}\": [{{\"providers\": [\"wheel\"], \"autoPatchelfIgnoreMissingDeps\": "
                f"[\"{self.missing}\"]}}] in overrides/packages.json.")

    def _native(self) -> str:
        what = {"header": f"the C header {self.missing}", "pkgconfig": f"the pkg-config module {self.missing}",
                "tool": f"the program {self.missing}"}[self.kind]
        field_name = "nativeBuildInputs" if self.kind == "tool" else "buildInputs"
        head = f"{self.package}: the build could not find {what}."
        if not self.attrs:
            where = {"header": f"include/{self.missing}", "pkgconfig": f"lib/pkgconfig/{self.missing}.pc",
                     "tool": f"bin/{self.missing}"}[self.kind]
            return (f"{head} overrides/build-hints.json does not know it: find the package with `nix-locate {where}`, "
                    f"then add to overrides/packages.json  \"{self.package}\": [{{\"providers\": [\"sdist\"], "
                    f"\"{field_name}\": [\"<attribute>\"]}}]  or {self._post('pkgs.<attribute>', field_name)}")
        attr = self.attrs[0]
        native = ["pkg-config"] if self.kind == "pkgconfig" else []
        rule: Dict = {"providers": ["sdist"]}
        if field_name == "nativeBuildInputs":
            rule["nativeBuildInputs"] = [attr]
        else:
            if native:
                rule["nativeBuildInputs"] = native
            rule["buildInputs"] = [attr]
        older = f" (older nixpkgs: {', '.join(self.attrs[1:])})" if len(self.attrs) > 1 else ""
        return (f"{head} nixpkgs' {attr}{older} provides it. Add to overrides/packages.json  "
                f"\"{self.package}\": [{json.dumps(rule)}]  or {self._post(f'pkgs.{attr}', field_name)}")

    def _python(self) -> str:
        project = self.attrs[0] if self.attrs else self.missing
        return (f"{self.package}: the build needs the Python module {self.missing}, which its build system does not name (or the lock "
                f"does not build). Add the build-system line {self._post(f'final.{project}', 'build-system')} and, when "
                f"the lock has no {project}, add `{project}` to the requirements so that it is resolved with the rest.")


def package_of(log: str, source: Optional[str] = None) -> str:
    """The locked package a log is of: from the drv path given, else the first store path of a
    Python package the log names; ``PACKAGE`` when nothing says.

    Example: ``package_of("", "/nix/store/" + "a" * 32 + "-python3.11-psycopg2-2.9.9.drv") == "psycopg2"``
    """
    for text in (source or "", log):
        match = STORE_NAME.search(text)
        if match:
            return match.group("name").lower().replace("_", "-")
    return "PACKAGE"


def explain(log: str, package: Optional[str] = None, source: Optional[str] = None) -> List[Finding]:
    """Every distinct missing thing the log reports, in the order it first appears."""
    name = package or package_of(log, source)
    seen: Dict[Tuple[str, str], Finding] = {}
    for at, finding in sorted(_matches(log, name), key=lambda x: x[0]):
        seen.setdefault((finding.kind, finding.missing), finding)
    return list(seen.values())


def _matches(log: str, package: str) -> Iterator[Tuple[int, Finding]]:
    hints = _table("build-hints.json")
    sonames = _table("sonames.json")
    for kind, pattern in PATTERNS:
        for match in pattern.finditer(log):
            missing = match.group(1)
            if kind == "soname":
                owner = STORE_NAME.search(match.group(2))
                who = owner.group("name").lower().replace("_", "-") if owner else package
                yield match.start(), Finding(kind, missing, who, match.group(2), sonames["sonames"].get(missing, []))
            elif kind == "tool":
                if missing in hints["tools"]:  # "foo: not found" is too common a phrase to trust otherwise
                    yield match.start(), Finding(kind, missing, package, None, hints["tools"][missing])
            elif kind == "python":
                # pypa build lists one requirement per indented line; an import error names one module
                for requirement in missing.splitlines():
                    top = re.split(r"[.\[<>=!~; ]", requirement.strip())[0]
                    if top:
                        project = hints["imports"].get(top, top.lower().replace("_", "-"))
                        yield match.start(), Finding(kind, top, package, None, [project])
            else:
                table = hints["headers" if kind == "header" else "pkgconfig"]
                yield match.start(), Finding(kind, missing, package, None, table.get(missing, []))
