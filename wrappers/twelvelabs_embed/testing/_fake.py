"""`EmbedFake`: one stateful fake of the TwelveLabs Embed API (state, clock, faults, records, transports)."""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime, timedelta
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, Literal, Self, cast

import httpx
from starlette.types import Scope

from ._asset_fake import AssetFakeMixin
from ._asset_state import AssetSettings
from ._clock import Clock, FakeClock
from ._defaults import (
    DEFAULT_API_KEY,
    DEFAULT_AUDIO_METADATA_SPELLING,
    DEFAULT_MEDIA_DURATION,
    DEFAULT_PROCESSING_SECONDS,
    AudioMetadataSpelling,
    check_audio_metadata_spelling,
    check_duration,
    check_processing_seconds,
)
from ._faults import Faults
from ._models import (
    DEFAULT_FAILURE_MESSAGE,
    FakeTask,
    Media,
    RateLimit,
    RateLimiter,
    RecordedRequest,
    RecordedUpload,
)
from ._operations import API_PREFIX, OPERATIONS_BY_ID, Operation
from ._spec import Spec, load_spec
from ._transport import FakeAsyncTransport, FakeTransport, LoopThread
from ._upload_origin import OriginRouter

if TYPE_CHECKING:
    # The clock's type parameter defaults to FakeClock (PEP 696), so `EmbedFake()` and a bare `EmbedFake`
    # annotation mean `EmbedFake[FakeClock]` and `fake.clock.advance(3)` type-checks. Only type checkers need
    # the default; at run time a plain TypeVar serves `Generic` (typing.TypeVar takes `default=` from 3.13).
    from typing_extensions import TypeVar

    from ._app import FakeApp
    from ._server import RunningServer

    ClockT = TypeVar("ClockT", bound=Clock, default=FakeClock, covariant=True)
else:
    from typing import TypeVar

    ClockT = TypeVar("ClockT", bound=Clock, covariant=True)

__all__ = ["DEFAULT_API_KEY", "DEFAULT_BASE_URL", "DEFAULT_PROCESSING_SECONDS", "EmbedFake"]

#: The base URL in-process clients use (any host works; nothing is resolved).
DEFAULT_BASE_URL = "https://embed-fake.test" + API_PREFIX


class EmbedFake(AssetFakeMixin, Generic[ClockT]):
    """A stateful, in-memory fake of the TwelveLabs Embed API, with assets and multipart uploads.

    Its type parameter is the type of its clock: `EmbedFake()` is an `EmbedFake[FakeClock]` (so
    `fake.clock.advance(3)` type-checks), `EmbedFake(clock=WallClock())` an `EmbedFake[WallClock]`.

    Args:
        api_keys: the accepted `x-api-key` value(s); None accepts any non-empty key.
        clock: a `FakeClock` (the default; tests move time with `fake.clock.advance(s)`) or `WallClock()`.
        processing_seconds: how long each task stays `processing` before it ends `ready` (or `failed`);
            finite and >= 0.
        rate_limit: a `RateLimit`, or None for no limit (settable later through `fake.rate_limit`).
        url_duration: media duration (s) of a URL without a `duration=` query parameter (finite, > 0).
        upload_duration: media duration (s) of uploads, base64 media and assets (finite, > 0).
        media_durations: exact durations by URL, upload file name or asset id (wins over the rest).
        spec_path: the OpenAPI file to serve and validate against (default: `twelvelabs_embed_generated/openapi.yaml`).
        seed: varies task ids between fakes (ids are deterministic for a given seed and clock).
        base_url: the base URL of `client()`/`async_client()`.
        record_uploads: keep the bytes of every uploaded file as received (`fake.uploads`); off by default
            because uploads can be large.
        audio_metadata_spelling: the names of the audio metadata arrays in v2 list items: "spec" (the
            default) writes `audio_embedding_options` / `audio_embedding_scopes` as the official OpenAPI spec
            does, "sdk" writes `audio_embedding_option` / `audio_embedding_scope` as the official SDK 1.3.6
            reads them.

        asset_settings: chunk size, URL and session lifetimes, limits and more of the asset and
            multipart-upload endpoints (`AssetSettings`; see `_asset_fake.py` for the asset API of the fake).

    Invalid settings raise ValueError naming the parameter.
    """

    def __init__(
        self,
        *,
        api_keys: str | Iterable[str] | None = DEFAULT_API_KEY,
        clock: ClockT | None = None,
        processing_seconds: float = DEFAULT_PROCESSING_SECONDS,
        rate_limit: RateLimit | None = None,
        url_duration: float = DEFAULT_MEDIA_DURATION,
        upload_duration: float = DEFAULT_MEDIA_DURATION,
        media_durations: Mapping[str, float] | None = None,
        spec_path: str | os.PathLike[str] | None = None,
        seed: int = 0,
        base_url: str = DEFAULT_BASE_URL,
        record_uploads: bool = False,
        audio_metadata_spelling: AudioMetadataSpelling = DEFAULT_AUDIO_METADATA_SPELLING,
        asset_settings: AssetSettings | None = None,
    ) -> None:
        if api_keys is None:
            self._keys: frozenset[str] | None = None
        else:
            self._keys = frozenset([api_keys] if isinstance(api_keys, str) else api_keys)
            if not self._keys or "" in self._keys:
                raise ValueError("api_keys needs at least one non-empty key (or None to accept any key)")
        self.processing_seconds = check_processing_seconds(processing_seconds)
        self.url_duration = check_duration(url_duration, "url_duration")
        self.upload_duration = check_duration(upload_duration, "upload_duration")
        self.audio_metadata_spelling = check_audio_metadata_spelling(audio_metadata_spelling)
        self._clock: Clock = FakeClock() if clock is None else clock
        self.faults = Faults()
        self.media_durations: dict[str, float] = dict(media_durations or {})
        self.spec: Spec = load_spec(spec_path)
        self.seed = seed
        self.base_url = base_url.rstrip("/")
        self._limiter = RateLimiter()
        self._limiter.configure(rate_limit)
        self._lock = threading.RLock()
        self._tasks: dict[str, FakeTask] = {}
        self._requests: list[RecordedRequest] = []
        self.record_uploads = record_uploads
        self._uploads: list[RecordedUpload] = []
        self._forced_failures: deque[str] = deque()
        self._counter = 0
        self._app: FakeApp | None = None
        self._router: OriginRouter | None = None
        self._loop: LoopThread | None = None
        self._init_assets(asset_settings)

    # ------------------------------------------------------------------ settings

    @property
    def clock(self) -> ClockT:
        """The fake's clock (a `FakeClock` unless another was given)."""
        return cast("ClockT", self._clock)

    @property
    def api_key(self) -> str:
        """A key this fake accepts (the first one given, alphabetically; any string if all are accepted)."""
        return "any-key" if self._keys is None else sorted(self._keys)[0]

    def accepts_key(self, key: str) -> bool:
        return bool(key) and (self._keys is None or key in self._keys)

    @property
    def rate_limit(self) -> RateLimit | None:
        """The active rate limit; assigning resets its window."""
        return self._limiter.limit

    @rate_limit.setter
    def rate_limit(self, value: RateLimit | None) -> None:
        with self._lock:
            self._limiter.configure(value)

    def advance(self, seconds: float) -> None:
        """Move the fake's `FakeClock` forward (TypeError on a fake served on wall-clock time)."""
        if not isinstance(self._clock, FakeClock):
            raise TypeError("advance() needs a fake running on a FakeClock")
        self._clock.advance(seconds)

    def admit(self, operation_id: str) -> tuple[bool, dict[str, str]]:
        with self._lock:
            return self._limiter.admit(operation_id, self.clock.now())

    @staticmethod
    def operation(operation_id: str) -> Operation:
        return OPERATIONS_BY_ID[operation_id]

    # ------------------------------------------------------------------ tasks

    @property
    def tasks(self) -> list[FakeTask]:
        """Every task, oldest first (legacy and v2)."""
        with self._lock:
            return list(self._tasks.values())

    def task(self, task_id: str) -> FakeTask:
        """The task with this id (KeyError if there is none)."""
        with self._lock:
            return self._tasks[task_id]

    def find_task(self, task_id: str, *, api: Literal["legacy", "v2"]) -> FakeTask | None:
        with self._lock:
            task = self._tasks.get(task_id)
        return task if task is not None and task.api == api else None

    def status(self, task_id: str) -> str:
        """The status of a task now (by the fake's clock)."""
        return self.task(task_id).status_at(self.clock.now())

    def fail_next(self, count: int = 1, message: str | None = None) -> None:
        """The next `count` tasks created (legacy or v2) end `failed` (v2 with `error.message` = `message`)."""
        if count < 1:
            raise ValueError("count must be >= 1")
        with self._lock:
            self._forced_failures.extend([message or DEFAULT_FAILURE_MESSAGE] * count)

    def fail_task(self, task_id: str, message: str | None = None) -> None:
        """Make an existing task end `failed` (when its processing time is over)."""
        with self._lock:
            task = self._tasks[task_id]
            task.outcome = "failed"
            task.error_message = message or DEFAULT_FAILURE_MESSAGE

    def _new_id(self, now: datetime) -> str:
        self._counter += 1
        digest = hashlib.blake2b(f"{self.seed}:{self._counter}".encode(), digest_size=8).hexdigest()
        return f"{int(now.timestamp()) & 0xFFFFFFFF:08x}{digest}"

    def _create_task(
        self,
        *,
        api: Literal["legacy", "v2"],
        model_name: str,
        input_type: str,
        media: Media,
        failure: str | None,
        params: dict[str, Any],
    ) -> FakeTask:
        with self._lock:
            now = self.clock.now()
            forced = self._forced_failures.popleft() if self._forced_failures else None
            message = failure or forced
            task = FakeTask(
                id=self._new_id(now),
                api=api,
                model_name=model_name,
                input_type=input_type,
                created_at=now,
                ready_at=now + timedelta(seconds=self.processing_seconds),
                outcome="failed" if message else "ready",
                error_message=message,
                input_url=media.input_url,
                input_filename=media.input_filename,
                duration=0.0 if media.fetch_error else media.duration,
                params=params,
            )
            self._tasks[task.id] = task
            return task

    # ------------------------------------------------------------------ records

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far, oldest first (a copy)."""
        with self._lock:
            return list(self._requests)

    def calls(self, operation: str | None = None) -> list[RecordedRequest]:
        """The recorded requests of one operation (an operationId), or of all API operations."""
        if operation is not None:
            self.operation(operation)
        with self._lock:
            return [r for r in self._requests if r.operation is not None and operation in (None, r.operation)]

    @property
    def uploads(self) -> list[RecordedUpload]:
        """Every uploaded file received so far, oldest first (empty unless `record_uploads` is on)."""
        with self._lock:
            return list(self._uploads)

    def _record_upload(self, upload: RecordedUpload) -> None:
        if self.record_uploads:
            with self._lock:
                self._uploads.append(upload)

    def clear_requests(self) -> None:
        """Forget the recorded requests."""
        with self._lock:
            self._requests.clear()

    def _record(
        self, scope: Scope, body_size: int, operation: Operation | None, *, origin: str = "api"
    ) -> RecordedRequest:
        headers = tuple((key.decode("latin-1").lower(), value.decode("latin-1")) for key, value in scope["headers"])
        record = RecordedRequest(
            method=str(scope["method"]),
            path=str(scope["path"]),
            query=bytes(scope.get("query_string", b"")).decode("latin-1"),
            headers=headers,
            body_size=body_size,
            operation=None if operation is None else operation.id,
            received_at=self.clock.now(),
            origin=origin,
        )
        with self._lock:
            self._requests.append(record)
        return record

    # ------------------------------------------------------------------ serving

    @property
    def app(self) -> FakeApp:
        """The Starlette ASGI app serving this fake (built once)."""
        if self._app is None:
            from ._app import build_app

            self._app = build_app(self)
        return self._app

    @property
    def _served(self) -> OriginRouter:
        """The API app and the upload origin behind one ASGI app, routed by host (for in-process transports)."""
        if self._router is None:
            self._router = OriginRouter(self.app, self.upload_origin)
        return self._router

    def async_transport(self) -> FakeAsyncTransport:
        """An `httpx.AsyncClient` transport serving from this fake in-process (API and upload origin)."""
        return FakeAsyncTransport(self._served)

    def transport(self) -> FakeTransport:
        """An `httpx.Client` transport serving from this fake in-process (API and upload origin)."""
        with self._lock:
            if self._loop is None:
                self._loop = LoopThread()
            loop = self._loop
        return FakeTransport(FakeAsyncTransport(self._served), loop)

    def _client_kwargs(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        headers = httpx.Headers(kwargs.pop("headers", None))
        headers.setdefault("x-api-key", self.api_key)
        return {"base_url": self.base_url, "headers": headers, **kwargs}

    def client(self, **kwargs: Any) -> httpx.Client:
        """An `httpx.Client` wired to this fake: base URL, `x-api-key`, in-process transport."""
        return httpx.Client(transport=self.transport(), **self._client_kwargs(kwargs))

    def async_client(self, **kwargs: Any) -> httpx.AsyncClient:
        """An `httpx.AsyncClient` wired to this fake: base URL, `x-api-key`, in-process transport."""
        return httpx.AsyncClient(transport=self.async_transport(), **self._client_kwargs(kwargs))

    @contextlib.contextmanager
    def run_server(self, host: str = "127.0.0.1", port: int = 0) -> Iterator[RunningServer]:
        """Serve this fake over real HTTP (uvicorn in a background thread) for the duration of the block.

        `port=0` picks a free port; the running server's `base_url` tells which. Slow faults really sleep here.
        The upload origin (presigned chunk URLs) is served on a second free port (`upload_base_url`).
        """
        from ._server import RunningServer

        server = RunningServer(self, host=host, port=port)
        server.start()
        try:
            yield server
        finally:
            server.stop()

    def close(self) -> None:
        """Stop the background loop thread of sync transports (if one was started)."""
        with self._lock:
            loop, self._loop = self._loop, None
        if loop is not None:
            loop.stop()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"EmbedFake(tasks={len(self._tasks)}, requests={len(self._requests)}, clock={self.clock!r})"
