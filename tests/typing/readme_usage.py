"""The public API used the way the README shows it. Never run: `test_public_api.py` type-checks it with
`mypy --strict`, so a change that breaks (or silently loosens to Any) a public signature fails the suite.
"""

from __future__ import annotations

import asyncio
import logging

import numpy as np
import numpy.typing as npt

from twelvelabs_embed import (
    APIStatusError,
    AsyncEmbedClient,
    EmbedClient,
    EmbeddingArrays,
    EmbedError,
    PollPolicy,
    RateLimitError,
    RetryPolicy,
    TaskFailedError,
    Timeouts,
    TransportError,
    ValidationError,
    WaitTimeoutError,
    dynamic_segments,
    fixed_segments,
)
from twelvelabs_embed.models import (
    EmbeddingSuccessResponse,
    EmbeddingTask,
    EmbeddingTaskList,
    MediaEmbeddingTask,
    TaskStatus,
    Unset,
    VideoEmbeddingTask,
    VideoEmbeddingTaskStatus,
)
from twelvelabs_embed.testing import EmbedFake, FakeClock

log = logging.getLogger(__name__)


def on_poll(task: EmbeddingTask) -> None:
    log.info("task %s is %s", task.id, task.status)


def v2_sync_flow() -> npt.NDArray[np.float32]:
    with EmbedClient(
        timeouts=Timeouts(connect=5.0, read=120.0),
        retry=RetryPolicy(max_retries=5, max_retry_after=30.0),
        poll=PollPolicy(initial_interval=5.0, timeout=3600.0),
    ) as client:
        created = client.v2.tasks.create(
            input_type="video",
            url="https://example.com/clip.mp4",
            segmentation=fixed_segments(6),
            embedding_option=["visual", "audio"],
            embedding_scope=["clip", "asset"],
        )
        task_id: str = created.id
        try:
            done: EmbeddingTask = client.v2.tasks.wait(task_id, timeout=900, callback=on_poll)
        except TaskFailedError as failure:
            reason: str | None = failure.reason
            raise SystemExit(reason) from failure
        except WaitTimeoutError as late:
            last: str | None = late.last_status
            raise SystemExit(f"still {last}") from late
        status: str | TaskStatus = done.status
        log.info("%s", status)

        arrays: EmbeddingArrays = client.v2.tasks.retrieve_arrays(task_id)
        visual = arrays.select(option="visual", scope="clip")
        for segment in visual.segments():
            log.info("%s", segment["start_sec"])
        matrix: npt.NDArray[np.float32] = arrays.vectors

        quick = client.with_options(retry=RetryPolicy(max_retries=0)).v2.tasks.create_and_wait(
            input_type="audio", asset_id="asset-1", segmentation=dynamic_segments(4), timeout=600.0
        )
        log.info("%s", quick.id)
        return matrix


def v2_sync_embedding() -> list[float]:
    with EmbedClient(api_key="tlk_example", base_url="https://api.twelvelabs.io/v1.3") as client:
        result: EmbeddingSuccessResponse = client.v2.embeddings.create(input_type="text", text="a dog catching a ball")
        vector: list[float] = result.data[0].embedding
        return vector


def legacy_flow(path: str) -> int:
    with EmbedClient() as client:
        created = client.legacy.tasks.create(video_file=path, video_clip_length=6, video_embedding_scope=["clip"])
        task_id: str = created.id  # required in the spec: no narrowing needed
        log.info("created %s", task_id)

        def progress(task: VideoEmbeddingTaskStatus) -> None:
            log.info("%s", task.status)

        client.legacy.tasks.wait_for_done(created.id, callback=progress)
        task: VideoEmbeddingTask = client.legacy.tasks.retrieve(created.id, embedding_option=["visual-text"])
        arrays = client.legacy.tasks.retrieve_arrays(created.id)
        page: EmbeddingTaskList = client.legacy.tasks.list(status="ready", page_limit=20)
        log.info("%s %s", task.model_name, page.page_info)
        everything: list[MediaEmbeddingTask] = list(client.legacy.tasks.iter(max_items=100))
        whole = client.legacy.tasks.create_and_wait(video_url="https://example.com/v.mp4", timeout=1800.0)
        log.info("%s %s", len(everything), whole.id)
        return len(arrays)


def error_handling() -> None:
    with EmbedClient() as client:
        try:
            client.v2.tasks.retrieve("64f8d2c7e4a1b37f8a9c5d12")
        except ValidationError as bad:
            field: str = bad.field
            log.warning("bad argument %s: %s", field, bad.rule)
        except RateLimitError as limited:
            wait_for: float | None = limited.retry_after
            log.warning("retry in %s", wait_for)
        except APIStatusError as status_error:
            code: int = status_error.status_code
            detail: str | None = status_error.code
            request_id: str | None = status_error.request_id
            log.warning("%d %s %s %s", code, detail, status_error.message, request_id)
        except TransportError as network:
            log.warning("network: %s", network)
        except EmbedError as other:
            log.warning("%s", other)


async def on_poll_async(task: EmbeddingTask) -> None:
    await asyncio.sleep(0)
    log.info("%s", task.status)


async def async_flow() -> int:
    async with AsyncEmbedClient(retry=RetryPolicy(max_retries=2)) as client:
        created = await client.v2.tasks.create(input_type="video", url="https://example.com/clip.mp4")
        done: EmbeddingTask = await client.v2.tasks.wait(created.id, callback=on_poll_async)
        arrays: EmbeddingArrays = await client.v2.tasks.retrieve_arrays(done.id)
        count = 0
        async for item in client.v2.tasks.iter(status="ready", page_limit=50):
            item_id: str | Unset = item.id
            log.info("%s", item_id)
            count += 1
        legacy = await client.legacy.tasks.create_and_wait(video_url="https://example.com/v.mp4")
        embedded = await client.legacy.embeddings.create(text="a cat")
        log.info("%s %s", legacy.id, embedded.model_name)
        try:
            await client.v2.tasks.wait("64f8d2c7e4a1b37f8a9c5d12", timeout=60)
        except WaitTimeoutError as late:
            log.info("%s", late.last_status)
        return count + len(arrays)


def fake_flow() -> int:
    """The README's in-process fake: the client sleeps on the fake's clock, the test moves it."""
    fake = EmbedFake(processing_seconds=30)
    clock: FakeClock = fake.clock
    client = EmbedClient(
        api_key="test-key",
        base_url=fake.base_url,
        transport=fake.transport(),
        sleep=fake.clock.sleep,
        clock=fake.clock.monotonic,
    )
    task = client.v2.tasks.create(input_type="audio", url="https://example.com/a.mp3?duration=120")
    fake.clock.advance(3)
    client.v2.tasks.wait(task.id)
    fake.faults.add("status", operation="getEmbeddingTaskV2", status=503, times=2)
    return len(fake.calls("createEmbeddingTaskV2")) + int(clock.monotonic())


def test_with_fixtures(embed_fake: EmbedFake, embed_client: EmbedClient, async_embed_client: AsyncEmbedClient) -> None:
    """A test written against the pytest plugin's fixtures, annotated as a user would."""
    embed_fake.clock.advance(3)
    embed_client.v2.tasks.list()
    del async_embed_client


if __name__ == "__main__":  # pragma: no cover
    asyncio.run(async_flow())
