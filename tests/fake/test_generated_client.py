"""The generated low-level client (`twelvelabs_embed_generated`) parses every answer of the fake."""

from __future__ import annotations

import asyncio
import datetime
from io import BytesIO

import httpx

from twelvelabs_embed.testing import EmbedFake
from twelvelabs_embed_generated import AuthenticatedClient
from twelvelabs_embed_generated.api.embed_v2 import create_embeddings_v2
from twelvelabs_embed_generated.api.embed_v2_tasks import (
    create_embedding_task_v2,
    get_embedding_task_v2,
    list_embedding_tasks_v2,
)
from twelvelabs_embed_generated.api.legacy_embed import create_legacy_embedding
from twelvelabs_embed_generated.api.legacy_tasks import (
    create_video_embedding_task,
    get_video_embedding_task_status,
    list_video_embedding_tasks,
    retrieve_video_embeddings,
)
from twelvelabs_embed_generated.models import (
    CreateEmbeddingsRequest,
    CreateEmbeddingTaskRequest,
    CreateLegacyEmbeddingForm,
    CreateVideoEmbeddingTaskForm,
    EmbeddingSuccessResponse,
    EmbeddingTask,
    EmbeddingTaskCreated,
    EmbeddingTaskList,
    FlatError,
    LegacyEmbeddingOption,
    LegacyEmbeddingResponse,
    LegacyEmbeddingScope,
    NestedError,
    TaskStatus,
    VideoEmbeddingTask,
    VideoEmbeddingTaskCreated,
    VideoEmbeddingTaskStatus,
)
from twelvelabs_embed_generated.types import File

from .helpers import LEGACY_ID, VIDEO_URL, generated_client, video_task_body


def test_legacy_task_round_trip(embed_fake: EmbedFake) -> None:
    """Create, poll, list and retrieve a legacy task with the generated client; every answer parses."""
    client = generated_client(embed_fake)
    form = CreateVideoEmbeddingTaskForm(
        model_name="marengo3.0",
        video_url=VIDEO_URL + "?duration=12",
        video_embedding_scope=[LegacyEmbeddingScope.CLIP, LegacyEmbeddingScope.VIDEO],
    )
    created = create_video_embedding_task.sync_detailed(client=client, body=form).parsed
    assert isinstance(created, VideoEmbeddingTaskCreated)
    assert isinstance(created.id, str)
    status = get_video_embedding_task_status.sync(created.id, client=client)
    assert isinstance(status, VideoEmbeddingTaskStatus)
    assert status.status == TaskStatus.PROCESSING
    embed_fake.advance(10)
    listed = list_video_embedding_tasks.sync(client=client)
    assert isinstance(listed, EmbeddingTaskList)
    assert [item.id for item in listed.data or []] == [created.id]
    task = retrieve_video_embeddings.sync(created.id, client=client, embedding_option=[LegacyEmbeddingOption.VISUAL])
    assert isinstance(task, VideoEmbeddingTask)
    assert task.status == TaskStatus.READY
    segments = task.video_embedding.segments if task.video_embedding else None
    assert segments is not None
    assert [(s.start_offset_sec, s.end_offset_sec, s.embedding_scope) for s in segments] == [
        (0, 6, LegacyEmbeddingScope.CLIP),
        (6, 12, LegacyEmbeddingScope.CLIP),
        (0, 12, LegacyEmbeddingScope.VIDEO),
    ]
    assert all(len(s.float_ or []) == 512 for s in segments)


def test_legacy_upload_through_the_generated_client(embed_fake: EmbedFake) -> None:
    """A `video_file` upload sent by the generated multipart code is received and named."""
    client = generated_client(embed_fake)
    upload = File(payload=BytesIO(b"\x00" * 2048), file_name="holiday.mp4", mime_type="video/mp4")
    created = create_video_embedding_task.sync(
        client=client, body=CreateVideoEmbeddingTaskForm(model_name="marengo3.0", video_file=upload)
    )
    assert isinstance(created, VideoEmbeddingTaskCreated) and isinstance(created.id, str)
    assert embed_fake.task(created.id).input_filename == "holiday.mp4"
    assert embed_fake.calls("createVideoEmbeddingTask")[0].body_size > 2048


def test_legacy_errors_parse_as_flat_errors(embed_fake: EmbedFake) -> None:
    """400 and 404 of legacy operations parse as `FlatError` with the API's codes."""
    client = generated_client(embed_fake)
    bad = create_video_embedding_task.sync_detailed(
        client=client, body=CreateVideoEmbeddingTaskForm(model_name="marengo3.0", video_clip_length=6)
    )
    assert bad.status_code == 400
    assert isinstance(bad.parsed, FlatError) and bad.parsed.code == "parameter_not_provided"
    missing = get_video_embedding_task_status.sync_detailed(LEGACY_ID, client=client)
    assert missing.status_code == 404
    assert isinstance(missing.parsed, FlatError) and missing.parsed.code == "resource_not_exist"


def test_legacy_sync_embedding(embed_fake: EmbedFake) -> None:
    """POST /embed through the generated client returns a parsed text embedding."""
    client = generated_client(embed_fake)
    answer = create_legacy_embedding.sync(
        client=client, body=CreateLegacyEmbeddingForm(model_name="marengo3.0", text="a red car")
    )
    assert isinstance(answer, LegacyEmbeddingResponse)
    segments = answer.text_embedding.segments if answer.text_embedding else None
    assert segments is not None and len(segments[0].float_ or []) == 512


def test_v2_task_round_trip(embed_fake: EmbedFake) -> None:
    """Create, list and read a v2 task with the generated client, including a failed one."""
    client = generated_client(embed_fake)
    created = create_embedding_task_v2.sync(client=client, body=CreateEmbeddingTaskRequest.from_dict(video_task_body()))
    assert isinstance(created, EmbeddingTaskCreated)
    failing = create_embedding_task_v2.sync(
        client=client, body=CreateEmbeddingTaskRequest.from_dict(video_task_body(VIDEO_URL + "?fail=bad+codec"))
    )
    assert isinstance(failing, EmbeddingTaskCreated)
    embed_fake.advance(10)
    ready = get_embedding_task_v2.sync(created.id, client=client)
    assert isinstance(ready, EmbeddingTask)
    assert ready.status == TaskStatus.READY and ready.data and len(ready.data[0].embedding) == 512
    assert ready.created_at == datetime.datetime(2026, 7, 1, 8, tzinfo=datetime.UTC)
    failed = get_embedding_task_v2.sync(failing.id, client=client)
    assert isinstance(failed, EmbeddingTask) and failed.error and failed.error.message == "bad codec"
    listed = list_embedding_tasks_v2.sync(client=client, status=TaskStatus.READY)
    assert isinstance(listed, EmbeddingTaskList) and [item.id for item in listed.data or []] == [created.id]


def test_v2_errors_parse_as_nested_errors(embed_fake: EmbedFake) -> None:
    """A 404 of GET /embed-v2/tasks/{id} and a 400 of POST /embed-v2 parse as `NestedError`."""
    client = generated_client(embed_fake)
    missing = get_embedding_task_v2.sync_detailed("64f8d2c7e4a1b37f8a9c5d12", client=client)
    assert missing.status_code == 404
    assert isinstance(missing.parsed, NestedError) and missing.parsed.error.code == "resource_not_exist"
    request = CreateEmbeddingsRequest.from_dict({"input_type": "video", "model_name": "marengo3.0"})
    invalid = create_embeddings_v2.sync_detailed(client=client, body=request)
    assert isinstance(invalid.parsed, NestedError) and invalid.parsed.error.code == "parameter_not_provided"


def test_v2_sync_embedding_async_client(embed_fake: EmbedFake) -> None:
    """The generated client's asyncio functions work over the fake's async transport."""
    client = AuthenticatedClient(
        base_url=embed_fake.base_url, token=embed_fake.api_key, prefix="", auth_header_name="x-api-key"
    )
    body = CreateEmbeddingsRequest.from_dict(
        {"input_type": "text", "model_name": "marengo3.0", "text": {"input_text": "a red car"}}
    )

    async def main() -> object:
        async with httpx.AsyncClient(
            base_url=embed_fake.base_url,
            transport=embed_fake.async_transport(),
            headers={"x-api-key": embed_fake.api_key},
        ) as http:
            client.set_async_httpx_client(http)
            return await create_embeddings_v2.asyncio(client=client, body=body)

    answer = asyncio.run(main())
    assert isinstance(answer, EmbeddingSuccessResponse)
    assert len(answer.data[0].embedding) == 512


def test_wrong_key_through_the_generated_client(embed_fake: EmbedFake) -> None:
    """A wrong key gives 401 parsed as a flat error even on an operation with nested errors."""
    client = AuthenticatedClient(base_url=embed_fake.base_url, token="nope", prefix="", auth_header_name="x-api-key")
    client.set_httpx_client(
        httpx.Client(base_url=embed_fake.base_url, transport=embed_fake.transport(), headers={"x-api-key": "nope"})
    )
    answer = get_embedding_task_v2.sync_detailed("64f8d2c7e4a1b37f8a9c5d12", client=client)
    assert answer.status_code == 401
    assert isinstance(answer.parsed, FlatError) and answer.parsed.code == "api_key_invalid"
