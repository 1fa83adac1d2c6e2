"""Fuzzing the shard reader: any bytes, any JSON → a record or a clear IndexError_, never a traceback."""

from __future__ import annotations

from pathlib import Path

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mach_nix.errors import IndexError_

from .test_fuzz_inputs import DERANDOMIZE, EXAMPLES
from mach_nix.index.storage.store import decode_shard

WHERE = Path("/idx/ab.json")
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=EXAMPLES, derandomize=DERANDOMIZE, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=512), st.sampled_from(["json", "lz4"]))
def test_random_bytes_never_escape(data: bytes, fmt: str) -> None:
    try:
        decode_shard(data, fmt, WHERE)
    except IndexError_ as exc:
        assert str(WHERE) in exc.message


@settings(max_examples=EXAMPLES, derandomize=DERANDOMIZE)
@given(json_values)
def test_random_json_documents_are_checked(doc: object) -> None:
    try:
        out = decode_shard(orjson.dumps(doc), "json", WHERE)
    except IndexError_ as exc:
        assert "ab.json" in exc.message
    else:
        assert isinstance(out["projects"], dict) and out["schema"] == 1


@settings(max_examples=max(1, EXAMPLES // 5), deadline=None, derandomize=DERANDOMIZE)
@given(st.dictionaries(st.text(max_size=5), json_values, max_size=3))
def test_malformed_project_records_name_the_project(record: dict) -> None:
    import tempfile

    import hashlib

    from mach_nix.index.storage.schema import shard_of
    from mach_nix.index.storage.store import Index, encode_shard, write_index

    with tempfile.TemporaryDirectory() as tmp:
        shard = shard_of("demo")
        write_index(Path(tmp), {}, "json")
        data = encode_shard(shard, {"demo": record}, "json")
        (Path(tmp) / f"{shard}.json").write_bytes(data)
        meta = orjson.loads((Path(tmp) / "metadata.json").read_bytes())
        meta["shards"][shard] = hashlib.sha256(data).hexdigest()
        (Path(tmp) / "metadata.json").write_bytes(orjson.dumps(meta))
        try:
            project = Index.open(Path(tmp)).project("demo")
        except IndexError_ as exc:
            assert "'demo'" in exc.message
        else:
            assert project is not None and isinstance(project["releases"], dict)
