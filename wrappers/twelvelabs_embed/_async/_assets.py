"""`client.assets`: files stored by the platform, usable as `media_source.asset_id` in Embed v2 once `ready`.

`upload(path)` is the one call for a local file of any size: a direct upload (`POST /assets`, streamed from
disk) up to the documented direct limit, a resumable multipart upload above it (`_upload.py`), then a wait
until the asset is `ready`. The other methods map one operation each. Written once, as async code;
`scripts/unasync.py` generates the sync twin.
"""

from __future__ import annotations

import inspect
import mimetypes
import os
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast, overload

from twelvelabs_embed_generated.api.assets import create_asset, delete_asset, list_assets, retrieve_asset
from twelvelabs_embed_generated.models import (
    Asset,
    AssetList,
    AssetType,
    AssetUploadMethod,
    CreateAssetForm,
    EmbeddingTaskList,
    MultipartUploadType,
)
from twelvelabs_embed_generated.types import UNSET, ApiRequest, File, Unset

from .. import _validation as v
from .._base import check_callback, check_max_items, check_wait_args
from .._errors import AssetFailedError, EmbedError, ValidationError
from .._io import anotify
from .._pagination import Pager
from .._responses import raise_for_status
from .._upload_plan import (
    DIRECT_UPLOAD_MAX_BYTES,
    MULTIPART_MAX_BYTES,
    default_state_dir,
    identify,
    media_kind,
    state_file,
)
from .._views import status_text
from ._upload import AsyncMultipartUpload, Progress, user_metadata_json

if TYPE_CHECKING:
    from ._client import AsyncEmbedClient

__all__ = ["AsyncAssets"]

AssetTypeArg = Literal["image", "video", "audio", "document"] | AssetType
UploadTypeArg = Literal["video", "audio", "image"] | MultipartUploadType
PathArg = str | os.PathLike[str]

#: The most chunk PUTs `upload` runs at once.
MAX_CONCURRENCY = 32


def _asset_failure(asset: Asset) -> str | None:
    error = asset.error
    return None if error is None or not hasattr(error, "message") else str(error.message)


def _flag(field: str, value: object) -> bool:
    return v.boolean(field, value)


def _metadata(value: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        raise ValidationError("user_metadata", "must be a mapping with string keys", value)
    for key, item in value.items():
        scalar = isinstance(item, str | int | float | bool)
        if not scalar and not (isinstance(item, list) and all(isinstance(x, str) for x in item)):
            raise ValidationError(f"user_metadata.{key}", "must be a string, number, boolean or list of strings", item)
    return dict(value)


def _filename(value: object, default: str) -> str:
    name = default if value is None else v.text("filename", value)
    if len(name) > 255:
        raise ValidationError(
            "filename", f"at most 255 characters (CreateAssetUploadRequest.filename), got {len(name)}"
        )
    return name


class _StreamedProgress:
    """A plain `on_progress` called as the direct upload's body streams (a coroutine function cannot be
    awaited inside the read: it sees only the start and the end). Never decreasing, never the total (that
    comes once the server has the file); an exception it raises ends the upload and is raised as itself."""

    def __init__(self, on_progress: Progress | None, total: int) -> None:
        self._callback = on_progress
        self._total = total
        self._reported = 0
        self._error: Exception | None = None
        self.active = on_progress is not None and not _is_async(on_progress)

    def read(self, position: int) -> None:
        if self._callback is None or not self._reported < position < self._total:
            return
        self._reported = position
        try:
            result = self._callback(position, self._total)
        except Exception as error:
            self._error = error
            raise
        if inspect.isawaitable(result):  # an async callable object after all: it sees only the start and end
            self.active = False
            self._callback = None
            if inspect.iscoroutine(result):
                result.close()

    def reraise(self) -> None:
        if self._error is not None:
            raise self._error


def _is_async(callback: object) -> bool:
    return inspect.iscoroutinefunction(callback) or inspect.iscoroutinefunction(type(callback).__call__)


class AsyncAssets:
    """Assets: `/assets` and the multipart uploads of `/assets/multipart-uploads`."""

    def __init__(self, client: AsyncEmbedClient) -> None:
        self._c = client

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._c!r})"

    # ------------------------------------------------------------------ one operation each
    async def create_from_url(
        self,
        url: str,
        *,
        filename: str | None = None,
        enable_hls: bool = False,
        enable_thumbnail: bool = False,
        user_metadata: Mapping[str, Any] | None = None,
    ) -> Asset:
        """Create an asset the platform fetches from a public URL (video/audio up to 4 GB); it is
        `processing` at first: `wait(asset.id)` for `ready`. Never sent twice (a retry could make two).

        Args:
            url: a direct http(s) link to the raw media (or a VOD HLS manifest).
            filename: the asset's name (default: from the URL).
            enable_hls, enable_thumbnail: derived renditions (sent explicitly: the sources disagree on the
                server's defaults).
            user_metadata: string keys; string, number, boolean or list-of-strings values.
        """
        form = CreateAssetForm(
            method=AssetUploadMethod.URL,
            url=v.http_url("url", url),
            filename=UNSET if filename is None else _filename(filename, ""),
            enable_hls=_flag("enable_hls", enable_hls),
            enable_thumbnail=_flag("enable_thumbnail", enable_thumbnail),
            user_metadata=user_metadata_json(_metadata(user_metadata)) or UNSET,
        )
        return await self._c._send(create_asset.build_request(body=form), creates=True)

    async def create(
        self,
        *,
        file: PathArg,
        filename: str | None = None,
        enable_hls: bool = False,
        enable_thumbnail: bool = False,
        user_metadata: Mapping[str, Any] | None = None,
    ) -> Asset:
        """Create an asset by direct upload of a local file, streamed from disk (video and audio at most
        200 MB; larger files: `upload`). It is `processing` at first: `wait(asset.id)` for `ready`.
        Never sent twice once it may have reached the server (a retry could make two assets).

        Args:
            file: the path of the file.
            filename, enable_hls, enable_thumbnail, user_metadata: as in `create_from_url`.
        """
        return await self._direct(
            file, filename, enable_hls=enable_hls, enable_thumbnail=enable_thumbnail, user_metadata=user_metadata
        )

    async def _direct(
        self,
        file: PathArg,
        filename: str | None,
        *,
        enable_hls: bool,
        enable_thumbnail: bool,
        user_metadata: Mapping[str, Any] | None,
        on_read: Callable[[int], None] | None = None,
    ) -> Asset:
        """`create(file=...)`; `on_read` is called with the bytes read so far as the request streams the file."""
        local = v.upload("file", file, max_bytes=DIRECT_UPLOAD_MAX_BYTES)
        name = _filename(filename, local.name)
        flags = (_flag("enable_hls", enable_hls), _flag("enable_thumbnail", enable_thumbnail))
        metadata = user_metadata_json(_metadata(user_metadata))
        mime = mimetypes.guess_type(local.name, strict=False)[0] or "application/octet-stream"
        with v.open_upload(local) as payload:
            assert payload is not None
            payload.on_read = on_read
            form = CreateAssetForm(
                method=AssetUploadMethod.DIRECT,
                file=File(payload=payload, file_name=local.name, mime_type=mime),  # type: ignore[arg-type]
                filename=name,
                enable_hls=flags[0],
                enable_thumbnail=flags[1],
                user_metadata=metadata or UNSET,
            )
            return await self._c._send(create_asset.build_request(body=form), creates=True)

    async def retrieve(self, asset_id: str) -> Asset:
        """The asset now: its status, and once `ready` its size, duration and technical metadata."""
        return await self._c._send(retrieve_asset.build_request(v.task_id(asset_id, "asset_id")), creates=False)

    async def delete(self, asset_id: str, *, force: bool = False) -> None:
        """Delete the asset (irreversible). Without `force` the server refuses (409, `ConflictError`) an
        asset that indexed assets reference."""
        call = delete_asset.build_request(
            v.task_id(asset_id, "asset_id"), force=True if _flag("force", force) else UNSET
        )
        raise_for_status(await self._c._request(call, creates=False), secret=self._c._api_key)

    async def list(
        self,
        *,
        page: int = 1,
        page_limit: int = 10,
        asset_ids: Sequence[str] | None = None,
        asset_types: AssetTypeArg | Sequence[AssetTypeArg] | None = None,
        filename: str | None = None,
    ) -> AssetList:
        """One page of assets, newest first.

        Args:
            page, page_limit: the page (from 1) and its size (1-50).
            asset_ids: only these assets.
            asset_types: only these kinds (`image`, `video`, `audio`, `document`).
            filename: only assets whose name contains this (case-insensitive).
        """
        first, limit = v.page_args(page, page_limit)
        return await self._c._send(self._page(first, limit, asset_ids, asset_types, filename), creates=False)

    def iter(
        self,
        *,
        page_limit: int = 50,
        asset_ids: Sequence[str] | None = None,
        asset_types: AssetTypeArg | Sequence[AssetTypeArg] | None = None,
        filename: str | None = None,
        max_items: int | None = None,
    ) -> AsyncIterator[Asset]:
        """Every asset, lazily, page by page, newest first; the filters as in `list`.

        Stops at the last page, after `max_items`, or when the server repeats a page.
        """
        first, limit = v.page_args(1, page_limit)
        check_max_items(max_items)
        self._page(first, limit, asset_ids, asset_types, filename)  # checks the filters now
        # The pager reads `data`, `page_info` and item ids, which an asset page has as a task page does.
        pages = cast(
            "Callable[[int], ApiRequest[EmbeddingTaskList]]",
            lambda number: self._page(number, limit, asset_ids, asset_types, filename),
        )
        return cast("AsyncIterator[Asset]", self._c._iterate(pages, Pager(first, limit, max_items)))

    @staticmethod
    def _page(
        number: int,
        limit: int,
        asset_ids: Sequence[str] | None,
        asset_types: AssetTypeArg | Sequence[AssetTypeArg] | None,
        filename: str | None,
    ) -> ApiRequest[AssetList]:
        ids: list[str] | Unset = UNSET
        if asset_ids is not None:
            if isinstance(asset_ids, str) or not isinstance(asset_ids, Sequence) or not asset_ids:
                raise ValidationError("asset_ids", "must be a non-empty list of asset ids", asset_ids)
            ids = [v.task_id(item, f"asset_ids[{i}]") for i, item in enumerate(asset_ids)]
        types = UNSET if asset_types is None else v.many_of("asset_types", asset_types, AssetType)
        name = UNSET if filename is None else v.text("filename", filename)
        return list_assets.build_request(page=number, page_limit=limit, asset_ids=ids, asset_types=types, filename=name)

    async def wait(
        self,
        asset_id: str,
        *,
        timeout: float | None = None,
        on_poll: Callable[[Asset], object] | None = None,
        raise_on_failure: bool = True,
    ) -> Asset:
        """Poll until the asset is `ready` or `failed` (the client's `PollPolicy`, as task waits).

        Args:
            timeout: seconds to wait at most (default: `PollPolicy.timeout`); every request and pause
                inside the wait ends by then (`WaitTimeoutError`).
            on_poll: called with each `Asset` seen (a coroutine function is awaited).
            raise_on_failure: raise `AssetFailedError` when the asset fails (else return it).
        """
        asset_id = v.task_id(asset_id, "asset_id")
        call = retrieve_asset.build_request(asset_id)
        asset = await self._c._wait(
            asset_id,
            call,
            lambda response: self._c._parse(response, call),
            lambda seen: status_text(seen.status),
            _asset_failure,
            timeout=timeout,
            callback=on_poll,
            raise_on_failure=False,
        )
        if raise_on_failure and status_text(asset.status) == "failed":
            raise AssetFailedError(asset_id, _asset_failure(asset), asset)
        return asset

    # ------------------------------------------------------------------ a local file of any size
    @overload
    async def upload(
        self,
        path: PathArg,
        *,
        on_progress: Progress | None = ...,
        state_dir: PathArg | None = ...,
        concurrency: int = ...,
        media_type: UploadTypeArg | None = ...,
        filename: str | None = ...,
        enable_hls: bool = ...,
        enable_thumbnail: bool = ...,
        user_metadata: Mapping[str, Any] | None = ...,
        multipart_threshold: int = ...,
        wait: Literal[True] = ...,
        timeout: float | None = ...,
    ) -> Asset: ...

    @overload
    async def upload(
        self,
        path: PathArg,
        *,
        on_progress: Progress | None = ...,
        state_dir: PathArg | None = ...,
        concurrency: int = ...,
        media_type: UploadTypeArg | None = ...,
        filename: str | None = ...,
        enable_hls: bool = ...,
        enable_thumbnail: bool = ...,
        user_metadata: Mapping[str, Any] | None = ...,
        multipart_threshold: int = ...,
        wait: Literal[False],
        timeout: float | None = ...,
    ) -> str: ...

    async def upload(
        self,
        path: PathArg,
        *,
        on_progress: Progress | None = None,
        state_dir: PathArg | None = None,
        concurrency: int = 4,
        media_type: UploadTypeArg | None = None,
        filename: str | None = None,
        enable_hls: bool = False,
        enable_thumbnail: bool = False,
        user_metadata: Mapping[str, Any] | None = None,
        multipart_threshold: int = DIRECT_UPLOAD_MAX_BYTES,
        wait: bool = True,
        timeout: float | None = None,
    ) -> Asset | str:
        """Upload a local file of any size (video/audio up to 10 GB) and return the `ready` asset.

        Files up to `multipart_threshold` bytes (default: the documented direct-upload limit, 200 MB) go in
        one streamed `POST /assets`; larger ones in a multipart upload: chunks read from the file by
        offset, `concurrency` PUTs at once to the presigned URLs (never with the API key), each retried on
        a fresh URL, reported in batches. The multipart upload is resumable: its state is kept in a small
        JSON file in `state_dir` (default: the user cache directory), and after an interruption (an error,
        Ctrl-C, a killed process) the same call continues from the server's record, sending only the missing
        chunks. A file that changed (size, mtime, content fingerprint) starts a new upload.

        Args:
            path: the local file.
            on_progress: called with `(sent_bytes, total_bytes)`: once at the start (bytes already on the
                server when resuming), after each chunk (a direct upload: as the file streams, unless it is a
                coroutine function), and at the end with `total_bytes`; never decreasing.
                A coroutine function is awaited; the sync client calls it from its upload threads, one call
                at a time. An exception it raises stops the upload (resumable).
            state_dir: where the multipart state file goes.
            concurrency: chunk PUTs at once (1-32); memory use is about `concurrency` x the chunk size.
            media_type: `video`, `audio` or `image` (multipart needs it; default: from the file extension,
                else `video`).
            filename, enable_hls, enable_thumbnail, user_metadata: as in `create_from_url`.
            multipart_threshold: files larger than this many bytes go multipart (at most the direct limit).
            wait: wait until the asset is `ready` and return it (`AssetFailedError` if it fails); with
                `wait=False` return the asset id as soon as the file is on the server.
            timeout: the wait's timeout (seconds; default `PollPolicy.timeout`).
        """
        if on_progress is not None:
            check_callback(on_progress)
        if isinstance(concurrency, bool) or not isinstance(concurrency, int) or not 1 <= concurrency <= MAX_CONCURRENCY:
            raise ValidationError("concurrency", f"must be a whole number from 1 to {MAX_CONCURRENCY}", concurrency)
        if (
            isinstance(multipart_threshold, bool)
            or not isinstance(multipart_threshold, int)
            or not 1 <= multipart_threshold <= DIRECT_UPLOAD_MAX_BYTES
        ):
            raise ValidationError(
                "multipart_threshold",
                f"must be a whole number from 1 to {DIRECT_UPLOAD_MAX_BYTES}",
                multipart_threshold,
            )
        check_wait_args(None, timeout)
        _flag("wait", wait)
        local = v.upload("path", path, max_bytes=MULTIPART_MAX_BYTES)
        assert local.path is not None and local.size is not None
        name = _filename(filename, local.name)
        flags = (_flag("enable_hls", enable_hls), _flag("enable_thumbnail", enable_thumbnail))
        metadata = _metadata(user_metadata)
        detected = media_kind(local.path)
        kind = (
            v.one_of("media_type", media_type, MultipartUploadType)
            if media_type is not None
            else MultipartUploadType(detected if detected in ("video", "audio", "image") else "video")
        )
        if local.size <= multipart_threshold:
            if on_progress is not None:
                await anotify(lambda sent: on_progress(sent, local.size or 0), 0)
            streamed = _StreamedProgress(on_progress, local.size)
            try:
                created = await self._direct(
                    local.path,
                    name,
                    enable_hls=flags[0],
                    enable_thumbnail=flags[1],
                    user_metadata=metadata,
                    on_read=streamed.read if streamed.active else None,
                )
            except EmbedError:
                streamed.reraise()  # the callback's own exception, not the request error it caused
                raise
            asset_id = created.id
            if on_progress is not None:
                await anotify(lambda sent: on_progress(sent, local.size or 0), local.size)
        else:
            if detected == "document":
                raise ValidationError(
                    "path",
                    f"documents are uploaded directly, at most {DIRECT_UPLOAD_MAX_BYTES} bytes; "
                    f"{str(path)!r} has {local.size}",
                    str(path),
                )
            identity = identify(local.path)
            directory = default_state_dir() if state_dir is None else Path(state_dir)
            asset_id = await AsyncMultipartUpload(
                self._c,
                local.path,
                identity,
                kind=kind,
                filename=name,
                state_path=state_file(directory, identity.path),
                concurrency=concurrency,
                on_progress=on_progress,
                enable_hls=flags[0],
                enable_thumbnail=flags[1],
                user_metadata=metadata,
            ).run()
        if not wait:
            return asset_id
        return await self.wait(asset_id, timeout=timeout)
