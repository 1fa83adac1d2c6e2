"""What the locked binary wheels need from outside themselves: for each wheel, the sonames its ELF
files need that neither it nor glibc provides, each marked

* ``use``: ``module`` when an importable extension module needs it (the module's own needs and,
  transitively, those of the libraries it needs, in this wheel or in another locked wheel), else
  ``plugin`` (needed only by shared objects that no extension module needs: libraries loaded with
  dlopen, transport plugins, executables);
* ``wheel``: the locked wheel that ships it (the ``nvidia-*`` wheels for torch), when one does.

The reachability is computed over every binary wheel of the lock at once: a CUDA library wheel
has no extension module of its own, and what torch's modules reach in it decides its ``use``.

Example::

    classify({"pkg": {"pkg/_ext.cpython-311-x86_64-linux-gnu.so": Dynamic(None, ("libfoo.so.1", "libc.so.6"), True),
                      "pkg/plugins/libp.so": Dynamic("libp.so", ("libmpi.so.40",), False)}})
    == {"pkg": {"libfoo.so.1": {"use": "module"}, "libmpi.so.40": {"use": "plugin"}}}
"""

from __future__ import annotations

import re
from collections import deque
from typing import Dict, List, Mapping, Set, Tuple

from mach_nix.native.elf import Dynamic

MODULE, PLUGIN = "module", "plugin"
Node = Tuple[str, str]  # (wheel name, member path)
Needs = Dict[str, Dict[str, str]]  # soname -> {"use": ..., "wheel"?: ...}
# glibc's own libraries: the libc every nixpkgs build links against provides them.
GLIBC = re.compile(r"^(ld-linux(-x86-64|-aarch64)?\.so\.[12]|lib(c|m|dl|rt|pthread|util|resolv|anl|mvec|BrokenLocale"
                   r"|thread_db|c_malloc_debug|nss_[a-z0-9]+)\.so(\.[0-9]+)?)$")


def is_glibc(soname: str) -> bool:
    """Whether glibc provides ``soname``. Example: ``is_glibc("libpthread.so.0") is True``"""
    return GLIBC.match(soname) is not None


def provided(members: Mapping[str, Dynamic]) -> Dict[str, List[str]]:
    """soname → the members that provide it: by file name, and by DT_SONAME.

    Example: ``provided({"a.libs/libz-1a2b.so.1": Dynamic("libz-1a2b.so.1", ())}) == {"libz-1a2b.so.1": ["a.libs/libz-1a2b.so.1"]}``
    """
    out: Dict[str, Set[str]] = {}
    for path, dyn in members.items():
        out.setdefault(path.rsplit("/", 1)[-1], set()).add(path)
        if dyn.soname:
            out.setdefault(dyn.soname, set()).add(path)
    return {k: sorted(v) for k, v in out.items()}


def classify(wheels: Mapping[str, Mapping[str, Dynamic]]) -> Dict[str, Needs]:
    """wheel name → its needs (see the module docstring), for the ELF members of every binary
    wheel of a lock (wheel name → member path → dynamic section). A soname the wheel itself
    ships is found there (``$ORIGIN`` runpaths); else in another wheel (the first by name)."""
    own = {w: provided(m) for w, m in wheels.items()}

    def providers(wheel: str, soname: str) -> List[Node]:
        if soname in own[wheel]:
            return [(wheel, p) for p in own[wheel][soname]]
        for other in sorted(own):
            if soname in own[other]:
                return [(other, p) for p in own[other][soname]]
        return []

    reached: Set[Node] = set()
    queue = deque(sorted((w, p) for w, m in wheels.items() for p, d in m.items() if d.python_module))
    while queue:
        node = queue.popleft()
        if node not in reached:
            reached.add(node)
            for soname in wheels[node[0]][node[1]].needed:
                queue.extend(providers(node[0], soname))
    out: Dict[str, Needs] = {}
    for wheel, members in sorted(wheels.items()):
        needs: Needs = {}
        for path, dyn in sorted(members.items()):
            for soname in dyn.needed:
                if soname in own[wheel] or is_glibc(soname):
                    continue
                use = MODULE if (wheel, path) in reached else PLUGIN
                entry = needs.setdefault(soname, {"use": use})
                if use == MODULE:
                    entry["use"] = MODULE
                found = providers(wheel, soname)
                if found:
                    entry["wheel"] = found[0][0]
        out[wheel] = needs
    return out
