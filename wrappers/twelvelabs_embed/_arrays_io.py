"""`EmbeddingArrays` written as JSON, JSON lines, .npy (+ a segment table) or Parquet, atomically.

Every file is written to a temporary file in its own folder, then moved into place with `os.replace`,
so a reader never sees half a file and a failure leaves nothing behind. `.npy` and its
`.segments.csv` are committed together: if the second move fails, the first is undone.

Float32 vectors are written by orjson's numpy support, which prints each float32 in its shortest
round-trip form (`-0.02266372`, not the float64 widening `-0.022663719952106476`), in C.

Each row carries its task id (`task_id` column / key), so rows of several tasks concatenated with
`EmbeddingArrays.concat` keep their origin.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import io
import math
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Final, Literal

import numpy as np
import orjson

if TYPE_CHECKING:
    from ._arrays import EmbeddingArrays

__all__ = ["FORMATS", "ArrayFormat", "format_of", "json_chunks", "segments_path", "table", "write_file"]

ArrayFormat = Literal["json", "jsonl", "npy", "parquet"]
#: The formats `EmbeddingArrays.save` writes, chosen from the file's extension unless given.
FORMATS: Final[tuple[ArrayFormat, ...]] = ("json", "jsonl", "npy", "parquet")
_NUMPY: Final = orjson.OPT_SERIALIZE_NUMPY
PARQUET_HINT: Final = "Parquet needs pyarrow: pip install 'twelvelabs-embed[parquet]'"


def format_of(path: str | os.PathLike[str], explicit: str | None = None) -> ArrayFormat:
    """The format to write `path` in: `explicit` when given, else the file's extension."""
    name = explicit if explicit is not None else Path(path).suffix.lower().lstrip(".")
    for known in FORMATS:
        if name == known:
            return known
    if explicit is not None:
        raise ValueError(f"format: must be one of {', '.join(FORMATS)}, got {explicit!r}")
    raise ValueError(
        f"format: cannot tell the format from {Path(path).name!r}; "
        f"use an extension (.{', .'.join(FORMATS)}) or pass format="
    )


# ----------------------------------------------------------------------------- rows
def _time(value: float) -> float | None:
    return None if math.isnan(value) else value  # JSON has no NaN: a segment without start/end gets null


def _rows(arrays: EmbeddingArrays, *, with_task: bool) -> Iterator[bytes]:
    vectors = np.ascontiguousarray(arrays.vectors)
    start, end = arrays.start_sec.tolist(), arrays.end_sec.tolist()
    option, scope = arrays.option.tolist(), arrays.scope.tolist()
    tasks = arrays.task_ids.tolist()
    for i in range(len(arrays)):
        row: dict[str, Any] = {"task_id": tasks[i] or None} if with_task else {}
        row.update(
            start_sec=_time(start[i]), end_sec=_time(end[i]), option=option[i], scope=scope[i], embedding=vectors[i]
        )
        yield orjson.dumps(row, option=_NUMPY)


def json_chunks(arrays: EmbeddingArrays, fmt: Literal["json", "jsonl"]) -> Iterator[bytes]:
    """The bytes of the JSON document (`json`) or the JSON lines (`jsonl`), in pieces."""
    if fmt == "jsonl":
        for row in _rows(arrays, with_task=True):
            yield row + b"\n"
        return
    one_task = arrays.row_task_ids is None
    head = {"task_id": arrays.task_id, "dimension": arrays.dimension}
    yield orjson.dumps(head)[:-1] + b',"segments":['
    for i, row in enumerate(_rows(arrays, with_task=not one_task)):
        yield row if i == 0 else b"," + row
    yield b"]}\n"


# ----------------------------------------------------------------------------- formats
def _write_npy(arrays: EmbeddingArrays, handle: IO[bytes]) -> None:
    np.save(handle, arrays.vectors)  # to a handle: np.save(path) would append .npy to any other name


def _write_segments_csv(arrays: EmbeddingArrays, handle: IO[bytes]) -> None:
    text = io.TextIOWrapper(handle, encoding="utf-8", newline="")
    writer = csv.writer(text)
    writer.writerow(["index", "task_id", "start_sec", "end_sec", "option", "scope"])
    tasks = arrays.task_ids.tolist()
    for i, seg in enumerate(arrays.segments()):
        writer.writerow([i, tasks[i], seg["start_sec"], seg["end_sec"], seg["option"], seg["scope"]])
    text.flush()
    text.detach()


def table(arrays: EmbeddingArrays) -> Any:
    """A `pyarrow.Table`: task_id, start_sec, end_sec, option, scope, embedding (fixed-size list of float32)."""
    try:
        import pyarrow as pa
    except ImportError:
        raise ImportError(PARQUET_HINT) from None
    dim = arrays.dimension
    flat = pa.array(np.ascontiguousarray(arrays.vectors).reshape(-1), type=pa.float32())
    return pa.table(
        {
            "task_id": pa.array(arrays.task_ids.astype(object), type=pa.string()),
            "start_sec": pa.array(arrays.start_sec, type=pa.float64()),
            "end_sec": pa.array(arrays.end_sec, type=pa.float64()),
            "option": pa.array(arrays.option.astype(object), type=pa.string()),
            "scope": pa.array(arrays.scope.astype(object), type=pa.string()),
            "embedding": pa.FixedSizeListArray.from_arrays(flat, dim),
        }
    )


def _write_parquet(arrays: EmbeddingArrays, handle: IO[bytes]) -> None:
    data = table(arrays)
    import pyarrow.parquet as pq

    pq.write_table(data, handle)


# ----------------------------------------------------------------------------- atomic files
def _file_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def segments_path(path: Path) -> Path:
    """Where the segment table of an `.npy` file goes: `x.npy` -> `x.segments.csv`."""
    return path.with_name(path.stem + ".segments.csv")


def _commit(moves: list[tuple[Path, Path]]) -> None:
    """Move each temporary file onto its destination; on a failure, undo the moves already made."""
    done: list[Callable[[], object]] = []
    backups: list[Path] = []
    try:
        for temporary, destination in moves:
            restore: Callable[[], object]
            if destination.is_file():
                backup = temporary.with_name(temporary.name + ".old")
                try:
                    os.link(destination, backup)  # keeps the old file until the whole group is in place
                except OSError:
                    shutil.copy2(destination, backup)
                backups.append(backup)
                restore = functools.partial(os.replace, backup, destination)
            else:
                restore = functools.partial(destination.unlink, missing_ok=True)
            os.replace(temporary, destination)
            done.append(restore)
    except BaseException:
        for restore in reversed(done):
            with contextlib.suppress(OSError):
                restore()
        raise
    finally:
        for backup in backups:
            with contextlib.suppress(OSError):
                backup.unlink(missing_ok=True)


def write_file(arrays: EmbeddingArrays, path: str | os.PathLike[str], fmt: ArrayFormat) -> list[Path]:
    """Write `arrays` to `path` in `fmt`, atomically; returns the files written (`.npy` adds its table)."""
    target = Path(path)
    if fmt == "parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise ImportError(PARQUET_HINT) from None
    target.parent.mkdir(parents=True, exist_ok=True)
    writers: list[tuple[Path, Callable[[IO[bytes]], None]]]
    if fmt == "npy":
        writers = [
            (target, lambda h: _write_npy(arrays, h)),
            (segments_path(target), lambda h: _write_segments_csv(arrays, h)),
        ]
    elif fmt == "parquet":
        writers = [(target, lambda h: _write_parquet(arrays, h))]
    else:
        writers = [(target, lambda h: h.writelines(json_chunks(arrays, fmt)))]
    temporaries: list[Path] = []
    mode = _file_mode()
    try:
        for destination, write in writers:
            fd, name = tempfile.mkstemp(dir=destination.parent, prefix=f".{destination.name}.", suffix=".tmp")
            temporaries.append(Path(name))
            with os.fdopen(fd, "wb") as handle:
                write(handle)
            os.chmod(name, mode)
        _commit([(t, d) for t, (d, _) in zip(temporaries, writers, strict=True)])
    finally:
        for temporary in temporaries:
            with contextlib.suppress(OSError):
                temporary.unlink(missing_ok=True)
    return [destination for destination, _ in writers]
