"""How an item's media reaches the API ("upload when needed"): a small, replaceable strategy.

`DefaultSources` applies today's rules:
- a URL is sent as it is (`url` / `video_url`);
- a local file for a v2 task is sent inline as `base64_string` when it is at most the documented limit
  (36 MB decoded for audio and video, `_validation.BASE64_AV_MAX_BYTES`);
- a local file for a legacy task is uploaded in the create request itself (`video_file`, streamed from
  disk, at most 2 GB), under a name that starts with the item's key, so a listing can recognise the task;
- a bigger v2 file goes through the Assets API: `upload_asset` uploads it with `client.assets.upload`
  (multipart whatever its size, so the upload itself is resumable: its state file lives in the output
  folder's `uploads/`), waits until the asset is ready, and the task is created with its `asset_id`.
  Without a client (`DefaultSources()` alone) such an item is recorded as failed ("needs the assets upload").

The ledger keeps the asset id before the task is created: an item whose asset was uploaded is not uploaded
again on a re-run, and an upload cut short is resumed from its state file, sending only the missing chunks.
At most one asset can be left unrecorded, by a crash between the asset's create and its answer (no task is
created for it; assets are not billed as tasks).

`identity` tells reconciliation how to find the item's task in a listing: by its URL, by its upload's file
name, or not at all ("anonymous": inline base64 and assets, whose list entries name no input). Creates of
one identity are sent one at a time, so after a crash at most one unrecognised task can belong to it.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Protocol

from .. import _validation as v
from .._retry import RetryPolicy
from ._items import Item

if TYPE_CHECKING:
    from .._async import AsyncEmbedClient

__all__ = ["DefaultSources", "MediaSources", "NeedsAssetUpload", "PreparedMedia", "SourceProblem"]

#: The inline (base64) limit per v2 input type, decoded bytes.
BASE64_LIMITS = {
    "audio": v.BASE64_AV_MAX_BYTES,
    "video": v.BASE64_AV_MAX_BYTES,
    "image": v.BASE64_IMAGE_MAX_BYTES,
    "document": v.BASE64_DOCUMENT_MAX_BYTES,
}


class SourceProblem(Exception):
    """The item's media cannot be sent (a missing or unreadable file, over a limit); `kind` is the ledger's."""

    def __init__(self, message: str, kind: str = "invalid") -> None:
        super().__init__(message)
        self.kind = kind


class NeedsAssetUpload(SourceProblem):
    """A v2 local file over the inline limit: it needs the Assets API upload, not available here yet."""

    def __init__(self, message: str) -> None:
        super().__init__(message, kind="needs_upload")


@dataclass
class PreparedMedia:
    """The media part of a create call. `open()` gives the keyword arguments for one attempt (a file is
    opened for that attempt and closed after it); `identity` is how a listing recognises the task."""

    identity: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    upload_path: Path | None = None
    upload_name: str | None = None
    asset_id: str | None = None

    @contextlib.contextmanager
    def open(self) -> Iterator[dict[str, Any]]:
        if self.upload_path is None:
            yield dict(self.kwargs)
            return
        handle: IO[bytes] = self.upload_path.open("rb")
        try:
            # The name the server records (`input_filename`): it starts with the item's key.
            handle.raw.name = self.upload_name  # type: ignore[attr-defined]
            yield {**self.kwargs, "video_file": handle}
        finally:
            handle.close()


class MediaSources(Protocol):
    """The "upload when needed" strategy of a batch."""

    def check(self, item: Item) -> None:
        """Raise `SourceProblem` if the item's media cannot be sent (no request; stat only)."""
        ...

    async def prepare(self, item: Item, *, asset_id: str | None) -> PreparedMedia:
        """The media of `item`'s create call; `asset_id` is the asset the ledger already has for it."""
        ...


def upload_name(item: Item) -> str:
    """The file name a legacy upload is sent under: the item's key, then the file's own name."""
    return f"{item.key[:16]}-{item.name}"


def _stat(item: Item) -> os.stat_result:
    try:
        info = os.stat(item.source)
    except FileNotFoundError:
        raise SourceProblem(f"file not found: {item.source}") from None
    except OSError as exc:
        raise SourceProblem(f"cannot read {item.source}: {exc.strerror}") from None
    if not Path(item.source).is_file():
        raise SourceProblem(f"not a regular file: {item.source}")
    if info.st_size == 0:
        raise SourceProblem(f"file is empty: {item.source}")
    return info


class DefaultSources:
    """The rules of the module doc. `client` (the batch's) enables the assets upload of big v2 files, with
    its state files in `state_dir`; `upload_concurrency` chunk PUTs at once per file."""

    def __init__(
        self,
        client: AsyncEmbedClient | None = None,
        *,
        state_dir: str | os.PathLike[str] | None = None,
        upload_concurrency: int = 4,
    ) -> None:
        self._client = client
        self._state_dir = None if state_dir is None else Path(state_dir)
        self._upload_concurrency = upload_concurrency

    @property
    def can_upload_assets(self) -> bool:
        """Whether big v2 files can go through the Assets API (a client was given)."""
        return self._client is not None

    def check(self, item: Item) -> None:
        if item.kind == "url":
            return
        size = _stat(item).st_size
        if item.api == "legacy":
            if size > v.LEGACY_UPLOAD_MAX_BYTES:
                raise SourceProblem(f"{item.source} is {size} bytes; legacy uploads take at most 2 GB")
            return
        limit = BASE64_LIMITS.get(item.input_type, v.BASE64_AV_MAX_BYTES)
        if size > limit and not self.can_upload_assets:
            raise NeedsAssetUpload(
                f"{item.source} is {size} bytes, over the {limit // v.MiB} MB inline (base64) limit of v2 tasks: "
                "it needs the assets upload (give DefaultSources the batch's client)"
            )

    async def upload_asset(self, item: Item) -> str:
        """Upload a big local file with the Assets API and return its asset id once the asset is ready.

        The batch records the id in the ledger before creating the task, so a re-run does not upload the
        file again. The upload is multipart at any size (resumable from its state file); its chunk PUTs and
        polls are retried with backoff, its creates never once they may have reached the server.
        """
        if self._client is None:
            raise NeedsAssetUpload(f"{item.source} needs the assets upload (give DefaultSources the batch's client)")
        uploader = self._client.with_options(retry=RetryPolicy())  # the batch's own client does not retry
        asset = await uploader.assets.upload(
            item.source,
            state_dir=self._state_dir,
            concurrency=self._upload_concurrency,
            media_type="audio" if item.input_type == "audio" else "video",
            filename=upload_name(item),
            multipart_threshold=1,  # multipart at any size: resumable
        )
        return asset.id

    async def prepare(self, item: Item, *, asset_id: str | None) -> PreparedMedia:
        if item.kind == "url":
            if item.api == "legacy":
                return PreparedMedia(identity=f"url:{item.source}", kwargs={"video_url": item.source})
            return PreparedMedia(identity=f"url:{item.source}", kwargs={"url": item.source})
        self.check(item)
        if item.api == "legacy":
            name = upload_name(item)
            return PreparedMedia(identity=f"file:{name}", upload_path=Path(item.source), upload_name=name)
        if asset_id is not None:
            return PreparedMedia(identity="anonymous:", kwargs={"asset_id": asset_id}, asset_id=asset_id)
        limit = BASE64_LIMITS.get(item.input_type, v.BASE64_AV_MAX_BYTES)
        if os.stat(item.source).st_size > limit:
            asset = await self.upload_asset(item)
            return PreparedMedia(identity="anonymous:", kwargs={"asset_id": asset}, asset_id=asset)
        encoded = await asyncio.to_thread(_base64_file, item.source)
        return PreparedMedia(identity="anonymous:", kwargs={"base64_string": encoded})


def _base64_file(path: str) -> str:
    with open(path, "rb") as handle:
        return base64.b64encode(handle.read()).decode("ascii")
