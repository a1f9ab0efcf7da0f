"""`client.assets` against the in-process fake: direct and URL creates, listing, retrieve, delete, waits,
multipart uploads (byte-equal, bounded concurrency, progress), and `v2.tasks.create(file=...)`.

Chunks are tiny (`AssetSettings(chunk_size=1024)`) and `multipart_threshold` is lowered, so a 10 KiB file
takes the multipart path in eleven chunks; the clients sleep on the fake's clock.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from twelvelabs_embed import (
    AssetFailedError,
    AsyncEmbedClient,
    ConflictError,
    EmbedClient,
    NotFoundError,
    ValidationError,
)
from twelvelabs_embed import _validation as validation
from twelvelabs_embed.testing import AssetSettings, EmbedFake

CHUNK = 1024
DATA = os.urandom(10 * CHUNK + 17)  # 11 chunks, the last one 17 bytes
SETTINGS = AssetSettings(chunk_size=CHUNK, initial_urls=3)


@pytest.fixture
def fake() -> Iterator[EmbedFake]:
    with EmbedFake(asset_settings=SETTINGS) as instance:
        yield instance


@pytest.fixture
def client(fake: EmbedFake) -> Iterator[EmbedClient]:
    with EmbedClient(
        api_key=fake.api_key,
        base_url=fake.base_url,
        transport=fake.transport(),
        sleep=fake.clock.sleep,
        clock=fake.clock.monotonic,
    ) as instance:
        yield instance


def async_client(fake: EmbedFake, **kwargs: Any) -> AsyncEmbedClient:
    return AsyncEmbedClient(
        api_key=fake.api_key,
        base_url=fake.base_url,
        transport=fake.async_transport(),
        sleep=fake.clock.async_sleep,
        clock=fake.clock.monotonic,
        **kwargs,
    )


@pytest.fixture
def media(tmp_path: Path) -> Path:
    path = tmp_path / "talk.mp4"
    path.write_bytes(DATA)
    return path


def test_direct_upload_streams_the_file_and_returns_the_ready_asset(
    fake: EmbedFake, client: EmbedClient, media: Path, tmp_path: Path
) -> None:
    """A file under the direct limit goes in one POST /assets and `upload` returns it ready, bytes intact."""
    progress: list[tuple[int, int]] = []
    asset = client.assets.upload(media, state_dir=tmp_path / "state", on_progress=lambda s, t: progress.append((s, t)))
    assert asset.status == "ready"
    assert fake.asset(asset.id).data == DATA
    assert fake.asset(asset.id).method == "direct"
    assert len(fake.calls("createAsset")) == 1
    assert fake.calls("createMultipartUpload") == []
    assert progress == [(0, len(DATA)), (len(DATA), len(DATA))]


def test_direct_upload_reports_progress_as_the_body_streams(
    fake: EmbedFake, client: EmbedClient, tmp_path: Path
) -> None:
    """A direct upload larger than one read reports the bytes read as the request streams the file
    (strictly increasing, below the total until the server has it), then the total."""
    data = os.urandom(5 * validation.UploadReader.CHUNK + 123)
    path = tmp_path / "clip.mp4"
    path.write_bytes(data)
    progress: list[tuple[int, int]] = []
    asset = client.assets.upload(path, on_progress=lambda s, t: progress.append((s, t)), wait=False)
    assert fake.asset(asset).data == data
    sent = [s for s, _ in progress]
    assert {t for _, t in progress} == {len(data)}
    assert sent[0] == 0 and sent[-1] == len(data)
    assert sent == sorted(set(sent)) and len(sent) >= 5, sent  # every read of the stream shows
    assert all(s % validation.UploadReader.CHUNK == 0 for s in sent[1:-1])


def test_an_exception_from_direct_upload_progress_is_raised_as_itself(client: EmbedClient, tmp_path: Path) -> None:
    """The callback's own exception ends a direct upload mid-stream, as it ends a multipart one."""
    path = tmp_path / "clip.mp4"
    path.write_bytes(os.urandom(3 * validation.UploadReader.CHUNK))

    class Stop(Exception):
        pass

    def stop(sent: int, total: int) -> None:
        if sent > 0:
            raise Stop

    with pytest.raises(Stop):
        client.assets.upload(path, on_progress=stop, wait=False)


def test_create_from_url_then_wait_until_ready(fake: EmbedFake, client: EmbedClient) -> None:
    """A URL asset starts processing; `wait` polls it to ready, calling `on_poll` with each asset seen."""
    created = client.assets.create_from_url("https://example.com/clip.mp4", filename="clip.mp4")
    assert created.status == "processing"
    seen: list[str] = []
    ready = client.assets.wait(created.id, on_poll=lambda asset: seen.append(str(asset.status)))
    assert ready.status == "ready" and ready.id == created.id
    assert seen[-1] == "ready" and seen[0] == "processing"
    form = fake.calls("createAsset")[0]
    assert form.method == "POST" and fake.asset(created.id).url == "https://example.com/clip.mp4"


def test_wait_raises_a_typed_error_when_the_asset_fails(client: EmbedClient) -> None:
    """A failed asset is `AssetFailedError` with the server's reason (or returned when asked)."""
    created = client.assets.create_from_url("https://example.com/clip.mp4?fail=corrupt%20file")
    with pytest.raises(AssetFailedError) as caught:
        client.assets.wait(created.id)
    assert caught.value.asset_id == created.id and caught.value.reason == "corrupt file"
    assert client.assets.wait(created.id, raise_on_failure=False).status == "failed"


def test_list_iter_retrieve_and_delete(fake: EmbedFake, client: EmbedClient, tmp_path: Path) -> None:
    """Listing filters reach the server; iteration walks every page; delete honours 409 and `force`."""
    image = tmp_path / "cover.jpg"
    image.write_bytes(b"\xff\xd8\xff" + b"0" * 100)
    ids = [client.assets.create_from_url(f"https://example.com/v{i}.mp4").id for i in range(3)]
    picture = client.assets.create(file=image)
    page = client.assets.list(asset_types=["image"], page_limit=5)
    assert [a.id for a in page.data or []] == [picture.id]
    assert "asset_types=image" in fake.calls("listAssets")[-1].query
    walked = [a.id for a in client.assets.iter(page_limit=1)]
    assert walked == [picture.id, *reversed(ids)]
    assert len(fake.calls("listAssets")) == 1 + 4
    assert [a.id for a in client.assets.iter(filename="v1")] == [ids[1]]
    assert client.assets.retrieve(ids[0]).id == ids[0]
    client.assets.delete(ids[0])
    with pytest.raises(NotFoundError):
        client.assets.retrieve(ids[0])
    fake.mark_asset_in_use(ids[1])
    with pytest.raises(ConflictError):
        client.assets.delete(ids[1])
    client.assets.delete(ids[1], force=True)
    assert {a.id for a in fake.assets} == {ids[2], picture.id}


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda c, p: c.assets.upload(p, concurrency=0), "concurrency"),
        (lambda c, p: c.assets.upload(p.with_name("missing.mp4")), "path"),
        (lambda c, p: c.assets.upload(p, media_type="text"), "media_type"),
        (lambda c, p: c.assets.upload(p, multipart_threshold=0), "multipart_threshold"),
        (lambda c, p: c.assets.create_from_url("ftp://example.com/a.mp4"), "url"),
        (lambda c, p: c.assets.create(file=p, user_metadata={"k": {"nested": 1}}), "user_metadata.k"),
        (lambda c, p: c.assets.list(asset_types=["pdf"]), "asset_types[0]"),
        (lambda c, p: c.assets.retrieve("a/b"), "asset_id"),
        (lambda c, p: c.v2.tasks.create(input_type="video", file=p, url="https://example.com/a.mp4"), None),
    ],
)
def test_bad_arguments_are_refused_before_any_request(
    fake: EmbedFake, client: EmbedClient, media: Path, call: Any, field: str | None
) -> None:
    """Each bad argument is a ValidationError naming its field, and nothing reaches the server."""
    with pytest.raises(ValidationError) as caught:
        call(client, media)
    assert caught.value.field == (field or "url / base64_string / asset_id / file")
    assert fake.requests == []


def _check_multipart(fake: EmbedFake, asset_id: str, progress: list[tuple[int, int]]) -> None:
    (upload,) = fake.multipart_uploads
    assert upload.asset_id == asset_id and upload.total_chunks == 11
    assert upload.data() == DATA  # every chunk byte-equal, in order
    assert fake.asset(asset_id).data == DATA
    puts = [r for r in fake.upload_requests if r.method == "PUT"]
    assert len(puts) == 11 and all(r.status == 200 for r in puts)
    assert all(r.header("x-api-key") is None and r.header("authorization") is None for r in puts)
    assert all(r.header("content-type") == "application/octet-stream" for r in puts)
    sent = [s for s, _ in progress]
    assert sent == sorted(sent) and sent[0] == 0 and sent[-1] == len(DATA)
    assert {t for _, t in progress} == {len(DATA)}
    assert len(fake.calls("createMultipartUpload")) == 1


def test_multipart_upload_sync(fake: EmbedFake, client: EmbedClient, media: Path, tmp_path: Path) -> None:
    """Above the threshold the sync client uploads in chunks (threads), byte-equal, and returns the ready asset."""
    progress: list[tuple[int, int]] = []
    asset = client.assets.upload(
        media,
        multipart_threshold=4 * CHUNK,
        state_dir=tmp_path / "state",
        on_progress=lambda s, t: progress.append((s, t)),
    )
    assert asset.status == "ready"
    _check_multipart(fake, asset.id, progress)
    assert list((tmp_path / "state").iterdir()) == []  # the state file is gone once complete
    # 3 URLs came with the session; the other 8 in presigned-urls requests of at most 50.
    assert sum(1 for _ in fake.issued_urls) == 11


class _Counting(httpx.AsyncBaseTransport):
    """Counts chunk PUTs in flight at once (and lets the others run while one is in flight)."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.now = self.peak = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.now += 1
        self.peak = max(self.peak, self.now)
        try:
            await asyncio.sleep(0.001)
            return await self.inner.handle_async_request(request)
        finally:
            self.now -= 1


def test_multipart_upload_async_runs_chunks_concurrently_within_the_bound(
    fake: EmbedFake, media: Path, tmp_path: Path
) -> None:
    """The async client keeps at most `concurrency` PUTs in flight, and does overlap them."""
    counting = _Counting(fake.async_transport())
    progress: list[tuple[int, int]] = []

    async def main() -> str:
        async with async_client(fake, upload_transport=counting) as client:

            async def record(sent: int, total: int) -> None:
                progress.append((sent, total))

            asset = await client.assets.upload(
                media, multipart_threshold=4 * CHUNK, state_dir=tmp_path, concurrency=3, on_progress=record
            )
            assert asset.status == "ready"
            return asset.id

    asset_id = asyncio.run(main())
    _check_multipart(fake, asset_id, progress)
    assert counting.peak == 3


def test_upload_with_wait_false_returns_the_asset_id_at_once(fake: EmbedFake, media: Path, tmp_path: Path) -> None:
    """`wait=False` returns the asset id as soon as the file is on the server (still processing)."""

    async def main() -> str:
        async with async_client(fake) as client:
            return await client.assets.upload(media, multipart_threshold=4 * CHUNK, state_dir=tmp_path, wait=False)

    asset_id = asyncio.run(main())
    assert fake.asset_status(asset_id) == "processing"
    assert fake.calls("retrieveAsset") == []


def test_v2_task_from_a_small_file_sends_base64(fake: EmbedFake, client: EmbedClient, media: Path) -> None:
    """A file within the inline limit travels as base64 in the task request; no asset is made."""
    task = client.v2.tasks.create_and_wait(input_type="video", file=media)
    assert task.status == "ready"
    (create,) = fake.calls("createEmbeddingTaskV2")
    assert create.body_size > len(DATA) * 4 // 3  # the file, base64-encoded, is in the body
    assert fake.calls("createAsset") == [] and fake.calls("createMultipartUpload") == []
    assert fake.task(task.id).input_filename is None


def test_v2_task_from_a_big_file_uploads_an_asset(
    fake: EmbedFake, client: EmbedClient, media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file over the inline limit is uploaded (here directly) and the task names the ready asset."""
    monkeypatch.setattr(validation, "BASE64_AV_MAX_BYTES", 4 * CHUNK)
    progress: list[tuple[int, int]] = []
    task = client.v2.tasks.create(
        input_type="video", file=media, on_upload_progress=lambda s, t: progress.append((s, t))
    )
    (create,) = fake.calls("createEmbeddingTaskV2")
    assert create.body_size < 1024  # an asset id, not the file
    (asset,) = fake.assets
    assert asset.data == DATA and fake.asset_status(asset.id) == "ready"
    assert fake.task(task.id).input_filename == "talk.mp4"
    assert progress[0] == (0, len(DATA)) and progress[-1] == (len(DATA), len(DATA))  # the upload's progress


def test_v2_task_from_a_small_file_reports_no_upload_progress(client: EmbedClient, media: Path) -> None:
    """A file sent inline is not an upload: `on_upload_progress` is never called."""
    progress: list[tuple[int, int]] = []
    client.v2.tasks.create(input_type="video", file=media, on_upload_progress=lambda s, t: progress.append((s, t)))
    assert progress == []


def test_v2_task_checks_its_arguments_before_uploading(fake: EmbedFake, client: EmbedClient, media: Path) -> None:
    """A bad task argument is refused before the file is read or uploaded."""
    with pytest.raises(ValidationError) as caught:
        client.v2.tasks.create(input_type="video", file=media, start_sec=-1)
    assert caught.value.field == "start_sec"
    assert fake.requests == []
