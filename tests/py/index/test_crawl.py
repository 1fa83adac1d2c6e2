"""The crawler against recorded PyPI responses served from a loopback HTTP server.

tests/data/pypi/simple/*.json are real PEP 691 pages (trimmed to a few releases by
tests/data/pypi/record.py); files/ holds the matching .metadata files, one wheel without a
.metadata file (read through HTTP range requests) and the sdists the crawl rule downloads.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest

from faults.fakepypi import FakePyPI, recorded_routes
from mach_nix.cli import main
from mach_nix.index.client.pypi import PyPIClient
from mach_nix.index.crawl import crawler as crawler_mod
from mach_nix.index.crawl import plan as plan_mod
from mach_nix.index.crawl import releases as releases_mod
from mach_nix.index.crawl.crawler import Crawler
from mach_nix.index.crawl.publish import recover, write_verified
from mach_nix.index.crawl.scope import Scope, parse_seeds
from mach_nix.index.crawl.workdir import WorkDir
from mach_nix.index.storage import tags
from mach_nix.index.storage.pack import verify
from mach_nix.index.storage.schema import file_requires_dist, file_url
from mach_nix.index.storage.store import Index

PYPI = Path(__file__).resolve().parents[2] / "data" / "pypi"
EXPECTED = PYPI / "expected"


@pytest.fixture
def mirror() -> Iterator[FakePyPI]:
    """The recorded projects on a loopback PyPI; ``mirror.page(NAME)`` edits what it serves."""
    with FakePyPI(recorded_routes()) as server:
        yield server


SCOPE = Scope(since="2000-01-01", closure=False)
NAMES = ["six", "markupsafe", "idna"]


def crawl(mirror: FakePyPI, out: Path, work: Path, names: List[str] = NAMES, **kw: Any) -> Crawler:
    c = Crawler(mirror.client(), WorkDir(work), kw.pop("scope", SCOPE), threads=4, project_threads=2, log=lambda m: None, **kw)
    try:
        records = c.run(parse_seeds(names))
    finally:
        c.close()
    if not c.failed:
        write_verified(out, records, "json", {"scope": SCOPE.to_json()})
    return c


def _projects(directory: Path) -> Dict[str, Any]:
    return dict(Index.open(directory).iter_projects())


def test_crawl_produces_the_expected_shards(mirror: FakePyPI, tmp_path: Path) -> None:
    out = tmp_path / "index"
    crawl(mirror, out, tmp_path / "work")
    assert verify(out) == []
    projects = _projects(out)
    expected = json.loads((EXPECTED / "projects.json").read_text())
    assert projects == expected

    six = projects["six"]["releases"]
    assert sorted(six) == ["1.15.0", "1.16.0", "1.17.0"]
    by_name = {n["filename"]: n for files in six.values() for n in files}
    assert by_name["six-1.15.0-py2.py3-none-any.whl"]["metadata"] == "range"  # no .metadata file: range reads
    assert by_name["six-1.16.0-py2.py3-none-any.whl"]["metadata"] == "pep658"
    assert by_name["six-1.17.0.tar.gz"]["metadata"] == "egg-info"  # the newest release's sdist is read
    assert by_name["six-1.16.0.tar.gz"]["metadata"] == "not-crawled"  # pure wheel covers every target
    ms = projects["markupsafe"]["releases"]["3.0.2"]
    assert not any("win" in n["filename"] or "musllinux" in n["filename"] or "i686" in n["filename"] for n in ms)
    sources = [n["metadata"] for n in ms]
    assert sources.count("inherited") > 10 and 4 <= sources.count("pep658") <= 5
    for node in ms:
        if node["metadata"] == "inherited":
            assert node["metadata_from"] in {n["filename"] for n in ms if n["metadata"] == "pep658"}
    sdist = [n for n in ms if n["filename"].endswith(".tar.gz")][0]
    assert sdist["build_system"]["source"] == "pyproject" and sdist["build_system"]["requires"]
    idna = projects["idna"]["releases"]["3.10"]
    # Requires-Dist strings are kept verbatim, spaces included
    assert file_requires_dist(projects["idna"], idna[0])[0] == 'ruff >= 0.6.2 ; extra == "all"'
    assert projects["idna"]["releases"]["3.10"][0]["provides_extra"] == ["all"]
    # no Windows .metadata was ever requested
    assert not any("win" in f for f in mirror.file_requests())


def test_sample_check_upgrades_a_release_to_per_wheel_fetching(mirror: FakePyPI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    page = mirror.page("markupsafe")
    wheels = sorted(f["filename"] for f in page["files"] if f["filename"].endswith(".whl"))
    plan = plan_mod.plan_release(releases_mod.select_releases(releases_mod.releases_of(mirror.client().simple("markupsafe")), "2000-01-01", set())[0], True, "auto")
    sample = plan.samples[0]
    real_fetch = crawler_mod.fetch_wheel

    def differing(client: PyPIClient, entry: Dict[str, Any]) -> Dict[str, Any]:
        result = real_fetch(client, entry)
        if entry["filename"] == sample:
            result = dict(result, requires_dist=["extra-dep>=1"])
        return result

    monkeypatch.setattr(crawler_mod, "fetch_wheel", differing)
    crawl(mirror, tmp_path / "index", tmp_path / "work", names=["markupsafe"])
    nodes = _projects(tmp_path / "index")["markupsafe"]["releases"]["3.0.2"]
    assert not any(n["metadata"] == "inherited" for n in nodes)  # every wheel fetched
    fetched = [n for n in nodes if n["filename"].endswith(".whl")]
    assert len(fetched) == len([w for w in wheels if tags.keep_wheel(w)])


def test_resume_after_interruption_loses_no_finished_work(mirror: FakePyPI, tmp_path: Path) -> None:
    # First run: the file host dies after a few files; the crawl stops with failures.
    served = {"n": 0}

    def flaky(path: str) -> Optional[int]:
        if path.startswith("/files/"):
            served["n"] += 1
            if served["n"] > 6:
                return 503
        return None

    mirror.fail = flaky
    first = crawl(mirror, tmp_path / "index", tmp_path / "work")
    assert first.progress.failures > 0
    done_before = set(WorkDir(tmp_path / "work").files)
    assert done_before  # finished files were saved
    # Second run: healthy; nothing finished before is fetched again.
    mirror.fail = None
    mirror.log.clear()
    crawl(mirror, tmp_path / "index", tmp_path / "work")
    assert verify(tmp_path / "index") == []
    refetched = set(mirror.file_requests())
    by_sha = {f["hashes"]["sha256"]: f["filename"] for p in map(mirror.page, NAMES) for f in p["files"]}
    assert not {by_sha[s] for s in done_before} & {r.replace(".metadata", "") for r in refetched}
    assert _projects(tmp_path / "index") == json.loads((EXPECTED / "projects.json").read_text())


def test_torn_work_log_line_is_ignored(tmp_path: Path) -> None:
    work = WorkDir(tmp_path)
    work.add_file("a" * 64, {"metadata": "pep658", "requires_dist": []})
    work.close()
    with open(tmp_path / "files.jsonl", "ab") as handle:
        handle.write(b'{"sha256": "bbbb", "resu')  # a crash in the middle of a write
    again = WorkDir(tmp_path)
    assert set(again.files) == {"a" * 64}
    again.close()


def test_update_refetches_only_changed_serials(mirror: FakePyPI, tmp_path: Path) -> None:
    out = tmp_path / "index"
    assert main(["index", "build", "--packages", *NAMES, "--out", str(out), "--since", "2000-01-01", "--quiet",
                 "--work-dir", str(tmp_path / "w1"), "--pypi", mirror.base, "--threads", "4", "--retries", "1"]) == 0
    before = _projects(out)
    # PyPI changes six only: a new serial and release 1.15.0 yanked.
    page = mirror.page("six")
    page["meta"]["_last-serial"] = int(page["meta"]["_last-serial"]) + 1
    for f in page["files"]:
        if "1.15.0" in f["filename"]:
            f["yanked"] = "broken"
    mirror.log.clear()
    assert main(["index", "update", str(out), "--quiet", "--work-dir", str(tmp_path / "w2"), "--pypi", mirror.base, "--threads", "4"]) == 0
    assert verify(out) == []
    after = _projects(out)
    assert after["markupsafe"] == before["markupsafe"] and after["idna"] == before["idna"]
    assert all(n.get("yanked") == "broken" for n in after["six"]["releases"]["1.15.0"])
    assert after["six"]["last_serial"] == before["six"]["last_serial"] + 1
    # Only simple pages were asked for; six's file results came from the previous index.
    assert mirror.file_requests() == []
    assert sorted(p for p in mirror.log if p.startswith("/simple/")) == ["/simple/idna/", "/simple/markupsafe/", "/simple/six/"]


def test_update_finds_a_file_back_filled_under_an_old_serial(mirror: FakePyPI, tmp_path: Path) -> None:
    """A mirror lists a file late without changing the project's serial: update compares file lists."""
    page = mirror.page("six")
    late = next(f for f in page["files"] if f["filename"].endswith(".whl") and "1.16.0" in f["filename"])
    page["files"] = [f for f in page["files"] if f is not late]  # not listed when the index is built
    out = tmp_path / "index"
    assert main(["index", "build", "--packages", *NAMES, "--out", str(out), "--since", "2000-01-01", "--quiet",
                 "--work-dir", str(tmp_path / "w1"), "--pypi", mirror.base, "--threads", "4", "--retries", "1"]) == 0
    before = _projects(out)
    assert late["filename"] not in {n["filename"] for n in before["six"]["releases"]["1.16.0"]}
    page["files"].append(late)  # back-filled, same serial
    mirror.log.clear()
    assert main(["index", "update", str(out), "--quiet", "--work-dir", str(tmp_path / "w2"), "--pypi", mirror.base,
                 "--threads", "4"]) == 0
    assert verify(out) == []
    after = _projects(out)
    assert after["six"]["last_serial"] == before["six"]["last_serial"]
    assert late["filename"] in {n["filename"] for n in after["six"]["releases"]["1.16.0"]}
    assert after["idna"] == before["idna"] and after["markupsafe"] == before["markupsafe"]
    # only the back-filled file was read (its metadata), nothing the index already had
    assert {Path(r).name.replace(".metadata", "") for r in mirror.file_requests()} == {late["filename"]}


def test_update_sdists_fills_not_crawled(mirror: FakePyPI, tmp_path: Path) -> None:
    out = tmp_path / "index"
    crawl(mirror, out, tmp_path / "work", names=["markupsafe"])
    assert main(["index", "update", str(out), "--sdists", "--quiet", "--work-dir", str(tmp_path / "w2"), "--pypi", mirror.base]) == 0
    assert all(n["metadata"] != "not-crawled" for files in _projects(out)["markupsafe"]["releases"].values() for n in files)


def test_failed_crawl_leaves_previous_index_intact(mirror: FakePyPI, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "index"
    crawl(mirror, out, tmp_path / "work")
    snapshot = {p.name: p.read_bytes() for p in out.iterdir()}
    # PyPI breaks: every request fails.
    mirror.fail = lambda path: 500
    status = main(["index", "update", str(out), "--quiet", "--work-dir", str(tmp_path / "w2"), "--pypi", mirror.base, "--retries", "0"])
    assert status == 1
    assert verify(out) == []
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.name != "metadata.json"} == {k: v for k, v in snapshot.items() if k != "metadata.json"}


def test_write_that_fails_verification_keeps_old_index(mirror: FakePyPI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "index"
    crawl(mirror, out, tmp_path / "work")
    snapshot = {p.name: p.read_bytes() for p in out.iterdir()}
    import mach_nix.index.storage.pack as pack_mod

    monkeypatch.setattr(pack_mod, "verify", lambda d: ["00.json is corrupt"])
    from mach_nix.errors import MachNixError

    with pytest.raises(MachNixError, match="left as it was"):
        write_verified(out, {}, "json", {})
    assert {p.name: p.read_bytes() for p in out.iterdir()} == snapshot


def test_recover_after_crash_during_swap(mirror: FakePyPI, tmp_path: Path) -> None:
    out = tmp_path / "index"
    crawl(mirror, out, tmp_path / "work")
    # a crash between "rename OUT → OUT.old" and "rename OUT.new → OUT"
    out.rename(tmp_path / "index.old")
    (tmp_path / "index.new").mkdir()
    recover(out)
    assert verify(out) == [] and not (tmp_path / "index.old").exists() and not (tmp_path / "index.new").exists()


def test_closure_follows_requested_extras_only(mirror: FakePyPI, tmp_path: Path) -> None:
    scope = Scope(since="2000-01-01", closure=True)
    c = crawl(mirror, tmp_path / "index", tmp_path / "work", names=["idna"], scope=scope)
    # idna has no base dependencies; only the build backend of its crawled sdist is queued
    # (the mirror has no such project, so it is reported missing).
    assert c.missing == ["flit-core"]
    c = crawl(mirror, tmp_path / "index2", tmp_path / "work", names=["idna[all]"], scope=scope)
    assert sorted(c.missing) == ["flake8", "flit-core", "mypy", "pytest", "ruff"]


def test_seed_errors_are_clear() -> None:
    from mach_nix.errors import MachNixError

    with pytest.raises(MachNixError, match="not a valid requirement"):
        parse_seeds(["foo>="])
    assert main(["index", "build", "--out", "/nonexistent/x"]) == 2


@pytest.mark.network
def test_smoke_real_pypi(tmp_path: Path) -> None:
    out = tmp_path / "index"
    status = main(["index", "build", "--packages", "six", "idna", "certifi", "--out", str(out), "--since", "2024-06-01",
                   "--quiet", "--work-dir", str(tmp_path / "work"), "--threads", "16"])
    assert status == 0
    assert verify(out) == []
    index = Index.open(out)
    for name in ("six", "idna", "certifi"):
        project = index.project(name)
        assert project is not None and project["releases"]
        newest = max(project["releases"], key=lambda v: __import__("packaging.version").version.Version(v))
        wheel = [n for n in project["releases"][newest] if n["filename"].endswith(".whl")][0]
        assert wheel["metadata"] in ("pep658", "range", "wheel") and "requires_dist" in wheel
        assert file_url(wheel).startswith("https://files.pythonhosted.org/packages/") and "url" not in wheel


def test_known_results_beat_the_plan(mirror: FakePyPI, tmp_path: Path) -> None:
    """An sdist the rule would skip keeps data an earlier crawl fetched (e.g. when it was newest)."""
    page = mirror.page("six")
    sha = next(f["hashes"]["sha256"] for f in page["files"] if f["filename"] == "six-1.16.0.tar.gz")
    known = {sha: {"metadata": "egg-info", "requires_dist": [], "build_system": {"requires": ["setuptools"], "backend": "x", "source": "pyproject"}}}
    crawl(mirror, tmp_path / "index", tmp_path / "work", names=["six"], known=known)
    nodes = {n["filename"]: n for files in _projects(tmp_path / "index")["six"]["releases"].values() for n in files}
    assert nodes["six-1.16.0.tar.gz"]["metadata"] == "egg-info"
    assert nodes["six-1.15.0.tar.gz"]["metadata"] == "not-crawled"
    assert "six-1.16.0.tar.gz" not in mirror.file_requests()
