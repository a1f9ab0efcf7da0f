"""How the contract tests call the asset and multipart-upload operations, and spot checks on their examples.

Merged into the tables of test_prism_contract.py. Payloads are a few bytes (Prism parses multipart at about
1 s per MiB) and file names hold no `;` (a `;` in a part name or file name kills Prism).
"""

from __future__ import annotations

import datetime
import io
import json
from collections.abc import Callable
from typing import Any

from twelvelabs_embed_generated import AuthenticatedClient, Client
from twelvelabs_embed_generated.api.assets import create_asset, delete_asset, list_assets, retrieve_asset
from twelvelabs_embed_generated.api.multipart_uploads import (
    create_multipart_upload,
    get_upload_status,
    list_incomplete_uploads,
    report_chunk_batch,
    request_additional_presigned_urls,
)
from twelvelabs_embed_generated.models import (
    AssetMethod,
    AssetStatus,
    AssetType,
    AssetUploadMethod,
    ChunkStatus,
    CompletedChunk,
    CreateAssetForm,
    CreateAssetUploadRequest,
    MultipartUploadStatus,
    MultipartUploadType,
    ProofType,
    ReportChunkBatchRequest,
    RequestAdditionalPresignedUrlsRequest,
    UserMetadata,
)
from twelvelabs_embed_generated.types import File, Response

ASSET_ID = "6298d673f1090f1100476d4c"
UPLOAD_ID = "507f1f77bcf86cd799439011"
MP4_BYTES = b"\x00\x00\x00\x18ftypmp42" + bytes(16)
ETAG = "d41d8cd98f00b204e9800998ecf8427e"


def _metadata() -> UserMetadata:
    metadata = UserMetadata()
    metadata["topic"] = "talks"
    metadata["tags"] = ["a", "b"]
    return metadata


ASSET_CALLS: dict[str, Callable[[AuthenticatedClient | Client], Response[Any]]] = {
    "createAsset": lambda c: create_asset.sync_detailed(
        client=c,
        body=CreateAssetForm(
            method=AssetUploadMethod.DIRECT,
            file=File(payload=io.BytesIO(MP4_BYTES), file_name="talk.mp4", mime_type="video/mp4"),
            filename="talk.mp4",
            enable_hls=False,
            enable_thumbnail=True,
            user_metadata=json.dumps({"topic": "talks"}),
        ),
    ),
    "listAssets": lambda c: list_assets.sync_detailed(
        client=c, page=1, page_limit=10, asset_types=[AssetType.VIDEO, AssetType.AUDIO], filename="talk"
    ),
    "retrieveAsset": lambda c: retrieve_asset.sync_detailed(ASSET_ID, client=c),
    "deleteAsset": lambda c: delete_asset.sync_detailed(ASSET_ID, client=c, force=True),
    "createMultipartUpload": lambda c: create_multipart_upload.sync_detailed(
        client=c,
        body=CreateAssetUploadRequest(
            filename="talk.mp4",
            type_=MultipartUploadType.VIDEO,
            total_size=104857600,
            enable_hls=False,
            user_metadata=_metadata(),
        ),
    ),
    "listIncompleteUploads": lambda c: list_incomplete_uploads.sync_detailed(client=c, page=1, page_limit=50),
    "getUploadStatus": lambda c: get_upload_status.sync_detailed(UPLOAD_ID, client=c, page=1, page_limit=10),
    "reportChunkBatch": lambda c: report_chunk_batch.sync_detailed(
        UPLOAD_ID,
        client=c,
        body=ReportChunkBatchRequest(
            completed_chunks=[CompletedChunk(chunk_index=1, proof=ETAG, proof_type=ProofType.ETAG, chunk_size=5242880)]
        ),
    ),
    "requestAdditionalPresignedUrls": lambda c: request_additional_presigned_urls.sync_detailed(
        UPLOAD_ID, client=c, body=RequestAdditionalPresignedUrlsRequest(start=21, count=2)
    ),
}

UTC = datetime.UTC


def _direct(parsed: Any) -> None:
    assert (parsed.method, parsed.status) == (AssetMethod.DIRECT, AssetStatus.PROCESSING)
    assert parsed.created_at == datetime.datetime(2026, 7, 1, 8, 0, tzinfo=UTC)


def _url(parsed: Any) -> None:
    assert parsed.method is AssetMethod.URL
    assert parsed.user_metadata.additional_properties == {"category": "recentlyAdded", "batchNumber": 5}


def _page(parsed: Any) -> None:
    (asset,) = parsed.data
    assert (asset.method, asset.status, asset.size, asset.duration) == (
        AssetMethod.MULTIPART,
        AssetStatus.READY,
        1073741824,
        3600.5,
    )


def _processing(parsed: Any) -> None:
    assert parsed.status is AssetStatus.PROCESSING
    assert not parsed.technical_metadata  # absent while processing


def _ready(parsed: Any) -> None:
    assert parsed.status is AssetStatus.READY
    meta = parsed.technical_metadata
    assert (meta.video_codec, meta.video_width, meta.video_fps, meta.has_audio) == ("h264", 1920, 29.97, True)


def _failed(parsed: Any) -> None:
    assert parsed.status is AssetStatus.FAILED
    assert parsed.error.message == "The file could not be decoded."


def _created(parsed: Any) -> None:
    assert (parsed.upload_id, parsed.asset_id) == (UPLOAD_ID, "507f1f77bcf86cd799439012")
    assert (parsed.chunk_size, parsed.total_chunks) == (5242880, 20)
    assert parsed.upload_headers["Content-Type"] == "application/octet-stream"
    assert [u.chunk_index for u in parsed.upload_urls] == [1, 2]
    assert parsed.upload_urls[0].expires_at == datetime.datetime(2026, 7, 1, 9, 0, tzinfo=UTC)


def _incomplete(parsed: Any) -> None:
    (upload,) = parsed.data
    assert (upload.status, upload.total_chunks) == (MultipartUploadStatus.ACTIVE, 20)


def _active(parsed: Any) -> None:
    assert parsed.status is MultipartUploadStatus.ACTIVE
    assert [c.status for c in parsed.uploaded_chunks] == [
        ChunkStatus.COMPLETED,
        ChunkStatus.COMPLETED,
        ChunkStatus.PENDING,
    ]
    assert parsed.uploaded_chunks[2].uploaded_at is None  # null for a pending chunk


def _failed_chunk(parsed: Any) -> None:
    (chunk,) = parsed.uploaded_chunks
    assert (chunk.status, chunk.error, parsed.chunks_failed) == (ChunkStatus.FAILED, "Upload timeout", 1)


def _completed(parsed: Any) -> None:
    assert parsed.status is MultipartUploadStatus.COMPLETED and parsed.chunks_completed == 3


def _expired(parsed: Any) -> None:
    assert parsed.status is MultipartUploadStatus.EXPIRED


def _partial(parsed: Any) -> None:
    assert not parsed.url and parsed.total_completed == 15


def _complete(parsed: Any) -> None:
    assert parsed.url == "https://cdn.example.com/assets/video.mp4"
    assert (parsed.duplicate_chunks, parsed.total_completed) == (1, 20)


def _urls(parsed: Any) -> None:
    assert (parsed.start_index, parsed.count) == (21, 2)
    assert [u.chunk_index for u in parsed.upload_urls] == [21, 22]
    assert parsed.generated_at == datetime.datetime(2026, 7, 1, 9, 30, tzinfo=UTC)


# (operationId, example name) -> a check of the parsed model beyond the generic equality with the example.
ASSET_SPOT_CHECKS: dict[tuple[str, str], Callable[[Any], None]] = {
    ("createAsset", "direct"): _direct,
    ("createAsset", "url"): _url,
    ("listAssets", "page"): _page,
    ("retrieveAsset", "processing"): _processing,
    ("retrieveAsset", "ready"): _ready,
    ("retrieveAsset", "failed"): _failed,
    ("createMultipartUpload", "created"): _created,
    ("listIncompleteUploads", "page"): _incomplete,
    ("getUploadStatus", "active"): _active,
    ("getUploadStatus", "failed_chunk"): _failed_chunk,
    ("getUploadStatus", "completed"): _completed,
    ("getUploadStatus", "expired"): _expired,
    ("reportChunkBatch", "partial"): _partial,
    ("reportChunkBatch", "complete"): _complete,
    ("requestAdditionalPresignedUrls", "urls"): _urls,
}
