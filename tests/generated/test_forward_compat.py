"""Forward compatibility of the generated response models (no server).

The server may add task statuses, embedding options and scopes, metadata input types and keys.
openapi.yaml models these fields as `anyOf: [<enum>, string]` / an open fallback variant, so the
generated client must parse such responses without raising, keep unknown enum values as plain `str`
and keep unknown keys in `additional_properties`. Each test feeds a canned response through the
generated endpoint function via `httpx.MockTransport`.

The generated nullable/union parsers swallow errors (an item that fails to parse comes back as the
raw dict), so the tests also assert the *types* of nested objects, not only that nothing raised.
"""

from __future__ import annotations

import datetime
from typing import Any

import httpx
import pytest

from twelvelabs_embed_generated import AuthenticatedClient
from twelvelabs_embed_generated.api.embed_v2 import create_embeddings_v2
from twelvelabs_embed_generated.api.embed_v2_tasks import (
    create_embedding_task_v2,
    get_embedding_task_v2,
    list_embedding_tasks_v2,
)
from twelvelabs_embed_generated.api.legacy_tasks import (
    get_video_embedding_task_status,
    list_video_embedding_tasks,
    retrieve_video_embeddings,
)
from twelvelabs_embed_generated.models import (
    AsyncInputType,
    AsyncVideoInputRequest,
    CreateEmbeddingsRequest,
    CreateEmbeddingTaskRequest,
    EmbeddingData,
    EmbeddingOption,
    EmbeddingSuccessResponse,
    EmbeddingTask,
    EmbeddingTaskCreated,
    EmbeddingTaskList,
    EmbeddingUsage,
    FlatError,
    LegacyEmbeddingOption,
    LegacyEmbeddingScope,
    MediaEmbeddingTask,
    MediaSource,
    ModelNameV2,
    NestedError,
    OtherMediaMetadata,
    PageInfo,
    ResultEmbeddingScope,
    SyncInputType,
    TaskCreatedMetadata,
    TaskError,
    TaskStatus,
    TextInputRequest,
    VideoEmbeddingMetadata,
    VideoEmbeddingSummary,
    VideoEmbeddingTask,
    VideoEmbeddingTaskStatus,
    VideoEmbeddingWithSegments,
    VideoMediaMetadata,
    VideoSegment,
)

BASE_URL = "https://api.test/v1.3"
TASK_ID = "64f8d2c7e4a1b37f8a9c5d12"


def client_answering(status: int, body: Any) -> AuthenticatedClient:
    """A generated client whose every request is answered with `status` and the JSON `body`."""

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["x-api-key"] == "test-key"
        return httpx.Response(status, json=body)

    client = AuthenticatedClient(base_url=BASE_URL, token="test-key", prefix="", auth_header_name="x-api-key")
    client.set_httpx_client(
        httpx.Client(base_url=BASE_URL, transport=httpx.MockTransport(handler), headers={"x-api-key": "test-key"})
    )
    return client


def assert_plain_str(value: object, expected: str) -> None:
    # The generated enums are StrEnums, so `isinstance(value, str)` alone would not tell them apart.
    assert type(value) is str, f"{value!r} is a {type(value).__name__}, not a plain str"
    assert value == expected


def test_v2_task_with_unknown_status_options_scopes_and_metadata_parses() -> None:
    """A v2 task in an unknown status, with unknown options, scopes, input type and keys, parses."""
    body = {
        "_id": TASK_ID,
        "status": "queued",
        "priority": "high",  # unknown top-level key
        "created_at": "2026-07-01T08:00:00.000Z",
        "metadata": {"input_type": "spreadsheet", "sheets": 3, "input_filename": "q3.xlsx"},
        "usage": {
            "input_tokens": {"video": 120, "hologram": 7},
            "truncated": True,
            "truncation_reason": "policy_limit",
            "billing_units": 4,
        },
        "data": [
            {
                "embedding": [0.25, -0.5],
                "embedding_option": "fused_v2",
                "embedding_scope": "scene",
                "start_sec": 0,
                "end_sec": 4.5,
                "quadrant": "center",
                "confidence": 0.9,  # unknown item key
            },
            {"embedding": [1.0], "embedding_option": "visual", "embedding_scope": "clip"},
        ],
        "error": {"message": "none yet", "code": "not_an_error"},
    }
    response = get_embedding_task_v2.sync_detailed(TASK_ID, client=client_answering(200, body))
    task = response.parsed
    assert isinstance(task, EmbeddingTask)
    assert_plain_str(task.status, "queued")
    assert task.additional_properties == {"priority": "high"}
    assert task.created_at == datetime.datetime(2026, 7, 1, 8, 0, tzinfo=datetime.UTC)

    assert isinstance(task.metadata, OtherMediaMetadata)
    assert task.metadata.input_type == "spreadsheet"
    assert task.metadata.additional_properties == {"sheets": 3, "input_filename": "q3.xlsx"}

    assert isinstance(task.usage, EmbeddingUsage)
    assert_plain_str(task.usage.truncation_reason, "policy_limit")
    assert task.usage.input_tokens.additional_properties == {"video": 120, "hologram": 7}
    assert task.usage.additional_properties == {"billing_units": 4}

    assert isinstance(task.data, list) and len(task.data) == 2
    assert all(isinstance(item, EmbeddingData) for item in task.data)
    first, second = task.data
    assert first.embedding == [0.25, -0.5]
    assert_plain_str(first.embedding_option, "fused_v2")
    assert_plain_str(first.embedding_scope, "scene")
    assert_plain_str(first.quadrant, "center")
    assert first.end_sec == 4.5
    assert first.additional_properties == {"confidence": 0.9}
    # Known values still come back as the enum members.
    assert second.embedding_option is EmbeddingOption.VISUAL
    assert second.embedding_scope is ResultEmbeddingScope.CLIP

    assert isinstance(task.error, TaskError)
    assert task.error.message == "none yet"
    assert task.error.additional_properties == {"code": "not_an_error"}


def test_v2_task_known_input_type_with_extra_keys_keeps_its_variant() -> None:
    """Video metadata with an extra key still parses as VideoMediaMetadata, the extra key kept aside."""
    body = {
        "_id": TASK_ID,
        "status": "ready",
        "data": [],
        "metadata": {
            "input_type": "video",
            "embedding_options": ["visual", "hologram"],
            "embedding_scopes": ["clip", "scene"],
            "duration": 12.5,
            "frame_rate": 29.97,
        },
    }
    task = get_embedding_task_v2.sync_detailed(TASK_ID, client=client_answering(200, body)).parsed
    assert isinstance(task, EmbeddingTask)
    assert task.status is TaskStatus.READY
    assert isinstance(task.metadata, VideoMediaMetadata)
    assert task.metadata.embedding_options == ["visual", "hologram"]
    assert task.metadata.embedding_scopes == ["clip", "scene"]
    assert task.metadata.duration == 12.5
    assert task.metadata.additional_properties == {"frame_rate": 29.97}


def test_v2_sync_result_with_unknown_input_type_and_values_parses() -> None:
    """A sync v2 result with an unknown metadata input type and unknown option/scope parses."""
    body = {
        "data": [{"embedding": [0.1, 0.2, 0.3], "embedding_option": "olfactory", "embedding_scope": "moment"}],
        "metadata": {"input_type": "smell", "intensity": 11},
        "request_id": "req_1",
    }
    request = CreateEmbeddingsRequest(
        input_type=SyncInputType.TEXT, model_name=ModelNameV2.MARENGO3_0, text=TextInputRequest(input_text="x")
    )
    result = create_embeddings_v2.sync_detailed(client=client_answering(200, body), body=request).parsed
    assert isinstance(result, EmbeddingSuccessResponse)
    assert result.additional_properties == {"request_id": "req_1"}
    assert isinstance(result.metadata, OtherMediaMetadata)
    assert result.metadata.input_type == "smell"
    assert result.metadata.additional_properties == {"intensity": 11}
    (item,) = result.data
    assert isinstance(item, EmbeddingData)
    assert_plain_str(item.embedding_option, "olfactory")
    assert_plain_str(item.embedding_scope, "moment")


def test_v2_created_task_with_unknown_status_parses() -> None:
    """A 202 for a new v2 task in an unknown status (`queued`) with extra keys parses."""
    body = {"_id": TASK_ID, "status": "queued", "data": None, "eta_sec": 30, "metadata": {"shards": 2}}
    request = CreateEmbeddingTaskRequest(
        input_type=AsyncInputType.VIDEO,
        model_name=ModelNameV2.MARENGO3_0,
        video=AsyncVideoInputRequest(media_source=MediaSource(url="https://example.com/v.mp4")),
    )
    created = create_embedding_task_v2.sync_detailed(client=client_answering(202, body), body=request).parsed
    assert isinstance(created, EmbeddingTaskCreated)
    assert created.id == TASK_ID
    assert_plain_str(created.status, "queued")
    assert created.data is None
    assert created.additional_properties == {"eta_sec": 30}
    assert isinstance(created.metadata, TaskCreatedMetadata)
    assert created.metadata.additional_properties == {"shards": 2}


@pytest.mark.parametrize("endpoint", [list_embedding_tasks_v2, list_video_embedding_tasks], ids=["v2", "legacy"])
def test_task_list_with_unknown_status_and_embedding_kind_parses(endpoint: Any) -> None:
    """List items in an unknown status and with an unknown `*_embedding` kind parse; the kind is kept."""
    body = {
        "data": [
            {
                "_id": TASK_ID,
                "status": "queued",
                "model_name": "marengo4.0",
                "pointcloud_embedding": {"metadata": {"points": 1000}},
                "video_embedding": {
                    "metadata": {"video_clip_length": 6, "video_embedding_scope": ["clip", "scene"], "fps": 25}
                },
            },
            {"_id": "66419a20c70bb578439bd8f4", "status": "ready"},
        ],
        "page_info": {"limit_per_page": 10, "page": 1, "total_page": 1, "total_results": 2, "cursor": "abc"},
        "next": None,
    }
    listing = endpoint.sync_detailed(client=client_answering(200, body)).parsed
    assert isinstance(listing, EmbeddingTaskList)
    assert listing.additional_properties == {"next": None}
    assert isinstance(listing.page_info, PageInfo)
    assert listing.page_info.total_results == 2
    assert listing.page_info.additional_properties == {"cursor": "abc"}
    assert isinstance(listing.data, list) and all(isinstance(t, MediaEmbeddingTask) for t in listing.data)
    queued, ready = listing.data
    assert_plain_str(queued.status, "queued")
    assert ready.status is TaskStatus.READY
    assert queued.additional_properties == {"pointcloud_embedding": {"metadata": {"points": 1000}}}
    assert isinstance(queued.video_embedding, VideoEmbeddingSummary)
    assert isinstance(queued.video_embedding.metadata, VideoEmbeddingMetadata)
    metadata = queued.video_embedding.metadata
    assert metadata.video_embedding_scope == ["clip", "scene"]
    assert metadata.additional_properties == {"fps": 25}


def test_legacy_status_with_unknown_status_parses() -> None:
    """The legacy status endpoint returns an unknown status (`queued`) as a plain string."""
    body = {"_id": TASK_ID, "status": "queued", "model_name": "marengo3.0", "queue_position": 4}
    status = get_video_embedding_task_status.sync_detailed(TASK_ID, client=client_answering(200, body)).parsed
    assert isinstance(status, VideoEmbeddingTaskStatus)
    assert_plain_str(status.status, "queued")
    assert status.additional_properties == {"queue_position": 4}


def test_legacy_segments_with_unknown_option_and_scope_parse() -> None:
    """Legacy segments with an unknown embedding option and scope (and extra keys) parse as VideoSegment."""
    body = {
        "_id": TASK_ID,
        "status": "queued",
        "video_embedding": {
            "segments": [
                {
                    "start_offset_sec": 0,
                    "end_offset_sec": 6,
                    "embedding_option": "visual-image",
                    "embedding_scope": "scene",
                    "float": [0.5, -0.25],
                    "norm": 1.0,
                },
                {"embedding_option": "audio", "embedding_scope": "clip", "float": [0.125]},
            ],
            "index_version": 2,
        },
    }
    task = retrieve_video_embeddings.sync_detailed(TASK_ID, client=client_answering(200, body)).parsed
    assert isinstance(task, VideoEmbeddingTask)
    assert_plain_str(task.status, "queued")
    assert isinstance(task.video_embedding, VideoEmbeddingWithSegments)
    assert task.video_embedding.additional_properties == {"index_version": 2}
    segments = task.video_embedding.segments
    assert isinstance(segments, list) and all(isinstance(s, VideoSegment) for s in segments)
    first, second = segments
    assert_plain_str(first.embedding_option, "visual-image")
    assert_plain_str(first.embedding_scope, "scene")
    assert first.float_ == [0.5, -0.25]
    assert first.additional_properties == {"norm": 1.0}
    assert second.embedding_option is LegacyEmbeddingOption.AUDIO
    assert second.embedding_scope is LegacyEmbeddingScope.CLIP


@pytest.mark.parametrize(
    ("status", "body", "model"),
    [
        (404, {"error": {"code": "resource_gone", "message": "gone", "trace": "t1"}, "hint": "h"}, NestedError),
        (400, {"code": "new_code", "message": "m", "request_id": "r1"}, FlatError),
    ],
    ids=["nested", "flat"],
)
def test_error_bodies_with_extra_keys_parse(status: int, body: dict[str, Any], model: type) -> None:
    """Error bodies with unknown codes and extra keys parse into the declared error model."""
    if model is NestedError:
        response = get_embedding_task_v2.sync_detailed(TASK_ID, client=client_answering(status, body))
    else:
        response = list_embedding_tasks_v2.sync_detailed(client=client_answering(status, body))
    parsed = response.parsed
    assert isinstance(parsed, model)
    if isinstance(parsed, NestedError):
        assert parsed.error.code == "resource_gone"
        assert parsed.error.additional_properties == {"trace": "t1"}
        assert parsed.additional_properties == {"hint": "h"}
    else:
        assert isinstance(parsed, FlatError)
        assert parsed.code == "new_code"
        assert parsed.additional_properties == {"request_id": "r1"}
