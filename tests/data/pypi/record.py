"""Re-record the PyPI responses used by the offline crawler tests (needs the network).

Each simple page is real but trimmed to the releases listed below, to keep the data small.
Run: python3 tests/data/pypi/record.py
"""

from __future__ import annotations

import json
from pathlib import Path

from mach_nix.index.client.pypi import PyPIClient
from mach_nix.index.storage.tags import keep_wheel

HERE = Path(__file__).parent
KEEP = {"six": ["1.15.0", "1.16.0", "1.17.0"], "markupsafe": ["3.0.2"], "idna": ["3.10"]}
NO_METADATA = {"six-1.15.0-py2.py3-none-any.whl"}  # served without .metadata: exercises range reads
SDISTS = {"six-1.17.0.tar.gz", "markupsafe-3.0.2.tar.gz", "idna-3.10.tar.gz"}


def main() -> None:
    client = PyPIClient()
    (HERE / "simple").mkdir(exist_ok=True)
    (HERE / "files").mkdir(exist_ok=True)
    for name, versions in KEEP.items():
        page = client.get(f"https://pypi.org/simple/{name}/", headers={"Accept": "application/vnd.pypi.simple.v1+json"})
        doc = json.loads(page.data)
        doc["files"] = [f for f in doc["files"] if any(f["filename"].lower().startswith(f"{name}-{v}".lower()) for v in versions)]
        doc["versions"] = [v for v in doc["versions"] if v in versions]
        (HERE / "simple" / f"{name}.json").write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n")
        for entry in doc["files"]:
            filename = entry["filename"]
            if filename in NO_METADATA or filename in SDISTS:
                (HERE / "files" / filename).write_bytes(client.get(entry["url"]).data)
            elif filename.endswith(".whl") and keep_wheel(filename):
                meta = client.pep658(entry["url"])
                if meta is not None:
                    (HERE / "files" / (filename + ".metadata")).write_bytes(meta)


if __name__ == "__main__":
    main()
