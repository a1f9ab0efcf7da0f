"""The four asset operations: `POST /assets` (direct upload or URL), `GET /assets`, `GET /assets/{asset_id}`,
`DELETE /assets/{asset_id}`.

Rules that depend only on the request are checked at once (400, flat body); what depends on the media
(a URL that cannot be fetched, `fail` in the URL, a `size=` over the URL limit) makes the asset end `failed`.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Literal

from starlette.requests import Request
from starlette.responses import Response

from ._asset_http import FormFile, iso, paginate, parse_form, parse_query
from ._asset_state import ASSET_FAILURE_MESSAGE, FakeAsset, guess_type, media_kind
from ._group import OperationGroup
from ._json import JSONBody
from ._models import RecordedUpload, media_from_url
from ._operations import ApiError

if TYPE_CHECKING:
    from ._fake import EmbedFake

__all__ = ["AssetHandlers", "asset_body"]

Handler = Callable[[Request], Awaitable[Response]]


def _technical_metadata(asset: FakeAsset, duration: float) -> dict[str, Any]:
    meta: dict[str, Any] = {"file_mime_type": asset.file_type}
    if asset.size is not None:
        meta["file_size_bytes"] = asset.size
    if asset.kind == "video":
        meta.update(
            video_codec="h264",
            video_width=1920,
            video_height=1080,
            video_fps=29.97,
            video_duration_seconds=duration,
            has_audio=True,
            audio_codec="aac",
            audio_sample_rate=48000,
            audio_channels=2,
        )
    elif asset.kind == "audio":
        meta.update(audio_codec="mp3", audio_sample_rate=44100, audio_channels=2, audio_duration_seconds=duration)
    elif asset.kind == "image":
        meta.update(image_width=1280, image_height=720, image_format=asset.file_type.split("/")[-1])
    return meta


def asset_body(fake: EmbedFake[Any], asset: FakeAsset) -> dict[str, Any]:
    """The JSON of an asset now (the retrieve/list item; the create answer is its first fields)."""
    now = fake.clock.now()
    status = asset.status_at(now)
    body: dict[str, Any] = {
        "_id": asset.id,
        "method": asset.method,
        "status": status,
        "filename": asset.filename,
        "file_type": asset.file_type,
        "created_at": iso(asset.created_at),
    }
    if asset.user_metadata:
        body["user_metadata"] = asset.user_metadata
    duration = fake.asset_duration(asset)
    for name, enabled, url_key, url in (
        ("hls", asset.enable_hls, "manifest_url", f"https://cdn.embed-fake.test/hls/{asset.id}/index.m3u8"),
        ("thumbnail", asset.enable_thumbnail, "representative_url", f"https://cdn.embed-fake.test/t/{asset.id}.jpg"),
    ):
        if enabled:
            derived = {"processing": "pending", "ready": "ready", "failed": "error"}[status]
            body[name] = {"status": derived, **({url_key: url} if derived == "ready" else {})}
    if status == "ready":
        if asset.size is not None:
            body["size"] = asset.size
        if asset.kind in ("video", "audio"):
            body["duration"] = duration
        body["technical_metadata"] = _technical_metadata(asset, duration)
    elif status == "failed":
        body["error"] = {"message": asset.error_message or ASSET_FAILURE_MESSAGE}
    return body


class AssetHandlers(OperationGroup):
    """The asset operations of one fake; `table()` maps operationIds to handlers."""

    def table(self) -> dict[str, Handler]:
        return {
            "createAsset": self.create_asset,
            "listAssets": self.list_assets,
            "retrieveAsset": self.retrieve_asset,
            "deleteAsset": self.delete_asset,
        }

    # ------------------------------------------------------------------ create

    @staticmethod
    def _metadata(text: object) -> dict[str, Any] | None:
        if text is None:
            return None
        try:
            value = json.loads(str(text))
        except ValueError:
            value = None
        if not isinstance(value, dict):
            raise ApiError(400, "parameter_invalid", "The user_metadata parameter must be a JSON-encoded object.")
        for key, item in value.items():
            scalar = isinstance(item, str | int | float | bool)
            if not scalar and not (isinstance(item, list) and all(isinstance(v, str) for v in item)):
                raise ApiError(
                    400,
                    "parameter_invalid",
                    f"user_metadata.{key} must be a string, number, boolean or array of strings.",
                )
        return {key: item for key, item in value.items() if item not in ("", [], None)} or None

    async def create_asset(self, request: Request) -> Response:
        instance, files = await parse_form(self.fake, request, "CreateAssetForm")
        method: Literal["direct", "url"] = "direct" if instance["method"] == "direct" else "url"
        url, upload = instance.get("url"), files.get("file")
        if method == "direct" and upload is None:
            raise ApiError(400, "parameter_not_provided", "The file parameter is required when method is direct.")
        if method == "url" and url is None:
            raise ApiError(400, "parameter_not_provided", "The url parameter is required when method is url.")
        if method == "direct" and url is not None:
            raise ApiError(400, "parameter_invalid", "The url parameter is only accepted when method is url.")
        if method == "url" and upload is not None:
            raise ApiError(400, "parameter_invalid", "The file parameter is only accepted when method is direct.")
        metadata = self._metadata(instance.get("user_metadata"))
        settings = self.fake.asset_settings
        if upload is not None:
            asset = self._direct_asset(upload, instance.get("filename"))
        else:
            asset = self._url_asset(str(url), instance.get("filename"))
        asset.user_metadata = metadata
        asset.enable_hls = bool(instance.get("enable_hls", False))
        asset.enable_thumbnail = bool(instance.get("enable_thumbnail", False))
        processing = self.fake.asset_processing_seconds
        asset.ready_at = asset.created_at + timedelta(seconds=processing)
        if upload is not None and settings.keep_chunk_bytes:
            asset.data = upload.data
        self.fake._add_asset(asset)
        return JSONBody(asset_body(self.fake, asset), 201)

    def _direct_asset(self, upload: FormFile, filename: object) -> FakeAsset:
        name = str(filename) if filename is not None else (upload.filename or "upload")
        file_type = guess_type(upload.filename or name, upload.content_type)
        kind = media_kind(file_type)
        if kind is None:
            raise ApiError(400, "parameter_invalid", f"The file type {file_type} is not supported.")
        if not upload.data:
            raise ApiError(400, "parameter_invalid", "The file parameter is empty.")
        limit = self.fake._asset_store.direct_limit(kind)
        if len(upload.data) > limit:
            raise ApiError(
                400,
                "parameter_invalid",
                f"The file ({len(upload.data)} bytes) exceeds the {limit}-byte limit of a direct {kind} upload; "
                "use a multipart upload for larger files.",
            )
        self.fake._record_upload(RecordedUpload("CreateAssetForm", "file", upload.filename, upload.data))
        durations = self.fake.media_durations
        duration = durations.get(name) or durations.get(upload.filename or "") or self.fake.upload_duration
        return self.fake._new_asset(
            method="direct", filename=name, file_type=file_type, size=len(upload.data), duration=duration
        )

    def _url_asset(self, url: str, filename: object) -> FakeAsset:
        path_name = url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
        name = str(filename) if filename is not None else (path_name or "asset")
        file_type = guess_type(path_name)
        kind = media_kind(file_type) or "video"
        media = media_from_url(url, default_duration=self.fake.url_duration, durations=self.fake.media_durations)
        asset = self.fake._new_asset(
            method="url", filename=name, file_type=file_type, size=None, duration=media.duration
        )
        asset.url = url
        failure = self.fake._asset_store.url_asset_failure(url, kind)
        if failure is not None:
            asset.outcome, asset.error_message = "failed", failure
        return asset

    # ------------------------------------------------------------------ read / delete

    async def list_assets(self, request: Request) -> Response:
        query = parse_query(self.fake, request, "listAssets")
        ids = set(query.get("asset_ids", []))
        types = set(query.get("asset_types", []))
        needle = str(query.get("filename", "")).lower()
        chosen = [
            asset
            for asset in reversed(self.fake.assets)
            if (not ids or asset.id in ids)
            and (not types or asset.kind in types)
            and (not needle or needle in asset.filename.lower())
        ]
        page, info = paginate(chosen, query)
        return JSONBody({"data": [asset_body(self.fake, asset) for asset in page], "page_info": info})

    async def retrieve_asset(self, request: Request) -> Response:
        asset = self.fake._live_asset(request.path_params["asset_id"])
        return JSONBody(asset_body(self.fake, asset))

    async def delete_asset(self, request: Request) -> Response:
        query = parse_query(self.fake, request, "deleteAsset")
        self.fake._delete_asset(request.path_params["asset_id"], force=bool(query.get("force", False)))
        return Response(status_code=self.fake.asset_settings.delete_status)
