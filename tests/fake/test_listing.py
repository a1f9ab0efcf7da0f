"""Lists: pagination with page_info, newest first, status and time filters, the 7-day default window."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from twelvelabs_embed.testing import EmbedFake

from .helpers import audio_task_body, create_legacy_task, create_v2_task, video_task_body

DAY = 24 * 3600


def ids(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["_id"] for item in response.json()["data"]]


def test_pages_and_page_info(embed_fake: EmbedFake, embed_fake_client: httpx.Client) -> None:
    """23 tasks in pages of 10 give pages of 10, 10 and 3 items with a consistent page_info."""
    created = []
    for _ in range(23):
        created.append(create_v2_task(embed_fake_client))
        embed_fake.advance(1)
    newest_first = created[::-1]
    seen = []
    for page, size in ((1, 10), (2, 10), (3, 3)):
        response = embed_fake_client.get("/embed-v2/tasks", params={"page": page, "page_limit": 10})
        assert len(ids(response)) == size
        assert response.json()["page_info"] == {
            "limit_per_page": 10,
            "page": page,
            "total_page": 3,
            "total_results": 23,
        }
        seen += ids(response)
    assert seen == newest_first
    past_the_end = embed_fake_client.get("/embed-v2/tasks", params={"page": 4})
    assert ids(past_the_end) == []
    assert past_the_end.json()["page_info"]["total_results"] == 23


def test_defaults_are_page_1_of_10(embed_fake_client: httpx.Client) -> None:
    """Without page parameters the first 10 items come back with limit_per_page 10."""
    for _ in range(12):
        create_legacy_task(embed_fake_client)
    response = embed_fake_client.get("/embed/tasks")
    assert len(ids(response)) == 10
    assert response.json()["page_info"] == {"limit_per_page": 10, "page": 1, "total_page": 2, "total_results": 12}


def test_empty_list(embed_fake_client: httpx.Client) -> None:
    """An empty list has no data, zero results and zero pages."""
    response = embed_fake_client.get("/embed/tasks")
    assert response.json() == {
        "data": [],
        "page_info": {"limit_per_page": 10, "page": 1, "total_page": 0, "total_results": 0},
    }


def test_tasks_created_in_the_same_instant_keep_newest_first(embed_fake_client: httpx.Client) -> None:
    """Tasks created at the same clock time are listed in reverse creation order."""
    created = [create_legacy_task(embed_fake_client) for _ in range(4)]
    assert ids(embed_fake_client.get("/embed/tasks")) == created[::-1]


def test_status_filter(embed_fake: EmbedFake, embed_fake_client: httpx.Client) -> None:
    """`status` keeps only the tasks currently in that status."""
    embed_fake.fail_next(1)
    failed = create_v2_task(embed_fake_client)
    ready = create_v2_task(embed_fake_client)
    embed_fake.advance(10)
    processing = create_v2_task(embed_fake_client)
    assert ids(embed_fake_client.get("/embed-v2/tasks", params={"status": "failed"})) == [failed]
    assert ids(embed_fake_client.get("/embed-v2/tasks", params={"status": "ready"})) == [ready]
    assert ids(embed_fake_client.get("/embed-v2/tasks", params={"status": "processing"})) == [processing]


def test_only_the_last_7_days_without_time_filters(embed_fake: EmbedFake, embed_fake_client: httpx.Client) -> None:
    """A task older than 7 days drops out of the default list but is still found with `started_at`."""
    old = create_legacy_task(embed_fake_client)
    embed_fake.advance(8 * DAY)
    recent = create_legacy_task(embed_fake_client)
    assert ids(embed_fake_client.get("/embed/tasks")) == [recent]
    assert ids(embed_fake_client.get("/embed/tasks", params={"started_at": "2026-06-01T00:00:00Z"})) == [recent, old]
    assert ids(embed_fake_client.get("/embed/tasks", params={"ended_at": "2026-07-02T00:00:00Z"})) == [old]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"started_at": "2026-07-02T08:00:00Z"}, ["third", "second"]),
        ({"started_at": "2026-07-02T08:00:01Z"}, ["third"]),
        ({"ended_at": "2026-07-02T08:00:00Z"}, ["second", "first"]),
        ({"started_at": "2026-07-01T10:00:00+02:00", "ended_at": "2026-07-02T07:59:59Z"}, ["first"]),
    ],
)
def test_time_filters_are_inclusive_bounds(
    embed_fake: EmbedFake, embed_fake_client: httpx.Client, params: dict[str, str], expected: list[str]
) -> None:
    """`started_at`/`ended_at` bound `created_at` inclusively and honour time zone offsets."""
    names = {}
    for name in ("first", "second", "third"):
        names[create_v2_task(embed_fake_client)] = name
        embed_fake.advance(DAY)
    assert [names[task_id] for task_id in ids(embed_fake_client.get("/embed-v2/tasks", params=params))] == expected


def test_each_list_shows_only_its_own_api(embed_fake_client: httpx.Client) -> None:
    """The legacy list shows legacy tasks only and the v2 list v2 tasks only."""
    legacy = create_legacy_task(embed_fake_client)
    v2 = create_v2_task(embed_fake_client)
    assert ids(embed_fake_client.get("/embed/tasks")) == [legacy]
    assert ids(embed_fake_client.get("/embed-v2/tasks")) == [v2]


@pytest.mark.parametrize(
    ("spelling", "option_key", "scope_key"),
    [
        (None, "audio_embedding_options", "audio_embedding_scopes"),  # the default: the official spec's names
        ("spec", "audio_embedding_options", "audio_embedding_scopes"),
        ("sdk", "audio_embedding_option", "audio_embedding_scope"),  # what the official SDK 1.3.6 reads
    ],
)
def test_list_items_carry_metadata_not_vectors(spelling: str | None, option_key: str, scope_key: str) -> None:
    """List items describe each task (model, status, per-media metadata, the audio arrays under the configured
    spelling) and carry no embeddings."""
    options: dict[str, Any] = {} if spelling is None else {"audio_metadata_spelling": spelling}
    with EmbedFake(**options) as embed_fake, embed_fake.client() as embed_fake_client:
        create_v2_task(embed_fake_client, audio_task_body("https://m.example.com/p.mp3?duration=3600"))
        create_v2_task(
            embed_fake_client, video_task_body(segmentation={"strategy": "fixed", "fixed": {"duration_sec": 5}})
        )
        embed_fake.advance(10)
        page = embed_fake_client.get("/embed-v2/tasks").json()
        assert embed_fake.spec.check(page, "EmbeddingTaskList") is None  # openapi.yaml admits either spelling
    video, audio = page["data"]
    assert audio["model_name"] == "marengo3.0"
    assert audio["status"] == "ready"
    assert audio["audio_embedding"]["metadata"] == {
        "input_url": "https://m.example.com/p.mp3?duration=3600",
        option_key: ["audio", "transcription"],
        scope_key: ["clip", "asset"],
        "duration": 3600.0,
        "start_offset_sec": 0.0,
        "end_offset_sec": 3600.0,
    }
    assert video["video_embedding"]["metadata"]["video_clip_length"] == 5
    assert "segments" not in video["video_embedding"]
