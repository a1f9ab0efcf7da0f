"""The exception tree and how responses become typed errors (status mapping, both body shapes, bad bodies)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

import twelvelabs_embed
from twelvelabs_embed import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AssetFailedError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    ConflictError,
    EmbedError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    RateLimitError,
    ResponseError,
    ResponseParseError,
    ResponseTooLargeError,
    ServerError,
    TaskFailedError,
    TransportError,
    UnprocessableEntityError,
    UploadError,
    ValidationError,
    WaitTimeoutError,
)

from ._support import NO_RETRY, TASK_ID, Server, call, json_response

MODES = ["sync", "async"]

PARENTS: dict[type[Exception], type[Exception]] = {
    ConfigurationError: EmbedError,
    ValidationError: EmbedError,
    TransportError: EmbedError,
    APIConnectionError: TransportError,
    APITimeoutError: TransportError,
    ResponseError: EmbedError,
    ResponseParseError: ResponseError,
    ResponseTooLargeError: ResponseError,
    APIStatusError: ResponseError,
    BadRequestError: APIStatusError,
    AuthenticationError: APIStatusError,
    PermissionDeniedError: APIStatusError,
    NotFoundError: APIStatusError,
    ConflictError: APIStatusError,
    PayloadTooLargeError: APIStatusError,
    UnprocessableEntityError: APIStatusError,
    RateLimitError: APIStatusError,
    ServerError: APIStatusError,
    TaskFailedError: EmbedError,
    AssetFailedError: TaskFailedError,
    UploadError: EmbedError,
    WaitTimeoutError: EmbedError,
}


def exported_exceptions() -> list[type[BaseException]]:
    return [
        value
        for name in twelvelabs_embed.__all__
        if isinstance(value := getattr(twelvelabs_embed, name), type) and issubclass(value, BaseException)
    ]


def test_single_root() -> None:
    """Every exported exception derives from EmbedError, and EmbedError derives directly from Exception."""
    assert EmbedError.__bases__ == (Exception,)
    exported = exported_exceptions()
    assert len(exported) == len(PARENTS) + 1
    for cls in exported:
        assert issubclass(cls, EmbedError), cls


@pytest.mark.parametrize("cls", list(PARENTS), ids=[c.__name__ for c in PARENTS])
def test_tree_shape(cls: type[Exception]) -> None:
    """Each exception sits under the parent the documented tree gives it."""
    assert PARENTS[cls] in cls.__bases__


def test_argument_errors_are_value_errors() -> None:
    """ValidationError and ConfigurationError are also ValueError; response errors are not."""
    assert issubclass(ValidationError, ValueError)
    assert issubclass(ConfigurationError, ValueError)
    assert not issubclass(APIStatusError, ValueError)


def test_tree_is_drawn_in_the_module_docstring() -> None:
    """The `_errors` docstring names every exception class, so the drawn tree stays complete."""
    from twelvelabs_embed import _errors

    for cls in exported_exceptions():
        assert cls.__name__ in (_errors.__doc__ or ""), cls.__name__


STATUS_CLASSES = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    413: PayloadTooLargeError,
    422: UnprocessableEntityError,
    429: RateLimitError,
    500: ServerError,
    501: ServerError,
    502: ServerError,
    503: ServerError,
    504: ServerError,
    418: APIStatusError,
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("status", "cls"), list(STATUS_CLASSES.items()))
def test_status_maps_to_class_with_fields(mode: str, status: int, cls: type[APIStatusError]) -> None:
    """Each status raises its class, carrying status, code, message, request id and the raw response."""
    response = json_response(
        status, {"code": "parameter_invalid", "message": "why it failed"}, **{"x-request-id": "req-77"}
    )
    with pytest.raises(APIStatusError) as info:
        call(mode, Server(response), lambda c: c.v2.tasks.retrieve(TASK_ID), retry=NO_RETRY)
    error = info.value
    assert type(error) is cls
    assert error.status_code == status
    assert error.code == "parameter_invalid"
    assert error.message == "why it failed"
    assert error.request_id == "req-77"
    assert isinstance(error.response, httpx.Response) and error.response.status_code == status
    assert str(status) in str(error)


@pytest.mark.parametrize("mode", MODES)
def test_rate_limit_error_carries_retry_after(mode: str) -> None:
    """A 429 that is not retried carries the server's Retry-After in seconds."""
    response = json_response(429, {"code": "too_many_requests", "message": "limit"}, **{"retry-after": "42"})
    with pytest.raises(RateLimitError) as info:
        call(mode, Server(response), lambda c: c.v2.tasks.retrieve(TASK_ID), retry=NO_RETRY)
    assert info.value.retry_after == 42.0


def test_rate_limit_without_header_has_no_retry_after() -> None:
    """A 429 without a hint has `retry_after` None."""
    with pytest.raises(RateLimitError) as info:
        call("sync", Server(httpx.Response(429)), lambda c: c.v2.tasks.retrieve(TASK_ID), retry=NO_RETRY)
    assert info.value.retry_after is None


BODIES = {
    "flat": ({"code": "api_key_invalid", "message": "The API key is invalid."}, {}),
    "flat-with-docs-url": (
        {"code": "api_key_invalid", "message": "The API key is invalid.", "docs_url": "https://docs.example/e"},
        {},
    ),
    "nested": (
        {"error": {"code": "api_key_invalid", "message": "The API key is invalid.", "details": {"field": "x"}}},
        {"field": "x"},
    ),
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("shape", list(BODIES))
def test_both_error_body_shapes_parse(mode: str, shape: str) -> None:
    """Flat `{code,message}` and nested `{error:{code,message,details}}` bodies give the same code and message."""
    body, details = BODIES[shape]
    with pytest.raises(AuthenticationError) as info:
        call(mode, Server(json_response(401, body)), lambda c: c.v2.tasks.retrieve(TASK_ID))
    error = info.value
    assert error.code == "api_key_invalid"
    assert error.message == "The API key is invalid."
    assert error.details == details


def test_str_shows_code_and_message() -> None:
    """`str(error)` shows the status, the code and the server's message."""
    body = {"error": {"code": "VALIDATION_ERROR", "message": "video.media_source is required"}}
    with pytest.raises(BadRequestError) as info:
        call("sync", Server(json_response(400, body)), lambda c: c.v2.tasks.retrieve(TASK_ID))
    text = str(info.value)
    assert "400" in text and "VALIDATION_ERROR" in text and "video.media_source is required" in text


@pytest.mark.parametrize("mode", MODES)
def test_html_502_becomes_server_error_with_a_snippet(mode: str) -> None:
    """An HTML 502 page from a proxy becomes ServerError whose message is a readable snippet of the page."""
    page = "<html>\n<head><title>502 Bad Gateway</title></head>\n<body>nginx</body></html>"
    response = httpx.Response(502, text=page, headers={"content-type": "text/html", "x-request-id": "edge-1"})
    with pytest.raises(ServerError) as info:
        call(mode, Server(response), lambda c: c.v2.tasks.retrieve(TASK_ID), retry=NO_RETRY)
    error = info.value
    assert error.code is None
    assert error.message is not None and "502 Bad Gateway" in error.message and "\n" not in error.message
    assert error.request_id == "edge-1"


@pytest.mark.parametrize("mode", MODES)
def test_empty_error_body_uses_the_reason_phrase(mode: str) -> None:
    """A 503 with no body still gives a message (the reason phrase)."""
    with pytest.raises(ServerError) as info:
        call(mode, Server(httpx.Response(503)), lambda c: c.v2.tasks.retrieve(TASK_ID), retry=NO_RETRY)
    assert "Service Unavailable" in str(info.value)


def test_unrecognised_json_error_body_is_kept_as_message() -> None:
    """A JSON error body of neither shape is shown as the message rather than dropped."""
    with pytest.raises(ConflictError) as info:
        call("sync", Server(json_response(409, ["conflict", 1])), lambda c: c.v2.tasks.retrieve(TASK_ID))
    assert info.value.code is None and info.value.message == json.dumps(["conflict", 1])


def test_problem_details_body_gives_title_and_detail() -> None:
    """An RFC 7807 problem+json body (as gateways send) gives its type as code and title/detail as message."""
    body = {"type": "https://errors.example/not-found", "title": "Not Found", "detail": "no route", "status": 404}
    response = httpx.Response(404, json=body, headers={"content-type": "application/problem+json"})
    with pytest.raises(NotFoundError) as info:
        call("sync", Server(response), lambda c: c.v2.tasks.retrieve(TASK_ID))
    assert info.value.code == "https://errors.example/not-found"
    assert info.value.message == "Not Found - no route"


class BrokenStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A body that stops part-way, as when the peer closes the connection early."""

    def __iter__(self) -> Iterator[bytes]:
        yield b'{"_id": "64f8d2c7e4a1b37f8a9c5d12", "st'
        raise httpx.RemoteProtocolError("peer closed connection without sending complete message body")

    async def __aiter__(self) -> Any:
        yield b'{"_id": "64f8d2c7e4a1b37f8a9c5d12", "st'
        raise httpx.RemoteProtocolError("peer closed connection without sending complete message body")


BAD_SUCCESS = {
    "malformed-json": lambda: httpx.Response(200, content=b"{not json", headers={"content-type": "application/json"}),
    "truncated-json": lambda: httpx.Response(200, content=b'{"_id": "64f8d2c7e4a1b37f8a9c5d12", "st'),
    "html-content-type": lambda: httpx.Response(
        200, text="<html><body>Sign in to continue</body></html>", headers={"content-type": "text/html"}
    ),
    "empty-body": lambda: httpx.Response(200, content=b""),
    "json-array": lambda: json_response(200, [1, 2, 3]),
    "missing-required-field": lambda: json_response(200, {"status": "ready"}),
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("body", list(BAD_SUCCESS))
def test_unparseable_success_is_response_parse_error(mode: str, body: str) -> None:
    """A 200 whose body is not the declared JSON raises ResponseParseError with the response, never a bare exception."""
    with pytest.raises(EmbedError) as info:
        call(mode, Server(BAD_SUCCESS[body]()), lambda c: c.v2.tasks.retrieve(TASK_ID), retry=NO_RETRY)
    error = info.value
    assert type(error) is ResponseParseError
    assert error.status_code == 200 and error.response.status_code == 200
    assert "EmbeddingTask" in str(error)


ARRAY_BODIES: dict[str, dict[str, bytes]] = {
    "html": {"v2": b"<html>oops</html>", "legacy": b"<html>oops</html>"},
    "not-an-object": {"v2": b"[1]", "legacy": b"[1]"},
    "truncated": {
        "v2": b'{"data": [{"embedding": [0.1, 0.2',
        "legacy": b'{"video_embedding": {"segments": [{"float": [0.1, 0.2',
    },
    "strings-in-vector": {
        "v2": b'{"data": [{"embedding": ["a", "b"]}]}',
        "legacy": b'{"video_embedding": {"segments": [{"float": ["a", "b"]}]}}',
    },
    "null-in-vector": {
        "v2": b'{"data": [{"embedding": [null, 1]}]}',
        "legacy": b'{"video_embedding": {"segments": [{"float": [null, 1]}]}}',
    },
    "ragged-vectors": {
        "v2": b'{"data": [{"embedding": [1, 2]}, {"embedding": [1]}]}',
        "legacy": b'{"video_embedding": {"segments": [{"float": [1, 2]}, {"float": [1]}]}}',
    },
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", ["v2", "legacy"])
@pytest.mark.parametrize("body", list(ARRAY_BODIES))
def test_unparseable_arrays_body_is_response_parse_error(mode: str, kind: str, body: str) -> None:
    """`retrieve_arrays` on a body without readable vectors raises ResponseParseError, never a bare ValueError."""
    server = Server(httpx.Response(200, content=ARRAY_BODIES[body][kind]))
    tasks = (lambda c: c.v2.tasks) if kind == "v2" else (lambda c: c.legacy.tasks)
    with pytest.raises(EmbedError) as info:
        call(mode, server, lambda c: tasks(c).retrieve_arrays(TASK_ID), retry=NO_RETRY)
    assert type(info.value) is ResponseParseError
    assert info.value.response.status_code == 200


@pytest.mark.parametrize("mode", MODES)
def test_arrays_error_status_is_typed(mode: str) -> None:
    """`retrieve_arrays` maps an error status like every other call."""
    server = Server(json_response(404, {"code": "resource_not_exist", "message": "no such task"}))
    with pytest.raises(NotFoundError, match="no such task"):
        call(mode, server, lambda c: c.v2.tasks.retrieve_arrays(TASK_ID), retry=NO_RETRY)


@pytest.mark.parametrize("mode", MODES)
def test_body_cut_off_midway_is_a_connection_error(mode: str) -> None:
    """A response body that ends early (peer closed) becomes APIConnectionError, not a raw httpx exception."""
    server = Server(lambda request: httpx.Response(200, stream=BrokenStream()))
    with pytest.raises(APIConnectionError) as info:
        call(mode, server, lambda c: c.v2.tasks.retrieve(TASK_ID), retry=NO_RETRY)
    assert isinstance(info.value.__cause__, httpx.RemoteProtocolError)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("raised", "expected"),
    [
        (httpx.ConnectError, APIConnectionError),
        (httpx.ReadError, APIConnectionError),
        (httpx.ConnectTimeout, APITimeoutError),
        (httpx.ReadTimeout, APITimeoutError),
        (httpx.PoolTimeout, APITimeoutError),
    ],
)
def test_transport_failures_map_to_typed_errors(
    mode: str, raised: type[httpx.TransportError], expected: type[TransportError]
) -> None:
    """httpx connection and timeout errors become APIConnectionError / APITimeoutError, with the request attached."""
    with pytest.raises(TransportError) as info:
        call(mode, Server(raised), lambda c: c.v2.tasks.retrieve(TASK_ID), retry=NO_RETRY)
    assert type(info.value) is expected
    assert info.value.request is not None and info.value.request.url.path.endswith(TASK_ID)
    assert f"/embed-v2/tasks/{TASK_ID}" in str(info.value)
