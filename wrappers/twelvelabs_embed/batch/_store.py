"""The batch's vectors on disk: a Parquet dataset, one file per task, one row per segment.

    OUT/embeddings/<item key>.parquet

Columns: `key` (the item's key), `source` (path or URL), `task_id`, `api` (`v2` / `legacy`), `model`,
`start_sec`, `end_sec` (float64, null where the server gave none), `embedding_option`, `embedding_scope`
(string, null where the server gave none), `vector` (fixed-size list of float32).

Each file is written to a hidden temporary file in the same folder, flushed to disk and renamed, so a
crash never leaves half a file and a re-written result replaces the old one whole. Readers (pyarrow,
DuckDB, LanceDB) skip the hidden temporary files.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, overload

import numpy as np
import numpy.typing as npt

from .._arrays import EmbeddingArrays

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["EMBEDDINGS_DIR", "load", "table_of", "write_table"]

EMBEDDINGS_DIR = "embeddings"

COLUMNS = (
    "key",
    "source",
    "task_id",
    "api",
    "model",
    "start_sec",
    "end_sec",
    "embedding_option",
    "embedding_scope",
    "vector",
)


def _pyarrow() -> Any:
    try:
        import pyarrow as pa
    except ImportError as exc:  # pragma: no cover - the batch extra installs it
        raise ImportError("the batch stores Parquet with pyarrow: pip install 'twelvelabs-embed[batch]'") from exc
    return pa


def schema(dimension: int) -> pa.Schema:
    pa = _pyarrow()
    return pa.schema(
        [
            ("key", pa.string()),
            ("source", pa.string()),
            ("task_id", pa.string()),
            ("api", pa.string()),
            ("model", pa.string()),
            ("start_sec", pa.float64()),
            ("end_sec", pa.float64()),
            ("embedding_option", pa.string()),
            ("embedding_scope", pa.string()),
            ("vector", pa.list_(pa.float32(), dimension)),
        ]
    )


def table_of(arrays: EmbeddingArrays, *, key: str, source: str, task_id: str, api: str, model: str) -> pa.Table:
    """One task's vectors as a table of the batch's schema."""
    pa = _pyarrow()
    n = len(arrays)
    dimension = arrays.dimension
    vectors = np.ascontiguousarray(arrays.vectors, dtype=np.float32).reshape(-1)
    start = np.asarray(arrays.start_sec, dtype=np.float64)
    end = np.asarray(arrays.end_sec, dtype=np.float64)

    def labels(values: npt.NDArray[np.str_]) -> Any:
        return pa.array([str(v) if str(v) else None for v in values], type=pa.string())

    return pa.table(
        {
            "key": pa.array([key] * n, type=pa.string()),
            "source": pa.array([source] * n, type=pa.string()),
            "task_id": pa.array([task_id] * n, type=pa.string()),
            "api": pa.array([api] * n, type=pa.string()),
            "model": pa.array([model] * n, type=pa.string()),
            "start_sec": pa.array(start, type=pa.float64(), from_pandas=True),
            "end_sec": pa.array(end, type=pa.float64(), from_pandas=True),
            "embedding_option": labels(arrays.option),
            "embedding_scope": labels(arrays.scope),
            "vector": pa.FixedSizeListArray.from_arrays(pa.array(vectors, type=pa.float32()), dimension),
        },
        schema=schema(dimension),
    )


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_table(table: pa.Table, path: Path) -> None:
    """Write `table` to `path` atomically: a hidden temporary file, fsync, rename, fsync of the folder."""
    import pyarrow.parquet as pq

    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.parent / f".{path.name}.{os.getpid()}.tmp"
    try:
        with open(temporary, "wb") as handle:
            pq.write_table(table, handle, compression="zstd")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
    _fsync_dir(path.parent)


def remove_stale_temporaries(folder: Path) -> int:
    """Delete temporary files a crash left behind; returns how many."""
    count = 0
    directory = folder / EMBEDDINGS_DIR
    if directory.is_dir():
        for stale in directory.glob(".*.tmp"):
            with contextlib.suppress(FileNotFoundError):
                stale.unlink()
                count += 1
    return count


def _files(folder: Path) -> list[Path]:
    directory = folder / EMBEDDINGS_DIR
    if not directory.is_dir():
        directory = folder
    return sorted(p for p in directory.glob("*.parquet") if not p.name.startswith((".", "_")))


@overload
def load(folder: str | os.PathLike[str], *, numpy: Literal[False] = ..., dimension: int | None = ...) -> pa.Table: ...


@overload
def load(
    folder: str | os.PathLike[str], *, numpy: Literal[True], dimension: int | None = ...
) -> tuple[npt.NDArray[np.float32], pa.Table]: ...


def load(
    folder: str | os.PathLike[str], *, numpy: bool = False, dimension: int | None = None
) -> pa.Table | tuple[npt.NDArray[np.float32], pa.Table]:
    """Every vector a batch stored in `folder`, as one pyarrow table (the columns of the module doc).

    With `numpy=True`: `(matrix, segments)`, the vectors as one `(n, dim)` float32 matrix and the other
    columns as a table whose row `i` describes `matrix[i]`. A folder whose tasks have different vector
    dimensions (marengo3.5's `embedding_dimension`) loads one dimension at a time: pass `dimension`.
    """
    pa = _pyarrow()
    import pyarrow.parquet as pq

    root = Path(folder)
    if not root.is_dir():
        raise FileNotFoundError(f"no such folder: {root}")
    tables = [pq.read_table(path) for path in _files(root)]
    sizes = sorted({t.schema.field("vector").type.list_size for t in tables})
    if dimension is not None:
        tables = [t for t in tables if t.schema.field("vector").type.list_size == dimension]
    elif len(sizes) > 1:
        raise ValueError(f"{root} holds vectors of dimensions {sizes}; pass dimension= to load one of them")
    table = pa.concat_tables(tables) if tables else schema(dimension or 0).empty_table()
    if not numpy:
        return table
    size = table.schema.field("vector").type.list_size
    column = table.column("vector").combine_chunks()
    flat = column.flatten().to_numpy(zero_copy_only=False) if len(column) else np.empty(0, dtype=np.float32)
    matrix = np.asarray(flat, dtype=np.float32).reshape(len(table), size)
    return matrix, table.drop_columns(["vector"])
