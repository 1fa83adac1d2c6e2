"""The grammar of the lock fields that reach tools: names, versions, filenames, ``url``, ``path``, ``sha256``.

A lock may come from an untrusted branch. Its ``url`` goes to a fetcher (curl), its ``path`` to a
copy, its ``filename`` into store paths: each is checked here before anything uses it, and
lib/lock-fields.nix checks ``url``, ``path`` and ``sha256`` by the same rules before Nix calls a
fetcher. tests/data/golden/lock-fields.json holds the cases both sides must agree on.

Example: ``field_problem("url", "-K/tmp/curlrc")`` is ``"expected an https:// or http:// URL"``.
"""

from __future__ import annotations

import re
from typing import Optional

from mach_nix.constants import SDIST_SUFFIXES

_SHA256 = re.compile(r"[0-9a-f]{64}")
# one regex scan instead of a Python loop per character: a lock checks every url and filename
# (``\s`` is str.isspace's set: both are Py_UNICODE_ISSPACE)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_OR_SPACE = re.compile(r"[\x00-\x1f\x7f\s]")
_SCHEMES = ("https://", "http://")


def field_problem(field: str, value: object) -> Optional[str]:
    """What is wrong with ``value`` as the lock field ``field`` (``url``, ``path``, ``sha256``,
    ``filename``, ``version``, ``name``), or None when it is well-formed.

    Example: ``field_problem("path", "../../etc/passwd") == "expected a path inside the lock's directory (no '..')"``
    """
    if not isinstance(value, str):
        return "expected a string"
    check = _CHECKS.get(field)
    return check(value) if check is not None else None


def _url(value: str) -> Optional[str]:
    # A fetcher takes the URL as an argument: a leading '-' would be an option, whitespace would
    # split it, control characters could end a header. Only the schemes an index serves are allowed.
    if not value.startswith(_SCHEMES):
        return "expected an https:// or http:// URL"
    if _has_control_or_space(value):
        return "expected a URL without whitespace or control characters"
    host = value.split("://", 1)[1].split("/", 1)[0]
    if not host or host.startswith(("-", "@")):
        return "expected a URL with a host name"
    return None


def _path(value: str) -> Optional[str]:
    # Relative to the lock's directory and lexically inside it: no absolute path, no '..'.
    if not value or value.startswith(("/", "~")) or "\\" in value:
        return "expected a relative path inside the lock's directory"
    if _has_control(value):
        return "expected a path without control characters"
    if any(part == ".." for part in value.split("/")):
        return "expected a path inside the lock's directory (no '..')"
    if value.split("/")[-1] in ("", "."):
        return "expected the path of a file"
    return None


def _sha256(value: str) -> Optional[str]:
    return None if _SHA256.fullmatch(value) else "expected 64 lowercase hexadecimal digits"


# PEP 508's name (what packaging.utils.canonicalize_name(validate=True) accepts), PEP 427's wheel
# name parts (the name with '-' escaped to '_', an optional build tag starting with a digit, three
# tag sets). Not packaging.utils itself: it imports packaging.tags (platform, subprocess, logging),
# which an offline lock does not otherwise load; tests/py/lock/test_lock_fields.py checks that these agree
# with packaging.utils on every golden case.
_NAME = re.compile(r"[A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9]")
_WHEEL_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._]*[A-Za-z0-9])?")
_BUILD_TAG = re.compile(r"[0-9][A-Za-z0-9_.]*")
_TAGS = re.compile(r"[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*")


def _filename(value: str) -> Optional[str]:
    if "/" in value or "\\" in value or value.startswith((".", "-")) or _has_control_or_space(value):
        return "expected a file name (no directory, no leading '.' or '-', no whitespace)"
    if value.endswith(".whl"):
        parts = value[: -len(".whl")].split("-")
        if len(parts) not in (5, 6) or not _WHEEL_NAME.fullmatch(parts[0]) or _version(parts[1]) is not None \
                or (len(parts) == 6 and not _BUILD_TAG.fullmatch(parts[2])) \
                or not all(_TAGS.fullmatch(tag) for tag in parts[-3:]):
            return "expected a wheel file name (PEP 427: NAME-VERSION[-BUILD]-PY-ABI-PLATFORM.whl)"
        return None
    suffix = next((s for s in SDIST_SUFFIXES if value.endswith(s)), None)
    if suffix is None:
        return "expected a wheel (.whl) or sdist (.tar.gz, .zip, …) file name"
    name, dash, version = value[: -len(suffix)].rpartition("-")
    if not dash or not _NAME.fullmatch(name) or _version(version) is not None:
        return "expected an sdist file name (PEP 625: NAME-VERSION.tar.gz, a PEP 440 version)"
    return None


def _version(value: str) -> Optional[str]:
    from packaging.version import InvalidVersion, Version

    try:
        Version(value)
    except InvalidVersion:
        return "expected a PEP 440 version"
    return None


def _name(value: str) -> Optional[str]:
    if _NAME.fullmatch(value) is None:
        return "expected a project name (PEP 508: letters, digits, '.', '_', '-')"
    return None


def _has_control(value: str) -> bool:
    return _CONTROL.search(value) is not None


def _has_control_or_space(value: str) -> bool:
    return _CONTROL_OR_SPACE.search(value) is not None


_CHECKS = {"url": _url, "path": _path, "sha256": _sha256, "filename": _filename, "version": _version, "name": _name}
