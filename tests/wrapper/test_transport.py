"""The transport: timeouts, retries with backoff and jitter, Retry-After, no duplicate tasks, re-sent uploads."""

from __future__ import annotations

import asyncio
import email.utils
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from twelvelabs_embed import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    NotFoundError,
    RateLimitError,
    RetryPolicy,
    ServerError,
    Timeouts,
)

from ._support import (
    NO_RETRY,
    TASK_ID,
    FakeClock,
    Server,
    call,
    json_response,
    make_async_client,
    make_client,
    v2_task,
)

MODES = ["sync", "async"]
URL = "https://media.example.com/clip.mp4"
DEFAULT_TIMEOUT = {"connect": 10.0, "read": 60.0, "write": 60.0, "pool": 10.0}


def get_task(client: Any) -> Any:
    return client.v2.tasks.retrieve(TASK_ID)


def ok_task() -> httpx.Response:
    return json_response(200, v2_task("ready", data=[]))


def created() -> httpx.Response:
    return json_response(202, {"_id": TASK_ID, "status": "processing"})


# ---------------------------------------------------------------- timeouts
@pytest.mark.parametrize("mode", MODES)
def test_default_timeouts_are_finite_and_set_per_phase(mode: str) -> None:
    """Every request carries finite connect/read/write/pool timeouts, with connect shorter than read."""
    server = Server(ok_task())
    call(mode, server, get_task)
    timeout = server.requests[0].extensions["timeout"]
    assert timeout == DEFAULT_TIMEOUT
    assert all(isinstance(v, float) and math.isfinite(v) and v > 0 for v in timeout.values())
    assert timeout["connect"] < timeout["read"]


@pytest.mark.parametrize("mode", MODES)
def test_constructor_timeouts_reach_the_request(mode: str) -> None:
    """`Timeouts(...)` given to the client is what each request carries."""
    server = Server(ok_task())
    call(mode, server, get_task, timeouts=Timeouts(connect=1, read=2, write=3, pool=4))
    assert server.requests[0].extensions["timeout"] == {"connect": 1, "read": 2, "write": 3, "pool": 4}


@pytest.mark.parametrize("mode", MODES)
def test_with_options_timeouts_apply_to_that_view_only(mode: str) -> None:
    """`with_options(timeouts=...)` changes the timeouts of calls made through the view, not the original client."""
    server = Server(ok_task(), ok_task())
    custom = Timeouts(connect=0.5, read=120, write=30, pool=1)

    def both(client: Any) -> Any:
        view = client.with_options(timeouts=custom)
        if mode == "sync":
            view.v2.tasks.retrieve(TASK_ID)
            client.v2.tasks.retrieve(TASK_ID)
            return None

        async def run() -> None:
            await view.v2.tasks.retrieve(TASK_ID)
            await client.v2.tasks.retrieve(TASK_ID)

        return run()

    call(mode, server, both)
    assert server.requests[0].extensions["timeout"] == {"connect": 0.5, "read": 120, "write": 30, "pool": 1}
    assert server.requests[1].extensions["timeout"] == DEFAULT_TIMEOUT


@pytest.mark.parametrize(
    ("own_timeout", "timeouts", "expected"),
    [
        (None, None, DEFAULT_TIMEOUT),
        (httpx.Timeout(7.0), None, {"connect": 7.0, "read": 7.0, "write": 7.0, "pool": 7.0}),
        (httpx.Timeout(5.0, read=None), None, {"connect": 5.0, "read": 60.0, "write": 5.0, "pool": 5.0}),
        (
            httpx.Timeout(7.0),
            Timeouts(connect=1, read=2, write=3, pool=4),
            {"connect": 1, "read": 2, "write": 3, "pool": 4},
        ),
    ],
    ids=["infinite-client", "client-own", "client-partly-infinite", "explicit-wins"],
)
def test_injected_http_client_gets_finite_timeouts(
    own_timeout: httpx.Timeout | None, timeouts: Timeouts | None, expected: dict[str, float]
) -> None:
    """An injected httpx client keeps its finite timeouts, loses infinite ones, and yields to explicit `timeouts`."""
    server = Server(ok_task())
    own = httpx.Client(transport=httpx.MockTransport(server), timeout=own_timeout)
    with make_client(http_client=own, timeouts=timeouts) as client:
        client.v2.tasks.retrieve(TASK_ID)
    assert server.requests[0].extensions["timeout"] == expected


def test_injected_async_http_client_gets_finite_timeouts() -> None:
    """The async client applies the same timeout rule to an injected httpx.AsyncClient."""
    server = Server(ok_task())

    async def main() -> None:
        own = httpx.AsyncClient(transport=httpx.MockTransport(server), timeout=None)
        async with make_async_client(http_client=own) as client:
            await client.v2.tasks.retrieve(TASK_ID)

    asyncio.run(main())
    assert server.requests[0].extensions["timeout"] == DEFAULT_TIMEOUT


@pytest.mark.parametrize(
    "kwargs", [{"read": math.inf}, {"connect": math.nan}, {"write": 0}, {"pool": -1}, {"read": None}, {"read": True}]
)
def test_timeouts_must_be_finite_positive(kwargs: dict[str, Any]) -> None:
    """A timeout that is infinite, NaN, zero, negative or not a number is refused."""
    with pytest.raises(ConfigurationError, match="Timeouts"):
        Timeouts(**kwargs)


# ---------------------------------------------------------------- retries of idempotent requests
RETRYABLE: dict[str, Callable[[], Any]] = {
    "connect-error": lambda: httpx.ConnectError,
    "connect-timeout": lambda: httpx.ConnectTimeout,
    "read-timeout": lambda: httpx.ReadTimeout,
    "read-error": lambda: httpx.ReadError,
    "408": lambda: httpx.Response(408),
    "429": lambda: httpx.Response(429, json={"code": "too_many_requests", "message": "slow down"}),
    "500": lambda: httpx.Response(500),
    "502": lambda: httpx.Response(502, text="<html>bad gateway</html>"),
    "503": lambda: httpx.Response(503),
    "504": lambda: httpx.Response(504),
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("failure", list(RETRYABLE), ids=list(RETRYABLE))
def test_get_is_retried_after_transient_failure(mode: str, failure: str) -> None:
    """A GET that hits a connection error, a timeout, 408, 429 or 5xx is retried after a backoff."""
    server, clock = Server(RETRYABLE[failure](), ok_task()), FakeClock()
    task = call(mode, server, get_task, clock=clock)
    assert task.id == TASK_ID
    assert len(server.requests) == 2
    assert clock.sleeps == [0.5]


@pytest.mark.parametrize("mode", MODES)
def test_backoff_is_exponential_capped_and_jittered(mode: str) -> None:
    """Delays follow initial*multiplier**n, capped at max_delay, each reduced by jitter*rand()."""
    draws = iter([0.0, 1.0, 0.5, 0.25])
    server = Server(*[httpx.Response(503) for _ in range(4)], ok_task())
    clock = FakeClock()
    policy = RetryPolicy(max_retries=4, initial_delay=1, multiplier=2, max_delay=3, jitter=0.5)
    call(mode, server, get_task, clock=clock, retry=policy, rand=lambda: next(draws))
    assert clock.sleeps == [1.0, 2 * 0.5, 3 * 0.75, 3 * 0.875]
    assert len(server.requests) == 5


@pytest.mark.parametrize("mode", MODES)
def test_retries_stop_after_max_retries(mode: str) -> None:
    """After `max_retries` retries the last failure is raised as its typed error."""
    server, clock = (
        Server(default=lambda r: httpx.Response(503, json={"code": "busy", "message": "later"})),
        FakeClock(),
    )
    with pytest.raises(ServerError) as info:
        call(mode, server, get_task, clock=clock, retry=RetryPolicy(max_retries=2))
    assert info.value.status_code == 503
    assert len(server.requests) == 3
    assert clock.sleeps == [0.5, 1.0]


@pytest.mark.parametrize("mode", MODES)
def test_connection_errors_exhausting_retries_raise_typed(mode: str) -> None:
    """Connection failures that outlast the retries surface as APIConnectionError / APITimeoutError."""
    with pytest.raises(APIConnectionError):
        call(mode, Server(default=_raise(httpx.ConnectError)), get_task, retry=RetryPolicy(max_retries=1))
    with pytest.raises(APITimeoutError):
        call(mode, Server(default=_raise(httpx.ReadTimeout)), get_task, retry=RetryPolicy(max_retries=1))


def _raise(kind: type[httpx.TransportError]) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        raise kind("down", request=request)

    return handler


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("status", "error"), [(400, BadRequestError), (401, AuthenticationError), (404, NotFoundError)]
)
def test_client_errors_are_not_retried(mode: str, status: int, error: type[Exception]) -> None:
    """400, 401 and 404 are raised after a single request."""
    server, clock = Server(json_response(status, {"code": "x", "message": "y"})), FakeClock()
    with pytest.raises(error):
        call(mode, server, get_task, clock=clock)
    assert len(server.requests) == 1 and clock.sleeps == []


@pytest.mark.parametrize("mode", MODES)
def test_max_retries_zero_disables_retries(mode: str) -> None:
    """`RetryPolicy(max_retries=0)` sends each request once."""
    server, clock = Server(httpx.Response(503), ok_task()), FakeClock()
    with pytest.raises(ServerError):
        call(mode, server, get_task, clock=clock, retry=RetryPolicy(max_retries=0))
    assert len(server.requests) == 1 and clock.sleeps == []


@pytest.mark.parametrize("mode", MODES)
def test_with_options_retry_applies_to_that_view_only(mode: str) -> None:
    """`with_options(retry=...)` turns retries off for the view while the original client keeps retrying."""
    server = Server(httpx.Response(503), httpx.Response(503), ok_task())
    outcome: dict[str, Any] = {}

    def both(client: Any) -> Any:
        view = client.with_options(retry=NO_RETRY)
        if mode == "sync":
            with pytest.raises(ServerError):
                view.v2.tasks.retrieve(TASK_ID)
            outcome["task"] = client.v2.tasks.retrieve(TASK_ID)
            return None

        async def run() -> None:
            with pytest.raises(ServerError):
                await view.v2.tasks.retrieve(TASK_ID)
            outcome["task"] = await client.v2.tasks.retrieve(TASK_ID)

        return run()

    call(mode, server, both)
    assert outcome["task"].id == TASK_ID
    assert len(server.requests) == 3


@pytest.mark.parametrize(
    "kwargs",
    [{"max_retries": -1}, {"max_retries": 1.5}, {"jitter": 1.5}, {"initial_delay": math.nan}, {"multiplier": 0.5}],
)
def test_retry_policy_rejects_nonsense(kwargs: dict[str, Any]) -> None:
    """A RetryPolicy with a negative count, jitter above 1, NaN delay or shrinking multiplier is refused."""
    with pytest.raises(ConfigurationError, match="RetryPolicy"):
        RetryPolicy(**kwargs)


# ---------------------------------------------------------------- Retry-After
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after": "3"}, 3.0),
        ({"retry-after": "0.25"}, 0.25),
        ({"retry-after-ms": "1500"}, 1.5),
        ({"retry-after-ms": "200", "retry-after": "9"}, 0.2),
        ({"retry-after": "soon"}, 0.5),  # unreadable: the normal backoff
    ],
    ids=["seconds", "fractional", "ms", "ms-wins", "garbage"],
)
def test_retry_after_header_sets_the_delay(mode: str, headers: dict[str, str], expected: float) -> None:
    """`Retry-After` (seconds) and `retry-after-ms` replace the backoff delay; an unreadable value is ignored."""
    server, clock = Server(httpx.Response(429, headers=headers), ok_task()), FakeClock()
    call(mode, server, get_task, clock=clock)
    assert clock.sleeps == [expected]


@pytest.mark.parametrize("mode", MODES)
def test_retry_after_http_date(mode: str) -> None:
    """`Retry-After` as an HTTP date waits until that moment."""
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    server, clock = Server(httpx.Response(503, headers={"Retry-After": when}), ok_task()), FakeClock()
    call(mode, server, get_task, clock=clock)
    (delay,) = clock.sleeps
    assert 20 < delay <= 30


@pytest.mark.parametrize("mode", MODES)
def test_retry_after_http_date_in_the_past_retries_at_once(mode: str) -> None:
    """A `Retry-After` date already past means retry without waiting."""
    server, clock = (
        Server(httpx.Response(429, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}), ok_task()),
        FakeClock(),
    )
    call(mode, server, get_task, clock=clock)
    assert clock.sleeps == [0.0]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "headers", [{"retry-after": "120"}, {"retry-after-ms": "90000"}], ids=["retry-after", "retry-after-ms"]
)
def test_retry_after_above_cap_is_raised_not_waited(mode: str, headers: dict[str, str]) -> None:
    """A Retry-After longer than `max_retry_after` is not slept on: RateLimitError carries it instead."""
    server = Server(httpx.Response(429, json={"code": "too_many_requests", "message": "limit"}, headers=headers))
    clock = FakeClock()
    with pytest.raises(RateLimitError) as info:
        call(mode, server, get_task, clock=clock)
    assert info.value.retry_after == pytest.approx(float(headers.get("retry-after", 0)) or 90.0)
    assert len(server.requests) == 1
    assert clock.sleeps == []


@pytest.mark.parametrize("mode", MODES)
def test_larger_cap_allows_a_longer_retry_after(mode: str) -> None:
    """Raising `max_retry_after` lets the client wait a long Retry-After."""
    server, clock = Server(httpx.Response(429, headers={"retry-after": "120"}), ok_task()), FakeClock()
    call(mode, server, get_task, clock=clock, retry=RetryPolicy(max_retry_after=300))
    assert clock.sleeps == [120]


# ---------------------------------------------------------------- task-creating POSTs
CREATES: dict[str, Callable[[Any], Any]] = {
    "legacy": lambda c: c.legacy.tasks.create(video_url=URL),
    "v2": lambda c: c.v2.tasks.create(input_type="video", url=URL),
}
CREATE_PATHS = {"legacy": "/v1.3/embed/tasks", "v2": "/v1.3/embed-v2/tasks"}
AFTER_SENDING: dict[str, tuple[Callable[[], Any], type[Exception]]] = {
    "408": (lambda: httpx.Response(408), APIStatusError),
    "500": (lambda: httpx.Response(500, json={"error": {"code": "INTERNAL", "message": "oops"}}), ServerError),
    "502": (lambda: httpx.Response(502, text="<html>Bad Gateway</html>"), ServerError),
    "503": (lambda: httpx.Response(503), ServerError),
    "504": (lambda: httpx.Response(504), ServerError),
    "read-timeout": (lambda: httpx.ReadTimeout, APITimeoutError),
    "write-timeout": (lambda: httpx.WriteTimeout, APITimeoutError),
    "read-error": (lambda: httpx.ReadError, APIConnectionError),
    "remote-protocol-error": (lambda: httpx.RemoteProtocolError, APIConnectionError),
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", list(CREATES))
@pytest.mark.parametrize("failure", list(AFTER_SENDING), ids=list(AFTER_SENDING))
def test_task_create_is_never_retried_after_sending(mode: str, kind: str, failure: str) -> None:
    """A task-creating POST that may have reached the server (5xx, 408, read/write failure) is sent only ONCE."""
    factory, expected = AFTER_SENDING[failure]
    server, clock = Server(factory(), created()), FakeClock()
    with pytest.raises(expected):
        call(mode, server, CREATES[kind], clock=clock, retry=RetryPolicy(max_retries=5))
    assert [r.url.path for r in server.requests] == [CREATE_PATHS[kind]]
    assert clock.sleeps == []


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", list(CREATES))
@pytest.mark.parametrize(
    "failure",
    [
        lambda: httpx.Response(429, json={"code": "too_many_requests", "message": "limit"}),
        lambda: httpx.ConnectError,
        lambda: httpx.ConnectTimeout,
    ],
    ids=["429", "connect-error", "connect-timeout"],
)
def test_task_create_is_retried_when_nothing_was_created(mode: str, kind: str, failure: Callable[[], Any]) -> None:
    """A task-creating POST is retried on 429 and on a connection that failed before sending."""
    server, clock = Server(failure(), created()), FakeClock()
    result = call(mode, server, CREATES[kind], clock=clock)
    assert result.id == TASK_ID
    assert len(server.requests) == 2
    assert clock.sleeps == [0.5]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "op",
    [
        lambda c: c.v2.embeddings.create(input_type="text", text="a cat"),
        lambda c: c.legacy.embeddings.create(text="a cat"),
    ],
    ids=["POST /embed-v2", "POST /embed"],
)
def test_non_task_posts_are_retried_on_5xx(mode: str, op: Callable[[Any], Any]) -> None:
    """Sync embedding POSTs create nothing server-side, so a 502 is retried for them."""
    body = {"data": [{"embedding": [0.1]}], "model_name": "marengo3.0"}
    server = Server(httpx.Response(502), json_response(200, body))
    call(mode, server, op)
    assert len(server.requests) == 2


# ---------------------------------------------------------------- re-sent uploads
@dataclass
class Attempt:
    """One scripted attempt: read the body (all of it, or only its first chunk) then answer or fail."""

    answer: httpx.Response | type[httpx.TransportError]
    partial: bool = False


class StreamingTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Consumes `request.stream` the way a real transport does (MockTransport would cache the body)."""

    def __init__(self, *attempts: Attempt) -> None:
        self.attempts = list(attempts)
        self.bodies: list[bytes] = []

    def _finish(self, request: httpx.Request, attempt: Attempt, body: bytes) -> httpx.Response:
        self.bodies.append(body)
        if isinstance(attempt.answer, httpx.Response):
            return attempt.answer
        raise attempt.answer("cut off", request=request)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        attempt, body = self.attempts.pop(0), b""
        assert isinstance(request.stream, httpx.SyncByteStream)
        for chunk in request.stream:
            body += chunk
            if attempt.partial:
                break
        return self._finish(request, attempt, body)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        attempt, body = self.attempts.pop(0), b""
        assert isinstance(request.stream, httpx.AsyncByteStream)
        async for chunk in request.stream:
            body += chunk
            if attempt.partial:
                break
        return self._finish(request, attempt, body)


def run_with(mode: str, transport: StreamingTransport, op: Callable[[Any], Any], **kwargs: Any) -> Any:
    if mode == "sync":
        with make_client(transport=transport, **kwargs) as client:
            return op(client)

    async def main() -> Any:
        async with make_async_client(transport=transport, **kwargs) as client:
            return await op(client)

    return asyncio.run(main())


@pytest.fixture
def video(tmp_path: Path) -> tuple[Path, bytes]:
    payload = bytes(range(256)) * 800  # 200 KiB: several multipart chunks
    path = tmp_path / "clip.mp4"
    path.write_bytes(payload)
    return path, payload


@pytest.mark.parametrize("mode", MODES)
def test_retried_task_upload_resends_the_whole_body(mode: str, video: tuple[Path, bytes]) -> None:
    """A legacy task upload retried after a 429 sends the same complete multipart body again, from the first byte."""
    path, payload = video
    transport = StreamingTransport(
        Attempt(httpx.Response(429, headers={"retry-after": "1"})),
        Attempt(json_response(200, {"_id": TASK_ID})),
    )
    result = run_with(mode, transport, lambda c: c.legacy.tasks.create(video_file=path, video_clip_length=4))
    assert result.id == TASK_ID
    first, second = transport.bodies
    assert first == second
    assert payload in first
    assert b'name="video_clip_length"' in first


@pytest.mark.parametrize("mode", MODES)
def test_upload_cut_off_midway_is_resent_from_the_start(mode: str, video: tuple[Path, bytes]) -> None:
    """After a write error part-way through an upload, the retry re-sends the body from its first byte."""
    path, payload = video
    transport = StreamingTransport(
        Attempt(httpx.WriteError, partial=True),
        Attempt(httpx.Response(503)),
        Attempt(json_response(200, {"model_name": "marengo3.0"})),
    )
    run_with(mode, transport, lambda c: c.legacy.embeddings.create(audio_file=path, text="a cat"))
    partial, second, third = transport.bodies
    assert second == third
    assert payload in second
    assert 0 < len(partial) < len(second)
    assert second.startswith(partial)


class NonSeekable:
    """A binary stream that cannot rewind (a pipe, a socket)."""

    mode = "rb"
    name = "pipe.mp4"

    def __init__(self, data: bytes) -> None:
        self._data = data

    def read(self, size: int = -1) -> bytes:
        chunk, self._data = (self._data, b"") if size < 0 else (self._data[:size], self._data[size:])
        return chunk

    def seekable(self) -> bool:
        return False


@pytest.mark.parametrize("mode", MODES)
def test_non_rewindable_upload_is_not_retried(mode: str) -> None:
    """An upload from a stream that cannot rewind is never re-sent (it would go out truncated)."""
    transport = StreamingTransport(
        Attempt(httpx.Response(429, json={"code": "too_many_requests", "message": "limit"})),
        Attempt(json_response(200, {"_id": TASK_ID})),
    )
    with pytest.raises(RateLimitError):
        run_with(mode, transport, lambda c: c.legacy.tasks.create(video_file=NonSeekable(b"x" * 1000)))
    assert len(transport.bodies) == 1
