"""Checks on openapi.yaml itself: validity, coverage of the documented API, error shapes, house rules.

The expected operations, wire field names, ranges and defaults are written out below from
/work/shared/api/embed-api.md and /work/shared/api/assets-api.md (the API facts), so that a field
dropped or renamed in the spec by accident fails here even though the generated client would still
build.
"""

from __future__ import annotations

import copy
import json
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import referencing
import yaml
from openapi_spec_validator import validate
from referencing.jsonschema import DRAFT202012

ROOT = Path(__file__).resolve().parents[2]
SPEC_PATH = ROOT / "openapi.yaml"
RULESET = ROOT / ".spectral.yaml"
SPECTRAL = ROOT / "node_modules" / ".bin" / "spectral"
HTTP_METHODS = ("get", "put", "post", "delete", "patch")

# operationId -> (method, path, success statuses)   [embed-api.md §1.7, §2.1-2.5, §3.1-3.4; assets-api.md §1.1]
OPERATIONS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "createLegacyEmbedding": ("post", "/embed", ("200",)),
    "createVideoEmbeddingTask": ("post", "/embed/tasks", ("200",)),
    "listVideoEmbeddingTasks": ("get", "/embed/tasks", ("200",)),
    "getVideoEmbeddingTaskStatus": ("get", "/embed/tasks/{task_id}/status", ("200",)),
    "retrieveVideoEmbeddings": ("get", "/embed/tasks/{task_id}", ("200",)),
    "createEmbeddingsV2": ("post", "/embed-v2", ("200",)),
    "createEmbeddingTaskV2": ("post", "/embed-v2/tasks", ("202",)),
    "listEmbeddingTasksV2": ("get", "/embed-v2/tasks", ("200",)),
    "getEmbeddingTaskV2": ("get", "/embed-v2/tasks/{task_id}", ("200",)),
    # assets (§2) and multipart uploads (§4)
    "createAsset": ("post", "/assets", ("201",)),
    "listAssets": ("get", "/assets", ("200",)),
    "retrieveAsset": ("get", "/assets/{asset_id}", ("200",)),
    # 204 in the older sources, 200 in the newest export (§1.1): both are declared, neither has a body.
    "deleteAsset": ("delete", "/assets/{asset_id}", ("200", "204")),
    "createMultipartUpload": ("post", "/assets/multipart-uploads", ("201",)),
    "listIncompleteUploads": ("get", "/assets/multipart-uploads", ("200",)),
    "reportChunkBatch": ("post", "/assets/multipart-uploads/{upload_id}", ("200",)),
    "getUploadStatus": ("get", "/assets/multipart-uploads/{upload_id}", ("200",)),
    "requestAdditionalPresignedUrls": ("post", "/assets/multipart-uploads/{upload_id}/presigned-urls", ("200",)),
}

# The one tag of each new operation (the generated api/<tag>/ folder).
ASSET_TAGS = {
    "createAsset": "assets",
    "listAssets": "assets",
    "retrieveAsset": "assets",
    "deleteAsset": "assets",
    "createMultipartUpload": "multipart-uploads",
    "listIncompleteUploads": "multipart-uploads",
    "reportChunkBatch": "multipart-uploads",
    "getUploadStatus": "multipart-uploads",
    "requestAdditionalPresignedUrls": "multipart-uploads",
}

# Request/response body schema of each operation (component names the generated code depends on).
BODIES: dict[str, tuple[str | None, str | None, str | None]] = {
    # operationId: (request content type, request schema, success schema)
    "createLegacyEmbedding": ("multipart/form-data", "CreateLegacyEmbeddingForm", "LegacyEmbeddingResponse"),
    "createVideoEmbeddingTask": (
        "multipart/form-data", "CreateVideoEmbeddingTaskForm", "VideoEmbeddingTaskCreated"
    ),
    "listVideoEmbeddingTasks": (None, None, "EmbeddingTaskList"),
    "getVideoEmbeddingTaskStatus": (None, None, "VideoEmbeddingTaskStatus"),
    "retrieveVideoEmbeddings": (None, None, "VideoEmbeddingTask"),
    "createEmbeddingsV2": ("application/json", "CreateEmbeddingsRequest", "EmbeddingSuccessResponse"),
    "createEmbeddingTaskV2": ("application/json", "CreateEmbeddingTaskRequest", "EmbeddingTaskCreated"),
    "listEmbeddingTasksV2": (None, None, "EmbeddingTaskList"),
    "getEmbeddingTaskV2": (None, None, "EmbeddingTask"),
    "createAsset": ("multipart/form-data", "CreateAssetForm", "Asset"),
    "listAssets": (None, None, "AssetList"),
    "retrieveAsset": (None, None, "Asset"),
    "deleteAsset": (None, None, None),
    "createMultipartUpload": ("application/json", "CreateAssetUploadRequest", "CreateAssetUploadResponse"),
    "listIncompleteUploads": (None, None, "ListIncompleteUploadsResponse"),
    "reportChunkBatch": ("application/json", "ReportChunkBatchRequest", "ReportChunkBatchResponse"),
    "getUploadStatus": (None, None, "GetUploadStatusResponse"),
    "requestAdditionalPresignedUrls": (
        "application/json", "RequestAdditionalPresignedUrlsRequest", "RequestAdditionalPresignedUrlsResponse"
    ),
}  # fmt: skip

# schema -> (wire field names, required ones)   [embed-api.md §1.5, §2.x, §3.x]
WIRE_FIELDS: dict[str, tuple[set[str], set[str]]] = {
    # errors (§1.5)
    "FlatError": ({"code", "message", "docs_url"}, set()),
    "NestedError": ({"error"}, {"error"}),
    "NestedErrorBody": ({"code", "message", "details"}, {"code", "message"}),
    # legacy requests (§2.1, §2.2)
    "CreateLegacyEmbeddingForm": (
        {
            "model_name",
            "text",
            "image_url",
            "image_file",
            "audio_url",
            "audio_file",
            "audio_start_offset_sec",
        },
        {"model_name"},
    ),
    "CreateVideoEmbeddingTaskForm": (
        {
            "model_name",
            "video_file",
            "video_url",
            "video_start_offset_sec",
            "video_end_offset_sec",
            "video_clip_length",
            "video_embedding_scope",
        },
        {"model_name"},
    ),
    # legacy responses (§2.2-2.6)
    # `_id` is required on purpose (the sources mark none): a created task always has an id.
    "VideoEmbeddingTaskCreated": ({"_id"}, {"_id"}),
    "EmbeddingTaskList": ({"data", "page_info"}, set()),
    "PageInfo": ({"limit_per_page", "page", "total_page", "total_results"}, set()),
    "MediaEmbeddingTask": (
        {
            "_id",
            "model_name",
            "status",
            "created_at",
            "updated_at",
            "video_embedding",
            "audio_embedding",
            "document_embedding",
            "image_embedding",
        },
        set(),
    ),
    "VideoEmbeddingTaskStatus": ({"_id", "status", "model_name", "video_embedding"}, set()),
    "VideoEmbeddingTask": (
        {"_id", "model_name", "status", "created_at", "updated_at", "video_embedding"},
        set(),
    ),
    "VideoEmbeddingWithSegments": ({"metadata", "segments"}, set()),
    "VideoEmbeddingSummary": ({"metadata"}, set()),
    "AudioEmbeddingSummary": ({"metadata"}, set()),
    "BaseSegment": ({"float"}, set()),
    "VideoSegment": (
        {"float", "start_offset_sec", "end_offset_sec", "embedding_option", "embedding_scope"},
        set(),
    ),
    "AudioSegment": ({"float", "start_offset_sec", "end_offset_sec", "embedding_option"}, set()),
    "BaseEmbeddingMetadata": ({"input_url", "input_filename"}, set()),
    "VideoEmbeddingMetadata": (
        {
            "input_url",
            "input_filename",
            "video_clip_length",
            "video_embedding_scope",
            "video_embedding_option",
            "duration",
        },
        set(),
    ),
    "AudioEmbeddingMetadata": (
        {
            "input_url",
            "input_filename",
            # both spellings of the disputed names (§7)
            "audio_embedding_options",
            "audio_embedding_option",
            "audio_embedding_scopes",
            "audio_embedding_scope",
            "duration",
            "start_offset_sec",
            "end_offset_sec",
        },
        set(),
    ),
    "DocumentEmbeddingMetadata": (
        {"input_url", "input_filename", "document_embedding_option", "document_embedding_scope"},
        set(),
    ),
    "ImageEmbeddingMetadata": (
        {"input_url", "input_filename", "image_embedding_option", "image_embedding_scope"},
        set(),
    ),
    "LegacyEmbeddingResponse": (
        {"model_name", "text_embedding", "image_embedding", "audio_embedding"},
        {"model_name"},
    ),
    "TextEmbeddingResult": ({"segments", "error_message"}, set()),
    "ImageEmbeddingResult": ({"segments", "error_message", "metadata"}, set()),
    "AudioEmbeddingResult": ({"segments", "error_message", "metadata"}, set()),
    # v2 requests (§3.1, §3.2, §3.5, §3.6)
    "CreateEmbeddingsRequest": (
        {
            "input_type",
            "model_name",
            "text",
            "image",
            "text_image",
            "audio",
            "video",
            "multi_input",
            "auto_truncate",
            "embedding_uncertainty",
            "embedding_dimension",
        },
        {"input_type", "model_name"},
    ),
    "CreateEmbeddingTaskRequest": (
        {
            "input_type",
            "model_name",
            "audio",
            "video",
            "document",
            "image",
            "embedding_uncertainty",
            "embedding_dimension",
        },
        {"input_type", "model_name"},
    ),
    "MediaSource": ({"url", "base64_string", "asset_id"}, set()),
    "TextInputRequest": ({"input_text"}, {"input_text"}),
    "ImageInputRequest": ({"media_source"}, {"media_source"}),
    "TextImageInputRequest": ({"media_source", "input_text"}, {"media_source", "input_text"}),
    "AudioInputRequest": (
        {
            "media_source",
            "start_sec",
            "end_sec",
            "segmentation",
            "embedding_option",
            "embedding_scope",
            "embedding_type",
        },
        {"media_source"},
    ),
    "VideoInputRequest": (
        {
            "media_source",
            "start_sec",
            "end_sec",
            "segmentation",
            "embedding_option",
            "embedding_scope",
            "embedding_type",
        },
        {"media_source"},
    ),
    "AsyncAudioInputRequest": (
        {
            "media_source",
            "start_sec",
            "end_sec",
            "segmentation",
            "embedding_option",
            "embedding_scope",
            "embedding_type",
            "time_based_metadata",
        },
        {"media_source"},
    ),
    "AsyncVideoInputRequest": (
        {
            "media_source",
            "start_sec",
            "end_sec",
            "segmentation",
            "embedding_option",
            "embedding_scope",
            "embedding_type",
            "time_based_metadata",
        },
        {"media_source"},
    ),
    "TimeBasedMetadataEntry": ({"start", "end", "text"}, {"start", "end", "text"}),
    "FixedSegmentation": ({"strategy", "fixed"}, {"strategy", "fixed"}),
    "FixedSegmentationParams": ({"duration_sec"}, {"duration_sec"}),
    "DynamicSegmentation": ({"strategy", "dynamic"}, {"strategy", "dynamic"}),
    "DynamicSegmentationParams": ({"min_duration_sec"}, {"min_duration_sec"}),
    "TemporalSegmentation": ({"temporal"}, {"temporal"}),
    "MultiInputRequest": ({"input_text", "media_sources"}, set()),
    "MultiInputMediaSource": ({"media_type", "name", "url", "base64_string", "asset_id"}, {"media_type"}),
    "AsyncImageInputRequest": (
        {"media_source", "embedding_option", "embedding_type", "embedding_scope"},
        {"media_source"},
    ),
    "AsyncDocumentInputRequest": (
        {"media_source", "segmentation", "embedding_option", "embedding_scope", "embedding_type"},
        {"media_source"},
    ),
    "DocumentSegmentation": ({"spatial", "sequential"}, set()),
    "SpatialSegmentation": ({"strategy"}, set()),
    "SequentialSegmentation": (
        {"strategy", "max_sentences", "overlap_sentences"},
        {"strategy", "max_sentences"},
    ),
    # v2 responses (§3.2, §3.7-3.9)
    "EmbeddingData": (
        {
            "embedding",
            "embedding_option",
            "embedding_scope",
            "start_sec",
            "end_sec",
            "embedding_uncertainty",
            "start_page_number",
            "end_page_number",
            "quadrant",
            "chunk_index",
        },
        {"embedding"},
    ),
    "EmbeddingSuccessResponse": ({"data", "metadata", "usage"}, {"data"}),
    "EmbeddingUsage": ({"input_tokens", "truncated", "truncation_reason"}, {"input_tokens", "truncated"}),
    "AudioMediaMetadata": (
        {
            "input_type",
            "input_url",
            "input_filename",
            "embedding_options",
            "embedding_scopes",
            "duration",
            "start_offset_sec",
            "end_offset_sec",
            "embedding_dimension",
        },
        {"input_type", "embedding_options", "embedding_scopes", "duration"},
    ),
    "VideoMediaMetadata": (
        {
            "input_type",
            "input_url",
            "input_filename",
            "clip_length",
            "embedding_options",
            "embedding_scopes",
            "duration",
            "start_offset_sec",
            "end_offset_sec",
            "embedding_dimension",
        },
        {"input_type", "embedding_options", "embedding_scopes", "duration"},
    ),
    "ImageMediaMetadata": ({"input_type", "input_url", "input_filename"}, {"input_type"}),
    "TextImageMediaMetadata": ({"input_type", "input_url", "input_filename"}, {"input_type"}),
    "DocumentMediaMetadata": (
        {
            "input_type",
            "input_url",
            "input_filename",
            "embedding_options",
            "embedding_scopes",
            "embedding_dimension",
        },
        {"input_type"},
    ),
    "MultiInputMediaMetadata": ({"input_type", "embedding_dimension"}, {"input_type"}),
    "EmbeddingTaskCreated": ({"_id", "status", "data", "metadata"}, {"_id", "status"}),
    "TaskCreatedMetadata": ({"embedding_dimension"}, set()),
    "EmbeddingTask": (
        {"_id", "status", "data", "created_at", "updated_at", "metadata", "usage", "error"},
        {"_id", "status"},
    ),
    "TaskError": ({"message"}, {"message"}),
    # assets (assets-api.md §2.1, §3.1)
    "CreateAssetForm": (
        {"method", "file", "url", "filename", "enable_hls", "enable_thumbnail", "user_metadata"},
        {"method"},
    ),
    # `_id` is required on purpose (the sources mark none): an asset always has an id.
    "Asset": (
        {
            "_id",
            "method",
            "status",
            "filename",
            "file_type",
            "created_at",
            "user_metadata",
            "source",
            "size",
            "duration",
            "hls",
            "thumbnail",
            "technical_metadata",
            "error",
        },
        {"_id"},
    ),
    "AssetList": ({"data", "page_info"}, set()),
    "AssetHls": ({"manifest_url", "status"}, set()),
    "AssetThumbnail": ({"representative_url", "status"}, set()),
    "AssetSource": ({"type", "details"}, set()),
    "AssetSourceDetails": ({"provider", "source_id", "original_filename", "source_link"}, set()),
    "AssetError": ({"message"}, {"message"}),
    "TechnicalMetadata": (
        {
            "file_size_bytes",
            "file_mime_type",
            "file_container_format",
            "video_codec",
            "video_width",
            "video_height",
            "video_fps",
            "video_duration_seconds",
            "video_streams",
            "audio_codec",
            "audio_sample_rate",
            "audio_channels",
            "audio_streams",
            "has_audio",
            "image_width",
            "image_height",
            "image_format",
        },
        set(),
    ),
    # multipart uploads (assets-api.md §4)
    "CreateAssetUploadRequest": (
        {"filename", "type", "total_size", "enable_hls", "enable_thumbnail", "user_metadata"},
        {"filename", "type", "total_size"},
    ),
    # The four fields a session cannot be used without are required on purpose (the sources mark none).
    "CreateAssetUploadResponse": (
        {"upload_id", "asset_id", "upload_urls", "upload_headers", "chunk_size", "total_chunks", "expires_at"},
        {"upload_id", "asset_id", "chunk_size", "total_chunks"},
    ),
    "PresignedUrlChunk": ({"chunk_index", "url", "expires_at"}, set()),
    "ReportChunkBatchRequest": ({"completed_chunks"}, {"completed_chunks"}),
    "CompletedChunk": (
        {"chunk_index", "proof", "proof_type", "chunk_size"},
        {"chunk_index", "proof", "proof_type", "chunk_size"},
    ),
    "ReportChunkBatchResponse": (
        {"url", "asset_id", "processed_chunks", "duplicate_chunks", "total_completed"},
        set(),
    ),
    "GetUploadStatusResponse": (
        {
            "upload_id",
            "status",
            "uploaded_chunks",
            "chunks_completed",
            "chunks_failed",
            "chunks_pending",
            "page_info",
            "total_size",
            "uploaded_size",
            "created_at",
            "updated_at",
        },
        set(),
    ),
    "ChunkInfo": ({"index", "status", "uploaded_at", "updated_at", "error"}, set()),
    "RequestAdditionalPresignedUrlsRequest": ({"start", "count"}, {"start", "count"}),
    "RequestAdditionalPresignedUrlsResponse": (
        {"upload_id", "start_index", "count", "upload_urls", "generated_at", "expires_at"},
        set(),
    ),
    "ListIncompleteUploadsResponse": ({"data", "page_info"}, {"data", "page_info"}),
    "IncompleteUploadSummary": (
        {"upload_id", "status", "total_size", "chunk_size", "total_chunks", "created_at", "expires_at"},
        {"upload_id", "status", "total_size", "chunk_size", "total_chunks"},
    ),
}

# enum schema -> its values   [embed-api.md]
ENUMS: dict[str, set[str]] = {
    "TaskStatus": {"processing", "ready", "failed"},
    "LegacyEmbeddingScope": {"clip", "video"},
    "LegacyEmbeddingOption": {"visual", "audio", "transcription", "visual-text"},
    "ModelNameV2": {"marengo3.0", "marengo3.5"},
    "SyncInputType": {"text", "image", "text_image", "audio", "video", "multi_input"},
    "AsyncInputType": {"audio", "video", "document", "image"},
    "AudioEmbeddingOption": {"audio", "transcription"},
    "VideoEmbeddingOption": {"visual", "audio", "transcription"},
    "EmbeddingScope": {"clip", "asset"},
    "AsyncEmbeddingScope": {"clip", "asset", "local"},
    "EmbeddingType": {"separate_embedding", "fused_embedding"},
    "EmbeddingOption": {"visual", "audio", "transcription", "fused", "text"},
    "ResultEmbeddingScope": {"clip", "asset", "page", "chunk"},
    "Quadrant": {"top_left", "top_right", "bottom_left", "bottom_right"},
    "TruncationReason": {"model_context_window"},
    "MultiInputMediaType": {"image", "video", "audio", "document"},
    "DocumentEmbeddingOption": {"visual", "text"},
    "DocumentEmbeddingScope": {"local", "asset"},
    "SpatialStrategy": {"standard", "quadrants"},
    "SequentialStrategy": {"sentence"},
    "TextTruncate": {"none", "start", "end"},
    # assets and multipart uploads (assets-api.md §2-§4, newest sources)
    "AssetUploadMethod": {"direct", "url"},
    "AssetType": {"image", "video", "audio", "document"},
    "AssetStatus": {"processing", "ready", "failed"},
    "AssetMethod": {"direct", "url", "multipart", "connector"},
    "AssetDerivativeStatus": {"pending", "processing", "ready", "error"},
    "AssetSourceType": {"connector"},
    "AssetSourceProvider": {"google_drive"},
    "MultipartUploadType": {"video", "audio", "image"},
    "ProofType": {"etag"},
    "MultipartUploadStatus": {"active", "completed", "failed", "expired"},
    "ChunkStatus": {"completed", "pending", "failed"},
}

# Response values the server may grow: `anyOf: [<enum>, string]`, so an added value parses as a string.
OPEN_ENUMS = {
    "AssetStatusValue": "AssetStatus",
    "AssetMethodValue": "AssetMethod",
    "AssetDerivativeStatusValue": "AssetDerivativeStatus",
    "AssetSourceTypeValue": "AssetSourceType",
    "AssetSourceProviderValue": "AssetSourceProvider",
    "MultipartUploadStatusValue": "MultipartUploadStatus",
    "ChunkStatusValue": "ChunkStatus",
    "TaskStatusValue": "TaskStatus",
}

# Extra error statuses beyond 400/401/429/500 (+404 with an id in the path): 403 on every multipart-upload
# operation (all sources declare it), 409 on delete (an indexed asset references the asset), 413 on sync v2.
EXTRA_ERRORS: dict[str, set[str]] = {
    "createEmbeddingsV2": {"413"},
    "deleteAsset": {"409"},
    "createMultipartUpload": {"403"},
    "listIncompleteUploads": {"403"},
    "reportChunkBatch": {"403"},
    "getUploadStatus": {"403"},
    "requestAdditionalPresignedUrls": {"403"},
}

# Operations whose errors use the nested body (§1.5 B); every other one is flat. 401 is flat everywhere.
NESTED_ERROR_OPERATIONS = {"createEmbeddingsV2", "createEmbeddingTaskV2", "getEmbeddingTaskV2"}


@cache
def load_spec() -> dict[str, Any]:
    return yaml.safe_load(SPEC_PATH.read_text())


@pytest.fixture
def spec() -> dict[str, Any]:
    return copy.deepcopy(load_spec())


def operations(spec: dict[str, Any]) -> dict[str, tuple[str, str, dict[str, Any]]]:
    found = {}
    for path, item in spec["paths"].items():
        for method in HTTP_METHODS:
            if method in item:
                found[item[method]["operationId"]] = (method, path, item[method])
    return found


def resolve(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        assert node["$ref"].startswith("#/"), node["$ref"]
        target: Any = spec
        for part in node["$ref"][2:].split("/"):
            target = target[part]
        node = target
    return node


def schema_name(ref_holder: dict[str, Any]) -> str:
    ref = ref_holder["$ref"]
    assert ref.startswith("#/components/schemas/"), ref
    return ref.rsplit("/", 1)[1]


def response_schema_name(spec: dict[str, Any], response: dict[str, Any]) -> str:
    return schema_name(resolve(spec, response)["content"]["application/json"]["schema"])


def component(spec: dict[str, Any], name: str) -> dict[str, Any]:
    return spec["components"]["schemas"][name]


def parameter(spec: dict[str, Any], operation_id: str, name: str) -> dict[str, Any]:
    op = operations(spec)[operation_id][2]
    for param in op.get("parameters", []):
        param = resolve(spec, param)
        if param["name"] == name:
            return param
    raise AssertionError(f"{operation_id} has no parameter {name}")


# ---------------------------------------------------------------------------------------- validity


def test_spec_is_valid_openapi_3_1(spec: dict[str, Any]) -> None:
    """openapi.yaml is a valid OpenAPI 3.1 document (openapi-spec-validator)."""
    assert spec["openapi"].startswith("3.1")
    validate(spec)


def test_server_and_api_key_auth(spec: dict[str, Any]) -> None:
    """The server is https://api.twelvelabs.io/v1.3 and every operation needs the `x-api-key` header."""
    assert [s["url"] for s in spec["servers"]] == ["https://api.twelvelabs.io/v1.3"]
    assert spec["security"] == [{"ApiKeyAuth": []}]
    scheme = spec["components"]["securitySchemes"]["ApiKeyAuth"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "x-api-key")
    for operation_id, (_, _, op) in operations(spec).items():
        assert op.get("security", spec["security"]) == [{"ApiKeyAuth": []}], operation_id


# ---------------------------------------------------------------------------------------- coverage


def test_every_documented_operation_is_present(spec: dict[str, Any]) -> None:
    """The spec has exactly the documented operations (nine embed, nine asset/upload), at their method and path."""
    found = {op_id: (method, path) for op_id, (method, path, _) in operations(spec).items()}
    assert found == {op_id: (method, path) for op_id, (method, path, _) in OPERATIONS.items()}


@pytest.mark.parametrize("operation_id", sorted(OPERATIONS))
def test_operation_bodies_and_success_status(spec: dict[str, Any], operation_id: str) -> None:
    """Each operation has its documented success status, body content type and body schemas."""
    _, path, op = operations(spec)[operation_id]
    content_type, request_schema, success_schema = BODIES[operation_id]
    successes = OPERATIONS[operation_id][2]
    assert tuple(code for code in op["responses"] if code.startswith("2")) == successes
    for success in successes:
        if success_schema is None:
            assert "content" not in resolve(spec, op["responses"][success])
        else:
            assert response_schema_name(spec, op["responses"][success]) == success_schema
    if request_schema is None:
        assert "requestBody" not in op
    else:
        body = op["requestBody"]
        assert body["required"] is True
        assert list(body["content"]) == [content_type]
        assert schema_name(body["content"][content_type]["schema"]) == request_schema
    for name in ("task_id", "asset_id", "upload_id"):
        if "{" + name + "}" in path:
            param = parameter(spec, operation_id, name)
            assert param["in"] == "path" and param["required"] is True
            assert (param["schema"]["type"], param["schema"]["minLength"]) == ("string", 1)


@pytest.mark.parametrize("schema", sorted(WIRE_FIELDS))
def test_schema_has_every_documented_wire_field(spec: dict[str, Any], schema: str) -> None:
    """Each schema declares every documented wire field (exact wire names) and the documented required set."""
    fields, required = WIRE_FIELDS[schema]
    definition = component(spec, schema)
    declared = set(definition.get("properties", {}))
    assert fields - declared == set(), f"{schema} lacks {sorted(fields - declared)}"
    assert set(definition.get("required", [])) == required


def test_no_invented_plural_scope_field(spec: dict[str, Any]) -> None:
    """The legacy form has no `video_embedding_scopes` (a stale SDK kwarg, not a wire field)."""
    assert "video_embedding_scopes" not in component(spec, "CreateVideoEmbeddingTaskForm")["properties"]


@pytest.mark.parametrize("schema", sorted(ENUMS))
def test_enum_values(spec: dict[str, Any], schema: str) -> None:
    """Each enum has exactly the documented values."""
    assert set(component(spec, schema)["enum"]) == ENUMS[schema]


@pytest.mark.parametrize("operation_id", ["listVideoEmbeddingTasks", "listEmbeddingTasksV2"])
def test_list_query_parameters(spec: dict[str, Any], operation_id: str) -> None:
    """Both lists take started_at/ended_at/status/page/page_limit; page >= 1 (default 1), page_limit 1-50 (10)."""
    names = [resolve(spec, p)["name"] for p in operations(spec)[operation_id][2]["parameters"]]
    assert sorted(names) == ["ended_at", "page", "page_limit", "started_at", "status"]
    for name in names:
        param = parameter(spec, operation_id, name)
        assert param["in"] == "query" and param.get("required", False) is False
    page = parameter(spec, operation_id, "page")["schema"]
    assert (page["type"], page["minimum"], page["default"]) == ("integer", 1, 1)
    page_limit = parameter(spec, operation_id, "page_limit")["schema"]
    assert (page_limit["type"], page_limit["minimum"], page_limit["maximum"], page_limit["default"]) == (
        "integer",
        1,
        50,
        10,
    )
    for name in ("started_at", "ended_at"):
        assert parameter(spec, operation_id, name)["schema"]["format"] == "date-time"
    status = resolve(spec, parameter(spec, operation_id, "status")["schema"])
    assert set(status["enum"]) == {"processing", "ready", "failed"}


def test_retrieve_embedding_option_is_a_repeated_query_key(spec: dict[str, Any]) -> None:
    """`embedding_option` on legacy retrieve is an optional array, form style, exploded (repeated key)."""
    param = parameter(spec, "retrieveVideoEmbeddings", "embedding_option")
    assert param["in"] == "query" and param.get("required", False) is False
    assert (param["style"], param["explode"]) == ("form", True)
    assert param["schema"]["type"] == "array"
    assert set(resolve(spec, param["schema"]["items"])["enum"]) == ENUMS["LegacyEmbeddingOption"]


def test_video_embedding_scope_is_a_repeated_form_field(spec: dict[str, Any]) -> None:
    """`video_embedding_scope` is an array of clip/video, encoded as a repeated multipart field."""
    op = operations(spec)["createVideoEmbeddingTask"][2]
    encoding = op["requestBody"]["content"]["multipart/form-data"]["encoding"]["video_embedding_scope"]
    assert (encoding["style"], encoding["explode"]) == ("form", True)
    scope = component(spec, "CreateVideoEmbeddingTaskForm")["properties"]["video_embedding_scope"]
    assert scope["type"] == "array"
    assert set(resolve(spec, scope["items"])["enum"]) == {"clip", "video"}


def test_file_parts_are_binary(spec: dict[str, Any]) -> None:
    """The multipart file parts are binary strings, the URL parts are URIs."""
    legacy = component(spec, "CreateLegacyEmbeddingForm")["properties"]
    video = component(spec, "CreateVideoEmbeddingTaskForm")["properties"]
    for prop in (legacy["image_file"], legacy["audio_file"], video["video_file"]):
        assert (prop["type"], prop["format"]) == ("string", "binary")
    for prop in (legacy["image_url"], legacy["audio_url"], video["video_url"]):
        assert (prop["type"], prop["format"]) == ("string", "uri")


def test_legacy_clip_length_and_offsets(spec: dict[str, Any]) -> None:
    """video_clip_length is 2-10 with default 6; the start offsets are >= 0; the end offset is > 0."""
    video = component(spec, "CreateVideoEmbeddingTaskForm")["properties"]
    clip = video["video_clip_length"]
    assert (clip["type"], clip["minimum"], clip["maximum"], clip["default"]) == ("number", 2, 10, 6)
    assert video["video_start_offset_sec"]["minimum"] == 0
    assert video["video_end_offset_sec"]["exclusiveMinimum"] == 0
    assert component(spec, "CreateLegacyEmbeddingForm")["properties"]["audio_start_offset_sec"]["minimum"] == 0


def test_v2_segmentation_ranges(spec: dict[str, Any]) -> None:
    """Fixed duration_sec is an integer 2-10 (default 6); dynamic min_duration_sec is an integer 2-5."""
    fixed = component(spec, "FixedSegmentationParams")["properties"]["duration_sec"]
    assert (fixed["type"], fixed["minimum"], fixed["maximum"], fixed["default"]) == ("integer", 2, 10, 6)
    dynamic = component(spec, "DynamicSegmentationParams")["properties"]["min_duration_sec"]
    assert (dynamic["type"], dynamic["minimum"], dynamic["maximum"]) == ("integer", 2, 5)
    assert dynamic["default"] == 4  # marengo3.0; marengo3.5 defaults to 2 server-side
    assert component(spec, "FixedSegmentation")["properties"]["strategy"]["$ref"].endswith("/FixedSegmentationStrategy")
    assert component(spec, "FixedSegmentationStrategy")["enum"] == ["fixed"]
    assert component(spec, "DynamicSegmentationStrategy")["enum"] == ["dynamic"]
    union = component(spec, "VideoSegmentation")
    assert union["discriminator"]["propertyName"] == "strategy"
    assert {schema_name(v) for v in union["oneOf"]} == {"DynamicSegmentation", "FixedSegmentation"}


@pytest.mark.parametrize(
    "schema", ["AudioInputRequest", "VideoInputRequest", "AsyncAudioInputRequest", "AsyncVideoInputRequest"]
)
def test_v2_media_time_range(spec: dict[str, Any], schema: str) -> None:
    """start_sec is >= 0 with default 0 and end_sec is > 0 on every v2 audio/video input."""
    props = component(spec, schema)["properties"]
    assert (props["start_sec"]["minimum"], props["start_sec"]["default"]) == (0, 0)
    assert props["end_sec"]["exclusiveMinimum"] == 0


def test_multi_input_has_at_most_ten_sources(spec: dict[str, Any]) -> None:
    """multi_input takes at most 10 media sources."""
    assert component(spec, "MultiInputRequest")["properties"]["media_sources"]["maxItems"] == 10


@pytest.mark.parametrize("schema", ["EmbeddingTask", "EmbeddingTaskCreated"])
def test_v2_task_data_is_nullable(spec: dict[str, Any], schema: str) -> None:
    """`data` of a v2 task is an array of EmbeddingData or null."""
    data = component(spec, schema)["properties"]["data"]
    assert set(data["type"]) == {"array", "null"}
    assert schema_name(data["items"]) == "EmbeddingData"


# ----------------------------------------------------------------------- assets and uploads


@pytest.mark.parametrize("operation_id", sorted(ASSET_TAGS))
def test_asset_operations_have_one_tag(spec: dict[str, Any], operation_id: str) -> None:
    """Each asset and multipart-upload operation has exactly its one tag (`assets` or `multipart-uploads`)."""
    assert operations(spec)[operation_id][2]["tags"] == [ASSET_TAGS[operation_id]]


def test_list_assets_query_parameters(spec: dict[str, Any]) -> None:
    """listAssets takes page/page_limit and the repeated-key filters asset_ids, asset_types and filename."""
    names = [resolve(spec, p)["name"] for p in operations(spec)["listAssets"][2]["parameters"]]
    assert sorted(names) == ["asset_ids", "asset_types", "filename", "page", "page_limit"]
    for name in ("asset_ids", "asset_types"):
        param = parameter(spec, "listAssets", name)
        assert (param["in"], param["style"], param["explode"], param["schema"]["type"]) == (
            "query",
            "form",
            True,
            "array",
        )
    types = parameter(spec, "listAssets", "asset_types")["schema"]["items"]
    assert set(resolve(spec, types)["enum"]) == ENUMS["AssetType"]
    assert parameter(spec, "listAssets", "filename")["schema"]["type"] == "string"


@pytest.mark.parametrize("operation_id", ["listAssets", "listIncompleteUploads", "getUploadStatus"])
def test_asset_pagination_parameters(spec: dict[str, Any], operation_id: str) -> None:
    """Paginated asset/upload calls take page >= 1 (default 1) and page_limit 1-50 (default 10)."""
    page = parameter(spec, operation_id, "page")["schema"]
    assert (page["type"], page["minimum"], page["default"]) == ("integer", 1, 1)
    limit = parameter(spec, operation_id, "page_limit")["schema"]
    assert (limit["minimum"], limit["maximum"], limit["default"]) == (1, 50, 10)


def test_delete_asset_force_is_an_optional_boolean_without_default(spec: dict[str, Any]) -> None:
    """deleteAsset's `force` is an optional boolean query parameter with no declared default (not sent unless set)."""
    force = parameter(spec, "deleteAsset", "force")
    assert (force["in"], force.get("required", False), force["schema"]) == ("query", False, {"type": "boolean"})


def test_create_asset_form_fields_and_limits(spec: dict[str, Any]) -> None:
    """The asset form: method direct|url, a binary file, a URI url, filename 1-255, booleans, metadata as text."""
    props = component(spec, "CreateAssetForm")["properties"]
    assert component(spec, "CreateAssetForm")["additionalProperties"] is False
    assert schema_name(props["method"]) == "AssetUploadMethod"
    assert (props["file"]["type"], props["file"]["format"]) == ("string", "binary")
    assert (props["url"]["type"], props["url"]["format"]) == ("string", "uri")
    assert (props["filename"]["minLength"], props["filename"]["maxLength"]) == (1, 255)
    for name in ("enable_hls", "enable_thumbnail"):
        assert props[name] == {"type": "boolean", "description": props[name]["description"]}  # no default
    assert props["user_metadata"]["type"] == "string"  # a JSON-encoded object in the form


def test_multipart_upload_request_limits(spec: dict[str, Any]) -> None:
    """Create: filename 1-255, type video|audio|image, total_size 1..10 GiB; metadata values typed."""
    props = component(spec, "CreateAssetUploadRequest")["properties"]
    assert (props["filename"]["minLength"], props["filename"]["maxLength"]) == (1, 255)
    assert schema_name(props["type"]) == "MultipartUploadType"
    size = props["total_size"]
    assert (size["type"], size["minimum"], size["maximum"]) == ("integer", 1, 10 * 1024**3)
    values = component(spec, "UserMetadata")["additionalProperties"]["anyOf"]
    assert {v["type"] for v in values} == {"string", "number", "boolean", "array"}


def test_chunk_report_and_url_request_limits(spec: dict[str, Any]) -> None:
    """Reports carry 1-50 chunks (index >= 1, proof non-empty, etag, size >= 1); URL requests start >= 1, count 1-50."""
    batch = component(spec, "ReportChunkBatchRequest")["properties"]["completed_chunks"]
    assert (batch["minItems"], batch["maxItems"]) == (1, 50)
    chunk = component(spec, "CompletedChunk")["properties"]
    assert (chunk["chunk_index"]["minimum"], chunk["proof"]["minLength"], chunk["chunk_size"]["minimum"]) == (1, 1, 1)
    assert schema_name(chunk["proof_type"]) == "ProofType"
    urls = component(spec, "RequestAdditionalPresignedUrlsRequest")["properties"]
    assert (urls["start"]["minimum"], urls["count"]["minimum"], urls["count"]["maximum"]) == (1, 1, 50)
    for name in ("CreateAssetUploadRequest", "ReportChunkBatchRequest", "CompletedChunk"):
        assert component(spec, name)["additionalProperties"] is False, name


@pytest.mark.parametrize("schema", sorted(OPEN_ENUMS))
def test_server_grown_values_are_open_enums(spec: dict[str, Any], schema: str) -> None:
    """Statuses and kinds the server may grow are `anyOf: [<enum>, string]` (a new value parses as a string)."""
    variants = component(spec, schema)["anyOf"]
    assert [schema_name(variants[0]), variants[1]] == [OPEN_ENUMS[schema], {"type": "string"}]


# (schema, field) -> the open enum it uses (nullable, as every optional asset/upload response field is).
OPEN_ENUM_FIELDS = {
    ("Asset", "status"): "AssetStatusValue",
    ("Asset", "method"): "AssetMethodValue",
    ("AssetHls", "status"): "AssetDerivativeStatusValue",
    ("AssetThumbnail", "status"): "AssetDerivativeStatusValue",
    ("GetUploadStatusResponse", "status"): "MultipartUploadStatusValue",
    ("ChunkInfo", "status"): "ChunkStatusValue",
}


@pytest.mark.parametrize(("schema", "field"), sorted(OPEN_ENUM_FIELDS))
def test_response_status_fields_use_open_enums(spec: dict[str, Any], schema: str, field: str) -> None:
    """Asset, rendition, session and chunk statuses are open enums (or null) in the responses."""
    variants = component(spec, schema)["properties"][field]["anyOf"]
    assert [schema_name(variants[0]), variants[1]] == [OPEN_ENUM_FIELDS[(schema, field)], {"type": "null"}]


def _accepts_null(spec: dict[str, Any], definition: dict[str, Any]) -> bool:
    if "$ref" in definition:
        return _accepts_null(spec, resolve(spec, definition))
    kind = definition.get("type")
    if kind == "null" or (isinstance(kind, list) and "null" in kind):
        return True
    return any(_accepts_null(spec, variant) for variant in definition.get("anyOf", []))


ASSET_RESPONSE_SCHEMAS = [
    "Asset",
    "AssetHls",
    "AssetThumbnail",
    "AssetSource",
    "AssetSourceDetails",
    "TechnicalMetadata",
    "CreateAssetUploadResponse",
    "PresignedUrlChunk",
    "ReportChunkBatchResponse",
    "GetUploadStatusResponse",
    "ChunkInfo",
    "RequestAdditionalPresignedUrlsResponse",
    "IncompleteUploadSummary",
]


@pytest.mark.parametrize("schema", ASSET_RESPONSE_SCHEMAS)
def test_optional_asset_response_fields_are_nullable(spec: dict[str, Any], schema: str) -> None:
    """Every optional field of an asset/upload response may be null (assets-api.md: "absent or null")."""
    definition = component(spec, schema)
    required = set(definition.get("required", []))
    for name, field in definition["properties"].items():
        assert _accepts_null(spec, field) is (name not in required), f"{schema}.{name}"


def test_chunk_uploaded_at_is_nullable_date_time(spec: dict[str, Any]) -> None:
    """`uploaded_at` of a chunk is a date-time or null (null for pending and failed chunks)."""
    uploaded_at = component(spec, "ChunkInfo")["properties"]["uploaded_at"]
    assert (set(uploaded_at["type"]), uploaded_at["format"]) == ({"string", "null"}, "date-time")


# operationId -> {link name: (target operationId, {parameter: runtime expression})}
EXPECTED_LINKS = {
    "createAsset": {
        "RetrieveAsset": ("retrieveAsset", {"asset_id": "$response.body#/_id"}),
        "DeleteAsset": ("deleteAsset", {"asset_id": "$response.body#/_id"}),
    },
    "createMultipartUpload": {
        "GetUploadStatus": ("getUploadStatus", {"upload_id": "$response.body#/upload_id"}),
        "ReportChunkBatch": ("reportChunkBatch", {"upload_id": "$response.body#/upload_id"}),
        "RequestAdditionalPresignedUrls": (
            "requestAdditionalPresignedUrls",
            {"upload_id": "$response.body#/upload_id"},
        ),
        "RetrieveAsset": ("retrieveAsset", {"asset_id": "$response.body#/asset_id"}),
    },
}


@pytest.mark.parametrize("operation_id", sorted(EXPECTED_LINKS))
def test_create_operations_link_to_their_followers(spec: dict[str, Any], operation_id: str) -> None:
    """The creates link to get/status (and the other calls on what they made) with the right body pointer."""
    _, _, op = operations(spec)[operation_id]
    (success,) = OPERATIONS[operation_id][2]
    links = op["responses"][success]["links"]
    found = {name: (link["operationId"], link["parameters"]) for name, link in links.items()}
    assert found == EXPECTED_LINKS[operation_id]


def test_every_link_targets_a_real_operation_and_parameter(spec: dict[str, Any]) -> None:
    """Each link names an existing operationId, and its parameters are path parameters of that operation."""
    ops = operations(spec)
    seen = 0
    for operation_id, (_, _, op) in ops.items():
        for response in op["responses"].values():
            for name, link in resolve(spec, response).get("links", {}).items():
                target = ops[link["operationId"]][2]
                path_params = {
                    resolve(spec, p)["name"] for p in target.get("parameters", []) if resolve(spec, p)["in"] == "path"
                }
                assert set(link["parameters"]) <= path_params, f"{operation_id} {name}"
                seen += 1
    assert seen >= 9


# ------------------------------------------------------------------------------------------ errors


@pytest.mark.parametrize("operation_id", sorted(OPERATIONS))
def test_declared_error_statuses_and_shapes(spec: dict[str, Any], operation_id: str) -> None:
    """Each operation declares 400/401/429/500 (+404 with an id in the path, + its extras) with the right body."""
    _, path, op = operations(spec)[operation_id]
    expected = {"400", "401", "429", "500"} | EXTRA_ERRORS.get(operation_id, set())
    if any("{" + name + "}" in path for name in ("task_id", "asset_id", "upload_id")):
        expected.add("404")
    errors = {code for code in op["responses"] if not code.startswith("2")}
    assert errors == expected
    body = "NestedError" if operation_id in NESTED_ERROR_OPERATIONS else "FlatError"
    for code in sorted(errors):
        want = "FlatError" if code == "401" else body
        assert response_schema_name(spec, op["responses"][code]) == want, f"{operation_id} {code}"


def test_429_responses_declare_retry_headers(spec: dict[str, Any]) -> None:
    """Every 429 response declares Retry-After (integer seconds) and X-Ratelimit-Dimensions."""
    for operation_id, (_, _, op) in operations(spec).items():
        response = resolve(spec, op["responses"]["429"])
        headers = {name: resolve(spec, h) for name, h in response["headers"].items()}
        assert set(headers) >= {"Retry-After", "X-Ratelimit-Dimensions"}, operation_id
        assert headers["Retry-After"]["schema"]["type"] == "integer"
        assert headers["X-Ratelimit-Dimensions"]["schema"]["type"] == "string"


def test_error_body_shapes(spec: dict[str, Any]) -> None:
    """FlatError is {code, message, docs_url?} with nothing required; NestedError wraps a required body."""
    flat = component(spec, "FlatError")
    assert flat.get("required", []) == []
    assert flat.get("additionalProperties", True) is not False
    nested = component(spec, "NestedError")
    assert schema_name(nested["properties"]["error"]) == "NestedErrorBody"
    details = component(spec, "NestedErrorBody")["properties"]["details"]
    assert details["type"] == "object" and details["additionalProperties"] is True


# -------------------------------------------------------------------------------------- examples


def _validator(spec: dict[str, Any], schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    resource = DRAFT202012.create_resource(spec)
    registry: referencing.Registry[Any] = referencing.Registry().with_resource("urn:openapi", resource)
    return jsonschema.Draft202012Validator(
        {"$ref": "urn:openapi#" + schema["$ref"][1:]} if "$ref" in schema else schema,
        registry=registry,
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    )


def all_response_examples(spec: dict[str, Any]) -> list[tuple[str, dict[str, Any], Any]]:
    found = []
    for operation_id, (_, _, op) in operations(spec).items():
        for code, response in op["responses"].items():
            if "content" not in resolve(spec, response):
                continue  # a success without a body (deleteAsset)
            media = resolve(spec, response)["content"]["application/json"]
            for name, example in media.get("examples", {}).items():
                found.append((f"{operation_id} {code} {name}", media["schema"], resolve(spec, example)["value"]))
    return found


def test_every_response_example_matches_its_schema(spec: dict[str, Any]) -> None:
    """Every named response example validates against its response schema (JSON Schema 2020-12)."""
    examples = all_response_examples(spec)
    assert len(examples) >= 40
    problems = []
    for label, schema, value in examples:
        errors = sorted(_validator(spec, schema).iter_errors(value), key=lambda e: list(e.path))
        problems += [f"{label}: {list(e.path)} {e.message}" for e in errors]
    assert problems == []


def test_example_validation_can_fail(spec: dict[str, Any]) -> None:
    """The example check above rejects an example that breaks its schema (a missing required `_id`)."""
    schema = {"$ref": "#/components/schemas/EmbeddingTask"}
    assert list(_validator(spec, schema).iter_errors({"_id": "x", "status": "ready"})) == []
    assert [e.validator for e in _validator(spec, schema).iter_errors({"status": "ready"})] == ["required"]


# -------------------------------------------------------------------------------------- spectral


def run_spectral(*documents: Path) -> tuple[int, list[dict[str, Any]]]:
    """Lint one or more documents in one Spectral process (its start-up is most of the cost)."""
    result = subprocess.run(
        [
            str(SPECTRAL),
            "lint",
            "--ruleset",
            str(RULESET),
            "--format",
            "json",
            "--fail-severity",
            "warn",
            *map(str, documents),
        ],
        cwd=documents[0].parent,
        capture_output=True,
        text=True,
        timeout=240,
    )
    start = result.stdout.find("[")
    assert start >= 0, result.stdout + result.stderr
    return result.returncode, json.JSONDecoder().raw_decode(result.stdout[start:])[0]


def _without_429(spec: dict[str, Any]) -> None:
    del spec["paths"]["/embed/tasks"]["get"]["responses"]["429"]


def _without_404(spec: dict[str, Any]) -> None:
    del spec["paths"]["/embed-v2/tasks/{task_id}"]["get"]["responses"]["404"]


def _without_retry_after(spec: dict[str, Any]) -> None:
    del spec["components"]["responses"]["NestedTooManyRequests"]["headers"]["Retry-After"]


def _two_tags(spec: dict[str, Any]) -> None:
    spec["paths"]["/embed-v2"]["post"]["tags"].append("legacy-embed")


def _without_operation_id(spec: dict[str, Any]) -> None:
    del spec["paths"]["/embed/tasks/{task_id}"]["get"]["operationId"]


def _without_failed_example(spec: dict[str, Any]) -> None:
    examples = spec["paths"]["/embed/tasks/{task_id}/status"]["get"]["responses"]["200"]["content"]
    del examples["application/json"]["examples"]["failed"]


def _inline_response_schema(spec: dict[str, Any]) -> None:
    content = spec["paths"]["/embed-v2/tasks/{task_id}"]["get"]["responses"]["200"]["content"]
    content["application/json"]["schema"] = {"type": "object", "properties": {"_id": {"type": "string"}}}


def _inline_request_schema(spec: dict[str, Any]) -> None:
    content = spec["paths"]["/embed-v2"]["post"]["requestBody"]["content"]["application/json"]
    content["schema"] = {"type": "object", "properties": {"input_type": {"type": "string"}}}


def _without_asset_404(spec: dict[str, Any]) -> None:
    del spec["paths"]["/assets/{asset_id}"]["delete"]["responses"]["404"]


def _without_upload_404(spec: dict[str, Any]) -> None:
    del spec["paths"]["/assets/multipart-uploads/{upload_id}/presigned-urls"]["post"]["responses"]["404"]


def _without_multipart_403(spec: dict[str, Any]) -> None:
    del spec["paths"]["/assets/multipart-uploads"]["get"]["responses"]["403"]


def _without_asset_examples(spec: dict[str, Any]) -> None:
    del spec["paths"]["/assets"]["get"]["responses"]["200"]["content"]["application/json"]["examples"]


def _without_failed_asset_example(spec: dict[str, Any]) -> None:
    content = spec["paths"]["/assets/{asset_id}"]["get"]["responses"]["200"]["content"]
    del content["application/json"]["examples"]["failed"]


def _without_expired_upload_example(spec: dict[str, Any]) -> None:
    content = spec["paths"]["/assets/multipart-uploads/{upload_id}"]["get"]["responses"]["200"]["content"]
    del content["application/json"]["examples"]["expired"]


def _inline_upload_request_schema(spec: dict[str, Any]) -> None:
    content = spec["paths"]["/assets/multipart-uploads"]["post"]["requestBody"]["content"]["application/json"]
    content["schema"] = {"type": "object", "properties": {"filename": {"type": "string"}}}


# breakage name -> (how to break a copy of the spec, the Spectral rule that must report it)
BREAKAGES = {
    "missing-429": (_without_429, "house-declares-common-errors"),
    "missing-404": (_without_404, "house-task-id-declares-404"),
    "429-without-retry-after": (_without_retry_after, "house-429-retry-after"),
    "two-tags": (_two_tags, "house-one-tag"),
    "no-operation-id": (_without_operation_id, "operation-operationId"),
    "no-failed-example": (_without_failed_example, "house-status-examples"),
    "inline-response-schema": (_inline_response_schema, "house-named-body-schemas"),
    "inline-request-schema": (_inline_request_schema, "house-named-body-schemas"),
    "missing-asset-404": (_without_asset_404, "house-resource-id-declares-404"),
    "missing-upload-404": (_without_upload_404, "house-resource-id-declares-404"),
    "missing-multipart-403": (_without_multipart_403, "house-multipart-declares-403"),
    "no-asset-examples": (_without_asset_examples, "house-asset-examples"),
    "no-failed-asset-example": (_without_failed_asset_example, "house-asset-status-examples"),
    "no-expired-upload-example": (_without_expired_upload_example, "house-upload-status-examples"),
    "inline-upload-request-schema": (_inline_upload_request_schema, "house-named-body-schemas"),
}


# KNOWN DEFECT in .spectral.yaml (reported, not fixed here): `house-named-body-schemas` uses
# `given: $.paths[*][*][requestBody,responses][*].content[*].schema`, which for requestBody walks one
# level too deep (requestBody[*].content) and so never sees request body schemas. Verified fix: two
# paths, `$.paths[*][*].requestBody.content[*].schema` and `$.paths[*][*].responses[*].content[*].schema`.
# strict=True: once the ruleset is fixed this case passes, and the marker must be removed.
def test_spectral_passes_on_the_spec(tmp_path: Path, spec: dict[str, Any]) -> None:
    """Spectral with the house ruleset reports nothing on an unmodified copy of the spec (control case)."""
    document = tmp_path / "openapi.yaml"
    document.write_text(yaml.safe_dump(spec, sort_keys=False))
    code, results = run_spectral(document)
    assert (code, results) == (0, [])


@pytest.fixture(scope="module")
def broken_copy_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict[str, Any]]]:
    """Spectral's results for every broken copy of the spec, linted together in one Spectral run."""
    folder = tmp_path_factory.mktemp("broken-specs")
    documents = {}
    for name, (breaker, _) in BREAKAGES.items():
        broken = copy.deepcopy(load_spec())
        breaker(broken)
        documents[name] = folder / f"{name}.yaml"
        documents[name].write_text(yaml.safe_dump(broken, sort_keys=False))
    code, results = run_spectral(*documents.values())
    assert code != 0
    by_source: dict[str, list[dict[str, Any]]] = {}
    for result in results:
        by_source.setdefault(str(Path(result["source"]).resolve()), []).append(result)
    return {name: by_source.get(str(path.resolve()), []) for name, path in documents.items()}


@pytest.mark.parametrize("breakage", sorted(BREAKAGES))
def test_spectral_house_rule_fails_on_a_broken_copy(
    broken_copy_results: dict[str, list[dict[str, Any]]], breakage: str
) -> None:
    """Spectral reports the rule as an error (severity 0, a non-zero exit) when a copy of the spec breaks it."""
    _, rule = BREAKAGES[breakage]
    results = broken_copy_results[breakage]
    assert rule in {r["code"] for r in results if r["severity"] == 0}, results
