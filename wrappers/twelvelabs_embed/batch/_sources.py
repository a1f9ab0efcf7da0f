"""How an item's media reaches the API ("upload when needed"): a small, replaceable strategy.

`DefaultSources` applies today's rules:
- a URL is sent as it is (`url` / `video_url`);
- a local file for a v2 task is sent inline as `base64_string` when it is at most the documented limit
  (36 MB decoded for audio and video, `_validation.BASE64_AV_MAX_BYTES`);
- a local file for a legacy task is uploaded in the create request itself (`video_file`, streamed from
  disk, at most 2 GB), under a name that starts with the item's key, so a listing can recognise the task;
- a bigger v2 file needs the Assets API (upload, then `asset_id`): `upload_asset` is the one place where
  that plugs in. Until it does, such an item is recorded as failed ("needs the assets upload").

The ledger already keeps the asset id: an item whose asset was uploaded is not uploaded again on a re-run.

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
from typing import IO, Any, Protocol

from .. import _validation as v
from ._items import Item

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
    """Today's rules (see the module doc). Subclass and override `upload_asset` to add the Assets API."""

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
                "it needs the assets upload, which this version of the batch does not do yet"
            )

    #: Whether `upload_asset` is implemented (a subclass that adds the Assets API sets it).
    can_upload_assets = False

    async def upload_asset(self, item: Item) -> str:
        """Upload a big local file with the Assets API and return its asset id.

        THE PLACE where the assets upload plugs in (`client.assets.upload(path)`): return the id of the
        asset once it is ready. The batch records it in the ledger before creating the task, so a re-run
        does not upload the file again.
        """
        raise NeedsAssetUpload(f"{item.source} needs the assets upload, which this version does not do yet")

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
