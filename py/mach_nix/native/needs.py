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
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Dict, List, Mapping, Optional, Set, Tuple

from mach_nix.native.elf import Dynamic

if TYPE_CHECKING:
    from mach_nix.shapes import NeedJson

MODULE, PLUGIN = "module", "plugin"
Node = Tuple[str, str]  # (wheel name, member path)
Needs = Dict[str, "NeedJson"]  # soname -> {"use": ..., "wheel"?: ...}
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


@dataclass(frozen=True)
class Summary:
    """What one wheel's ELF files need from outside it, in the form the lock's classification
    reads (and the embedded needs table stores, data/needs/):

    * ``module``: the sonames its own extension modules reach (directly, or through its libraries);
    * ``plugin``: the sonames only members no own module reaches need;
    * ``libs``: for each soname a library member provides (by file name and by DT_SONAME), the
      outside sonames reached from it: what another wheel's module brings in by linking it.

    Extension modules are loaded by import, never linked by another wheel, so they are no ``libs``.
    """

    module: Tuple[str, ...] = ()
    plugin: Tuple[str, ...] = ()
    libs: Mapping[str, Tuple[str, ...]] = field(default_factory=dict)


def summarize(members: Mapping[str, Dynamic]) -> Summary:
    """The :class:`Summary` of one wheel's ELF members (member path → dynamic section).

    Example: ``summarize({"p/_e.so": Dynamic(None, ("libz.so.1",), True)}) == Summary(("libz.so.1",))``
    """
    own = provided(members)

    def reach(start: List[str]) -> Set[str]:
        outside: Set[str] = set()
        seen: Set[str] = set()
        queue = deque(start)
        while queue:
            path = queue.popleft()
            if path in seen:
                continue
            seen.add(path)
            for soname in members[path].needed:
                if soname in own:
                    queue.extend(own[soname])
                elif not is_glibc(soname):
                    outside.add(soname)
        return outside

    module = reach(sorted(p for p, d in members.items() if d.python_module))
    everything = reach(sorted(members))
    libs = {soname: tuple(sorted(reach(paths))) for soname, paths in sorted(own.items())
            if any(not members[p].python_module for p in paths)}
    return Summary(tuple(sorted(module)), tuple(sorted(everything - module)), libs)


def classify(wheels: Mapping[str, Mapping[str, Dynamic]]) -> Dict[str, Needs]:
    """wheel name → its needs (see the module docstring), for the ELF members of every binary
    wheel of a lock (wheel name → member path → dynamic section).

    Example: ``classify({"pkg": {"pkg/_e.so": Dynamic(None, ("libz.so.1",), True)}}) == {"pkg": {"libz.so.1": {"use": "module"}}}``
    """
    return classify_summaries({name: summarize(members) for name, members in wheels.items()})


def classify_summaries(wheels: Mapping[str, Summary]) -> Dict[str, Needs]:
    """wheel name → its needs, from each wheel's :class:`Summary`: a soname outside a wheel is
    found in another one (the first by name whose libraries provide it), and what a module reaches
    there counts as that wheel's module needs."""
    names = sorted(wheels)

    def provider(wheel: str, soname: str) -> Optional[str]:
        return next((o for o in names if o != wheel and soname in wheels[o].libs), None)

    used = {w: set(wheels[w].module) for w in names}
    queue = deque((w, s) for w in names for s in wheels[w].module)
    entered: Set[Tuple[str, str]] = set()
    while queue:
        wheel, soname = queue.popleft()
        other = provider(wheel, soname)
        if other is None or (other, soname) in entered:
            continue
        entered.add((other, soname))
        for need in wheels[other].libs[soname]:
            if need not in used[other]:
                used[other].add(need)
                queue.append((other, need))
    out: Dict[str, Needs] = {}
    for wheel in names:
        needs: Needs = {}
        for soname in sorted(set(wheels[wheel].module) | set(wheels[wheel].plugin)):
            needs[soname] = {"use": MODULE if soname in used[wheel] else PLUGIN}
            other = provider(wheel, soname)
            if other is not None:
                needs[soname]["wheel"] = other
        out[wheel] = needs
    return out
