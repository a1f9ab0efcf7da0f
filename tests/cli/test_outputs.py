"""Outputs: float32 values in their shortest round-trip form, and atomic writes (a failure leaves neither a
half-written file, nor a temporary file, nor one of `.npy` / `.segments.csv` without the other)."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from twelvelabs_embed_cli import _output

from twelvelabs_embed import EmbeddingArrays, _arrays_io

from .conftest import FakeServer, Tasks

NUMBER = re.compile(rb"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


def _digits(text: str) -> str:
    """The significant digits of a decimal number."""
    mantissa = text.lower().split("e")[0].lstrip("-").replace(".", "")
    return mantissa.lstrip("0").rstrip("0") or "0"


def _arrays(values: list[list[float]], task_id: str | None = "t-1") -> EmbeddingArrays:
    n = len(values)
    return EmbeddingArrays(
        task_id,
        np.array(values, dtype=np.float32),
        np.arange(n, dtype=np.float64),
        np.arange(n, dtype=np.float64) + 1,
        np.array(["visual"] * n, dtype=np.str_),
        np.array(["clip"] * n, dtype=np.str_),
    )


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_float32_values_are_written_in_their_shortest_form(tmp_path: Path, fmt: str) -> None:
    """`-0.02266372` as float32 is written `-0.02266372`, not its float64 widening `-0.022663719952106476`; so are
    tiny, huge and whole values, each reading back to the same float32."""
    values = [-0.02266372, 1e-8, 3.4e38, 0.1, 1.0, -0.0, 123456790.0, 2.5e-45]
    out = tmp_path / f"v.{fmt}"
    _output.write_arrays(_arrays([values]), str(out), fmt, "t-1")
    text = out.read_text()
    row = json.loads(text.splitlines()[0]) if fmt == "jsonl" else json.loads(text)["segments"][0]
    assert "-0.02266372," in text and "-0.022663719952106476" not in text
    np.testing.assert_array_equal(np.array(row["embedding"], dtype=np.float32), np.array(values, dtype=np.float32))
    for token, value in zip(
        re.findall(r"-?[\d.]+(?:e[-+]?\d+)?", text.split('"embedding":[')[1]), values, strict=False
    ):
        shortest = np.format_float_scientific(np.float32(value), unique=True)
        assert len(_digits(token)) == len(_digits(shortest)), (token, shortest)


def test_every_value_of_a_real_result_is_shortest(fake: FakeServer, tasks: Tasks, tmp_path: Path) -> None:
    """Every number `get` writes for a real task reads back to the client's float32 value, with no more
    significant digits than that float32 needs (at most 9)."""
    out = tmp_path / "all.jsonl"
    fake.cli("get", tasks.v2_ready, "-o", str(out)).ok()
    with fake.client() as client:
        arrays = client.v2.tasks.retrieve_arrays(tasks.v2_ready)
    for line, vector in zip(out.read_bytes().splitlines(), arrays.vectors, strict=True):
        tokens = NUMBER.findall(line.split(b'"embedding":[')[1])
        assert len(tokens) == vector.size
        for token, value in zip(tokens, vector, strict=True):
            assert np.float32(token.decode()) == value
            assert len(_digits(token.decode())) == len(_digits(np.format_float_scientific(value, unique=True)))


def test_npy_and_its_table_are_committed_together(fake: FakeServer, tasks: Tasks, tmp_path: Path) -> None:
    """When the segment table cannot be put in place (a folder has its name), `get -o q.npy` fails with exit 1
    and leaves the earlier q.npy exactly as it was, and no temporary file behind."""
    out = tmp_path / "q.npy"
    out.write_bytes(b"the earlier file")
    (tmp_path / "q.segments.csv").mkdir()
    result = fake.cli("get", tasks.v2_ready, "-o", str(out))
    line, _ = result.error(1)
    assert "q.segments.csv" in line, line
    assert out.read_bytes() == b"the earlier file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["q.npy", "q.segments.csv"]


def test_npy_without_an_earlier_file_leaves_nothing(fake: FakeServer, tasks: Tasks, tmp_path: Path) -> None:
    """The same failure without earlier files leaves no q.npy (the issue's case: `q.npy` was left behind)."""
    (tmp_path / "q.segments.csv").mkdir()
    fake.cli("get", tasks.v2_ready, "-o", str(tmp_path / "q.npy")).error(1)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["q.segments.csv"]


@pytest.mark.parametrize("fmt", ["json", "jsonl", "npy", "parquet"])
def test_a_failure_while_writing_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str) -> None:
    """A failure in the middle of writing any format (here: the segment table, or the serializer, raising after
    some bytes) leaves the destination untouched and no temporary file."""
    out = tmp_path / f"out.{fmt}"
    out.write_bytes(b"keep me")

    def broken(*args: object) -> None:
        handle = args[-1]
        handle.write(b"half a file")  # type: ignore[attr-defined]
        raise OSError(28, "No space left on device")

    if fmt == "npy":
        monkeypatch.setattr(_arrays_io, "_write_segments_csv", broken)
    elif fmt == "parquet":
        monkeypatch.setattr(_arrays_io, "_write_parquet", broken)
    else:
        monkeypatch.setattr(_arrays_io, "json_chunks", _broken_chunks)
    with pytest.raises(OSError, match="No space left"):
        _output.write_arrays(_arrays([[0.5, 0.25]]), str(out), fmt, "t-1")
    assert sorted(p.name for p in tmp_path.iterdir()) == [out.name]
    assert out.read_bytes() == b"keep me"


def _broken_chunks(*args: object) -> Iterator[bytes]:
    yield b"half a file"
    raise OSError(28, "No space left on device")


def test_written_files_have_the_usual_permissions(tmp_path: Path) -> None:
    """Files written through a temporary file get the permissions a plain open() would give (umask), not 0600."""
    out = tmp_path / "p.json"
    _output.write_arrays(_arrays([[1.0]]), str(out), "json", "t-1")
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask
