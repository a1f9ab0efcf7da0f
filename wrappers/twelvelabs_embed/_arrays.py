"""Large results as one numpy `float32` matrix plus a segment table, exact, fast and with bounded memory.

A 4-hour video at 6 s clips with three options is 7,200 vectors of 512 floats, about 46 MB of JSON.
Parsing that into models builds millions of Python floats at once. Here the result is defined by a
full parse, and computed without one.

**The reference.** `orjson.loads(body)`, then the structure the spec describes: legacy tasks carry
their vectors in `video_embedding.segments[].float`, v2 tasks and sync v2 answers in
`data[].embedding` (duplicate keys: the last one wins, as in orjson). Row `i` of the result is item `i`
of that list, so rows always line up with the body:

- `video_embedding`, `segments` or `data` missing or `null` gives an empty result: `vectors` has shape
  `(0, 0)`, every table column shape `(0,)`;
- an item whose vector is missing or `null` (a v2 task never has one; a legacy segment without `float`
  has nothing to put in its row) is an error, not a dropped row;
- vectors are arrays of JSON numbers (`true`, `"0.5"`, `null` or a nested array inside one is an
  error), all of one width; each number is read as the nearest double, then rounded to float32, and a
  number beyond the float32 range (about 3.4e38) is an error;
- `start_sec`/`end_sec` (legacy: `start_offset_sec`/`end_offset_sec`) are numbers or `null`/missing
  (NaN); `embedding_option`/`embedding_scope` are strings or `null`/missing (""); `_id` is a string or
  `null`/missing (None); any other type is an error, and so is a label ending in U+0000 (numpy's
  fixed-width strings would drop it).

Every error is an `ArrayParseError`; nothing else escapes, and the matrix is only allocated once its
size is known to fit the body (each number takes at least two bytes with its separator).

**The fast path** (pysimdjson) builds no Python float for a vector and holds parser state for about
128 KiB of vector text at a time:

1. It finds each `"<key>"`, colon, `[` in the raw body (`embedding` for v2, `float` for legacy) and the
   first `]` after it, and copies the body with each such span replaced by `[<mark><j>]`, `j` its
   number. The mark's 11 digits must occur nowhere else in the copy (counted), so an integer equal to a
   placeholder is one (orjson reads an integer only from plain digits).
2. orjson parses that small remainder and the reference's walk runs on it, so keys written with
   escapes, duplicate keys, keys inside strings and vectors in other places resolve exactly as in the
   full parse. An item's vector is a placeholder (a span) or, where an escaped key kept the span from
   being cut, the array itself.
3. simdjson parses every span, joined into one JSON array per group; `as_buffer(of_type="d")` gives its
   numbers as doubles and refuses anything else (string, literal, object). A joined array with no
   string and balanced brackets, made of spans that each open with `[` and hold one `]` (their last
   byte), is one flat array of numbers per span. Each placeholder then stands where such an array
   stood, at the same depth, so the remainder parses as the body does, those arrays aside.

When a step fails (a span that is not a flat array of numbers, the mark found in the body, a number
simdjson refuses such as an integer beyond 64 bits, widths that differ, any error) the full parse
decides: it returns the result or raises the typed error. Without pysimdjson only the full parse runs.
"""

from __future__ import annotations

import dataclasses
import math
import operator
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

import numpy as np
import numpy.typing as npt
import orjson

if TYPE_CHECKING:
    from ._arrays_io import ArrayFormat

try:
    import simdjson as _simdjson
except ImportError:  # pragma: no cover - exercised by forcing the fallback in the tests
    _simdjson = None  # type: ignore[assignment]

__all__ = ["ArrayParseError", "EmbeddingArrays", "parse_legacy_arrays", "parse_v2_arrays"]


class ArrayParseError(ValueError):
    """The body is not JSON, or does not have the shape of an embedding result."""


@dataclass(frozen=True, eq=False, repr=False)
class EmbeddingArrays:
    """Vectors as an `(n, dim)` float32 matrix and one table row per vector.

    `start_sec`/`end_sec` are float64 (NaN where the server gave none); `option` and `scope` are
    arrays of str (empty string where the server gave none). Row `i` of every array describes
    `vectors[i]`, which is item `i` of the body's `data` (v2) or `segments` (legacy) list. An empty
    result has `vectors.shape == (0, 0)`.

    `task_id` is the task the rows came from. Rows of several tasks joined with `concat` keep theirs
    in `row_task_ids` (then `task_id` is None); `task_ids` gives one id per row either way.
    Two instances are `==` when every array and id is equal (NaN times compare equal).
    """

    task_id: str | None
    vectors: npt.NDArray[np.float32]
    start_sec: npt.NDArray[np.float64]
    end_sec: npt.NDArray[np.float64]
    option: npt.NDArray[np.str_]
    scope: npt.NDArray[np.str_]
    row_task_ids: npt.NDArray[np.str_] | None = None

    __hash__ = None  # type: ignore[assignment]  # holds mutable arrays

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, EmbeddingArrays):
            return NotImplemented
        return (
            self.task_id == other.task_id
            and self.vectors.shape == other.vectors.shape
            and bool(np.array_equal(self.vectors, other.vectors))
            and bool(np.array_equal(self.start_sec, other.start_sec, equal_nan=True))
            and bool(np.array_equal(self.end_sec, other.end_sec, equal_nan=True))
            and bool(np.array_equal(self.option, other.option))
            and bool(np.array_equal(self.scope, other.scope))
            and bool(np.array_equal(self.task_ids, other.task_ids))
        )

    def __repr__(self) -> str:
        options = sorted(set(self.option.tolist()))
        scopes = sorted(set(self.scope.tolist()))
        origin = (
            f"task_id={self.task_id!r}" if self.row_task_ids is None else f"tasks={len(set(self.task_ids.tolist()))}"
        )
        return (
            f"EmbeddingArrays({origin}, rows={len(self)}, dimension={self.dimension}, "
            f"options={options}, scopes={scopes})"
        )

    @property
    def task_ids(self) -> npt.NDArray[np.str_]:
        """The task id of each row (empty string where unknown)."""
        if self.row_task_ids is not None:
            return self.row_task_ids
        task_id = self.task_id or ""
        return np.full(len(self), task_id, dtype=f"<U{max(1, len(task_id))}")  # np.str_ alone would mean <U1

    @classmethod
    def concat(cls, parts: Iterable[EmbeddingArrays]) -> EmbeddingArrays:
        """The rows of every part, in order, each keeping its task id; all non-empty parts share one dimension.

        When every row comes from one task the result is a plain single-task value (`task_id` set, `==` to
        the same rows read in one call). Raises `ValueError` when two non-empty parts have different dimensions.
        """
        items = list(parts)
        full = [p for p in items if len(p)]
        dims = sorted({p.dimension for p in full})
        if len(dims) > 1:
            raise ValueError(f"concat: parts have different dimensions {dims}; select one model/option first")
        rows = [task for p in full for task in p.task_ids.tolist()]
        # one id for every row (and every empty part agreeing): a plain single-task result
        ids = set(rows) | {p.task_id or "" for p in items if not len(p) and p.row_task_ids is None}
        single = len(ids) == 1
        task_id = (next(iter(ids)) or None) if single else None
        if not full:
            empty = _empty(task_id)
            return empty if single or not items else dataclasses.replace(empty, row_task_ids=_strs([]))
        return cls(
            task_id,
            np.concatenate([p.vectors for p in full]),
            np.concatenate([p.start_sec for p in full]),
            np.concatenate([p.end_sec for p in full]),
            _strs([s for p in full for s in p.option.tolist()]),
            _strs([s for p in full for s in p.scope.tolist()]),
            None if single else _strs(rows),
        )

    def __len__(self) -> int:
        return int(self.vectors.shape[0])

    @property
    def dimension(self) -> int:
        return int(self.vectors.shape[1]) if self.vectors.ndim == 2 else 0

    def segments(self) -> Iterator[dict[str, Any]]:
        """The segment table as dicts (start_sec, end_sec, option, scope), one per vector."""
        for i in range(len(self)):
            yield {
                "start_sec": float(self.start_sec[i]),
                "end_sec": float(self.end_sec[i]),
                "option": str(self.option[i]),
                "scope": str(self.scope[i]),
            }

    def select(self, *, option: str | None = None, scope: str | None = None) -> EmbeddingArrays:
        """The rows with this option and/or scope."""
        mask = np.ones(len(self), dtype=bool)
        if option is not None:
            mask &= self.option == option
        if scope is not None:
            mask &= self.scope == scope
        return EmbeddingArrays(
            self.task_id,
            self.vectors[mask],
            self.start_sec[mask],
            self.end_sec[mask],
            self.option[mask],
            self.scope[mask],
            None if self.row_task_ids is None else self.row_task_ids[mask],
        )

    def save(self, path: str | os.PathLike[str], *, format: ArrayFormat | None = None) -> list[Path]:
        """Write the rows to `path` atomically and return the files written.

        `format` is `json`, `jsonl`, `npy` or `parquet`; by default the file's extension. `npy` writes
        the matrix and, beside it, `<stem>.segments.csv` (index, task_id, start_sec, end_sec, option,
        scope), committed together. JSON keeps each float32 in its shortest round-trip form. Parquet
        needs the `parquet` extra (pyarrow). Raises `ValueError` for an unknown format.
        """
        from . import _arrays_io

        return _arrays_io.write_file(self, path, _arrays_io.format_of(path, format))

    def json_chunks(self, format: Literal["json", "jsonl"] = "json") -> Iterator[bytes]:
        """The bytes `save` writes for `json` (one document) or `jsonl` (a line per row), in pieces to stream."""
        from . import _arrays_io

        return _arrays_io.json_chunks(self, format)

    def to_parquet(self, path: str | os.PathLike[str]) -> Path:
        """Write the rows as one Parquet file (see `to_arrow` for the columns); returns its path."""
        return self.save(path, format="parquet")[0]

    def to_arrow(self) -> Any:
        """A `pyarrow.Table`: task_id, start_sec, end_sec, option, scope, embedding (fixed-size list of float32)."""
        from . import _arrays_io

        return _arrays_io.table(self)

    def to_pandas(self) -> Any:
        """A `pandas.DataFrame`, one row per vector: the `to_arrow` columns, `embedding` as float32 arrays."""
        try:
            import pandas as pd
        except ImportError:
            raise ImportError("to_pandas needs pandas: pip install pandas") from None
        return pd.DataFrame(
            {
                "task_id": self.task_ids.astype(object),
                "start_sec": self.start_sec,
                "end_sec": self.end_sec,
                "option": self.option.astype(object),
                "scope": self.scope.astype(object),
                "embedding": list(self.vectors) if len(self) else [],
            }
        )


@dataclass(frozen=True)
class _Kind:
    """Where one kind of body keeps its items, their vectors and their table fields."""

    outer: str | None  # legacy: "video_embedding"; v2: None (the list is at the top)
    items: str  # "segments" / "data"
    vector: str  # "float" / "embedding"
    start: str
    end: str

    @property
    def where(self) -> str:
        return f"{self.outer}.{self.items}" if self.outer else self.items


_LEGACY: Final = _Kind("video_embedding", "segments", "float", "start_offset_sec", "end_offset_sec")
_V2: Final = _Kind(None, "data", "embedding", "start_sec", "end_sec")

_NUMBER_TYPES: Final = frozenset({int, float})
_first: Final = operator.itemgetter(0)


# ----------------------------------------------------------------------------- the reference structure
def _items(document: Any, kind: _Kind) -> tuple[str | None, list[dict[str, Any]]]:
    """The task id and the list of items carrying the vectors (empty when there is none yet)."""
    if not isinstance(document, dict):
        raise ArrayParseError("body is not a JSON object")
    task_id = document.get("_id")
    if task_id is not None and not isinstance(task_id, str):
        raise ArrayParseError(f"_id is {_type_name(task_id)}, not a string")
    holder: Any = document
    if kind.outer is not None:
        holder = document.get(kind.outer)
        if holder is None:
            return task_id, []
        if not isinstance(holder, dict):
            raise ArrayParseError(f"{kind.outer} is {_type_name(holder)}, not an object")
    items = holder.get(kind.items)
    if items is None:
        return task_id, []
    if not isinstance(items, list):
        raise ArrayParseError(f"{kind.where} is {_type_name(items)}, not an array")
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise ArrayParseError(f"{kind.where}[{index}] is {_type_name(item)}, not an object")
    return task_id, items


def _numbers(items: list[dict[str, Any]], key: str, kind: _Kind) -> npt.NDArray[np.float64]:
    values = [item.get(key) for item in items]
    types = set(map(type, values))
    if not types <= {int, float, type(None)}:
        index = next(i for i, v in enumerate(values) if type(v) not in (int, float, type(None)))
        raise ArrayParseError(f"{kind.where}[{index}].{key} is {_type_name(values[index])}, not a number")
    if type(None) in types:
        values = [math.nan if v is None else v for v in values]
    return np.array(values, dtype=np.float64).reshape(len(values))


def _labels(items: list[dict[str, Any]], key: str, kind: _Kind) -> npt.NDArray[np.str_]:
    values: list[Any] = [item.get(key) for item in items]
    types = set(map(type, values))
    if not types <= {str, type(None)}:
        index = next(i for i, v in enumerate(values) if type(v) not in (str, type(None)))
        raise ArrayParseError(f"{kind.where}[{index}].{key} is {_type_name(values[index])}, not a string")
    if type(None) in types:
        values = ["" if v is None else v for v in values]
    if "\x00" in "".join(values):  # numpy's fixed-width strings would silently drop a trailing NUL
        ending = [i for i, v in enumerate(values) if v.endswith("\x00")]
        if ending:
            raise ArrayParseError(f"{kind.where}[{ending[0]}].{key} ends with U+0000, which a numpy string cannot hold")
    return np.array(values, dtype=np.str_).reshape(len(values))


def _table(
    items: list[dict[str, Any]], kind: _Kind
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.str_], npt.NDArray[np.str_]]:
    return (
        _numbers(items, kind.start, kind),
        _numbers(items, kind.end, kind),
        _labels(items, "embedding_option", kind),
        _labels(items, "embedding_scope", kind),
    )


def _strs(values: list[str]) -> npt.NDArray[np.str_]:
    return np.array(values, dtype=np.str_).reshape(len(values))


def _type_name(value: Any) -> str:
    return {
        type(None): "null",
        bool: "a boolean",
        int: "a number",
        float: "a number",
        str: "a string",
        list: "an array",
        dict: "an object",
    }.get(type(value), type(value).__name__)


def _missing_vector(kind: _Kind, index: int, value: Any) -> ArrayParseError:
    what = "has no vector" if value is None else f"has {_type_name(value)} where the vector belongs"
    return ArrayParseError(f"{kind.where}[{index}].{kind.vector} {what}")


def _check_numbers(vector: list[Any], kind: _Kind, index: int) -> None:
    if not set(map(type, vector)) <= _NUMBER_TYPES:
        bad = next(v for v in vector if type(v) not in _NUMBER_TYPES)
        raise ArrayParseError(f"{kind.where}[{index}].{kind.vector} holds {_type_name(bad)}, not only numbers")


def _overflow(kind: _Kind) -> ArrayParseError:
    return ArrayParseError(
        f"a {kind.where}[].{kind.vector} vector holds a number beyond the float32 range (about 3.4e38)"
    )


def _empty(task_id: str | None) -> EmbeddingArrays:
    return EmbeddingArrays(
        task_id,
        np.empty((0, 0), dtype=np.float32),
        np.empty(0, dtype=np.float64),
        np.empty(0, dtype=np.float64),
        np.empty(0, dtype=np.str_),
        np.empty(0, dtype=np.str_),
    )


# ----------------------------------------------------------------------------- the pure path
def _parse_full(body: bytes, kind: _Kind) -> EmbeddingArrays:
    """The reference itself: orjson parses the whole body, numpy rounds each vector to float32."""
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise ArrayParseError(f"body is not valid JSON: {exc}") from exc
    task_id, items = _items(document, kind)
    if not items:
        return _empty(task_id)
    table = _table(items, kind)
    vectors: list[list[Any]] = []
    for index, item in enumerate(items):
        vector = item.get(kind.vector)
        if not isinstance(vector, list):
            raise _missing_vector(kind, index, vector)
        vectors.append(vector)
    width = len(vectors[0])
    for index, vector in enumerate(vectors):
        if len(vector) != width:
            raise ArrayParseError(
                f"{kind.where}[{index}].{kind.vector} has {len(vector)} values, {kind.where}[0] has {width}"
            )
        _check_numbers(vector, kind, index)
    # Bounded by the body: these n * width numbers were all parsed from it already.
    matrix = np.empty((len(vectors), width), dtype=np.float32)
    try:
        with np.errstate(over="raise"):  # float64 -> float32 overflow raises instead of giving inf
            for index, vector in enumerate(vectors):
                # float64 first: each number is the nearest double (ints beyond 2**53 included), then float32.
                matrix[index] = np.array(vector, dtype=np.float64).reshape(width)
    except FloatingPointError:
        raise _overflow(kind) from None
    return EmbeddingArrays(task_id, matrix, *table)


# ----------------------------------------------------------------------------- the fast path
class _Unproven(Exception):
    """The fast path cannot show its result equals the reference: parse the body in full instead."""


_WHITESPACE_COLON_BRACKET: Final = re.compile(rb"[ \t\n\r]*:[ \t\n\r]*\[")
# Placeholder numbers: these 11 digits, then the span's index in 7 digits. The first digit (9) occurs
# nowhere else in them, so occurrences of the prefix never overlap and each placeholder holds one.
_MARK: Final = b"98765432108"
_MARK_INDEX_DIGITS: Final = 7
_MARK_BASE: Final = int(_MARK) * 10**_MARK_INDEX_DIGITS
_MAX_SPANS: Final = 10**_MARK_INDEX_DIGITS
_NEAR: Final = 4096
_GROUP_BYTES: Final = 128 * 1024  # span bytes parsed by simdjson at a time (its state is a few times this)


def _scan(body: bytes, key: bytes) -> tuple[list[int], list[int], bytearray]:
    """Each `[...]` following `"<key>"` and a colon, up to the first `]` (starts, exclusive ends), and the
    body with span `j` replaced by the placeholder `[<mark><j>]`."""
    starts: list[int] = []
    ends: list[int] = []
    rest = bytearray()
    view = memoryview(body)
    find = body.find
    starts_with = body.startswith
    tail = _WHITESPACE_COLON_BRACKET.match
    skip = len(key)
    position = copied = 0
    while True:
        # The next key is usually a few dozen bytes on: a search bounded to a few KiB first, as one over
        # the whole rest of the body sets up a two-way search (its cost, times every vector, shows).
        found = find(key, position, position + _NEAR)
        if found < 0:
            found = find(key, position)
            if found < 0:
                break
        start = found + skip
        if starts_with(b":[", start):
            start += 1
        else:
            match = tail(body, start)
            if match is None:
                position = found + 1
                continue
            start = match.end() - 1
        end = find(b"]", start) + 1
        if end == 0:
            raise _Unproven("unterminated array")
        rest += view[copied:start]
        rest += b"[%s%07d]" % (_MARK, len(starts))
        starts.append(start)
        ends.append(end)
        position = copied = end  # a span holding another key is refused later, so nothing inside is missed
    rest += view[copied:]
    return starts, ends, rest


def _parse_fast(body: bytes, kind: _Kind, group_bytes: int = _GROUP_BYTES) -> EmbeddingArrays:
    """The result, or `_Unproven`/`ArrayParseError` when the reference must decide."""
    starts, ends, rest = _scan(body, b'"%s"' % kind.vector.encode())
    count = len(starts)
    if count >= _MAX_SPANS:
        raise _Unproven("too many spans to number")
    if rest.count(_MARK) != count:
        raise _Unproven("the placeholder digits occur in the body")
    try:
        document = orjson.loads(rest)
    except orjson.JSONDecodeError as exc:
        raise _Unproven("remainder is not JSON") from exc
    del rest
    try:
        task_id, items = _items(document, kind)
        if not items:
            _validate_spans(body, starts, ends, group_bytes)
            return _empty(task_id)
        table = _table(items, kind)
    except ArrayParseError as exc:  # true only once the spans are shown to be arrays: let the reference say
        raise _Unproven(str(exc)) from exc

    # Each item's vector: a span (by number) or, where the key was written with escapes, the array itself.
    # `span_of_row` None: row j is span j (the common case, held without a list of 7,200 numbers).
    span_of_row: list[int] | None = None
    inline: dict[int, list[Any]] = {}
    base, upper = _MARK_BASE, _MARK_BASE + count
    values: list[Any] = [item.get(kind.vector) for item in items]
    del document, items
    rows = len(values)
    if not _row_j_is_span_j(values, base, count):
        span_of_row = []
        for row, value in enumerate(values):
            if type(value) is not list:
                raise _Unproven("an item has no vector")
            if len(value) == 1:
                mark = value[0]
                if type(mark) is int and base <= mark < upper:
                    span_of_row.append(mark - base)
                    continue
            span_of_row.append(-1)
            inline[row] = value
    del values

    first = 0 if span_of_row is None else span_of_row[0]
    width = len(inline[0]) if first < 0 else _width_guess(body, starts[first], ends[first])
    if rows * width > len(body) // 2:  # n * width numbers take two bytes each at least
        raise _Unproven("matrix larger than the body allows: widths differ")
    matrix = np.empty((rows, width), dtype=np.float32)
    if span_of_row is None or span_of_row == list(range(count)):
        row_of_span = None  # span j is row j
    else:
        row_of_span = np.full(count, -1, dtype=np.int64)
        rows_with_span = [row for row, span in enumerate(span_of_row) if span >= 0]
        row_of_span[[span_of_row[row] for row in rows_with_span]] = rows_with_span
    try:
        with np.errstate(over="raise"):
            _fill_from_spans(body, starts, ends, row_of_span, matrix, group_bytes)
            for row, vector in inline.items():
                if len(vector) != width or not set(map(type, vector)) <= _NUMBER_TYPES:
                    raise _Unproven("an escaped vector is ragged or holds a non-number")
                matrix[row] = np.array(vector, dtype=np.float64).reshape(width)
    except FloatingPointError:
        raise _Unproven("a number beyond the float32 range") from None
    return EmbeddingArrays(task_id, matrix, *table)


def _row_j_is_span_j(values: list[Any], base: int, count: int) -> bool:
    """True when `values` (each row's vector) is `[[base], [base + 1], ...]`, `count` of them, all integers
    (== alone would take 9.8765432108e17 for a placeholder). Keeps no reference to them: an object of the
    parsed remainder kept alive while the matrix fills would keep its memory pages resident."""
    if len(values) != count or set(map(type, values)) != {list} or set(map(len, values)) != {1}:
        return False
    marks = list(map(_first, values))
    return set(map(type, marks)) == {int} and marks == list(range(base, base + count))


def _width_guess(body: bytes, start: int, end: int) -> int:
    """Values in a span if it is a flat array of numbers (checked when it is parsed)."""
    commas = body.count(b",", start, end)
    return commas + 1 if commas or body[start + 1 : end - 1].strip(b" \t\n\r") else 0


def _groups(starts: list[int], ends: list[int], group_bytes: int) -> Iterator[tuple[int, int]]:
    """Consecutive runs of spans (first, stop): each run ends with the span that reaches the next multiple
    of `group_bytes` in the spans' running total, so it holds less than `group_bytes` plus one span."""
    if not starts:
        return
    total = np.cumsum(np.subtract(ends, starts) + 1)
    marks = np.arange(group_bytes, int(total[-1]), group_bytes)
    first = 0
    for stop in (np.searchsorted(total, marks) + 1).tolist():
        if stop > first:
            yield first, stop
            first = stop
    if first < len(starts):
        yield first, len(starts)


def _parse_group(parser: Any, body: bytes, starts: list[int], ends: list[int]) -> tuple[Any, list[int]]:
    """The numbers of spans `starts[i]:ends[i]` as one float64 array, and each span's count of them.

    The spans are joined as one JSON array. If simdjson parses it and `as_buffer` finds only numbers in
    it (no string, object, literal), every bracket is structural; each span begins with `[` and holds
    exactly one `]` (its last byte), so balanced brackets mean no span holds a second `[`: each span is
    exactly one flat array of numbers.
    """
    view = memoryview(body)
    parts: list[bytes | memoryview] = [view[start:end] for start, end in zip(starts, ends, strict=True)]
    parts[0] = b"[" + parts[0]
    parts[-1] = bytes(parts[-1]) + b"]"
    joined = b",".join(parts)
    try:
        array = parser.parse(joined)
        try:
            flat = np.frombuffer(array.as_buffer(of_type="d"), dtype=np.float64)
            lengths = [len(element) for element in array]
        finally:
            del array  # the parser refuses to parse again while a proxy is alive
    except (ValueError, TypeError, RuntimeError, KeyError, IndexError) as exc:
        raise _Unproven(f"simdjson: {exc}") from exc
    if len(lengths) != len(starts) or sum(lengths) != flat.size:
        raise _Unproven("spans are not flat arrays")
    return flat, lengths


def _validate_spans(body: bytes, starts: list[int], ends: list[int], group_bytes: int) -> None:
    if starts:
        parser = _simdjson.Parser()
        for first, stop in _groups(starts, ends, group_bytes):
            _parse_group(parser, body, starts[first:stop], ends[first:stop])


def _fill_from_spans(
    body: bytes,
    starts: list[int],
    ends: list[int],
    row_of_span: npt.NDArray[np.int64] | None,
    matrix: npt.NDArray[np.float32],
    group_bytes: int,
) -> None:
    """Parse every span (all must be flat arrays of numbers) and copy the referenced ones to their rows
    (`row_of_span` None: span j is row j). Numbers beyond float32 raise FloatingPointError (errstate)."""
    if not starts:
        return
    parser = _simdjson.Parser()
    width = matrix.shape[1]
    for first, stop in _groups(starts, ends, group_bytes):
        flat, lengths = _parse_group(parser, body, starts[first:stop], ends[first:stop])
        size = stop - first
        if row_of_span is None:
            if lengths.count(width) != size:
                raise _Unproven("widths differ")
            matrix[first:stop] = flat.reshape(size, width)
            continue
        offset = 0
        for length, row in zip(lengths, row_of_span[first:stop].tolist(), strict=True):
            if row >= 0:
                if length != width:
                    raise _Unproven("widths differ")
                matrix[row] = flat[offset : offset + length]
            offset += length


def _parse(body: bytes, kind: _Kind) -> EmbeddingArrays:
    if not isinstance(body, bytes):
        body = bytes(body)
    if _simdjson is not None:
        try:
            return _parse_fast(body, kind)
        except (_Unproven, ArrayParseError):
            pass  # the reference decides: a result or the error, never a different result
    return _parse_full(body, kind)


def parse_legacy_arrays(body: bytes) -> EmbeddingArrays:
    """A `GET /embed/tasks/{id}` body (segments[].float) as arrays."""
    return _parse(body, _LEGACY)


def parse_v2_arrays(body: bytes) -> EmbeddingArrays:
    """A `GET /embed-v2/tasks/{id}` or `POST /embed-v2` body (data[].embedding) as arrays."""
    return _parse(body, _V2)
