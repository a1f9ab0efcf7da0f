"""`EmbedClient` and `AsyncEmbedClient`: the resources users call.

Both clients share every rule (argument validation in `_requests`, response handling in
`_responses`, the poll schedule in `_polling`, paging in `_pagination`, arrays in `_arrays`); the
two classes differ only in how they do I/O.
"""

from __future__ import annotations

import asyncio
import copy
import random
import ssl
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import replace
from types import ModuleType
from typing import Any, TypeVar

import httpx

from twelvelabs_embed_generated.api.embed_v2 import create_embeddings_v2
from twelvelabs_embed_generated.api.embed_v2_tasks import (
    create_embedding_task_v2,
    get_embedding_task_v2,
    list_embedding_tasks_v2,
)
from twelvelabs_embed_generated.api.legacy_embed import create_legacy_embedding
from twelvelabs_embed_generated.api.legacy_tasks import (
    create_video_embedding_task,
    get_video_embedding_task_status,
    list_video_embedding_tasks,
    retrieve_video_embeddings,
)
from twelvelabs_embed_generated.models import (
    EmbeddingSuccessResponse,
    EmbeddingTask,
    EmbeddingTaskCreated,
    EmbeddingTaskList,
    LegacyEmbeddingResponse,
    MediaEmbeddingTask,
    VideoEmbeddingTask,
    VideoEmbeddingTaskCreated,
    VideoEmbeddingTaskStatus,
)
from twelvelabs_embed_generated.types import Unset

from . import _requests as rq
from . import _validation as v
from ._arrays import ArrayParseError, EmbeddingArrays, parse_legacy_arrays, parse_v2_arrays
from ._config import ApiKey, Timeouts, injected_client_timeout, resolve_api_key, resolve_base_url
from ._errors import ConfigurationError, EmbedError, ResponseParseError, TaskFailedError, ValidationError
from ._pagination import next_page, page_items
from ._polling import PollPolicy, Waiter
from ._responses import M, aread, asend, raise_for_status, read, send
from ._retry import RetryPolicy
from ._transport import AsyncRetryTransport, CallOptions, RetryTransport, call_options

__all__ = ["AsyncEmbedClient", "EmbedClient"]

T = TypeVar("T")
Verify = bool | str | ssl.SSLContext


def _status(value: object) -> str | None:
    if isinstance(value, Unset) or value is None:
        return None
    return str(getattr(value, "value", value))


def _v2_failure_reason(task: EmbeddingTask) -> str | None:
    return None if isinstance(task.error, Unset) else task.error.message


def _arrays(parse: Callable[[bytes], EmbeddingArrays], response: httpx.Response) -> EmbeddingArrays:
    raise_for_status(response)
    try:
        return parse(response.content)
    except ArrayParseError as error:
        raise ResponseParseError(
            f"HTTP {response.status_code} body has no readable vectors: {error}", response=response
        ) from error


def _wrap_transports(http: Any, wrap: Callable[[Any], Any]) -> None:
    """Wrap the client's transport and every mounted one (proxies) with auth, User-Agent and retries."""
    http._transport = wrap(http._transport)
    http._mounts = {pattern: None if inner is None else wrap(inner) for pattern, inner in http._mounts.items()}


def _check_callback(callback: object) -> None:
    if callback is not None and not callable(callback):
        raise ValidationError("callback", f"must be callable, got {type(callback).__name__}")


def _check_wait_args(callback: object, timeout: float | None) -> None:
    """What `wait` checks, checked again before a `create_and_wait` creates anything."""
    _check_callback(callback)
    _wait_policy(PollPolicy(), timeout)


def _check_max_items(max_items: object) -> None:
    if max_items is not None and (isinstance(max_items, bool) or not isinstance(max_items, int) or max_items < 0):
        raise ValidationError("max_items", f"must be a whole number >= 0, got {max_items!r}", max_items)


def _wait_policy(policy: PollPolicy, timeout: float | None) -> PollPolicy:
    if timeout is None:
        return policy
    v.number("timeout", timeout, exclusive_minimum=0)
    return replace(policy, timeout=float(timeout))


class _Base:
    """Configuration shared by the sync and async clients."""

    def __init__(
        self,
        api_key: str | ApiKey | None,
        *,
        base_url: str | None,
        timeouts: Timeouts | None,
        retry: RetryPolicy | None,
        poll: PollPolicy | None,
        allow_insecure_http: bool,
        clock: Callable[[], float],
        rand: Callable[[], float],
    ) -> None:
        self._api_key = resolve_api_key(api_key)
        self.base_url = resolve_base_url(base_url, allow_insecure_http=allow_insecure_http)
        self.timeouts = timeouts or Timeouts()
        self.retry = retry or RetryPolicy()
        self.poll = poll or PollPolicy()
        for name, value, kind in (
            ("timeouts", self.timeouts, Timeouts),
            ("retry", self.retry, RetryPolicy),
            ("poll", self.poll, PollPolicy),
        ):
            if not isinstance(value, kind):
                raise ConfigurationError(f"{name} must be a {kind.__name__}, got {type(value).__name__}")
        self._clock = clock
        self._rand = rand
        self._options: CallOptions | None = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={str(self.base_url)!r}, api_key={self._api_key!r})"

    def _derive(self: T, *, retry: RetryPolicy | None, timeouts: Timeouts | None, poll: PollPolicy | None) -> T:
        clone = copy.copy(self)
        base: Any = clone
        if retry is not None:
            base.retry = retry
        if timeouts is not None:
            base.timeouts = timeouts
        if poll is not None:
            base.poll = poll
        base._options = CallOptions(retry=base.retry, timeouts=base.timeouts)
        base._bind()
        return clone

    def _bind(self) -> None:
        raise NotImplementedError


# =============================================================================== sync
class EmbedClient(_Base):
    """The synchronous client.

    >>> with EmbedClient() as client:                       # key from TWELVELABS_API_KEY
    ...     task = client.v2.tasks.create(input_type="video", url="https://example.com/v.mp4")
    ...     done = client.v2.tasks.wait(task.id)

    Resources: `client.legacy.tasks` (video tasks, `POST /embed/tasks`), `client.legacy.embeddings`
    (`POST /embed`), `client.v2.tasks` (`POST /embed-v2/tasks`), `client.v2.embeddings`
    (`POST /embed-v2`). Pass `transport=` (e.g. the fake's) or `http_client=` to control I/O, and
    `sleep`/`clock` to control time in tests.
    """

    def __init__(
        self,
        api_key: str | ApiKey | None = None,
        *,
        base_url: str | None = None,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
        poll: PollPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
        http_client: httpx.Client | None = None,
        verify: Verify = True,
        allow_insecure_http: bool = False,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rand: Callable[[], float] = random.random,
    ) -> None:
        super().__init__(
            api_key,
            base_url=base_url,
            timeouts=timeouts,
            retry=retry,
            poll=poll,
            allow_insecure_http=allow_insecure_http,
            clock=clock,
            rand=rand,
        )
        if transport is not None and http_client is not None:
            raise ConfigurationError("pass transport or http_client, not both")
        self._sleep = sleep
        if http_client is None:
            # Without `transport=`, httpx builds its own transports, including the proxy mounts of
            # HTTP(S)_PROXY / ALL_PROXY / NO_PROXY; every one of them is wrapped below.
            http_client = httpx.Client(transport=transport, verify=verify, follow_redirects=True)
            http_client.timeout = self.timeouts.to_httpx()
        else:
            http_client.timeout = injected_client_timeout(http_client.timeout, timeouts)
        http_client.base_url = self.base_url
        _wrap_transports(
            http_client,
            lambda inner: RetryTransport(
                inner, api_key=self._api_key, base_url=self.base_url, retry=self.retry, sleep=sleep, rand=rand
            ),
        )
        self._http = http_client
        self._bind()

    def _bind(self) -> None:
        self.legacy = _Legacy(self)
        self.v2 = _V2(self)

    def with_options(
        self, *, retry: RetryPolicy | None = None, timeouts: Timeouts | None = None, poll: PollPolicy | None = None
    ) -> EmbedClient:
        """A view of this client (same connections) whose calls use these policies."""
        return self._derive(retry=retry, timeouts=timeouts, poll=poll)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> EmbedClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the single path every call takes
    def _send(self, module: ModuleType, expected: type[M], *args: Any, **kwargs: Any) -> M:
        token = call_options.set(self._options) if self._options else None
        try:
            return send(self._http, module, expected, *args, **kwargs)
        finally:
            if token is not None:
                call_options.reset(token)

    def _read(self, module: ModuleType, *args: Any, **kwargs: Any) -> httpx.Response:
        token = call_options.set(self._options) if self._options else None
        try:
            return read(self._http, module._get_kwargs(*args, **kwargs))
        finally:
            if token is not None:
                call_options.reset(token)

    def _wait(
        self,
        task_id: str,
        fetch: Callable[[], T],
        status_of: Callable[[T], str | None],
        reason_of: Callable[[T], str | None],
        *,
        timeout: float | None,
        callback: Callable[[T], object] | None,
        raise_on_failure: bool,
    ) -> T:
        _check_callback(callback)
        waiter = Waiter(task_id, _wait_policy(self.poll, timeout), clock=self._clock, rand=self._rand)
        while True:
            try:
                task = fetch()
            except EmbedError as error:
                delay = waiter.delay_after_error(error)
            else:
                if callback is not None:
                    callback(task)
                if waiter.observed(status_of(task), task):
                    if raise_on_failure and waiter.last_status == "failed":
                        raise TaskFailedError(task_id, reason_of(task), task)
                    return task
                delay = waiter.delay_after_pending()
            self._sleep(delay)

    def _iterate(
        self, module: ModuleType, filters: dict[str, Any], max_items: int | None
    ) -> Iterator[MediaEmbeddingTask]:
        number, yielded = filters.pop("page"), 0
        while max_items is None or yielded < max_items:
            page = self._send(module, EmbeddingTaskList, page=number, **filters)
            for item in page_items(page):
                if max_items is not None and yielded >= max_items:
                    return
                yield item
                yielded += 1
            following = next_page(page, number, filters["page_limit"])
            if following is None:
                return
            number = following


class _Legacy:
    def __init__(self, client: EmbedClient) -> None:
        self.tasks = LegacyTasks(client)
        self.embeddings = LegacyEmbeddings(client)


class _V2:
    def __init__(self, client: EmbedClient) -> None:
        self.tasks = Tasks(client)
        self.embeddings = Embeddings(client)


class LegacyTasks:
    """Legacy video embedding tasks: `/embed/tasks`."""

    def __init__(self, client: EmbedClient) -> None:
        self._c = client

    def create(
        self,
        *,
        model_name: str = v.MARENGO_30,
        video_file: Any = None,
        video_url: str | None = None,
        video_start_offset_sec: float | None = None,
        video_end_offset_sec: float | None = None,
        video_clip_length: float | None = None,
        video_embedding_scope: Any = None,
    ) -> VideoEmbeddingTaskCreated:
        """Create a task from a local file (path or binary file object) or a URL; the upload streams from disk."""
        request = rq.legacy_task_form(
            model_name=model_name,
            video_file=video_file,
            video_url=video_url,
            video_start_offset_sec=video_start_offset_sec,
            video_end_offset_sec=video_end_offset_sec,
            video_clip_length=video_clip_length,
            video_embedding_scope=video_embedding_scope,
        )
        try:
            return self._c._send(create_video_embedding_task, VideoEmbeddingTaskCreated, body=request.form)
        finally:
            request.close()

    def status(self, task_id: str) -> VideoEmbeddingTaskStatus:
        """The task's status (`processing`, `ready` or `failed`)."""
        return self._c._send(get_video_embedding_task_status, VideoEmbeddingTaskStatus, v.task_id(task_id))

    def retrieve(self, task_id: str, *, embedding_option: Any = None) -> VideoEmbeddingTask:
        """The task with its segments (call when ready); `embedding_option` filters the types returned."""
        options = rq.legacy_embedding_options(embedding_option)
        return self._c._send(
            retrieve_video_embeddings, VideoEmbeddingTask, v.task_id(task_id), embedding_option=options
        )

    def retrieve_arrays(self, task_id: str, *, embedding_option: Any = None) -> EmbeddingArrays:
        """The task's vectors as one float32 matrix plus a segment table (fast for large results)."""
        options = rq.legacy_embedding_options(embedding_option)
        response = self._c._read(retrieve_video_embeddings, v.task_id(task_id), embedding_option=options)
        return _arrays(parse_legacy_arrays, response)

    def list(
        self,
        *,
        status: str | None = None,
        started_at: Any = None,
        ended_at: Any = None,
        page: int = 1,
        page_limit: int = 10,
    ) -> EmbeddingTaskList:
        """One page of tasks, newest first."""
        filters = rq.list_filters(
            status=status, started_at=started_at, ended_at=ended_at, page=page, page_limit=page_limit
        )
        return self._c._send(list_video_embedding_tasks, EmbeddingTaskList, **filters)

    def iter(
        self,
        *,
        status: str | None = None,
        started_at: Any = None,
        ended_at: Any = None,
        page_limit: int = 50,
        max_items: int | None = None,
    ) -> Iterator[MediaEmbeddingTask]:
        """Every task, lazily, page by page; stops at the last page (or after `max_items`)."""
        filters = rq.list_filters(status=status, started_at=started_at, ended_at=ended_at, page_limit=page_limit)
        _check_max_items(max_items)
        return self._c._iterate(list_video_embedding_tasks, filters, max_items)

    def wait_for_done(
        self,
        task_id: str,
        *,
        timeout: float | None = None,
        callback: Callable[[VideoEmbeddingTaskStatus], object] | None = None,
        raise_on_failure: bool = True,
    ) -> VideoEmbeddingTaskStatus:
        """Poll the status until `ready` or `failed` (see `PollPolicy`); `TaskFailedError` on failure."""
        task_id = v.task_id(task_id)
        return self._c._wait(
            task_id,
            lambda: self.status(task_id),
            lambda t: _status(t.status),
            lambda t: None,
            timeout=timeout,
            callback=callback,
            raise_on_failure=raise_on_failure,
        )

    def create_and_wait(
        self,
        *,
        timeout: float | None = None,
        callback: Callable[[VideoEmbeddingTaskStatus], object] | None = None,
        embedding_option: Any = None,
        **create_args: Any,
    ) -> VideoEmbeddingTask:
        """`create(**create_args)`, wait until ready, then `retrieve` the embeddings."""
        _check_wait_args(callback, timeout)
        rq.legacy_embedding_options(embedding_option)
        created = self.create(**create_args)
        self.wait_for_done(created.id, timeout=timeout, callback=callback)
        return self.retrieve(created.id, embedding_option=embedding_option)


class LegacyEmbeddings:
    """Legacy synchronous embeddings: `POST /embed`."""

    def __init__(self, client: EmbedClient) -> None:
        self._c = client

    def create(
        self,
        *,
        model_name: str = v.MARENGO_30,
        text: str | None = None,
        image_url: str | None = None,
        image_file: Any = None,
        audio_url: str | None = None,
        audio_file: Any = None,
        audio_start_offset_sec: float | None = None,
    ) -> LegacyEmbeddingResponse:
        """Embed text, an image and/or audio in one call."""
        request = rq.legacy_embed_form(
            model_name=model_name,
            text=text,
            image_url=image_url,
            image_file=image_file,
            audio_url=audio_url,
            audio_file=audio_file,
            audio_start_offset_sec=audio_start_offset_sec,
        )
        try:
            return self._c._send(create_legacy_embedding, LegacyEmbeddingResponse, body=request.form)
        finally:
            request.close()


class Tasks:
    """Embed API v2 asynchronous tasks: `/embed-v2/tasks`."""

    def __init__(self, client: EmbedClient) -> None:
        self._c = client

    def create(
        self,
        *,
        input_type: str,
        model_name: str = v.MARENGO_30,
        url: str | None = None,
        base64_string: str | None = None,
        asset_id: str | None = None,
        start_sec: float | None = None,
        end_sec: float | None = None,
        segmentation: Any = None,
        embedding_option: Any = None,
        embedding_scope: Any = None,
        embedding_type: Any = None,
        time_based_metadata: Any = None,
        document_segmentation: Any = None,
        embedding_uncertainty: bool | None = None,
        embedding_dimension: int | None = None,
    ) -> EmbeddingTaskCreated:
        """Create a task for audio, video (or, with marengo3.5, a document or image); one media source."""
        body = rq.v2_task_request(
            input_type=input_type,
            model_name=model_name,
            url=url,
            base64_string=base64_string,
            asset_id=asset_id,
            start_sec=start_sec,
            end_sec=end_sec,
            segmentation=segmentation,
            embedding_option=embedding_option,
            embedding_scope=embedding_scope,
            embedding_type=embedding_type,
            time_based_metadata=time_based_metadata,
            document_segmentation=document_segmentation,
            embedding_uncertainty=embedding_uncertainty,
            embedding_dimension=embedding_dimension,
        )
        return self._c._send(create_embedding_task_v2, EmbeddingTaskCreated, body=body)

    def retrieve(self, task_id: str) -> EmbeddingTask:
        """The task: its status and, when ready, its embeddings."""
        return self._c._send(get_embedding_task_v2, EmbeddingTask, v.task_id(task_id))

    def retrieve_arrays(self, task_id: str) -> EmbeddingArrays:
        """The task's vectors as one float32 matrix plus a segment table (no rows until ready)."""
        return _arrays(parse_v2_arrays, self._c._read(get_embedding_task_v2, v.task_id(task_id)))

    def list(
        self,
        *,
        status: str | None = None,
        started_at: Any = None,
        ended_at: Any = None,
        page: int = 1,
        page_limit: int = 10,
    ) -> EmbeddingTaskList:
        """One page of tasks, newest first."""
        filters = rq.list_filters(
            status=status, started_at=started_at, ended_at=ended_at, page=page, page_limit=page_limit
        )
        return self._c._send(list_embedding_tasks_v2, EmbeddingTaskList, **filters)

    def iter(
        self,
        *,
        status: str | None = None,
        started_at: Any = None,
        ended_at: Any = None,
        page_limit: int = 50,
        max_items: int | None = None,
    ) -> Iterator[MediaEmbeddingTask]:
        """Every task, lazily, page by page; stops at the last page (or after `max_items`)."""
        filters = rq.list_filters(status=status, started_at=started_at, ended_at=ended_at, page_limit=page_limit)
        _check_max_items(max_items)
        return self._c._iterate(list_embedding_tasks_v2, filters, max_items)

    def wait(
        self,
        task_id: str,
        *,
        timeout: float | None = None,
        callback: Callable[[EmbeddingTask], object] | None = None,
        raise_on_failure: bool = True,
    ) -> EmbeddingTask:
        """Poll until `ready` or `failed`; returns the ready task with its embeddings."""
        task_id = v.task_id(task_id)
        return self._c._wait(
            task_id,
            lambda: self.retrieve(task_id),
            lambda t: _status(t.status),
            _v2_failure_reason,
            timeout=timeout,
            callback=callback,
            raise_on_failure=raise_on_failure,
        )

    def create_and_wait(
        self,
        *,
        timeout: float | None = None,
        callback: Callable[[EmbeddingTask], object] | None = None,
        **create_args: Any,
    ) -> EmbeddingTask:
        """`create(**create_args)`, then `wait` for it."""
        _check_wait_args(callback, timeout)
        created = self.create(**create_args)
        return self.wait(created.id, timeout=timeout, callback=callback)


class Embeddings:
    """Embed API v2 synchronous embeddings: `POST /embed-v2`."""

    def __init__(self, client: EmbedClient) -> None:
        self._c = client

    def create(
        self,
        *,
        input_type: str,
        model_name: str = v.MARENGO_30,
        text: str | None = None,
        url: str | None = None,
        base64_string: str | None = None,
        asset_id: str | None = None,
        start_sec: float | None = None,
        end_sec: float | None = None,
        segmentation: Any = None,
        embedding_option: Any = None,
        embedding_scope: Any = None,
        embedding_type: Any = None,
        media_sources: Any = None,
        auto_truncate: bool | None = None,
        embedding_uncertainty: bool | None = None,
        embedding_dimension: int | None = None,
    ) -> EmbeddingSuccessResponse:
        """Embed text, an image, text+image, short audio/video, or (marengo3.5) a multi-input."""
        body = rq.v2_embed_request(
            input_type=input_type,
            model_name=model_name,
            text=text,
            url=url,
            base64_string=base64_string,
            asset_id=asset_id,
            start_sec=start_sec,
            end_sec=end_sec,
            segmentation=segmentation,
            embedding_option=embedding_option,
            embedding_scope=embedding_scope,
            embedding_type=embedding_type,
            media_sources=media_sources,
            auto_truncate=auto_truncate,
            embedding_uncertainty=embedding_uncertainty,
            embedding_dimension=embedding_dimension,
        )
        return self._c._send(create_embeddings_v2, EmbeddingSuccessResponse, body=body)


# =============================================================================== async
class AsyncEmbedClient(_Base):
    """The asynchronous client; the same resources as `EmbedClient`, with `await` / `async for`."""

    def __init__(
        self,
        api_key: str | ApiKey | None = None,
        *,
        base_url: str | None = None,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
        poll: PollPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        http_client: httpx.AsyncClient | None = None,
        verify: Verify = True,
        allow_insecure_http: bool = False,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        rand: Callable[[], float] = random.random,
    ) -> None:
        super().__init__(
            api_key,
            base_url=base_url,
            timeouts=timeouts,
            retry=retry,
            poll=poll,
            allow_insecure_http=allow_insecure_http,
            clock=clock,
            rand=rand,
        )
        if transport is not None and http_client is not None:
            raise ConfigurationError("pass transport or http_client, not both")
        self._sleep = sleep
        if http_client is None:
            http_client = httpx.AsyncClient(transport=transport, verify=verify, follow_redirects=True)
            http_client.timeout = self.timeouts.to_httpx()
        else:
            http_client.timeout = injected_client_timeout(http_client.timeout, timeouts)
        http_client.base_url = self.base_url
        _wrap_transports(
            http_client,
            lambda inner: AsyncRetryTransport(
                inner, api_key=self._api_key, base_url=self.base_url, retry=self.retry, sleep=sleep, rand=rand
            ),
        )
        self._http = http_client
        self._bind()

    def _bind(self) -> None:
        self.legacy = _AsyncLegacy(self)
        self.v2 = _AsyncV2(self)

    def with_options(
        self, *, retry: RetryPolicy | None = None, timeouts: Timeouts | None = None, poll: PollPolicy | None = None
    ) -> AsyncEmbedClient:
        """A view of this client (same connections) whose calls use these policies."""
        return self._derive(retry=retry, timeouts=timeouts, poll=poll)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncEmbedClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def _send(self, module: ModuleType, expected: type[M], *args: Any, **kwargs: Any) -> M:
        token = call_options.set(self._options) if self._options else None
        try:
            return await asend(self._http, module, expected, *args, **kwargs)
        finally:
            if token is not None:
                call_options.reset(token)

    async def _read(self, module: ModuleType, *args: Any, **kwargs: Any) -> httpx.Response:
        token = call_options.set(self._options) if self._options else None
        try:
            return await aread(self._http, module._get_kwargs(*args, **kwargs))
        finally:
            if token is not None:
                call_options.reset(token)

    async def _wait(
        self,
        task_id: str,
        fetch: Callable[[], Awaitable[T]],
        status_of: Callable[[T], str | None],
        reason_of: Callable[[T], str | None],
        *,
        timeout: float | None,
        callback: Callable[[T], object] | None,
        raise_on_failure: bool,
    ) -> T:
        _check_callback(callback)
        waiter = Waiter(task_id, _wait_policy(self.poll, timeout), clock=self._clock, rand=self._rand)
        while True:
            try:
                task = await fetch()
            except EmbedError as error:
                delay = waiter.delay_after_error(error)
            else:
                if callback is not None:
                    outcome = callback(task)
                    if asyncio.iscoroutine(outcome):
                        await outcome
                if waiter.observed(status_of(task), task):
                    if raise_on_failure and waiter.last_status == "failed":
                        raise TaskFailedError(task_id, reason_of(task), task)
                    return task
                delay = waiter.delay_after_pending()
            await self._sleep(delay)

    async def _iterate(
        self, module: ModuleType, filters: dict[str, Any], max_items: int | None
    ) -> AsyncIterator[MediaEmbeddingTask]:
        number, yielded = filters.pop("page"), 0
        while max_items is None or yielded < max_items:
            page = await self._send(module, EmbeddingTaskList, page=number, **filters)
            for item in page_items(page):
                if max_items is not None and yielded >= max_items:
                    return
                yield item
                yielded += 1
            following = next_page(page, number, filters["page_limit"])
            if following is None:
                return
            number = following


class _AsyncLegacy:
    def __init__(self, client: AsyncEmbedClient) -> None:
        self.tasks = AsyncLegacyTasks(client)
        self.embeddings = AsyncLegacyEmbeddings(client)


class _AsyncV2:
    def __init__(self, client: AsyncEmbedClient) -> None:
        self.tasks = AsyncTasks(client)
        self.embeddings = AsyncEmbeddings(client)


class AsyncLegacyTasks:
    """Legacy video embedding tasks: `/embed/tasks` (async)."""

    def __init__(self, client: AsyncEmbedClient) -> None:
        self._c = client

    async def create(
        self,
        *,
        model_name: str = v.MARENGO_30,
        video_file: Any = None,
        video_url: str | None = None,
        video_start_offset_sec: float | None = None,
        video_end_offset_sec: float | None = None,
        video_clip_length: float | None = None,
        video_embedding_scope: Any = None,
    ) -> VideoEmbeddingTaskCreated:
        """Create a task from a local file (path or binary file object) or a URL."""
        request = rq.legacy_task_form(
            model_name=model_name,
            video_file=video_file,
            video_url=video_url,
            video_start_offset_sec=video_start_offset_sec,
            video_end_offset_sec=video_end_offset_sec,
            video_clip_length=video_clip_length,
            video_embedding_scope=video_embedding_scope,
        )
        try:
            return await self._c._send(create_video_embedding_task, VideoEmbeddingTaskCreated, body=request.form)
        finally:
            request.close()

    async def status(self, task_id: str) -> VideoEmbeddingTaskStatus:
        """The task's status."""
        return await self._c._send(get_video_embedding_task_status, VideoEmbeddingTaskStatus, v.task_id(task_id))

    async def retrieve(self, task_id: str, *, embedding_option: Any = None) -> VideoEmbeddingTask:
        """The task with its segments."""
        options = rq.legacy_embedding_options(embedding_option)
        return await self._c._send(
            retrieve_video_embeddings, VideoEmbeddingTask, v.task_id(task_id), embedding_option=options
        )

    async def retrieve_arrays(self, task_id: str, *, embedding_option: Any = None) -> EmbeddingArrays:
        """The task's vectors as one float32 matrix plus a segment table."""
        options = rq.legacy_embedding_options(embedding_option)
        response = await self._c._read(retrieve_video_embeddings, v.task_id(task_id), embedding_option=options)
        return _arrays(parse_legacy_arrays, response)

    async def list(
        self,
        *,
        status: str | None = None,
        started_at: Any = None,
        ended_at: Any = None,
        page: int = 1,
        page_limit: int = 10,
    ) -> EmbeddingTaskList:
        """One page of tasks, newest first."""
        filters = rq.list_filters(
            status=status, started_at=started_at, ended_at=ended_at, page=page, page_limit=page_limit
        )
        return await self._c._send(list_video_embedding_tasks, EmbeddingTaskList, **filters)

    def iter(
        self,
        *,
        status: str | None = None,
        started_at: Any = None,
        ended_at: Any = None,
        page_limit: int = 50,
        max_items: int | None = None,
    ) -> AsyncIterator[MediaEmbeddingTask]:
        """Every task, lazily (`async for`)."""
        filters = rq.list_filters(status=status, started_at=started_at, ended_at=ended_at, page_limit=page_limit)
        _check_max_items(max_items)
        return self._c._iterate(list_video_embedding_tasks, filters, max_items)

    async def wait_for_done(
        self,
        task_id: str,
        *,
        timeout: float | None = None,
        callback: Callable[[VideoEmbeddingTaskStatus], object] | None = None,
        raise_on_failure: bool = True,
    ) -> VideoEmbeddingTaskStatus:
        """Poll the status until `ready` or `failed`; the callback may be a coroutine function."""
        task_id = v.task_id(task_id)
        return await self._c._wait(
            task_id,
            lambda: self.status(task_id),
            lambda t: _status(t.status),
            lambda t: None,
            timeout=timeout,
            callback=callback,
            raise_on_failure=raise_on_failure,
        )

    async def create_and_wait(
        self,
        *,
        timeout: float | None = None,
        callback: Callable[[VideoEmbeddingTaskStatus], object] | None = None,
        embedding_option: Any = None,
        **create_args: Any,
    ) -> VideoEmbeddingTask:
        """`create(**create_args)`, wait until ready, then `retrieve` the embeddings."""
        _check_wait_args(callback, timeout)
        rq.legacy_embedding_options(embedding_option)
        created = await self.create(**create_args)
        await self.wait_for_done(created.id, timeout=timeout, callback=callback)
        return await self.retrieve(created.id, embedding_option=embedding_option)


class AsyncLegacyEmbeddings:
    """Legacy synchronous embeddings: `POST /embed` (async)."""

    def __init__(self, client: AsyncEmbedClient) -> None:
        self._c = client

    async def create(
        self,
        *,
        model_name: str = v.MARENGO_30,
        text: str | None = None,
        image_url: str | None = None,
        image_file: Any = None,
        audio_url: str | None = None,
        audio_file: Any = None,
        audio_start_offset_sec: float | None = None,
    ) -> LegacyEmbeddingResponse:
        """Embed text, an image and/or audio in one call."""
        request = rq.legacy_embed_form(
            model_name=model_name,
            text=text,
            image_url=image_url,
            image_file=image_file,
            audio_url=audio_url,
            audio_file=audio_file,
            audio_start_offset_sec=audio_start_offset_sec,
        )
        try:
            return await self._c._send(create_legacy_embedding, LegacyEmbeddingResponse, body=request.form)
        finally:
            request.close()


class AsyncTasks:
    """Embed API v2 asynchronous tasks: `/embed-v2/tasks` (async)."""

    def __init__(self, client: AsyncEmbedClient) -> None:
        self._c = client

    async def create(
        self,
        *,
        input_type: str,
        model_name: str = v.MARENGO_30,
        url: str | None = None,
        base64_string: str | None = None,
        asset_id: str | None = None,
        start_sec: float | None = None,
        end_sec: float | None = None,
        segmentation: Any = None,
        embedding_option: Any = None,
        embedding_scope: Any = None,
        embedding_type: Any = None,
        time_based_metadata: Any = None,
        document_segmentation: Any = None,
        embedding_uncertainty: bool | None = None,
        embedding_dimension: int | None = None,
    ) -> EmbeddingTaskCreated:
        """Create a task; see `Tasks.create`."""
        body = rq.v2_task_request(
            input_type=input_type,
            model_name=model_name,
            url=url,
            base64_string=base64_string,
            asset_id=asset_id,
            start_sec=start_sec,
            end_sec=end_sec,
            segmentation=segmentation,
            embedding_option=embedding_option,
            embedding_scope=embedding_scope,
            embedding_type=embedding_type,
            time_based_metadata=time_based_metadata,
            document_segmentation=document_segmentation,
            embedding_uncertainty=embedding_uncertainty,
            embedding_dimension=embedding_dimension,
        )
        return await self._c._send(create_embedding_task_v2, EmbeddingTaskCreated, body=body)

    async def retrieve(self, task_id: str) -> EmbeddingTask:
        """The task: its status and, when ready, its embeddings."""
        return await self._c._send(get_embedding_task_v2, EmbeddingTask, v.task_id(task_id))

    async def retrieve_arrays(self, task_id: str) -> EmbeddingArrays:
        """The task's vectors as one float32 matrix plus a segment table."""
        return _arrays(parse_v2_arrays, await self._c._read(get_embedding_task_v2, v.task_id(task_id)))

    async def list(
        self,
        *,
        status: str | None = None,
        started_at: Any = None,
        ended_at: Any = None,
        page: int = 1,
        page_limit: int = 10,
    ) -> EmbeddingTaskList:
        """One page of tasks, newest first."""
        filters = rq.list_filters(
            status=status, started_at=started_at, ended_at=ended_at, page=page, page_limit=page_limit
        )
        return await self._c._send(list_embedding_tasks_v2, EmbeddingTaskList, **filters)

    def iter(
        self,
        *,
        status: str | None = None,
        started_at: Any = None,
        ended_at: Any = None,
        page_limit: int = 50,
        max_items: int | None = None,
    ) -> AsyncIterator[MediaEmbeddingTask]:
        """Every task, lazily (`async for`)."""
        filters = rq.list_filters(status=status, started_at=started_at, ended_at=ended_at, page_limit=page_limit)
        _check_max_items(max_items)
        return self._c._iterate(list_embedding_tasks_v2, filters, max_items)

    async def wait(
        self,
        task_id: str,
        *,
        timeout: float | None = None,
        callback: Callable[[EmbeddingTask], object] | None = None,
        raise_on_failure: bool = True,
    ) -> EmbeddingTask:
        """Poll until `ready` or `failed`; the callback may be a coroutine function."""
        task_id = v.task_id(task_id)
        return await self._c._wait(
            task_id,
            lambda: self.retrieve(task_id),
            lambda t: _status(t.status),
            _v2_failure_reason,
            timeout=timeout,
            callback=callback,
            raise_on_failure=raise_on_failure,
        )

    async def create_and_wait(
        self,
        *,
        timeout: float | None = None,
        callback: Callable[[EmbeddingTask], object] | None = None,
        **create_args: Any,
    ) -> EmbeddingTask:
        """`create(**create_args)`, then `wait` for it."""
        _check_wait_args(callback, timeout)
        created = await self.create(**create_args)
        return await self.wait(created.id, timeout=timeout, callback=callback)


class AsyncEmbeddings:
    """Embed API v2 synchronous embeddings: `POST /embed-v2` (async)."""

    def __init__(self, client: AsyncEmbedClient) -> None:
        self._c = client

    async def create(
        self,
        *,
        input_type: str,
        model_name: str = v.MARENGO_30,
        text: str | None = None,
        url: str | None = None,
        base64_string: str | None = None,
        asset_id: str | None = None,
        start_sec: float | None = None,
        end_sec: float | None = None,
        segmentation: Any = None,
        embedding_option: Any = None,
        embedding_scope: Any = None,
        embedding_type: Any = None,
        media_sources: Any = None,
        auto_truncate: bool | None = None,
        embedding_uncertainty: bool | None = None,
        embedding_dimension: int | None = None,
    ) -> EmbeddingSuccessResponse:
        """Embed synchronously; see `Embeddings.create`."""
        body = rq.v2_embed_request(
            input_type=input_type,
            model_name=model_name,
            text=text,
            url=url,
            base64_string=base64_string,
            asset_id=asset_id,
            start_sec=start_sec,
            end_sec=end_sec,
            segmentation=segmentation,
            embedding_option=embedding_option,
            embedding_scope=embedding_scope,
            embedding_type=embedding_type,
            media_sources=media_sources,
            auto_truncate=auto_truncate,
            embedding_uncertainty=embedding_uncertainty,
            embedding_dimension=embedding_dimension,
        )
        return await self._c._send(create_embeddings_v2, EmbeddingSuccessResponse, body=body)
