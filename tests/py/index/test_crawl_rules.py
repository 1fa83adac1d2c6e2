"""The release rule, the wheel fetch plan and the closure rule (docs/crawl.md)."""

from __future__ import annotations

from typing import Any, Dict, List

from packaging.version import Version

from mach_nix.index.client.pypi import PyPIClient
from mach_nix.index.client.simple_page import SimpleProject
from mach_nix.index.crawl.crawler import Crawler
from mach_nix.index.crawl.known import existing_results
from mach_nix.index.crawl.plan import covers_all_targets, plan_release
from mach_nix.index.crawl.releases import Release, releases_of, select_releases, version_days
from mach_nix.index.crawl.scope import Scope, default_since, parse_seeds, window_scope
from mach_nix.index.crawl.workdir import WorkDir
from mach_nix.index.storage.tags import file_version


def _entry(filename: str, uploaded: str = "2025-01-01T00:00:00Z") -> Dict[str, Any]:
    return {"filename": filename, "url": f"https://files.pythonhosted.org/packages/aa/bb/cc/{filename}",
            "hashes": {"sha256": "0" * 64}, "size": 10, "upload-time": uploaded, "yanked": False}


def _page(files: List[Dict[str, Any]], versions: List[str]) -> SimpleProject:
    return SimpleProject("Demo", 7, versions, files)


def test_file_versions() -> None:
    assert file_version("demo-1.0.tar.gz", "demo") == Version("1.0")
    assert file_version("my-demo-2.0rc1.zip", "my-demo") == Version("2.0rc1")
    assert file_version("demo-1.0-py3-none-any.whl", "demo") == Version("1.0")
    assert file_version("demo-latest.tar.gz", "demo") is None


def test_release_rule() -> None:
    files = [
        _entry("demo-1.0.tar.gz", "2015-01-01T00:00:00Z"),
        _entry("demo-1.1.tar.gz", "2016-01-01T00:00:00Z"),  # newest of old series 1.1? no: 1.1.5 is
        _entry("demo-1.1.5.tar.gz", "2017-01-01T00:00:00Z"),
        _entry("demo-2.0.tar.gz", "2024-06-01T00:00:00Z"),
        _entry("demo-2.1b1.tar.gz", "2024-07-01T00:00:00Z"),  # pre-release older than newest final
        _entry("demo-2.1.tar.gz", "2024-08-01T00:00:00Z"),
        _entry("demo-3.0a1.tar.gz", "2024-09-01T00:00:00Z"),  # pre-release newer than every final
        _entry("demo-0.9-cp311-cp311-win_amd64.whl", "2014-01-01T00:00:00Z"),  # only a dropped file
    ]
    releases = releases_of(_page(files, ["1.0", "1.1", "1.1.5", "2.0", "2.1b1", "2.1", "3.0a1", "0.9"]))
    assert Version("0.9") not in releases
    chosen = [r.key for r in select_releases(releases, "2024-01-01", set())]
    assert chosen == ["3.0a1", "2.1", "2.0", "1.1.5", "1.0"]
    pinned = [r.key for r in select_releases(releases, "2024-01-01", {"1.1", "2.1b1"})]
    assert pinned == ["3.0a1", "2.1", "2.1b1", "2.0", "1.1.5", "1.1", "1.0"]


def test_plan_one_wheel_per_family_plus_a_sample() -> None:
    names = [f"demo-1.0-cp3{m}-cp3{m}-{plat}.whl" for m in (10, 11, 12) for plat in ("manylinux_2_17_x86_64", "macosx_11_0_arm64")]
    release = Release(Version("1.0"), "1.0", "2025", [_entry(n) for n in names] + [_entry("demo-1.0.tar.gz")])
    plan = plan_release(release, newest=False, sdists="auto")
    fetched = {e["filename"] for e in plan.fetch}
    assert "demo-1.0-cp310-cp310-manylinux_2_17_x86_64.whl" in fetched
    assert "demo-1.0-cp310-cp310-macosx_11_0_arm64.whl" in fetched
    assert len(plan.samples) == 1 and plan.samples[0] in fetched and plan.samples[0] in plan.inherit
    assert len(plan.inherit) == 4
    # linux-aarch64 and macos-x86_64 are missing: the sdist matters and is fetched
    assert "demo-1.0.tar.gz" in fetched
    assert plan_release(release, newest=False, sdists="auto").fetch == plan.fetch  # deterministic


def test_sdist_skipped_when_wheels_cover_every_target() -> None:
    assert covers_all_targets(["demo-1.0-py3-none-any.whl"])
    full = ["demo-1.0-cp312-cp312-manylinux_2_17_x86_64.whl", "demo-1.0-cp312-cp312-manylinux_2_17_aarch64.whl",
            "demo-1.0-cp312-cp312-macosx_10_13_universal2.whl"]
    assert covers_all_targets(full)
    assert not covers_all_targets(full[:2])
    release = Release(Version("1.0"), "1.0", "2025", [_entry(n) for n in full] + [_entry("demo-1.0.tar.gz")])
    assert plan_release(release, newest=False, sdists="auto").sdists_skipped == ["demo-1.0.tar.gz"]
    assert "demo-1.0.tar.gz" in {e["filename"] for e in plan_release(release, newest=True, sdists="auto").fetch}
    assert "demo-1.0.tar.gz" in {e["filename"] for e in plan_release(release, newest=False, sdists="all").fetch}


def test_closure_counts_requested_extras_and_possible_markers(tmp_path) -> None:
    crawler = Crawler(PyPIClient(), WorkDir(tmp_path / "work"), Scope(since="2000-01-01"), threads=1)
    record = {"deps": {"k": [
        "base>=1",
        'winonly; sys_platform == "win32"',
        'py2only; python_version < "3"',
        'newpy; python_version >= "3.12"',
        'socks-dep; extra == "socks"',
        'dev-dep; extra == "dev"',
        'redis[hiredis]; extra == "redis" and platform_machine == "aarch64"',
    ]}}
    assert set(crawler.dependencies(record, set())) == {"base", "newpy"}
    deps = crawler.dependencies(record, {"socks", "redis"})
    crawler.close()
    assert set(deps) == {"base", "newpy", "socks-dep", "redis"}
    assert deps["redis"] == {"hiredis"}


def test_seeds_and_default_since() -> None:
    seeds = parse_seeds(["Celery[Redis]", "django==4.2.1", "# comment", "-r other.txt"])
    assert seeds["celery"].extras == {"redis"} and seeds["django"].pins == {"4.2.1"}
    import datetime as dt

    assert default_since(3, dt.date(2024, 2, 29)) == "2021-02-28"
    assert Scope.from_json(Scope(since="2024-01-01", closure=True, seeds=["a"]).to_json()).closure


def test_old_series_cutoff_and_newest_release_always_kept() -> None:
    files = [
        _entry("demo-1.0.tar.gz", "2015-01-01T00:00:00Z"),
        _entry("demo-1.1.tar.gz", "2019-01-01T00:00:00Z"),
        _entry("demo-1.2.tar.gz", "2021-06-01T00:00:00Z"),
    ]
    releases = releases_of(_page(files, ["1.0", "1.1", "1.2"]))
    assert [r.key for r in select_releases(releases, "2024-01-01", set(), "2018-01-01")] == ["1.2", "1.1"]
    assert [r.key for r in select_releases(releases, "2024-01-01", set(), "2022-01-01")] == ["1.2"]
    abandoned = releases_of(_page(files[:1], ["1.0"]))
    assert [r.key for r in select_releases(abandoned, "2024-01-01", set(), "2022-01-01")] == ["1.0"]


def test_permuted_dependency_lists_are_stored_once() -> None:
    from mach_nix.index.storage.merge import merge_permuted_deps
    from mach_nix.index.storage.schema import deps_key

    a, b, c = ["x>=1", "y"], ["y", "x>=1"], ["z"]
    record = {"deps": {deps_key(a): a, deps_key(b): b, deps_key(c): c},
              "releases": {"1": [{"requires_dist": deps_key(a)}, {"requires_dist": deps_key(b)}, {"requires_dist": deps_key(c)}]}}
    merge_permuted_deps(record)
    keep = min(deps_key(a), deps_key(b))
    assert set(record["deps"]) == {keep, deps_key(c)}
    assert [n["requires_dist"] for n in record["releases"]["1"]] == [keep, keep, deps_key(c)]


def test_window_cap_keeps_newest_and_series_heads() -> None:
    files = [_entry(f"demo-1.{minor}.{micro}.tar.gz", f"2025-{minor:02d}-{micro + 1:02d}T00:00:00Z")
             for minor in (1, 2, 3) for micro in range(5)]
    releases = releases_of(_page(files, []))
    chosen = [r.key for r in select_releases(releases, "2024-01-01", set(), "2024-01-01", max_window=4)]
    # the 4 newest, plus the newest of the older series 1.1 and 1.2
    assert chosen == ["1.3.4", "1.3.3", "1.3.2", "1.3.1", "1.2.4", "1.1.4"]
    assert len(select_releases(releases, "2024-01-01", set(), "2024-01-01")) == 15


def test_versions_table_lists_every_release_with_its_first_upload_day() -> None:
    page = _page([_entry("demo-1.0.tar.gz", "2019-03-01T10:00:00Z"), _entry("demo-1.0-py3-none-any.whl", "2019-02-01T10:00:00Z"),
                  _entry("demo-2.0.tar.gz", ""), _entry("demo-3.0-cp39-cp39-win_amd64.whl")], ["1.0", "2.0", "3.0"])
    # 3.0 has no file the index keeps; a page without upload times (PEP 503 HTML) gives no day
    assert version_days(releases_of(page)) == {"1.0": "2019-02-01", "2.0": ""}


def test_window_scope_reads_the_window_options() -> None:
    import pytest

    from mach_nix.errors import MachNixError

    scope = window_scope("2024-01-01", "all", 3, closure=True)
    assert (scope.since, scope.series_since, scope.max_window, scope.closure) == ("2024-01-01", "0000-00-00", 3, True)
    assert (window_scope(None, None, 0).since, window_scope(None, None, 0).series_since) == (default_since(), default_since(4))
    assert window_scope("2024-01-01", "2020-02-03", 0).series_since == "2020-02-03"
    with pytest.raises(MachNixError, match="--since 'yesterday' is not a date"):
        window_scope("yesterday", None, 0)
    with pytest.raises(MachNixError, match="--series-since '2020' is not a date"):
        window_scope(None, "2020", 0)


def test_existing_results_are_the_read_files_of_an_index(tmp_path) -> None:
    from pathlib import Path

    from mach_nix.index.storage.store import Index

    small = Path(__file__).resolve().parents[2] / "data" / "index-small"
    results = existing_results(small)
    read = {n["sha256"] for _, record in Index.open(small).iter_projects() for files in record["releases"].values()
            for n in files if n.get("metadata") not in ("inherited", "not-crawled")}
    assert results and set(results) <= read
    assert all(r["metadata"] not in ("inherited", "not-crawled") for r in results.values())
    assert existing_results(tmp_path) == {}  # no index there
