"""Deterministic benchmark inputs: response bodies for both task kinds, a status body, an upload file.

Everything here depends only on numpy and orjson (both runtime dependencies of twelvelabs-embed), so the
smoke test in `tests/bench/` can import it from the main project venv.

The vectors are seeded float32 unit vectors of dimension 512 (Marengo 3.0). orjson writes float32
values in their shortest round-trip form (about 10 characters each), which gives the size the issue
quotes: 4 hours at 6 s clips and 3 options = 7,200 vectors, about 46 MB of JSON. Parsing a number as a
double and casting it to float32 gives back the exact generated value, so every correct parser must
produce `expected_matrix(...)` bit for bit.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import orjson

__all__ = [
    "DIMENSION",
    "LEGACY_TASK_ID",
    "OPTIONS",
    "SIZES",
    "V2_TASK_ID",
    "WARMUP_SECONDS",
    "Size",
    "expected_matrix",
    "legacy_body",
    "legacy_status_body",
    "sha256",
    "upload_chunks",
    "v2_body",
    "write_upload_file",
]

DIMENSION = 512
CLIP_SECONDS = 6
OPTIONS = ("visual", "audio", "transcription")
LEGACY_TASK_ID = "6659784a1f2e3d4c5b6a7980"  # 24 hex digits, like the API's legacy ids
V2_TASK_ID = "6659784a1f2e3d4c5b6a7981"
CREATED_AT = "2026-01-12T09:30:00Z"
UPDATED_AT = "2026-01-12T09:41:07Z"
SEED = 20260112
WARMUP_SECONDS = 60  # the small body each large-result worker parses before the measured calls


@dataclass(frozen=True)
class Size:
    """One benchmark size: seconds of media, cut into 6 s clips, three options per clip."""

    label: str
    seconds: int

    @property
    def clips(self) -> int:
        return self.seconds // CLIP_SECONDS

    @property
    def vectors(self) -> int:
        return self.clips * len(OPTIONS)


SIZES = {s.label: s for s in (Size("1min", 60), Size("10min", 600), Size("1h", 3600), Size("4h", 4 * 3600))}


def expected_matrix(seconds: int, *, dimension: int = DIMENSION, seed: int = SEED) -> npt.NDArray[np.float32]:
    """The (clips * 3, dimension) float32 matrix every body of this length carries, row by row."""
    rows = (seconds // CLIP_SECONDS) * len(OPTIONS)
    rng = np.random.default_rng([seed, seconds, dimension])
    matrix = rng.standard_normal((rows, dimension), dtype=np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix


def _rows(seconds: int) -> Iterator[tuple[int, float, float, str]]:
    """(row, start, end, option) in body order: clip by clip, the three options of each clip together."""
    row = 0
    for clip in range(seconds // CLIP_SECONDS):
        start, end = float(clip * CLIP_SECONDS), float((clip + 1) * CLIP_SECONDS)
        for option in OPTIONS:
            yield row, start, end, option
            row += 1


def legacy_body(seconds: int, *, dimension: int = DIMENSION, seed: int = SEED) -> bytes:
    """`GET /embed/tasks/{id}` 200 body (API reference section 2.5): `video_embedding.segments[].float`."""
    matrix = expected_matrix(seconds, dimension=dimension, seed=seed)
    segments = [
        {
            "start_offset_sec": start,
            "end_offset_sec": end,
            "embedding_scope": "clip",
            "embedding_option": option,
            "float": matrix[row],
        }
        for row, start, end, option in _rows(seconds)
    ]
    document = {
        "_id": LEGACY_TASK_ID,
        "model_name": "marengo3.0",
        "status": "ready",
        "created_at": CREATED_AT,
        "updated_at": UPDATED_AT,
        "video_embedding": {
            "metadata": {
                "input_filename": "bench.mp4",
                "video_clip_length": CLIP_SECONDS,
                "video_embedding_scope": ["clip"],
                "duration": float(seconds),
            },
            "segments": segments,
        },
    }
    return orjson.dumps(document, option=orjson.OPT_SERIALIZE_NUMPY)


def v2_body(seconds: int, *, dimension: int = DIMENSION, seed: int = SEED) -> bytes:
    """`GET /embed-v2/tasks/{id}` 200 body (sections 3.7, 3.9): `data[].embedding`."""
    matrix = expected_matrix(seconds, dimension=dimension, seed=seed)
    data = [
        {
            "embedding": matrix[row],
            "embedding_option": option,
            "embedding_scope": "clip",
            "start_sec": start,
            "end_sec": end,
        }
        for row, start, end, option in _rows(seconds)
    ]
    document = {
        "_id": V2_TASK_ID,
        "status": "ready",
        "created_at": CREATED_AT,
        "updated_at": UPDATED_AT,
        "metadata": {
            "input_type": "video",
            "input_url": "https://example.com/bench.mp4",
            "clip_length": CLIP_SECONDS,
            "embedding_scopes": ["clip"],
            "embedding_options": list(OPTIONS),
            "duration": float(seconds),
        },
        "data": data,
    }
    return orjson.dumps(document, option=orjson.OPT_SERIALIZE_NUMPY)


def legacy_status_body(status: str = "processing") -> bytes:
    """`GET /embed/tasks/{id}/status` 200 body (section 2.4): the small response of the per-call benchmark."""
    return orjson.dumps(
        {
            "_id": LEGACY_TASK_ID,
            "model_name": "marengo3.0",
            "status": status,
            "video_embedding": {
                "metadata": {
                    "input_filename": "bench.mp4",
                    "video_clip_length": CLIP_SECONDS,
                    "video_embedding_scope": ["clip"],
                    "duration": 600.0,
                }
            },
        }
    )


def v2_status_body(status: str = "processing", *, task_id: str = V2_TASK_ID) -> bytes:
    """A v2 task without results (`data: null`), as returned while processing or after a failure."""
    return orjson.dumps({"_id": task_id, "status": status, "data": None})


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


UPLOAD_BLOCK = 4 << 20


def upload_chunks(size: int, *, seed: int = SEED) -> Iterator[bytes]:
    """The bytes of the benchmark upload, in blocks: seeded noise (so nothing can compress or dedupe it)."""
    rng = np.random.default_rng([seed, size])
    block = rng.integers(0, 256, size=UPLOAD_BLOCK, dtype=np.uint8).tobytes()
    written, index = 0, 0
    while written < size:
        # Each block differs from the last by its first 8 bytes (its index), cheaply.
        chunk = index.to_bytes(8, "little") + block[8:]
        chunk = chunk[: size - written]
        yield chunk
        written += len(chunk)
        index += 1


def write_upload_file(path: str | os.PathLike[str], size: int, *, seed: int = SEED) -> Path:
    """Write the benchmark upload (not committed: generated at run time) and return its path."""
    path = Path(path)
    with path.open("wb") as f:
        for chunk in upload_chunks(size, seed=seed):
            f.write(chunk)
    return path
