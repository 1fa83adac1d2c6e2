"""What PyPI (or any PEP 691 index) knows of one file, fetched on demand and remembered.

Used where a lock names a file the local index lacks: a poetry.lock records no URLs, and an sdist's
build system is read from the sdist itself (statically, never run; see crawler.fetch_sdist).

Example: ``PyPIFileLookup()("requests", "requests-2.32.3.tar.gz")["url"]``
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Tuple

from mach_nix.errors import MachNixError


class PyPIFileLookup:
    """A callable ``(project, filename) -> {"url", "sha256", "build_system"?}`` or None if PyPI lacks it."""

    def __init__(self, base: str = "https://pypi.org", client: Any = None) -> None:
        from mach_nix.index.pypi import PyPIClient

        self.client = client or PyPIClient(base, pool_size=4, retries=3)
        self.pages: Dict[str, Dict[str, Dict[str, Any]]] = {}
        self.results: Dict[Tuple[str, str], Optional[Dict[str, Any]]] = {}

    def __call__(self, project: str, filename: str) -> Optional[Dict[str, Any]]:
        key = (project, filename)
        if key not in self.results:
            self.results[key] = self._lookup(project, filename)
        return self.results[key]

    def _lookup(self, project: str, filename: str) -> Optional[Dict[str, Any]]:
        from mach_nix.index.crawler import fetch_sdist
        from mach_nix.index.pypi import FetchError

        try:
            entry = self._files(project).get(filename)
            if entry is None:
                return None
            sha256 = (entry.get("hashes") or {}).get("sha256")
            found: Dict[str, Any] = {"url": entry["url"], "sha256": sha256}
            if not filename.endswith(".whl") and sha256:
                found["build_system"] = fetch_sdist(self.client, entry).get("build_system")
            return found
        except FetchError as exc:
            raise MachNixError(f"cannot look up {filename} of {project} on {self.client.base} ({exc}); check the "
                               "network, or give the file's project to the index with `mach-nix index build`.") from None

    def _files(self, project: str) -> Dict[str, Dict[str, Any]]:
        if project not in self.pages:
            page = self.client.simple(project)
            self.pages[project] = {f["filename"]: f for f in (page.files if page else [])}
        return self.pages[project]
