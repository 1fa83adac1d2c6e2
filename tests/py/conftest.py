"""Every test marked `nix` runs once per Nix installation (nix_support.INSTALLATIONS): the host's
Nix (2.8 on Debian 12) and a current one (2.26), all tests of one installation before the next, so
two Nix processes never build at the same time. Test ids end in [nix-host] / [nix-modern].
A test also marked `nix_releases` (the scenarios) runs on every nixpkgs release the stand-in models
(nix_support.RELEASES): ids end in [nix-host-24.05] / [nix-host-26.11] …
A test marked `nix_installations("nix-host")` runs on that installation only."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import pytest

import nix_support

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "nix" / "tools"))
from retarget import write_host_locks  # noqa: E402

# The committed test locks, made for this host's interpreter (tests/nix/tools/retarget.py); the Nix
# tests use tests/nix/locks/host/NAME.json and tests/nix/locks/host/example-{app,data-science}.json.
HOST_LOCKS = write_host_locks(Path(__file__).resolve().parents[1] / "nix" / "locks" / "host", nix_support.PY,
                              nix_support.PY_FULL)

INSTALLATIONS = ["nix-host", "nix-modern"]

# Locks in tests never reach PyPI unless a test says so (it unsets MACH_NIX_OFFLINE and gives its
# own --index-url and --cache-dir), and never touch the user's cache.
os.environ["MACH_NIX_OFFLINE"] = "1"
os.environ["MACH_NIX_CACHE_DIR"] = tempfile.mkdtemp(prefix="mach-nix-test-cache-")
os.environ.pop("MACH_NIX_INDEX_URL", None)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if metafunc.definition.get_closest_marker("nix") is not None:
        # `nix_installations("nix-host")`: a test whose subject is not Nix itself (e.g. the builds of
        # whole bench sets, minutes each) runs on the installations named only.
        only = metafunc.definition.get_closest_marker("nix_installations")
        names = list(only.args) if only else INSTALLATIONS
        assert set(names) <= set(INSTALLATIONS), f"{metafunc.definition.nodeid}: unknown installation in {names}"
        metafunc.fixturenames.append("nix_installation")
        metafunc.parametrize("nix_installation", names, indirect=True, scope="session")
    if metafunc.definition.get_closest_marker("nix_releases") is not None:
        metafunc.fixturenames.append("shim_release")
        metafunc.parametrize("shim_release", nix_support.RELEASES, indirect=True)


@pytest.fixture(scope="session")
def nix_installation(request: pytest.FixtureRequest):
    """Select one Nix installation for the tests that follow (PATH and its store's variables)."""
    name = request.param
    try:
        env = nix_support.installation(name.removeprefix("nix-"))
    except RuntimeError as e:
        pytest.fail(f"{name}: {e}", pytrace=False)
    mp = pytest.MonkeyPatch()
    for k, v in env.items():
        mp.setenv(k, v)
    yield name
    mp.undo()


@pytest.fixture
def shim_release(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The stand-in's release for this test: tests/nix/common.nix reads MACH_NIX_SHIM_RELEASE."""
    monkeypatch.setenv("MACH_NIX_SHIM_RELEASE", request.param)
    return request.param


@pytest.fixture(autouse=True)
def _selected_nix(request: pytest.FixtureRequest) -> None:
    """Activate the parametrized installation (a fixture added by pytest_generate_tests is not set up
    by itself)."""
    params = getattr(getattr(request.node, "callspec", None), "params", {})
    if "nix_installation" in params:
        request.getfixturevalue("nix_installation")
    if "shim_release" in params:
        request.getfixturevalue("shim_release")
