"""The Starlette app of the fake: routes under `/v1.3`, `/openapi.yaml`, request recording and fault injection.

`FakeApp` is a `Starlette` subclass whose `__call__` wraps the whole middleware stack, so recording and
faults sit outside everything else and see the server's own `send` (needed to really drop a connection
under uvicorn).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

import anyio
from starlette.applications import Starlette
from starlette.convertors import Convertor, register_url_convertor
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import Message, Receive, Scope, Send

from ._faults import Fault, FaultKind, rewrite_body
from ._handlers import Handlers
from ._json import JSONBody, dumps
from ._models import RecordedRequest
from ._operations import API_PREFIX, OPERATIONS, Operation, error_body, resolve_operation
from ._transport import IN_PROCESS, SimulatedDrop, SimulatedTimeout, SimulatedTruncation

if TYPE_CHECKING:
    from ._clock import Clock
    from ._fake import EmbedFake

__all__ = ["REQUEST_LOGGER", "FakeApp", "build_app", "create_app"]

#: The logger that gets one INFO record per request (`METHOD PATH STATUS DURATION ms`); `serve()` writes
#: it to stderr. Without a handler (in-process use) records below WARNING are dropped at once.
REQUEST_LOGGER = "twelvelabs_embed.testing.requests"
_request_logger = logging.getLogger(REQUEST_LOGGER)

Headers = list[tuple[bytes, bytes]]
ASGICall = Callable[[Scope, Receive, Send], Awaitable[None]]


class _Captured:
    def __init__(self) -> None:
        self.status = 500
        self.headers: Headers = []
        self.body = b""

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = int(message["status"])
            self.headers = list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            self.body += message.get("body", b"")


def _replace_headers(headers: Headers, **updates: str) -> Headers:
    names = {name.replace("_", "-").encode() for name in updates}
    kept = [(key, value) for key, value in headers if key.lower() not in names]
    return kept + [(name.replace("_", "-").encode(), value.encode()) for name, value in updates.items()]


async def _respond(send: Send, status: int, headers: Headers, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


async def _close_connection(send: Send) -> None:
    """Close the client connection without (finishing) an answer.

    In-process this raises `SimulatedDrop` (the transport turns it into httpx.RemoteProtocolError). Under
    uvicorn, `send` is a bound method of the connection's request cycle, whose `transport` is closed; a
    few loop turns let uvicorn notice, so it neither logs nor answers 500. Under another server the
    exception surfaces and that server answers 500.
    """
    if IN_PROCESS.get() is None:
        transport = getattr(getattr(send, "__self__", None), "transport", None)
        close = getattr(transport, "close", None)
        if callable(close):
            close()
            for _ in range(5):
                await anyio.sleep(0)
            return
    raise SimulatedDrop


def _html_page(status: int) -> bytes:
    phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    title = f"{status} {phrase}"
    return (
        f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n"
        "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    ).encode()


def _status_error(operation: Operation, fault: Fault) -> tuple[int, Headers, bytes]:
    status = fault.status or 503
    headers: dict[str, str] = {}
    details: dict[str, Any] | None = None
    if status == 429:
        code, message = "too_many_requests", "You have exceeded the rate limit. Please try again later."
        headers["x-ratelimit-dimensions"] = "Request"
    elif status == 401:
        code, message = "api_key_invalid", "The API key you provided is not valid."
    elif status >= 500:
        code = "internal_server_error" if operation.nested_errors else "generic_error"
        message = "An error occurred." if status == 500 else "The service is temporarily unavailable."
    else:
        code, message = "parameter_invalid", "The request was rejected."
    if fault.retry_after is not None:
        headers["retry-after"] = str(fault.retry_after)
        if status == 429:
            details = {"retryAfter": str(fault.retry_after)}
    body = dumps(error_body(operation, status, code, message, details))
    raw = [(key.encode(), value.encode()) for key, value in headers.items()]
    return status, [*raw, (b"content-type", b"application/json")], body


class FakeApp(Starlette):
    """The fake's ASGI app (a Starlette app with recording and fault injection around it)."""

    fake: EmbedFake[Clock]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        if not _request_logger.isEnabledFor(logging.INFO):
            await self._intercept(scope, receive, send)
            return
        started = time.perf_counter()
        seen: list[RecordedRequest] = []
        try:
            await self._intercept(scope, receive, send, seen)
        finally:
            elapsed_ms = (time.perf_counter() - started) * 1000
            record = seen[0] if seen else None
            # The record carries the status sent (None: no answer) and the fault that shaped the answer.
            status = "-" if record is None or record.status is None else str(record.status)
            fault = "" if record is None or record.fault is None else f" (fault: {record.fault.value})"
            _request_logger.info("%s %s %s %.1f ms%s", scope["method"], scope["path"], status, elapsed_ms, fault)

    async def _process(self, scope: Scope, receive: Receive, send: Send) -> None:
        await super().__call__(scope, receive, send)

    async def _intercept(
        self, scope: Scope, receive: Receive, send: Send, seen: list[RecordedRequest] | None = None
    ) -> None:
        """Record the request (appended to `seen` too), then answer it, through a fault if one is queued."""
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        operation = resolve_operation(scope["method"], scope["path"])
        record = self.fake._record(scope, len(body), operation)
        if seen is not None:
            seen.append(record)

        async def recording_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                record.status = int(message["status"])
            await send(message)

        fault = self.fake.faults.take(operation.id) if operation is not None else None
        if fault is None or operation is None:
            await self._process(scope, replay, recording_send)
            return
        record.fault = fault.kind
        await self._apply(fault, operation, record, scope, replay, recording_send, raw_send=send)

    async def _apply(
        self,
        fault: Fault,
        operation: Operation,
        record: RecordedRequest,
        scope: Scope,
        receive: Receive,
        send: Send,
        *,
        raw_send: Send,
    ) -> None:
        """Answer according to `fault`. `send` records the status; `raw_send` is the server's own (to close)."""
        captured: _Captured | None = None
        if fault.processed:
            captured = _Captured()
            await self._process(scope, receive, captured.send)
            record.status = captured.status
        kind = fault.kind
        if kind is FaultKind.SLOW:
            await self._delay(fault, record)
            if captured is None:
                await self._process(scope, receive, send)
            else:
                await _respond(send, captured.status, captured.headers, captured.body)
            return
        if kind is FaultKind.DROP:
            record.status = None
            await _close_connection(raw_send)
            return
        if kind is FaultKind.STATUS:
            await _respond(send, *_status_error(operation, fault))
            return
        if kind is FaultKind.HTML:
            status = fault.status or 502
            await _respond(send, status, [(b"content-type", b"text/html; charset=utf-8")], _html_page(status))
            return
        status, headers, body = self._base_answer(fault, operation, captured)
        if kind is FaultKind.MALFORMED_JSON:
            broken = body[: len(body) // 2] or b"{"
            headers = _replace_headers(headers, content_type="application/json", content_length=str(len(broken)))
            await _respond(send, status, headers, broken)
        elif kind is FaultKind.WRONG_CONTENT_TYPE:
            content_type = fault.content_type or "text/plain; charset=utf-8"
            await _respond(send, status, _replace_headers(headers, content_type=content_type), body)
        elif kind in (FaultKind.RENAME_FIELD, FaultKind.WRONG_TYPE):
            changed = rewrite_body(fault, body)
            await _respond(send, status, _replace_headers(headers, content_length=str(len(changed))), changed)
        else:  # TRUNCATED
            part = body[: len(body) // 2]
            if IN_PROCESS.get() is not None:
                raise SimulatedTruncation(len(part), len(body))
            headers = _replace_headers(headers, content_length=str(len(body)))
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": part, "more_body": True})
            await _close_connection(raw_send)

    @staticmethod
    def _base_answer(fault: Fault, operation: Operation, captured: _Captured | None) -> tuple[int, Headers, bytes]:
        if captured is not None:
            return captured.status, captured.headers, captured.body
        status = fault.status or 200
        error = error_body(operation, status, "generic_error", "An error occurred.")
        body = dumps(error) if status >= 400 else b"{}"
        return status, [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())], body

    async def _delay(self, fault: Fault, record: RecordedRequest) -> None:
        context = IN_PROCESS.get()
        if context is None:
            await anyio.sleep(fault.delay)
            return
        if context.read_timeout is not None and fault.delay >= context.read_timeout:
            raise SimulatedTimeout
        await self.fake.clock.wait(fault.delay)


async def _http_error(request: Request, exc: Exception) -> Response:
    """Unknown paths (404) and wrong methods (405, with Allow) answer with a flat JSON body."""
    if not isinstance(exc, HTTPException):  # pragma: no cover - registered for HTTPException only
        raise exc
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "generic_error")
    return JSONBody({"code": code, "message": str(exc.detail)}, exc.status_code, headers=exc.headers)


def _endpoint(handlers: Handlers, by_method: dict[str, Operation]) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        method = "GET" if request.method == "HEAD" else request.method
        return await handlers.run(by_method[method], request)

    return endpoint


class _AnyConvertor(Convertor[str]):
    """A path parameter matching anything, even an empty value, slashes and newlines (Starlette's `path`
    convertor, and so `Mount`, stops at a newline), so every id reaches the handler, which answers 400/404
    itself. The API routes therefore carry the `/v1.3` prefix themselves instead of sitting in a Mount."""

    regex = "(?s:.*)"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


_ANY = "twelvelabs_embed_any"
register_url_convertor(_ANY, _AnyConvertor())


def build_app(fake: EmbedFake[Clock]) -> FakeApp:
    """The ASGI app serving `fake`."""
    handlers = Handlers(fake)
    by_path: dict[str, dict[str, Operation]] = {}
    for operation in OPERATIONS:
        by_path.setdefault(operation.path, {})[operation.method] = operation
    api_routes: list[BaseRoute] = [
        Route(
            API_PREFIX + re.sub(r"\{(\w+)\}", r"{\1:" + _ANY + "}", path),
            _endpoint(handlers, methods),
            methods=list(methods),
        )
        for path, methods in by_path.items()
    ]

    async def spec_endpoint(request: Request) -> Response:
        return Response(fake.spec.raw, media_type="application/yaml")

    app = FakeApp(
        routes=[Route("/openapi.yaml", spec_endpoint, methods=["GET"]), *api_routes],
        exception_handlers={HTTPException: _http_error},
    )
    app.router.redirect_slashes = False
    app.fake = fake
    return app


def create_app(fake: EmbedFake[Any] | None = None) -> FakeApp:
    """The Starlette ASGI app of `fake` (default: a new fake on wall-clock time, key `test-key`).

    Also a uvicorn factory: `uvicorn --factory twelvelabs_embed.testing:create_app`.
    """
    if fake is None:
        from ._clock import WallClock
        from ._fake import EmbedFake

        fake = EmbedFake(clock=WallClock())
    return fake.app
