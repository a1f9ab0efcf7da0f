"""One adapter per API behind one small protocol, so the commands never ask which API they talk to.

Each adapter turns the CLI's request into library calls and the library's models (which differ per
API: legacy status vs. v2 task, `wait_for_done` vs. `wait`, failure reasons or none) into the few
typed values the commands use. The adapters use only the public API of `twelvelabs_embed`.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

# The flags' strings are checked by the library's own validation (argparse `choices` first), so the
# Literal-typed parameters get them through `cast`.
from typing import Any, Literal, Protocol, cast

import orjson

from twelvelabs_embed import (
    EmbedClient,
    EmbeddingArrays,
    TaskFailedError,
    ValidationError,
    dynamic_segments,
    fixed_segments,
)
from twelvelabs_embed.models import (
    DynamicSegmentation,
    EmbeddingTask,
    EmbeddingTaskList,
    FixedSegmentation,
    MediaEmbeddingTask,
    Unset,
    VideoEmbeddingTaskCreated,
    VideoEmbeddingTaskStatus,
)

from ._exits import UsageError
from ._parser import Segmentation
from ._progress import ByteBar, upload_source
from ._streams import Streams

__all__ = [
    "ADAPTERS",
    "Api",
    "ApiName",
    "CreateRequest",
    "Created",
    "LegacyApi",
    "ListedTask",
    "TaskPage",
    "TaskState",
    "V2Api",
]

ApiName = Literal["legacy", "v2"]
PAGE_LIMIT_MAX = 50  # the largest page either list endpoint serves


# ----------------------------------------------------------------------------- what the commands see
@dataclass(frozen=True)
class TaskState:
    """A task as the commands see it; `document` is the API's JSON for `--json` (without vectors unless asked)."""

    api: ApiName
    id: str
    status: str
    reason: str | None
    document: dict[str, Any]

    @property
    def failed(self) -> bool:
        return self.status == "failed"


@dataclass(frozen=True)
class Created:
    api: ApiName
    id: str
    document: dict[str, Any]


@dataclass(frozen=True)
class ListedTask:
    id: str
    status: str
    created_at: dt.datetime | None
    input: str
    document: dict[str, Any]


@dataclass(frozen=True)
class TaskPage:
    tasks: list[ListedTask]
    total: int | None  # every task matching the filter, when the server says


@dataclass(frozen=True)
class CreateRequest:
    """`create`'s flags, typed; `given` tells which were set (for the per-API checks)."""

    model: str
    input_type: str
    file: Path | None = None
    url: str | None = None
    base64_file: Path | None = None
    asset_id: str | None = None
    start: float | None = None
    end: float | None = None
    clip_length: float | None = None
    scope: list[str] | None = None
    option: list[str] | None = None
    embedding_type: list[str] | None = None
    segmentation: Segmentation | None = None
    dimension: int | None = None
    uncertainty: bool | None = None
    time_metadata: Path | None = None
    upload_bar: bool = False
    upload_bar_forced: bool = False
    flags: Mapping[str, str] = field(default_factory=dict)  # attribute -> flag, for messages

    def refuse(self, rules: Mapping[str, str]) -> None:
        """A usage error for the first flag given that this API does not take (`attribute -> rule`)."""
        for attribute, rule in rules.items():
            value = getattr(self, attribute)
            if value is not None and value is not False:
                raise UsageError(self.flags.get(attribute, attribute), rule)


class Api(Protocol):
    """What every command needs from an API."""

    @property
    def name(self) -> ApiName: ...

    def create(self, request: CreateRequest, streams: Streams) -> Created: ...

    def status(self, task_id: str, *, with_embeddings: bool = False) -> TaskState: ...

    def wait(self, task_id: str, *, timeout: float | None, on_poll: Callable[[TaskState], None]) -> TaskState: ...

    def arrays(self, task_id: str, *, options: Sequence[str] | None = None) -> EmbeddingArrays: ...

    def wait_arrays(
        self, task_id: str, *, timeout: float | None, on_poll: Callable[[TaskState], None]
    ) -> tuple[TaskState, EmbeddingArrays | None]:
        """Wait, then the ready task's vectors with as few downloads of the result as the API allows
        (v2: the ready poll itself); a failed task gives its state and None."""
        ...

    def list(self, *, status: str | None, limit: int) -> TaskPage: ...


# ----------------------------------------------------------------------------- shared pieces
def _text(value: object) -> str:
    if value is None or isinstance(value, Unset):
        return "unknown"
    return str(getattr(value, "value", value))


def _input_of(document: Mapping[str, Any]) -> str:
    """The media a listed task was made from: its URL or file name, when the list says."""
    for kind in ("video_embedding", "audio_embedding", "image_embedding", "document_embedding"):
        summary = document.get(kind)
        metadata = summary.get("metadata") if isinstance(summary, dict) else None
        if isinstance(metadata, dict):
            for key in ("input_url", "input_filename", "asset_id"):
                value = metadata.get(key)
                if isinstance(value, str) and value:
                    return value
    return "-"


def _listed(item: MediaEmbeddingTask) -> ListedTask:
    document = item.to_dict()
    created = item.created_at if isinstance(item.created_at, dt.datetime) else None
    return ListedTask(_text(item.id), _text(item.status), created, _input_of(document), document)


def _page_items(page: EmbeddingTaskList) -> list[ListedTask]:
    return [] if isinstance(page.data, Unset) else [_listed(item) for item in page.data]


def _total(page: EmbeddingTaskList) -> int | None:
    info = page.page_info
    if isinstance(info, Unset) or isinstance(info.total_results, Unset):
        return None
    return info.total_results


def _list(
    one_page: Callable[..., EmbeddingTaskList],
    every: Callable[..., Iterator[MediaEmbeddingTask]],
    *,
    status: str | None,
    limit: int,
) -> TaskPage:
    """Up to `limit` tasks, newest first, and how many match in all (one request when limit <= 50)."""
    first = one_page(status=status, page=1, page_limit=min(limit, PAGE_LIMIT_MAX))
    tasks, total = _page_items(first), _total(first)
    if limit > PAGE_LIMIT_MAX and len(tasks) == PAGE_LIMIT_MAX and (total is None or total > PAGE_LIMIT_MAX):
        tasks = [_listed(item) for item in every(status=status, page_limit=PAGE_LIMIT_MAX, max_items=limit)]
    return TaskPage(tasks[:limit], total)


# ----------------------------------------------------------------------------- legacy
_V2_ONLY = "applies only to --api v2"


class LegacyApi:
    """Legacy video tasks (`/embed/tasks`): uploads or URLs, a status endpoint without failure reasons."""

    REFUSED: Mapping[str, str] = {
        "base64_file": _V2_ONLY,
        "asset_id": _V2_ONLY,
        "option": _V2_ONLY,
        "embedding_type": _V2_ONLY,
        "segmentation": _V2_ONLY,
        "dimension": _V2_ONLY,
        "uncertainty": _V2_ONLY,
        "time_metadata": _V2_ONLY,
    }

    def __init__(self, client: EmbedClient) -> None:
        self._tasks = client.legacy.tasks

    @property
    def name(self) -> ApiName:
        return "legacy"

    def create(self, request: CreateRequest, streams: Streams) -> Created:
        request.refuse(self.REFUSED)
        if request.upload_bar_forced and request.file is None:
            raise UsageError("--progress", "shows the bar of a --file upload; there is no file to upload")
        show_bar = request.file is not None and (request.upload_bar_forced or request.upload_bar)
        if request.file is None:
            created = self._create(request, None)
        else:
            with upload_source(request.file, streams.err, bar=show_bar) as source:
                created = self._create(request, source)
        return Created("legacy", created.id, created.to_dict())

    def _create(self, request: CreateRequest, video_file: object) -> VideoEmbeddingTaskCreated:
        return self._tasks.create(
            model_name=request.model,
            video_file=cast(Any, video_file),
            video_url=request.url,
            video_start_offset_sec=request.start,
            video_end_offset_sec=request.end,
            video_clip_length=request.clip_length,
            video_embedding_scope=cast(Any, request.scope),
        )

    def _state(self, fallback_id: str, task: VideoEmbeddingTaskStatus) -> TaskState:
        document = task.to_dict()
        task_id = task.id if isinstance(task.id, str) else fallback_id
        return TaskState("legacy", task_id, _text(task.status), None, document)  # the endpoint gives no reason

    def status(self, task_id: str, *, with_embeddings: bool = False) -> TaskState:
        state = self._state(task_id, self._tasks.status(task_id))
        if with_embeddings and state.status == "ready":
            full = self._tasks.retrieve(task_id).to_dict()
            return TaskState(state.api, state.id, state.status, state.reason, full)
        return state

    def wait(self, task_id: str, *, timeout: float | None, on_poll: Callable[[TaskState], None]) -> TaskState:
        done = self._tasks.wait_for_done(
            task_id, timeout=timeout, callback=lambda t: on_poll(self._state(task_id, t)), raise_on_failure=False
        )
        return self._state(task_id, done)

    def arrays(self, task_id: str, *, options: Sequence[str] | None = None) -> EmbeddingArrays:
        return self._tasks.retrieve_arrays(
            task_id, embedding_option=None if options is None else cast(Any, list(options))
        )

    def wait_arrays(
        self, task_id: str, *, timeout: float | None, on_poll: Callable[[TaskState], None]
    ) -> tuple[TaskState, EmbeddingArrays | None]:
        state = self.wait(task_id, timeout=timeout, on_poll=on_poll)  # status polls carry no vectors
        return state, None if state.failed else self.arrays(task_id)

    def list(self, *, status: str | None, limit: int) -> TaskPage:
        return _list(self._tasks.list, self._tasks.iter, status=status, limit=limit)


# ----------------------------------------------------------------------------- v2
_LEGACY_ONLY = "applies only to --api legacy"


def _read_time_metadata(path: Path) -> object:
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise UsageError("--time-metadata", f"cannot read {str(path)!r}: {error.strerror}") from None
    try:
        return orjson.loads(raw)  # bounded nesting: a deeply nested file is a JSONDecodeError, not a RecursionError
    except orjson.JSONDecodeError as error:
        raise UsageError("--time-metadata", f"is not valid JSON: {error}") from None


def _segmentation(spec: Segmentation | None) -> FixedSegmentation | DynamicSegmentation | None:
    if spec is None:
        return None
    try:
        return fixed_segments(spec.seconds) if spec.kind == "fixed" else dynamic_segments(spec.seconds)
    except ValidationError:
        raise UsageError("--segmentation", f"{Segmentation.rule()}, got {spec.text!r}") from None


def _read_base64(path: Path) -> str:
    if not path.is_file():
        raise UsageError("--base64-file", f"not a regular file: {str(path)!r}")
    try:
        return base64.b64encode(path.read_bytes()).decode()
    except OSError as error:
        raise UsageError("--base64-file", f"cannot read {str(path)!r}: {error.strerror}") from None


class V2Api:
    """Embed v2 tasks (`/embed-v2/tasks`): audio or video from a local file, a URL, base64 data or an asset.

    A local file goes inline as base64 within the API's limit, else the library uploads it as an asset first
    (resumable; the byte bar shows that upload)."""

    REFUSED: Mapping[str, str] = {
        "clip_length": "is legacy only; for v2 use --segmentation fixed:<seconds>",
    }

    def __init__(self, client: EmbedClient) -> None:
        self._tasks = client.v2.tasks

    @property
    def name(self) -> ApiName:
        return "v2"

    def create(self, request: CreateRequest, streams: Streams) -> Created:
        request.refuse(self.REFUSED)
        if request.upload_bar_forced and request.file is None:
            raise UsageError("--progress", "shows the bar of a --file upload; there is no file to upload")
        name = "" if request.file is None else request.file.name
        bar = ByteBar(streams.err, name, enabled=request.upload_bar_forced or request.upload_bar)
        try:
            return self._create(request, bar)
        finally:
            bar.close()

    def _create(self, request: CreateRequest, bar: ByteBar) -> Created:
        created = self._tasks.create(
            input_type=cast(Any, request.input_type),
            model_name=cast(Any, request.model),
            file=request.file,
            on_upload_progress=None if request.file is None else bar.update,
            url=request.url,
            base64_string=None if request.base64_file is None else _read_base64(request.base64_file),
            asset_id=request.asset_id,
            start_sec=request.start,
            end_sec=request.end,
            segmentation=_segmentation(request.segmentation),
            embedding_option=cast(Any, request.option),
            embedding_scope=cast(Any, request.scope),
            embedding_type=cast(Any, request.embedding_type),
            embedding_dimension=request.dimension,
            embedding_uncertainty=request.uncertainty,
            time_based_metadata=None
            if request.time_metadata is None
            else cast(Any, _read_time_metadata(request.time_metadata)),
        )
        return Created("v2", created.id, created.to_dict())

    def _state(self, task: EmbeddingTask, *, with_embeddings: bool = False) -> TaskState:
        document = task.to_dict()
        if not with_embeddings:
            document.pop("data", None)
        reason = None if isinstance(task.error, Unset) else task.error.message
        return TaskState("v2", task.id, _text(task.status), reason, document)

    def status(self, task_id: str, *, with_embeddings: bool = False) -> TaskState:
        return self._state(self._tasks.retrieve(task_id), with_embeddings=with_embeddings)

    def wait(self, task_id: str, *, timeout: float | None, on_poll: Callable[[TaskState], None]) -> TaskState:
        done = self._tasks.wait(
            task_id, timeout=timeout, callback=lambda t: on_poll(self._state(t)), raise_on_failure=False
        )
        return self._state(done)

    def arrays(self, task_id: str, *, options: Sequence[str] | None = None) -> EmbeddingArrays:
        if options:
            raise UsageError("--option", "filters only legacy tasks; v2 returns what the task produced")
        return self._tasks.retrieve_arrays(task_id)

    def wait_arrays(
        self, task_id: str, *, timeout: float | None, on_poll: Callable[[TaskState], None]
    ) -> tuple[TaskState, EmbeddingArrays | None]:
        def polled(status: str | None) -> None:
            on_poll(TaskState("v2", task_id, status or "unknown", None, {}))

        try:
            arrays = self._tasks.wait_arrays(task_id, timeout=timeout, callback=polled)
        except TaskFailedError as failure:
            return TaskState("v2", task_id, "failed", failure.reason, {"_id": task_id, "status": "failed"}), None
        return TaskState("v2", task_id, "ready", None, {"_id": task_id, "status": "ready"}), arrays

    def list(self, *, status: str | None, limit: int) -> TaskPage:
        return _list(self._tasks.list, self._tasks.iter, status=status, limit=limit)


ADAPTERS: dict[ApiName, Callable[[EmbedClient], Api]] = {"legacy": LegacyApi, "v2": V2Api}
