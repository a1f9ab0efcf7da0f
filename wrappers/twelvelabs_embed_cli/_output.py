"""Embeddings written as JSON, JSON lines, .npy (+ a segment table) or Parquet, atomically.

Every file is written to a temporary file in its own folder, then moved into place with `os.replace`,
so a reader never sees half a file and a failure leaves nothing behind. `.npy` and its
`.segments.csv` are committed together: if the second move fails, the first is undone.

Float32 vectors are written by orjson's numpy support, which prints each float32 in its shortest
round-trip form (`-0.02266372`, not the float64 widening `-0.022663719952106476`), in C.
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
from typing import IO, Any

import numpy as np
import orjson

from twelvelabs_embed import EmbeddingArrays

from ._exits import UsageError
from ._parser import FORMATS, STDOUT

__all__ = ["FORMATS", "STDOUT", "choose_format", "json_document", "write_arrays"]
_TEXT_FORMATS = ("json", "jsonl")
_NUMPY = orjson.OPT_SERIALIZE_NUMPY


def choose_format(target: str, explicit: str | None) -> str:
    """The format to write `target` in: `--format`, else the file's extension (`-` means JSON on stdout)."""
    if target == STDOUT:
        if explicit is not None and explicit not in _TEXT_FORMATS:
            raise UsageError("--format", f"{explicit} cannot go to stdout (-o -); use json or jsonl, or a file")
        return explicit or "json"
    if explicit is not None:
        return explicit
    suffix = Path(target).suffix.lower().lstrip(".")
    if suffix in FORMATS:
        return suffix
    raise UsageError(
        "--format", f"cannot tell the format from {Path(target).name!r}; pass --format {'|'.join(FORMATS)}"
    )


def json_document(document: Any) -> bytes:
    """One JSON document (orjson: exact floats, no NaN)."""
    return orjson.dumps(document, option=_NUMPY)


# ----------------------------------------------------------------------------- rows
def _time(value: float) -> float | None:
    return None if math.isnan(value) else value  # JSON has no NaN: a segment without start/end gets null


def _rows(arrays: EmbeddingArrays, task_id: str | None) -> Iterator[bytes]:
    vectors = np.ascontiguousarray(arrays.vectors)
    start, end = arrays.start_sec.tolist(), arrays.end_sec.tolist()
    option, scope = arrays.option.tolist(), arrays.scope.tolist()
    for i in range(len(arrays)):
        row: dict[str, Any] = {} if task_id is None else {"task_id": task_id}
        row.update(
            start_sec=_time(start[i]), end_sec=_time(end[i]), option=option[i], scope=scope[i], embedding=vectors[i]
        )
        yield orjson.dumps(row, option=_NUMPY)


def _json_chunks(arrays: EmbeddingArrays, task_id: str) -> Iterator[bytes]:
    yield orjson.dumps({"task_id": task_id, "dimension": arrays.dimension})[:-1] + b',"segments":['
    for i, row in enumerate(_rows(arrays, None)):
        yield row if i == 0 else b"," + row
    yield b"]}\n"


def _jsonl_chunks(arrays: EmbeddingArrays, task_id: str) -> Iterator[bytes]:
    for row in _rows(arrays, task_id):
        yield row + b"\n"


def _chunks(arrays: EmbeddingArrays, fmt: str, task_id: str) -> Iterator[bytes]:
    return _json_chunks(arrays, task_id) if fmt == "json" else _jsonl_chunks(arrays, task_id)


# ----------------------------------------------------------------------------- formats
def _write_npy(arrays: EmbeddingArrays, handle: IO[bytes]) -> None:
    np.save(handle, arrays.vectors)  # to a handle: np.save(path) would append .npy to any other name


def _write_segments_csv(arrays: EmbeddingArrays, handle: IO[bytes]) -> None:
    text = io.TextIOWrapper(handle, encoding="utf-8", newline="")
    writer = csv.writer(text)
    writer.writerow(["index", "start_sec", "end_sec", "option", "scope"])
    for i, seg in enumerate(arrays.segments()):
        writer.writerow([i, seg["start_sec"], seg["end_sec"], seg["option"], seg["scope"]])
    text.flush()
    text.detach()


def _write_parquet(arrays: EmbeddingArrays, task_id: str, handle: IO[bytes]) -> None:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise UsageError("--format", "parquet needs pyarrow: pip install 'twelvelabs-embed[parquet]'") from None
    count, dim = len(arrays), arrays.dimension
    vectors = pa.FixedSizeListArray.from_arrays(pa.array(np.ascontiguousarray(arrays.vectors).reshape(-1)), dim)
    table = pa.table(
        {
            "task_id": pa.array([task_id] * count, type=pa.string()),
            "start_sec": arrays.start_sec,
            "end_sec": arrays.end_sec,
            "option": arrays.option.astype(object),
            "scope": arrays.scope.astype(object),
            "embedding": vectors,
        }
    )
    pq.write_table(table, handle)


# ----------------------------------------------------------------------------- atomic files
def _file_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def segments_path(path: Path) -> Path:
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


def write_arrays(
    arrays: EmbeddingArrays, target: str, fmt: str, task_id: str, stdout: Callable[[bytes], object] | None = None
) -> list[str]:
    """Write the vectors and their segment table to `target` (a path, or `-` with `stdout`); returns the files."""
    task_id = arrays.task_id or task_id
    if target == STDOUT:
        assert stdout is not None
        for chunk in _chunks(arrays, fmt, task_id):
            stdout(chunk)
        return [STDOUT]
    path = Path(target)
    path.parent.mkdir(parents=True, exist_ok=True)
    writers: list[tuple[Path, Callable[[IO[bytes]], None]]]
    if fmt == "npy":
        writers = [
            (path, lambda h: _write_npy(arrays, h)),
            (segments_path(path), lambda h: _write_segments_csv(arrays, h)),
        ]
    elif fmt == "parquet":
        writers = [(path, lambda h: _write_parquet(arrays, task_id, h))]
    else:
        writers = [(path, lambda h: h.writelines(_chunks(arrays, fmt, task_id)))]
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
    return [str(destination) for destination, _ in writers]
