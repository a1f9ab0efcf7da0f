"""httpx transports that add the API key, the User-Agent and retries around any inner transport.

Resilience lives here, below the generated client, so it survives every regeneration. The API key
is added per request and only for the configured origin: a redirect to another host never
carries it, and it is never stored in the httpx client's default headers (which show in reprs).
It goes only on the copy of the request handed to the inner transport, so the request objects
a caller can reach (`response.request`, `error.request`) never carry it.

A response body is read inside the retry loop, so a connection that breaks mid-body is retried
(or not) by the same rules as one that breaks before the status line.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass

import httpx
from httpx._multipart import FileField, MultipartStream

from ._config import ApiKey, Timeouts
from ._retry import RetryPolicy
from ._version import USER_AGENT

__all__ = ["AsyncRetryTransport", "CallOptions", "RetryTransport", "call_options"]

logger = logging.getLogger("twelvelabs_embed")

API_KEY_HEADER = "x-api-key"


@dataclass(frozen=True)
class CallOptions:
    """Per-call overrides, set by `EmbedClient.with_options(...)` for the calls made through it."""

    retry: RetryPolicy | None = None
    timeouts: Timeouts | None = None


call_options: ContextVar[CallOptions | None] = ContextVar("twelvelabs_embed_call_options", default=None)


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return (url.scheme, url.host, url.port)


def _rewindable(request: httpx.Request) -> bool:
    """True when the body can be sent again from its first byte."""
    stream = request.stream
    if isinstance(stream, httpx.ByteStream):
        return True
    if isinstance(stream, MultipartStream):
        for part in stream.fields:
            if isinstance(part, FileField) and not isinstance(part.file, str | bytes):
                seekable = getattr(part.file, "seekable", None)
                if seekable is None or not seekable():
                    return False
        return True
    return False


class _RetryCore:
    """What the sync and async transports share: request preparation and retry decisions."""

    def __init__(
        self,
        *,
        api_key: ApiKey,
        base_url: httpx.URL,
        retry: RetryPolicy,
        rand: Callable[[], float],
        now: Callable[[], float],
    ) -> None:
        self._api_key = api_key
        self._origin = _origin(base_url)
        self.retry = retry
        self._rand = rand
        self._now = now

    def __repr__(self) -> str:
        return f"{type(self).__name__}(origin={self._origin!r}, retry={self.retry!r})"

    def prepare(self, request: httpx.Request) -> tuple[RetryPolicy, httpx.Request]:
        """The policy for `request` and the request to send: a copy carrying the API key (same origin only)."""
        options = call_options.get()
        request.headers.pop(API_KEY_HEADER, None)
        # httpx puts its own default User-Agent on every request; replace that one (but keep one a caller chose).
        agent = request.headers.get("user-agent")
        if agent is None or agent.startswith("python-httpx/"):
            request.headers["user-agent"] = USER_AGENT
        if options is not None and options.timeouts is not None:
            request.extensions = {**request.extensions, "timeout": options.timeouts.to_httpx().as_dict()}
        outgoing = request
        if _origin(request.url) == self._origin:
            headers = request.headers.copy()
            headers[API_KEY_HEADER] = self._api_key.reveal()
            outgoing = httpx.Request(
                request.method, request.url, headers=headers, stream=request.stream, extensions=request.extensions
            )
        policy = options.retry if options is not None and options.retry is not None else self.retry
        return policy, outgoing

    def after_response(
        self, policy: RetryPolicy, request: httpx.Request, response: httpx.Response, n: int
    ) -> float | None:
        delay = policy.delay_for_response(request, response, n, now=self._now, rand=self._rand)
        if delay is not None and not _rewindable(request):
            delay = None
        if delay is not None:
            logger.warning(
                "%s %s answered %d; retry %d/%d in %.2f s",
                request.method,
                request.url,
                response.status_code,
                n + 1,
                policy.max_retries,
                delay,
            )
        return delay

    def after_error(
        self, policy: RetryPolicy, request: httpx.Request, error: httpx.TransportError, n: int
    ) -> float | None:
        delay = policy.delay_for_error(request, error, n, rand=self._rand)
        if delay is not None and not _rewindable(request):
            delay = None
        if delay is not None:
            logger.warning(
                "%s %s failed (%s); retry %d/%d in %.2f s",
                request.method,
                request.url,
                type(error).__name__,
                n + 1,
                policy.max_retries,
                delay,
            )
        return delay


class RetryTransport(httpx.BaseTransport):
    """Wraps a sync transport with auth, User-Agent and retries (see `RetryPolicy`)."""

    def __init__(
        self,
        inner: httpx.BaseTransport,
        *,
        api_key: ApiKey,
        base_url: httpx.URL,
        retry: RetryPolicy,
        sleep: Callable[[float], None] = time.sleep,
        rand: Callable[[], float] = random.random,
        now: Callable[[], float] = time.time,
    ) -> None:
        self._inner = inner
        self._core = _RetryCore(api_key=api_key, base_url=base_url, retry=retry, rand=rand, now=now)
        self._sleep = sleep

    def __repr__(self) -> str:
        return f"RetryTransport({self._inner!r}, {self._core!r})"

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        policy, outgoing = self._core.prepare(request)
        n = 0
        while True:
            logger.debug("%s %s (attempt %d)", request.method, request.url, n + 1)
            response: httpx.Response | None = None
            try:
                response = self._inner.handle_request(outgoing)
                delay = self._core.after_response(policy, outgoing, response, n)
                if delay is None:
                    response.read()
            except httpx.TransportError as error:
                if response is not None:
                    response.close()
                error.request = request  # the caller's request, without the key
                delay = self._core.after_error(policy, outgoing, error, n)
                if delay is None:
                    raise
            else:
                if delay is None:
                    logger.debug("%s %s -> %d", request.method, request.url, response.status_code)
                    return response
                response.close()
            self._sleep(delay)
            n += 1

    def close(self) -> None:
        self._inner.close()


class AsyncRetryTransport(httpx.AsyncBaseTransport):
    """Wraps an async transport with auth, User-Agent and retries (see `RetryPolicy`)."""

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        *,
        api_key: ApiKey,
        base_url: httpx.URL,
        retry: RetryPolicy,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rand: Callable[[], float] = random.random,
        now: Callable[[], float] = time.time,
    ) -> None:
        self._inner = inner
        self._core = _RetryCore(api_key=api_key, base_url=base_url, retry=retry, rand=rand, now=now)
        self._sleep = sleep

    def __repr__(self) -> str:
        return f"AsyncRetryTransport({self._inner!r}, {self._core!r})"

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        policy, outgoing = self._core.prepare(request)
        n = 0
        while True:
            logger.debug("%s %s (attempt %d)", request.method, request.url, n + 1)
            response: httpx.Response | None = None
            try:
                response = await self._inner.handle_async_request(outgoing)
                delay = self._core.after_response(policy, outgoing, response, n)
                if delay is None:
                    await response.aread()
            except httpx.TransportError as error:
                if response is not None:
                    await response.aclose()
                error.request = request  # the caller's request, without the key
                delay = self._core.after_error(policy, outgoing, error, n)
                if delay is None:
                    raise
            else:
                if delay is None:
                    logger.debug("%s %s -> %d", request.method, request.url, response.status_code)
                    return response
                await response.aclose()
            await self._sleep(delay)
            n += 1

    async def aclose(self) -> None:
        await self._inner.aclose()
