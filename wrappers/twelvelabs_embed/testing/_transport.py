"""In-process httpx transports that run the fake's ASGI app (no sockets, no threads for async).

`FakeAsyncTransport` wraps `httpx.ASGITransport` and turns the fake's simulated network faults into the
httpx exceptions a real socket would produce. `FakeTransport` is the sync flavour: it runs the same async
transport on one background event-loop thread owned by the fake, so sync and async clients share state.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
from starlette.types import ASGIApp

__all__ = [
    "IN_PROCESS",
    "FakeAsyncTransport",
    "FakeTransport",
    "InProcess",
    "SimulatedDrop",
    "SimulatedTimeout",
    "SimulatedTruncation",
]

T = TypeVar("T")


@dataclass(frozen=True)
class InProcess:
    """Set while a request runs in-process; tells faults the client's read timeout."""

    read_timeout: float | None


IN_PROCESS: ContextVar[InProcess | None] = ContextVar("twelvelabs_embed_fake_in_process", default=None)


class SimulatedDrop(Exception):
    """Raised by the app in-process: the connection is dropped without an answer."""


class SimulatedTruncation(Exception):
    """Raised by the app in-process: the connection closes after part of the body."""

    def __init__(self, received: int, expected: int) -> None:
        super().__init__(received, expected)
        self.received = received
        self.expected = expected


class SimulatedTimeout(Exception):
    """Raised by the app in-process: the answer comes later than the client's read timeout."""


class FakeAsyncTransport(httpx.AsyncBaseTransport):
    """An `httpx.AsyncClient` transport serving requests from the fake's app."""

    def __init__(self, app: ASGIApp) -> None:
        self._inner = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        timeouts = request.extensions.get("timeout") or {}
        token = IN_PROCESS.set(InProcess(read_timeout=timeouts.get("read")))
        try:
            response = await self._inner.handle_async_request(request)
            body = await response.aread()
        except SimulatedDrop:
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response.", request=request
            ) from None
        except SimulatedTruncation as cut:
            raise httpx.RemoteProtocolError(
                "peer closed connection without sending complete message body "
                f"(received {cut.received} bytes, expected {cut.expected})",
                request=request,
            ) from None
        except SimulatedTimeout:
            raise httpx.ReadTimeout("The read operation timed out", request=request) from None
        finally:
            IN_PROCESS.reset(token)
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > len(body):
            raise httpx.RemoteProtocolError(
                "peer closed connection without sending complete message body "
                f"(received {len(body)} bytes, expected {declared})",
                request=request,
            )
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=httpx.ByteStream(body),
            extensions={"http_version": b"HTTP/1.1"},
        )


class LoopThread:
    """One daemon thread running an event loop; sync requests are run on it one after another."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._main, name="twelvelabs-embed-fake", daemon=True)
        self._thread.start()

    def _main(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_forever()

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result()

    def stop(self) -> None:
        if self._loop.is_closed():
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()


class FakeTransport(httpx.BaseTransport):
    """An `httpx.Client` transport serving requests from the fake's app (through the fake's loop thread)."""

    def __init__(self, async_transport: FakeAsyncTransport, loop: LoopThread) -> None:
        self._async = async_transport
        self._loop = loop

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        content = request.read()
        headers = [(key, value) for key, value in request.headers.raw if key.lower() != b"transfer-encoding"]
        if not any(key.lower() == b"content-length" for key, _ in headers) and content:
            headers.append((b"content-length", str(len(content)).encode()))
        clone = httpx.Request(
            request.method, request.url, headers=headers, content=content, extensions=request.extensions
        )
        try:
            response = self._loop.run(self._async.handle_async_request(clone))
        except httpx.TransportError as exc:
            raise type(exc)(str(exc), request=request) from exc
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=response.stream,
            extensions=response.extensions,
        )
