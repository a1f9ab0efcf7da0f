"""Argument types of the public methods: the spec's closed sets as `Literal`s (or the generated enums).

Each alias accepts the wire string or the generated Enum member, so `"video"` and
`AsyncInputType.VIDEO` are both well typed. The validation in `_requests` checks the same sets at
run time (for callers without a type checker) and names the field and the rule when one is off.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping, Sequence
from typing import IO, Any, Literal, TypeAlias

from twelvelabs_embed_generated.models import (
    AssetEmbeddingScope,
    AsyncEmbeddingScope,
    AsyncInputType,
    AudioEmbeddingOption,
    DocumentEmbeddingOption,
    DocumentEmbeddingScope,
    DynamicSegmentation,
    EmbeddingScope,
    EmbeddingType,
    FixedSegmentation,
    ImageEmbeddingOption,
    LegacyEmbeddingOption,
    LegacyEmbeddingScope,
    ModelNameV2,
    SyncInputType,
    TaskStatus,
    TemporalSegmentation,
    VideoEmbeddingOption,
)

__all__ = [
    "EmbeddingOptionArg",
    "EmbeddingScopeArg",
    "EmbeddingTypeArg",
    "FileArg",
    "LegacyEmbeddingOptionArg",
    "LegacyScopeArg",
    "ModelNameArg",
    "SegmentationArg",
    "StatusArg",
    "SyncInputTypeArg",
    "TaskInputTypeArg",
    "TimestampArg",
]


#: `input_type` of `POST /embed-v2/tasks` (AsyncInputType).
TaskInputTypeArg: TypeAlias = Literal["audio", "video", "image", "document"] | AsyncInputType
#: `input_type` of `POST /embed-v2` (SyncInputType).
SyncInputTypeArg: TypeAlias = Literal["text", "image", "text_image", "audio", "video", "multi_input"] | SyncInputType
#: v2 `model_name` (ModelNameV2).
ModelNameArg: TypeAlias = Literal["marengo3.0", "marengo3.5"] | ModelNameV2

_Option: TypeAlias = (
    Literal["visual", "audio", "transcription", "text"]
    | VideoEmbeddingOption
    | AudioEmbeddingOption
    | ImageEmbeddingOption
    | DocumentEmbeddingOption
)
#: v2 `embedding_option`: one value or a list (which values apply depends on `input_type`).
EmbeddingOptionArg: TypeAlias = _Option | Sequence[_Option]

_Scope: TypeAlias = (
    Literal["clip", "asset", "local"]
    | EmbeddingScope
    | AsyncEmbeddingScope
    | AssetEmbeddingScope
    | DocumentEmbeddingScope
)
#: v2 `embedding_scope`: one value or a list.
EmbeddingScopeArg: TypeAlias = _Scope | Sequence[_Scope]

_Type: TypeAlias = Literal["separate_embedding", "fused_embedding"] | EmbeddingType
#: v2 `embedding_type`: one value or a list.
EmbeddingTypeArg: TypeAlias = _Type | Sequence[_Type]

#: v2 `segmentation`: `fixed_segments(...)`, `dynamic_segments(...)`, a model, or its dict form.
SegmentationArg: TypeAlias = FixedSegmentation | DynamicSegmentation | TemporalSegmentation | Mapping[str, Any]

_LegacyOption: TypeAlias = Literal["visual-text", "visual", "audio", "transcription"] | LegacyEmbeddingOption
#: legacy `embedding_option` filter of a retrieve: one value or a list.
LegacyEmbeddingOptionArg: TypeAlias = _LegacyOption | Sequence[_LegacyOption]

_LegacyScope: TypeAlias = Literal["clip", "video"] | LegacyEmbeddingScope
#: legacy `video_embedding_scope`: one value or a list.
LegacyScopeArg: TypeAlias = _LegacyScope | Sequence[_LegacyScope]

#: The `status` filter of a task listing (TaskStatus).
StatusArg: TypeAlias = Literal["processing", "ready", "failed"] | TaskStatus

#: A listing's `started_at` / `ended_at`: a datetime (naive is taken as UTC) or an RFC 3339 string.
TimestampArg: TypeAlias = dt.datetime | str

#: A local upload: a path, or a binary file object opened by the caller (who keeps closing it).
FileArg: TypeAlias = str | os.PathLike[str] | IO[bytes]
