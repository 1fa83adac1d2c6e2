"""The embedded needs table (data/needs/, issue 20 point 1): per-wheel summaries that classify as
the members they summarize do, the sealed shards, the journaled fill (budget, resumption, a fill
killed between writes), the lock reading the table with no network, and the committed table."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Dict, List

import orjson
import pytest

from elf_craft import shared_object, wheel
from faults.fakepypi import FakePyPI, Route
from mach_nix.native import needs_fill
from mach_nix.native.elf import Dynamic
from mach_nix.native.index_wheels import IndexWheel, linux_architectures, newest_only
from mach_nix.native.lock_needs import add_needs
from mach_nix.native.needs import Summary, classify, classify_summaries, summarize
from mach_nix.native.needs_table import JOURNAL, NeedsTable, NeedsTableError, entry_of, summary_of
from packaging.version import Version
from test_native_needs import recorded, replay

ROOT = Path(__file__).resolve().parents[3]
TAG = "cp311-cp311-manylinux_2_17_x86_64"

# A CUDA-shaped lock: torch's module links a library of nvidia-a, which links one of nvidia-b,
# whose own plugin needs an RDMA library (recorded from nvidia-cufile's real wheel).
CHAIN = {
    "torch": {"torch/_C.cpython-311-x86_64-linux-gnu.so": replay(recorded("torch--_C.cpython-311-x86_64-linux-gnu.so")),
              "torch/lib/libtorch_python.so": Dynamic("libtorch_python.so", ("liba.so.1", "libstdc++.so.6"))},
    "nvidia-a": {"nvidia/a/lib/liba.so.1": Dynamic("liba.so.1", ("libb.so.2", "libgcc_s.so.1")),
                 "nvidia/a/lib/liba_extra.so.1": Dynamic("liba_extra.so.1", ("libnuma.so.1",))},
    "nvidia-b": {"nvidia/b/lib/libb.so.2": Dynamic("libb.so.2", ("libz.so.1",)),
                 "nvidia/b/lib/libcufile_rdma.so.1": replay(recorded("nvidia-cufile--libcufile_rdma.so.1"))},
    "cupy": {"cupy/_c.cpython-311-x86_64-linux-gnu.so": Dynamic(None, ("libb.so.2", "libcutensor.so.2"), True)},
}


def test_summaries_classify_as_the_members_do() -> None:
    got = classify_summaries({name: summarize(members) for name, members in CHAIN.items()})
    assert got == classify(CHAIN)
    assert got["nvidia-a"] == {"libb.so.2": {"use": "module", "wheel": "nvidia-b"},
                               "libgcc_s.so.1": {"use": "module"}, "libnuma.so.1": {"use": "plugin"}}
    assert got["nvidia-b"]["libz.so.1"] == {"use": "module"}  # reached from torch through nvidia-a
    assert got["nvidia-b"]["libibverbs.so.1"] == {"use": "plugin"}
    assert got["torch"]["liba.so.1"] == {"use": "module", "wheel": "nvidia-a"}
    # alone, nvidia-b has no module of its own: every need is a plugin need
    assert classify_summaries({"nvidia-b": summarize(CHAIN["nvidia-b"])})["nvidia-b"]["libz.so.1"] == {"use": "plugin"}


def test_a_summary_is_small_and_round_trips() -> None:
    summary = summarize(CHAIN["nvidia-a"])
    assert summary == Summary((), ("libb.so.2", "libgcc_s.so.1", "libnuma.so.1"),
                              {"liba.so.1": ("libb.so.2", "libgcc_s.so.1"), "liba_extra.so.1": ("libnuma.so.1",)})
    assert summary_of(orjson.loads(orjson.dumps(entry_of("a.whl", summary)))) == summary
    assert entry_of("pure-ish.whl", Summary()) == {"filename": "pure-ish.whl"}


def _store(directory: Path, entries: Dict[str, Summary]) -> None:
    writer = needs_fill.TableWriter(directory)
    for sha, summary in entries.items():
        writer.add(sha, entry_of(f"{sha[:6]}.whl", summary))
    writer.merge()


def test_shards_are_sorted_lines_and_sealed(tmp_path: Path) -> None:
    shas = {("ab" + c * 62): Summary((f"lib{c}.so.1",)) for c in "3210"}
    _store(tmp_path, shas)
    lines = (tmp_path / "ab.json").read_text().splitlines()
    assert lines[2:6] == sorted(lines[2:6]) and len(lines) == 8
    table = NeedsTable(tmp_path)
    assert table.get("ab" + "1" * 62) == Summary(("lib1.so.1",)) and table.get("cd" + "0" * 62) is None
    assert not list(table.verify()) and table.metadata()["wheels"] == 4
    (tmp_path / "ab.json").write_text((tmp_path / "ab.json").read_text().replace("lib1", "libX"))
    with pytest.raises(NeedsTableError, match="does not have the sha256"):
        NeedsTable(tmp_path).get("ab" + "1" * 62)
    assert any("sha256" in p for p in NeedsTable(tmp_path).verify())


def test_a_fill_killed_between_writes_loses_nothing(tmp_path: Path) -> None:
    _store(tmp_path, {"ab" + "0" * 62: Summary(("libold.so.1",))})
    # a later fill journaled two readings, wrote the new shard, and was killed before metadata.json,
    # with half a line at the journal's end
    journal = b"".join(orjson.dumps({"sha256": sha, "entry": {"filename": "n.whl", "module": ["libnew.so.1"]}}) + b"\n"
                       for sha in ("ab" + "1" * 62, "cd" + "1" * 62)) + b'{"sha256": "ab22'
    (tmp_path / JOURNAL).write_bytes(journal)
    shard = (tmp_path / "ab.json").read_bytes()
    (tmp_path / "ab.json").write_bytes(shard.replace(b'  "wheels": {\n', b'  "wheels": {\n    "ab' + b"1" * 62
                                                     + b'": {"filename":"n.whl","module":["libnew.so.1"]},\n'))
    with pytest.raises(NeedsTableError, match="interrupted fill"):
        NeedsTable(tmp_path).get("ab" + "0" * 62)
    needs_fill.TableWriter(tmp_path)  # the next fill merges first
    table = NeedsTable(tmp_path)
    assert not list(table.verify()) and table.metadata()["wheels"] == 3 and not (tmp_path / JOURNAL).exists()
    assert table.get("ab" + "0" * 62) == Summary(("libold.so.1",))
    assert table.get("cd" + "1" * 62) == Summary(("libnew.so.1",))


def _wheels(server: Any) -> List[IndexWheel]:
    out = []
    for i, padding in enumerate((1_000, 50_000, 400_000)):
        data = wheel({f"p{i}/_e.cpython-311-x86_64-linux-gnu.so": shared_object([f"libn{i}.so.1"], pyinit="_e",
                                                                               padding=padding, seed=i)})
        filename = f"p{i}-1.0-{TAG}.whl"
        server.routes[f"/files/{filename}"] = Route(data)
        out.append(IndexWheel(f"p{i}", Version("1.0"), filename, hashlib.sha256(data).hexdigest(), len(data),
                              f"{server.base}/files/{filename}", ("x86_64",)))
    return out


def test_fill_keeps_to_the_budget_and_resumes(tmp_path: Path) -> None:
    with FakePyPI({}) as server:
        wheels = _wheels(server)
        sizes = sorted(w.size for w in wheels)
        first = needs_fill.fill(tmp_path, wheels, max_bytes=sizes[0] + sizes[1], threads=2, client_factory=server.client)
        assert (first.selected, first.read, first.left, first.failed) == (3, 2, 1, [])
        assert first.bytes <= sizes[0] + sizes[1] and first.requests >= 2  # a wheel under 64 KiB is one tail read
        assert not any(path.startswith("p2-") for path in server.file_requests())
        server.log.clear()
        second = needs_fill.fill(tmp_path, wheels, max_bytes=10**9, threads=2, client_factory=server.client)
        assert (second.present, second.read, second.left) == (2, 1, 0)
        assert server.file_requests() and all(path.startswith("p2-") for path in server.file_requests())
    table = NeedsTable(tmp_path)
    assert [table.get(w.sha256) for w in wheels] == [Summary((f"libn{i}.so.1",)) for i in range(3)]


def test_a_lock_of_tabled_wheels_gets_needs_with_no_network(tmp_path: Path) -> None:
    shas = {name: hashlib.sha256(name.encode()).hexdigest() for name in CHAIN}
    _store(tmp_path / "table", {shas[n]: summarize(m) for n, m in CHAIN.items()})
    packages = {n: {"name": n, "version": "1.0", "provider": "wheel", "filename": f"{n}-1.0-{TAG}.whl",
                    "url": f"http://127.0.0.1:9/{n}.whl", "sha256": shas[n], "wheel_tags": [TAG]} for n in CHAIN}

    def no_network() -> Any:
        raise AssertionError("the table must serve every wheel")

    report = add_needs(packages, mode="fetch", cache_root=tmp_path / "cache", client_factory=no_network,
                       table_dir=tmp_path / "table")
    assert report.table == 4 and report.cached == report.read == 0 and not report.warnings
    assert {n: e["needs"] for n, e in packages.items()} == classify(CHAIN)


def test_a_fill_reads_one_wheel_of_every_release_before_the_rest(tmp_path: Path) -> None:
    def w(name: str, size: int) -> IndexWheel:
        project, version = name.split("-")[:2]
        return IndexWheel(project, Version(version), f"{name}-{TAG}.whl", name, size, "u", ("x86_64",))

    held = w("c-1.0-cp311", 1)
    writer = needs_fill.TableWriter(tmp_path)
    writer.add(held.sha256, entry_of(held.filename, Summary()))
    writer.merge()
    wheels = [held, w("a-1.0-cp311", 5), w("a-1.0-cp312", 6), w("b-2.0-cp311", 50), w("b-2.0-cp312", 40),
              w("a-2.0-cp311", 30), w("c-1.0-cp312", 2)]
    order = [x.sha256 for x in needs_fill.plan(NeedsTable(tmp_path), wheels, needs_fill.FillReport())]
    # the smallest wheel of each release first (by size), then the others (by size)
    # c 1.0 is in the table already, so its other wheel waits for the second round.
    assert order == ["a-1.0-cp311", "a-2.0-cp311", "b-2.0-cp312", "c-1.0-cp312", "a-1.0-cp312", "b-2.0-cp311"]


def test_selection_newest_per_project_and_architecture() -> None:
    def w(project: str, version: str, arch: str) -> IndexWheel:
        return IndexWheel(project, Version(version), f"{project}-{version}-{arch}.whl", f"{project}{version}{arch}",
                          1, "u", (arch,))

    got = newest_only([w("a", "1.0", "x86_64"), w("a", "2.0", "x86_64"), w("a", "1.0", "aarch64"),
                       w("a", "3.0rc1", "x86_64"), w("b", "1.0rc1", "x86_64")])
    assert [x.filename for x in got] == ["a-1.0-aarch64.whl", "a-2.0-x86_64.whl", "b-1.0rc1-x86_64.whl"]
    assert linux_architectures(f"a-1-{TAG}.manylinux2014_x86_64.whl") == ("x86_64",)
    assert linux_architectures("a-1-cp311-cp311-musllinux_1_2_aarch64.whl") == ("aarch64",)
    assert linux_architectures("a-1-cp311-cp311-macosx_11_0_arm64.whl") == ()


def test_the_committed_table_is_sound_and_covers_the_bench_locks_wheels() -> None:
    """data/needs/ verifies, and holds ml.txt's torch with its CUDA wheels' needs (recorded by the fill)."""
    table = NeedsTable(ROOT / "data" / "needs")
    assert not list(table.verify())
    torch = [e for shard in table.metadata()["shards"] for e in table.shard(shard).values()
             if e["filename"].startswith("torch-")]
    assert torch and any("libcudart.so.13" in summary_of(e).module or "libcudart.so.12" in summary_of(e).module
                         for e in torch)


def test_cli_verify_and_dry_run(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from mach_nix.cli import main

    assert main(["index", "needs", "--max-bytes", "0", "--verify"]) == 0
    assert "sound" in capsys.readouterr().out
    assert main(["index", "needs", "--max-bytes", "1M", "--newest-only", "--dry-run"]) == 0
    assert "wheels selected" in capsys.readouterr().out


def test_a_release_s_identical_libraries_are_read_once(tmp_path: Path) -> None:
    """The cp311 and cp312 wheels of one release bundle the same library: the second fetches only
    its own extension module (the library's reading is reused: same name, CRC-32 and size)."""
    lib = shared_object(["libgomp.so.1"], soname="libbig.so.1", padding=600_000, seed=7)
    with FakePyPI({}) as server:
        wheels = []
        for py in ("cp311", "cp312"):
            data = wheel({f"big/_e.{py}-x86_64-linux-gnu.so": shared_object(["libbig.so.1"], pyinit="_e", seed=1),
                          "big.libs/libbig.so.1": lib})
            filename = f"big-1.0-{py}-{py}-manylinux_2_17_x86_64.whl"
            server.routes[f"/files/{filename}"] = Route(data)
            wheels.append(IndexWheel("big", Version("1.0"), filename, hashlib.sha256(data).hexdigest(), len(data),
                                     f"{server.base}/files/{filename}", ("x86_64",)))
        report = needs_fill.fill(tmp_path, wheels, max_bytes=10**9, threads=2, client_factory=server.client)
    assert report.read == 2 and report.reused == 1
    assert report.bytes < len(lib) + 2 * 70_000  # the library's bytes once, not twice
    table = NeedsTable(tmp_path)
    assert [table.get(w.sha256).module for w in wheels] == [("libgomp.so.1",)] * 2
