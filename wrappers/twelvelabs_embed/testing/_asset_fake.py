"""The asset and multipart-upload side of `EmbedFake` (a mixin, so the fake's own module stays small).

fake = EmbedFake(asset_settings=AssetSettings(chunk_size=1024, url_lifetime=60))
with fake.client() as api, fake.upload_client() as origin:       # origin: no x-api-key
    session = api.post("/assets/multipart-uploads", json={...}).json()
    put = origin.put(session["upload_urls"][0]["url"], content=chunk, headers=session["upload_headers"])
    ...
fake.chunk_faults.add("status", nth=3)                 # the third chunk PUT answers 500 once
fake.expire_upload_urls()                              # every presigned URL issued so far expires now
fake.advance(5)                                        # processing -> ready
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal, cast

import httpx

from ._asset_state import AssetSettings, AssetStore, FakeAsset, FakeUpload, IssuedUrl
from ._models import Media, RecordedRequest
from ._operations import ApiError
from ._transport import IN_PROCESS
from ._upload_origin import UPLOAD_HOST, ChunkFaults, UploadOrigin

if TYPE_CHECKING:
    from ._clock import Clock
    from ._fake import EmbedFake
    from ._transport import FakeAsyncTransport, FakeTransport

__all__ = ["DEFAULT_UPLOAD_BASE_URL", "AssetFakeMixin"]

#: Where the presigned chunk URLs of an in-process fake point.
DEFAULT_UPLOAD_BASE_URL = f"https://{UPLOAD_HOST}"


class AssetFakeMixin:
    """Assets, multipart sessions, the upload origin and chunk faults of an `EmbedFake`."""

    # Provided by EmbedFake.
    @property
    def clock(self) -> Clock:  # pragma: no cover - EmbedFake overrides it
        raise NotImplementedError

    seed: int
    processing_seconds: float
    upload_duration: float
    media_durations: dict[str, float]
    _lock: threading.RLock

    if TYPE_CHECKING:

        def _new_id(self, now: datetime) -> str: ...

        @property
        def requests(self) -> list[RecordedRequest]: ...

        def transport(self) -> FakeTransport: ...

        def async_transport(self) -> FakeAsyncTransport: ...

    def _init_assets(self, settings: AssetSettings | None) -> None:
        self._asset_store = AssetStore(settings if settings is not None else AssetSettings())
        self.chunk_faults = ChunkFaults()
        self._url_counter = 0
        self._upload_origin: UploadOrigin | None = None
        #: The upload origin's base URL when the fake is served over real HTTP (set by the server).
        self.served_upload_base_url: str | None = None

    # ------------------------------------------------------------------ settings

    @property
    def asset_settings(self) -> AssetSettings:
        """The asset/upload settings; assigning (e.g. `dataclasses.replace(...)`) applies to later requests."""
        return self._asset_store.settings

    @asset_settings.setter
    def asset_settings(self, value: AssetSettings) -> None:
        with self._lock:
            self._asset_store.settings = value

    @property
    def asset_processing_seconds(self) -> float:
        configured = self._asset_store.settings.processing_seconds
        return self.processing_seconds if configured is None else configured

    @property
    def upload_base_url(self) -> str:
        """Where presigned URLs point for the request being handled (the served port over real HTTP)."""
        if IN_PROCESS.get() is None and self.served_upload_base_url is not None:
            return self.served_upload_base_url
        return DEFAULT_UPLOAD_BASE_URL

    @property
    def upload_origin(self) -> UploadOrigin:
        """The ASGI app of the upload origin (built once)."""
        if self._upload_origin is None:
            self._upload_origin = UploadOrigin(cast("EmbedFake", self))
        return self._upload_origin

    # ------------------------------------------------------------------ assets

    @property
    def assets(self) -> list[FakeAsset]:
        """Every asset not deleted, oldest first."""
        with self._lock:
            return [asset for asset in self._asset_store.assets.values() if not asset.deleted]

    def asset(self, asset_id: str) -> FakeAsset:
        """The asset with this id (KeyError if there is none, or it was deleted)."""
        with self._lock:
            asset = self._asset_store.assets[asset_id]
        if asset.deleted:
            raise KeyError(asset_id)
        return asset

    def asset_status(self, asset_id: str) -> str:
        """The asset's status now (by the fake's clock)."""
        return self.asset(asset_id).status_at(self.clock.now())

    def asset_duration(self, asset: FakeAsset) -> float:
        """Media duration of an asset: `media_durations` by asset id, then by file name, else its own."""
        return self.media_durations.get(asset.id) or self.media_durations.get(asset.filename) or asset.default_duration

    def fail_asset(self, asset_id: str, message: str | None = None) -> None:
        """Make an asset end `failed` (once its processing is over) with `error.message` = `message`."""
        with self._lock:
            asset = self._asset_store.assets[asset_id]
            asset.outcome = "failed"
            asset.error_message = message

    def mark_asset_in_use(self, asset_id: str, in_use: bool = True) -> None:
        """Pretend an indexed asset references this asset: deleting it without `force` gives 409."""
        with self._lock:
            self._asset_store.assets[asset_id].in_use = in_use

    def asset_media(self, asset_id: str, field: str) -> Media:
        """What Embed v2 gets from `media_source.asset_id` (the hook the v2 handlers call).

        A known asset must be `ready` (processing, failed or deleted: 400 `parameter_invalid`, which the v2
        operations render in their nested body). An unknown id is refused with `strict_asset_ids`, else
        taken as a ready asset of `upload_duration` (as before assets existed).
        """
        with self._lock:
            asset = self._asset_store.assets.get(asset_id)
            strict = self._asset_store.settings.strict_asset_ids
        name = f"{field}.asset_id"
        if asset is None or asset.deleted:
            if asset is None and not strict:
                return Media(duration=self.media_durations.get(asset_id) or self.upload_duration)
            raise ApiError(400, "parameter_invalid", f"There is no asset with id {asset_id}.", details={"field": name})
        status = asset.status_at(self.clock.now())
        if status != "ready":
            raise ApiError(
                400,
                "parameter_invalid",
                f"The asset {asset_id} is {status}; only a ready asset can be embedded.",
                details={"field": name, "value": status},
            )
        return Media(duration=self.asset_duration(asset), input_filename=asset.filename)

    def _new_asset(
        self,
        *,
        method: Literal["direct", "url", "multipart"],
        filename: str,
        file_type: str,
        size: int | None,
        duration: float,
    ) -> FakeAsset:
        with self._lock:
            now = self.clock.now()
            return FakeAsset(
                id=self._new_id(now),
                method=method,
                filename=filename,
                file_type=file_type,
                created_at=now,
                default_duration=duration,
                size=size,
            )

    def _add_asset(self, asset: FakeAsset) -> None:
        with self._lock:
            self._asset_store.add_asset(asset)

    def _live_asset(self, asset_id: str) -> FakeAsset:
        with self._lock:
            return self._asset_store.live_asset(asset_id)

    def _delete_asset(self, asset_id: str, *, force: bool) -> None:
        with self._lock:
            asset = self._asset_store.live_asset(asset_id)
            if asset.in_use and not force:
                raise ApiError(
                    409,
                    "asset_in_use",
                    "The asset is referenced by indexed assets. Set force=true to delete it anyway.",
                )
            asset.deleted = True
            asset.data = None
            upload = self._asset_store.uploads.get(asset.upload_id or "")
            if upload is not None and upload.completed_at is None:
                upload.failure = "The asset of this upload was deleted."

    # ------------------------------------------------------------------ multipart uploads

    @property
    def multipart_uploads(self) -> list[FakeUpload]:
        """Every multipart upload session, oldest first."""
        with self._lock:
            return list(self._asset_store.uploads.values())

    def multipart_upload(self, upload_id: str) -> FakeUpload:
        """The session with this id (KeyError if there is none)."""
        with self._lock:
            return self._asset_store.uploads[upload_id]

    def fail_upload(self, upload_id: str, message: str = "The upload failed.") -> None:
        """Make a session `failed` (it cannot be resumed; its URLs answer 404 NoSuchUpload)."""
        with self._lock:
            self._asset_store.uploads[upload_id].failure = message

    def expire_upload_urls(self, upload_id: str | None = None) -> int:
        """Every presigned URL issued so far (of one session, or of all) expires now; returns how many."""
        with self._lock:
            return self._asset_store.expire_urls(self.clock.now(), upload_id)

    @property
    def issued_urls(self) -> list[IssuedUrl]:
        """Every presigned URL handed out, oldest first."""
        with self._lock:
            return list(self._asset_store.urls.values())

    def _new_upload(
        self,
        *,
        filename: str,
        kind: str,
        file_type: str,
        total_size: int,
        user_metadata: dict[str, Any],
        enable_hls: bool,
        enable_thumbnail: bool,
    ) -> FakeUpload:
        with self._lock:
            now = self.clock.now()
            chunk_size, total_chunks = self._asset_store.chunking(total_size)
            asset = self._new_asset(
                method="multipart",
                filename=filename,
                file_type=file_type,
                size=None,
                duration=self.media_durations.get(filename) or self.upload_duration,
            )
            asset.user_metadata = user_metadata or None
            asset.enable_hls, asset.enable_thumbnail = enable_hls, enable_thumbnail
            upload = FakeUpload(
                id=self._new_id(now),
                asset_id=asset.id,
                filename=filename,
                type=kind,
                total_size=total_size,
                chunk_size=chunk_size,
                total_chunks=total_chunks,
                created_at=now,
                expires_at=now + timedelta(seconds=self._asset_store.settings.session_lifetime),
            )
            asset.upload_id = upload.id
            self._asset_store.add_asset(asset)
            self._asset_store.uploads[upload.id] = upload
            return upload

    def _issue_urls(self, upload: FakeUpload, start: int, count: int) -> list[IssuedUrl]:
        base = self.upload_base_url
        with self._lock:
            now = self.clock.now()
            issued = []
            for index in range(start, start + count):
                self._url_counter += 1
                token = AssetStore.token(self.seed, self._url_counter)
                issued.append(self._asset_store.issue_url(upload, index, now, base, token))
            return issued

    # ------------------------------------------------------------------ records and clients

    @property
    def upload_requests(self) -> list[RecordedRequest]:
        """The recorded requests of the upload origin (chunk PUTs and anything else sent there), oldest first."""
        return [record for record in self.requests if record.origin == "upload"]

    def upload_client(self, **kwargs: Any) -> httpx.Client:
        """An `httpx.Client` for the upload origin in-process (no base URL, no `x-api-key`); the fake's
        transports route requests for the upload host there."""
        return httpx.Client(transport=self.transport(), **kwargs)

    def async_upload_client(self, **kwargs: Any) -> httpx.AsyncClient:
        """An `httpx.AsyncClient` for the upload origin in-process (no base URL, no `x-api-key`)."""
        return httpx.AsyncClient(transport=self.async_transport(), **kwargs)


def asset_source_media(fake: AssetFakeMixin, source: dict[str, Any], field: str) -> Media | None:
    """The asset branch of v2 media resolution: a Media when `source` is exactly an `asset_id`, else None."""
    if set(source) == {"asset_id"}:
        return fake.asset_media(str(source["asset_id"]), field)
    return None
