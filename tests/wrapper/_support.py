"""Helpers for the wrapper tests: a scripted fake server, a fake clock, client factories, canned bodies.

Nothing here talks to a network or really sleeps. `Server` is an `httpx.MockTransport` handler that
answers from a script and records every request; `FakeClock` is both the injected `clock` and the
injected `sleep`, so a "sleep" only moves the clock forward.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from typing import Any

import httpx

from twelvelabs_embed import AsyncEmbedClient, EmbedClient, RetryPolicy

BASE_URL = "https://api.test/v1.3"
API_KEY = "tlk_SECRET-0123456789abcdef"
TASK_ID = "64f8d2c7e4a1b37f8a9c5d12"

Step = httpx.Response | type[httpx.TransportError] | Callable[[httpx.Request], httpx.Response]


class Server:
    """A MockTransport handler that answers each request with the next scripted step.

    A step is an `httpx.Response`, an `httpx.TransportError` subclass (raised, as a real transport
    would), or a callable `request -> Response`. `default` answers once the script is used up; with
    no default an unexpected request fails the test.
    """

    def __init__(self, *steps: Step, default: Callable[[httpx.Request], httpx.Response] | None = None) -> None:
        self.steps = list(steps)
        self.default = default
        self.requests: list[httpx.Request] = []
        self.closed = False

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.steps:
            step = self.steps.pop(0)
        elif self.default is not None:
            step = self.default
        else:
            raise AssertionError(f"unexpected request #{len(self.requests)}: {request.method} {request.url}")
        if isinstance(step, httpx.Response):
            return step
        if isinstance(step, type) and issubclass(step, httpx.TransportError):
            raise step(f"simulated {step.__name__}", request=request)
        return step(request)

    def transport(self) -> httpx.MockTransport:
        server = self

        class _Transport(httpx.MockTransport):
            def close(self) -> None:
                server.closed = True

            async def aclose(self) -> None:
                server.closed = True

        return _Transport(self)

    @property
    def paths(self) -> list[str]:
        return [f"{r.method} {r.url.path}" for r in self.requests]


class FakeClock:
    """A monotonic clock that only moves when the code under test sleeps."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0, f"negative sleep {seconds}"
        self.sleeps.append(seconds)
        self.now += seconds

    async def asleep(self, seconds: float) -> None:
        self.sleep(seconds)


def make_client(
    server: Server | None = None,
    *,
    clock: FakeClock | None = None,
    rand: Callable[[], float] = lambda: 0.0,
    transport: httpx.BaseTransport | None = None,
    **kwargs: Any,
) -> EmbedClient:
    """A sync client on `server` (or `transport`) with fake time."""
    clock = clock or FakeClock()
    kwargs.setdefault("base_url", BASE_URL)
    if transport is None and "http_client" not in kwargs:
        transport = (server or Server()).transport()
    return EmbedClient(API_KEY, transport=transport, sleep=clock.sleep, clock=clock, rand=rand, **kwargs)


def make_async_client(
    server: Server | None = None,
    *,
    clock: FakeClock | None = None,
    rand: Callable[[], float] = lambda: 0.0,
    transport: httpx.AsyncBaseTransport | None = None,
    **kwargs: Any,
) -> AsyncEmbedClient:
    """An async client on `server` (or `transport`) with fake time."""
    clock = clock or FakeClock()
    kwargs.setdefault("base_url", BASE_URL)
    if transport is None and "http_client" not in kwargs:
        transport = (server or Server()).transport()
    return AsyncEmbedClient(API_KEY, transport=transport, sleep=clock.asleep, clock=clock, rand=rand, **kwargs)


NO_RETRY = RetryPolicy(max_retries=0)


def call(mode: str, server: Server, op: Callable[[Any], Any], **client_kwargs: Any) -> Any:
    """Run `op(client)` on a sync or an async client (awaiting the result in async mode)."""
    if mode == "sync":
        with make_client(server, **client_kwargs) as client:
            return op(client)

    async def main() -> Any:
        async with make_async_client(server, **client_kwargs) as client:
            result = op(client)
            if inspect.isawaitable(result):
                result = await result
            return result

    return asyncio.run(main())


def collect(mode: str, server: Server, op: Callable[[Any], Iterable[Any] | AsyncIterator[Any]], **kw: Any) -> list[Any]:
    """Drain the (async) iterator `op(client)` into a list."""
    if mode == "sync":
        with make_client(server, **kw) as client:
            it = op(client)
            assert isinstance(it, Iterator)
            return list(it)

    async def main() -> list[Any]:
        async with make_async_client(server, **kw) as client:
            it = op(client)
            assert isinstance(it, AsyncIterator)
            return [item async for item in it]

    return asyncio.run(main())


# ---------------------------------------------------------------- canned bodies
def json_response(status: int, body: Any, **headers: str) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


def v2_task(status: str = "processing", *, error: str | None = None, data: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {"_id": TASK_ID, "status": status, "data": data}
    if error is not None:
        body["error"] = {"message": error}
    return body


def legacy_status(status: str = "processing") -> dict[str, Any]:
    return {"_id": TASK_ID, "status": status, "model_name": "marengo3.0"}


def task_body(kind: str, status: str, *, error: str | None = None) -> dict[str, Any]:
    """A status body of a legacy (`GET /embed/tasks/{id}/status`) or v2 (`GET /embed-v2/tasks/{id}`) task."""
    return legacy_status(status) if kind == "legacy" else v2_task(status, error=error)


def wait_op(kind: str, **kwargs: Any) -> Callable[[Any], Any]:
    """The wait call of a task kind: `legacy.tasks.wait_for_done` or `v2.tasks.wait`."""
    if kind == "legacy":
        return lambda c: c.legacy.tasks.wait_for_done(TASK_ID, **kwargs)
    return lambda c: c.v2.tasks.wait(TASK_ID, **kwargs)


def task_path(kind: str) -> str:
    return f"/v1.3/embed/tasks/{TASK_ID}/status" if kind == "legacy" else f"/v1.3/embed-v2/tasks/{TASK_ID}"
