"""Build the generated request models from validated arguments (shared by sync and async clients)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

from twelvelabs_embed_generated.models import (
    AssetEmbeddingScope,
    AsyncAudioInputRequest,
    AsyncDocumentInputRequest,
    AsyncEmbeddingScope,
    AsyncImageInputRequest,
    AsyncInputType,
    AsyncVideoInputRequest,
    AudioEmbeddingOption,
    AudioInputRequest,
    CreateEmbeddingsRequest,
    CreateEmbeddingTaskRequest,
    CreateLegacyEmbeddingForm,
    CreateVideoEmbeddingTaskForm,
    DocumentEmbeddingOption,
    DocumentEmbeddingScope,
    DocumentSegmentation,
    DynamicSegmentation,
    DynamicSegmentationParams,
    DynamicSegmentationStrategy,
    EmbeddingScope,
    EmbeddingType,
    FixedSegmentation,
    FixedSegmentationParams,
    FixedSegmentationStrategy,
    ImageEmbeddingOption,
    ImageInputRequest,
    LegacyEmbeddingOption,
    LegacyEmbeddingScope,
    MediaSource,
    ModelNameV2,
    MultiInputMediaSource,
    MultiInputMediaType,
    MultiInputRequest,
    SeparateEmbeddingType,
    SequentialSegmentation,
    SequentialStrategy,
    SpatialSegmentation,
    SpatialStrategy,
    SyncInputType,
    TaskStatus,
    TemporalSegmentation,
    TextImageInputRequest,
    TextInputRequest,
    TimeBasedMetadataEntry,
    VideoEmbeddingOption,
    VideoInputRequest,
)
from twelvelabs_embed_generated.types import UNSET, File, Unset

from . import _validation as v
from ._errors import ValidationError

__all__ = [
    "LegacyEmbedRequest",
    "LegacyTaskRequest",
    "ListFilters",
    "dynamic_segments",
    "fixed_segments",
    "legacy_embed_form",
    "legacy_task_form",
    "list_filters",
    "v2_embed_request",
    "v2_task_request",
]

Segmentation = FixedSegmentation | DynamicSegmentation | TemporalSegmentation | Mapping[str, Any]


def fixed_segments(duration_sec: int = 6) -> FixedSegmentation:
    """Fixed-length segments of `duration_sec` seconds (2-10)."""
    duration = v.in_range("segmentation.fixed.duration_sec", duration_sec, v.FIXED_DURATION, integer=True)
    return FixedSegmentation(
        strategy=FixedSegmentationStrategy.FIXED, fixed=FixedSegmentationParams(duration_sec=duration)
    )


def dynamic_segments(min_duration_sec: int = 4) -> DynamicSegmentation:
    """Scene-based segments of at least `min_duration_sec` seconds (2-5); video only."""
    minimum = v.in_range(
        "segmentation.dynamic.min_duration_sec", min_duration_sec, v.DYNAMIC_MIN_DURATION, integer=True
    )
    return DynamicSegmentation(
        strategy=DynamicSegmentationStrategy.DYNAMIC, dynamic=DynamicSegmentationParams(min_duration_sec=minimum)
    )


def _unset(value: Any) -> Any:
    return UNSET if value is None else value


# ---------------------------------------------------------------- legacy
def _whole(value: float | None) -> float | None:
    """A whole number as an int, so a multipart form sends `6`, not `6.0` (a strict server refuses the
    latter for `video_clip_length`, typed `number, format: integer` in the official spec)."""
    return int(value) if value is not None and float(value).is_integer() else value


@dataclass(frozen=True)
class LegacyTaskRequest:
    """The checked arguments of `POST /embed/tasks`; `open()` gives the form with its file open."""

    fields: dict[str, Any]
    upload: v.LocalFile | None

    @contextmanager
    def open(self) -> Iterator[CreateVideoEmbeddingTaskForm]:
        with v.open_upload(self.upload) as payload:
            yield CreateVideoEmbeddingTaskForm(
                **self.fields,
                video_file=UNSET if payload is None or self.upload is None else _file(payload, self.upload),
            )


def _file(payload: v.UploadReader, upload: v.LocalFile) -> File:
    return File(payload=payload, file_name=upload.name)  # type: ignore[arg-type]  # File wants BinaryIO


def legacy_task_form(
    *,
    model_name: Any,
    video_file: Any,
    video_url: Any,
    video_start_offset_sec: Any,
    video_end_offset_sec: Any,
    video_clip_length: Any,
    video_embedding_scope: Any,
) -> LegacyTaskRequest:
    """Validate the arguments of `POST /embed/tasks` (the file is checked, not opened)."""
    model = v.text("model_name", model_name)
    if (video_file is None) == (video_url is None):
        which = "none was given" if video_file is None else "both were given"
        raise ValidationError("video_file / video_url", f"give exactly one of a local file or a URL; {which}")
    url = v.http_url("video_url", video_url) if video_url is not None else None
    clip = v.in_range("video_clip_length", video_clip_length, v.CLIP_LENGTH) if video_clip_length is not None else None
    start, end = v.offsets(
        "video_start_offset_sec",
        video_start_offset_sec,
        "video_end_offset_sec",
        video_end_offset_sec,
        min_span=clip if clip is not None else v.DEFAULT_CLIP_LENGTH,
        together=True,
    )
    scopes = (
        v.many_of("video_embedding_scope", video_embedding_scope, LegacyEmbeddingScope)
        if video_embedding_scope is not None
        else None
    )
    upload = v.upload("video_file", video_file, max_bytes=v.LEGACY_UPLOAD_MAX_BYTES) if video_file is not None else None
    fields = {
        "model_name": model,
        "video_url": _unset(url),
        "video_start_offset_sec": _unset(_whole(start)),
        "video_end_offset_sec": _unset(_whole(end)),
        "video_clip_length": _unset(_whole(clip)),
        "video_embedding_scope": _unset(scopes),
    }
    return LegacyTaskRequest(fields, upload)


@dataclass(frozen=True)
class LegacyEmbedRequest:
    """The checked arguments of the legacy sync `POST /embed`; `open()` gives the form with its files open."""

    fields: dict[str, Any]
    image: v.LocalFile | None
    audio: v.LocalFile | None

    @contextmanager
    def open(self) -> Iterator[CreateLegacyEmbeddingForm]:
        with v.open_upload(self.image) as image, v.open_upload(self.audio) as audio:
            yield CreateLegacyEmbeddingForm(
                **self.fields,
                image_file=UNSET if image is None or self.image is None else _file(image, self.image),
                audio_file=UNSET if audio is None or self.audio is None else _file(audio, self.audio),
            )


def legacy_embed_form(
    *,
    model_name: Any,
    text: Any,
    image_url: Any,
    image_file: Any,
    audio_url: Any,
    audio_file: Any,
    audio_start_offset_sec: Any,
) -> LegacyEmbedRequest:
    """Validate the arguments of the legacy sync `POST /embed` (files are checked, not opened)."""
    model = v.text("model_name", model_name)
    if text is None and image_url is None and image_file is None and audio_url is None and audio_file is None:
        raise ValidationError("text / image_url / image_file / audio_url / audio_file", "give at least one input")
    if image_url is not None and image_file is not None:
        raise ValidationError("image_url / image_file", "give one image source, not both")
    if audio_url is not None and audio_file is not None:
        raise ValidationError("audio_url / audio_file", "give one audio source, not both")
    body_text = v.text("text", text) if text is not None else None
    img_url = v.http_url("image_url", image_url) if image_url is not None else None
    aud_url = v.http_url("audio_url", audio_url) if audio_url is not None else None
    offset = (
        v.number("audio_start_offset_sec", audio_start_offset_sec, minimum=0)
        if audio_start_offset_sec is not None
        else None
    )
    if offset is not None and audio_url is None and audio_file is None:
        raise ValidationError("audio_start_offset_sec", "only applies to an audio input (audio_url or audio_file)")
    img = v.upload("image_file", image_file, max_bytes=v.BASE64_IMAGE_MAX_BYTES) if image_file is not None else None
    aud = v.upload("audio_file", audio_file, max_bytes=v.LEGACY_UPLOAD_MAX_BYTES) if audio_file is not None else None
    fields = {
        "model_name": model,
        "text": _unset(body_text),
        "image_url": _unset(img_url),
        "audio_url": _unset(aud_url),
        "audio_start_offset_sec": _unset(_whole(offset)),
    }
    return LegacyEmbedRequest(fields, img, aud)


@dataclass(frozen=True)
class ListFilters:
    """The checked filters of either list endpoint, as the generated request builders take them."""

    status: TaskStatus | Unset
    started_at: dt.datetime | Unset
    ended_at: dt.datetime | Unset
    page: int
    page_limit: int


def list_filters(*, status: Any, started_at: Any, ended_at: Any, page: Any = 1, page_limit: Any) -> ListFilters:
    """Validate the filters of either list endpoint."""
    first, limit = v.page_args(page, page_limit)
    start = v.timestamp("started_at", started_at) if started_at is not None else None
    end = v.timestamp("ended_at", ended_at) if ended_at is not None else None
    if start is not None and end is not None and end <= start:
        raise ValidationError("ended_at", f"must be after started_at ({start.isoformat()})", ended_at)
    return ListFilters(
        status=v.one_of("status", status, TaskStatus) if status is not None else UNSET,
        started_at=UNSET if start is None else start,
        ended_at=UNSET if end is None else end,
        page=first,
        page_limit=limit,
    )


def legacy_embedding_options(embedding_option: Any) -> list[LegacyEmbeddingOption] | Unset:
    if embedding_option is None:
        return UNSET
    return v.many_of("embedding_option", embedding_option, LegacyEmbeddingOption)


# ---------------------------------------------------------------- v2 shared pieces
def _model(model_name: Any) -> ModelNameV2:
    return v.one_of("model_name", model_name, ModelNameV2)


def media_source(
    *, url: Any, base64_string: Any, asset_id: Any, max_decoded_bytes: int, prefix: str = ""
) -> MediaSource:
    """Exactly one of url / base64_string / asset_id, each checked."""
    which = v.exactly_one({"url": url, "base64_string": base64_string, "asset_id": asset_id}, prefix=prefix)
    if which == "url":
        return MediaSource(url=v.http_url(f"{prefix}url", url))
    if which == "base64_string":
        return MediaSource(
            base64_string=v.base64_payload(f"{prefix}base64_string", base64_string, max_decoded_bytes=max_decoded_bytes)
        )
    return MediaSource(asset_id=v.task_id(asset_id, f"{prefix}asset_id"))


def _segmentation(value: Segmentation, *, kind: Literal["audio", "video"], model: ModelNameV2, sync: bool) -> Any:
    """Check a segmentation and put it in the shape the model expects (marengo3.5 wraps it in `temporal`)."""
    field = "segmentation"
    temporal = False
    inner: Any
    if isinstance(value, TemporalSegmentation):
        temporal, inner = True, value.temporal.to_dict()
    elif isinstance(value, FixedSegmentation | DynamicSegmentation):
        inner = value.to_dict()
    elif isinstance(value, Mapping):
        if set(value) == {"temporal"}:
            temporal, inner = True, value["temporal"]
            field = "segmentation.temporal"
        else:
            inner = value
    else:
        raise ValidationError(field, "must be fixed_segments(...), dynamic_segments(...) or a segmentation dict", value)
    if not isinstance(inner, Mapping):
        raise ValidationError(field, "must be a mapping with 'strategy'", inner)
    strategy = inner.get("strategy")
    if strategy == "fixed":
        params = inner.get("fixed")
        if not isinstance(params, Mapping) or "duration_sec" not in params or set(inner) - {"strategy", "fixed"}:
            raise ValidationError(f"{field}.fixed", "must be {'duration_sec': <2-10>}", inner)
        built: FixedSegmentation | DynamicSegmentation = fixed_segments(params["duration_sec"])
    elif strategy == "dynamic":
        params = inner.get("dynamic")
        if not isinstance(params, Mapping) or "min_duration_sec" not in params or set(inner) - {"strategy", "dynamic"}:
            raise ValidationError(f"{field}.dynamic", "must be {'min_duration_sec': <2-5>}", inner)
        built = dynamic_segments(params["min_duration_sec"])
    else:
        raise ValidationError(f"{field}.strategy", f"must be 'fixed' or 'dynamic', got {strategy!r}", inner)
    if model.value == v.MARENGO_35:
        if sync:
            raise ValidationError("model_name", "marengo3.5 accepts only input_type 'multi_input' in sync requests")
        return TemporalSegmentation(temporal=built)
    if temporal:
        raise ValidationError(field, "temporal segmentation needs model_name 'marengo3.5'")
    if kind == "audio" and isinstance(built, DynamicSegmentation):
        raise ValidationError("segmentation.strategy", "audio supports only 'fixed' segmentation with marengo3.0")
    return built


def _options(field: str, values: Any, enum: Any, model: ModelNameV2) -> Any:
    if values is None:
        return UNSET
    items = v.many_of(field, values, enum)
    if model.value == v.MARENGO_35 and any(i.value == "transcription" for i in items):
        raise ValidationError(field, "'transcription' is marengo3.0 only; with marengo3.5 'audio' covers speech")
    return items


def _time_metadata(entries: Any) -> list[TimeBasedMetadataEntry]:
    if not isinstance(entries, Sequence) or isinstance(entries, str) or not entries:
        raise ValidationError("time_based_metadata", "must be a non-empty list of {start, end, text}", entries)
    out = []
    for i, entry in enumerate(entries):
        f = f"time_based_metadata[{i}]"
        if not isinstance(entry, Mapping) or set(entry) != {"start", "end", "text"}:
            raise ValidationError(f, "must have exactly the keys start, end and text", entry)
        start = v.number(f"{f}.start", entry["start"], minimum=0)
        end = v.number(f"{f}.end", entry["end"], minimum=0)
        if end < start:
            raise ValidationError(f"{f}.end", f"must be >= start ({start:g})", entry["end"])
        out.append(TimeBasedMetadataEntry(start=start, end=end, text=v.text(f"{f}.text", entry["text"])))
    return out


# ---------------------------------------------------------------- v2 async tasks
def v2_task_request(
    *,
    input_type: Any,
    model_name: Any,
    url: Any,
    base64_string: Any,
    asset_id: Any,
    start_sec: Any,
    end_sec: Any,
    segmentation: Any,
    embedding_option: Any,
    embedding_scope: Any,
    embedding_type: Any,
    time_based_metadata: Any,
    document_segmentation: Any,
    embedding_uncertainty: Any,
    embedding_dimension: Any,
) -> CreateEmbeddingTaskRequest:
    """Validate the arguments of `POST /embed-v2/tasks` and build its body."""
    kind = v.one_of("input_type", input_type, AsyncInputType)
    model = _model(model_name)
    is35 = model.value == v.MARENGO_35
    if kind.value in ("document", "image") and not is35:
        raise ValidationError("input_type", f"'{kind.value}' needs model_name 'marengo3.5'")
    if embedding_dimension is not None:
        if not is35:
            raise ValidationError("embedding_dimension", "is marengo3.5 only")
        embedding_dimension = v.in_range(
            "embedding_dimension", embedding_dimension, v.EMBEDDING_DIMENSION, integer=True
        )
    if embedding_uncertainty is not None:
        v.boolean("embedding_uncertainty", embedding_uncertainty)
        if not is35:
            raise ValidationError("embedding_uncertainty", "is marengo3.5 only")
    if kind.value != "document" and document_segmentation is not None:
        raise ValidationError("document_segmentation", "applies only to input_type 'document'")
    if kind.value in ("document", "image") and (
        start_sec is not None or end_sec is not None or segmentation is not None
    ):
        raise ValidationError("start_sec / end_sec / segmentation", f"do not apply to input_type '{kind.value}'")
    limit = {
        "audio": v.BASE64_AV_MAX_BYTES,
        "video": v.BASE64_AV_MAX_BYTES,
        "image": v.BASE64_IMAGE_MAX_BYTES,
        "document": v.BASE64_DOCUMENT_MAX_BYTES,
    }[kind.value]
    source = media_source(url=url, base64_string=base64_string, asset_id=asset_id, max_decoded_bytes=limit)
    body = CreateEmbeddingTaskRequest(input_type=kind, model_name=model)
    if embedding_dimension is not None:
        body.embedding_dimension = embedding_dimension
    if embedding_uncertainty is not None:
        body.embedding_uncertainty = embedding_uncertainty

    if kind.value in ("audio", "video"):
        start, end = v.offsets("start_sec", start_sec, "end_sec", end_sec)
        option_enum = AudioEmbeddingOption if kind.value == "audio" else VideoEmbeddingOption
        options = _options("embedding_option", embedding_option, option_enum, model)
        scopes = (
            v.many_of(
                "embedding_scope",
                embedding_scope,
                AsyncEmbeddingScope,
                allowed=["clip", "asset", "local"] if is35 else ["clip", "asset"],
            )
            if embedding_scope is not None
            else UNSET
        )
        types = v.many_of("embedding_type", embedding_type, EmbeddingType) if embedding_type is not None else UNSET
        fused = not isinstance(types, Unset) and any(t.value == "fused_embedding" for t in types)
        if fused and not is35 and (isinstance(options, Unset) is False and len(options) < 2):
            raise ValidationError("embedding_type", "'fused_embedding' needs at least two embedding_option values")
        metadata: list[TimeBasedMetadataEntry] | Unset = UNSET
        if time_based_metadata is not None:
            if not is35:
                raise ValidationError("time_based_metadata", "is marengo3.5 only")
            if not fused:
                raise ValidationError("time_based_metadata", "needs embedding_type to include 'fused_embedding'")
            metadata = _time_metadata(time_based_metadata)
        elif fused and is35:
            raise ValidationError("embedding_type", "'fused_embedding' with marengo3.5 needs time_based_metadata")
        if body.embedding_uncertainty is True and (
            isinstance(scopes, Unset) or any(s.value == "asset" for s in scopes)
        ):
            raise ValidationError(
                "embedding_scope", "embedding_uncertainty needs embedding_scope without 'asset' (e.g. ['clip'])"
            )
        av_kind: Literal["audio", "video"] = "audio" if kind.value == "audio" else "video"
        seg = _segmentation(segmentation, kind=av_kind, model=model, sync=False) if segmentation is not None else UNSET
        common: dict[str, Any] = {
            "media_source": source,
            "start_sec": _unset(start),
            "end_sec": _unset(end),
            "segmentation": seg,
            "embedding_option": options,
            "embedding_scope": scopes,
            "embedding_type": types,
            "time_based_metadata": metadata,
        }
        if kind.value == "audio":
            body.audio = AsyncAudioInputRequest(**common)
        else:
            body.video = AsyncVideoInputRequest(**common)
        return body

    if time_based_metadata is not None:
        raise ValidationError("time_based_metadata", f"does not apply to input_type '{kind.value}'")
    if kind.value == "image":
        body.image = AsyncImageInputRequest(
            media_source=source,
            embedding_option=[v.one_of("embedding_option", o, ImageEmbeddingOption) for o in _list(embedding_option)]
            if embedding_option is not None
            else UNSET,
            embedding_type=[v.one_of("embedding_type", t, SeparateEmbeddingType) for t in _list(embedding_type)]
            if embedding_type is not None
            else UNSET,
            embedding_scope=[v.one_of("embedding_scope", s, AssetEmbeddingScope) for s in _list(embedding_scope)]
            if embedding_scope is not None
            else UNSET,
        )
        return body

    # document
    options = (
        v.many_of("embedding_option", embedding_option, DocumentEmbeddingOption)
        if embedding_option is not None
        else UNSET
    )
    doc_scopes = (
        v.many_of("embedding_scope", embedding_scope, DocumentEmbeddingScope) if embedding_scope is not None else UNSET
    )
    doc_types = (
        v.many_of("embedding_type", embedding_type, EmbeddingType, allowed=["separate_embedding"])
        if embedding_type is not None
        else UNSET
    )
    body.document = AsyncDocumentInputRequest(
        media_source=source,
        segmentation=_document_segmentation(document_segmentation) if document_segmentation is not None else UNSET,
        embedding_option=options,
        embedding_scope=doc_scopes,
        embedding_type=doc_types,
    )
    return body


def _list(value: Any) -> list[Any]:
    return [value] if isinstance(value, str) else list(value)


def _document_segmentation(value: Any) -> DocumentSegmentation:
    if not isinstance(value, Mapping) or not value or set(value) - {"spatial", "sequential"}:
        raise ValidationError("document_segmentation", "must be {'spatial': {...}} and/or {'sequential': {...}}", value)
    seg = DocumentSegmentation()
    if "spatial" in value:
        spatial = value["spatial"]
        if not isinstance(spatial, Mapping):
            raise ValidationError("document_segmentation.spatial", "must be {'strategy': 'standard'|'quadrants'}")
        seg.spatial = SpatialSegmentation(
            strategy=v.one_of(
                "document_segmentation.spatial.strategy", spatial.get("strategy", "standard"), SpatialStrategy
            )
        )
    if "sequential" in value:
        seq = value["sequential"]
        if not isinstance(seq, Mapping):
            raise ValidationError("document_segmentation.sequential", "must be a mapping")
        f = "document_segmentation.sequential"
        max_s = seq.get("max_sentences")
        if isinstance(max_s, bool) or not isinstance(max_s, int) or max_s < 1:
            raise ValidationError(f"{f}.max_sentences", f"must be a whole number >= 1, got {max_s!r}", max_s)
        overlap = seq.get("overlap_sentences", 0)
        if isinstance(overlap, bool) or not isinstance(overlap, int) or not 0 <= overlap < max_s:
            raise ValidationError(
                f"{f}.overlap_sentences",
                f"must be a whole number from 0 to max_sentences - 1, got {overlap!r}",
                overlap,
            )
        seg.sequential = SequentialSegmentation(
            strategy=v.one_of(f"{f}.strategy", seq.get("strategy", "sentence"), SequentialStrategy),
            max_sentences=max_s,
            overlap_sentences=overlap,
        )
    return seg


# ---------------------------------------------------------------- v2 sync embeddings
def v2_embed_request(
    *,
    input_type: Any,
    model_name: Any,
    text: Any,
    url: Any,
    base64_string: Any,
    asset_id: Any,
    start_sec: Any,
    end_sec: Any,
    segmentation: Any,
    embedding_option: Any,
    embedding_scope: Any,
    embedding_type: Any,
    media_sources: Any,
    auto_truncate: Any,
    embedding_uncertainty: Any,
    embedding_dimension: Any,
) -> CreateEmbeddingsRequest:
    """Validate the arguments of the sync `POST /embed-v2` and build its body."""
    kind = v.one_of("input_type", input_type, SyncInputType)
    model = _model(model_name)
    is35 = model.value == v.MARENGO_35
    if is35 and kind.value != "multi_input":
        raise ValidationError("input_type", "marengo3.5 accepts only 'multi_input' in sync requests")
    for name, value in (("auto_truncate", auto_truncate), ("embedding_uncertainty", embedding_uncertainty)):
        if value is not None:
            v.boolean(name, value)
            if not is35:
                raise ValidationError(name, "is marengo3.5 only")
    if embedding_dimension is not None:
        if not is35:
            raise ValidationError("embedding_dimension", "is marengo3.5 only")
        embedding_dimension = v.in_range(
            "embedding_dimension", embedding_dimension, v.EMBEDDING_DIMENSION, integer=True
        )
    body = CreateEmbeddingsRequest(
        input_type=kind,
        model_name=model,
        auto_truncate=_unset(auto_truncate),
        embedding_uncertainty=_unset(embedding_uncertainty),
        embedding_dimension=_unset(embedding_dimension),
    )
    has_media = url is not None or base64_string is not None or asset_id is not None
    av_only = (
        ("start_sec", start_sec),
        ("end_sec", end_sec),
        ("segmentation", segmentation),
        ("embedding_option", embedding_option),
        ("embedding_scope", embedding_scope),
        ("embedding_type", embedding_type),
    )
    if kind.value not in ("audio", "video"):
        for name, value in av_only:
            if value is not None:
                raise ValidationError(name, f"applies only to input_type 'audio' or 'video', not {kind.value!r}")
    if kind.value != "multi_input" and media_sources is not None:
        raise ValidationError("media_sources", "applies only to input_type 'multi_input'")
    if kind.value == "text":
        if has_media:
            raise ValidationError("url / base64_string / asset_id", "input_type 'text' takes no media source")
        body.text = TextInputRequest(input_text=v.text("text", text) if text is not None else _missing("text"))
    elif kind.value in ("image", "text_image"):
        source = media_source(
            url=url, base64_string=base64_string, asset_id=asset_id, max_decoded_bytes=v.BASE64_IMAGE_MAX_BYTES
        )
        if kind.value == "image":
            if text is not None:
                raise ValidationError("text", "input_type 'image' takes no text; use 'text_image'")
            body.image = ImageInputRequest(media_source=source)
        else:
            body.text_image = TextImageInputRequest(
                media_source=source, input_text=v.text("text", text) if text is not None else _missing("text")
            )
    elif kind.value in ("audio", "video"):
        if text is not None:
            raise ValidationError("text", f"input_type {kind.value!r} takes no text")
        source = media_source(
            url=url, base64_string=base64_string, asset_id=asset_id, max_decoded_bytes=v.BASE64_AV_MAX_BYTES
        )
        start, end = v.offsets("start_sec", start_sec, "end_sec", end_sec)
        option_enum = AudioEmbeddingOption if kind.value == "audio" else VideoEmbeddingOption
        common: dict[str, Any] = {
            "media_source": source,
            "start_sec": _unset(start),
            "end_sec": _unset(end),
            "segmentation": _segmentation(
                segmentation, kind="audio" if kind.value == "audio" else "video", model=model, sync=True
            )
            if segmentation is not None
            else UNSET,
            "embedding_option": _options("embedding_option", embedding_option, option_enum, model),
            "embedding_scope": v.many_of("embedding_scope", embedding_scope, EmbeddingScope)
            if embedding_scope is not None
            else UNSET,
            "embedding_type": v.many_of("embedding_type", embedding_type, EmbeddingType)
            if embedding_type is not None
            else UNSET,
        }
        if kind.value == "audio":
            body.audio = AudioInputRequest(**common)
        else:
            body.video = VideoInputRequest(**common)
    else:  # multi_input
        if has_media:
            raise ValidationError("url / base64_string / asset_id", "multi_input takes its media in media_sources")
        body.multi_input = _multi_input(text, media_sources, is35)
    return body


def _missing(field: str) -> Any:
    raise ValidationError(field, "is required for this input_type")


def _multi_input(text: Any, media_sources: Any, is35: bool) -> MultiInputRequest:
    request = MultiInputRequest()
    if text is not None:
        request.input_text = v.text("text", text)
    if media_sources is None:
        if text is None:
            raise ValidationError("text / media_sources", "multi_input needs input text, media sources, or both")
        return request
    if not isinstance(media_sources, Sequence) or isinstance(media_sources, str) or not media_sources:
        raise ValidationError("media_sources", "must be a non-empty list of sources", media_sources)
    if len(media_sources) > v.MULTI_INPUT_MAX_SOURCES:
        raise ValidationError(
            "media_sources", f"at most {v.MULTI_INPUT_MAX_SOURCES} sources (MultiInputRequest.media_sources)"
        )
    sources = []
    for i, item in enumerate(media_sources):
        f = f"media_sources[{i}]"
        if not isinstance(item, Mapping):
            raise ValidationError(f, "must be a mapping with media_type and one of url/base64_string/asset_id", item)
        unknown = set(item) - {"media_type", "name", "url", "base64_string", "asset_id"}
        if unknown:
            raise ValidationError(f, f"unknown keys {sorted(unknown)}", item)
        media_type = v.one_of(f"{f}.media_type", item.get("media_type"), MultiInputMediaType)
        if media_type.value != "image" and not is35:
            raise ValidationError(f"{f}.media_type", f"'{media_type.value}' sources need model_name 'marengo3.5'")
        source = media_source(
            url=item.get("url"),
            base64_string=item.get("base64_string"),
            asset_id=item.get("asset_id"),
            max_decoded_bytes=v.BASE64_IMAGE_MAX_BYTES,
            prefix=f"{f}.",
        )
        sources.append(
            MultiInputMediaSource(
                media_type=media_type,
                name=v.text(f"{f}.name", item["name"]) if item.get("name") is not None else UNSET,
                url=source.url,
                base64_string=source.base64_string,
                asset_id=source.asset_id,
            )
        )
    request.media_sources = sources
    return request
