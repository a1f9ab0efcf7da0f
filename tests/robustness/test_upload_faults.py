"""Multipart uploads under faults, against the fake: a chunk PUT that fails, a connection dropped mid-chunk,
presigned URLs that expire early, an upload stopped half-way (an exception, a cancelled task, a process killed
with SIGKILL over real HTTP) and resumed, a file changed between runs, a session closed on the server, and the
API key never sent to the upload origin. Each test asserts what the fake received (its request log), not only
the result.

Chunks are 1 KiB and `multipart_threshold` is lowered, so an 11 KiB file is eleven chunks; the clients sleep
on the fake's clock, so backoffs cost no real time.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from twelvelabs_embed import AsyncEmbedClient, EmbedClient, RetryPolicy, ServerError, UploadError, ValidationError
from twelvelabs_embed.testing import AssetSettings, EmbedFake, RecordedRequest, WallClock

CHUNK = 1024
TOTAL = 11
DATA = os.urandom((TOTAL - 1) * CHUNK + 100)
THRESHOLD = 4 * CHUNK


@pytest.fixture
def fake() -> Iterator[EmbedFake]:
    with EmbedFake(asset_settings=AssetSettings(chunk_size=CHUNK, initial_urls=4)) as instance:
        yield instance


def make_client(fake: EmbedFake, **kwargs: Any) -> EmbedClient:
    return EmbedClient(
        api_key=fake.api_key,
        base_url=fake.base_url,
        transport=fake.transport(),
        sleep=fake.clock.sleep,
        clock=fake.clock.monotonic,
        **kwargs,
    )


@pytest.fixture
def client(fake: EmbedFake) -> Iterator[EmbedClient]:
    with make_client(fake) as instance:
        yield instance


@pytest.fixture
def media(tmp_path: Path) -> Path:
    path = tmp_path / "talk.mp4"
    path.write_bytes(DATA)
    return path


def puts(fake: EmbedFake) -> list[RecordedRequest]:
    return [r for r in fake.upload_requests if r.method == "PUT"]


def chunk_of(record: RecordedRequest) -> int:
    query = dict(part.split("=", 1) for part in record.query.split("&"))
    return int(query["partNumber"])


def uploaded(fake: EmbedFake, asset_id: str) -> bytes:
    (upload,) = [u for u in fake.multipart_uploads if u.asset_id == asset_id]
    return upload.data()


def test_a_failed_chunk_put_is_retried(fake: EmbedFake, client: EmbedClient, media: Path, tmp_path: Path) -> None:
    """The third PUT answers 500 once: that chunk is sent again on a fresh URL and the file arrives whole."""
    fake.chunk_faults.add("status", nth=3)
    asset = client.assets.upload(media, multipart_threshold=THRESHOLD, state_dir=tmp_path / "s", concurrency=1)
    assert uploaded(fake, asset.id) == DATA and asset.status == "ready"
    records = puts(fake)
    assert [r.status for r in records].count(500) == 1
    failed = next(r for r in records if r.status == 500)
    assert len(records) == TOTAL + 1
    assert [chunk_of(r) for r in records].count(chunk_of(failed)) == 2
    assert fake.multipart_uploads[0].chunk(chunk_of(failed)).status == "completed"


def test_a_dropped_connection_mid_chunk_is_retried(
    fake: EmbedFake, client: EmbedClient, media: Path, tmp_path: Path
) -> None:
    """The connection drops half-way through the second PUT's body: the chunk is sent again, whole."""
    fake.chunk_faults.add("drop", nth=2)
    asset = client.assets.upload(media, multipart_threshold=THRESHOLD, state_dir=tmp_path / "s", concurrency=1)
    assert uploaded(fake, asset.id) == DATA
    records = puts(fake)
    dropped = [r for r in records if r.status is None]
    assert len(dropped) == 1 and dropped[0].chunk_fault == "drop"
    assert len(records) == TOTAL + 1


def test_expired_urls_are_replaced_by_fresh_ones(
    fake: EmbedFake, client: EmbedClient, media: Path, tmp_path: Path
) -> None:
    """Every URL expires at the second PUT: the client asks for fresh URLs (not counted as failures)."""
    fake.chunk_faults.add("expire", nth=2)
    asset = client.assets.upload(
        media,
        multipart_threshold=THRESHOLD,
        state_dir=tmp_path / "s",
        concurrency=1,
    )
    assert uploaded(fake, asset.id) == DATA
    records = puts(fake)
    refused = [r for r in records if r.status == 403]
    assert len(refused) == 1  # the URLs of the same generation were dropped with it, not tried one by one
    urls = fake.calls("requestAdditionalPresignedUrls")
    assert urls and all(r.status == 200 for r in urls)
    assert len(records) == TOTAL + 1


def test_expiry_is_not_a_failure_even_with_retries_off(fake: EmbedFake, media: Path, tmp_path: Path) -> None:
    """With `RetryPolicy(max_retries=0)` an expired URL still gets a fresh one (only real failures count)."""
    fake.chunk_faults.add("expire", nth=3)
    with make_client(fake, retry=RetryPolicy(max_retries=0)) as client:
        asset = client.assets.upload(media, multipart_threshold=THRESHOLD, state_dir=tmp_path, concurrency=2)
    assert uploaded(fake, asset.id) == DATA


def test_a_chunk_that_keeps_failing_raises_upload_error_and_resumes_later(
    fake: EmbedFake, client: EmbedClient, media: Path, tmp_path: Path
) -> None:
    """Chunk 5 fails every attempt: `UploadError` names it; once the origin recovers the same call finishes,
    sending only the chunks the server does not have."""
    fault = fake.chunk_faults.add("status", chunk_index=5, times=None, status=503)
    with pytest.raises(UploadError) as caught:
        client.assets.upload(media, multipart_threshold=THRESHOLD, state_dir=tmp_path / "s", concurrency=1)
    error = caught.value
    assert error.chunk_index == 5 and error.status_code == 503
    assert error.upload_id == fake.multipart_uploads[0].id
    assert fault.hits == 1 + client.retry.max_retries
    first_run = {chunk_of(r) for r in puts(fake) if r.status == 200}
    fake.chunk_faults.clear()
    before = len(puts(fake))
    asset = client.assets.upload(media, multipart_threshold=THRESHOLD, state_dir=tmp_path / "s", concurrency=1)
    assert asset.id == error.asset_id and uploaded(fake, asset.id) == DATA
    second_run = {chunk_of(r) for r in puts(fake)[before:]}
    assert second_run == set(range(1, TOTAL + 1)) - first_run
    assert len(fake.calls("createMultipartUpload")) == 1


class Stop(Exception):
    """Raised from the progress callback to stop an upload half-way, like Ctrl-C."""


def test_interrupted_upload_resumes_sending_only_missing_chunks(
    fake: EmbedFake, client: EmbedClient, media: Path, tmp_path: Path
) -> None:
    """An exception from the progress callback after 4 chunks stops the upload; the same call again continues
    the same session, reports the chunks sent but unreported, and PUTs only the others."""

    def stop_after_four(sent: int, total: int) -> None:
        if sent >= 4 * CHUNK:
            raise Stop

    with pytest.raises(Stop):
        client.assets.upload(
            media, multipart_threshold=THRESHOLD, state_dir=tmp_path, concurrency=2, on_progress=stop_after_four
        )
    first_run = {chunk_of(r) for r in puts(fake) if r.status == 200}
    assert 4 <= len(first_run) < TOTAL
    assert fake.multipart_uploads[0].reported < TOTAL
    before = len(puts(fake))
    progress: list[int] = []
    asset = client.assets.upload(
        media, multipart_threshold=THRESHOLD, state_dir=tmp_path, on_progress=lambda s, t: progress.append(s)
    )
    second_run = [chunk_of(r) for r in puts(fake)[before:]]
    assert set(second_run) == set(range(1, TOTAL + 1)) - first_run
    assert len(second_run) == len(set(second_run))
    assert progress[0] >= 4 * CHUNK and progress[-1] == len(DATA)  # the resumed start shows in the progress
    assert len(fake.calls("createMultipartUpload")) == 1
    assert uploaded(fake, asset.id) == DATA and asset.status == "ready"


def test_cancelled_async_upload_resumes(fake: EmbedFake, media: Path, tmp_path: Path) -> None:
    """An async upload cancelled mid-way (the task is cancelled, as Ctrl-C does under asyncio.run) resumes
    with the chunks it had not sent."""

    def client() -> AsyncEmbedClient:
        return AsyncEmbedClient(
            api_key=fake.api_key,
            base_url=fake.base_url,
            transport=fake.async_transport(),
            sleep=fake.clock.async_sleep,
            clock=fake.clock.monotonic,
        )

    async def interrupted() -> None:
        async with client() as api:
            halfway = asyncio.Event()

            def progress(sent: int, total: int) -> None:
                if sent >= 3 * CHUNK:
                    halfway.set()

            task = asyncio.ensure_future(
                api.assets.upload(media, multipart_threshold=THRESHOLD, state_dir=tmp_path, on_progress=progress)
            )
            await halfway.wait()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task

    asyncio.run(interrupted())
    first_run = {chunk_of(r) for r in puts(fake) if r.status == 200}
    assert 3 <= len(first_run) < TOTAL
    before = len(puts(fake))

    async def resumed() -> str:
        async with client() as api:
            return (await api.assets.upload(media, multipart_threshold=THRESHOLD, state_dir=tmp_path)).id

    asset_id = asyncio.run(resumed())
    second_run = {chunk_of(r) for r in puts(fake)[before:]}
    assert second_run == set(range(1, TOTAL + 1)) - first_run
    assert len(fake.calls("createMultipartUpload")) == 1
    assert uploaded(fake, asset_id) == DATA


def test_a_changed_file_starts_a_new_upload(fake: EmbedFake, client: EmbedClient, media: Path, tmp_path: Path) -> None:
    """A file rewritten (same size, other bytes) after an interruption is uploaded anew, in a new session."""
    with pytest.raises(Stop):
        client.assets.upload(
            media,
            multipart_threshold=THRESHOLD,
            state_dir=tmp_path,
            concurrency=1,
            on_progress=lambda sent, total: (_ for _ in ()).throw(Stop) if sent >= 2 * CHUNK else None,
        )
    changed = bytes(reversed(DATA))
    media.write_bytes(changed)
    os.utime(media, ns=(1_000_000_000, 1_000_000_000))
    asset = client.assets.upload(media, multipart_threshold=THRESHOLD, state_dir=tmp_path)
    sessions = fake.multipart_uploads
    assert len(sessions) == 2 and sessions[1].asset_id == asset.id
    assert sessions[1].data() == changed
    assert sessions[0].reported < TOTAL  # the old session was left as it was


def test_a_session_closed_on_the_server_ends_with_upload_error(
    fake: EmbedFake, client: EmbedClient, media: Path, tmp_path: Path
) -> None:
    """A session that fails on the server mid-upload ends the upload with `UploadError` (no endless retries);
    the next call starts a new session."""

    def fail_session(sent: int, total: int) -> None:
        if sent >= 2 * CHUNK and fake.multipart_uploads[0].failure is None:
            fake.fail_upload(fake.multipart_uploads[0].id)

    with pytest.raises(UploadError) as caught:
        client.assets.upload(
            media, multipart_threshold=THRESHOLD, state_dir=tmp_path, concurrency=1, on_progress=fail_session
        )
    assert caught.value.upload_id == fake.multipart_uploads[0].id
    assert len(puts(fake)) < TOTAL + 2
    asset = client.assets.upload(media, multipart_threshold=THRESHOLD, state_dir=tmp_path)
    assert len(fake.multipart_uploads) == 2 and uploaded(fake, asset.id) == DATA


def test_creating_a_session_is_never_retried(fake: EmbedFake, client: EmbedClient, media: Path, tmp_path: Path) -> None:
    """A 503 on `POST /assets/multipart-uploads` may have created a session: it is raised, not retried."""
    fake.faults.add("status", operation="createMultipartUpload", status=503)
    with pytest.raises(ServerError):
        client.assets.upload(media, multipart_threshold=THRESHOLD, state_dir=tmp_path)
    assert len(fake.calls("createMultipartUpload")) == 1
    assert puts(fake) == []


def test_the_api_key_never_reaches_the_upload_origin(fake: EmbedFake, media: Path, tmp_path: Path) -> None:
    """Even through an `http_client` whose default headers carry the key and an Authorization header, no
    request to the upload origin carries either (the origin would refuse them: 403 / 400)."""
    headers = {"x-api-key": fake.api_key, "authorization": "Bearer secret"}
    with (
        httpx.Client(transport=fake.transport(), headers=headers) as http,
        EmbedClient(
            api_key=fake.api_key,
            base_url=fake.base_url,
            http_client=http,
            upload_transport=fake.transport(),
            sleep=fake.clock.sleep,
            clock=fake.clock.monotonic,
        ) as client,
    ):
        fake.chunk_faults.add("expire", nth=2)
        asset = client.assets.upload(media, multipart_threshold=THRESHOLD, state_dir=tmp_path, concurrency=3)
    origin = fake.upload_requests
    assert len(origin) >= TOTAL
    assert all(r.header("x-api-key") is None and r.header("authorization") is None for r in origin)
    assert all(r.status in (200, 403) for r in origin)
    assert uploaded(fake, asset.id) == DATA
    api = [r for r in fake.requests if r.origin == "api"]
    assert api and all(r.header("x-api-key") == fake.api_key for r in api)


KILLED_UPLOAD = """
import os, signal, sys
from twelvelabs_embed import EmbedClient

def progress(sent: int, total: int) -> None:
    if sent >= 3 * {chunk}:
        os.kill(os.getpid(), signal.SIGKILL)  # no cleanup of any kind: the process just ends

with EmbedClient(api_key={key!r}, base_url={base_url!r}) as client:
    client.assets.upload(sys.argv[1], multipart_threshold={threshold}, state_dir=sys.argv[2], concurrency=1,
                         on_progress=progress)
"""


def test_a_killed_process_resumes_with_the_missing_chunks(media: Path, tmp_path: Path) -> None:
    """A process killed with SIGKILL in the middle of an upload (over real HTTP) leaves its state file; the
    same call in another process continues the session and PUTs only the chunks the first did not."""
    fake = EmbedFake(
        clock=WallClock(),
        processing_seconds=0,
        asset_settings=AssetSettings(chunk_size=CHUNK, initial_urls=4),
    )
    with fake, fake.run_server() as server:
        script = KILLED_UPLOAD.format(chunk=CHUNK, key=fake.api_key, base_url=server.base_url, threshold=THRESHOLD)
        result = subprocess.run(
            [sys.executable, "-c", script, str(media), str(tmp_path / "state")],
            capture_output=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == -9, result.stderr.decode()[-2000:]
        first_run = {chunk_of(r) for r in puts(fake) if r.status == 200}
        assert 3 <= len(first_run) < TOTAL
        assert len(list((tmp_path / "state").iterdir())) == 1
        before = len(puts(fake))
        with EmbedClient(api_key=fake.api_key, base_url=server.base_url) as client:
            asset = client.assets.upload(media, multipart_threshold=THRESHOLD, state_dir=tmp_path / "state")
        second_run = [chunk_of(r) for r in puts(fake)[before:]]
    assert set(second_run) == set(range(1, TOTAL + 1)) - first_run and len(second_run) == len(set(second_run))
    assert len(fake.calls("createMultipartUpload")) == 1
    assert uploaded(fake, asset.id) == DATA and asset.status == "ready"


def test_a_file_changed_during_the_upload_never_completes_the_session(
    fake: EmbedFake, client: EmbedClient, media: Path, tmp_path: Path
) -> None:
    """A file touched while its chunks are sent is refused before the last report: the session stays
    incomplete (no asset mixing two versions), and the next call starts a new session."""

    def touch(sent: int, total: int) -> None:
        if sent >= 2 * CHUNK:
            os.utime(media, ns=(2_000_000_000, 2_000_000_000))

    with pytest.raises(ValidationError) as caught:
        client.assets.upload(media, multipart_threshold=THRESHOLD, state_dir=tmp_path, on_progress=touch)
    assert caught.value.field == "path" and "changed" in caught.value.rule
    assert fake.multipart_uploads[0].completed_at is None
    assert list(tmp_path.glob("*.json")) == []
    asset = client.assets.upload(media, multipart_threshold=THRESHOLD, state_dir=tmp_path)
    assert len(fake.multipart_uploads) == 2 and uploaded(fake, asset.id) == DATA
