"""The crawl's work directory: finished file results and project records, kept as they arrive so
that an interrupted crawl resumes without fetching them again.

Example: ``WorkDir(Path("~/.cache/mach-nix/crawl/ab12")).add_file(sha256, result)``
"""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path
from typing import Any, Dict, Optional

import orjson

from mach_nix.fsutil import atomic_write_bytes
from mach_nix.index.storage.schema import FileResult

RECORD_VERSION = 4  # bump when the record assembly changes, so cached project records are redone


class WorkDir:
    """Crash-safe crawl state: ``files.jsonl`` (one result per line, keyed by sha256; a torn last
    line is ignored) and ``projects/NAME.json`` (finished project records, written atomically)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        (self.path / "projects").mkdir(parents=True, exist_ok=True)
        self.lock = threading.Lock()
        self.files: Dict[str, FileResult] = {}
        log = self.path / "files.jsonl"
        if log.exists():
            for line in log.read_bytes().splitlines():
                try:
                    doc = orjson.loads(line)
                    self.files[doc["sha256"]] = doc["result"]
                except (orjson.JSONDecodeError, KeyError, TypeError):
                    continue
        # Unbuffered: every finished result reaches the kernel in one write(), so even SIGKILL
        # loses none of them; fsync every 50 lines bounds what a power loss could take.
        self._log = open(log, "ab", buffering=0)
        self._unsynced = 0

    def add_file(self, sha256: str, result: FileResult) -> None:
        line = orjson.dumps({"sha256": sha256, "result": result}) + b"\n"
        with self.lock:
            self.files[sha256] = result
            self._log.write(line)
            self._unsynced += 1
            if self._unsynced >= 50:
                self._flush()

    def _flush(self) -> None:
        self._log.flush()
        os.fsync(self._log.fileno())
        self._unsynced = 0

    def flush(self) -> None:
        with self.lock:
            self._flush()

    def project_path(self, name: str) -> Path:
        return self.path / "projects" / f"{name}.json"

    def save_project(self, name: str, doc: Dict[str, Any]) -> None:
        atomic_write_bytes(self.project_path(name), orjson.dumps(doc))

    def load_project(self, name: str) -> Optional[Dict[str, Any]]:
        try:
            return orjson.loads(self.project_path(name).read_bytes())
        except (FileNotFoundError, orjson.JSONDecodeError):
            return None

    def close(self) -> None:
        with self.lock:
            self._flush()
            self._log.close()


def default_work_dir(out: Path) -> Path:
    """``CACHE/crawl/<16 hex of the output's path>``, CACHE being the user cache's root (so
    ``$MACH_NIX_CACHE_DIR`` moves it too).

    Example: ``default_work_dir(Path("data"))`` → ``~/.cache/mach-nix/crawl/3f2a9c01b7de4410``
    """
    from mach_nix.index.storage.cache import default_cache_dir

    return default_cache_dir() / "crawl" / hashlib.sha256(str(Path(out).resolve()).encode()).hexdigest()[:16]
