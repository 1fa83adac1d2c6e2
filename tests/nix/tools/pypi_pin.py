"""Print url/sha256/filename of PyPI files, to pin shim packages and hand-written test locks.

Example: python3 tests/nix/tools/pypi_pin.py requests==2.32.3 'orjson==3.10.12:cp311-cp311-manylinux_2_17_x86_64'
A spec is NAME==VERSION[:SUBSTRING]; SUBSTRING picks the file (default: py3-none-any wheel, else the sdist).
"""

from __future__ import annotations

import json
import sys
import urllib.request


def pick(name: str, version: str, want: str | None) -> dict:
    with urllib.request.urlopen(f"https://pypi.org/pypi/{name}/json", timeout=30) as resp:
        files = json.load(resp)["releases"][version]
    for f in files:
        fn = f["filename"]
        if want is not None:
            if want in fn:
                return f
        elif fn.endswith("py3-none-any.whl") or fn.endswith("py2.py3-none-any.whl"):
            return f
    if want is None:
        for f in files:
            if f["packagetype"] == "sdist":
                return f
    raise SystemExit(f"no file for {name}=={version} matching {want!r}: {[f['filename'] for f in files]}")


def main() -> None:
    for spec in sys.argv[1:]:
        req, _, want = spec.partition(":")
        name, _, version = req.partition("==")
        f = pick(name, version, want or None)
        url = f["url"]
        if not url.startswith("https://"):  # some mirrors answer with relative links
            url = "https://files.pythonhosted.org/packages/" + url.split("/packages/packages/", 1)[1]
        print(json.dumps({"name": name, "version": version, "filename": f["filename"], "url": url,
                          "sha256": f["digests"]["sha256"], "requires_python": f.get("requires_python")}))


if __name__ == "__main__":
    main()
