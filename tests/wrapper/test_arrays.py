"""`retrieve_arrays`: the float32 matrix and segment table agree with the typed `retrieve` of the same body."""

from __future__ import annotations

import json
import math
from typing import Any

import httpx
import numpy as np
import pytest

from twelvelabs_embed import EmbeddingArrays
from twelvelabs_embed.models import EmbeddingTask, Unset, VideoEmbeddingTask

from ._support import TASK_ID, Server, call

MODES = ["sync", "async"]
DIM = 8


def vectors(count: int, seed: int) -> list[list[float]]:
    rng = np.random.default_rng(seed)
    rows = rng.normal(size=(count, DIM)).tolist()
    rows[0][:3] = [1e-8, -0.3333333333333333, 123456.789]  # values float32 must round, not mangle
    return rows


def legacy_body() -> dict[str, Any]:
    rows = vectors(5, seed=1)
    segments = [
        ("visual-text", "clip", 0, 6),
        ("audio", "clip", 6, 12),
        ("hologram", "video", 0, 14.5),  # an option the spec does not know yet
        ("visual-text", "scene", 12, 14.5),  # a scope the spec does not know yet
        ("transcription", "clip", 6, 12),
    ]
    return {
        "_id": TASK_ID,
        "model_name": "marengo3.0",
        "status": "ready",
        "created_at": "2026-07-01T08:00:00.000Z",
        "video_embedding": {
            "metadata": {"input_url": "https://m.example/v.mp4", "video_clip_length": 6, "duration": 14.5},
            "segments": [
                {
                    "embedding_option": option,
                    "float": row,  # not last: key order must not matter
                    "embedding_scope": scope,
                    "start_offset_sec": start,
                    "end_offset_sec": end,
                }
                for (option, scope, start, end), row in zip(segments, rows, strict=True)
            ],
        },
    }


def v2_body() -> dict[str, Any]:
    rows = vectors(6, seed=2)
    items: list[dict[str, Any]] = [
        {"embedding_option": "visual", "embedding_scope": "clip", "start_sec": 0.0, "end_sec": 6.0},
        {"embedding_option": "audio", "embedding_scope": "clip", "start_sec": 6.0, "end_sec": 12.0},
        {"embedding_option": "olfactory", "embedding_scope": "moment", "start_sec": 12.0, "end_sec": 13.25},
        {"embedding_option": "visual", "embedding_scope": "asset", "start_sec": None, "end_sec": None},
        {"embedding_option": None, "embedding_scope": None},
        {"embedding_option": "transcription", "embedding_scope": "clip", "start_sec": 1, "end_sec": 2, "quadrant": "q"},
    ]
    for item, row in zip(items, rows, strict=True):
        item["embedding"] = row
    return {
        "_id": TASK_ID,
        "status": "ready",
        "metadata": {
            "input_type": "video",
            "embedding_options": ["visual", "audio", "transcription"],
            "embedding_scopes": ["clip", "asset"],
            "duration": 13.25,
        },
        "data": items,
        "usage": {"input_tokens": {"video": 12}, "truncated": False},
    }


def encode(body: dict[str, Any], style: str) -> bytes:
    if style == "pretty":
        return json.dumps(body, indent=2).encode()
    if style == "spaced":
        return json.dumps(body, separators=(" , ", " : ")).encode()
    return json.dumps(body, separators=(",", ":")).encode()


def label(value: Any) -> str:
    if value is None or isinstance(value, Unset):
        return ""
    return str(getattr(value, "value", value))


def number(value: Any) -> float:
    return math.nan if value is None or isinstance(value, Unset) else float(value)


def fetch_both(mode: str, kind: str, content: bytes, **kwargs: Any) -> tuple[Any, EmbeddingArrays, Server]:
    """The typed result and the arrays of the same response body."""
    server = Server(_raw(content), _raw(content))
    tasks = (lambda c: c.legacy.tasks) if kind == "legacy" else (lambda c: c.v2.tasks)
    typed = call(mode, server, lambda c: tasks(c).retrieve(TASK_ID, **kwargs))
    arrays = call(mode, server, lambda c: tasks(c).retrieve_arrays(TASK_ID, **kwargs))
    return typed, arrays, server


def _raw(content: bytes) -> httpx.Response:
    return httpx.Response(200, content=content, headers={"content-type": "application/json"})


def assert_same_table(arrays: EmbeddingArrays, rows: list[tuple[list[float], Any, Any, Any, Any]]) -> None:
    assert arrays.vectors.dtype == np.float32
    assert arrays.vectors.shape == (len(rows), DIM)
    assert arrays.dimension == DIM and len(arrays) == len(rows)
    expected = np.asarray([r[0] for r in rows], dtype=np.float32)
    assert np.array_equal(arrays.vectors, expected)
    np.testing.assert_array_equal(arrays.start_sec, np.array([number(r[1]) for r in rows]))
    np.testing.assert_array_equal(arrays.end_sec, np.array([number(r[2]) for r in rows]))
    assert arrays.option.tolist() == [label(r[3]) for r in rows]
    assert arrays.scope.tolist() == [label(r[4]) for r in rows]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("style", ["compact", "pretty", "spaced"])
def test_legacy_arrays_match_typed_retrieve(mode: str, style: str) -> None:
    """Legacy segments: same vectors (as float32), order, offsets, options and scopes, unknown values included."""
    typed, arrays, _ = fetch_both(mode, "legacy", encode(legacy_body(), style))
    assert isinstance(typed, VideoEmbeddingTask)
    segments = typed.video_embedding.segments
    rows = [(s.float_, s.start_offset_sec, s.end_offset_sec, s.embedding_option, s.embedding_scope) for s in segments]
    assert_same_table(arrays, rows)
    assert arrays.task_id == typed.id == TASK_ID
    assert "hologram" in arrays.option.tolist() and "scene" in arrays.scope.tolist()


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("style", ["compact", "pretty", "spaced"])
def test_v2_arrays_match_typed_retrieve(mode: str, style: str) -> None:
    """v2 data: same vectors, order, times (NaN for null), options and scopes ("" for null), unknown values included."""
    typed, arrays, _ = fetch_both(mode, "v2", encode(v2_body(), style))
    assert isinstance(typed, EmbeddingTask)
    rows = [(d.embedding, d.start_sec, d.end_sec, d.embedding_option, d.embedding_scope) for d in typed.data]
    assert_same_table(arrays, rows)
    assert arrays.task_id == TASK_ID
    assert arrays.option.tolist()[2:5] == ["olfactory", "visual", ""]
    assert math.isnan(arrays.start_sec[3]) and arrays.end_sec[2] == 13.25


@pytest.mark.parametrize("mode", MODES)
def test_legacy_arrays_pass_the_option_filter(mode: str) -> None:
    """`retrieve_arrays(embedding_option=[...])` sends the same repeated query parameters as `retrieve`."""
    _, _, server = fetch_both(
        mode, "legacy", encode(legacy_body(), "compact"), embedding_option=["visual-text", "audio"]
    )
    typed_request, arrays_request = server.requests
    assert arrays_request.url.path == f"/v1.3/embed/tasks/{TASK_ID}"
    assert arrays_request.url.params.get_list("embedding_option") == ["visual-text", "audio"]
    assert arrays_request.url == typed_request.url


@pytest.mark.parametrize("mode", MODES)
def test_v2_arrays_of_a_processing_task_are_empty(mode: str) -> None:
    """A task without embeddings yet (`data: null`) gives zero rows, not an error."""
    body = json.dumps({"_id": TASK_ID, "status": "processing", "data": None}).encode()
    typed, arrays, _ = fetch_both(mode, "v2", body)
    assert typed.data is None
    assert len(arrays) == 0 and arrays.start_sec.shape == (0,)


def test_large_result_shape() -> None:
    """Many vectors (1,000 x 512) come back as one contiguous float32 matrix, exactly."""
    count, dim = 1000, 512
    rng = np.random.default_rng(3)
    matrix = rng.normal(size=(count, dim)).astype(np.float32)
    body = {
        "_id": TASK_ID,
        "status": "ready",
        "data": [
            {"embedding": row, "embedding_option": "visual", "embedding_scope": "clip", "start_sec": i * 6.0}
            for i, row in enumerate(matrix.tolist())
        ],
    }
    server = Server(_raw(json.dumps(body).encode()))
    arrays = call("sync", server, lambda c: c.v2.tasks.retrieve_arrays(TASK_ID))
    assert arrays.vectors.shape == (count, dim) and arrays.vectors.flags["C_CONTIGUOUS"]
    assert np.array_equal(arrays.vectors, matrix)
    assert arrays.start_sec[-1] == (count - 1) * 6.0


def test_select_and_segments_follow_the_table() -> None:
    """`select` keeps the rows of one option/scope and `segments()` lists the table row by row."""
    server = Server(_raw(encode(v2_body(), "compact")))
    arrays = call("sync", server, lambda c: c.v2.tasks.retrieve_arrays(TASK_ID))
    visual = arrays.select(option="visual")
    assert len(visual) == 2 and np.array_equal(visual.vectors, arrays.vectors[[0, 3]])
    assert len(arrays.select(option="visual", scope="clip")) == 1
    table = list(arrays.segments())
    assert table[0] == {"start_sec": 0.0, "end_sec": 6.0, "option": "visual", "scope": "clip"}
    assert len(table) == len(arrays)
