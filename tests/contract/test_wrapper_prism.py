"""End-to-end flows of the public client (`EmbedClient`, `AsyncEmbedClient`) against Prism serving openapi.yaml.

Prism is stateless: a `Prefer` header (set on an injected httpx client) picks the named example or the
declared error status that every response of a flow returns.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest

from tests.support.processes import ServerProcess
from twelvelabs_embed import (
    AsyncEmbedClient,
    AuthenticationError,
    BadRequestError,
    EmbedClient,
    NotFoundError,
    RateLimitError,
    RetryPolicy,
    ServerError,
    TaskFailedError,
    fixed_segments,
)

pytestmark = pytest.mark.prism

LEGACY_ID = "66419a20c70bb578439bd8f4"
V2_ID = "64f8d2c7e4a1b37f8a9c5d12"
NO_RETRY = RetryPolicy(max_retries=0)


def _client(prism: ServerProcess, prefer: str | None = None, **kwargs: object) -> EmbedClient:
    headers = {"Prefer": prefer} if prefer else {}
    return EmbedClient(
        "prism-key",
        base_url=prism.base_url,
        http_client=httpx.Client(headers=headers),
        sleep=lambda _: None,
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.fixture
def clip(tmp_path: Path) -> Iterator[Path]:
    """A tiny local 'video' file to upload."""
    path = tmp_path / "clip.mp4"
    path.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(512))
    yield path


def test_legacy_upload_wait_and_retrieve(prism_static: ServerProcess, clip: Path) -> None:
    """A legacy upload is accepted, the wait ends on `ready`, and the segments come back typed and as arrays."""
    with _client(prism_static) as client:
        created = client.legacy.tasks.create(video_file=clip, video_clip_length=6, video_embedding_scope=["clip"])
        assert created.id == LEGACY_ID
    with _client(prism_static, "example=ready") as client:
        polls: list[str] = []
        status = client.legacy.tasks.wait_for_done(created.id, callback=lambda s: polls.append(str(s.status)))
        assert str(status.status) in ("TaskStatus.READY", "ready") and len(polls) == 1
        task = client.legacy.tasks.retrieve(created.id, embedding_option=["visual", "audio"])
        segments = task.video_embedding.segments  # type: ignore[union-attr]
        assert [s.end_offset_sec for s in segments] == [6, 12, 6, 12]  # type: ignore[union-attr]
        arrays = client.legacy.tasks.retrieve_arrays(created.id)
        assert arrays.vectors.shape == (4, 3) and arrays.vectors.dtype == np.float32
        assert list(arrays.option) == ["visual", "visual", "audio", "audio"]
        np.testing.assert_allclose(arrays.vectors[0], [-0.06, 0.016, 0.043], rtol=1e-6)


def test_legacy_failed_task_raises(prism_static: ServerProcess) -> None:
    """A legacy wait whose status is `failed` raises TaskFailedError naming the task."""
    with _client(prism_static, "example=failed") as client, pytest.raises(TaskFailedError) as info:
        client.legacy.tasks.wait_for_done(LEGACY_ID)
    assert info.value.task_id == LEGACY_ID


def test_v2_create_wait_and_arrays(prism_static: ServerProcess) -> None:
    """A v2 task is created (202), the wait ends on `ready`, and the arrays match the example's two segments."""
    with _client(prism_static, "example=processing") as client:
        created = client.v2.tasks.create(
            input_type="audio", url="https://example.com/podcast.mp3", segmentation=fixed_segments(6)
        )
        assert created.id == V2_ID
    with _client(prism_static, "example=ready") as client:
        ready = client.v2.tasks.wait(created.id)
        assert ready.data and len(ready.data) == 2  # type: ignore[arg-type]
        arrays = client.v2.tasks.retrieve_arrays(created.id)
        assert arrays.vectors.shape == (2, 3) and list(arrays.end_sec) == [6.0, 12.0]


def test_v2_failed_task_carries_reason(prism_static: ServerProcess) -> None:
    """A failed v2 task raises TaskFailedError with the server's error.message."""
    with _client(prism_static, "example=failed") as client, pytest.raises(TaskFailedError) as info:
        client.v2.tasks.wait(V2_ID)
    assert info.value.reason == "failed to fetch or materialize source media"


def test_lists_iterate_and_stop_on_page_info(prism_static: ServerProcess) -> None:
    """Both list iterators yield the example page's task and stop because page_info says one page."""
    with _client(prism_static) as client:
        assert [t.id for t in client.legacy.tasks.iter(status="ready")] == [LEGACY_ID]
        assert [t.id for t in client.v2.tasks.iter()] == [V2_ID]


def test_sync_embeddings(prism_static: ServerProcess) -> None:
    """The two sync endpoints return their examples' vectors."""
    with _client(prism_static, "example=text") as client:
        v2 = client.v2.embeddings.create(input_type="text", text="a dog catching a ball")
        assert v2.data[0].embedding == [0.111, 0.234, -0.567, 0.89]
        legacy = client.legacy.embeddings.create(text="a dog catching a ball")
        assert legacy.text_embedding.segments[0].float_ == [-0.0625, 0.0161, 0.0427, -0.0198]  # type: ignore[union-attr,index]


@pytest.mark.parametrize(
    ("prefer", "call", "error", "code"),
    [
        ("code=400", lambda c: c.legacy.tasks.status(LEGACY_ID), BadRequestError, "parameter_invalid"),
        ("code=401", lambda c: c.v2.tasks.list(), AuthenticationError, "api_key_invalid"),
        ("code=404", lambda c: c.v2.tasks.retrieve(V2_ID), NotFoundError, "resource_not_exist"),
        ("code=404", lambda c: c.legacy.tasks.retrieve(LEGACY_ID), NotFoundError, "resource_not_exist"),
        ("code=429", lambda c: c.v2.tasks.create(input_type="video", url="https://e.com/v.mp4"), RateLimitError,
         "too_many_requests"),
        ("code=500", lambda c: c.v2.embeddings.create(input_type="text", text="x"), ServerError,
         "internal_server_error"),
    ],
)  # fmt: skip
def test_declared_errors_become_typed_errors(prism_static: ServerProcess, prefer, call, error, code) -> None:  # type: ignore[no-untyped-def]
    """Each declared error status of the spec reaches the caller as its typed error with the server's code."""
    with _client(prism_static, prefer, retry=NO_RETRY) as client, pytest.raises(error) as info:
        call(client)
    assert info.value.code == code and info.value.message


def test_async_client_end_to_end(prism_static: ServerProcess) -> None:
    """The async client creates, waits, iterates and fetches arrays against Prism, 10 waits concurrently."""

    async def flow() -> None:
        http = httpx.AsyncClient(headers={"Prefer": "example=ready"})

        async def no_sleep(_: float) -> None:
            return None

        async with AsyncEmbedClient("prism-key", base_url=prism_static.base_url, http_client=http,
                                    sleep=no_sleep) as client:  # fmt: skip
            done = await asyncio.gather(*(client.v2.tasks.wait(V2_ID) for _ in range(10)))
            assert {t.id for t in done} == {V2_ID}
            arrays = await client.legacy.tasks.retrieve_arrays(LEGACY_ID)
            assert arrays.vectors.shape == (4, 3)
        async with AsyncEmbedClient("prism-key", base_url=prism_static.base_url, sleep=no_sleep) as client:
            assert [t.id async for t in client.legacy.tasks.iter()] == [LEGACY_ID]

    asyncio.run(flow())
