"""`EmbeddingArrays` as a value users keep: save in every format, Parquet/pandas/arrow, concat, `==` and repr."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from twelvelabs_embed import EmbedClient, EmbeddingArrays


def arrays(
    task_id: str | None, rows: list[list[float]], *, option: str = "visual", start: float = 0.0
) -> EmbeddingArrays:
    n = len(rows)
    return EmbeddingArrays(
        task_id,
        np.array(rows, dtype=np.float32).reshape(n, len(rows[0]) if rows else 0),
        np.arange(n, dtype=np.float64) * 6 + start,
        np.where(np.arange(n) == n - 1, np.nan, np.arange(n, dtype=np.float64) * 6 + 6 + start),
        np.array([option] * n, dtype=np.str_),
        np.array(["clip"] * n, dtype=np.str_),
    )


A = arrays("task-a", [[-0.02266372, 0.5], [1.0, 2.0]])
B = arrays("task-bb", [[3.0, 4.0]], option="audio", start=100)


def test_equality_compares_every_array_and_the_task_id() -> None:
    same = arrays("task-a", [[-0.02266372, 0.5], [1.0, 2.0]])
    assert same == A  # NaN end times compare equal
    assert arrays("task-x", [[-0.02266372, 0.5], [1.0, 2.0]]) != A
    assert arrays("task-a", [[-0.02266372, 0.5], [1.0, 2.5]]) != A
    assert arrays("task-a", [[-0.02266372, 0.5], [1.0, 2.0]], option="audio") != A
    assert arrays("task-a", [[-0.02266372, 0.5]]) != A
    assert A != "task-a"
    with pytest.raises(TypeError):
        hash(A)


def test_repr_is_a_summary_not_the_vectors() -> None:
    assert repr(A) == "EmbeddingArrays(task_id='task-a', rows=2, dimension=2, options=['visual'], scopes=['clip'])"
    big = arrays("t", [[0.1] * 512] * 100)
    assert len(repr(big)) < 120


def test_task_ids_names_every_row_with_the_full_id() -> None:
    assert A.task_ids.tolist() == ["task-a", "task-a"]
    assert arrays(None, [[1.0]]).task_ids.tolist() == [""]


def test_concat_keeps_each_row_task_and_order() -> None:
    joined = EmbeddingArrays.concat([A, B])
    assert joined.task_id is None
    assert joined.task_ids.tolist() == ["task-a", "task-a", "task-bb"]
    assert joined.vectors.tolist() == A.vectors.tolist() + B.vectors.tolist()
    assert joined.option.tolist() == ["visual", "visual", "audio"]
    assert joined.start_sec.tolist() == [0.0, 6.0, 100.0]
    assert repr(joined).startswith("EmbeddingArrays(tasks=2, rows=3,")
    # select keeps the per-row ids
    assert joined.select(option="audio").task_ids.tolist() == ["task-bb"]
    # concat of concats
    assert EmbeddingArrays.concat([joined, A]).task_ids.tolist() == ["task-a", "task-a", "task-bb", "task-a", "task-a"]


def test_concat_of_one_task_keeps_its_id_and_equals_the_original() -> None:
    first, second = A.select(option="visual"), arrays("task-a", [[5.0, 6.0]])
    joined = EmbeddingArrays.concat([first, second])
    assert joined.task_id == "task-a" and joined.row_task_ids is None
    assert EmbeddingArrays.concat([A]) == A


def test_concat_edges() -> None:
    empty = EmbeddingArrays.concat([])
    assert len(empty) == 0 and empty.vectors.shape == (0, 0)
    assert EmbeddingArrays.concat([arrays("e", []), A]).vectors.tolist() == A.vectors.tolist()
    with pytest.raises(ValueError, match=r"different dimensions \[2, 3\]"):
        EmbeddingArrays.concat([A, arrays("c", [[1.0, 2.0, 3.0]])])


@pytest.mark.parametrize("fmt", ["json", "jsonl", "npy", "parquet"])
def test_save_round_trips_every_format(tmp_path: Path, fmt: str) -> None:
    joined = EmbeddingArrays.concat([A, B])
    written = joined.save(tmp_path / f"out.{fmt}")
    assert [p.name for p in written] == (["out.npy", "out.segments.csv"] if fmt == "npy" else [f"out.{fmt}"])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in written)  # no temporaries left
    back = _read(tmp_path / f"out.{fmt}", fmt)
    assert back == joined
    assert EmbeddingArrays.concat([_read(p, fmt) for p in A.save(tmp_path / f"a.{fmt}")[:1]]) == A


def _read(path: Path, fmt: str) -> EmbeddingArrays:
    """Read a saved file back, independently of the writer."""
    if fmt == "parquet":
        rows = pq.read_table(path).to_pylist()
    elif fmt == "jsonl":
        rows = [json.loads(line) for line in path.read_text().splitlines()]
    elif fmt == "json":
        document = json.loads(path.read_text())
        rows = [{"task_id": document["task_id"], **r} for r in document["segments"]]
    else:
        vectors = np.load(path)
        with path.with_name(path.stem + ".segments.csv").open() as handle:
            table = list(csv.DictReader(handle))
        rows = [
            {**r, "start_sec": float(r["start_sec"]), "end_sec": float(r["end_sec"]), "embedding": v}
            for r, v in zip(table, vectors, strict=True)
        ]
    return EmbeddingArrays(
        None,
        np.array([r["embedding"] for r in rows], dtype=np.float32),
        np.array([np.nan if r["start_sec"] is None else r["start_sec"] for r in rows], dtype=np.float64),
        np.array([np.nan if r["end_sec"] is None else r["end_sec"] for r in rows], dtype=np.float64),
        np.array([r["option"] for r in rows], dtype=np.str_),
        np.array([r["scope"] for r in rows], dtype=np.str_),
        np.array([r["task_id"] for r in rows], dtype=np.str_),
    )


def test_json_keeps_float32_shortest_and_one_task_has_no_per_row_id(tmp_path: Path) -> None:
    A.save(tmp_path / "a.json")
    text = (tmp_path / "a.json").read_text()
    assert "-0.02266372," in text and "0.022663719952106476" not in text
    document = json.loads(text)
    assert document["task_id"] == "task-a" and document["dimension"] == 2
    assert "task_id" not in document["segments"][0]
    assert document["segments"][1]["end_sec"] is None  # JSON has no NaN


def test_save_format_argument_and_errors(tmp_path: Path) -> None:
    assert A.save(tmp_path / "vectors.data", format="jsonl") == [tmp_path / "vectors.data"]
    with pytest.raises(ValueError, match=r"format: cannot tell the format from 'x\.txt'"):
        A.save(tmp_path / "x.txt")
    with pytest.raises(ValueError, match="format: must be one of json, jsonl, npy, parquet, got 'csv'"):
        A.save(tmp_path / "x.csv", format="csv")  # type: ignore[arg-type]
    assert not (tmp_path / "x.txt").exists() and not (tmp_path / "x.csv").exists()


def test_save_replaces_an_existing_file_atomically(tmp_path: Path) -> None:
    out = tmp_path / "a.parquet"
    out.write_bytes(b"old")
    assert A.to_parquet(out) == out
    assert pq.read_table(out).num_rows == 2


def test_to_arrow_and_to_pandas_columns() -> None:
    table = EmbeddingArrays.concat([A, B]).to_arrow()
    assert table.schema.field("embedding").type == pa.list_(pa.float32(), 2)
    assert table.column_names == ["task_id", "start_sec", "end_sec", "option", "scope", "embedding"]
    frame = EmbeddingArrays.concat([A, B]).to_pandas()
    assert isinstance(frame, pd.DataFrame)
    assert frame["task_id"].tolist() == ["task-a", "task-a", "task-bb"]
    assert frame["embedding"][2].dtype == np.float32 and frame["embedding"][2].tolist() == [3.0, 4.0]
    assert len(arrays("e", []).to_pandas()) == 0


def test_arrays_from_the_fake_round_trip_through_parquet(embed_client: EmbedClient, tmp_path: Path) -> None:
    """The library end to end: a v2 task on the fake, its arrays saved and read back equal, with its id."""
    task = embed_client.v2.tasks.create(url="https://example.com/talk.mp4", input_type="video")
    result = embed_client.v2.tasks.wait_arrays(task.id)
    assert result.task_id == task.id and len(result) > 0
    out = result.save(tmp_path / "talk.parquet")[0]
    back = _read(out, "parquet")
    assert np.array_equal(back.vectors, result.vectors) and back.task_ids.tolist() == [task.id] * len(result)
    assert EmbeddingArrays.concat([back]) == EmbeddingArrays.concat([result, result.select(option="none")])


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_json_chunks_are_the_bytes_save_writes(tmp_path: Path, fmt: Literal["json", "jsonl"]) -> None:
    joined = EmbeddingArrays.concat([A, B])
    joined.save(tmp_path / f"x.{fmt}")
    assert b"".join(joined.json_chunks(fmt)) == (tmp_path / f"x.{fmt}").read_bytes()
