"""The small typed values the resolver core is built on: roots, rejections, interned specifiers
and versions with their explicit ids, and a provider that is resolvelib's protocol only."""

from __future__ import annotations

import dataclasses
import inspect

import pytest
from packaging.specifiers import SpecifierSet
from packaging.version import Version
from resolvelib.providers import AbstractProvider

from mach_nix.resolve.contracts import ResolveRequest, Root
from mach_nix.resolve.provider import Provider
from mach_nix.resolve.reasons import Rejected, Rejection, Unmet, release_reason, summarize_reasons, unmet_dependency
from mach_nix.resolve.specs import Containment, facts, interned, parse_specifier, parse_version


def test_a_root_is_a_frozen_value_that_prints_as_written():
    root = Root("requests", ("socks",), SpecifierSet(">=2"), "requirements.txt, line 1")
    assert root.text == "requests[socks]>=2"
    assert root.where == "requirements.txt, line 1: requests[socks]>=2"
    assert Root("idna", (), SpecifierSet(""), "").where == "idna"
    assert root == Root("requests", ("socks",), parse_specifier(">=2"), "requirements.txt, line 1")
    with pytest.raises(dataclasses.FrozenInstanceError):
        root.name = "other"  # type: ignore[misc]


def test_roots_and_constraints_carry_interned_specifiers():
    request = ResolveRequest(roots=[Root("a", (), SpecifierSet("<2"), "cli")], constraints={"b": [SpecifierSet(">1")]})
    assert request.roots[0].specifier is parse_specifier("<2")
    assert request.constraints["b"][0] is parse_specifier(">1")


def test_specifiers_and_versions_have_one_object_and_one_id_per_text():
    assert parse_specifier(">=1,<3") is parse_specifier(">=1,<3")
    assert interned(SpecifierSet(">=1,<3")) is parse_specifier("<3,>=1")  # the parse of its printed text
    assert interned(parse_specifier(">=1,<3")) is parse_specifier(">=1,<3")
    assert parse_specifier(">=1,<3").sid != parse_specifier("<3,>=1").sid  # ids name texts, not meanings
    assert parse_version("1.0") is parse_version("1.0") and parse_version("1.0").vid != parse_version("1.0.0").vid
    assert parse_version("1.0") == Version("1.0") and parse_specifier(">=1") == SpecifierSet(">=1")
    assert parse_specifier("pytz (>dev)") is None and parse_version("1.0-final-x") is None


def test_containment_answers_as_packaging_does_prereleases_included():
    memo = Containment()
    for spec in ("<2", ">=1.0rc1", "==1.*", "!=1.5"):
        for version in ("1.5", "2.0", "1.0rc2", "0.9"):
            expected = SpecifierSet(spec).contains(Version(version), prereleases=True)
            assert memo.contains(parse_specifier(spec), parse_version(version)) is expected
            assert memo.contains(parse_specifier(spec), parse_version(version)) is expected  # from the memo


def test_specifier_facts():
    assert facts(SpecifierSet("==1.0")).pinned == {Version("1.0")} and facts(SpecifierSet("==1.0")).is_pin
    assert facts(SpecifierSet(">=2.0b1")).prereleases and not facts(SpecifierSet(">=2")).prereleases


def test_a_release_is_explained_by_its_files_or_by_its_dependencies():
    yanked = Rejected(Rejection.YANKED, "yanked; pin it with == to use it")
    assert release_reason("idna 3.8", [yanked, yanked]) == "idna 3.8: yanked; pin it with == to use it"
    unmet = unmet_dependency("pydantic>=2", Unmet(("requirements.txt, line 2: pydantic<2",), ""))
    assert unmet.kind is Rejection.DEPENDENCY
    assert release_reason("fastapi 0.100.0", [unmet]) == (
        "fastapi 0.100.0 requires pydantic>=2, which is excluded by requirements.txt, line 2: pydantic<2")
    # a file rejected beside a dependency: the release is about its files
    assert release_reason("x 1.0", [unmet, yanked]).startswith("x 1.0: requires pydantic>=2")
    assert summarize_reasons([]) == "no usable file" and release_reason("x 1.0", []) == "x 1.0: no usable file"


def test_an_unmet_dependency_names_what_excludes_it_or_says_nothing_satisfies_it():
    assert Unmet((), "no release of x matches").text == "no release of x matches"
    assert Unmet(("a", "b"), "c 1.0: yanked").text == "excluded by a and b; c 1.0: yanked"
    assert unmet_dependency("x>=2", None).text == "requires x>=2, which nothing in the index satisfies here"
    long = unmet_dependency("x>=2", Unmet((), "y" * 1000)).text
    assert long.endswith("…)") and len(long) < 500


def test_the_provider_is_resolvelibs_protocol_only():
    protocol = {name for name, _ in inspect.getmembers(AbstractProvider, inspect.isfunction)}
    public = {name for name, member in vars(Provider).items() if inspect.isfunction(member) and not name.startswith("_")}
    assert public <= protocol, public - protocol
    assert {"identify", "get_preference", "find_matches", "is_satisfied_by", "get_dependencies"} <= public
