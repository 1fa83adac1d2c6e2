"""Fuzzing every reader of untrusted text: a result or a clear MachNixError, never a traceback.

Readers: requirements.txt, pyproject.toml (PEP 621 / PEP 735 / Poetry), METADATA/PKG-INFO,
egg-info requires.txt, sdist pyproject.toml, and the lock reader. The number of inputs tried per
reader is ``EXAMPLES`` (hypothesis' max_examples), reported by ``pytest -s`` via ``tried``.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Callable

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from packaging.requirements import Requirement

from mach_nix.errors import MachNixError

# CI runs the same inputs every time (a failure reproduces). To explore new inputs locally:
#   MACH_NIX_FUZZ_EXPLORE=1 MACH_NIX_FUZZ_EXAMPLES=3000 pytest tests/py/faults
EXAMPLES = int(os.environ.get("MACH_NIX_FUZZ_EXAMPLES", "300"))
DERANDOMIZE = not os.environ.get("MACH_NIX_FUZZ_EXPLORE")
fuzz = settings(max_examples=EXAMPLES, deadline=None, derandomize=DERANDOMIZE, suppress_health_check=[HealthCheck.too_slow])

# Text assembled from the tokens these formats are made of, so the fuzzer reaches deep paths
# (markers, extras, options, continuations, tables) rather than failing on the first character.
REQ_TOKENS = [
    "requests", "Django", "numpy", "a.b_c-d", "[", "]", "socks", ",", ">=", "==", "~=", "===", "!=", "<", "*",
    "1.0", "2", ".post1", "rc1", ";", " python_version", " < ", "'3.8'", " and ", " extra == ", '"x"', " or ",
    "platform_system", "@", " https://files.pythonhosted.org/x/a-1.0-py3-none-any.whl", "file:///x", " --hash=",
    "sha256:", "0" * 64, "-r", "-c", " other.txt", "-e", " .", "--index-url", " http://x", "--pre", "#", " ",
    "\\\n", "\n", "\t", "(", ")", "\x00", "é",
]
TOML_TOKENS = [
    "[project]", "[project.optional-dependencies]", "[dependency-groups]", "[tool.poetry.dependencies]",
    "[tool.poetry]", "[build-system]", "name", "dependencies", "requires", "python", "dev", "test", " = ", "\"",
    "'", "[", "]", "{", "}", ",", "\n", "requests>=2", "numpy", "^1.2", "~1.2.3", "*", "{include-group = \"dev\"}",
    "version", "dynamic", "extras", "optional", "true", "1.0", "{version = \"^2\", extras = [\"socks\"]}",
]
META_TOKENS = [
    "Metadata-Version: ", "2.1", "2.2", "2.4", "Name: ", "Version: ", "Requires-Dist: ", "Provides-Extra: ",
    "Requires-Python: ", "Dynamic: ", "requires-dist", "foo", ">=1", "; extra == 'x'", "\n", "\n\n", " ", ":",
    "[", "]", "\xff", "é", "\r\n", "\x00",
]


def _joined(tokens: list) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(tokens) | st.text(max_size=4), max_size=30).map("".join)


def _only_clear_errors(call: Callable[[], object], allowed: tuple = (MachNixError,)) -> None:
    """Run ``call``; the only acceptable failure is an ``allowed`` error with a message
    (user-facing readers raise MachNixError)."""
    try:
        call()
    except allowed as exc:
        assert str(exc).strip() and "Traceback" not in str(exc)


@fuzz
@given(_joined(REQ_TOKENS))
def test_requirements_txt(text: str) -> None:
    from mach_nix.inputs.requirements_txt import read_requirements

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "requirements.txt"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        _only_clear_errors(lambda: read_requirements(path))


@fuzz
@given(_joined(TOML_TOKENS), st.sampled_from([(), ("dev",), ("x",)]))
def test_pyproject_toml(text: str, groups: tuple) -> None:
    from mach_nix.inputs.pyproject import read_pyproject

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "pyproject.toml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        _only_clear_errors(lambda: read_pyproject(path, extras=groups, groups=groups))


def _all_parse(requirements: list) -> None:
    """Every requirement string the index would record parses (else the test fails here)."""
    for requirement in requirements:
        Requirement(requirement)


# The crawler's metadata parsers (mach_nix.index.client.metadata) document their errors exactly:
# parse_core_metadata and parse_pyproject never raise, parse_requires_txt raises MetadataError
# naming the file and line; whatever they return parses.
REQUIRES_TXT = "pkg-1.tar.gz: pkg.egg-info/requires.txt"
SDIST_PYPROJECT = "pkg-1.tar.gz: pyproject.toml"
SDIST_TOML_TOKENS = TOML_TOKENS + ["optional-dependencies", "requires-python", "5", "[1]", "; python_version"]


def _toml(value: object) -> str:
    """``value`` as a TOML inline value (JSON strings are TOML basic strings)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, str)):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    assert isinstance(value, dict)
    return "{" + ", ".join(f"{json.dumps(k)} = {_toml(v)}" for k, v in value.items()) + "}"


# [project] tables of any shape: the right keys holding wrong types, odd extra names, requirement
# strings made of requirement tokens.
_requirement_text = st.lists(st.sampled_from(REQ_TOKENS[:30]), min_size=1, max_size=6).map("".join)
_toml_values = st.recursive(
    st.integers(-3, 3) | st.booleans() | _requirement_text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["x", "dev", 'a"b', "a b", ""]), inner, max_size=2),
    max_leaves=6,
)
_project_tables = st.dictionaries(
    st.sampled_from(["dependencies", "optional-dependencies", "dynamic", "requires-python", "name"]), _toml_values, max_size=4
).map(lambda table: "[project]\n" + "".join(f"{key} = {_toml(value)}\n" for key, value in table.items()))


@fuzz
@given(_joined(META_TOKENS).map(lambda s: s.encode("utf-8", "surrogatepass")) | st.binary(max_size=200))
def test_core_metadata(data: bytes) -> None:
    from mach_nix.index.client.metadata import parse_core_metadata

    meta = parse_core_metadata(data)
    assert all(isinstance(v, str) for v in (meta.metadata_version, meta.name, meta.version))
    assert all(isinstance(r, str) and r and r == r.strip() for r in meta.requires_dist + meta.provides_extra)
    assert meta.provides_extra == sorted(set(meta.provides_extra))


@fuzz
@given(_joined(REQ_TOKENS + ["[dev]", "[:python_version < '3.8']", "[test:sys_platform == 'win32']", '[x"y]', "[:bogus]"]))
def test_egg_info_requires_txt(text: str) -> None:
    from mach_nix.index.client.metadata import MetadataError, parse_requires_txt

    data = text.encode("utf-8", "surrogatepass")
    try:
        requires, extras = parse_requires_txt(data, REQUIRES_TXT)
    except MetadataError as exc:
        named = re.match(rf"{re.escape(REQUIRES_TXT)}, line ([0-9]+): (.+) is not a valid requirement \(.+\)\.$", exc.message, re.S)
        assert named, exc.message
        lines = re.split(r"\r\n|\r|\n", data.decode("utf-8", "replace"))  # as an editor counts them
        number = int(named.group(1))
        assert 0 < number <= len(lines) and lines[number - 1].strip()  # the line it names is a requirement line
    else:
        _all_parse(requires)
        assert extras == sorted(set(extras))


@fuzz
@given(_joined(SDIST_TOML_TOKENS) | _project_tables)
def test_sdist_pyproject(text: str) -> None:
    from mach_nix.index.client.metadata import parse_pyproject

    py = parse_pyproject(text.encode("utf-8", "surrogatepass"), SDIST_PYPROJECT)
    if py.requires_dist is None:
        assert py.problem is not None and py.problem.startswith(SDIST_PYPROJECT)
    else:
        assert py.problem is None
        _all_parse(py.requires_dist)
    assert isinstance(py.build_system["backend"], str) and all(isinstance(r, str) for r in py.build_system["requires"])


lock_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10, 10) | st.sampled_from(["wheel", "sdist", "nixpkgs", "x", ""]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["version", "provider", "dependencies", "filename", "url", "sha256", "nixpkgs_attr", "a"]),
        inner, max_size=5),
    max_leaves=15,
)


@fuzz
@given(st.fixed_dictionaries(
    {"lock_version": st.sampled_from([1, 2, "1"]), "target": lock_values, "inputs": lock_values,
     "index": lock_values, "roots": lock_values,
     "packages": st.dictionaries(st.sampled_from(["requests", "six", "x"]), lock_values, max_size=3)}
) | lock_values)
def test_lock_reader(doc: object) -> None:
    from mach_nix import lock

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "mach-nix.lock.json"
        path.write_bytes(orjson.dumps(doc))
        _only_clear_errors(lambda: lock.read(path))
