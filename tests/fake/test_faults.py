"""Fault injection through the in-process transports (sync and async) and the request records."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from twelvelabs_embed.testing import EmbedFake, FaultKind

from .helpers import LEGACY_ID, create_v2_task, form, video_task_body

CREATE_V2 = "createEmbeddingTaskV2"


def run_async(fake: EmbedFake, action: Callable[[httpx.AsyncClient], Awaitable[Any]], **kwargs: Any) -> Any:
    """Run `action` with an AsyncClient bound to `fake` (a fresh event loop, no plugin needed)."""

    async def main() -> Any:
        async with fake.async_client(**kwargs) as client:
            return await action(client)

    return asyncio.run(main())


def test_status_fault_hits_the_next_n_requests_of_one_operation(
    embed_fake: EmbedFake, embed_fake_client: httpx.Client
) -> None:
    """`status=503, times=2` on one operation answers its next two requests 503 (nested body) and then 200."""
    task_id = create_v2_task(embed_fake_client)
    embed_fake.faults.add("status", operation="getEmbeddingTaskV2", status=503, times=2)
    assert embed_fake_client.get("/embed-v2/tasks").status_code == 200  # another operation: untouched
    first = embed_fake_client.get(f"/embed-v2/tasks/{task_id}")
    second = embed_fake_client.get(f"/embed-v2/tasks/{task_id}")
    third = embed_fake_client.get(f"/embed-v2/tasks/{task_id}")
    assert [first.status_code, second.status_code, third.status_code] == [503, 503, 200]
    assert first.json()["error"]["code"] == "internal_server_error"
    assert embed_fake.faults.pending == []
    assert [r.fault for r in embed_fake.calls("getEmbeddingTaskV2")] == [FaultKind.STATUS, FaultKind.STATUS, None]


def test_status_fault_uses_the_flat_body_on_flat_operations(
    embed_fake: EmbedFake, embed_fake_client: httpx.Client
) -> None:
    """A 500 fault on a legacy operation answers with the flat `{code, message}` body."""
    embed_fake.faults.add(FaultKind.STATUS, operation="listVideoEmbeddingTasks", status=500)
    response = embed_fake_client.get("/embed/tasks")
    assert response.status_code == 500
    assert response.json() == {"code": "generic_error", "message": "An error occurred."}


def test_429_fault_carries_retry_after_and_does_not_create(
    embed_fake: EmbedFake, embed_fake_client: httpx.Client
) -> None:
    """A 429 fault answers too_many_requests with Retry-After (default 1 s) and the request is not processed."""
    embed_fake.faults.add("status", operation=CREATE_V2, status=429)
    response = embed_fake_client.post("/embed-v2/tasks", json=video_task_body())
    assert response.status_code == 429
    assert response.headers["retry-after"] == "1"
    assert response.headers["x-ratelimit-dimensions"] == "Request"
    assert response.json()["error"]["code"] == "too_many_requests"
    assert embed_fake.tasks == []


def test_processed_5xx_creates_the_task_although_the_client_saw_an_error(
    embed_fake: EmbedFake, embed_fake_client: httpx.Client
) -> None:
    """With `processed=True` the task exists although the answer was a 502: the case that tempts duplicates."""
    embed_fake.faults.add("status", operation=CREATE_V2, status=502, processed=True)
    assert embed_fake_client.post("/embed-v2/tasks", json=video_task_body()).status_code == 502
    assert len(embed_fake.tasks) == 1


def test_slow_answer_beyond_the_read_timeout_raises_read_timeout_at_once(embed_fake: EmbedFake) -> None:
    """A delay at least the client's read timeout raises httpx.ReadTimeout (no real wait); the task was created."""
    embed_fake.faults.add("slow", operation=CREATE_V2, delay=30)
    with embed_fake.client(timeout=5.0) as client, pytest.raises(httpx.ReadTimeout):
        client.post("/embed-v2/tasks", json=video_task_body())
    assert len(embed_fake.tasks) == 1
    assert embed_fake.calls(CREATE_V2)[0].status == 202
    assert embed_fake.clock.now() == embed_fake.tasks[0].created_at


def test_slow_answer_within_the_timeout_moves_the_fake_clock(embed_fake: EmbedFake) -> None:
    """A delay shorter than the timeout is served normally, with the fake clock advanced by the delay."""
    embed_fake.faults.add("slow", delay=3)
    before = embed_fake.clock.now()
    with embed_fake.client(timeout=5.0) as client:
        assert client.get("/embed/tasks").status_code == 200
    assert (embed_fake.clock.now() - before).total_seconds() == 3


def test_unprocessed_slow_request_times_out_without_creating(embed_fake: EmbedFake) -> None:
    """`processed=False` delays before handling, so a timed-out create leaves nothing behind."""
    embed_fake.faults.add("slow", operation=CREATE_V2, delay=60, processed=False)
    with embed_fake.client(timeout=10.0) as client, pytest.raises(httpx.ReadTimeout):
        client.post("/embed-v2/tasks", json=video_task_body())
    assert embed_fake.tasks == []


@pytest.mark.parametrize(("processed", "tasks"), [(False, 0), (True, 1)])
def test_dropped_connection(embed_fake: EmbedFake, processed: bool, tasks: int) -> None:
    """A drop raises httpx.RemoteProtocolError; the task exists only when the fault says it was processed."""
    embed_fake.faults.add("drop", operation=CREATE_V2, processed=processed)
    with embed_fake.client() as client, pytest.raises(httpx.RemoteProtocolError, match="without sending"):
        client.post("/embed-v2/tasks", json=video_task_body())
    assert len(embed_fake.tasks) == tasks
    assert embed_fake.calls(CREATE_V2)[0].status is None


def test_malformed_json_keeps_status_and_content_type(embed_fake: EmbedFake, embed_fake_client: httpx.Client) -> None:
    """The body is cut JSON labelled application/json with the real status and a matching Content-Length."""
    embed_fake.faults.add("malformed_json", operation=CREATE_V2)
    response = embed_fake_client.post("/embed-v2/tasks", json=video_task_body())
    assert response.status_code == 202
    assert response.headers["content-type"] == "application/json"
    assert int(response.headers["content-length"]) == len(response.content)
    with pytest.raises(json.JSONDecodeError):
        response.json()
    assert len(embed_fake.tasks) == 1


def test_truncated_body_raises_remote_protocol_error(embed_fake: EmbedFake, embed_fake_client: httpx.Client) -> None:
    """A body shorter than its Content-Length surfaces as httpx.RemoteProtocolError."""
    embed_fake.faults.add("truncated", operation="listVideoEmbeddingTasks")
    with pytest.raises(httpx.RemoteProtocolError, match=r"complete message body"):
        embed_fake_client.get("/embed/tasks")
    assert embed_fake_client.get("/embed/tasks").status_code == 200


def test_html_error_page(embed_fake: EmbedFake, embed_fake_client: httpx.Client) -> None:
    """An `html` fault answers a proxy's 502 page as text/html."""
    embed_fake.faults.add("html")
    response = embed_fake_client.get("/embed/tasks")
    assert response.status_code == 502
    assert response.headers["content-type"].startswith("text/html")
    assert "<h1>502 Bad Gateway</h1>" in response.text


def test_wrong_content_type(embed_fake: EmbedFake, embed_fake_client: httpx.Client) -> None:
    """A `wrong_content_type` fault keeps the real JSON body but labels it otherwise."""
    embed_fake.faults.add("wrong_content_type", content_type="text/html")
    response = embed_fake_client.get("/embed/tasks")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html"
    assert response.json()["data"] == []


def test_faults_are_first_in_first_out_and_any_operation(
    embed_fake: EmbedFake, embed_fake_client: httpx.Client
) -> None:
    """Faults apply in the order added; `operation=None` matches whatever comes; `times=None` lasts until cleared."""
    embed_fake.faults.add("status", status=500)
    embed_fake.faults.add("status", status=503, times=None)
    assert embed_fake_client.get("/embed/tasks").status_code == 500
    assert [embed_fake_client.get("/embed-v2/tasks").status_code for _ in range(3)] == [503, 503, 503]
    assert len(embed_fake.faults) == 1
    embed_fake.faults.clear()
    assert embed_fake_client.get("/embed-v2/tasks").status_code == 200


def test_faults_never_hit_requests_outside_the_api(embed_fake: EmbedFake, embed_fake_client: httpx.Client) -> None:
    """The spec URL and unknown paths do not consume faults."""
    fault = embed_fake.faults.add("status", status=500)
    assert embed_fake_client.get("https://embed-fake.test/openapi.yaml").status_code == 200
    assert embed_fake_client.get("/nothing-here").status_code == 404
    assert fault.hits == 0
    assert embed_fake.faults.pending == [fault]


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"kind": "explode"}, ValueError),
        ({"kind": "status", "operation": "getTask"}, ValueError),
        ({"kind": "status", "times": 0}, ValueError),
        ({"kind": "status", "status": 999}, ValueError),
        ({"kind": "slow", "delay": -1}, ValueError),
    ],
)
def test_fault_arguments_are_checked(embed_fake: EmbedFake, kwargs: dict[str, Any], error: type[Exception]) -> None:
    """Unknown kinds or operations and impossible values are rejected when the fault is added."""
    with pytest.raises(error):
        embed_fake.faults.add(**kwargs)


def test_async_transport_faults(embed_fake: EmbedFake) -> None:
    """The async transport raises the same httpx errors for drops, truncation and timeouts."""
    embed_fake.faults.add("drop", operation="listEmbeddingTasksV2")
    embed_fake.faults.add("truncated", operation="listEmbeddingTasksV2")
    embed_fake.faults.add("slow", operation="listEmbeddingTasksV2", delay=9)

    async def action(client: httpx.AsyncClient) -> list[str]:
        outcomes = []
        for _ in range(4):
            try:
                response = await client.get("/embed-v2/tasks")
            except httpx.HTTPError as exc:
                outcomes.append(type(exc).__name__)
            else:
                outcomes.append(str(response.status_code))
        return outcomes

    outcomes = run_async(embed_fake, action, timeout=2.0)
    assert outcomes == ["RemoteProtocolError", "RemoteProtocolError", "ReadTimeout", "200"]


def test_async_and_sync_clients_share_state(embed_fake: EmbedFake, embed_fake_client: httpx.Client) -> None:
    """A task created through the async transport is visible through the sync one."""

    async def action(client: httpx.AsyncClient) -> str:
        response = await client.post("/embed-v2/tasks", json=video_task_body())
        return str(response.json()["_id"])

    task_id = run_async(embed_fake, action)
    assert embed_fake_client.get(f"/embed-v2/tasks/{task_id}").status_code == 200


def test_records_describe_every_request(embed_fake: EmbedFake, embed_fake_client: httpx.Client) -> None:
    """Each request is recorded with method, path, query, headers, body size, operation and answer status."""
    embed_fake_client.post("/embed/tasks", files=form(model_name="marengo3.0", video_url="https://m.example.com/v"))
    embed_fake_client.get("/embed/tasks", params={"page": 2})
    embed_fake_client.get(f"/embed/tasks/{LEGACY_ID}/status", headers={"x-api-key": "nope"})
    embed_fake_client.get("/elsewhere")
    create, listing, status, elsewhere = embed_fake.requests
    assert (create.method, create.path, create.operation, create.status) == (
        "POST",
        "/v1.3/embed/tasks",
        "createVideoEmbeddingTask",
        200,
    )
    assert create.body_size == int(create.header("content-length") or 0) > 0
    assert (create.header("Content-Type") or "").startswith("multipart/form-data")
    assert (listing.query, listing.body_size, listing.status) == ("page=2", 0, 200)
    assert (status.operation, status.status, status.header("x-api-key")) == ("getVideoEmbeddingTaskStatus", 401, "nope")
    assert (elsewhere.operation, elsewhere.status) == (None, 404)
    assert [r.operation for r in embed_fake.calls()] == [
        "createVideoEmbeddingTask",
        "listVideoEmbeddingTasks",
        "getVideoEmbeddingTaskStatus",
    ]
    embed_fake.clear_requests()
    assert embed_fake.requests == []


def test_records_show_when_no_request_left_the_client(embed_fake: EmbedFake) -> None:
    """A client that validates locally and sends nothing leaves the record list empty."""
    with embed_fake.client():
        pass
    assert embed_fake.requests == []
    assert embed_fake.calls(CREATE_V2) == []
    with pytest.raises(KeyError):
        embed_fake.calls("noSuchOperation")
