"""`mach-nix explain-build` (issue 20, point 6) on recorded log excerpts (tests/data/build-logs/):
each failure gives the overrides/ rule or overridesPost snippet that supplies what was missing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mach_nix.cli import main
from mach_nix.native.explain_build import explain, package_of

LOGS = Path(__file__).resolve().parents[2] / "data" / "build-logs"


def findings(name: str):
    return explain((LOGS / name).read_text())


def test_unsatisfied_sonames_of_cuda_wheels() -> None:
    got = {f.missing: f for f in findings("cuda-wheels-autopatchelf.log")}
    assert list(got) == ["libcublas.so.12", "libcuda.so.1", "libucc.so.1", "libmpi.so.40"]
    assert got["libcublas.so.12"].package == "cupy-cuda12x" and got["libmpi.so.40"].package == "nvidia-nvshmem-cu13"
    assert "pkgs.cudaPackages_12.libcublas" in got["libcublas.so.12"].fix() and "--needs fetch" in got["libcublas.so.12"].fix()
    assert '"autoPatchelfIgnoreMissingDeps": ["libcuda.so.1"]' in got["libcuda.so.1"].fix()
    assert "driver runpath" in got["libcuda.so.1"].fix()
    unmapped = got["libucc.so.1"].fix()
    assert '"libucc.so.1": ["<attribute>"],' in unmapped and "nvshmem_transport_ucx.so.3" in unmapped


def test_the_recorded_torch_log_names_each_soname_once() -> None:
    got = findings("torch-autopatchelf.log")
    assert [(f.kind, f.missing, f.package) for f in got] == [("soname", "libcudnn.so.8", "torch")]  # warn: lines ignored


@pytest.mark.parametrize("log, package, rule", [
    ("psycopg2-pg-config.log", "psycopg2", '"psycopg2": [{"providers": ["sdist"], "nativeBuildInputs": ["postgresql"]}]'),
    ("lxml-header.log", "lxml", '"lxml": [{"providers": ["sdist"], "buildInputs": ["libxml2"]}]'),
    ("pkgconfig.log", "pycairo",
     '"pycairo": [{"providers": ["sdist"], "nativeBuildInputs": ["pkg-config"], "buildInputs": ["cairo"]}]'),
    ("mysqlclient-config.log", "mysqlclient",
     '"mysqlclient": [{"providers": ["sdist"], "nativeBuildInputs": ["mariadb-connector-c"]}]'),
])
def test_native_build_inputs(log: str, package: str, rule: str) -> None:
    first = findings(log)[0]
    assert first.package == package
    assert rule in first.fix()
    assert f"overridesPost = [ (final: prev: {{ {package} = prev.{package}.overridePythonAttrs" in first.fix()


def test_unknown_pkgconfig_module_says_how_to_find_it() -> None:
    unknown = [f for f in findings("pkgconfig.log") if f.missing == "libfoo-unknown-9"]
    assert unknown and "nix-locate lib/pkgconfig/libfoo-unknown-9.pc" in unknown[0].fix()


def test_missing_python_build_requirements_give_the_build_system_line() -> None:
    got = {f.missing: f for f in findings("python-build-requirement.log")}
    assert set(got) == {"setuptools_scm", "wheel", "Cython"}
    assert "build-system = (o.build-system or [ ]) ++ [ final.setuptools-scm ]" in got["setuptools_scm"].fix()
    assert "final.cython" in got["Cython"].fix()


def test_package_name_from_a_drv_path() -> None:
    assert package_of("", "/nix/store/" + "a" * 32 + "-python3.11-psycopg2-2.9.9.drv") == "psycopg2"
    assert package_of("nothing here") == "PACKAGE"


def test_cli_exit_codes_and_json(capsys: pytest.CaptureFixture) -> None:
    assert main(["explain-build", str(LOGS / "lxml-header.log"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out[0]["kind"] == "header" and out[0]["attrs"] == ["libxml2"]
    assert main(["explain-build", str(LOGS / "unrelated.log")]) == 1
    assert "shows no failure explain-build knows" in capsys.readouterr().err
    assert main(["explain-build", str(LOGS / "absent.log")]) == 2
    err = capsys.readouterr().err
    assert "absent.log does not exist" in err and "Traceback" not in err


def test_cli_reads_stdin_and_takes_the_package(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("x.c:1:10: fatal error: zmq.h: No such file or directory\n"))
    assert main(["explain-build", "-", "--package", "pyzmq"]) == 0
    assert '"pyzmq": [{"providers": ["sdist"], "buildInputs": ["zeromq"]}]' in capsys.readouterr().out


def test_a_drv_without_a_log_is_a_clear_error(capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch,
                                              tmp_path: Path) -> None:
    fake = tmp_path / "nix-store"
    fake.write_text("#!/bin/sh\necho 'error: build log of derivation is not available' >&2\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:/usr/bin:/bin")
    assert main(["explain-build", "/nix/store/" + "a" * 32 + "-python3.11-x-1.drv"]) == 2
    err = capsys.readouterr().err
    assert "nix-store --read-log" in err and "not available" in err
