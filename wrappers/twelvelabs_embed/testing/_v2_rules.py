"""Rules shared by the v2 sync and async operations: which sibling objects may accompany `input_type`, which
fields need marengo3.5, and the audio/video plan (segments, options, scopes) with its metadata and entries."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from ._embeddings import FULL_DIMENSIONS, Span, dynamic_spans, embedding_matrix, fixed_spans
from ._media import media_metadata
from ._models import Media
from ._operations import ApiError
from ._parsing import EPS, bad

__all__ = [
    "ASYNC_SIBLINGS",
    "SYNC_SIBLINGS",
    "AVPlan",
    "av_entries",
    "av_metadata",
    "av_plan",
    "entry",
    "model_only_fields",
    "siblings",
]

#: The request objects named after an input type, for the sync and the async operation.
SYNC_SIBLINGS: Final = ("text", "image", "text_image", "audio", "video", "multi_input")
ASYNC_SIBLINGS: Final = ("audio", "video", "document", "image")


@dataclass(frozen=True)
class AVPlan:
    """A normalised audio/video request."""

    input_type: str
    media: Media
    start: float
    end: float | None
    strategy: str
    length: int
    options: tuple[str, ...]
    scopes: tuple[str, ...]
    types: tuple[str, ...]

    def window(self) -> tuple[float, float]:
        end = self.media.duration if self.end is None else min(self.end, self.media.duration)
        return self.start, end

    def spans(self) -> list[Span]:
        start, end = self.window()
        if self.strategy == "fixed":
            return fixed_spans(start, end, self.length)
        return dynamic_spans(start, end, self.length)

    def media_problem(self, *, limit: float | None, minimum: float | None) -> str | None:
        duration = self.media.duration
        if limit is not None and duration > limit + EPS:
            return (
                f"Duration ({duration:.1f} seconds) exceeds maximum limit of {limit:.0f} seconds "
                f"({int(limit // 60)} minutes)"
            )
        if minimum is not None and duration < minimum - EPS:
            return f"Duration ({duration:.1f} seconds) is below the minimum of {minimum:.0f} seconds"
        if self.start >= duration - EPS:
            return f"start_sec ({self.start:g}) is not before the end of the media ({duration:g} seconds)"
        return None


def entry(
    vector: object,
    option: str | None,
    scope: str | None,
    start: float | None,
    end: float | None,
    **extra: object,
) -> dict[str, Any]:
    """One item of a v2 `data` array."""
    item: dict[str, Any] = {
        "embedding": vector,
        "embedding_option": option,
        "embedding_scope": scope,
        "start_sec": start,
        "end_sec": end,
    }
    item.update(extra)
    return item


def siblings(body: Mapping[str, Any], input_type: str, names: Iterable[str]) -> None:
    """The object named by `input_type` is present, and no other input object is."""
    if input_type not in body:
        raise ApiError(
            400,
            "parameter_not_provided",
            f"The {input_type} parameter is required when input_type is {input_type}.",
            details={"field": input_type},
        )
    for other in names:
        if other != input_type and other in body:
            bad(other, f"The {other} parameter cannot be sent with input_type {input_type}.")


def model_only_fields(body: Mapping[str, Any], is35: bool, names: Iterable[str]) -> None:
    """The fields `names` are sent with marengo3.5 only."""
    if is35:
        return
    for name in names:
        if name in body:
            bad(name, f"The {name} parameter is only accepted with marengo3.5.")


def av_plan(body: Mapping[str, Any], input_type: str, is35: bool, media: Media) -> AVPlan:
    """The plan of the `audio`/`video` object of `body`, whose `media_source` was resolved to `media`."""
    obj: Mapping[str, Any] = body[input_type]
    field = input_type
    start = float(obj.get("start_sec", 0))
    end = obj.get("end_sec")
    if end is not None and end <= start:
        bad(f"{field}.end_sec", f"{field}.end_sec must be greater than {field}.start_sec.", value=end)
    segmentation = obj.get("segmentation")
    if segmentation is None:
        strategy, length = ("dynamic", 2) if is35 else (("fixed", 6) if input_type == "audio" else ("dynamic", 4))
    else:
        if "temporal" in segmentation:
            if not is35:
                bad(f"{field}.segmentation", "Temporal segmentation ({temporal: ...}) needs marengo3.5.")
            segmentation = segmentation["temporal"]
        elif is35:
            bad(f"{field}.segmentation", "With marengo3.5, segmentation is given as {temporal: {...}}.")
        strategy = str(segmentation["strategy"])
        params = segmentation[strategy]
        length = int(params["duration_sec"] if strategy == "fixed" else params["min_duration_sec"])
    default_options: tuple[str, ...]
    if input_type == "audio":
        default_options = ("audio",) if is35 else ("audio", "transcription")
    else:
        default_options = ("visual", "audio") if is35 else ("visual", "audio", "transcription")
    options = tuple(obj.get("embedding_option", default_options))
    if is35 and "transcription" in options:
        bad(f"{field}.embedding_option", "transcription is marengo3.0 only; with marengo3.5 audio covers speech.")
    scopes = tuple(obj.get("embedding_scope", ("clip", "asset")))
    if "local" in scopes and not is35:
        bad(f"{field}.embedding_scope", "The local scope is the marengo3.5 name of clip; use clip with marengo3.0.")
    types = tuple(obj.get("embedding_type", ("separate_embedding",)))
    time_based = obj.get("time_based_metadata")
    if "fused_embedding" in types:
        if len(options) < 2:
            bad(f"{field}.embedding_type", "fused_embedding needs at least two embedding options.")
        if is35 and not time_based:
            raise ApiError(
                400,
                "parameter_not_provided",
                f"With marengo3.5, fused_embedding needs {field}.time_based_metadata.",
                details={"field": f"{field}.time_based_metadata"},
            )
    if time_based is not None:
        if not is35:
            bad(f"{field}.time_based_metadata", "time_based_metadata is only accepted with marengo3.5.")
        if "fused_embedding" not in types:
            bad(f"{field}.time_based_metadata", "time_based_metadata needs embedding_type fused_embedding.")
        for index, item in enumerate(time_based):
            if item["end"] < item["start"]:
                bad(f"{field}.time_based_metadata[{index}].end", "end must not be less than start.")
    return AVPlan(input_type, media, start, end, strategy, length, options, scopes, types)


def _options(plan: AVPlan) -> list[str]:
    options = list(plan.options) if "separate_embedding" in plan.types else []
    if "fused_embedding" in plan.types:
        options.append("fused")
    return options


def av_metadata(plan: AVPlan, dimension: int | None) -> dict[str, Any]:
    """The `metadata` of an audio/video answer (`embedding_dimension` only when given: marengo3.5 tasks)."""
    start, end = plan.window()
    meta: dict[str, Any] = {"input_type": plan.input_type, **media_metadata(plan.media)}
    if plan.input_type == "video" and plan.strategy == "fixed":
        meta["clip_length"] = plan.length
    meta["embedding_options"] = _options(plan)
    meta["embedding_scopes"] = list(plan.scopes)
    meta["duration"] = plan.media.duration
    meta["start_offset_sec"] = start
    meta["end_offset_sec"] = round(end, 6)
    if dimension is not None:
        meta["embedding_dimension"] = dimension
    return meta


def av_entries(seed: str, plan: AVPlan, *, model: str, dimension: int, uncertainty: bool) -> list[dict[str, Any]]:
    """The `data` items of an audio/video answer: per segment per option, then per option for the asset."""
    full = FULL_DIMENSIONS[model]
    spans = plan.spans()
    options = _options(plan)
    entries: list[dict[str, Any]] = []

    def extra(key: str, rows: range) -> list[dict[str, Any]]:
        if not uncertainty:
            return [{} for _ in rows]
        values = abs(embedding_matrix(key + "|u", rows, full_dimension=full, dimension=dimension))
        return [{"embedding_uncertainty": row} for row in values]

    if "clip" in plan.scopes or "local" in plan.scopes:
        indices = range(len(spans))
        matrices = {
            o: embedding_matrix(f"{seed}|{o}|clip", indices, full_dimension=full, dimension=dimension) for o in options
        }
        extras = {o: extra(f"{seed}|{o}|clip", indices) for o in options}
        for index, (start, end) in enumerate(spans):
            for option in options:
                entries.append(entry(matrices[option][index], option, "clip", start, end, **extras[option][index]))
    if "asset" in plan.scopes:
        start, end = plan.window()
        for option in options:
            vector = embedding_matrix(f"{seed}|{option}|asset", [0], full_dimension=full, dimension=dimension)[0]
            entries.append(
                entry(vector, option, "asset", start, round(end, 6), **extra(f"{seed}|{option}|asset", range(1))[0])
            )
    return entries
