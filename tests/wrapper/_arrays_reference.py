"""The reference `retrieve_arrays` result, written as plainly as possible, and an exact comparison.

`reference(body, kind)`: `orjson.loads` the whole body, walk the structure the spec describes
(`data[]` for v2, `video_embedding.segments[]` for legacy), read every number as a Python float (the
nearest double) and round it to float32 one at a time. Any departure from the documented shape gives
`REFUSED`. `same(result, expected)` compares bit for bit (float32 vectors, float64 times with NaN, labels).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import orjson

from twelvelabs_embed._arrays import EmbeddingArrays


@dataclass(frozen=True)
class Layout:
    outer: str | None
    items: str
    vector: str
    start: str
    end: str


LAYOUTS = {
    "v2": Layout(None, "data", "embedding", "start_sec", "end_sec"),
    "legacy": Layout("video_embedding", "segments", "float", "start_offset_sec", "end_offset_sec"),
}


@dataclass(frozen=True)
class Expected:
    task_id: str | None
    rows: list[list[np.float32]]
    width: int
    start: list[float]
    end: list[float]
    option: list[str]
    scope: list[str]


REFUSED = "refused"


class _Refused(Exception):
    pass


def _number(value: Any) -> float:
    if value is None:
        return math.nan
    if type(value) not in (int, float):
        raise _Refused
    return float(value)


def _label(value: Any) -> str:
    if value is None:
        return ""
    if type(value) is not str or value.endswith("\x00"):  # numpy strings cannot end in NUL: documented refusal
        raise _Refused
    return str(value)


def _float32(value: Any) -> np.float32:
    if type(value) not in (int, float):
        raise _Refused
    with np.errstate(over="ignore"):
        rounded = np.float32(float(value))
    if math.isinf(rounded):
        raise _Refused
    return rounded


def _expected(body: bytes, layout: Layout) -> Expected:
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise _Refused from None
    if type(document) is not dict:
        raise _Refused
    task_id = document.get("_id")
    if task_id is not None and type(task_id) is not str:
        raise _Refused
    empty = Expected(task_id, [], 0, [], [], [], [])
    holder = document
    if layout.outer is not None:
        holder = document.get(layout.outer)
        if holder is None:
            return empty
        if type(holder) is not dict:
            raise _Refused
    items = holder.get(layout.items)
    if items is None:
        return empty
    if type(items) is not list:
        raise _Refused
    result = Expected(task_id, [], 0, [], [], [], [])
    for item in items:
        if type(item) is not dict:
            raise _Refused
        vector = item.get(layout.vector)
        if type(vector) is not list:
            raise _Refused
        result.rows.append([_float32(value) for value in vector])
        result.start.append(_number(item.get(layout.start)))
        result.end.append(_number(item.get(layout.end)))
        result.option.append(_label(item.get("embedding_option")))
        result.scope.append(_label(item.get("embedding_scope")))
    widths = {len(row) for row in result.rows}
    if len(widths) > 1:
        raise _Refused
    width = widths.pop() if widths else 0
    return Expected(task_id, result.rows, width, result.start, result.end, result.option, result.scope)


def reference(body: bytes, kind: str) -> Expected | str:
    """What a full parse of `body` gives, or `REFUSED`."""
    try:
        return _expected(body, LAYOUTS[kind])
    except _Refused:
        return REFUSED


def _bits64(values: Any) -> list[int]:
    return np.asarray(values, dtype=np.float64).view(np.uint64).tolist()  # type: ignore[no-any-return]


def differences(result: EmbeddingArrays, expected: Expected) -> list[str]:
    """How `result` differs from `expected`, bit for bit (empty when they are the same)."""
    problems: list[str] = []
    rows = len(expected.rows)
    shape = (rows, expected.width) if rows else (0, 0)
    if result.task_id != expected.task_id:
        problems.append(f"task_id {result.task_id!r} != {expected.task_id!r}")
    if result.vectors.dtype != np.float32 or result.vectors.shape != shape:
        problems.append(f"vectors {result.vectors.dtype} {result.vectors.shape} != float32 {shape}")
    elif rows:
        matrix = np.array(expected.rows, dtype=np.float32).reshape(shape)
        if not np.array_equal(result.vectors.view(np.uint32), matrix.view(np.uint32)):
            problems.append(f"vectors differ: {result.vectors.tolist()} != {matrix.tolist()}")
    for name, got, want in (("start_sec", result.start_sec, expected.start), ("end_sec", result.end_sec, expected.end)):
        if got.dtype != np.float64 or got.shape != (rows,) or _bits64(got) != _bits64(want):
            problems.append(f"{name} {got.tolist()} != {want}")
    for name, got_labels, want_labels in (
        ("option", result.option, expected.option),
        ("scope", result.scope, expected.scope),
    ):
        if got_labels.dtype.kind != "U" or got_labels.shape != (rows,) or got_labels.tolist() != want_labels:
            problems.append(f"{name} {got_labels.tolist()} != {want_labels}")
    if len(result) != rows or result.dimension != shape[1]:
        problems.append(f"len/dimension {len(result)}/{result.dimension} != {rows}/{shape[1]}")
    return problems
