"""Waiting for tasks (legacy `wait_for_done`, v2 `wait`, both `create_and_wait`), sync and async.

Time is a `FakeClock`: the injected `sleep` records each pause and moves the injected `clock`, so
the schedule (initial interval, backoff, cap, jitter, deadline) is asserted exactly and nothing
really waits. Transport retries are off (`NO_RETRY`) unless a test says otherwise, so every error
reaches the wait loop itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from twelvelabs_embed import (
    AuthenticationError,
    BadRequestError,
    EmbedError,
    NotFoundError,
    PermissionDeniedError,
    PollPolicy,
    TaskFailedError,
    WaitTimeoutError,
)
from twelvelabs_embed.models import EmbeddingTask, VideoEmbeddingTask, VideoEmbeddingTaskStatus

from ._support import (
    NO_RETRY,
    TASK_ID,
    FakeClock,
    Server,
    call,
    json_response,
    make_async_client,
    task_body,
    task_path,
    wait_op,
)

MODES = ["sync", "async"]
KINDS = ["legacy", "v2"]

# A schedule that is easy to read: 1, 2, 4, then capped at 5; no jitter, no fraction cap.
PLAIN = PollPolicy(initial_interval=1, multiplier=2, max_interval=5, max_delay_fraction=1000, jitter=0, timeout=1000)


def statuses(kind: str, *names: str) -> list[httpx.Response]:
    return [json_response(200, task_body(kind, name)) for name in names]


def status_of(task: Any) -> str:
    return str(getattr(task.status, "value", task.status))


def html_502() -> httpx.Response:
    return httpx.Response(
        502, text="<html><body><h1>502 Bad Gateway</h1></body></html>", headers={"content-type": "text/html"}
    )


def rate_limited(seconds: str | None = None) -> httpx.Response:
    headers = {"retry-after": seconds} if seconds is not None else {}
    return httpx.Response(429, json={"code": "too_many_requests", "message": "slow down"}, headers=headers)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", KINDS)
def test_first_poll_already_terminal(mode: str, kind: str) -> None:
    """A task that is ready on the first poll returns at once, after one callback and no sleep."""
    server, clock, seen = Server(*statuses(kind, "ready")), FakeClock(), []
    result = call(mode, server, wait_op(kind, callback=seen.append), clock=clock, poll=PLAIN, retry=NO_RETRY)
    assert status_of(result) == "ready"
    assert [status_of(t) for t in seen] == ["ready"]
    assert seen[0] is result
    assert clock.sleeps == []
    assert [r.url.path for r in server.requests] == [task_path(kind)]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", KINDS)
def test_backoff_is_exponential_and_capped(mode: str, kind: str) -> None:
    """Intervals start at `initial_interval`, grow by `multiplier` and stop growing at `max_interval`."""
    server = Server(*statuses(kind, *["processing"] * 6, "ready"))
    clock = FakeClock()
    result = call(mode, server, wait_op(kind), clock=clock, poll=PLAIN, retry=NO_RETRY)
    assert status_of(result) == "ready"
    assert clock.sleeps == [1, 2, 4, 5, 5, 5]
    assert len(server.requests) == 7


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", KINDS)
def test_initial_interval_is_honoured(mode: str, kind: str) -> None:
    """The first pause is the policy's `initial_interval`."""
    server, clock = Server(*statuses(kind, "processing", "ready")), FakeClock()
    policy = PollPolicy(initial_interval=0.25, jitter=0)
    call(mode, server, wait_op(kind), clock=clock, poll=policy, retry=NO_RETRY)
    assert clock.sleeps == [0.25]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", KINDS)
def test_jitter_shortens_each_interval_by_the_random_draw(mode: str, kind: str) -> None:
    """Each interval is reduced by `jitter * rand()`, with a fresh draw per interval."""
    draws = iter([0.0, 1.0, 0.5])
    server, clock = Server(*statuses(kind, "processing", "processing", "processing", "ready")), FakeClock()
    policy = PollPolicy(initial_interval=1, multiplier=2, max_interval=5, max_delay_fraction=1000, jitter=0.5)
    call(mode, server, wait_op(kind), clock=clock, poll=policy, retry=NO_RETRY, rand=lambda: next(draws))
    assert clock.sleeps == [1.0, 2 * 0.5, 4 * 0.75]


@pytest.mark.parametrize("mode", MODES)
def test_interval_is_capped_by_a_fraction_of_the_time_waited(mode: str) -> None:
    """An interval never exceeds `max_delay_fraction` of the time waited so far (nor drops below the initial one)."""
    server, clock = Server(*statuses("v2", *["processing"] * 5, "ready")), FakeClock()
    policy = PollPolicy(initial_interval=2, multiplier=2, max_interval=60, max_delay_fraction=0.5, jitter=0)
    call(mode, server, wait_op("v2"), clock=clock, poll=policy, retry=NO_RETRY)
    # elapsed 0, 2, 4, 6, 9 -> fraction caps 2 (floor), 2 (floor), 2, 3, 4.5
    assert clock.sleeps == [2, 2, 2, 3, 4.5]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", KINDS)
def test_deadline_raises_wait_timeout_with_last_status(mode: str, kind: str) -> None:
    """Past the deadline the wait raises WaitTimeoutError carrying the last status and task seen, never oversleeping."""
    server = Server(default=lambda request: json_response(200, task_body(kind, "processing")))
    clock = FakeClock()
    policy = PollPolicy(initial_interval=3, multiplier=1, max_interval=3, jitter=0, timeout=10)
    with pytest.raises(WaitTimeoutError) as info:
        call(mode, server, wait_op(kind), clock=clock, poll=policy, retry=NO_RETRY)
    error = info.value
    assert error.task_id == TASK_ID
    assert error.last_status == "processing"
    assert status_of(error.last) == "processing"
    assert error.timeout == 10
    assert clock.sleeps == [3, 3, 3, 1]
    assert sum(clock.sleeps) == 10
    assert len(server.requests) == 5
    assert "processing" in str(error) and TASK_ID in str(error)
    assert isinstance(error, EmbedError)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", KINDS)
def test_timeout_argument_overrides_the_policy_deadline(mode: str, kind: str) -> None:
    """`wait(..., timeout=4)` replaces the policy's deadline for that call."""
    server = Server(default=lambda request: json_response(200, task_body(kind, "processing")))
    clock = FakeClock()
    policy = PollPolicy(initial_interval=3, multiplier=1, max_interval=3, jitter=0, timeout=1000)
    with pytest.raises(WaitTimeoutError) as info:
        call(mode, server, wait_op(kind, timeout=4), clock=clock, poll=policy, retry=NO_RETRY)
    assert info.value.timeout == 4
    assert clock.sleeps == [3, 1]


@pytest.mark.parametrize("mode", MODES)
def test_deadline_keeps_last_status_through_errors(mode: str) -> None:
    """When polls keep failing after a `processing`, the timeout still reports `processing`."""
    server = Server(
        json_response(200, task_body("v2", "processing")),
        default=lambda request: httpx.Response(503, json={"code": "unavailable", "message": "down"}),
    )
    policy = PollPolicy(initial_interval=2, multiplier=1, max_interval=2, jitter=0, timeout=7)
    with pytest.raises(WaitTimeoutError) as info:
        call(mode, server, wait_op("v2"), poll=policy, retry=NO_RETRY)
    assert info.value.last_status == "processing"


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", KINDS)
def test_callback_runs_after_every_poll(mode: str, kind: str) -> None:
    """The callback receives every fetched status, in order, including the first and the terminal one."""
    server, seen = Server(*statuses(kind, "processing", "processing", "ready")), []
    call(mode, server, wait_op(kind, callback=seen.append), poll=PLAIN, retry=NO_RETRY)
    assert [status_of(t) for t in seen] == ["processing", "processing", "ready"]
    expected_type = VideoEmbeddingTaskStatus if kind == "legacy" else EmbeddingTask
    assert all(isinstance(t, expected_type) for t in seen)


@pytest.mark.parametrize("kind", KINDS)
def test_async_callback_may_be_a_coroutine_function(kind: str) -> None:
    """In the async client a coroutine-function callback is awaited after each poll."""
    server, seen = Server(*statuses(kind, "processing", "ready")), []

    async def record(task: Any) -> None:
        await asyncio.sleep(0)
        seen.append(status_of(task))

    call("async", server, wait_op(kind, callback=record), poll=PLAIN, retry=NO_RETRY)
    assert seen == ["processing", "ready"]


TRANSIENT: dict[str, Callable[[], Any]] = {
    "connect-error": lambda: httpx.ConnectError,
    "read-timeout": lambda: httpx.ReadTimeout,
    "remote-protocol-error": lambda: httpx.RemoteProtocolError,
    "408": lambda: httpx.Response(408, json={"code": "request_timeout", "message": "slow"}),
    "429": lambda: rate_limited(),
    "500": lambda: httpx.Response(500, json={"error": {"code": "INTERNAL_SERVER_ERROR", "message": "oops"}}),
    "502-html": html_502,
    "503": lambda: httpx.Response(503, text="Service Unavailable"),
    "504-empty": lambda: httpx.Response(504),
    "200-not-json": lambda: httpx.Response(200, text="<html>maintenance</html>", headers={"content-type": "text/html"}),
    "200-truncated-json": lambda: httpx.Response(200, content=b'{"_id": "64f8d2c7e4a1b37f8a9c5d12", "sta'),
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("error", list(TRANSIENT), ids=list(TRANSIENT))
def test_transient_error_is_absorbed(mode: str, kind: str, error: str) -> None:
    """A transient failure of one poll is absorbed: the wait pauses and polls again."""
    server, clock = Server(TRANSIENT[error](), *statuses(kind, "ready")), FakeClock()
    result = call(mode, server, wait_op(kind), clock=clock, poll=PLAIN, retry=NO_RETRY)
    assert status_of(result) == "ready"
    assert len(server.requests) == 2
    assert clock.sleeps == [1]


@pytest.mark.parametrize("mode", MODES)
def test_many_transient_errors_in_a_row_are_absorbed(mode: str) -> None:
    """A run of different transient failures between pending polls still ends in the ready task."""
    steps = [factory() for factory in TRANSIENT.values()]
    server = Server(json_response(200, task_body("v2", "processing")), *steps, *statuses("v2", "processing", "ready"))
    clock = FakeClock()
    result = call(mode, server, wait_op("v2"), clock=clock, poll=PLAIN, retry=NO_RETRY)
    assert status_of(result) == "ready"
    assert len(server.requests) == len(steps) + 3
    assert len(clock.sleeps) == len(steps) + 2


@pytest.mark.parametrize("mode", MODES)
def test_retry_after_on_429_lengthens_the_pause(mode: str) -> None:
    """A 429 with `Retry-After: 7` during a wait pauses 7 s, not the shorter poll interval."""
    server, clock = Server(rate_limited("7"), *statuses("v2", "ready")), FakeClock()
    call(mode, server, wait_op("v2"), clock=clock, poll=PLAIN, retry=NO_RETRY)
    assert clock.sleeps == [7]


FATAL = {400: BadRequestError, 401: AuthenticationError, 403: PermissionDeniedError, 404: NotFoundError}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("status", list(FATAL))
def test_fatal_error_is_raised_at_once(mode: str, kind: str, status: int) -> None:
    """400, 401, 403 and 404 end the wait immediately with the mapped error (no retry, no pause)."""
    server = Server(
        json_response(200, task_body(kind, "processing")),
        json_response(status, {"code": "nope", "message": f"status {status}"}),
    )
    clock = FakeClock()
    with pytest.raises(FATAL[status]) as info:
        call(mode, server, wait_op(kind), clock=clock, poll=PLAIN)
    assert info.value.status_code == status
    assert len(server.requests) == 2
    assert clock.sleeps == [1]


@pytest.mark.parametrize("mode", MODES)
def test_failed_v2_task_raises_with_the_server_reason(mode: str) -> None:
    """A v2 task that ends `failed` raises TaskFailedError carrying `error.message`, after the callback saw it."""
    reason = "Duration (35.0 seconds) exceeds maximum limit of 30 seconds (0 minutes)"
    server, seen = (
        Server(*statuses("v2", "processing"), json_response(200, task_body("v2", "failed", error=reason))),
        [],
    )
    with pytest.raises(TaskFailedError) as info:
        call(mode, server, wait_op("v2", callback=seen.append), poll=PLAIN, retry=NO_RETRY)
    error = info.value
    assert error.reason == reason
    assert error.task_id == TASK_ID
    assert isinstance(error.task, EmbeddingTask)
    assert reason in str(error)
    assert [status_of(t) for t in seen] == ["processing", "failed"]


@pytest.mark.parametrize("mode", MODES)
def test_failed_legacy_task_raises_without_a_reason(mode: str) -> None:
    """A legacy task that ends `failed` raises TaskFailedError saying the server gave no reason."""
    server = Server(*statuses("legacy", "failed"))
    with pytest.raises(TaskFailedError) as info:
        call(mode, server, wait_op("legacy"), poll=PLAIN, retry=NO_RETRY)
    assert info.value.reason is None
    assert "no reason" in str(info.value)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", KINDS)
def test_raise_on_failure_false_returns_the_failed_task(mode: str, kind: str) -> None:
    """With `raise_on_failure=False` a failed task is returned instead of raised."""
    server = Server(*statuses(kind, "failed"))
    result = call(mode, server, wait_op(kind, raise_on_failure=False), poll=PLAIN, retry=NO_RETRY)
    assert status_of(result) == "failed"


@pytest.mark.parametrize("mode", MODES)
def test_v2_create_and_wait(mode: str) -> None:
    """`v2.tasks.create_and_wait` creates once, polls the new task until ready and returns it."""
    server = Server(
        json_response(202, {"_id": TASK_ID, "status": "processing"}),
        *statuses("v2", "processing", "ready"),
    )
    clock, seen = FakeClock(), []
    result = call(
        mode,
        server,
        lambda c: c.v2.tasks.create_and_wait(
            input_type="video", url="https://m.example/v.mp4", callback=seen.append, timeout=60
        ),
        clock=clock,
        poll=PLAIN,
    )
    assert isinstance(result, EmbeddingTask) and status_of(result) == "ready"
    assert server.paths == [
        "POST /v1.3/embed-v2/tasks",
        f"GET /v1.3/embed-v2/tasks/{TASK_ID}",
        f"GET /v1.3/embed-v2/tasks/{TASK_ID}",
    ]
    assert len(seen) == 2 and clock.sleeps == [1]


@pytest.mark.parametrize("mode", MODES)
def test_legacy_create_and_wait_retrieves_the_embeddings(mode: str) -> None:
    """`legacy.tasks.create_and_wait` creates, waits on the status, then retrieves the segments with the options."""
    retrieved = {
        "_id": TASK_ID,
        "status": "ready",
        "video_embedding": {"segments": [{"start_offset_sec": 0, "end_offset_sec": 6, "float": [0.5, 0.25]}]},
    }
    server = Server(
        json_response(200, {"_id": TASK_ID}),
        *statuses("legacy", "processing", "ready"),
        json_response(200, retrieved),
    )
    result = call(
        mode,
        server,
        lambda c: c.legacy.tasks.create_and_wait(video_url="https://m.example/v.mp4", embedding_option=["audio"]),
        poll=PLAIN,
    )
    assert isinstance(result, VideoEmbeddingTask)
    assert result.video_embedding.segments[0].float_ == [0.5, 0.25]
    assert server.paths == [
        "POST /v1.3/embed/tasks",
        f"GET /v1.3/embed/tasks/{TASK_ID}/status",
        f"GET /v1.3/embed/tasks/{TASK_ID}/status",
        f"GET /v1.3/embed/tasks/{TASK_ID}",
    ]
    assert server.requests[-1].url.params.get_list("embedding_option") == ["audio"]


@pytest.mark.parametrize("mode", MODES)
def test_create_and_wait_failure_raises_task_failed(mode: str) -> None:
    """`create_and_wait` raises TaskFailedError when the new task fails."""
    server = Server(
        json_response(202, {"_id": TASK_ID, "status": "processing"}),
        json_response(200, task_body("v2", "failed", error="failed to fetch or materialize source media")),
    )
    with pytest.raises(TaskFailedError, match="materialize"):
        call(mode, server, lambda c: c.v2.tasks.create_and_wait(input_type="audio", asset_id="a1"), poll=PLAIN)


def test_transport_retries_and_wait_share_the_injected_sleep() -> None:
    """With transport retries on, a 503 is retried inside the poll (the wait sees no error) using the injected sleep."""
    server = Server(httpx.Response(503), *statuses("v2", "ready"))
    clock = FakeClock()
    result = call("sync", server, wait_op("v2"), clock=clock, poll=PLAIN)
    assert status_of(result) == "ready"
    assert len(server.requests) == 2
    assert clock.sleeps == [0.5]  # the RetryPolicy's first backoff (rand=0), not a poll interval


def test_async_client_uses_only_the_injected_async_sleep() -> None:
    """The async wait awaits the injected sleep (never asyncio.sleep with a real delay)."""
    server, clock = Server(*statuses("v2", "processing", "processing", "ready")), FakeClock()

    async def main() -> Any:
        async with make_async_client(server, clock=clock, poll=PLAIN, retry=NO_RETRY) as client:
            return await client.v2.tasks.wait(TASK_ID)

    assert status_of(asyncio.run(main())) == "ready"
    assert clock.sleeps == [1, 2]
