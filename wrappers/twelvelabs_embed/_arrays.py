"""Large results as one numpy `float32` matrix plus a segment table, fast and with bounded memory.

A 4-hour video at 6 s clips with three options is 7,200 vectors of 512 floats, about 46 MB of JSON.
Parsing that into models builds millions of Python floats at once. Here the raw body is scanned for
the vector arrays (`"float": [...]` for legacy tasks, `"embedding": [...]` for v2); each vector is
parsed on its own (orjson) straight into a row of a preallocated matrix, so at most one vector's
worth of Python floats exists at a time. The rest of the body, with the vectors blanked out to
`[]`, is small and parsed normally for the segment table.

A vector array cannot contain `]`, and an object key such as `"float"` cannot appear unescaped inside
a JSON string, so the scan is exact for valid JSON; the parsed rest is cross-checked against it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson

__all__ = ["EmbeddingArrays", "parse_legacy_arrays", "parse_v2_arrays"]

_LEGACY_KEY = re.compile(rb'"float"\s*:\s*\[')
_V2_KEY = re.compile(rb'"embedding"\s*:\s*\[')


class ArrayParseError(ValueError):
    """The body does not have the expected shape."""


@dataclass(frozen=True)
class EmbeddingArrays:
    """Vectors as an `(n, dim)` float32 matrix and one table row per vector.

    `start_sec`/`end_sec` are float64 (NaN where the server gave none); `option` and `scope` are
    arrays of str (empty string where the server gave none). Row `i` of every array describes
    `vectors[i]`.
    """

    task_id: str | None
    vectors: npt.NDArray[np.float32]
    start_sec: npt.NDArray[np.float64]
    end_sec: npt.NDArray[np.float64]
    option: npt.NDArray[np.str_]
    scope: npt.NDArray[np.str_]

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
        )


def _scan(body: bytes, key: re.Pattern[bytes]) -> tuple[npt.NDArray[np.float32], dict[str, Any]]:
    """Parse every vector into a matrix row; return it and the rest of the document."""
    spans: list[tuple[int, int]] = []
    rest: list[bytes] = []
    position = 0
    for match in key.finditer(body):
        start = match.end() - 1
        end = body.find(b"]", start)
        if end < 0:
            raise ArrayParseError("unterminated vector array")
        end += 1
        spans.append((start, end))
        rest.append(body[position:start])
        rest.append(b"[]")
        position = end
    rest.append(body[position:])
    try:
        document = orjson.loads(b"".join(rest))
    except orjson.JSONDecodeError as exc:
        raise ArrayParseError(f"body is not valid JSON: {exc}") from exc
    if not isinstance(document, dict):
        raise ArrayParseError("body is not a JSON object")
    view = memoryview(body)
    if not spans:
        return np.empty((0, 0), dtype=np.float32), document
    try:
        first = orjson.loads(view[spans[0][0] : spans[0][1]])
        matrix = np.empty((len(spans), len(first)), dtype=np.float32)
        with np.errstate(over="ignore"):  # an overflow is reported below, not as a numpy RuntimeWarning
            for row, (start, end) in enumerate(spans):
                values = orjson.loads(view[start:end])
                if len(values) != matrix.shape[1]:
                    raise ArrayParseError(f"vector {row} has {len(values)} values, vector 0 has {matrix.shape[1]}")
                matrix[row] = values
        if np.isnan(matrix).any():  # JSON has no NaN: numpy turned a `null` into one
            raise ArrayParseError("a vector holds null where a number belongs")
        if np.isinf(matrix).any():  # JSON has no infinity: a number beyond the float32 range became one
            raise ArrayParseError("a vector holds a number beyond the float32 range (about 3.4e38)")
    except ArrayParseError:
        raise
    except (ValueError, TypeError) as exc:  # orjson.JSONDecodeError, or numpy refusing a non-number ("a")
        raise ArrayParseError(f"a vector is not an array of numbers: {exc}") from exc
    return matrix, document


def _table(
    items: list[Any], count: int, start_key: str, end_key: str, vector_key: str
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.str_], npt.NDArray[np.str_]]:
    vectors = [item for item in items if isinstance(item, dict) and item.get(vector_key) == []]
    if len(vectors) != count:
        raise ArrayParseError(f"found {count} vectors but {len(vectors)} segments carrying one")

    def number(value: Any) -> float:
        return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else float("nan")

    def label(value: Any) -> str:
        return value if isinstance(value, str) else ""

    return (
        np.array([number(i.get(start_key)) for i in vectors], dtype=np.float64),
        np.array([number(i.get(end_key)) for i in vectors], dtype=np.float64),
        np.array([label(i.get("embedding_option")) for i in vectors], dtype=np.str_),
        np.array([label(i.get("embedding_scope")) for i in vectors], dtype=np.str_),
    )


def parse_legacy_arrays(body: bytes) -> EmbeddingArrays:
    """A `GET /embed/tasks/{id}` body (segments[].float) as arrays."""
    matrix, document = _scan(body, _LEGACY_KEY)
    video = document.get("video_embedding")
    segments = video.get("segments") if isinstance(video, dict) else None
    items = segments if isinstance(segments, list) else []
    start, end, option, scope = _table(items, len(matrix), "start_offset_sec", "end_offset_sec", "float")
    task_id = document.get("_id")
    return EmbeddingArrays(task_id if isinstance(task_id, str) else None, matrix, start, end, option, scope)


def parse_v2_arrays(body: bytes) -> EmbeddingArrays:
    """A `GET /embed-v2/tasks/{id}` or `POST /embed-v2` body (data[].embedding) as arrays."""
    matrix, document = _scan(body, _V2_KEY)
    data = document.get("data")
    items = data if isinstance(data, list) else []
    start, end, option, scope = _table(items, len(matrix), "start_sec", "end_sec", "embedding")
    task_id = document.get("_id")
    return EmbeddingArrays(task_id if isinstance(task_id, str) else None, matrix, start, end, option, scope)
