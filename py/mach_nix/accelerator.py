"""The accelerator a lock is for (``target.accelerator``: ``cpu`` or ``cuda``), read from its wheels.

PyTorch-style indexes mark their builds with a PEP 440 local version (``2.5.1+cpu``,
``2.5.1+cu124``), PyPI's CUDA builds pull in the ``nvidia-*`` wheels, and other CUDA builds say so
in their names (``cupy-cuda12x``, ``jax-cuda12-plugin``, ``onnxruntime-gpu``); each says what the
environment needs at run time. ``lib/accelerator.nix`` applies the same rule to locks that do not
record the field (written before it existed, or without ``--accelerator``/``--extra-index-url``).

Example::

    derive({"torch": {"name": "torch", "version": "2.5.1+cpu"}})        # ("cpu", "torch 2.5.1+cpu")
    derive({"nvidia-cublas-cu12": {"name": "nvidia-cublas-cu12", "version": "12.4.5.8"}})[0] == "cuda"
"""

from __future__ import annotations

import re
from typing import Any, Dict, Mapping, Optional, Tuple

from mach_nix.errors import MachNixError

ACCELERATORS = ("cpu", "cuda")
_CUDA_LOCAL = re.compile(r"cu\d+")  # +cu121, +cu124: PyTorch's CUDA builds
# CUDA builds named as such on PyPI: nvidia-cublas-cu12, cupy-cuda12x, jax-cuda12-plugin, onnxruntime-gpu
_CUDA_NAME = re.compile(r"^nvidia-|-cuda\d+|-cu\d+(-|$)|-gpu$")


def evidence(name: str, version: str) -> Optional[str]:
    """The accelerator one locked package says the environment is for, or None when it says nothing.

    Example: ``evidence("torch", "2.5.1+cu124") == "cuda"``; ``evidence("requests", "2.32.3") is None``
    """
    local = version.partition("+")[2].lower()
    if local == "cpu" or local.startswith("cpu."):
        return "cpu"
    if _CUDA_LOCAL.match(local) or _CUDA_NAME.search(re.sub(r"[-_.]+", "-", name.lower())):
        return "cuda"
    return None


def derive(packages: Mapping[str, Mapping[str, Any]]) -> Tuple[str, Optional[str]]:
    """``(accelerator, "NAME VERSION" of the first package, by name, that decides it)``: ``cuda`` when
    a package is a CUDA build (see :func:`evidence`), else ``cpu`` (named when a ``+cpu`` build says so).

    Example: ``derive({"six": {"name": "six", "version": "1.16.0"}}) == ("cpu", None)``
    """
    found: Dict[str, str] = {}
    for key in sorted(packages):
        entry = packages[key]
        kind = evidence(key, str(entry.get("version", "")))
        if kind is not None and kind not in found:
            found[kind] = f"{entry.get('name', key)} {entry.get('version')}"
    if "cuda" in found:
        return "cuda", found["cuda"]
    return "cpu", found.get("cpu")


def choose(given: Optional[str], packages: Mapping[str, Mapping[str, Any]]) -> str:
    """The lock's accelerator: ``given`` (``--accelerator``) when the wheels agree, else what they say.

    Raises :class:`MachNixError` (exit 2) when ``given`` contradicts a locked wheel, naming it.
    Example: ``choose("cpu", {"torch": {"name": "torch", "version": "2.5.1+cu124"}})`` raises.
    """
    derived, witness = derive(packages)
    if given is None or given == derived:
        return derived
    if witness is None:  # nothing in the lock is accelerator-specific: the declaration stands
        return given
    if given == "cpu":
        how = ("give the CPU builds' index (for PyTorch: --extra-index-url https://download.pytorch.org/whl/cpu), "
               "or lock with --accelerator cuda")
    else:
        how = ("drop the --extra-index-url of CPU builds (or give a CUDA one, e.g. "
               "https://download.pytorch.org/whl/cu124), or lock with --accelerator cpu")
    what = "for CUDA (a +cuXYZ build or an nvidia-* wheel)" if derived == "cuda" else "a CPU build (+cpu)"
    raise MachNixError(f"--accelerator {given} contradicts the locked wheel {witness}, which is {what}; {how}.")
