"""The API's documented size limits, in bytes, as the client enforces them (one definition each).

`BASE64_AV_MAX_BYTES`: v2 audio/video sent inline as `base64_string` (36 MB decoded; larger files go
through the Assets API). `BASE64_IMAGE_MAX_BYTES`, `BASE64_DOCUMENT_MAX_BYTES`: v2 images and documents
inline. `LEGACY_UPLOAD_MAX_BYTES`: a legacy `video_file` upload (2 GB). `DIRECT_UPLOAD_MAX_BYTES`: an asset
in one `POST /assets` (200 MB; `assets.upload` goes multipart above it). `MULTIPART_MAX_BYTES`: a
multipart asset upload (video and audio, 10 GB).
"""

from __future__ import annotations

from ._upload_plan import DIRECT_UPLOAD_MAX_BYTES, MULTIPART_MAX_BYTES
from ._validation import (
    BASE64_AV_MAX_BYTES,
    BASE64_DOCUMENT_MAX_BYTES,
    BASE64_IMAGE_MAX_BYTES,
    LEGACY_UPLOAD_MAX_BYTES,
)

__all__ = [
    "BASE64_AV_MAX_BYTES",
    "BASE64_DOCUMENT_MAX_BYTES",
    "BASE64_IMAGE_MAX_BYTES",
    "DIRECT_UPLOAD_MAX_BYTES",
    "LEGACY_UPLOAD_MAX_BYTES",
    "MULTIPART_MAX_BYTES",
]
