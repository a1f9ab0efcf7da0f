"""Deterministic embedding vectors and segment plans.

A vector depends only on (seed key, embedding option, segment index): the seed key is the task id for tasks
and a hash of the request for synchronous calls. Rows are unit vectors at the model's full dimension; a
shorter `embedding_dimension` (marengo3.5) is a prefix of the full vector, as in the real Matryoshka output.
Generation is vectorised (splitmix64 over a counter grid), so 7,200 x 512 takes a few tens of milliseconds.
"""

from __future__ import annotations

import hashlib
import math

import numpy as np
import numpy.typing as npt

__all__ = [
    "FULL_DIMENSIONS",
    "Span",
    "dynamic_spans",
    "embedding_matrix",
    "fixed_spans",
    "legacy_clips",
]

Span = tuple[float, float]
FloatMatrix = npt.NDArray[np.float32]

#: The full vector length per model.
FULL_DIMENSIONS: dict[str, int] = {"Marengo-retrieval-2.7": 1024, "marengo3.0": 512, "marengo3.5": 512}

_EPS = 1e-9
_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


def _splitmix64(x: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    z = x + _GAMMA
    z = (z ^ (z >> np.uint64(30))) * _MIX1
    z = (z ^ (z >> np.uint64(27))) * _MIX2
    return z ^ (z >> np.uint64(31))


def _seed(key: str) -> np.uint64:
    return np.uint64(int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "little"))


def embedding_matrix(
    key: str, indices: npt.ArrayLike, *, full_dimension: int, dimension: int | None = None
) -> FloatMatrix:
    """Unit vectors (float32), one row per segment index, for one (key, option) pair.

    `dimension` < `full_dimension` returns the prefix of each full-length vector (not re-normalised).
    """
    rows = np.asarray(indices, dtype=np.uint64).reshape(-1)
    dimension = full_dimension if dimension is None else dimension
    with np.errstate(over="ignore"):
        row_seeds = _splitmix64(rows * _GAMMA ^ _seed(key))
        columns = np.arange(full_dimension, dtype=np.uint64) * _MIX2
        bits = _splitmix64(row_seeds[:, None] ^ columns[None, :])
    values = (bits >> np.uint64(11)).astype(np.float64) * (2.0 / 2.0**53) - 1.0
    norms = np.linalg.norm(values, axis=1, keepdims=True)
    norms[norms == 0.0] = 1.0
    unit = (values / norms).astype(np.float32)
    return np.ascontiguousarray(unit[:, :dimension])


def _round(value: float) -> float:
    return round(value, 6)


def legacy_clips(start: float, end: float, clip_length: float) -> list[Span]:
    """Legacy clips: consecutive `clip_length` pieces of [start, end]; a last piece shorter than 2 s is dropped."""
    spans = fixed_spans(start, end, clip_length)
    if spans and spans[-1][1] - spans[-1][0] < 2.0 - _EPS:
        spans.pop()
    return spans


def fixed_spans(start: float, end: float, length: float) -> list[Span]:
    """Consecutive `length` pieces of [start, end]; the last one may be shorter."""
    total = end - start
    if total <= _EPS or length <= 0:
        return []
    count = max(1, math.ceil(total / length - _EPS))
    edges = np.minimum(start + np.arange(count + 1, dtype=np.float64) * length, end)
    edges[-1] = end
    return [(_round(a), _round(b)) for a, b in zip(edges[:-1].tolist(), edges[1:].tolist(), strict=True)]


def dynamic_spans(start: float, end: float, min_duration: float) -> list[Span]:
    """The fake's stand-in for scene-based segments: `min_duration` pieces, the remainder merged into the last,
    so every segment is at least `min_duration` long (unless the media itself is shorter)."""
    spans = fixed_spans(start, end, min_duration)
    if len(spans) >= 2 and spans[-1][1] - spans[-1][0] < min_duration - _EPS:
        last = spans.pop()
        spans[-1] = (spans[-1][0], last[1])
    return spans
