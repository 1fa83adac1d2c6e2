"""Which PyPI files the index keeps, the "platform family" of a kept wheel, and the version a
filename carries.

The rule (docs/index-format.md, "What is kept"): every sdist; pure wheels for Python 3; and binary
wheels for CPython 3.8+ (``cp38``…, ``abi3``, ``py3``) on glibc Linux (``manylinux*``/``linux``)
for x86_64 and aarch64, and on macOS for x86_64, arm64 and universal2. Everything else (Windows,
i686, musllinux, ppc64le, s390x, armv7l, PyPy, CPython < 3.8, free-threaded CPython (``cp313t``:
no target selects them), Python-2-only wheels, eggs, installers) is dropped.
"""

from __future__ import annotations

import re
from typing import FrozenSet, Optional

from packaging.tags import Tag
from packaging.utils import InvalidWheelFilename, parse_wheel_filename
from packaging.version import InvalidVersion, Version

from mach_nix.constants import SDIST_SUFFIXES
from mach_nix.names import normalize


_CP = re.compile(r"^cp3(\d+)$")
_PY3 = re.compile(r"^py3\d*$")
_LINUX = re.compile(r"^(?:manylinux1|manylinux2010|manylinux2014|manylinux_\d+_\d+|linux)_(x86_64|aarch64)$")
_MACOS = re.compile(r"^macosx_\d+_\d+_(x86_64|arm64|universal2)$")

# Platform families: wheels of one release and family are assumed to share metadata unless the
# crawler's sample check says otherwise (see docs/crawl.md).
PURE = "pure"


def is_sdist(filename: str) -> bool:
    """True for source distributions the index keeps.

    Example: ``is_sdist("six-1.16.0.tar.gz") is True``; ``is_sdist("six-1.16.0-py2.py3-none-any.whl") is False``
    """
    lower = filename.lower()
    return lower.endswith(SDIST_SUFFIXES) and not lower.endswith(".whl")


def _python_ok(interpreter: str, abi: str) -> bool:
    if _PY3.match(interpreter):
        return True
    match = _CP.match(interpreter)
    if not match:
        return False
    if abi == "abi3":  # a cp36-abi3 wheel installs on every CPython >= 3.6, so on 3.8+ too
        return True
    return int(match.group(1)) >= 8


def tag_family(tag: Tag) -> Optional[str]:
    """The platform family of one wheel tag, or None when the tag is not kept.

    Example: ``tag_family(Tag("cp312", "cp312", "manylinux_2_17_x86_64")) == "linux-x86_64"``
    """
    if not _python_ok(tag.interpreter, tag.abi):
        return None
    if tag.abi not in ("none", "abi3") and not _CP.match(tag.abi.rstrip("mdu")):
        return None  # a free-threaded ABI (cp313t) too: every target is a GIL-enabled CPython
    if tag.platform == "any":
        return PURE
    linux = _LINUX.match(tag.platform)
    if linux:
        return f"linux-{linux.group(1)}"
    mac = _MACOS.match(tag.platform)
    if mac:
        return f"macos-{mac.group(1)}"
    return None


def wheel_families(filename: str) -> FrozenSet[str]:
    """The platform families of a wheel filename (empty when the wheel is dropped or malformed).

    Example: ``wheel_families("numpy-2.1.0-cp312-cp312-macosx_14_0_arm64.whl") == {"macos-arm64"}``
    """
    try:
        _name, _version, _build, tags = parse_wheel_filename(filename)
    except InvalidWheelFilename:
        return frozenset()
    families = {tag_family(tag) for tag in tags}
    families.discard(None)
    return frozenset(families)  # type: ignore[arg-type]


def keep_wheel(filename: str) -> bool:
    """True when a Nix user can install this wheel on some supported target.

    Example: ``keep_wheel("six-1.16.0-py2.py3-none-any.whl") is True``;
    ``keep_wheel("numpy-2.1.0-cp312-cp312-win_amd64.whl") is False``
    """
    return bool(wheel_families(filename))


def primary_family(filename: str) -> Optional[str]:
    """One family for grouping wheels of a release (the smallest name; stable across runs)."""
    families = wheel_families(filename)
    return min(families) if families else None


def keep_file(filename: str) -> bool:
    """True for every file the index keeps: sdists and installable wheels."""
    if filename.endswith(".whl"):
        return keep_wheel(filename)
    return is_sdist(filename)


def file_version(filename: str, project: str) -> Optional[Version]:
    """The version encoded in a wheel or sdist filename (None when it is not PEP 440).

    Example: ``file_version("six-1.16.0.tar.gz", "six") == Version("1.16.0")``
    """
    try:
        if filename.endswith(".whl"):
            return parse_wheel_filename(filename)[1]
        lower = filename.lower()
        for suffix in SDIST_SUFFIXES:
            if lower.endswith(suffix):
                stem = filename[: -len(suffix)]
                break
        else:
            return None
        # The name part may itself contain dashes: strip the normalized project name first.
        norm = normalize(stem)
        if norm.startswith(project + "-"):
            return Version(stem[len(stem) - (len(norm) - len(project) - 1):])
        return Version(stem.rpartition("-")[2])
    except (InvalidVersion, InvalidWheelFilename):
        return None
