"""`AsyncEmbedClient`: the one path every request takes (send, retry, redirect, read), waits and listings.

Written once, as async code; `scripts/unasync.py` generates the sync twin (`EmbedClient`).
The rules (retry schedule, poll schedule, paging, response mapping, what travels with a request)
live in modules that do no I/O; this file only does the I/O they ask for.
"""

from __future__ import annotations

import random
import ssl
import time
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

import httpx

from twelvelabs_embed_generated.models import EmbeddingTaskList, MediaEmbeddingTask
from twelvelabs_embed_generated.types import ApiRequest

from .. import _exchange as ex
from .._base import ClientBase, check_callback, wait_policy
from .._config import ApiKey, Timeouts, injected_client_timeouts
from .._errors import ConfigurationError, EmbedError, TaskFailedError
from .._io import DEFAULT_ASYNC_SLEEP, AsyncSleep, anotify
from .._pagination import Pager
from .._polling import FINAL_POLL_GRACE, PollPolicy, Waiter
from .._responses import parse
from .._retry import RetryPolicy
from ._assets import AsyncAssets
from ._resources import AsyncLegacy, AsyncV2
from ._transport import default_transport
from ._upload import AsyncUploadHttp

__all__ = ["AsyncEmbedClient"]

M = TypeVar("M")
T = TypeVar("T")
Verify = bool | str | ssl.SSLContext


class AsyncEmbedClient(ClientBase):
    """The asynchronous client of the TwelveLabs Embed API.

    >>> async with AsyncEmbedClient() as client:             # key from TWELVELABS_API_KEY
    ...     task = await client.v2.tasks.create(input_type="video", url="https://example.com/v.mp4")
    ...     done = await client.v2.tasks.wait(task.id)

    Resources: `client.legacy.tasks` (video tasks, `/embed/tasks`), `client.legacy.embeddings`
    (`POST /embed`), `client.v2.tasks` (`/embed-v2/tasks`), `client.v2.embeddings` (`POST /embed-v2`),
    `client.assets` (`/assets`, multipart uploads of local files of any size).

    Parameters:
        api_key: the TwelveLabs API key; default: the `TWELVELABS_API_KEY` environment variable.
            Never shown in a repr, log line or error.
        base_url: the API root including `/v1.3`; default: `TWELVELABS_BASE_URL`, else production.
            Plain http is refused for non-loopback hosts unless `allow_insecure_http=True`.
        timeouts: per-phase timeouts and the total deadline of one call (`Timeouts`).
        retry: when and how transient failures are retried (`RetryPolicy`); a request that creates
            something is never sent again once it may have reached the server.
        poll: how waits poll (`PollPolicy`), including the default wait timeout.
        max_response_bytes: the largest body read, before and after decompression (default 1 GiB).
        transport: an httpx transport to send through (the fake's, a MockTransport, a proxy's).
        http_client: an httpx client to send through (its transport, proxies and TLS settings are used
            as they are; its redirects are not followed by it: this client follows them itself).
        verify: TLS verification for the client built here (ignored with `http_client`).
        allow_insecure_http: allow plain http to a non-loopback host (the key travels in clear).
        upload_transport: the httpx transport of multipart chunk PUTs to the presigned URLs (another
            origin; they never carry the API key); default: `transport` if given, else one built like the
            client's own.
        sleep, clock, rand: injectable time and randomness, for tests that never really wait.
    """

    def __init__(
        self,
        api_key: str | ApiKey | None = None,
        *,
        base_url: str | None = None,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
        poll: PollPolicy | None = None,
        max_response_bytes: int = ex.DEFAULT_MAX_RESPONSE_BYTES,
        transport: httpx.AsyncBaseTransport | None = None,
        http_client: httpx.AsyncClient | None = None,
        verify: Verify = True,
        allow_insecure_http: bool = False,
        upload_transport: httpx.AsyncBaseTransport | None = None,
        sleep: AsyncSleep = DEFAULT_ASYNC_SLEEP,
        clock: Callable[[], float] = time.monotonic,
        rand: Callable[[], float] = random.random,
    ) -> None:
        super().__init__(
            api_key,
            base_url=base_url,
            timeouts=timeouts,
            retry=retry,
            poll=poll,
            max_response_bytes=max_response_bytes,
            allow_insecure_http=allow_insecure_http,
            clock=clock,
            rand=rand,
        )
        if transport is not None and http_client is not None:
            raise ConfigurationError("pass transport or http_client, not both")
        # The transport requests go to directly, when this client builds the httpx client around it: then
        # httpx's send adds nothing this client uses (no auth, no event hooks, no mounts; redirects are
        # followed here) but its per-request cost, and only its cookie handling is kept (`_transmit`).
        self._transport: httpx.AsyncBaseTransport | None = None
        if http_client is None:
            # Without `transport=`: the deadline-clipping transport, unless a proxy is configured in the
            # environment (then httpx builds its own transports, with the proxy mounts of HTTP(S)_PROXY /
            # ALL_PROXY / NO_PROXY).
            self._transport = transport or default_transport(verify)
            http_client = httpx.AsyncClient(transport=self._transport, verify=verify)
        else:
            self.timeouts = injected_client_timeouts(http_client.timeout, timeouts)
        self._http = http_client
        self._uploads = AsyncUploadHttp(
            upload_transport or transport, verify, shared=upload_transport is None and transport is not None
        )
        self._sleep = sleep
        self._bind()

    def _bind(self) -> None:
        self.legacy = AsyncLegacy(self)
        self.v2 = AsyncV2(self)
        self.assets = AsyncAssets(self)

    def with_options(
        self, *, retry: RetryPolicy | None = None, timeouts: Timeouts | None = None, poll: PollPolicy | None = None
    ) -> AsyncEmbedClient:
        """A view of this client (same connections) whose calls use these policies."""
        return self._derive(retry=retry, timeouts=timeouts, poll=poll)

    async def aclose(self) -> None:
        """Close the connections (an injected `http_client` too)."""
        try:
            await self._uploads.aclose()
        finally:
            await self._http.aclose()

    async def __aenter__(self) -> AsyncEmbedClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # ------------------------------------------------------------------ the one path of every request
    async def _send(self, call: ApiRequest[M], *, creates: bool, deadline: float | None = None) -> M:
        """Send `call` and return its declared success model, or raise the typed error."""
        response = await self._request(call, creates=creates, deadline=deadline)
        return self._parse(response, call)

    def _parse(self, response: httpx.Response, call: ApiRequest[M]) -> M:
        return parse(response, call, secret=self._api_key)

    async def _request(self, call: ApiRequest[Any], *, creates: bool, deadline: float | None = None) -> httpx.Response:
        """Send `call` and return its response, read whole; raises only `EmbedError`s."""
        settings = self._settings(creates=creates, deadline=deadline)
        request = ex.build_request(self._http, self.base_url, call, settings)
        if self._http.is_closed:
            raise ConfigurationError(f"{request.method} {request.url}: this client is closed; create a new one")
        replayable = ex.replayable(request, call.kwargs)
        policy, n, hops = settings.retry, 0, 0
        start = self._clock()
        while True:
            now = self._clock()
            if now >= settings.deadline:
                raise ex.deadline_passed(request, now - start)
            wire = ex.on_the_wire(request, api_key=self._api_key, origin=self.base_url, now=now)
            try:
                with ex.deadline_scope((self._clock, settings.deadline)):  # uploads read by it end by then too
                    raw = await self._transmit(wire)
                    try:
                        body = await self._read(raw, request, settings, start)
                    finally:
                        await raw.aclose()
            except httpx.TransportError as error:
                delay = policy.delay_for_error(error, n, creates=creates, rand=self._rand)
                if delay is None or not replayable or self._clock() + delay >= settings.deadline:
                    raise ex.map_error(error, request) from error
                ex.log_retry(request, f"failed ({type(error).__name__})", n, policy, delay)
            except EmbedError:
                raise
            except Exception as error:  # h11, the OS, a closed client, another event loop: all typed
                raise ex.map_error(error, request) from error
            else:
                following = ex.redirect(request, raw, hops)
                if following is not None:
                    request, hops = following, hops + 1
                    continue
                response = ex.final_response(raw, body, request)
                delay = policy.delay_for_response(response, n, creates=creates, rand=self._rand)
                # No retry, or no time left to wait for one: the caller gets this answer (its error).
                if delay is None or not replayable or self._clock() + delay >= settings.deadline:
                    return response
                ex.log_retry(request, f"answered {response.status_code}", n, policy, delay)
            await self._sleep(delay)
            n += 1

    async def _transmit(self, wire: httpx.Request) -> httpx.Response:
        """The response to `wire`, its body not read yet (as `httpx.AsyncClient.send(stream=True)` gives it)."""
        if self._transport is None:
            return await self._http.send(wire, stream=True, follow_redirects=False)
        raw = await self._transport.handle_async_request(wire)
        raw.request = wire
        if "set-cookie" in raw.headers:  # what the httpx client does with each response: keep its cookies
            self._http.cookies.extract_cookies(raw)
        ex.log_response(wire, raw)
        return raw

    async def _read(
        self, raw: httpx.Response, request: httpx.Request, settings: ex.CallSettings, start: float
    ) -> bytes:
        """The whole (decoded) body, within the byte cap and the call's deadline."""
        limit = settings.max_response_bytes
        declared = raw.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise ex.too_large(raw, request, int(declared), limit)
        chunks: list[bytes] = []
        size = 0
        async for chunk in raw.aiter_bytes():
            size += len(chunk)
            if size > limit or raw.num_bytes_downloaded > limit:
                raise ex.too_large(raw, request, max(size, raw.num_bytes_downloaded), limit)
            chunks.append(chunk)
            now = self._clock()
            if now >= settings.deadline:
                raise ex.deadline_passed(request, now - start)
        return b"".join(chunks)

    # ------------------------------------------------------------------ waits and listings
    async def _wait(
        self,
        task_id: str,
        call: ApiRequest[Any],
        read: Callable[[httpx.Response], T],
        status_of: Callable[[T], str | None],
        reason_of: Callable[[T], str | None],
        *,
        timeout: float | None,
        callback: Callable[[T], object] | None,
        raise_on_failure: bool,
    ) -> T:
        """Poll with `call` until the task is terminal; every request and pause ends by the wait's deadline.

        `read` turns each answer into what the wait reports (the parsed model, or a lighter view).
        """
        check_callback(callback)
        waiter = Waiter(task_id, wait_policy(self.poll, timeout), clock=self._clock, rand=self._rand)
        while True:
            try:
                response = await self._request(call, creates=False, deadline=waiter.deadline + FINAL_POLL_GRACE)
                task = read(response)
            except EmbedError as error:
                delay = waiter.delay_after_error(error)
            else:
                if callback is not None:
                    await anotify(callback, task)
                if waiter.observed(status_of(task), task):
                    if raise_on_failure and waiter.last_status == "failed":
                        raise TaskFailedError(task_id, reason_of(task), task)
                    return task
                delay = waiter.delay_after_pending()
            await self._sleep(delay)

    async def _iterate(
        self, page_call: Callable[[int], ApiRequest[EmbeddingTaskList]], pager: Pager
    ) -> AsyncIterator[MediaEmbeddingTask]:
        """Every item of a listing, page by page, as `pager` decides."""
        while not pager.done and pager.number is not None:
            page = await self._send(page_call(pager.number), creates=False)
            for item in pager.accept(page):
                yield item
