"""What binary wheels need (issue 20, point 1): real dynamic sections recorded from PyPI wheels
(tests/data/elf/, scripts/record-elf-fixtures.py), the module/plugin classification across a
lock's wheels, and the lock step (range reads from a loopback file host, the sha256 cache, the
all-or-nothing rule, the lock validator, MACH_NIX_STATS)."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
from pathlib import Path
from typing import Any, Dict

import orjson
import pytest

from elf_craft import shared_object, wheel
from faults.fakepypi import FakePyPI, Route
from mach_nix.index.client.http import FetchError
from mach_nix.errors import MachNixError
from mach_nix.lock import validate
from mach_nix.native.elf import Dynamic, read_dynamic
from mach_nix.native.lock_needs import add_needs, binary_linux_wheel
from mach_nix.native.needs import classify, is_glibc

RECORDED = Path(__file__).resolve().parents[2] / "data" / "elf"


def recorded(name: str) -> Dict[str, Any]:
    return json.loads(gzip.decompress((RECORDED / f"{name}.json.gz").read_bytes()))


def replay(doc: Dict[str, Any]) -> Dynamic:
    """Read the recorded member, serving only the byte ranges that were recorded."""
    ranges = {(offset, len(base64.b64decode(data))): base64.b64decode(data) for offset, data in doc["read"]}

    def read(offset: int, size: int) -> bytes:
        for (start, n), data in ranges.items():
            if start <= offset and offset + min(size, doc["size"] - offset) <= start + n:
                return data[offset - start:offset - start + size]
        raise AssertionError(f"read of {size} bytes at {offset} was not recorded")

    dyn = read_dynamic(read)
    assert dyn is not None
    return dyn


@pytest.mark.parametrize("name", sorted(p.name[:-len(".json.gz")] for p in RECORDED.glob("*.json.gz")))
def test_recorded_members_read_as_recorded(name: str) -> None:
    doc = recorded(name)
    assert replay(doc) == Dynamic(doc["expected"]["soname"], tuple(doc["expected"]["needed"]),
                                  doc["expected"]["python_module"])


def test_what_the_real_members_need() -> None:
    tbb = replay(recorded("numba--tbbpool.cpython-311-x86_64-linux-gnu.so"))
    assert tbb.python_module and "libtbb.so.12" in tbb.needed
    cublas = replay(recorded("cupy-cuda12x--cublas.cpython-311-x86_64-linux-gnu.so"))
    assert cublas.python_module and cublas.needed == ("libcublas.so.12", "libc.so.6")
    rdma = replay(recorded("nvidia-cufile--libcufile_rdma.so.1"))
    assert not rdma.python_module and rdma.soname == "libcufile_rdma.so.1"
    assert {"libibverbs.so.1", "librdmacm.so.1", "libmlx5.so.1"} <= set(rdma.needed)


def test_plugin_only_needs_across_wheels() -> None:
    """torch's module reaches libcufile.so.0 in the nvidia-cufile wheel, whose RDMA plugin (recorded
    from the real wheel) is what needs libibverbs: a plugin need. torch's own need of libcufile is
    found in that wheel."""
    wheels = {
        "torch": {"torch/_C.cpython-311-x86_64-linux-gnu.so": replay(recorded("torch--_C.cpython-311-x86_64-linux-gnu.so")),
                  "torch/lib/libtorch_python.so": Dynamic("libtorch_python.so", ("libcufile.so.0", "libstdc++.so.6"))},
        "nvidia-cufile": {"nvidia/cu13/lib/libcufile_rdma.so.1": replay(recorded("nvidia-cufile--libcufile_rdma.so.1")),
                          "nvidia/cu13/lib/libcufile.so.0": Dynamic("libcufile.so.0", ("libgcc_s.so.1",))},
        "nvidia-nvshmem-cu13": {"nvidia/nvshmem/lib/nvshmem_bootstrap_mpi.so.3":
                                replay(recorded("nvidia-nvshmem-cu13--nvshmem_bootstrap_mpi.so.3"))},
    }
    got = classify(wheels)
    assert got["torch"] == {"libcufile.so.0": {"use": "module", "wheel": "nvidia-cufile"},
                            "libstdc++.so.6": {"use": "module"}}
    assert got["nvidia-cufile"]["libgcc_s.so.1"] == {"use": "module"}  # libcufile.so.0 is reached from torch
    assert got["nvidia-cufile"]["libibverbs.so.1"] == {"use": "plugin"}
    assert got["nvidia-nvshmem-cu13"]["libmpi.so.40"] == {"use": "plugin"}
    assert "libcufile.so.0" not in got["nvidia-cufile"]  # the wheel ships it


def test_bundled_libraries_are_followed_and_glibc_is_left_out() -> None:
    got = classify({"pkg": {
        "pkg/_ext.cpython-311-x86_64-linux-gnu.so": Dynamic(None, ("libbundled-1a.so.5", "libc.so.6"), True),
        "pkg.libs/libbundled-1a.so.5": Dynamic("libbundled-1a.so.5", ("libGL.so.1", "libpthread.so.0")),
        "pkg/plugins/libp.so": Dynamic(None, ("libGL.so.1", "libmpi.so.40", "ld-linux-x86-64.so.2")),
    }})
    assert got == {"pkg": {"libGL.so.1": {"use": "module"}, "libmpi.so.40": {"use": "plugin"}}}
    assert is_glibc("libm.so.6") and is_glibc("libnss_files.so.2") and not is_glibc("libmpi.so.40")


def _entry(name: str, filename: str, url: str, data: bytes, tags: list) -> Dict[str, Any]:
    import hashlib

    return {"name": name, "version": "1.0", "provider": "wheel", "filename": filename, "url": url,
            "sha256": hashlib.sha256(data).hexdigest(), "dependencies": [], "extras": [], "wheel_tags": tags}


def _world(tmp_path: Path) -> Any:
    ext = wheel({"demo/_ext.cpython-311-x86_64-linux-gnu.so": shared_object(["libtbb.so.12"], pyinit="_ext",
                                                                            padding=200_000),
                 "demo/plugins/libmpi_plugin.so": shared_object(["libmpi.so.40"]),
                 "demo/__init__.py": b""})
    pure = wheel({"pure/__init__.py": b""})
    return ext, pure


def test_lock_step_reads_caches_and_counts(tmp_path: Path) -> None:
    ext, pure = _world(tmp_path)
    routes = {"/files/demo-1.0-cp311-cp311-manylinux_2_17_x86_64.whl": Route(ext),
              "/files/pure-1.0-py3-none-any.whl": Route(pure)}
    with FakePyPI(routes) as server:
        def packages() -> Dict[str, Dict[str, Any]]:
            return {"demo": _entry("demo", "demo-1.0-cp311-cp311-manylinux_2_17_x86_64.whl",
                                   server.base + "/files/demo-1.0-cp311-cp311-manylinux_2_17_x86_64.whl", ext,
                                   ["cp311-cp311-manylinux_2_17_x86_64"]),
                    "pure": _entry("pure", "pure-1.0-py3-none-any.whl", server.base + "/files/pure-1.0-py3-none-any.whl",
                                   pure, ["py3-none-any"])}
        cold = packages()
        report = add_needs(cold, mode="fetch", cache_root=tmp_path, client_factory=server.client)
        assert cold["demo"]["needs"] == {"libtbb.so.12": {"use": "module"}, "libmpi.so.40": {"use": "plugin"}}
        assert "needs" not in cold["pure"] and not report.warnings
        assert report.read == 1 and report.requests == len(server.file_requests()) >= 2
        assert 200_000 < report.bytes < len(ext) + 70_000  # the padding must be inflated, no more than the file
        assert "pure-1.0-py3-none-any.whl" not in server.file_requests()
        server.log.clear()
        warm = packages()
        again = add_needs(warm, mode="cached", cache_root=tmp_path)  # offline: the cache by sha256
        assert warm["demo"]["needs"] == cold["demo"]["needs"] and again.cached == 1 and len(server.log) == 0
        validate({"lock_version": 1, "target": {"python": "3.11", "system": "x86_64-linux"}, "inputs": {},
                  "index": {}, "roots": ["demo"], "packages": warm}, "x.json")


def test_cached_mode_without_readings_leaves_the_field_out_and_says_how(tmp_path: Path) -> None:
    ext, _ = _world(tmp_path)
    pkgs = {"demo": _entry("demo", "demo-1.0-cp311-cp311-manylinux_2_17_x86_64.whl", "http://127.0.0.1:9/x.whl", ext,
                           ["cp311-cp311-manylinux_2_17_x86_64"])}
    report = add_needs(pkgs, mode="cached", cache_root=tmp_path)
    assert "needs" not in pkgs["demo"] and report.missing == ["demo"]
    assert "--needs fetch" in report.warnings[0]


def test_one_unreadable_wheel_means_no_needs_at_all(tmp_path: Path) -> None:
    ext, _ = _world(tmp_path)
    with FakePyPI({"/files/demo.whl": Route(ext)}) as server:
        pkgs = {"demo": _entry("demo", "demo-1.0-cp311-cp311-manylinux_2_17_x86_64.whl", server.base + "/files/demo.whl",
                               ext, ["cp311-cp311-manylinux_2_17_x86_64"]),
                "gone": _entry("gone", "gone-1.0-cp311-cp311-manylinux_2_17_x86_64.whl", server.base + "/files/gone.whl",
                               b"x", ["cp311-cp311-manylinux_2_17_x86_64"])}
        report = add_needs(pkgs, mode="fetch", cache_root=tmp_path, client_factory=lambda: server.client(retries=0))
    assert not any("needs" in e for e in pkgs.values())
    assert any("gone-1.0" in w for w in report.warnings) and report.missing == ["gone"]


@pytest.mark.parametrize("needs, message", [
    ({"libz.so.1": "module"}, "expected"),
    ({"libz.so.1": {"use": "always"}}, "expected"),
    ({"libz.so.1": {"use": "module", "wheel": "absent"}}, "not in 'packages'"),
])
def test_validator_rejects_malformed_needs(needs: Any, message: str) -> None:
    entry = _entry("demo", "demo-1.0-cp311-cp311-manylinux_2_17_x86_64.whl", "https://x/demo.whl", b"",
                   ["cp311-cp311-manylinux_2_17_x86_64"])
    entry["needs"] = needs
    with pytest.raises(MachNixError, match=message):
        validate({"lock_version": 1, "target": {"python": "3.11", "system": "x86_64-linux"}, "inputs": {}, "index": {},
                  "roots": [], "packages": {"demo": entry}}, "x.json")


def test_only_linux_binary_wheels_are_read() -> None:
    assert binary_linux_wheel({"provider": "wheel", "wheel_tags": ["cp311-cp311-manylinux_2_28_x86_64"]})
    assert not binary_linux_wheel({"provider": "wheel", "wheel_tags": ["py3-none-any"]})
    assert not binary_linux_wheel({"provider": "wheel", "wheel_tags": ["cp311-cp311-macosx_11_0_arm64"]})
    assert not binary_linux_wheel({"provider": "sdist"})


def test_stats_carry_the_needs_counts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mach_nix.pipeline import write_stats

    monkeypatch.setenv("MACH_NIX_STATS", str(tmp_path / "s.json"))
    write_stats(type("I", (), {"remote": None})(), {"needs_requests": 3, "needs_bytes": 10})
    got = orjson.loads((tmp_path / "s.json").read_bytes())
    assert got["needs_requests"] == 3 and got["needs_bytes"] == 10 and got["requests"] == 0


def test_a_local_wheel_file_is_left_out_without_blocking_the_others(tmp_path: Path) -> None:
    from mach_nix.native.cache import ElfCache

    ext, _ = _world(tmp_path)
    demo = _entry("demo", "demo-1.0-cp311-cp311-manylinux_2_17_x86_64.whl", "https://x/demo.whl", ext,
                  ["cp311-cp311-manylinux_2_17_x86_64"])
    ElfCache(tmp_path).put(demo["sha256"], {"demo/_ext.so": Dynamic(None, ("libtbb.so.12",), True)})
    local = dict(_entry("loc", "loc-1.0-cp311-cp311-manylinux_2_17_x86_64.whl", "", b"y",
                        ["cp311-cp311-manylinux_2_17_x86_64"]), path="wheels/loc.whl")
    del local["url"]
    pkgs = {"demo": demo, "loc": local}
    report = add_needs(pkgs, mode="cached", cache_root=tmp_path)
    assert pkgs["demo"]["needs"] == {"libtbb.so.12": {"use": "module"}} and "needs" not in pkgs["loc"]
    assert not report.warnings


def test_small_members_cost_at_most_one_request_each(tmp_path: Path) -> None:
    """A member's local header and its first bytes come in one range request (the read-ahead
    window), and what the window already holds is never fetched again."""
    from mach_nix.native.remote_wheel import read_remote_wheel

    members = {f"pkg/_m{i}.cpython-311-x86_64-linux-gnu.so": shared_object([f"libx{i}.so.1"], pyinit=f"_m{i}",
                                                                          padding=40_000, seed=i) for i in range(5)}
    data = wheel(members)
    with FakePyPI({"/files/w.whl": Route(data)}) as server:
        client = server.client()
        got, _cost = read_remote_wheel(client, server.base + "/files/w.whl")
    assert {p: d.needed for p, d in got.items()} == {p: (f"libx{i}.so.1",) for i, p in enumerate(members)}
    assert client.stats.requests <= 1 + len(members)
    assert client.stats.bytes <= len(data) + 64 * 1024


def test_a_host_that_answers_a_range_with_the_whole_file_is_read_from_it() -> None:
    """files.pythonhosted.org's cache sometimes answers a range request with 200 and the whole
    file (seen on cuda-bindings 13.5.0 and psutil 7.2.2 during a cold ml.txt lock): read from it,
    beyond the page size cap (opencv-python's wheel is over 64 MiB), when its sha256 is the lock's."""
    from mach_nix.index.client.http import Response, Stats
    from mach_nix.native.remote_wheel import read_remote_wheel

    data = wheel({"pkg/_ext.cpython-311-x86_64-linux-gnu.so": shared_object(["libz.so.1"], pyinit="_ext",
                                                                           padding=300_000)})

    class WholeAfterTheTail:
        stats = Stats()

        def get(self, url: str, *, headers: Dict[str, str], ok: Any, max_bytes: int, what: str) -> Response:
            assert max_bytes >= len(data)
            self.stats.add(requests=1)
            spec = headers["Range"].split("=", 1)[1]
            if spec.startswith("-"):
                tail = data[-int(spec[1:]):]
                return Response(206, tail, {"Content-Range": f"bytes {len(data) - len(tail)}-{len(data) - 1}/{len(data)}"})
            assert 200 in ok
            return Response(200, data, {})

    client = WholeAfterTheTail()
    got, _ = read_remote_wheel(client, "https://files.example/w.whl", hashlib.sha256(data).hexdigest())
    assert got["pkg/_ext.cpython-311-x86_64-linux-gnu.so"].needed == ("libz.so.1",)
    assert client.stats.requests == 2
    # the whole file is used only with the sha256 the lock states
    with pytest.raises(FetchError, match="does not have the sha256 the lock states"):
        read_remote_wheel(WholeAfterTheTail(), "https://files.example/w.whl", "0" * 64)


@pytest.mark.parametrize("into_header", [1, 10, 29, 40])
def test_a_member_straddling_the_start_of_the_tail_read_is_read_whole(monkeypatch: pytest.MonkeyPatch,
                                                                      into_header: int) -> None:
    """lazy-object-proxy 1.13.0's cp312 wheel: the 64 KiB tail read began inside a member's local
    header, and the part before it was fetched alone and taken for the whole."""
    import io
    import zipfile

    from mach_nix.native import remote_wheel

    data = wheel({"pkg/_ext.cpython-311-x86_64-linux-gnu.so": shared_object(["libz.so.1"], pyinit="_ext",
                                                                           padding=20_000),
                  "pkg/__init__.py": b""})
    offset = zipfile.ZipFile(io.BytesIO(data)).getinfo("pkg/_ext.cpython-311-x86_64-linux-gnu.so").header_offset
    monkeypatch.setattr(remote_wheel, "TAIL", len(data) - offset - into_header)
    with FakePyPI({"/files/w.whl": Route(data)}) as server:
        got, _ = remote_wheel.read_remote_wheel(server.client(), server.base + "/files/w.whl")
    assert got["pkg/_ext.cpython-311-x86_64-linux-gnu.so"].needed == ("libz.so.1",)
