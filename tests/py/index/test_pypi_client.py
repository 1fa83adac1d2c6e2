"""PyPIClient against any simple API (PEP 691 JSON, PEP 503 HTML, relative URLs, index_url), and
the crawler against synthetic worlds (faults/world.py) served by the loopback FakePyPI."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List

import pytest

from faults.fakepypi import FakePyPI, Route
from faults.world import Dist, add_dist, world_routes
from mach_nix.index.client.http import FetchError
from mach_nix.index.client.pypi import SIMPLE_ACCEPT, PyPIClient
from mach_nix.index.crawl.crawler import Crawler
from mach_nix.index.crawl.scope import Scope, parse_seeds
from mach_nix.index.crawl.workdir import WorkDir
from mach_nix.index.storage.schema import file_requires_dist

SHA = "ab" * 32
WORLD = {
    "Alpha_Lib": [
        Dist("1.0", requires=['beta>=2; extra == "x"', "gamma"], extras=["x"], requires_python=">=3.8"),
        Dist("2.0", requires=["gamma>=1"], wheels=["py3-none-any", "cp312-cp312-manylinux_2_17_x86_64"],
             pep658=False, yanked="broken", build_requires=["flit_core>=3.2"]),
    ],
    "beta": [Dist("2.0", wheels=[], yanked=True)],
}


def crawl(server: FakePyPI, work: Path, names: List[str]) -> Dict[str, Any]:
    crawler = Crawler(server.client(), WorkDir(work), Scope(since="2000-01-01", closure=False),
                      threads=2, project_threads=2, log=lambda m: None)
    try:
        records = crawler.run(parse_seeds(names))
    finally:
        crawler.close()
    assert not crawler.failed and not crawler.progress.failures
    return records


def nodes_of(record: Dict[str, Any]) -> Dict[str, Dict[str, Any]]:
    return {n["filename"]: n for files in record["releases"].values() for n in files}


@pytest.mark.parametrize("html", [False, True])
def test_crawler_builds_records_from_a_world(html: bool, tmp_path: Path) -> None:
    with FakePyPI(world_routes(WORLD, html=html, serial=7)) as server:
        records = crawl(server, tmp_path / "work", ["alpha-lib", "beta"])
    alpha = records["alpha-lib"]
    assert alpha["last_serial"] == 7 and sorted(alpha["releases"]) == ["1.0", "2.0"]
    nodes = nodes_of(alpha)
    assert set(nodes) == {"alpha_lib-1.0-py3-none-any.whl", "alpha_lib-1.0.tar.gz", "alpha_lib-2.0-py3-none-any.whl",
                          "alpha_lib-2.0-cp312-cp312-manylinux_2_17_x86_64.whl", "alpha_lib-2.0.tar.gz"}
    old = nodes["alpha_lib-1.0-py3-none-any.whl"]
    assert old["metadata"] == "pep658" and old["requires_python"] == ">=3.8" and old["provides_extra"] == ["x"]
    assert file_requires_dist(alpha, old) == ['beta>=2; extra == "x"', "gamma"]
    assert old["url"].startswith(server.base + "/files/")  # root-relative URL resolved against the page
    pure = nodes["alpha_lib-2.0-py3-none-any.whl"]
    assert pure["metadata"] != "pep658" and file_requires_dist(alpha, pure) == ["gamma>=1"]  # no .metadata: read the wheel
    assert pure["yanked"] == "broken"
    sdist = nodes["alpha_lib-2.0.tar.gz"]  # the newest release's sdist is read
    assert sdist["metadata"] == "pkg-info" and sdist["build_system"]["requires"] == ["flit_core>=3.2"]
    assert bool(old.get("size")) is not html  # a PEP 503 page states no sizes (the record says 0)
    beta = nodes_of(records["beta"])["beta-2.0.tar.gz"]
    assert beta["yanked"] is True and beta["metadata"] == "pkg-info"


def test_world_bytes_are_deterministic() -> None:
    first, second = world_routes(WORLD), world_routes(WORLD)
    assert list(first) == list(second)
    assert all(first[path].payload() == second[path].payload() for path in first)


def test_add_dist_back_fills_a_running_world() -> None:
    routes = world_routes({"alpha": [Dist("1.0")]}, serial=3)
    with FakePyPI(routes) as server:
        client = server.client()
        added = add_dist(routes, "alpha", Dist("1.1", wheels=[]))  # same serial, like a mirror's back-fill
        page = client.simple("alpha")
        assert page is not None and page.last_serial == 3 and page.versions == ["1.0", "1.1"]
        assert [f["filename"] for f in added] == ["alpha-1.1.tar.gz"]
        add_dist(routes, "alpha", Dist("2.0"), serial=4)
        assert client.simple("alpha").last_serial == 4  # type: ignore[union-attr]
        assert client.get(page.files[-1]["url"]).data == routes[added[0]["url"]].body


def test_relative_urls_and_fragments_are_resolved() -> None:
    page = {"meta": {"api-version": "1.0"}, "name": "alpha", "files": [
        {"filename": "alpha-1.0.tar.gz", "url": "../../pkgs/alpha-1.0.tar.gz#sha256=" + SHA, "hashes": {}},
        {"filename": "alpha-1.1.tar.gz", "url": "alpha-1.1.tar.gz", "hashes": {"sha256": SHA}},
        {"filename": "alpha-1.2.tar.gz", "url": "https://cdn.example/alpha-1.2.tar.gz#md5=00", "hashes": {"md5": "00"}},
    ]}
    with FakePyPI({"/root/dev/+simple/alpha/": Route.json(page)}) as server:
        client = PyPIClient(index_url=server.base + "/root/dev/+simple/")
        got = client.simple("alpha")
    assert got is not None and client.index_url == server.base + "/root/dev/+simple"
    assert [f["url"] for f in got.files] == [server.base + "/root/dev/pkgs/alpha-1.0.tar.gz",
                                             server.base + "/root/dev/+simple/alpha/alpha-1.1.tar.gz"]
    assert got.files[0]["hashes"] == {"sha256": SHA}  # from the fragment; the md5-only file is dropped
    assert got.versions == ["1.0", "1.1"]  # no versions key: derived from the filenames


HTML = f"""<!DOCTYPE html><html><body>
<a href="/f/alpha-1.0-py3-none-any.whl#sha256={SHA.upper()}" data-requires-python="&gt;=3.8,&lt;4"
   data-core-metadata="sha256={SHA}">alpha-1.0-py3-none-any.whl</a>
<a href="../../f/alpha-1.0.tar.gz#sha256={SHA}" data-yanked data-dist-info-metadata="true"> </a>
<a href="/f/alpha-0.9.tar.gz#sha256={SHA}" data-yanked="bad &amp; old">alpha-0.9.tar.gz</a>
<a href="/f/alpha-0.8.tar.gz">alpha-0.8.tar.gz</a>
</body></html><!--SERIAL 42-->"""


def test_pep503_html_page_is_parsed() -> None:
    with FakePyPI({"/simple/alpha/": Route(HTML.encode(), "text/html")}) as server:
        page = server.client().simple("Alpha")
    assert page is not None and page.name == "alpha" and page.last_serial == 42
    assert page.versions == ["1.0", "0.9"]
    wheel, sdist, old = page.files  # alpha-0.8 has no sha256: dropped
    assert wheel == {"filename": "alpha-1.0-py3-none-any.whl", "url": server.base + "/f/alpha-1.0-py3-none-any.whl",
                     "hashes": {"sha256": SHA}, "requires-python": ">=3.8,<4", "core-metadata": {"sha256": SHA}}
    assert sdist["filename"] == "alpha-1.0.tar.gz" and sdist["url"] == server.base + "/f/alpha-1.0.tar.gz"
    assert sdist["yanked"] is True and sdist["core-metadata"] is True and "requires-python" not in sdist
    assert old["yanked"] == "bad & old" and "core-metadata" not in old and "size" not in old


def test_pages_are_negotiated_normalized_and_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    routes = world_routes({"typing-extensions": [Dist("4.0")]})
    routes["/simple/junk/"] = Route(b"just text", "text/plain")
    with FakePyPI(routes) as server:
        client = server.client()
        asked: List[Any] = []
        real_get = client.get

        def get(url: str, **kw: Any) -> Any:
            asked.append(kw.get("headers"))
            return real_get(url, **kw)

        monkeypatch.setattr(client, "get", get)
        assert client.simple("Typing_Extensions") is not None
        assert server.log[-1] == "/simple/typing-extensions/" and asked == [{"Accept": SIMPLE_ACCEPT}]
        assert client.simple("missing") is None
        with pytest.raises(FetchError, match=r"/simple/junk/ returned neither a PEP 691 JSON nor a PEP 503 HTML page"):
            client.simple("junk")
    assert PyPIClient().index_url == "https://pypi.org/simple"
    assert PyPIClient("https://mirror.example/").index_url == "https://mirror.example/simple"
