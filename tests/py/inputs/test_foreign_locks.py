"""uv.lock, poetry.lock and pylock.toml → mach-nix locks (`mach-nix lock --from`).

Fixtures in tests/data/foreign/ were written by the real tools from the pyproject.toml beside them:
`uv lock` and `uv export --format pylock.toml --all-extras --all-groups` (uv 0.13.9), `poetry lock`
(Poetry 2.5.1). PyPI answers that a conversion needs (poetry.lock records no URLs) are recorded in
pypi-lookup.json; the network test at the end asks PyPI itself.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mach_nix.errors import MachNixError
from mach_nix.index.storage.store import Index
from mach_nix.inputs.foreign import parse_toml
from mach_nix.inputs.foreign.read import detect_format, read_foreign_lock
from mach_nix.inputs.foreign.convert import convert
from mach_nix.lock import validate
from mach_nix.names import normalize
from mach_nix.index.storage.lazy_index import LazyIndex
from mach_nix.resolve.target import Target

FOREIGN = Path(__file__).resolve().parents[2] / "data" / "foreign"
UV_LOCK, PYLOCK, POETRY_LOCK = FOREIGN / "uv" / "uv.lock", FOREIGN / "uv" / "pylock.toml", FOREIGN / "poetry" / "poetry.lock"
RECORDED = json.loads((FOREIGN / "pypi-lookup.json").read_text())
LINUX = Target.create("3.11")


def recorded_lookup(project: str, filename: str):
    return RECORDED.get(f"{project}/{filename}")


@pytest.fixture(scope="module")
def index():
    return LazyIndex(Index.open())


def versions_in(lock_path: Path) -> dict:
    """name → version of every package the source lock lists (what the tool wrote)."""
    doc = parse_toml(lock_path, lock_path.read_text())
    entries = doc.get("package") or doc.get("packages")
    return {normalize(p["name"]): p.get("version") for p in entries}


def test_uv_lock_follows_edges_markers_extras_and_groups(index):
    plain = convert(read_foreign_lock(UV_LOCK), LINUX, index=index)
    assert sorted(plain.packages) == ["certifi", "charset-normalizer", "click", "docopt", "idna", "requests", "urllib3"]
    assert plain.roots == ["click", "docopt", "requests"]  # six is for win32 only; pysocks, iniconfig not selected
    assert plain.packages["requests"]["dependencies"] == ["certifi", "charset-normalizer", "idna", "urllib3"]
    full = convert(read_foreign_lock(UV_LOCK), LINUX, index=index, extras=["socks"], groups=["dev"])
    assert {"pysocks", "iniconfig"} <= set(full.packages) and "six" not in full.packages
    source = versions_in(UV_LOCK)
    assert all(entry["version"] == source[name] for name, entry in full.packages.items())


def test_uv_lock_picks_the_target_wheel_and_reads_build_systems(index):
    darwin = convert(read_foreign_lock(UV_LOCK), Target.create("3.12", "aarch64-darwin"), index=index,
                     lookup=recorded_lookup)
    assert darwin.packages["charset-normalizer"]["filename"].endswith("cp312-cp312-macosx_10_13_universal2.whl")
    linux = convert(read_foreign_lock(UV_LOCK), LINUX, index=index, lookup=recorded_lookup)
    assert "cp311-cp311-manylinux" in linux.packages["charset-normalizer"]["filename"]
    docopt = linux.packages["docopt"]
    assert docopt["provider"] == "sdist" and docopt["filename"] == "docopt-0.6.2.tar.gz"
    assert docopt["build_system"] == {"requires": ["setuptools>=40.8.0", "wheel"], "resolved": False,
                                      "backend": "setuptools.build_meta:__legacy__", "source": "default",
                                      "dependencies": ["setuptools", "wheel"]}
    assert linux.warnings == []


def test_unknown_extra_of_the_project_names_the_known_ones(index):
    with pytest.raises(MachNixError, match=r"demo-app has no extra 'sock' \(it has: socks\)"):
        convert(read_foreign_lock(UV_LOCK), LINUX, index=index, extras=["sock"])


def test_pylock_is_flat_and_agrees_with_the_uv_lock_it_was_exported_from(index):
    flat = convert(read_foreign_lock(PYLOCK), LINUX, index=index, lookup=recorded_lookup)
    graph = convert(read_foreign_lock(UV_LOCK), LINUX, index=index, extras=["socks"], groups=["dev"],
                    lookup=recorded_lookup)
    pick = lambda c: {n: (e["version"], e["filename"], e["sha256"]) for n, e in c.packages.items()}  # noqa: E731
    assert pick(flat) == pick(graph)
    assert "demo-app" not in flat.packages  # the project itself (directory ".") is not fetched
    assert flat.packages["requests"]["dependencies"] == ["certifi", "charset-normalizer", "idna", "urllib3"]


def test_poetry_lock_offline_lists_every_file_without_a_url():
    # the small test index, which holds none of the lock's newest files (data/ may, once rebuilt)
    small = LazyIndex(Index.open(Path(__file__).resolve().parents[2] / "data" / "index-small"))
    with pytest.raises(MachNixError) as err:
        convert(read_foreign_lock(POETRY_LOCK), LINUX, index=small)
    message = err.value.message
    assert "certifi-2026.10.19.post1-py3-none-any.whl (certifi) has no URL" in message
    assert "charset_normalizer-3.5.3-cp311" in message and "run without --offline" in message


def test_poetry_lock_with_urls_from_pypi(index):
    converted = convert(read_foreign_lock(POETRY_LOCK), LINUX, index=index, extras=["socks"], lookup=recorded_lookup)
    assert "pysocks" in converted.packages and "iniconfig" not in converted.packages and "six" not in converted.packages
    source = versions_in(POETRY_LOCK)
    assert all(entry["version"] == source[name] for name, entry in converted.packages.items())
    assert converted.packages["certifi"]["url"] == RECORDED["certifi/certifi-2026.10.19.post1-py3-none-any.whl"]["url"]
    dev = convert(read_foreign_lock(POETRY_LOCK), LINUX, index=index, groups=["dev"], lookup=recorded_lookup)
    assert "iniconfig" in dev.packages and "pysocks" not in dev.packages


def test_format_detected_by_content_and_refused_when_unknown(tmp_path):
    for source in (UV_LOCK, PYLOCK, POETRY_LOCK):
        renamed = tmp_path / "some.lock"
        shutil.copy(source, renamed)
        assert read_foreign_lock(renamed).format == read_foreign_lock(source).format
    assert detect_format(Path("pylock.prod.toml"), "") == "pylock"
    (tmp_path / "other.lock").write_text("[tool]\nx = 1\n")
    with pytest.raises(MachNixError, match="not a lock mach-nix reads"):
        read_foreign_lock(tmp_path / "other.lock")


def test_git_sources_and_fileless_packages_are_refused(tmp_path, index):
    text = UV_LOCK.read_text().replace('name = "click"\nversion = "8.5.1"\nsource = { registry = "https://pypi.org/simple" }',
                                       'name = "click"\nversion = "8.5.1"\nsource = { git = "https://github.com/pallets/click?rev=8.5.1#abc" }')
    assert text != UV_LOCK.read_text()
    (tmp_path / "uv.lock").write_text(text)
    with pytest.raises(MachNixError, match=r"local or VCS sources: click \(git https://github.com/pallets/click"):
        convert(read_foreign_lock(tmp_path / "uv.lock"), LINUX, index=index)


def test_requires_python_of_the_lock_is_checked(index):
    with pytest.raises(MachNixError, match=r"requires Python '>=3.11'.*CPython 3.10"):
        convert(read_foreign_lock(UV_LOCK), Target.create("3.10"), index=index)


def test_cli_from_writes_a_valid_lock_that_records_how_to_redo_it(tmp_path):
    shutil.copy(UV_LOCK, tmp_path / "uv.lock")
    done = subprocess.run([sys.executable, "-m", "mach_nix", "lock", "--from", "uv.lock", "--extra", "socks",
                           "--offline", "-o", "out.json"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    lock = json.loads((tmp_path / "out.json").read_text())
    validate(lock, "out.json")
    assert lock["inputs"]["arguments"] == ["--from", "uv.lock", "--extra", "socks"]
    assert lock["inputs"]["files"][0]["kind"] == "uv"
    mixed = subprocess.run([sys.executable, "-m", "mach_nix", "lock", "--from", "uv.lock", "requests"], cwd=tmp_path,
                           capture_output=True, text=True, timeout=300)
    assert mixed.returncode == 2 and "--from converts a lock and takes no requirements" in mixed.stderr


@pytest.mark.network
def test_poetry_lock_against_pypi_matches_poetrys_hashes(index):
    from mach_nix.index.client.fetch import PyPIFileLookup

    converted = convert(read_foreign_lock(POETRY_LOCK), LINUX, index=index, extras=["socks"], groups=["dev"],
                        lookup=PyPIFileLookup())
    doc = parse_toml(POETRY_LOCK, POETRY_LOCK.read_text())
    hashes = {f["file"]: f["hash"].split(":", 1)[1] for p in doc["package"] for f in p["files"]}
    assert {n: e["sha256"] for n, e in converted.packages.items()} == \
        {n: hashes[e["filename"]] for n, e in converted.packages.items()}
    assert all(e["url"].endswith("/" + e["filename"]) for e in converted.packages.values())


def test_a_path_source_becomes_a_local_file_named_relative_to_the_new_lock(tmp_path):
    """uv.lock's `source = { path = "wheels/six-….whl" }` (a hashed local wheel): no URL, a path,
    named from the new lock's directory (here one above the uv.lock's)."""
    shutil.copytree(FOREIGN / "uv-path", tmp_path / "app")
    out = tmp_path / "lock.json"
    done = subprocess.run([sys.executable, "-m", "mach_nix", "lock", "--from", str(tmp_path / "app" / "uv.lock"),
                           "--offline", "-o", str(out)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    six = json.loads(out.read_text())["packages"]["six"]
    assert "url" not in six and six["sha256"].startswith("8abb2f1d")
    assert six["path"] == "app/wheels/" + six["filename"]
    validate(json.loads(out.read_text()), str(out))


def test_a_path_source_outside_the_new_locks_directory_is_refused(tmp_path):
    """A lock names only files inside its own directory: written beside, not above, the file, it is refused."""
    out = tmp_path / "locks" / "lock.json"
    done = subprocess.run([sys.executable, "-m", "mach_nix", "lock", "--from", str(FOREIGN / "uv-path" / "uv.lock"),
                           "--offline", "-o", str(out)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 2, done.stderr
    assert "packages.six.path" in done.stderr and "Write the lock (-o) in a directory that contains" in done.stderr
    assert "Traceback" not in done.stderr and not out.exists()


def test_a_direct_url_source_keeps_its_url_and_hash(index):
    """uv.lock's `source = { url = … }` (a `name @ https://…` requirement): the file at that URL."""
    converted = convert(read_foreign_lock(FOREIGN / "uv-url" / "uv.lock"), LINUX, index=index)
    click = converted.packages["click"]
    assert converted.roots == ["click"]
    assert click["url"].endswith("/31/7d/164b7ffc8624fe9efb4221bf9af485d5c1e41b9ae118045d2b6dc5457d8b/click-8.5.1-py3-none-any.whl")
    assert click["sha256"] == "8bb5376d2006950386f8c6427613334a2acadc5f559cb80e638d00b4df957e37"
