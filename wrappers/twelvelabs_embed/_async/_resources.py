"""The resources of `AsyncEmbedClient`: one method per operation, one typed line per concern.

Each method validates its arguments (`_requests`, no I/O), builds the request with the operation's
generated `build_request`, says whether the request creates something, and sends it through the
client's one path. Written once, as async code; `scripts/unasync.py` generates the sync twin.
"""

from __future__ import annotations

import base64
import os
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

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
    CreateEmbeddingTaskRequest,
    EmbeddingSuccessResponse,
    EmbeddingTask,
    EmbeddingTaskCreated,
    EmbeddingTaskList,
    LegacyEmbeddingResponse,
    MediaEmbeddingTask,
    MultipartUploadType,
    VideoEmbeddingTask,
    VideoEmbeddingTaskCreated,
    VideoEmbeddingTaskStatus,
)
from twelvelabs_embed_generated.types import ApiRequest

from .. import _requests as rq
from .. import _validation as v
from .._arrays import EmbeddingArrays, parse_legacy_arrays, parse_v2_arrays
from .._base import check_callback, check_max_items, check_wait_args
from .._errors import ValidationError
from .._pagination import Pager
from .._responses import read_arrays
from .._types import (
    EmbeddingOptionArg,
    EmbeddingScopeArg,
    EmbeddingTypeArg,
    FileArg,
    LegacyEmbeddingOptionArg,
    LegacyScopeArg,
    ModelNameArg,
    SegmentationArg,
    StatusArg,
    SyncInputTypeArg,
    TaskInputTypeArg,
    TimestampArg,
)
from .._upload_plan import MULTIPART_MAX_BYTES
from .._views import legacy_status, read_v2_poll, v2_failure_reason, v2_status
from .._workers import AsyncChunkFile
from ._upload import Progress

if TYPE_CHECKING:
    from ._client import AsyncEmbedClient

__all__ = ["AsyncEmbeddings", "AsyncLegacy", "AsyncLegacyEmbeddings", "AsyncLegacyTasks", "AsyncTasks", "AsyncV2"]


class AsyncLegacy:
    """The legacy API: `tasks` (`/embed/tasks`) and `embeddings` (`POST /embed`)."""

    def __init__(self, client: AsyncEmbedClient) -> None:
        self.tasks = AsyncLegacyTasks(client)
        self.embeddings = AsyncLegacyEmbeddings(client)


class AsyncV2:
    """Embed API v2: `tasks` (`/embed-v2/tasks`) and `embeddings` (`POST /embed-v2`)."""

    def __init__(self, client: AsyncEmbedClient) -> None:
        self.tasks = AsyncTasks(client)
        self.embeddings = AsyncEmbeddings(client)


class _AsyncTaskListing:
    """`list` and `iter`, the same for both APIs' task lists; a subclass names its list operation."""

    _c: AsyncEmbedClient
    _list_request: Callable[..., ApiRequest[EmbeddingTaskList]]

    def _page(self, f: rq.ListFilters, number: int) -> ApiRequest[EmbeddingTaskList]:
        return self._list_request(
            status=f.status, started_at=f.started_at, ended_at=f.ended_at, page=number, page_limit=f.page_limit
        )

    async def list(
        self,
        *,
        status: StatusArg | None = None,
        started_at: TimestampArg | None = None,
        ended_at: TimestampArg | None = None,
        page: int = 1,
        page_limit: int = 10,
    ) -> EmbeddingTaskList:
        """One page of tasks, newest first.

        Args:
            status: only tasks in this status (`processing`, `ready`, `failed`).
            started_at, ended_at: only tasks created in this window (datetime or RFC 3339 string).
            page: the page number, from 1.
            page_limit: tasks per page, 1-50.
        """
        f = rq.list_filters(status=status, started_at=started_at, ended_at=ended_at, page=page, page_limit=page_limit)
        return await self._c._send(self._page(f, f.page), creates=False)

    def iter(
        self,
        *,
        status: StatusArg | None = None,
        started_at: TimestampArg | None = None,
        ended_at: TimestampArg | None = None,
        page_limit: int = 50,
        max_items: int | None = None,
    ) -> AsyncIterator[MediaEmbeddingTask]:
        """Every task, lazily, page by page, newest first; the filters as in `list`.

        Stops at the last page, after `max_items`, or when the server repeats a page.
        """
        f = rq.list_filters(status=status, started_at=started_at, ended_at=ended_at, page_limit=page_limit)
        check_max_items(max_items)
        return self._c._iterate(lambda number: self._page(f, number), Pager(f.page, f.page_limit, max_items))


class AsyncLegacyTasks(_AsyncTaskListing):
    """Legacy video embedding tasks: `/embed/tasks`."""

    _list_request = staticmethod(list_video_embedding_tasks.build_request)

    def __init__(self, client: AsyncEmbedClient) -> None:
        self._c = client

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._c!r})"

    async def create(
        self,
        *,
        model_name: str = v.MARENGO_30,
        video_file: FileArg | None = None,
        video_url: str | None = None,
        video_start_offset_sec: float | None = None,
        video_end_offset_sec: float | None = None,
        video_clip_length: float | None = None,
        video_embedding_scope: LegacyScopeArg | None = None,
    ) -> VideoEmbeddingTaskCreated:
        """Create a task from a local file or a URL (exactly one); the upload streams from disk.

        Args:
            model_name: `marengo3.0` (default) or another legacy model name.
            video_file: a path, or a binary file object you opened (and close); at most 2 GB.
            video_url: a public http(s) URL of the video.
            video_start_offset_sec, video_end_offset_sec: the part to embed, given together, at
                least one clip length apart.
            video_clip_length: seconds per segment, 2-10 (default 6).
            video_embedding_scope: `"clip"` and/or `"video"` (one vector for the whole video).
        """
        request = rq.legacy_task_form(
            model_name=model_name,
            video_file=video_file,
            video_url=video_url,
            video_start_offset_sec=video_start_offset_sec,
            video_end_offset_sec=video_end_offset_sec,
            video_clip_length=video_clip_length,
            video_embedding_scope=video_embedding_scope,
        )
        with request.open() as form:
            return await self._c._send(create_video_embedding_task.build_request(body=form), creates=True)

    async def status(self, task_id: str) -> VideoEmbeddingTaskStatus:
        """The task's status (`processing`, `ready` or `failed`)."""
        call = get_video_embedding_task_status.build_request(v.task_id(task_id))
        return await self._c._send(call, creates=False)

    async def retrieve(
        self, task_id: str, *, embedding_option: LegacyEmbeddingOptionArg | None = None
    ) -> VideoEmbeddingTask:
        """The task with its segments (call when ready); `embedding_option` filters the types returned."""
        call = retrieve_video_embeddings.build_request(
            v.task_id(task_id), embedding_option=rq.legacy_embedding_options(embedding_option)
        )
        return await self._c._send(call, creates=False)

    async def retrieve_arrays(
        self, task_id: str, *, embedding_option: LegacyEmbeddingOptionArg | None = None
    ) -> EmbeddingArrays:
        """The task's vectors as one float32 matrix plus a segment table (fast for large results)."""
        call = retrieve_video_embeddings.build_request(
            v.task_id(task_id), embedding_option=rq.legacy_embedding_options(embedding_option)
        )
        return read_arrays(parse_legacy_arrays, await self._c._request(call, creates=False), self._c._api_key)

    async def wait(
        self,
        task_id: str,
        *,
        timeout: float | None = None,
        callback: Callable[[VideoEmbeddingTaskStatus], object] | None = None,
        raise_on_failure: bool = True,
    ) -> VideoEmbeddingTaskStatus:
        """Poll the status until `ready` or `failed` (see `PollPolicy`).

        Args:
            timeout: seconds to wait at most (default: the client's `PollPolicy.timeout`); every
                request and pause inside the wait ends by then (`WaitTimeoutError`).
            callback: called with each status seen (a coroutine function is awaited).
            raise_on_failure: raise `TaskFailedError` when the task fails (else return it).
        """
        task_id = v.task_id(task_id)
        call = get_video_embedding_task_status.build_request(task_id)
        return await self._c._wait(
            task_id,
            call,
            lambda response: self._c._parse(response, call),
            legacy_status,
            lambda _task: None,
            timeout=timeout,
            callback=callback,
            raise_on_failure=raise_on_failure,
        )

    wait_for_done = wait  # the official SDK's name

    async def wait_arrays(
        self,
        task_id: str,
        *,
        timeout: float | None = None,
        callback: Callable[[VideoEmbeddingTaskStatus], object] | None = None,
        embedding_option: LegacyEmbeddingOptionArg | None = None,
    ) -> EmbeddingArrays:
        """`wait` until ready, then the vectors as `retrieve_arrays` gives them (the status endpoint
        carries no vectors, so they are downloaded once); `TaskFailedError` if the task fails."""
        rq.legacy_embedding_options(embedding_option)
        await self.wait(task_id, timeout=timeout, callback=callback)
        return await self.retrieve_arrays(task_id, embedding_option=embedding_option)

    async def create_and_wait(
        self,
        *,
        timeout: float | None = None,
        callback: Callable[[VideoEmbeddingTaskStatus], object] | None = None,
        embedding_option: LegacyEmbeddingOptionArg | None = None,
        model_name: str = v.MARENGO_30,
        video_file: FileArg | None = None,
        video_url: str | None = None,
        video_start_offset_sec: float | None = None,
        video_end_offset_sec: float | None = None,
        video_clip_length: float | None = None,
        video_embedding_scope: LegacyScopeArg | None = None,
    ) -> VideoEmbeddingTask:
        """`create(...)`, `wait` until ready, then `retrieve` the embeddings (arguments as there)."""
        check_wait_args(callback, timeout)
        rq.legacy_embedding_options(embedding_option)
        created = await self.create(
            model_name=model_name,
            video_file=video_file,
            video_url=video_url,
            video_start_offset_sec=video_start_offset_sec,
            video_end_offset_sec=video_end_offset_sec,
            video_clip_length=video_clip_length,
            video_embedding_scope=video_embedding_scope,
        )
        await self.wait(created.id, timeout=timeout, callback=callback)
        return await self.retrieve(created.id, embedding_option=embedding_option)


class AsyncLegacyEmbeddings:
    """Legacy synchronous embeddings: `POST /embed`."""

    def __init__(self, client: AsyncEmbedClient) -> None:
        self._c = client

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._c!r})"

    async def create(
        self,
        *,
        model_name: str = v.MARENGO_30,
        text: str | None = None,
        image_url: str | None = None,
        image_file: FileArg | None = None,
        audio_url: str | None = None,
        audio_file: FileArg | None = None,
        audio_start_offset_sec: float | None = None,
    ) -> LegacyEmbeddingResponse:
        """Embed text, an image (URL or file) and/or audio (URL or file) in one call."""
        request = rq.legacy_embed_form(
            model_name=model_name,
            text=text,
            image_url=image_url,
            image_file=image_file,
            audio_url=audio_url,
            audio_file=audio_file,
            audio_start_offset_sec=audio_start_offset_sec,
        )
        with request.open() as form:
            return await self._c._send(create_legacy_embedding.build_request(body=form), creates=False)


class AsyncTasks(_AsyncTaskListing):
    """Embed API v2 asynchronous tasks: `/embed-v2/tasks`."""

    _list_request = staticmethod(list_embedding_tasks_v2.build_request)

    def __init__(self, client: AsyncEmbedClient) -> None:
        self._c = client

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._c!r})"

    async def create(
        self,
        *,
        input_type: TaskInputTypeArg,
        model_name: ModelNameArg = "marengo3.0",
        url: str | None = None,
        base64_string: str | None = None,
        asset_id: str | None = None,
        file: str | os.PathLike[str] | None = None,
        start_sec: float | None = None,
        end_sec: float | None = None,
        segmentation: SegmentationArg | None = None,
        embedding_option: EmbeddingOptionArg | None = None,
        embedding_scope: EmbeddingScopeArg | None = None,
        embedding_type: EmbeddingTypeArg | None = None,
        time_based_metadata: Sequence[Mapping[str, Any]] | None = None,
        document_segmentation: Mapping[str, Any] | None = None,
        embedding_uncertainty: bool | None = None,
        embedding_dimension: int | None = None,
        on_upload_progress: Progress | None = None,
    ) -> EmbeddingTaskCreated:
        """Create a task for audio or video (or, with marengo3.5, a document or image).

        Args:
            input_type: `"audio"`, `"video"`, `"image"` or `"document"`.
            model_name: `"marengo3.0"` (default) or `"marengo3.5"`.
            url, base64_string, asset_id, file: the media source, exactly one (base64: at most 36 MB
                decoded for audio/video). `file` is a local path: a file within the inline limit
                (36 MB for audio/video, 32 MB for images, 512 MB for documents) is sent as base64,
                a larger one is uploaded first (`client.assets.upload`, resumable) and sent as its
                `asset_id`.
            start_sec, end_sec: the part to embed (audio/video).
            segmentation: `fixed_segments(...)`, `dynamic_segments(...)` (video) or a dict.
            embedding_option: which embeddings (`visual`, `audio`, `transcription`, ...).
            embedding_scope: `clip`, `asset` (and `local` with marengo3.5).
            embedding_type: `separate_embedding` and/or `fused_embedding`.
            time_based_metadata: marengo3.5 metadata entries for fused embeddings.
            document_segmentation: marengo3.5 document segmentation (`spatial` / `sequential`).
            embedding_uncertainty, embedding_dimension: marengo3.5 only.
            on_upload_progress: when `file` is uploaded as an asset, called with `(sent_bytes, total_bytes)`
                as `assets.upload`'s `on_progress`; never called for a file sent inline.
        """
        if on_upload_progress is not None:
            check_callback(on_upload_progress)
        arguments: dict[str, Any] = {
            "input_type": input_type,
            "model_name": model_name,
            "start_sec": start_sec,
            "end_sec": end_sec,
            "segmentation": segmentation,
            "embedding_option": embedding_option,
            "embedding_scope": embedding_scope,
            "embedding_type": embedding_type,
            "time_based_metadata": time_based_metadata,
            "document_segmentation": document_segmentation,
            "embedding_uncertainty": embedding_uncertainty,
            "embedding_dimension": embedding_dimension,
        }
        if file is None:
            body = rq.v2_task_request(url=url, base64_string=base64_string, asset_id=asset_id, **arguments)
        else:
            body = await self._file_request(
                file,
                url=url,
                base64_string=base64_string,
                asset_id=asset_id,
                on_upload_progress=on_upload_progress,
                **arguments,
            )
        return await self._c._send(create_embedding_task_v2.build_request(body=body), creates=True)

    async def _file_request(
        self,
        file: str | os.PathLike[str],
        *,
        url: Any,
        base64_string: Any,
        asset_id: Any,
        on_upload_progress: Progress | None,
        **arguments: Any,
    ) -> CreateEmbeddingTaskRequest:
        """The task body for a local file: inline base64 within the limit, else the asset of an upload.

        Every other argument is checked before the file is read or anything is uploaded.
        """
        sources = (("url", url), ("base64_string", base64_string), ("asset_id", asset_id))
        given = [name for name, value in sources if value is not None]
        if given:
            raise ValidationError(
                "url / base64_string / asset_id / file", f"give exactly one media source; got {', '.join(given)}, file"
            )
        rq.v2_task_request(url=None, base64_string=None, asset_id="checked-before-upload", **arguments)
        kind = str(getattr(arguments["input_type"], "value", arguments["input_type"]))  # checked just above
        limit = {
            "audio": v.BASE64_AV_MAX_BYTES,
            "video": v.BASE64_AV_MAX_BYTES,
            "image": v.BASE64_IMAGE_MAX_BYTES,
            "document": v.BASE64_DOCUMENT_MAX_BYTES,
        }[kind]
        local = v.upload("file", file, max_bytes=MULTIPART_MAX_BYTES)
        assert local.path is not None and local.size is not None
        if local.size <= limit:
            async with AsyncChunkFile(local.path, local.size) as source:
                encoded = base64.b64encode(await source.read(0, local.size)).decode("ascii")
            return rq.v2_task_request(url=None, base64_string=encoded, asset_id=None, **arguments)
        media_type = MultipartUploadType(kind) if kind in ("audio", "video", "image") else None
        asset = await self._c.assets.upload(local.path, media_type=media_type, on_progress=on_upload_progress)
        return rq.v2_task_request(url=None, base64_string=None, asset_id=asset.id, **arguments)

    async def retrieve(self, task_id: str) -> EmbeddingTask:
        """The task: its status and, when ready, its embeddings."""
        return await self._c._send(get_embedding_task_v2.build_request(v.task_id(task_id)), creates=False)

    async def retrieve_arrays(self, task_id: str) -> EmbeddingArrays:
        """The task's vectors as one float32 matrix plus a segment table (no rows until ready)."""
        call = get_embedding_task_v2.build_request(v.task_id(task_id))
        return read_arrays(parse_v2_arrays, await self._c._request(call, creates=False), self._c._api_key)

    async def wait(
        self,
        task_id: str,
        *,
        timeout: float | None = None,
        callback: Callable[[EmbeddingTask], object] | None = None,
        raise_on_failure: bool = True,
    ) -> EmbeddingTask:
        """Poll until `ready` or `failed`; returns the ready task with its embeddings.

        Args:
            timeout: seconds to wait at most (default: the client's `PollPolicy.timeout`); every
                request and pause inside the wait ends by then (`WaitTimeoutError`).
            callback: called with each task seen (a coroutine function is awaited).
            raise_on_failure: raise `TaskFailedError` when the task fails (else return it).
        """
        task_id = v.task_id(task_id)
        call = get_embedding_task_v2.build_request(task_id)
        return await self._c._wait(
            task_id,
            call,
            lambda response: self._c._parse(response, call),
            v2_status,
            v2_failure_reason,
            timeout=timeout,
            callback=callback,
            raise_on_failure=raise_on_failure,
        )

    async def wait_arrays(
        self,
        task_id: str,
        *,
        timeout: float | None = None,
        callback: Callable[[str | None], object] | None = None,
    ) -> EmbeddingArrays:
        """Poll until `ready`, then return the vectors read from that same answer (one download of
        the result, not `wait` and then `retrieve_arrays`); `TaskFailedError` if the task fails.

        `callback` is called with each status seen (a coroutine function is awaited).
        """
        task_id = v.task_id(task_id)
        call = get_embedding_task_v2.build_request(task_id)
        poll = await self._c._wait(
            task_id,
            call,
            lambda response: read_v2_poll(response, self._c._api_key),
            lambda seen: seen.status,
            lambda seen: seen.reason,
            timeout=timeout,
            callback=None if callback is None else lambda seen: callback(seen.status),
            raise_on_failure=True,
        )
        assert poll.arrays is not None  # a ready poll always carries them
        return poll.arrays

    async def create_and_wait(
        self,
        *,
        timeout: float | None = None,
        callback: Callable[[EmbeddingTask], object] | None = None,
        input_type: TaskInputTypeArg,
        model_name: ModelNameArg = "marengo3.0",
        url: str | None = None,
        base64_string: str | None = None,
        asset_id: str | None = None,
        file: str | os.PathLike[str] | None = None,
        start_sec: float | None = None,
        end_sec: float | None = None,
        segmentation: SegmentationArg | None = None,
        embedding_option: EmbeddingOptionArg | None = None,
        embedding_scope: EmbeddingScopeArg | None = None,
        embedding_type: EmbeddingTypeArg | None = None,
        time_based_metadata: Sequence[Mapping[str, Any]] | None = None,
        document_segmentation: Mapping[str, Any] | None = None,
        embedding_uncertainty: bool | None = None,
        embedding_dimension: int | None = None,
        on_upload_progress: Progress | None = None,
    ) -> EmbeddingTask:
        """`create(...)`, then `wait` for it (arguments as there; `file` may upload the file first)."""
        check_wait_args(callback, timeout)
        created = await self.create(
            input_type=input_type,
            model_name=model_name,
            url=url,
            base64_string=base64_string,
            asset_id=asset_id,
            file=file,
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
            on_upload_progress=on_upload_progress,
        )
        return await self.wait(created.id, timeout=timeout, callback=callback)


class AsyncEmbeddings:
    """Embed API v2 synchronous embeddings: `POST /embed-v2`."""

    def __init__(self, client: AsyncEmbedClient) -> None:
        self._c = client

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._c!r})"

    async def create(
        self,
        *,
        input_type: SyncInputTypeArg,
        model_name: ModelNameArg = "marengo3.0",
        text: str | None = None,
        url: str | None = None,
        base64_string: str | None = None,
        asset_id: str | None = None,
        start_sec: float | None = None,
        end_sec: float | None = None,
        segmentation: SegmentationArg | None = None,
        embedding_option: EmbeddingOptionArg | None = None,
        embedding_scope: EmbeddingScopeArg | None = None,
        embedding_type: EmbeddingTypeArg | None = None,
        media_sources: Sequence[Mapping[str, Any]] | None = None,
        auto_truncate: bool | None = None,
        embedding_uncertainty: bool | None = None,
        embedding_dimension: int | None = None,
    ) -> EmbeddingSuccessResponse:
        """Embed text, an image, text+image, short audio/video, or (marengo3.5) a multi-input.

        Args:
            input_type: `"text"`, `"image"`, `"text_image"`, `"audio"`, `"video"` or `"multi_input"`.
            model_name: `"marengo3.0"` (default) or `"marengo3.5"` (multi_input only).
            text: the input text (text, text_image, multi_input).
            url, base64_string, asset_id: the media source, exactly one, for media inputs.
            start_sec, end_sec, segmentation, embedding_option, embedding_scope, embedding_type: as
                for tasks (audio/video).
            media_sources: multi_input sources (`{"media_type": ..., "url" | "base64_string" | "asset_id": ...}`).
            auto_truncate, embedding_uncertainty, embedding_dimension: marengo3.5 only.
        """
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
        return await self._c._send(create_embeddings_v2.build_request(body=body), creates=False)
