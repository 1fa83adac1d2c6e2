"""pylock.toml (PEP 751, ``lock-version = "1.0"``) → a flat :class:`ForeignLock`.

Every package has an optional ``marker`` over the target and the selected ``extras`` and
``dependency_groups`` (PEP 751's marker variables); files are ``wheels`` and ``sdist`` with a URL
(or path) and ``hashes``; ``vcs``, ``directory`` and ``archive`` packages are other sources. A ``directory`` package at
``.`` is the lock's own project (uv exports it so): it is not fetched.
"""

from __future__ import annotations

from typing import Any, Dict, Optional

from mach_nix.inputs.foreign import Edge, ForeignFile, ForeignLock, ForeignPackage, expect, filename_of
from mach_nix.names import normalize


def read_pylock(doc: Dict[str, Any], path: str, sha256: str) -> ForeignLock:
    """The packages of a parsed pylock.toml. Example: ``read_pylock(tomllib.loads(t), "pylock.toml", sha)``"""
    version = str(doc.get("lock-version", ""))
    expect(version.split(".")[0] == "1", path, f"lock-version = {version!r}; mach-nix reads PEP 751 lock-version 1")
    packages = [_package(e, f"{path}, package {e.get('name')!r}") for e in doc.get("packages", [])]
    own = tuple(sorted(p.name for p in packages if p.source == "directory" and p.source_ref in (".", "./")))
    return ForeignLock("pylock", path, sha256, packages, flat=True, requires_python=doc.get("requires-python"),
                       own_names=own, default_groups=tuple(normalize(g) for g in doc.get("default-groups", [])))


def _package(entry: Dict[str, Any], where: str) -> ForeignPackage:
    expect(isinstance(entry.get("name"), str), where, "a package without a name")
    kind, ref = "registry", None
    for key, source in (("vcs", "git"), ("directory", "directory"), ("archive", "url")):
        if key in entry:
            table = entry[key]
            kind, ref = source, table.get("url") or table.get("path")
    version = entry.get("version")
    expect(isinstance(version, str) or kind != "registry", where, "a registry package without a version")
    package = ForeignPackage(normalize(entry["name"]), version or "0", source=kind, source_ref=ref,
                             marker=entry.get("marker"))
    package.wheels = [f for f in (_file(w, where) for w in entry.get("wheels", [])) if f]
    if entry.get("sdist"):
        package.sdist = _file(entry["sdist"], where)
    archive = _file(entry["archive"], where) if "archive" in entry else None
    if archive is not None and archive.filename.endswith(".whl"):
        package.wheels.append(archive)
    elif archive is not None:
        package.sdist = archive
    package.dependencies = [Edge(normalize(d["name"])) for d in entry.get("dependencies", []) if isinstance(d, dict)
                            and isinstance(d.get("name"), str)]
    return package


def _file(item: Dict[str, Any], where: str) -> Optional[ForeignFile]:
    url, local = item.get("url"), item.get("path")
    expect(isinstance(url, str) or isinstance(local, str), where, f"a file without url or path: {item!r}")
    name = filename_of(url) if isinstance(url, str) else (item.get("name") or filename_of(str(local)))  # the fetched name
    sha = (item.get("hashes") or {}).get("sha256")
    return ForeignFile(name, url if isinstance(url, str) else None, sha.lower() if isinstance(sha, str) else None,
                       local if isinstance(local, str) and not isinstance(url, str) else None)
