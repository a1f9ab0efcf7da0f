"""Assets and multipart uploads held by the fake: settings, records, and the rules that do not depend on HTTP.

Time comes from the fake's clock, so a test moves an asset from `processing` to `ready`, or expires presigned
URLs and sessions, with `fake.advance(seconds)`.

Lifecycle:
- `POST /assets` makes an asset `processing` at once; it ends `ready` (or `failed`: a URL that cannot be
  fetched, `fail` in the URL, `fake.fail_asset()`) `processing_seconds` later.
- `POST /assets/multipart-uploads` reserves a `processing` asset with no end time; chunk PUTs go to the upload
  origin (`_upload_origin.py`); the report that completes the session starts the `processing_seconds`.
"""

from __future__ import annotations

import hashlib
import math
import mimetypes
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

from ._defaults import DEFAULT_CHUNK_SIZE
from ._operations import ApiError

__all__ = [
    "AssetSettings",
    "AssetStore",
    "ChunkRecord",
    "FakeAsset",
    "FakeUpload",
    "GiB",
    "IssuedUrl",
    "MiB",
    "media_kind",
]

MiB = 1024 * 1024
GiB = 1024 * MiB

#: `error.message` of an asset that fails without a message of its own.
ASSET_FAILURE_MESSAGE = "The file could not be processed."
#: `error.message` of a URL asset whose URL cannot be fetched (not http/https).
ASSET_FETCH_FAILURE = "The file could not be fetched from the URL."

_DOCUMENT_TYPES = {"application/pdf", "text/plain", "text/markdown"}
mimetypes.add_type("text/markdown", ".md")


def media_kind(file_type: str) -> str | None:
    """`video`, `audio`, `image` or `document` for a MIME type; None when the API does not take it.
    `application/octet-stream` (a file whose type cannot be told) counts as video."""
    major = file_type.split("/", 1)[0]
    if major in ("video", "audio", "image"):
        return major
    if file_type in _DOCUMENT_TYPES:
        return "document"
    if file_type == "application/octet-stream":
        return "video"
    return None


def guess_type(filename: str | None, declared: str | None = None) -> str:
    """The MIME type of a file: from its extension, else the declared part type, else octet-stream."""
    guessed = mimetypes.guess_type(filename or "", strict=False)[0]
    return guessed or (declared or "").split(";")[0].strip().lower() or "application/octet-stream"


@dataclass(frozen=True)
class AssetSettings:
    """How the fake's asset and multipart-upload endpoints behave (`EmbedFake(asset_settings=...)`).

    The limits default to the documented ones (assets-api.md §5; "MB"/"GB" taken as MiB/GiB, the larger
    reading); tests shrink them to exercise the limits with small files.

    Args:
        chunk_size: bytes per chunk the fake chooses (the real API's example is 5 MiB); raised when a file
            would otherwise need more than `max_chunks` chunks.
        initial_urls: how many presigned URLs the create answer carries (at most `total_chunks`).
        url_lifetime: seconds a presigned URL is valid (documented: 1 hour).
        session_lifetime: seconds a multipart session lives (documented: 24 hours).
        processing_seconds: how long an asset stays `processing` once its file is complete (None: the
            fake's `processing_seconds`).
        upload_headers: the `upload_headers` of every session; each chunk PUT must carry exactly these.
        single_use_urls: refuse a second PUT to a URL that already received one (documented as single-use;
            object stores accept repeats until expiry, the default here).
        keep_chunk_bytes: keep the bytes of every chunk and direct upload (`FakeUpload.data()`); turn off for
            large files (ETags and sizes are kept either way).
        strict_asset_ids: `media_source.asset_id` must name an asset of this fake (off: an unknown id is
            taken as a ready asset of `upload_duration`, as before assets existed; known assets that are
            not ready, failed or deleted are refused either way).
        delete_status: 204 (older sources) or 200 (newest export) for a successful delete.
        max_chunks: the most chunks a session may have (object stores allow 10,000 parts).
        direct_media_limit / url_media_limit: video and audio by direct upload (200 MB) / by URL (4 GB).
        image_limit: images, any path (32 MB).
        document_direct_limit / document_url_limit: PDF/txt/md direct (200 MB) / by URL (512 MB).
        multipart_media_limit / multipart_image_limit: multipart video and audio (10 GB) / images (32 MB).
    """

    chunk_size: int = DEFAULT_CHUNK_SIZE
    initial_urls: int = 10
    url_lifetime: float = 3600.0
    session_lifetime: float = 24 * 3600.0
    processing_seconds: float | None = None
    upload_headers: Mapping[str, str] = field(default_factory=lambda: {"Content-Type": "application/octet-stream"})
    single_use_urls: bool = False
    keep_chunk_bytes: bool = True
    strict_asset_ids: bool = False
    delete_status: int = 204
    max_chunks: int = 10_000
    direct_media_limit: int = 200 * MiB
    url_media_limit: int = 4 * GiB
    image_limit: int = 32 * MiB
    document_direct_limit: int = 200 * MiB
    document_url_limit: int = 512 * MiB
    multipart_media_limit: int = 10 * GiB
    multipart_image_limit: int = 32 * MiB

    def __post_init__(self) -> None:
        if self.chunk_size < 1 or self.max_chunks < 1:
            raise ValueError("chunk_size and max_chunks must be >= 1")
        if self.initial_urls < 0:
            raise ValueError("initial_urls must be >= 0")
        if self.url_lifetime <= 0 or self.session_lifetime <= 0:
            raise ValueError("url_lifetime and session_lifetime must be > 0")
        if self.processing_seconds is not None and self.processing_seconds < 0:
            raise ValueError("processing_seconds must be >= 0")
        if self.delete_status not in (200, 204):
            raise ValueError("delete_status must be 200 or 204")
        object.__setattr__(self, "upload_headers", dict(self.upload_headers))


@dataclass
class FakeAsset:
    """One asset. Its status comes from the clock: `processing` until `ready_at` (never, for a multipart
    asset whose upload is not complete), then `outcome`."""

    id: str
    method: Literal["direct", "url", "multipart"]
    filename: str
    file_type: str
    created_at: datetime
    default_duration: float
    size: int | None = None
    url: str | None = None
    upload_id: str | None = None
    user_metadata: dict[str, Any] | None = None
    enable_hls: bool = False
    enable_thumbnail: bool = False
    ready_at: datetime | None = None
    outcome: Literal["ready", "failed"] = "ready"
    error_message: str | None = None
    #: Set by `fake.mark_asset_in_use()`: deleting without `force` is refused with 409.
    in_use: bool = False
    deleted: bool = False
    data: bytes | None = field(default=None, repr=False)

    @property
    def kind(self) -> str:
        return media_kind(self.file_type) or "video"

    def status_at(self, now: datetime) -> Literal["processing", "ready", "failed"]:
        if self.ready_at is None or now < self.ready_at:
            return "processing"
        return self.outcome


@dataclass
class ChunkRecord:
    """What the upload origin knows about one chunk of a session."""

    index: int
    updated_at: datetime
    #: md5 hex of the last complete PUT (the ETag, without quotes); None until one arrived.
    etag: str | None = None
    size: int = 0
    uploaded_at: datetime | None = None
    reported_at: datetime | None = None
    reported_etag: str | None = None
    #: Set when the latest PUT attempt failed (and no later one succeeded).
    error: str | None = None
    #: PUT attempts that reached the chunk (complete or not).
    puts: int = 0
    data: bytes | None = field(default=None, repr=False)

    @property
    def status(self) -> Literal["completed", "pending", "failed"]:
        if self.reported_at is not None:
            return "completed"
        return "failed" if self.error is not None else "pending"


@dataclass
class IssuedUrl:
    """One presigned URL handed out (create or `presigned-urls`)."""

    token: str
    upload_id: str
    chunk_index: int
    url: str
    issued_at: datetime
    expires_at: datetime
    used: bool = False


@dataclass
class FakeUpload:
    """One multipart upload session."""

    id: str
    asset_id: str
    filename: str
    type: str
    total_size: int
    chunk_size: int
    total_chunks: int
    created_at: datetime
    expires_at: datetime
    chunks: dict[int, ChunkRecord] = field(default_factory=dict, repr=False)
    completed_at: datetime | None = None
    #: Set by `fake.fail_upload()` (or when its asset is deleted): the session is `failed`.
    failure: str | None = None
    updated_at: datetime | None = None

    def status_at(self, now: datetime) -> Literal["active", "completed", "failed", "expired"]:
        if self.completed_at is not None:
            return "completed"
        if self.failure is not None:
            return "failed"
        return "expired" if now >= self.expires_at else "active"

    def expected_size(self, index: int) -> int:
        """Bytes chunk `index` (1-based) must have: `chunk_size`, the last one the rest."""
        if index < self.total_chunks:
            return self.chunk_size
        return self.total_size - (self.total_chunks - 1) * self.chunk_size

    def chunk(self, index: int) -> ChunkRecord:
        record = self.chunks.get(index)
        if record is None:
            record = ChunkRecord(index=index, updated_at=self.created_at)
            self.chunks[index] = record
        return record

    @property
    def reported(self) -> int:
        return sum(1 for record in self.chunks.values() if record.reported_at is not None)

    @property
    def uploaded_size(self) -> int:
        return sum(record.size for record in self.chunks.values() if record.etag is not None)

    def data(self) -> bytes:
        """The file as received, chunk after chunk (needs `keep_chunk_bytes` and every chunk uploaded)."""
        parts = []
        for index in range(1, self.total_chunks + 1):
            record = self.chunks.get(index)
            if record is None or record.data is None:
                raise ValueError(f"chunk {index} of upload {self.id} was not received (or its bytes were not kept)")
            parts.append(record.data)
        return b"".join(parts)


def _size_hint(url: str) -> int | None:
    values = parse_qs(urlsplit(url).query).get("size")
    if not values or not values[-1].isdigit():
        return None
    return int(values[-1])


class AssetStore:
    """Every asset, session and issued URL of one fake, plus the rules on them. The caller holds the lock."""

    def __init__(self, settings: AssetSettings) -> None:
        self.settings = settings
        self.assets: dict[str, FakeAsset] = {}
        self.uploads: dict[str, FakeUpload] = {}
        self.urls: dict[str, IssuedUrl] = {}

    # ------------------------------------------------------------------ assets

    def add_asset(self, asset: FakeAsset) -> FakeAsset:
        self.assets[asset.id] = asset
        return asset

    def live_asset(self, asset_id: str) -> FakeAsset:
        asset = self.assets.get(asset_id)
        if asset is None or asset.deleted:
            raise ApiError(404, "resource_not_exist", f"There is no asset with id {asset_id}.")
        return asset

    def url_asset_failure(self, url: str, kind: str) -> str | None:
        """Why an asset made from `url` fails (None: it will be ready)."""
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("http", "https"):
            return ASSET_FETCH_FAILURE
        query = {key: values[-1] for key, values in parse_qs(parts.query, keep_blank_values=True).items()}
        if "fail" in query:
            value = query["fail"]
            return value if value not in ("", "1", "true", "yes") else ASSET_FAILURE_MESSAGE
        size = _size_hint(url)
        limit = self.url_limit(kind)
        if size is not None and size > limit:
            return f"The file ({size} bytes) exceeds the limit of {limit} bytes for a {kind} URL."
        return None

    def direct_limit(self, kind: str) -> int:
        s = self.settings
        return {"image": s.image_limit, "document": s.document_direct_limit}.get(kind, s.direct_media_limit)

    def url_limit(self, kind: str) -> int:
        s = self.settings
        return {"image": s.image_limit, "document": s.document_url_limit}.get(kind, s.url_media_limit)

    def multipart_limit(self, kind: str) -> int:
        return self.settings.multipart_image_limit if kind == "image" else self.settings.multipart_media_limit

    # ------------------------------------------------------------------ uploads

    def chunking(self, total_size: int) -> tuple[int, int]:
        """(chunk_size, total_chunks) the fake chooses for a file of `total_size` bytes."""
        chunk_size = max(self.settings.chunk_size, math.ceil(total_size / self.settings.max_chunks))
        return chunk_size, math.ceil(total_size / chunk_size)

    def live_upload(self, upload_id: str) -> FakeUpload:
        upload = self.uploads.get(upload_id)
        if upload is None:
            raise ApiError(404, "resource_not_exist", f"There is no upload with id {upload_id}.")
        return upload

    @staticmethod
    def require_active(upload: FakeUpload, now: datetime) -> None:
        status = upload.status_at(now)
        if status == "expired":
            raise ApiError(400, "parameter_invalid", f"The upload {upload.id} has expired; start a new upload.")
        if status == "failed":
            raise ApiError(400, "parameter_invalid", f"The upload {upload.id} has failed: {upload.failure}")

    def issue_url(self, upload: FakeUpload, index: int, now: datetime, base: str, token: str) -> IssuedUrl:
        expires = now + timedelta(seconds=self.settings.url_lifetime)
        stamp = now.strftime("%Y%m%dT%H%M%SZ")
        url = (
            f"{base}/embed-fake-assets/{upload.asset_id}?partNumber={index}&uploadId={upload.id}"
            f"&X-Amz-Date={stamp}&X-Amz-Expires={int(self.settings.url_lifetime)}&X-Amz-Signature={token}"
        )
        issued = IssuedUrl(token, upload.id, index, url, now, expires)
        self.urls[token] = issued
        return issued

    def expire_urls(self, now: datetime, upload_id: str | None = None) -> int:
        """Make every URL issued so far (of one upload, or all) expired now; returns how many were live."""
        count = 0
        for issued in self.urls.values():
            if upload_id in (None, issued.upload_id) and issued.expires_at > now:
                issued.expires_at = now
                count += 1
        return count

    def report(
        self, upload: FakeUpload, items: list[Mapping[str, Any]], now: datetime, processing_seconds: float
    ) -> tuple[int, int]:
        """Record a batch of completed chunks (all or nothing); returns (processed, duplicates)."""
        if upload.completed_at is None:
            self.require_active(upload, now)
        fresh: dict[int, str] = {}
        duplicates = 0
        for position, item in enumerate(items):
            where = f"completed_chunks[{position}]"
            index = int(item["chunk_index"])
            if index > upload.total_chunks:
                raise ApiError(
                    400,
                    "parameter_invalid",
                    f"{where}.chunk_index {index} is beyond total_chunks ({upload.total_chunks}).",
                )
            record = upload.chunks.get(index)
            if (record is not None and record.reported_at is not None) or index in fresh:
                duplicates += 1
                continue
            if record is None or record.etag is None:
                raise ApiError(400, "parameter_invalid", f"{where}: chunk {index} has not been uploaded.")
            proof = str(item["proof"]).strip()
            if proof.startswith('"') and proof.endswith('"') and len(proof) >= 2:
                proof = proof[1:-1]
            if proof.lower() != record.etag:
                raise ApiError(400, "parameter_invalid", f"{where}.proof does not match the ETag of chunk {index}.")
            size = int(item["chunk_size"])
            expected = upload.expected_size(index)
            if size != expected or record.size != expected:
                raise ApiError(
                    400,
                    "parameter_invalid",
                    f"{where}.chunk_size is {size}; chunk {index} must have {expected} bytes "
                    f"({record.size} were received).",
                )
            fresh[index] = record.etag
        for index, etag in fresh.items():
            record = upload.chunks[index]
            record.reported_at = now
            record.reported_etag = etag
            record.updated_at = now
        if fresh:
            upload.updated_at = now
        if upload.completed_at is None and upload.reported == upload.total_chunks:
            upload.completed_at = now
            asset = self.assets.get(upload.asset_id)
            if asset is not None and not asset.deleted:
                asset.ready_at = now + timedelta(seconds=processing_seconds)
                asset.size = upload.total_size
                if self.settings.keep_chunk_bytes:
                    asset.data = upload.data()
        return len(fresh), duplicates

    # ------------------------------------------------------------------ identifiers

    @staticmethod
    def token(seed: int, counter: int) -> str:
        return hashlib.blake2b(f"{seed}:url:{counter}".encode(), digest_size=16).hexdigest()
