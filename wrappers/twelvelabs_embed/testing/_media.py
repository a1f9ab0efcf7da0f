"""What media a request names: its duration, and whether it can be fetched (decided by the test's settings)."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from ._models import Media, media_from_url
from ._parsing import Upload, bad

if TYPE_CHECKING:
    from ._clock import Clock
    from ._fake import EmbedFake

__all__ = ["BASE64_LIMIT", "MediaResolver", "media_metadata"]

#: The largest decoded `base64_string` a v2 media source may carry.
BASE64_LIMIT: Final = 36 * 1024 * 1024


def media_metadata(media: Media) -> dict[str, Any]:
    """The `input_url` / `input_filename` part of a metadata object."""
    meta: dict[str, Any] = {}
    if media.input_url is not None:
        meta["input_url"] = media.input_url
    if media.input_filename is not None:
        meta["input_filename"] = media.input_filename
    return meta


class MediaResolver:
    """Media of URLs, uploads and v2 media sources, by the durations configured on one fake."""

    def __init__(self, fake: EmbedFake[Clock]) -> None:
        self.fake = fake

    def url(self, url: str) -> Media:
        return media_from_url(url, default_duration=self.fake.url_duration, durations=self.fake.media_durations)

    def upload(self, upload: Upload) -> Media:
        durations = self.fake.media_durations
        duration = (durations.get(upload.filename) if upload.filename else None) or self.fake.upload_duration
        return Media(duration=duration, input_filename=upload.filename)

    def url_or_upload(self, url: object, upload: Upload | None) -> Media:
        """Media of a legacy form's `*_url` field if given, else of its file (an empty one if neither)."""
        return self.url(str(url)) if url is not None else self.upload(upload or Upload(b"", None))

    def source(self, source: Mapping[str, Any], field: str) -> Media:
        """Media of a v2 `MediaSource` (exactly one of url / base64_string / asset_id)."""
        given = [key for key in ("url", "base64_string", "asset_id") if key in source]
        if len(given) != 1:
            bad(field, f"The {field} parameter needs exactly one of url, base64_string or asset_id.")
        if "url" in source:
            return self.url(str(source["url"]))
        if "base64_string" in source:
            try:
                data = base64.b64decode(str(source["base64_string"]), validate=True)
            except (binascii.Error, ValueError):
                bad(f"{field}.base64_string", f"The {field}.base64_string parameter is not valid base64.")
            if len(data) > BASE64_LIMIT:
                bad(f"{field}.base64_string", "The decoded media exceeds 36 MB; use url or asset_id.")
            kind = "pdf" if data.startswith(b"%PDF") else "text"
            sentences = str(max(1, len(re.findall(rb"[.!?](\s|$)", data))))
            return Media(duration=self.fake.upload_duration, hints={"kind": kind, "sentences": sentences})
        return self.fake.asset_media(str(source["asset_id"]), field)  # an uploaded asset, or a 400
