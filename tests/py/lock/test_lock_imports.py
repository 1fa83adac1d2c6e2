"""What an offline lock imports: only what it needs (start-up time is a large part of a small lock)."""

import json
import os
import subprocess
import sys
from pathlib import Path

# modules an offline lock from the embedded index must not load, and what loads them if it goes wrong
NOT_ON_THE_LOCK_PATH = {
    "tempfile": "atomic writes (random, shutil, bz2, lzma come with it)",
    "shutil": "tempfile",
    "concurrent.futures": "the remote layer's futures, needed only for fetches (logging comes with it)",
    "logging": "concurrent.futures",
    "packaging.requirements": "a dependency string the fast parser should have taken",
    "packaging.markers": "a marker the fast evaluator should have taken",
    "packaging.tags": "target tags (platform, logging, subprocess)",
    "urllib3": "the network client",
    "rich": "progress display",
    "mach_nix.index.crawl.crawler": "the crawler",
    "mach_nix.index.client.pypi": "the network client",
    "lz4": "the packed index (data/ is JSON)",
    "difflib": "name suggestions, made only when a lock fails",
}


def test_an_offline_lock_imports_nothing_it_does_not_need(tmp_path: Path) -> None:
    code = ("import json, sys\n"
            "from mach_nix.cli import main\n"
            "status = main(sys.argv[1:])\n"
            "print(json.dumps({'status': status, 'modules': sorted(sys.modules)}))\n")
    env = dict(os.environ, MACH_NIX_CACHE_DIR=str(tmp_path / "cache"), MACH_NIX_OFFLINE="1")
    out = subprocess.run(
        [sys.executable, "-c", code, "lock", "-q", "--python", "3.11", "-o", str(tmp_path / "lock.json"),
         "requests", "celery[redis]>=5", "django>=4.2", "pandas"],
        env=env, capture_output=True, text=True, check=True)
    result = json.loads(out.stdout.splitlines()[-1])
    assert result["status"] == 0, out.stderr
    assert json.loads((tmp_path / "lock.json").read_text())["roots"]
    loaded = {m for m in NOT_ON_THE_LOCK_PATH if m in result["modules"]}
    assert not loaded, {m: NOT_ON_THE_LOCK_PATH[m] for m in loaded}
