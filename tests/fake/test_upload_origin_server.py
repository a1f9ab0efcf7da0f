"""The upload origin over real HTTP: its own port, the API key refused there, a real dropped connection."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from twelvelabs_embed.testing import AssetSettings, EmbedFake, RunningServer

KIB = 1024
DATA = bytes(range(256)) * 1024  # 256 KiB: four chunks of 64 KiB


@pytest.fixture
def served() -> Iterator[tuple[EmbedFake, RunningServer]]:
    with (
        EmbedFake(asset_settings=AssetSettings(chunk_size=64 * KIB, initial_urls=4)) as fake,
        fake.run_server() as server,
    ):
        yield fake, server


def test_chunk_urls_point_at_a_second_port_that_refuses_the_key(served: tuple[EmbedFake, RunningServer]) -> None:
    """Served for real, presigned URLs use the upload origin's own port; a PUT with `x-api-key` is refused
    403 there, PUTs without it complete the upload, and every request is recorded with its origin."""
    fake, server = served
    api_port = httpx.URL(server.base_url).port
    with (
        httpx.Client(base_url=server.base_url, headers={"x-api-key": fake.api_key}, timeout=30, trust_env=False) as api,
        httpx.Client(timeout=30, trust_env=False) as origin,
    ):
        session = api.post(
            "/assets/multipart-uploads", json={"filename": "big.mp4", "type": "video", "total_size": len(DATA)}
        ).json()
        urls = {u["chunk_index"]: u["url"] for u in session["upload_urls"]}
        assert {httpx.URL(url).port for url in urls.values()} == {httpx.URL(server.upload_base_url).port}
        assert httpx.URL(server.upload_base_url).port != api_port
        leaked = origin.put(urls[1], content=DATA[: 64 * KIB], headers={**session["upload_headers"], "x-api-key": "k"})
        assert leaked.status_code == 403
        items = []
        for index, url in sorted(urls.items()):
            body = DATA[(index - 1) * 64 * KIB : index * 64 * KIB]
            response = origin.put(url, content=body, headers=session["upload_headers"])
            assert response.status_code == 200
            items.append(
                {"chunk_index": index, "proof": response.headers["etag"], "proof_type": "etag", "chunk_size": len(body)}
            )
        done = api.post(f"/assets/multipart-uploads/{session['upload_id']}", json={"completed_chunks": items})
        assert done.json()["total_completed"] == 4
    assert fake.multipart_upload(session["upload_id"]).data() == DATA
    uploads = fake.upload_requests
    assert [r.status for r in uploads] == [403, 200, 200, 200, 200]
    assert sum(r.body_size for r in uploads) == len(DATA)
    assert uploads[0].header("x-api-key") == "k" and all(r.header("x-api-key") is None for r in uploads[1:])


def test_real_dropped_connection_mid_chunk(served: tuple[EmbedFake, RunningServer]) -> None:
    """A `drop` fault really closes the socket part way through a chunk; the retry of the same bytes works."""
    fake, server = served
    with (
        httpx.Client(base_url=server.base_url, headers={"x-api-key": fake.api_key}, timeout=30, trust_env=False) as api,
        httpx.Client(timeout=30, trust_env=False) as origin,
    ):
        session = api.post(
            "/assets/multipart-uploads", json={"filename": "big.mp4", "type": "video", "total_size": len(DATA)}
        ).json()
        fake.chunk_faults.add("drop", after_bytes=8 * KIB)
        url = session["upload_urls"][0]["url"]
        with pytest.raises(httpx.TransportError):
            origin.put(url, content=DATA[: 64 * KIB], headers=session["upload_headers"])
        assert fake.multipart_upload(session["upload_id"]).chunk(1).status == "failed"
        retry = origin.put(url, content=DATA[: 64 * KIB], headers=session["upload_headers"])
        assert retry.status_code == 200
    assert fake.upload_requests[0].status is None
