"""Teach schemathesis the rules openapi.yaml states only in prose, so its *positive* cases are truly valid.

Without this, most schema-valid requests break a prose rule (an unknown `model_name`, `input_type: video`
without a `video` object, ...) and the fuzzer rarely reaches a success answer, whose body conformance is
what matters most. `make_positive_valid` rewrites a positive case minimally; negative cases are left alone.
It mirrors the fake's rules on purpose: if the two drift apart, `positive_data_acceptance` fails.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

from schemathesis import Case, GenerationMode
from schemathesis.transport.serialization import contains_binary

LEGACY_MODELS = ("marengo3.0", "Marengo-retrieval-2.7")
MEDIA_URL = "https://media.example.com/clip.mp4"
SHORT_MEDIA_URL = "https://media.example.com/clip.mp4?duration=10"
SYNC_SIBLINGS = ("text", "image", "text_image", "audio", "video", "multi_input")
ASYNC_SIBLINGS = ("audio", "video", "document", "image")
MEDIA_KEYS = ("url", "base64_string", "asset_id")
IMAGE_LIMIT = 32 * 1024 * 1024  # the fake's default limit of multipart images
DEFAULT_DURATION = 60.0  # the fake's default media duration


def _valid_base64(value: object) -> bool:
    try:
        base64.b64decode(str(value), validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


def _fix_source(source: dict[str, Any], *, url: str = MEDIA_URL) -> dict[str, Any]:
    """Exactly one of url/base64_string/asset_id, a fetchable URL, decodable base64."""
    extra = {key: value for key, value in source.items() if key not in MEDIA_KEYS}
    given = [key for key in MEDIA_KEYS if key in source]
    if len(given) != 1:
        return {**extra, "url": url}
    if "url" in source and not str(source["url"]).lower().startswith(("http://", "https://")):
        return {**extra, "url": url}
    if "base64_string" in source and not _valid_base64(source["base64_string"]):
        return {**extra, "base64_string": "AAAA"}
    return source


def _fix_av(obj: dict[str, Any], input_type: str, *, is35: bool, sync: bool) -> dict[str, Any]:
    obj = dict(obj)
    obj["media_source"] = _fix_source(dict(obj.get("media_source", {})))
    if obj.get("start_sec", 0) >= DEFAULT_DURATION - 10:
        obj.pop("start_sec", None)
    if "end_sec" in obj and obj["end_sec"] <= obj.get("start_sec", 0):
        obj.pop("end_sec")
    segmentation = obj.get("segmentation")
    if segmentation is not None and ("temporal" in segmentation) != is35:
        obj.pop("segmentation")
    if is35 and "transcription" in obj.get("embedding_option", []):
        obj["embedding_option"] = [o for o in obj["embedding_option"] if o != "transcription"] or ["audio"]
    if not is35 and "local" in obj.get("embedding_scope", []):
        obj["embedding_scope"] = [s for s in obj["embedding_scope"] if s != "local"] or ["clip"]
    if is35:
        default_options = ["audio"] if input_type == "audio" else ["visual", "audio"]
    else:
        default_options = ["audio", "transcription"] if input_type == "audio" else ["visual", "audio", "transcription"]
    options = obj.get("embedding_option", default_options)
    types = obj.get("embedding_type", [])
    if "fused_embedding" in types and (len(options) < 2 or (is35 and not obj.get("time_based_metadata"))):
        obj.pop("embedding_type")
        types = []
    if not sync and "time_based_metadata" in obj:
        if not is35 or "fused_embedding" not in types:
            obj.pop("time_based_metadata")
        else:
            obj["time_based_metadata"] = [
                {**item, "start": min(item["start"], item["end"]), "end": max(item["start"], item["end"])}
                for item in obj["time_based_metadata"]
            ]
    return obj


def _fix_multi(body: dict[str, Any], multi: dict[str, Any], *, is35: bool) -> dict[str, Any]:
    multi = dict(multi)
    if "input_text" in multi:
        multi["input_text"] = re.sub(r"<@[^>]*>", "", str(multi["input_text"]))
    sources = []
    for source in multi.get("media_sources", []):
        media_type = source.get("media_type", "image") if is35 else "image"
        if media_type in ("audio", "video"):
            # Any other source of these lasts the fake's default 60 s, over marengo3.5's 30 s limit (413).
            kept = {key: value for key, value in source.items() if key not in MEDIA_KEYS}
            sources.append({**kept, "media_type": media_type, "url": SHORT_MEDIA_URL})
        else:
            sources.append({**_fix_source(dict(source)), "media_type": media_type})
    if sources:
        multi["media_sources"] = sources
    types = {source["media_type"] for source in sources}
    if is35 and "document" in types and (len(sources) > 1 or multi.get("input_text")):
        multi = {"media_sources": [next(s for s in sources if s["media_type"] == "document")]}
        sources = multi["media_sources"]
    elif is35 and len(types) > 1 and not multi.get("input_text"):
        multi["input_text"] = "a scene"
    if not multi.get("input_text") and not sources:
        multi["input_text"] = "a scene"
    if body.get("embedding_uncertainty") and ("document" in types or (multi.get("input_text") and sources)):
        body.pop("embedding_uncertainty")
    return multi


def _sync_body(body: dict[str, Any]) -> dict[str, Any]:
    body = dict(body)
    input_type = body["input_type"]
    if body["model_name"] == "marengo3.5" and input_type != "multi_input":
        body["model_name"] = "marengo3.0"
    is35 = body["model_name"] == "marengo3.5"
    if not is35:
        for name in ("auto_truncate", "embedding_uncertainty", "embedding_dimension"):
            body.pop(name, None)
    for other in SYNC_SIBLINGS:
        if other != input_type:
            body.pop(other, None)
    obj = dict(body.get(input_type, {}))
    if input_type == "text":
        obj.setdefault("input_text", "a scene")
    elif input_type in ("image", "text_image"):
        obj["media_source"] = _fix_source(dict(obj.get("media_source", {})))
        if input_type == "text_image":
            obj.setdefault("input_text", "a scene")
    elif input_type in ("audio", "video"):
        obj = _fix_av(obj, input_type, is35=False, sync=True)
    else:
        obj = _fix_multi(body, obj, is35=is35)
    body[input_type] = obj
    return body


def _async_body(body: dict[str, Any]) -> dict[str, Any]:
    body = dict(body)
    input_type = body["input_type"]
    if input_type in ("document", "image"):
        body["model_name"] = "marengo3.5"
    is35 = body["model_name"] == "marengo3.5"
    if not is35:
        body.pop("embedding_uncertainty", None)
        body.pop("embedding_dimension", None)
    for other in ASYNC_SIBLINGS:
        if other != input_type:
            body.pop(other, None)
    obj = dict(body.get(input_type, {}))
    if input_type in ("audio", "video"):
        obj = _fix_av(obj, input_type, is35=is35, sync=False)
        if body.get("embedding_uncertainty") and "asset" in obj.get("embedding_scope", ["clip", "asset"]):
            body.pop("embedding_uncertainty")
    elif input_type == "image":
        obj["media_source"] = _fix_source(dict(obj.get("media_source", {})))
    else:
        # Document option/scope/segmentation combinations are covered by the unit tests; fuzz the defaults.
        obj = {"media_source": _fix_source(dict(obj.get("media_source", {})), url="https://media.example.com/doc.pdf")}
        body.pop("embedding_uncertainty", None)
    body[input_type] = obj
    return body


def _legacy_task_form(body: dict[str, Any]) -> dict[str, Any]:
    body = dict(body)
    if body.get("model_name") not in LEGACY_MODELS:
        body["model_name"] = "marengo3.0"
    if "video_url" not in body and "video_file" not in body:
        body["video_url"] = MEDIA_URL
    start, end = body.get("video_start_offset_sec"), body.get("video_end_offset_sec")
    clip = body.get("video_clip_length", 6)
    if (start is None) != (end is None) or (start is not None and (end <= start or end - start < clip)):
        body.pop("video_start_offset_sec", None)
        body.pop("video_end_offset_sec", None)
    scopes = body.get("video_embedding_scope")
    if scopes is not None and "clip" not in scopes:
        body["video_embedding_scope"] = ["clip", *scopes]
    return body


def _legacy_embed_form(body: dict[str, Any]) -> dict[str, Any]:
    body = dict(body)
    if body.get("model_name") not in LEGACY_MODELS:
        body["model_name"] = "marengo3.0"
    if not any(key in body for key in ("text", "image_url", "image_file", "audio_url", "audio_file")):
        body["text"] = "a scene"
    if "text" in body and not str(body["text"]).strip():
        body["text"] = "a scene"
    return body


def _asset_form(body: dict[str, Any]) -> dict[str, Any]:
    """`POST /assets`: the file with `direct`, the URL with `url` (never both); metadata a JSON object."""
    body = dict(body)
    if body.get("method") == "direct":
        body.pop("url", None)
        if not body.get("file"):
            body["file"] = b"\x00\x00\x00\x18ftypmp42"
    else:
        body.pop("file", None)
        body.setdefault("url", MEDIA_URL)
    if "user_metadata" in body:
        try:
            metadata = json.loads(str(body["user_metadata"]))
        except ValueError:
            metadata = None
        if not isinstance(metadata, dict):
            body["user_metadata"] = '{"topic": "fuzz"}'
    return body


def _multipart_upload(body: dict[str, Any]) -> dict[str, Any]:
    """`POST /assets/multipart-uploads`: an image is at most 32 MiB; metadata values as declared."""
    body = dict(body)
    if body.get("type") == "image":
        body["total_size"] = min(int(body.get("total_size", 1)), IMAGE_LIMIT)
    return body


def _keep_label(case: Case) -> None:
    """Keep a rewritten multipart case labelled positive.

    Schemathesis re-validates a body changed by a hook to re-label its mode, but it cannot validate a
    body holding file parts and then labels it negative. The rewrite keeps the form schema-valid, so the
    rewritten body is taken as the case's starting state instead: the same (private) call schemathesis
    makes itself after writing auth into a generated case (schemathesis is pinned in pyproject.toml).
    """
    if isinstance(case.body, dict) and contains_binary(case.body):
        case._record_starting_state()


def make_positive_valid(case: Case) -> Case:
    """Rewrite a positive case so that it also satisfies the prose rules (negative cases are untouched)."""
    if case.meta is None or case.meta.generation.mode is not GenerationMode.POSITIVE:
        return case
    operation_id = case.operation.definition.raw.get("operationId")
    body = case.body if isinstance(case.body, dict) else None
    if operation_id == "createEmbeddingsV2" and body is not None:
        case.body = _sync_body(body)
    elif operation_id == "createEmbeddingTaskV2" and body is not None:
        case.body = _async_body(body)
    elif operation_id == "createVideoEmbeddingTask" and body is not None:
        case.body = _legacy_task_form(body)
        _keep_label(case)
    elif operation_id == "createAsset" and body is not None:
        case.body = _asset_form(body)
        _keep_label(case)
    elif operation_id == "createMultipartUpload" and body is not None:
        case.body = _multipart_upload(body)
    elif operation_id == "createLegacyEmbedding" and body is not None:
        case.body = _legacy_embed_form(body)
        _keep_label(case)
    elif operation_id in ("getVideoEmbeddingTaskStatus", "retrieveVideoEmbeddings") and case.path_parameters:
        task_id = str(case.path_parameters.get("task_id", ""))
        if not re.fullmatch(r"[0-9a-fA-F]{24}", task_id):
            case.path_parameters["task_id"] = "0" * 24
    return case
