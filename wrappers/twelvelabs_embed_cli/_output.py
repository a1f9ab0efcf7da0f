"""The CLI's outputs: the format from `--format` or the extension, and the files written by the library.

The writing itself is `EmbeddingArrays.save` (twelvelabs_embed/_arrays_io.py): atomic files, float32 in
its shortest round-trip form, a task id on every row. This module adds `-` (stdout) and the CLI's words.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

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


def write_arrays(
    arrays: EmbeddingArrays, target: str, fmt: str, task_id: str, stdout: Callable[[bytes], object] | None = None
) -> list[str]:
    """Write the vectors and their segment table to `target` (a path, or `-` with `stdout`); returns the files."""
    if arrays.task_id is None and arrays.row_task_ids is None:
        arrays = dataclasses.replace(arrays, task_id=task_id)
    if target == STDOUT:
        assert stdout is not None
        for chunk in arrays.json_chunks("jsonl" if fmt == "jsonl" else "json"):
            stdout(chunk)
        return [STDOUT]
    try:
        written = arrays.save(target, format=cast(Any, fmt))  # one of FORMATS: choose_format checked it
    except ImportError as exc:
        raise UsageError("--format", str(exc)) from None
    return [str(path) for path in written]
