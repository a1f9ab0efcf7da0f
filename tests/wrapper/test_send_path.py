"""The one send path: settings travel with the request, retry safety is declared at the call site,
every call has a deadline and a byte cap, and whatever fails comes out as an `EmbedError`."""

from __future__ import annotations

import asyncio
import gzip
from typing import Any

import httpx
import pytest

from twelvelabs_embed import (
    APIConnectionError,
    APITimeoutError,
    ConfigurationError,
    EmbedError,
    ResponseTooLargeError,
    RetryPolicy,
    ServerError,
    Timeouts,
)
from twelvelabs_embed._exchange import EXTENSION, CallSettings
from twelvelabs_embed._retry import parse_retry_after
from twelvelabs_embed_generated.api.embed_v2_tasks import get_embedding_task_v2
from twelvelabs_embed_generated.models import EmbeddingTask
from twelvelabs_embed_generated.types import ApiRequest

from ._support import API_KEY, TASK_ID, FakeClock, Server, call, json_response, make_client, v2_task

MODES = ["sync", "async"]


def _get_call() -> ApiRequest[EmbeddingTask]:
    return get_embedding_task_v2.build_request(TASK_ID)


class Chunks(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A body sent in chunks, without a Content-Length, to sync and async clients alike."""

    def __init__(self, chunks: Any) -> None:
        self._chunks = chunks

    def __iter__(self) -> Any:
        yield from self._chunks

    async def __aiter__(self) -> Any:
        for chunk in self._chunks:
            yield chunk


def _post_call(path: str) -> ApiRequest[EmbeddingTask]:
    """A POST to an arbitrary path whose success body is a task (stands for any future operation)."""
    return ApiRequest(
        operation="made_up",
        success="EmbeddingTask",
        kwargs={"method": "post", "url": path, "json": {}},
        parse_success=EmbeddingTask.from_dict,
    )


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("path", ["/assets", "/embed-v2/tasks", "/anything/else"])
def test_a_call_declared_as_creating_is_never_resent_after_a_5xx(mode: str, path: str) -> None:
    """`creates=True` at the call site, not the URL, decides: a 500 after sending is raised, never retried."""
    server = Server(json_response(500, {"message": "boom"}), default=lambda r: json_response(200, v2_task()))
    with pytest.raises(ServerError):
        call(mode, server, lambda c: c._send(_post_call(path), creates=True))
    assert len(server.requests) == 1


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("path", ["/assets", "/embed-v2/tasks"])
def test_a_call_declared_as_not_creating_is_retried_whatever_its_path(mode: str, path: str) -> None:
    """`creates=False` lets a POST be retried after a 5xx, even on a path ending in /tasks."""
    server = Server(json_response(500, {"message": "boom"}), json_response(200, v2_task()))
    task = call(mode, server, lambda c: c._send(_post_call(path), creates=False))
    assert task.id == TASK_ID and len(server.requests) == 2


@pytest.mark.parametrize("mode", MODES)
def test_settings_travel_in_request_extensions(mode: str) -> None:
    """Each request carries its CallSettings (policy, timeouts, creates, deadline) in its extensions."""
    server = Server(json_response(200, v2_task()))
    retry = RetryPolicy(max_retries=1)
    timeouts = Timeouts(read=7.0, total=30.0)
    call(mode, server, lambda c: c.with_options(retry=retry, timeouts=timeouts).v2.tasks.retrieve(TASK_ID))
    settings = server.requests[0].extensions[EXTENSION]
    assert isinstance(settings, CallSettings)
    assert settings.retry is retry and settings.timeouts is timeouts and settings.creates is False
    assert settings.deadline == pytest.approx(1000.0 + 30.0)
    assert server.requests[0].extensions["timeout"]["read"] == 7.0


@pytest.mark.parametrize("mode", MODES)
def test_phase_timeouts_are_clipped_to_the_time_left(mode: str) -> None:
    """A call whose deadline is near sends with per-phase timeouts no longer than the time it has left."""
    server = Server(json_response(200, v2_task()))
    call(mode, server, lambda c: c.with_options(timeouts=Timeouts(read=60.0, total=2.5)).v2.tasks.retrieve(TASK_ID))
    timeout = server.requests[0].extensions["timeout"]
    assert timeout["read"] == pytest.approx(2.5) and timeout["connect"] == pytest.approx(2.5)


@pytest.mark.parametrize("mode", MODES)
def test_retries_stop_at_the_call_deadline(mode: str) -> None:
    """Retries and their pauses never run past `Timeouts.total`: the last error is raised instead."""
    clock = FakeClock()
    server = Server(default=lambda r: json_response(503, {"message": "busy"}, **{"Retry-After": "4"}))
    with pytest.raises(ServerError) as info:
        call(
            mode,
            server,
            lambda c: c.with_options(
                retry=RetryPolicy(max_retries=10), timeouts=Timeouts(total=10.0)
            ).v2.tasks.retrieve(TASK_ID),
            clock=clock,
        )
    assert info.value.retry_after == 4
    assert sum(clock.sleeps) <= 10.0 and len(server.requests) == 3


@pytest.mark.parametrize("mode", MODES)
def test_body_over_the_cap_is_a_typed_error(mode: str) -> None:
    """A body larger than `max_response_bytes` raises ResponseTooLargeError, as declared or as streamed."""
    big = b'{"_id": "' + b"x" * 5000 + b'"}'
    server = Server(httpx.Response(200, content=big), httpx.Response(200, stream=Chunks([big[:2000], big[2000:]])))
    for _ in range(2):
        with pytest.raises(ResponseTooLargeError) as info:
            call(mode, server, lambda c: c.v2.tasks.retrieve(TASK_ID), max_response_bytes=1000)
        assert info.value.limit == 1000 and info.value.status_code == 200


@pytest.mark.parametrize("mode", MODES)
def test_decompressed_body_over_the_cap_is_a_typed_error(mode: str) -> None:
    """A small gzip body that inflates past the cap is stopped (the cap applies after decoding too)."""
    bomb = gzip.compress(b"[" + b"0," * 200_000 + b"0]")
    assert len(bomb) < 2000
    server = Server(httpx.Response(200, content=bomb, headers={"content-encoding": "gzip"}))
    with pytest.raises(ResponseTooLargeError):
        call(mode, server, lambda c: c.v2.tasks.retrieve(TASK_ID), max_response_bytes=100_000)


@pytest.mark.parametrize("mode", MODES)
def test_gzip_body_within_the_cap_parses(mode: str) -> None:
    """A compressed success body is decoded once and parsed into the model."""
    body = gzip.compress(httpx.Response(200, json=v2_task("ready")).content)
    server = Server(httpx.Response(200, content=body, headers={"content-encoding": "gzip"}))
    task = call(mode, server, lambda c: c.v2.tasks.retrieve(TASK_ID))
    assert task.id == TASK_ID


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "exc",
    [
        RuntimeError("boom"),
        OSError(5, "Input/output error"),
        ValueError("bad"),
        UnicodeEncodeError("ascii", "é", 0, 1, "x"),
    ],
)
def test_any_exception_from_below_is_an_embed_error(mode: str, exc: Exception) -> None:
    """Whatever the transport raises (not only httpx errors) surfaces as an EmbedError with its cause."""

    def boom(request: httpx.Request) -> httpx.Response:
        raise exc

    with pytest.raises(EmbedError) as info:
        call(mode, Server(boom), lambda c: c.v2.tasks.retrieve(TASK_ID))
    assert isinstance(info.value, APIConnectionError) and info.value.__cause__ is exc
    assert API_KEY not in str(info.value)


def test_use_after_close_is_a_configuration_error() -> None:
    """Calling a closed client raises ConfigurationError, not httpx's RuntimeError."""
    client = make_client(Server(json_response(200, v2_task())))
    client.close()
    with pytest.raises(ConfigurationError, match="closed"):
        client.v2.tasks.retrieve(TASK_ID)


def test_async_client_on_a_second_event_loop_fails_typed() -> None:
    """An AsyncEmbedClient reused from another event loop fails with an EmbedError, never a RuntimeError."""
    from twelvelabs_embed import AsyncEmbedClient

    client = AsyncEmbedClient(API_KEY, base_url="http://127.0.0.1:9/v1.3", retry=RetryPolicy(max_retries=0))

    async def once() -> Any:
        return await client.v2.tasks.retrieve(TASK_ID)

    for _ in range(2):
        with pytest.raises(EmbedError):
            asyncio.run(once())


@pytest.mark.parametrize("key", ["tlk_abcé", "tlk_\x0bsecret", "tlk_\x7f"])
def test_non_printable_or_non_ascii_key_is_refused_without_echo(key: str) -> None:
    """A key that cannot travel in a header is a ConfigurationError that does not show the key."""
    from twelvelabs_embed import EmbedClient

    with pytest.raises(ConfigurationError) as info:
        EmbedClient(key, base_url="http://127.0.0.1:1/v1.3")
    assert key not in str(info.value) and "secret" not in str(info.value)


@pytest.mark.parametrize("url", ["http://127.0.0.1:99999/v1.3", "http://127.0.0.1:0/v1.3"])
def test_base_url_with_an_invalid_port_is_refused(url: str) -> None:
    """A port outside 1-65535 is a ConfigurationError (httpx would wrap it around to another port)."""
    from twelvelabs_embed import EmbedClient

    with pytest.raises(ConfigurationError, match="port"):
        EmbedClient(API_KEY, base_url=url)


@pytest.mark.parametrize(
    "value",
    [
        "Mon, 01 Jan 2024 00:00:00 +9999999999",
        "Fri, 31 Dec 99999 23:59:59 GMT",
        "Mon, 01 Jan 2024 00:00:00 -9999999999",
    ],
)
def test_absurd_retry_after_dates_are_ignored(value: str) -> None:
    """A hostile HTTP date in Retry-After is ignored (None), never an OverflowError."""
    assert parse_retry_after({"retry-after": value}) is None


@pytest.mark.parametrize("mode", MODES)
def test_server_text_echoing_the_key_is_redacted(mode: str) -> None:
    """A server message that quotes the API key reaches the error with the key replaced by ****."""
    server = Server(json_response(400, {"code": "parameter_invalid", "message": f"bad key {API_KEY}"}))
    with pytest.raises(EmbedError) as info:
        call(mode, server, lambda c: c.v2.tasks.retrieve(TASK_ID))
    assert API_KEY not in str(info.value) and "****" in str(info.value)


@pytest.mark.parametrize("mode", MODES)
def test_a_deadline_passed_mid_body_is_a_timeout(mode: str) -> None:
    """A body whose chunks keep coming past the call's deadline ends with APITimeoutError."""
    clock = FakeClock()

    def chunks() -> Any:
        for _ in range(100):
            clock.now += 1.0  # each chunk arrives a second later
            yield b" "

    server = Server(lambda r: httpx.Response(200, stream=Chunks(chunks())))
    with pytest.raises(APITimeoutError, match="deadline"):
        call(
            mode,
            server,
            lambda c: c.with_options(timeouts=Timeouts(total=5.0), retry=RetryPolicy(max_retries=0)).v2.tasks.retrieve(
                TASK_ID
            ),
            clock=clock,
        )
    assert clock.now - 1000.0 <= 6.0
