"""Parsing METADATA/PKG-INFO, egg-info requires.txt, static pyproject tables and build systems."""

from __future__ import annotations

from pathlib import Path

import pytest

from mach_nix.index.client.metadata import (
    MetadataError,
    build_system_of,
    parse_core_metadata,
    parse_pyproject,
    parse_requires_txt,
    sdist_metadata,
)
from mach_nix.constants import LEGACY_BUILD_SYSTEM

PYPI = Path(__file__).resolve().parents[2] / "data" / "pypi"


def test_recorded_pep658_metadata_of_markupsafe() -> None:
    data = (PYPI / "files" / "MarkupSafe-3.0.2-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl.metadata").read_bytes()
    meta = parse_core_metadata(data)
    assert meta.name == "MarkupSafe" and meta.version == "3.0.2"
    assert meta.requires_dist == [] and meta.requires_python == ">=3.9"


def test_requires_dist_with_markers_and_extras_kept_verbatim() -> None:
    data = (
        b"Metadata-Version: 2.1\nName: requests\nVersion: 2.31.0\nRequires-Python: >=3.7\n"
        b"Requires-Dist: charset-normalizer (<4,>=2)\nRequires-Dist: PySocks!=1.5.7,>=1.5.6; extra == \"socks\"\n"
        b"Provides-Extra: socks\nProvides-Extra: use_chardet_on_py3\n\nLong description\nRequires-Dist: not-a-header\n"
    )
    meta = parse_core_metadata(data)
    assert meta.requires_dist == ["charset-normalizer (<4,>=2)", 'PySocks!=1.5.7,>=1.5.6; extra == "socks"']
    assert meta.provides_extra == ["socks", "use_chardet_on_py3"]
    assert meta.requires_python == ">=3.7"


def test_pkg_info_2_2_static_vs_dynamic() -> None:
    static = parse_core_metadata(b"Metadata-Version: 2.2\nName: a\nVersion: 1\nRequires-Dist: b\n")
    dynamic = parse_core_metadata(b"Metadata-Version: 2.2\nName: a\nVersion: 1\nDynamic: Requires-Dist\nRequires-Dist: b\n")
    old = parse_core_metadata(b"Metadata-Version: 2.1\nName: a\nVersion: 1\nRequires-Dist: b\n")
    assert static.static_requires_dist()
    assert not dynamic.static_requires_dist()
    assert not old.static_requires_dist()
    assert sdist_metadata({"PKG-INFO": b"Metadata-Version: 2.2\nName: a\nVersion: 1\nRequires-Dist: b\n"}).requires_dist == ["b"]
    unknown = sdist_metadata({"PKG-INFO": b"Metadata-Version: 2.2\nName: a\nVersion: 1\nDynamic: requires-dist\n"})
    assert unknown.source == "unknown" and "Requires-Dist" in (unknown.error or "")


def test_egg_info_requires_txt_sections() -> None:
    text = b"""
urllib3<3,>=1.21.1
idna>=2.5

[:python_version < "3.8"]
importlib-metadata

[socks]
PySocks!=1.5.7,>=1.5.6

[security:sys_platform == "win32"]
pywin32
"""
    requires, extras = parse_requires_txt(text)
    assert requires == [
        "urllib3<3,>=1.21.1",
        "idna>=2.5",
        'importlib-metadata; python_version < "3.8"',
        'PySocks!=1.5.7,>=1.5.6; extra == "socks"',
        'pywin32; (sys_platform == "win32") and extra == "security"',
    ]
    assert extras == ["security", "socks"]
    from packaging.requirements import Requirement

    for line in requires:  # every generated string is a valid PEP 508 requirement
        Requirement(line)


def test_sdist_prefers_egg_info_over_old_pkg_info() -> None:
    members = {
        "PKG-INFO": b"Metadata-Version: 2.1\nName: a\nVersion: 1\nProvides-Extra: x\n",
        "a.egg-info/PKG-INFO": b"Metadata-Version: 2.1\nName: a\nVersion: 1\n",
        "a.egg-info/requires.txt": b"b>=1\n[x]\nc\n",
    }
    meta = sdist_metadata(members)
    assert meta.source == "egg-info"
    assert meta.requires_dist == ["b>=1", 'c; extra == "x"']
    assert meta.provides_extra == ["x"]
    assert meta.build_system == LEGACY_BUILD_SYSTEM


def test_egg_info_without_requires_txt_means_no_dependencies() -> None:
    meta = sdist_metadata({"PKG-INFO": b"Metadata-Version: 1.0\nName: a\nVersion: 1\n", "src/a.egg-info/PKG-INFO": b""})
    assert meta.source == "egg-info" and meta.requires_dist == []


def test_static_pyproject_tables() -> None:
    data = b"""
[build-system]
requires = ["hatchling>=1.18"]
build-backend = "hatchling.build"

[project]
name = "a"
version = "1"
dependencies = ["b>=1", "c; python_version < '3.10'"]
[project.optional-dependencies]
test = ["pytest", "d; os_name == 'posix'"]
"""
    py = parse_pyproject(data)
    assert py.requires_dist == [
        "b>=1",
        "c; python_version < '3.10'",
        'pytest; extra == "test"',
        'd; (os_name == "posix") and extra == "test"',
    ]
    assert py.build_system == {"requires": ["hatchling>=1.18"], "backend": "hatchling.build", "source": "pyproject"}
    meta = sdist_metadata({"pyproject.toml": data, "PKG-INFO": b"Metadata-Version: 2.1\nName: a\nVersion: 1\n"})
    assert meta.source == "pyproject" and meta.provides_extra == ["test"]


def test_dynamic_pyproject_dependencies_are_unknown() -> None:
    data = b'[project]\nname = "a"\ndynamic = ["version", "dependencies"]\n'
    assert parse_pyproject(data).requires_dist is None
    meta = sdist_metadata({"pyproject.toml": data})
    assert meta.source == "unknown" and "dynamic" in (meta.error or "")


def test_build_system_defaults() -> None:
    assert build_system_of(None) == LEGACY_BUILD_SYSTEM
    assert build_system_of({"project": {}}) == LEGACY_BUILD_SYSTEM
    partial = build_system_of({"build-system": {"requires": ["setuptools>=64", "setuptools-scm"]}})
    assert partial == {"requires": ["setuptools>=64", "setuptools-scm"], "backend": LEGACY_BUILD_SYSTEM["backend"], "source": "pyproject"}
    broken = parse_pyproject(b"[build-system\nrequires=")
    assert broken.build_system == LEGACY_BUILD_SYSTEM and "not valid TOML" in (broken.problem or "")


@pytest.mark.parametrize("table, problem", [
    ('dynamic = 5', "[project] dynamic is not a list of strings"),  # was a TypeError
    ('dependencies = "requests"', "[project] dependencies is not a list of strings"),  # was r, e, q, u, …
    ('dependencies = [1]', "[project] dependencies is not a list of strings"),  # was the requirement "1"
    ('optional-dependencies = [1]', "[project] optional-dependencies is not a table"),  # was an IndexError
    ('optional-dependencies = {x = "abc"}', "[project] optional-dependencies.x is not a list of strings"),
    ('optional-dependencies = {"a\\"b" = ["x"]}', "(from optional-dependencies.a\"b) is not a valid requirement"),
    ('dependencies = ["a; python_version"]', "'a; python_version' is not a valid requirement"),
])
def test_malformed_project_tables_are_a_named_problem(table: str, problem: str) -> None:
    py = parse_pyproject(f"[project]\nname = 'a'\n{table}\n".encode(), "a-1.tar.gz: pyproject.toml")
    assert py.requires_dist is None and py.problem is not None
    assert py.problem.startswith("a-1.tar.gz: pyproject.toml: ") and problem in py.problem


@pytest.mark.parametrize("text, line, culprit", [
    (b"a >=\n", 1, "'a >=' is not"),
    (b"a\n[:bogus marker]\nb\n", 3, "'b; bogus marker' under [:bogus marker] is not"),  # was kept, unparseable
    (b'[x"y]\nb\n', 2, "under [x\"y] is not"),
])
def test_invalid_requires_txt_names_the_file_and_line(text: bytes, line: int, culprit: str) -> None:
    with pytest.raises(MetadataError) as caught:
        parse_requires_txt(text, "a-1.tar.gz: a.egg-info/requires.txt")
    assert caught.value.message.startswith(f"a-1.tar.gz: a.egg-info/requires.txt, line {line}: ")
    assert culprit in caught.value.message
    meta = sdist_metadata({"a.egg-info/requires.txt": text, "a.egg-info/PKG-INFO": b""}, "a-1.tar.gz")
    assert meta.source == "unknown" and meta.error == caught.value.message
