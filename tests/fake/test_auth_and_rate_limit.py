"""Authentication (401, flat everywhere) and the configurable rate limit (429 + Retry-After, nothing created)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from twelvelabs_embed.testing import ALL_OPERATIONS, EmbedFake, RateLimit

from .helpers import LEGACY_ID, VIDEO_URL, form, video_task_body

TEXT = {"input_type": "text", "model_name": "marengo3.0", "text": {"input_text": "a dog"}}
LEGACY_FORM = form(model_name="marengo3.0", video_url=VIDEO_URL)

# One valid request per operation: (method, path, httpx keyword arguments).
REQUESTS: dict[str, tuple[str, str, dict[str, Any]]] = {
    "createLegacyEmbedding": ("POST", "/embed", {"files": form(model_name="marengo3.0", text="a dog")}),
    "createVideoEmbeddingTask": ("POST", "/embed/tasks", {"files": LEGACY_FORM}),
    "listVideoEmbeddingTasks": ("GET", "/embed/tasks", {}),
    "getVideoEmbeddingTaskStatus": ("GET", f"/embed/tasks/{LEGACY_ID}/status", {}),
    "retrieveVideoEmbeddings": ("GET", f"/embed/tasks/{LEGACY_ID}", {}),
    "createEmbeddingsV2": ("POST", "/embed-v2", {"json": TEXT}),
    "createEmbeddingTaskV2": ("POST", "/embed-v2/tasks", {"json": video_task_body()}),
    "listEmbeddingTasksV2": ("GET", "/embed-v2/tasks", {}),
    "getEmbeddingTaskV2": ("GET", f"/embed-v2/tasks/{LEGACY_ID}", {}),
    "createAsset": ("POST", "/assets", {"files": form(method="url", url=VIDEO_URL)}),
    "listAssets": ("GET", "/assets", {}),
    "retrieveAsset": ("GET", f"/assets/{LEGACY_ID}", {}),
    "deleteAsset": ("DELETE", f"/assets/{LEGACY_ID}", {}),
    "createMultipartUpload": (
        "POST",
        "/assets/multipart-uploads",
        {"json": {"filename": "talk.mp4", "type": "video", "total_size": 10}},
    ),
    "listIncompleteUploads": ("GET", "/assets/multipart-uploads", {}),
    "getUploadStatus": ("GET", f"/assets/multipart-uploads/{LEGACY_ID}", {}),
    "reportChunkBatch": (
        "POST",
        f"/assets/multipart-uploads/{LEGACY_ID}",
        {"json": {"completed_chunks": [{"chunk_index": 1, "proof": "x", "proof_type": "etag", "chunk_size": 1}]}},
    ),
    "requestAdditionalPresignedUrls": (
        "POST",
        f"/assets/multipart-uploads/{LEGACY_ID}/presigned-urls",
        {"json": {"start": 1, "count": 1}},
    ),
}


def send(client: httpx.Client, operation: str, **headers: str) -> httpx.Response:
    method, path, kwargs = REQUESTS[operation]
    return client.request(method, path, headers=headers or None, **kwargs)


@pytest.mark.parametrize("operation", sorted(REQUESTS))
@pytest.mark.parametrize("key", [None, "wrong-key", ""])
def test_missing_or_wrong_key_is_flat_401(embed_fake: EmbedFake, operation: str, key: str | None) -> None:
    """Every operation answers a missing, empty or wrong key with 401 api_key_invalid in the flat body."""
    headers = {} if key is None else {"x-api-key": key}
    with httpx.Client(transport=embed_fake.transport(), base_url=embed_fake.base_url, headers=headers) as client:
        response = send(client, operation)
    assert response.status_code == 401
    assert response.json()["code"] == "api_key_invalid"
    assert set(response.json()) == {"code", "message"}
    assert embed_fake.tasks == []


def test_several_keys_can_be_accepted() -> None:
    """A fake configured with several keys accepts each of them and nothing else."""
    with EmbedFake(api_keys=["k1", "k2"]) as fake, fake.client() as client:
        assert client.get("/embed/tasks", headers={"x-api-key": "k1"}).status_code == 200
        assert client.get("/embed/tasks", headers={"x-api-key": "k2"}).status_code == 200
        assert client.get("/embed/tasks", headers={"x-api-key": "k3"}).status_code == 401


def test_any_key_mode_still_needs_a_key() -> None:
    """With `api_keys=None` any non-empty key works, but a request without one is still 401."""
    with EmbedFake(api_keys=None) as fake, fake.client() as client:
        assert client.get("/embed/tasks", headers={"x-api-key": "whatever"}).status_code == 200
        del client.headers["x-api-key"]
        assert client.get("/embed/tasks").status_code == 401


@pytest.mark.embed_fake(rate_limit=RateLimit(limit=2, window_seconds=60))
def test_over_the_limit_is_429_with_retry_after_and_no_task(
    embed_fake: EmbedFake, embed_fake_client: httpx.Client
) -> None:
    """The third create within a minute gets 429 with Retry-After/X-Ratelimit-Dimensions and creates nothing."""
    assert send(embed_fake_client, "createEmbeddingTaskV2").status_code == 202
    embed_fake.advance(15)
    assert send(embed_fake_client, "createVideoEmbeddingTask").status_code == 200
    limited = send(embed_fake_client, "createEmbeddingTaskV2")
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "45"
    assert limited.headers["x-ratelimit-dimensions"] == "Request"
    assert limited.json()["error"]["code"] == "too_many_requests"
    assert limited.json()["error"]["details"] == {"retryAfter": "45"}
    assert len(embed_fake.tasks) == 2


@pytest.mark.embed_fake(rate_limit=RateLimit(limit=1, window_seconds=60))
def test_legacy_429_is_flat_and_the_window_slides(embed_fake: EmbedFake, embed_fake_client: httpx.Client) -> None:
    """A legacy 429 uses the flat body; once Retry-After has passed the next request is admitted."""
    assert send(embed_fake_client, "createLegacyEmbedding").status_code == 200
    limited = send(embed_fake_client, "createLegacyEmbedding")
    assert limited.status_code == 429
    assert limited.json()["code"] == "too_many_requests"
    embed_fake.advance(int(limited.headers["retry-after"]))
    assert send(embed_fake_client, "createLegacyEmbedding").status_code == 200


@pytest.mark.embed_fake(rate_limit=RateLimit(limit=1))
def test_reads_are_not_limited_by_default(embed_fake_client: httpx.Client) -> None:
    """The default limit covers the four create operations only; lists and gets are never 429."""
    assert send(embed_fake_client, "createEmbeddingsV2").status_code == 200
    assert send(embed_fake_client, "createEmbeddingsV2").status_code == 429
    for _ in range(3):
        assert send(embed_fake_client, "listEmbeddingTasksV2").status_code == 200


def test_limit_on_all_operations_and_rate_headers(embed_fake: EmbedFake, embed_fake_client: httpx.Client) -> None:
    """A limit over every operation counts reads too, and admitted answers carry the X-Ratelimit-* headers."""
    embed_fake.rate_limit = RateLimit(limit=2, window_seconds=10, operations=ALL_OPERATIONS)
    first = send(embed_fake_client, "listVideoEmbeddingTasks")
    assert first.headers["x-ratelimit-limit"] == "2"
    assert first.headers["x-ratelimit-remaining"] == "1"
    assert first.headers["x-ratelimit-used"] == "1"
    assert int(first.headers["x-ratelimit-reset"]) == int(embed_fake.clock.now().timestamp()) + 10
    assert send(embed_fake_client, "getEmbeddingTaskV2").status_code == 404
    limited = send(embed_fake_client, "listVideoEmbeddingTasks")
    assert limited.status_code == 429
    assert limited.json()["code"] == "too_many_requests"


def test_rejected_requests_do_not_use_up_the_window(embed_fake: EmbedFake, embed_fake_client: httpx.Client) -> None:
    """429 answers are not counted, so Retry-After stays tied to the admitted requests."""
    embed_fake.rate_limit = RateLimit(limit=1, window_seconds=30)
    send(embed_fake_client, "createEmbeddingsV2")
    for _ in range(3):
        assert send(embed_fake_client, "createEmbeddingsV2").status_code == 429
    embed_fake.advance(30)
    assert send(embed_fake_client, "createEmbeddingsV2").status_code == 200


def test_rate_limit_validates_operation_names() -> None:
    """An unknown operationId in a RateLimit is a ValueError, not a silently ignored limit."""
    with pytest.raises(ValueError, match="unknown operationId"):
        RateLimit(limit=1, operations=["createTask"])


def test_operation_table_matches_the_spec(embed_fake: EmbedFake) -> None:
    """The fake serves exactly the operations openapi.yaml declares."""
    assert set(embed_fake.spec.operations) == ALL_OPERATIONS == set(REQUESTS)
