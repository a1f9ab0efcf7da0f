"""Task lifecycle on a controlled clock: processing -> ready, failure on request, timestamps, Location."""

from __future__ import annotations

import httpx
import pytest

from twelvelabs_embed.testing import DEFAULT_FAILURE_MESSAGE, EmbedFake, FakeClock

from .helpers import create_legacy_task, create_v2_task, video_task_body


def test_legacy_task_is_processing_until_the_clock_passes_the_processing_time(
    embed_fake: EmbedFake, embed_fake_client: httpx.Client
) -> None:
    """A legacy task reports `processing` until `processing_seconds` have passed, then `ready`."""
    task_id = create_legacy_task(embed_fake_client)
    status_url = f"/embed/tasks/{task_id}/status"
    assert embed_fake_client.get(status_url).json()["status"] == "processing"
    embed_fake.advance(embed_fake.processing_seconds - 0.001)
    assert embed_fake_client.get(status_url).json()["status"] == "processing"
    embed_fake.advance(0.001)
    assert embed_fake_client.get(status_url).json()["status"] == "ready"


def test_legacy_status_body_carries_model_and_metadata(embed_fake_client: httpx.Client) -> None:
    """The status answer names the model and echoes the request's clip length, scopes and the media duration."""
    task_id = create_legacy_task(
        embed_fake_client,
        video_url="https://m.example.com/v.mp4?duration=31",
        video_clip_length=5,
        video_embedding_scope=["clip", "video"],
    )
    body = embed_fake_client.get(f"/embed/tasks/{task_id}/status").json()
    assert body["_id"] == task_id
    assert body["model_name"] == "marengo3.0"
    assert body["video_embedding"]["metadata"] == {
        "input_url": "https://m.example.com/v.mp4?duration=31",
        "video_clip_length": 5,
        "video_embedding_scope": ["clip", "video"],
        "video_embedding_option": ["visual", "audio", "transcription"],
        "duration": 31.0,
    }


def test_legacy_retrieve_has_no_segments_until_ready(embed_fake: EmbedFake, embed_fake_client: httpx.Client) -> None:
    """Retrieving a processing task gives the task without segments; once ready the segments appear."""
    task_id = create_legacy_task(embed_fake_client)
    early = embed_fake_client.get(f"/embed/tasks/{task_id}").json()
    assert early["status"] == "processing"
    assert "segments" not in early["video_embedding"]
    embed_fake.advance(10)
    ready = embed_fake_client.get(f"/embed/tasks/{task_id}").json()
    assert ready["status"] == "ready"
    assert len(ready["video_embedding"]["segments"]) == 30  # 60 s / 6 s clips x 3 options


def test_timestamps_follow_the_clock(embed_fake: EmbedFake, embed_fake_client: httpx.Client) -> None:
    """`created_at` is the creation time and `updated_at` moves to the completion time, both RFC 3339 with Z."""
    task_id = create_v2_task(embed_fake_client)
    created = embed_fake_client.get(f"/embed-v2/tasks/{task_id}").json()
    assert created["created_at"] == "2026-07-01T08:00:00.000Z"
    assert created["updated_at"] == "2026-07-01T08:00:00.000Z"
    embed_fake.advance(25)
    done = embed_fake_client.get(f"/embed-v2/tasks/{task_id}").json()
    assert done["created_at"] == "2026-07-01T08:00:00.000Z"
    assert done["updated_at"] == "2026-07-01T08:00:10.000Z"


def test_v2_task_create_answers_202_processing_with_location(embed_fake_client: httpx.Client) -> None:
    """POST /embed-v2/tasks answers 202 with `processing`, null data and a Location of the task."""
    response = embed_fake_client.post("/embed-v2/tasks", json=video_task_body())
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "processing"
    assert body["data"] is None
    assert response.headers["location"].endswith(f"/v1.3/embed-v2/tasks/{body['_id']}")


def test_v2_task_becomes_ready_with_data(embed_fake: EmbedFake, embed_fake_client: httpx.Client) -> None:
    """A v2 task has `data: null` while processing and a list of embeddings when ready."""
    task_id = create_v2_task(embed_fake_client)
    assert embed_fake_client.get(f"/embed-v2/tasks/{task_id}").json()["data"] is None
    embed_fake.advance(10)
    body = embed_fake_client.get(f"/embed-v2/tasks/{task_id}").json()
    assert body["status"] == "ready"
    assert body["data"] and "error" not in body


def test_url_fail_marker_makes_the_task_fail_with_its_message(
    embed_fake: EmbedFake, embed_fake_client: httpx.Client
) -> None:
    """`fail=<message>` in the media URL makes the v2 task end `failed` with that `error.message`."""
    task_id = create_v2_task(embed_fake_client, video_task_body("https://m.example.com/v.mp4?fail=codec+unsupported"))
    embed_fake.advance(10)
    body = embed_fake_client.get(f"/embed-v2/tasks/{task_id}").json()
    assert body["status"] == "failed"
    assert body["data"] is None
    assert body["error"] == {"message": "codec unsupported"}


def test_bare_fail_marker_uses_the_default_message(embed_fake: EmbedFake, embed_fake_client: httpx.Client) -> None:
    """A bare `fail` marker gives the default failure message."""
    task_id = create_v2_task(embed_fake_client, video_task_body("https://m.example.com/v.mp4?fail"))
    embed_fake.advance(10)
    assert embed_fake_client.get(f"/embed-v2/tasks/{task_id}").json()["error"]["message"] == DEFAULT_FAILURE_MESSAGE


def test_unfetchable_url_fails_the_task(embed_fake: EmbedFake, embed_fake_client: httpx.Client) -> None:
    """A media URL that is not http(s) cannot be fetched, so the task fails with the fetch message."""
    task_id = create_v2_task(embed_fake_client, video_task_body("ftp://m.example.com/v.mp4"))
    embed_fake.advance(10)
    body = embed_fake_client.get(f"/embed-v2/tasks/{task_id}").json()
    assert body["error"]["message"] == "failed to fetch or materialize source media"


def test_fail_next_fails_exactly_the_next_tasks(embed_fake: EmbedFake, embed_fake_client: httpx.Client) -> None:
    """`fail_next(2)` makes the next two tasks (legacy or v2) fail and leaves the third alone."""
    embed_fake.fail_next(2, "quota exhausted")
    first = create_legacy_task(embed_fake_client)
    second = create_v2_task(embed_fake_client)
    third = create_v2_task(embed_fake_client)
    embed_fake.advance(10)
    assert embed_fake_client.get(f"/embed/tasks/{first}/status").json()["status"] == "failed"
    assert embed_fake_client.get(f"/embed-v2/tasks/{second}").json()["error"]["message"] == "quota exhausted"
    assert embed_fake_client.get(f"/embed-v2/tasks/{third}").json()["status"] == "ready"


def test_fail_task_changes_the_outcome_of_an_existing_task(
    embed_fake: EmbedFake, embed_fake_client: httpx.Client
) -> None:
    """`fail_task(id)` makes a created task end failed; it still reports processing until its time is up."""
    task_id = create_v2_task(embed_fake_client)
    embed_fake.fail_task(task_id, "boom")
    assert embed_fake.status(task_id) == "processing"
    embed_fake.advance(10)
    assert embed_fake.status(task_id) == "failed"
    assert embed_fake_client.get(f"/embed-v2/tasks/{task_id}").json()["error"] == {"message": "boom"}


def test_failed_legacy_task_retrieves_without_segments(embed_fake: EmbedFake, embed_fake_client: httpx.Client) -> None:
    """A failed legacy task is retrievable (200) with status failed and no segments."""
    task_id = create_legacy_task(embed_fake_client, video_url="https://m.example.com/v.mp4?fail")
    embed_fake.advance(10)
    body = embed_fake_client.get(f"/embed/tasks/{task_id}").json()
    assert body["status"] == "failed"
    assert "segments" not in body["video_embedding"]


@pytest.mark.embed_fake(processing_seconds=0)
def test_zero_processing_time_is_ready_at_once(embed_fake_client: httpx.Client) -> None:
    """With `processing_seconds=0` (set through the marker) a task is ready as soon as it exists."""
    task_id = create_v2_task(embed_fake_client)
    assert embed_fake_client.get(f"/embed-v2/tasks/{task_id}").json()["status"] == "ready"


def test_fake_clock_stands_in_for_sleep_and_monotonic() -> None:
    """`FakeClock.sleep` advances time and `monotonic` reports the seconds elapsed since the start."""
    clock = FakeClock()
    clock.sleep(4.5)
    clock.advance(0.5)
    assert clock.monotonic() == 5.0
    assert clock.now().isoformat() == "2026-07-01T08:00:05+00:00"
    with pytest.raises(ValueError):
        clock.advance(-1)


def test_task_ids_are_24_hex_and_distinct(embed_fake_client: httpx.Client) -> None:
    """Task ids look like the real ones (24 lowercase hex characters) and never repeat."""
    ids = [create_legacy_task(embed_fake_client) for _ in range(3)] + [create_v2_task(embed_fake_client)]
    assert len(set(ids)) == 4
    assert all(len(task_id) == 24 and int(task_id, 16) >= 0 and task_id == task_id.lower() for task_id in ids)


def test_legacy_and_v2_ids_live_in_separate_collections(embed_fake_client: httpx.Client) -> None:
    """A v2 task id is unknown to the legacy endpoints and a legacy id is unknown to the v2 endpoint."""
    legacy = create_legacy_task(embed_fake_client)
    v2 = create_v2_task(embed_fake_client)
    assert embed_fake_client.get(f"/embed/tasks/{v2}/status").status_code == 404
    assert embed_fake_client.get(f"/embed-v2/tasks/{legacy}").status_code == 404
