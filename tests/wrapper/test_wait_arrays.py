"""`wait_arrays`: the ready task's vectors without a second download of the result."""

from __future__ import annotations

from typing import Any

import httpx
import numpy as np
import pytest

from twelvelabs_embed import TaskFailedError

from ._support import TASK_ID, Server, call, json_response, legacy_status, v2_task
from .test_arrays import legacy_body, v2_body

MODES = ["sync", "async"]


@pytest.mark.parametrize("mode", MODES)
def test_v2_wait_arrays_reads_the_vectors_from_the_ready_poll(mode: str) -> None:
    """Two processing polls and one ready poll: three GETs in all, and the arrays equal retrieve_arrays'."""
    ready = httpx.Response(200, json=v2_body())
    server = Server(json_response(200, v2_task()), json_response(200, v2_task()), ready)
    seen: list[Any] = []
    arrays = call(mode, server, lambda c: c.v2.tasks.wait_arrays(TASK_ID, callback=seen.append))
    assert server.paths == [f"GET /v1.3/embed-v2/tasks/{TASK_ID}"] * 3
    assert seen == ["processing", "processing", "ready"]
    expected = call(mode, Server(httpx.Response(200, json=v2_body())), lambda c: c.v2.tasks.retrieve_arrays(TASK_ID))
    assert np.array_equal(arrays.vectors, expected.vectors)
    assert list(arrays.option) == list(expected.option) and list(arrays.scope) == list(expected.scope)


@pytest.mark.parametrize("mode", MODES)
def test_v2_wait_arrays_raises_the_failure_reason(mode: str) -> None:
    """A task that fails raises TaskFailedError with the server's reason; nothing more is fetched."""
    server = Server(json_response(200, v2_task()), json_response(200, v2_task("failed", error="video too short")))
    with pytest.raises(TaskFailedError, match="video too short"):
        call(mode, server, lambda c: c.v2.tasks.wait_arrays(TASK_ID))
    assert len(server.requests) == 2


def test_v2_wait_arrays_awaits_an_async_callback() -> None:
    """The async client awaits a coroutine-function callback for each status."""
    seen: list[str | None] = []

    async def record(status: str | None) -> None:
        seen.append(status)

    server = Server(json_response(200, v2_task()), httpx.Response(200, json=v2_body()))
    call("async", server, lambda c: c.v2.tasks.wait_arrays(TASK_ID, callback=record))
    assert seen == ["processing", "ready"]


@pytest.mark.parametrize("mode", MODES)
def test_legacy_wait_arrays_polls_status_then_downloads_once(mode: str) -> None:
    """Legacy status polls carry no vectors: wait_arrays polls the status, then fetches the vectors once."""
    server = Server(
        json_response(200, legacy_status()),
        json_response(200, legacy_status("ready")),
        httpx.Response(200, json=legacy_body()),
    )
    arrays = call(mode, server, lambda c: c.legacy.tasks.wait_arrays(TASK_ID, embedding_option=["visual-text"]))
    assert server.paths == [
        f"GET /v1.3/embed/tasks/{TASK_ID}/status",
        f"GET /v1.3/embed/tasks/{TASK_ID}/status",
        f"GET /v1.3/embed/tasks/{TASK_ID}",
    ]
    assert server.requests[2].url.params.get_list("embedding_option") == ["visual-text"]
    assert len(arrays) > 0
