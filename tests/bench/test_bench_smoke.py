"""Smoke test of bench/: deterministic inputs, and our fast path agreeing with the floor. No timing here.

Runs in the project venv: it needs only numpy, orjson and httpx, never the official SDK (which lives only
in bench/.venv).
"""

from __future__ import annotations

import hashlib
import importlib
import sys
from pathlib import Path
from types import ModuleType

import httpx
import numpy as np
import orjson
import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bench() -> tuple[ModuleType, ModuleType]:
    """The `bench.inputs` and `bench.worker` modules, imported from the repository root."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    return importlib.import_module("bench.inputs"), importlib.import_module("bench.worker")


def test_bodies_are_deterministic(bench: tuple[ModuleType, ModuleType]) -> None:
    """Generating the same body twice gives the same bytes; different lengths give different bodies."""
    inputs, _ = bench
    for make in (inputs.legacy_body, inputs.v2_body):
        assert make(60) == make(60)
        assert make(60) != make(120)
    assert inputs.legacy_status_body() == inputs.legacy_status_body()


def test_bodies_have_the_documented_shapes(bench: tuple[ModuleType, ModuleType]) -> None:
    """Legacy bodies carry video_embedding.segments[].float, v2 bodies data[].embedding, 3 options per 6 s clip."""
    inputs, _ = bench
    legacy = orjson.loads(inputs.legacy_body(60))
    v2 = orjson.loads(inputs.v2_body(60))
    segments, data = legacy["video_embedding"]["segments"], v2["data"]
    assert len(segments) == len(data) == 10 * 3
    assert {s["embedding_option"] for s in segments} == {"visual", "audio", "transcription"}
    assert all(len(s["float"]) == inputs.DIMENSION for s in segments)
    assert all(len(d["embedding"]) == inputs.DIMENSION for d in data)
    assert (segments[-1]["start_offset_sec"], segments[-1]["end_offset_sec"]) == (54.0, 60.0)
    assert (data[-1]["start_sec"], data[-1]["end_sec"]) == (54.0, 60.0)
    assert legacy["status"] == v2["status"] == "ready"


def test_four_hour_size_matches_the_issue(bench: tuple[ModuleType, ModuleType]) -> None:
    """The 4 h size is 7,200 vectors of 512 floats (the body itself is generated only by the runner)."""
    inputs, _ = bench
    assert inputs.SIZES["4h"].vectors == 7200


def test_expected_matrix_is_deterministic_float32_unit_rows(bench: tuple[ModuleType, ModuleType]) -> None:
    """The generator's matrix is reproducible, float32, and each row has unit length."""
    inputs, _ = bench
    first, second = inputs.expected_matrix(60), inputs.expected_matrix(60)
    assert first.dtype == np.float32
    assert first.shape == (30, inputs.DIMENSION)
    assert np.array_equal(first, second)
    np.testing.assert_allclose(np.linalg.norm(first, axis=1), 1.0, rtol=1e-5)


def test_upload_chunks_are_deterministic(bench: tuple[ModuleType, ModuleType], tmp_path: Path) -> None:
    """The upload file has exactly the requested size and the same bytes every time."""
    inputs, _ = bench
    size = inputs.UPLOAD_BLOCK + 12345  # crosses a block boundary
    a = inputs.write_upload_file(tmp_path / "a.bin", size)
    b = inputs.write_upload_file(tmp_path / "b.bin", size)
    assert a.stat().st_size == size
    assert hashlib.sha256(a.read_bytes()).digest() == hashlib.sha256(b.read_bytes()).digest()
    chunks = list(inputs.upload_chunks(size))
    assert chunks[0][8:64] == chunks[1][8:64] and chunks[0][:8] != chunks[1][:8]  # blocks differ by their index


@pytest.mark.parametrize("kind", ["legacy", "v2"])
def test_fast_path_and_floor_produce_identical_matrices(bench: tuple[ModuleType, ModuleType], kind: str) -> None:
    """Our retrieve_arrays and the raw httpx + orjson + numpy floor give the same float32 matrix and table."""
    inputs, worker = bench
    make = inputs.legacy_body if kind == "legacy" else inputs.v2_body
    task_id = inputs.LEGACY_TASK_ID if kind == "legacy" else inputs.V2_TASK_ID
    suffix = f"/embed/tasks/{task_id}" if kind == "legacy" else f"/embed-v2/tasks/{task_id}"
    results = {}
    for contender in ("ours", "floor"):
        body = worker.Body(make(120), suffix)
        results[contender] = worker.retrieve_call(contender, kind, body)()
        assert body.requests == 1
    ours, floor = results["ours"], results["floor"]
    assert ours[0].dtype == floor[0].dtype == np.float32
    assert np.array_equal(ours[0], floor[0])
    assert np.array_equal(ours[0], inputs.expected_matrix(120))  # bit for bit what the generator wrote
    for column in range(1, 5):
        assert np.array_equal(ours[column], floor[column])
    assert worker.digest(ours) == worker.digest(floor)


def test_worker_mock_answers_404_for_a_wrong_path(bench: tuple[ModuleType, ModuleType]) -> None:
    """The benchmark transport refuses other paths, so a contender cannot pass by calling the wrong URL."""
    _, worker = bench
    body = worker.Body(b"{}", "/embed/tasks/abc")
    response = body.handler(httpx.Request("GET", "https://example.test/v1.3/embed-v2/tasks/abc"))
    assert response.status_code == 404
