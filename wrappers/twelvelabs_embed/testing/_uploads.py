"""The five multipart-upload operations: create a session, list incomplete sessions, session status, report
chunks, more presigned URLs. The chunk PUTs themselves go to the upload origin (`_upload_origin.py`).

Rules (the documented ones; the fake's choices where the sources are silent, marked *):
- the fake chooses `chunk_size` (`AssetSettings.chunk_size`, raised so no session needs more than
  `max_chunks` chunks) and hands out at most `initial_urls` URLs at creation;
- video/audio at most 10 GB, images 32 MB (`AssetSettings` limits); a session lives 24 h, a URL 1 h;
- a report is all or nothing: every item must name an uploaded chunk, its ETag (quoted or not) and the
  chunk's exact size*; chunks already reported count as duplicates;
- `presigned-urls` must stay within `total_chunks`*; expired, failed and completed* sessions refuse reports
  and URL requests with 400 `parameter_invalid`*;
- the list of incomplete uploads holds every session that is not completed (active, failed, expired*).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from ._asset_http import iso, paginate, parse_json, parse_query
from ._asset_state import FakeUpload, guess_type, media_kind
from ._group import OperationGroup
from ._json import JSONBody
from ._operations import ApiError

if TYPE_CHECKING:
    pass

__all__ = ["UploadHandlers"]

Handler = Callable[[Request], Awaitable[Response]]


class UploadHandlers(OperationGroup):
    """The multipart-upload operations of one fake; `table()` maps operationIds to handlers."""

    def table(self) -> dict[str, Handler]:
        return {
            "createMultipartUpload": self.create_multipart_upload,
            "listIncompleteUploads": self.list_incomplete_uploads,
            "getUploadStatus": self.get_upload_status,
            "reportChunkBatch": self.report_chunk_batch,
            "requestAdditionalPresignedUrls": self.request_additional_presigned_urls,
        }

    def _urls(self, upload: FakeUpload, start: int, count: int) -> list[dict[str, Any]]:
        issued = self.fake._issue_urls(upload, start, count)
        return [{"chunk_index": i.chunk_index, "url": i.url, "expires_at": iso(i.expires_at)} for i in issued]

    async def create_multipart_upload(self, request: Request) -> Response:
        body = await parse_json(self.fake, request, "CreateAssetUploadRequest")
        kind = str(body["type"])
        total = int(body["total_size"])
        store = self.fake._asset_store
        limit = store.multipart_limit(kind)
        if total > limit:
            raise ApiError(
                400,
                "parameter_invalid",
                f"total_size ({total} bytes) exceeds the {limit}-byte limit of a multipart {kind} upload.",
                details={"field": "total_size"},
            )
        filename = str(body["filename"])
        file_type = guess_type(filename)
        if media_kind(file_type) != kind:
            file_type = {"video": "video/mp4", "audio": "audio/mpeg", "image": "image/jpeg"}[kind]
        upload = self.fake._new_upload(
            filename=filename,
            kind=kind,
            file_type=file_type,
            total_size=total,
            user_metadata={k: v for k, v in dict(body.get("user_metadata") or {}).items() if v not in ("", [], None)},
            enable_hls=bool(body.get("enable_hls", False)),
            enable_thumbnail=bool(body.get("enable_thumbnail", False)),
        )
        first = min(upload.total_chunks, self.fake.asset_settings.initial_urls)
        answer = {
            "upload_id": upload.id,
            "asset_id": upload.asset_id,
            "upload_urls": self._urls(upload, 1, first) if first else [],
            "upload_headers": dict(self.fake.asset_settings.upload_headers),
            "chunk_size": upload.chunk_size,
            "total_chunks": upload.total_chunks,
            "expires_at": iso(upload.expires_at),
        }
        return JSONBody(answer, 201)

    async def list_incomplete_uploads(self, request: Request) -> Response:
        query = parse_query(self.fake, request, "listIncompleteUploads")
        now = self.fake.clock.now()
        pending = [u for u in reversed(self.fake.multipart_uploads) if u.status_at(now) != "completed"]
        page, info = paginate(pending, query)
        items = [
            {
                "upload_id": u.id,
                "status": u.status_at(now),
                "total_size": u.total_size,
                "chunk_size": u.chunk_size,
                "total_chunks": u.total_chunks,
                "created_at": iso(u.created_at),
                "expires_at": iso(u.expires_at),
            }
            for u in page
        ]
        return JSONBody({"data": items, "page_info": info})

    async def get_upload_status(self, request: Request) -> Response:
        query = parse_query(self.fake, request, "getUploadStatus")
        now = self.fake.clock.now()
        with self.fake._lock:
            upload = self.fake._asset_store.live_upload(request.path_params["upload_id"])
            records = [upload.chunk(index) for index in range(1, upload.total_chunks + 1)]
            counts = {"completed": 0, "failed": 0, "pending": 0}
            for record in records:
                counts[record.status] += 1
            page, info = paginate(records, query)
            chunks = []
            for record in page:
                item: dict[str, Any] = {
                    "index": record.index,
                    "status": record.status,
                    "uploaded_at": iso(record.reported_at),
                    "updated_at": iso(record.updated_at),
                }
                if record.status == "failed":
                    item["error"] = record.error
                chunks.append(item)
            answer = {
                "upload_id": upload.id,
                "status": upload.status_at(now),
                "uploaded_chunks": chunks,
                "chunks_completed": counts["completed"],
                "chunks_failed": counts["failed"],
                "chunks_pending": counts["pending"],
                "page_info": info,
                "total_size": upload.total_size,
                "uploaded_size": upload.uploaded_size,
                "created_at": iso(upload.created_at),
                "updated_at": iso(upload.updated_at or upload.created_at),
            }
        return JSONBody(answer)

    async def report_chunk_batch(self, request: Request) -> Response:
        upload_id = request.path_params["upload_id"]
        with self.fake._lock:
            self.fake._asset_store.live_upload(upload_id)  # 404 before the body is looked at
        body = await parse_json(self.fake, request, "ReportChunkBatchRequest")
        with self.fake._lock:
            upload = self.fake._asset_store.live_upload(upload_id)
            processed, duplicates = self.fake._asset_store.report(
                upload, list(body["completed_chunks"]), self.fake.clock.now(), self.fake.asset_processing_seconds
            )
            answer: dict[str, Any] = {
                "asset_id": upload.asset_id,
                "processed_chunks": processed,
                "duplicate_chunks": duplicates,
                "total_completed": upload.reported,
            }
            if upload.completed_at is not None:
                answer["url"] = f"https://cdn.embed-fake.test/assets/{upload.asset_id}/{upload.filename}"
        return JSONBody(answer)

    async def request_additional_presigned_urls(self, request: Request) -> Response:
        upload_id = request.path_params["upload_id"]
        with self.fake._lock:
            self.fake._asset_store.live_upload(upload_id)
        body = await parse_json(self.fake, request, "RequestAdditionalPresignedUrlsRequest")
        start, count = int(body["start"]), int(body["count"])
        now = self.fake.clock.now()
        with self.fake._lock:
            upload = self.fake._asset_store.live_upload(upload_id)
            if upload.completed_at is not None:
                raise ApiError(400, "parameter_invalid", f"The upload {upload_id} is already completed.")
            self.fake._asset_store.require_active(upload, now)
            last = start + count - 1
            if last > upload.total_chunks:
                raise ApiError(
                    400,
                    "parameter_invalid",
                    f"start + count - 1 ({last}) is beyond total_chunks ({upload.total_chunks}).",
                    details={"field": "count"},
                )
            urls = self._urls(upload, start, count)
        expires = now + timedelta(seconds=self.fake.asset_settings.url_lifetime)
        return JSONBody(
            {
                "upload_id": upload_id,
                "start_index": start,
                "count": count,
                "upload_urls": urls,
                "generated_at": iso(now),
                "expires_at": iso(expires),
            }
        )
