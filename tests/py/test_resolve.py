"""Resolver behaviour on the recorded small index (tests/data/index-small, see its generate.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, Optional

import pytest

from mach_nix.resolve.request import build_request
from mach_nix.errors import MachNixError
from mach_nix.index.storage.store import Index
from mach_nix.inputs.requirements_txt import read_requirement_text, read_requirements
from mach_nix.resolve.candidates import parse_providers
from mach_nix.resolve.resolver import Resolution, resolve
from mach_nix.resolve.target import Target

DATA = Path(__file__).resolve().parents[1] / "data"
INDEX = Index.open(DATA / "index-small")


def run(text: str = "", *, python: str = "3.11", system: str = "x86_64-linux", glibc: Optional[str] = None,
        macos: Optional[str] = None, providers: Optional[str] = None, nixpkgs: Optional[Dict] = None,
        inputs=None, build: bool = True) -> Resolution:
    target = Target.create(python, system, glibc, macos)
    inputs = inputs or read_requirement_text(text)
    request = build_request(inputs, INDEX, target, parse_providers(providers), nixpkgs or {})
    return resolve(INDEX, target, request, build=build)


def pins(res: Resolution) -> Dict[str, str]:
    return {name: pkg.candidate.vstr for name, pkg in res.packages.items()}


def chosen(res: Resolution, name: str) -> str:
    cand = res.packages[name].candidate
    return cand.file["filename"] if cand.file else f"nixpkgs:{cand.nix_attr}"


def test_newest_compatible_versions_and_dependencies():
    res = run("requests")
    assert pins(res) == {"requests": "2.32.3", "certifi": "2024.8.30", "charset-normalizer": "3.3.2",
                         "idna": "3.8", "urllib3": "2.2.3"}
    assert res.roots == ["requests"]
    assert res.packages["requests"].dependencies == {"certifi", "charset-normalizer", "idna", "urllib3"}


def test_best_ranked_wheel_wins_per_platform():
    assert chosen(run("charset-normalizer"), "charset-normalizer") == \
        "charset_normalizer-3.3.2-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
    assert chosen(run("charset-normalizer", system="aarch64-darwin"), "charset-normalizer") == \
        "charset_normalizer-3.3.2-cp311-cp311-macosx_11_0_arm64.whl"
    # no cp312 arm64 wheel: universal2 beats the pure fallback wheel
    assert chosen(run("charset-normalizer", python="3.12", system="aarch64-darwin"), "charset-normalizer") == \
        "charset_normalizer-3.3.2-cp312-cp312-macosx_10_9_universal2.whl"
    # cp39-abi3 with manylinux_2_28 is preferred over older tags and over cp37-abi3
    assert chosen(run("cryptography"), "cryptography") == "cryptography-43.0.1-cp39-abi3-manylinux_2_28_x86_64.whl"
    assert chosen(run("cryptography", glibc="2.17"), "cryptography") == \
        "cryptography-43.0.1-cp39-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
    assert chosen(run("psutil"), "psutil").startswith("psutil-5.9.8-cp36-abi3-manylinux_2_12")
    assert chosen(run("simplejson"), "simplejson") == "simplejson-3.19.3-cp311-cp311-manylinux1_x86_64.whl"


def test_macos_deployment_target_excludes_newer_wheels():
    # numpy 2.1.0 has macosx_14_0_arm64 and macosx_11_0_arm64: 11.3 takes the latter
    assert chosen(run("numpy", system="aarch64-darwin"), "numpy") == "numpy-2.1.0-cp311-cp311-macosx_11_0_arm64.whl"
    assert chosen(run("numpy", system="aarch64-darwin", macos="14.5"), "numpy") == \
        "numpy-2.1.0-cp311-cp311-macosx_14_0_arm64.whl"


def test_glibc_decides_between_wheel_releases_and_sdists():
    # pyarrow 17 ships manylinux_2_28 wheels only: with glibc 2.17 the sdist of 17 is next in line ...
    res = run("pyarrow", glibc="2.17")
    assert chosen(res, "pyarrow") == "pyarrow-17.0.0.tar.gz"
    # ... unless sdists are filtered out, then the newest release with a fitting wheel wins
    res = run("pyarrow", glibc="2.17", providers="wheel")
    assert pins(res)["pyarrow"] == "16.1.0"


def test_markers_are_evaluated_for_the_target():
    # kombu needs typing-extensions only below 3.10; redis needs async-timeout below 3.11.3
    res = run("celery[redis]", python="3.9")
    assert {"typing-extensions", "async-timeout"} <= set(pins(res))
    res = run("celery[redis]", python="3.11.9")
    assert "typing-extensions" not in pins(res) and "async-timeout" not in pins(res)
    res = run("celery[redis]", python="3.11.2")
    assert "async-timeout" in pins(res)
    # cffi is skipped on PyPy only; time-machine only on CPython
    assert "cffi" in pins(run("cryptography"))


def test_requires_python_picks_older_releases():
    assert pins(run("scipy", python="3.9"))["scipy"] == "1.13.1"
    assert pins(run("scipy", python="3.11"))["scipy"] == "1.14.1"
    assert pins(run("numpy", python="3.9"))["numpy"] == "1.26.4"


def test_extras_and_self_referencing_extras():
    res = run("dask[complete]")
    assert res.packages["dask"].extras == {"array", "complete", "dataframe"}
    assert {"numpy", "pandas", "pyarrow"} <= set(pins(res))
    assert {"numpy", "pandas", "pyarrow", "click"} <= res.packages["dask"].dependencies
    plain = run("dask")
    assert "numpy" not in pins(plain) and plain.packages["dask"].extras == set()
    assert "pysocks" in pins(run("requests[socks]")) and "pysocks" not in pins(run("requests"))


def test_cycles_are_allowed():
    res = run("apache-airflow[celery]")
    assert "apache-airflow" in res.packages["apache-airflow-providers-celery"].dependencies
    assert "apache-airflow-providers-celery" in res.packages["apache-airflow"].dependencies
    assert res.packages["apache-airflow"].extras == {"celery"}
    assert res.packages["celery"].extras == {"redis"} and "redis" in pins(res)


def test_yanked_only_when_pinned():
    assert pins(run("urllib3"))["urllib3"] == "2.2.3"
    with pytest.raises(MachNixError, match="yanked"):
        run("urllib3>=2.3")
    res = run("urllib3==2.3.0")
    assert pins(res)["urllib3"] == "2.3.0" and res.packages["urllib3"].candidate.file["yanked"]


def test_prereleases_only_when_asked_or_only_option():
    assert pins(run("redis"))["redis"] == "5.0.8"
    assert pins(run("redis>=5.1.0b1"))["redis"] == "5.1.0b7"
    assert pins(run("--pre\nredis"))["redis"] == "5.1.0b7"
    assert pins(run("numpy"))["numpy"] == "2.1.0"
    assert pins(run("numpy==2.2.0rc1"))["numpy"] == "2.2.0rc1"
    assert pins(run("black-nightly"))["black-nightly"] == "24.0a1"  # nothing but pre-releases exists


def test_providers_order_and_filter():
    assert run("idna").packages["idna"].candidate.provider == "wheel"
    res = run("idna", providers="idna=sdist,_default=wheel,sdist")
    assert chosen(res, "idna") == "idna-3.8.tar.gz"
    # sdists bring their build requirements, resolved into the lock and marked build-only
    assert res.packages["idna"].build_system["dependencies"] == ["flit-core"]
    assert res.packages["flit-core"].build_only and not res.packages["idna"].build_only
    with pytest.raises(MachNixError, match="provider 'sdist' not allowed"):
        run("docopt", providers="wheel")


def test_nixpkgs_provider():
    nix = {"requests": {"version": "2.31.0", "attr": "requests"}, "idna": {"version": "3.9", "attr": "idna"}}
    res = run("requests", nixpkgs=nix)
    # newest version first: index 2.32.3 wheel beats nixpkgs 2.31.0; idna 3.9 (nixpkgs only) beats 3.8
    assert chosen(res, "requests") == "requests-2.32.3-py3-none-any.whl"
    assert chosen(res, "idna") == "nixpkgs:idna"
    res = run("requests", nixpkgs=nix, providers="requests=nixpkgs,_default=wheel")
    assert chosen(res, "requests") == "nixpkgs:requests"
    assert res.packages["requests"].candidate.deps_from == "requests-2.31.0-py3-none-any.whl"
    assert "urllib3" in res.packages["requests"].dependencies
    res = run("requests==2.31.0", nixpkgs=nix, providers="_default=nixpkgs,wheel")
    assert chosen(res, "requests") == "nixpkgs:requests"


def test_unknown_dependencies_are_usable_and_flagged():
    res = run("feedparser")
    cand = res.packages["sgmllib3k"].candidate
    assert cand.provider == "sdist" and cand.deps is None
    assert res.packages["sgmllib3k"].build_system["source"] == "assumed"
    # an sdist without metadata borrows the Requires-Dist of a wheel of its release
    res = run("pyyaml", providers="sdist")
    assert res.packages["pyyaml"].candidate.deps_from == "PyYAML-6.0.2-cp311-cp311-macosx_11_0_arm64.whl"


def test_build_requirements_respect_runtime_pins_and_recurse():
    res = run("numpy==1.21.0")
    assert chosen(res, "numpy") == "numpy-1.21.0.zip"
    assert pins(res)["cython"] == "0.29.37"  # Cython<3.0 from the build system
    assert {"setuptools", "wheel"} <= set(pins(res))
    assert all(res.packages[n].build_only for n in ("cython", "setuptools", "wheel"))
    assert "cython" not in pins(run("numpy==1.21.0", build=False))


def test_constraints_hashes_and_direct_references():
    inputs = read_requirements(DATA / "requirements" / "main.txt")
    res = run(inputs=inputs)
    assert pins(res)["numpy"] == "1.26.4"  # -c numpy<2
    assert "pandas" in pins(res)  # reached through dask[complete] even though the root line is excluded
    assert sorted(res.roots) == ["cryptography", "dask", "idna", "requests"]
    res = run(inputs=read_requirements(DATA / "requirements" / "hashes.txt"))
    assert pins(res) == {"certifi": "2024.8.30"}
    assert chosen(res, "certifi") == "certifi-2024.8.30-py3-none-any.whl"
    with pytest.raises(MachNixError, match=r"bad-hash.txt, line 1: none of the --hash values"):
        run(inputs=read_requirements(DATA / "requirements" / "bad-hash.txt"))
    res = run(inputs=read_requirements(DATA / "requirements" / "direct.txt"))
    assert chosen(res, "pytz") == "pytz-2024.2-py2.py3-none-any.whl"
    with pytest.raises(MachNixError, match="is not a file of idna in the index"):
        run("idna @ https://files.pythonhosted.org/packages/aa/bb/idna-9.9-py3-none-any.whl")


def test_unknown_project_suggests_names_and_shows_the_chain():
    with pytest.raises(MachNixError) as err:
        run("reqeusts")
    assert "'reqeusts' is not in the index" in err.value.message and "Did you mean 'requests'" in err.value.message
    assert "2026-11-20" in err.value.message and "mach-nix index update" in err.value.message
    with pytest.raises(MachNixError) as err:
        run("broken-dep")
    assert "broken-dep 1.0 requires does-not-exist>=1" in err.value.message


def test_conflicts_are_explained_with_chains():
    with pytest.raises(MachNixError) as err:
        run("idna>=3.8\nneeds-old-idna")
    text = err.value.message
    assert "needs-old-idna 1.0 requires idna<3.8, which is excluded by <requirements>, line 1: idna>=3.8" in text
    assert "index holds a selection" not in text  # a conflict, not a gap in the index
    assert "Traceback" not in text


def test_absent_version_is_not_called_a_conflict():
    with pytest.raises(MachNixError) as err:
        run("idna==9.9")
    assert "idna 9.9 is not in the index" in err.value.message and "3.7 … 3.8" in err.value.message


def test_rejections_name_the_reason():
    with pytest.raises(MachNixError) as err:
        run("numpy==2.2.0rc1", system="aarch64-linux")
    assert "numpy 2.2.0rc1: no wheel tag compatible with CPython 3.11 on aarch64-linux (glibc 2.40)" in err.value.message
    with pytest.raises(MachNixError) as err:
        run("scipy==1.14.1", python="3.9")
    assert "scipy 1.14.1: requires Python >=3.10 (target 3.9." in err.value.message
    with pytest.raises(MachNixError) as err:
        run("urllib3>=2.3")
    assert "urllib3 2.3.0: yanked (Broken proxy support); pin it with == to use it" in err.value.message


@pytest.mark.parametrize("text", [
    "foo (>=1.0)", 'foo>=1.0 ; python_version<"3"', "zope.interface", "foo[bar, Baz] (>=1)", "a==1.*",
    'requests[security] >= 2.8.1 ; extra == "security"', 'b ; (extra == "Dev_x")', 'c>=1,<2;extra=="test"',
    'd (>=1.0,<2.0) ; python_version >= "3.6" and extra == "x"', "e===1.0-x", "name @ https://x/y-1.0.tar.gz",
])
def test_fast_dependency_parser_agrees_with_packaging(text):
    from packaging.requirements import Requirement

    from mach_nix.names import normalize
    from mach_nix.resolve.provider import parse_dependency

    name, extras, spec, marker = parse_dependency(text)
    req = Requirement(text)
    assert (name, set(extras), spec) == (normalize(req.name), {normalize(e) for e in req.extras}, req.specifier)
    if "extra ==" in text and " and " not in text:
        assert marker[0] == "extra"
    assert parse_dependency("foo >= ") is None


def test_lazy_index_matches_the_store():
    from mach_nix.index.storage.lazy_index import LazyIndex

    lazy = LazyIndex(INDEX)
    for name, project in INDEX.iter_projects():
        view = lazy.project(name)
        assert view["name"] == project["name"]
        assert dict(view["deps"]) == project["deps"] and list(view["releases"]) == list(project["releases"])
        assert {v: view["releases"][v] for v in view["releases"]} == project["releases"]
    assert lazy.project("no-such-project") is None


def test_backtracking_over_extra_candidates():
    # airflow[celery] 2.10.3 is pinned first; a later requirement forces 2.9.3, and the stale
    # "same file as the base" pin of the first extra-candidate must not break the resolution
    res = run("apache-airflow[celery,all]\nzz-needs-old-airflow")
    assert pins(res)["apache-airflow"] == "2.9.3"
    assert res.packages["apache-airflow"].extras == {"all", "celery"}


def test_candidates_whose_dependencies_can_never_be_met_are_pruned():
    assert pins(run("deep-app", python="3.9")) == {"deep-app": "1.0"}
    assert pins(run("deep-app", python="3.10"))["deep-app"] == "2.0"
    with pytest.raises(MachNixError) as err:
        run("deep-app==2.0", python="3.9")
    assert ("deep-app 2.0 requires deep-lib>=1, which nothing in the index satisfies here (deep-lib 1.0 requires "
            "deep-core, which nothing in the index satisfies here (deep-core 1.0: requires Python >=3.10") in err.value.message
