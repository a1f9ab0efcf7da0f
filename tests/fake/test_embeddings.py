"""Embeddings: dimensions per model, segment counts per media duration and segmentation, determinism."""

from __future__ import annotations

import math
from typing import Any

import httpx
import pytest

from twelvelabs_embed.testing import EmbedFake

from .helpers import audio_task_body, create_legacy_task, create_v2_task, form, video_task_body

URL = "https://m.example.com/v.mp4"


def ready_legacy_segments(fake: EmbedFake, client: httpx.Client, **fields: Any) -> list[dict[str, Any]]:
    task_id = create_legacy_task(client, **fields)
    fake.advance(fake.processing_seconds)
    body = client.get(f"/embed/tasks/{task_id}").json()
    assert body["status"] == "ready", body
    return list(body["video_embedding"]["segments"])


def ready_v2_data(fake: EmbedFake, client: httpx.Client, body: dict[str, Any]) -> list[dict[str, Any]]:
    task_id = create_v2_task(client, body)
    fake.advance(fake.processing_seconds)
    answer = client.get(f"/embed-v2/tasks/{task_id}").json()
    assert answer["status"] == "ready", answer
    return list(answer["data"])


def spans(entries: list[dict[str, Any]], option: str, scope: str = "clip") -> list[tuple[float, float]]:
    start, end = ("start_sec", "end_sec") if "embedding" in entries[0] else ("start_offset_sec", "end_offset_sec")
    return [
        (entry[start], entry[end])
        for entry in entries
        if entry["embedding_option"] == option and entry["embedding_scope"] == scope
    ]


# ------------------------------------------------------------------------------------------------ legacy


@pytest.mark.parametrize(
    ("model", "dimension", "options"),
    [
        ("marengo3.0", 512, ["visual", "audio", "transcription"]),
        ("Marengo-retrieval-2.7", 1024, ["visual-text", "audio"]),
    ],
)
def test_legacy_dimensions_and_options_by_model(
    embed_fake: EmbedFake, embed_fake_client: httpx.Client, model: str, dimension: int, options: list[str]
) -> None:
    """Legacy segments come per option of the model, each vector of the model's dimension."""
    segments = ready_legacy_segments(embed_fake, embed_fake_client, model_name=model)
    assert sorted({s["embedding_option"] for s in segments}) == sorted(options)
    assert {len(s["float"]) for s in segments} == {dimension}


@pytest.mark.parametrize(
    ("duration", "clip", "expected"),
    [
        (31, 6, [(0, 6), (6, 12), (12, 18), (18, 24), (24, 30)]),  # the final 1 s is dropped
        (32, 6, [(0, 6), (6, 12), (12, 18), (18, 24), (24, 30), (30, 32)]),  # a final 2 s clip stays
        (12, 10, [(0, 10), (10, 12)]),
        (20, 2.5, [(i * 2.5, (i + 1) * 2.5) for i in range(8)]),
    ],
)
def test_legacy_clips_follow_duration_and_clip_length(
    embed_fake: EmbedFake,
    embed_fake_client: httpx.Client,
    duration: int,
    clip: float,
    expected: list[tuple[float, float]],
) -> None:
    """Clips are consecutive `video_clip_length` pieces of the media; a last clip under 2 s is dropped."""
    segments = ready_legacy_segments(
        embed_fake, embed_fake_client, video_url=f"{URL}?duration={duration}", video_clip_length=clip
    )
    assert spans(segments, "visual") == expected
    assert spans(segments, "audio") == expected


def test_legacy_offsets_and_video_scope(embed_fake: EmbedFake, embed_fake_client: httpx.Client) -> None:
    """Offsets bound the clips, and the `video` scope adds one whole-range entry per option."""
    segments = ready_legacy_segments(
        embed_fake,
        embed_fake_client,
        video_start_offset_sec=3,
        video_end_offset_sec=20,
        video_clip_length=5,
        video_embedding_scope=["clip", "video"],
    )
    assert spans(segments, "visual") == [(3, 8), (8, 13), (13, 18), (18, 20)]
    assert spans(segments, "transcription", "video") == [(3, 20)]
    assert len(segments) == 3 * 4 + 3


def test_legacy_upload_duration_is_configurable(embed_fake: EmbedFake, embed_fake_client: httpx.Client) -> None:
    """Uploads last `upload_duration` seconds, or the duration registered for their file name."""
    embed_fake.upload_duration = 12
    embed_fake.media_durations["long.mp4"] = 24
    short = ready_legacy_segments(embed_fake, embed_fake_client, video_file=("a.mp4", b"x", "video/mp4"))
    long = ready_legacy_segments(embed_fake, embed_fake_client, video_file=("long.mp4", b"x", "video/mp4"))
    assert len(spans(short, "visual")) == 2
    assert len(spans(long, "visual")) == 4


def test_legacy_option_filter_returns_the_same_vectors(embed_fake: EmbedFake, embed_fake_client: httpx.Client) -> None:
    """Filtering by `embedding_option` returns exactly the matching segments, vectors unchanged."""
    task_id = create_legacy_task(embed_fake_client)
    embed_fake.advance(10)
    everything = embed_fake_client.get(f"/embed/tasks/{task_id}").json()["video_embedding"]["segments"]
    params = [("embedding_option", "audio"), ("embedding_option", "transcription")]
    filtered = embed_fake_client.get(f"/embed/tasks/{task_id}", params=params).json()["video_embedding"]["segments"]
    assert filtered == [s for s in everything if s["embedding_option"] in ("audio", "transcription")]


def test_vectors_are_deterministic_unit_vectors(embed_fake: EmbedFake, embed_fake_client: httpx.Client) -> None:
    """Vectors are unit length, stable across reads, and differ between segments and options."""
    task_id = create_legacy_task(embed_fake_client)
    embed_fake.advance(10)
    first = embed_fake_client.get(f"/embed/tasks/{task_id}").json()["video_embedding"]["segments"]
    again = embed_fake_client.get(f"/embed/tasks/{task_id}").json()["video_embedding"]["segments"]
    assert first == again
    assert all(math.isclose(math.hypot(*s["float"]), 1.0, rel_tol=1e-5) for s in first)
    assert len({tuple(s["float"]) for s in first}) == len(first)


def test_same_seed_and_clock_give_the_same_ids_and_vectors() -> None:
    """Two fakes with the same seed and clock produce identical task ids and embeddings."""
    results = []
    for _ in range(2):
        with EmbedFake() as fake, fake.client() as client:
            task_id = create_v2_task(client)
            fake.advance(10)
            results.append((task_id, client.get(f"/embed-v2/tasks/{task_id}").json()["data"]))
    assert results[0] == results[1]
    with EmbedFake(seed=1) as other, other.client() as client:
        assert create_v2_task(client) != results[0][0]


# ------------------------------------------------------------------------------------------------ legacy sync


def test_legacy_sync_embeddings(embed_fake_client: httpx.Client) -> None:
    """POST /embed returns one result per modality: text and image vectors, audio per option for marengo3.0."""
    response = embed_fake_client.post(
        "/embed",
        files=[
            *form(model_name="marengo3.0", text="a dog", audio_url=f"{URL}?duration=30", audio_start_offset_sec=5),
            ("image_file", ("dog.png", b"\x89PNG....", "image/png")),
        ],
    )
    body = response.json()
    assert body["model_name"] == "marengo3.0"
    assert len(body["text_embedding"]["segments"][0]["float"]) == 512
    assert body["image_embedding"]["metadata"] == {"input_filename": "dog.png"}
    audio = body["audio_embedding"]["segments"]
    assert [(s["embedding_option"], s["start_offset_sec"], s["end_offset_sec"]) for s in audio] == [
        ("audio", 5.0, 15.0),
        ("transcription", 5.0, 15.0),
    ]


def test_legacy_sync_27_text_limit(embed_fake_client: httpx.Client) -> None:
    """With Marengo-retrieval-2.7, text over 77 tokens and `text_truncate=none` fails inside the 200 body."""
    fields = form(model_name="Marengo-retrieval-2.7", text="word " * 78, text_truncate="none")
    body = embed_fake_client.post("/embed", files=fields).json()
    assert body["text_embedding"] == {"error_message": "The text is too long."}
    truncated = embed_fake_client.post("/embed", files=form(model_name="Marengo-retrieval-2.7", text="word " * 78))
    assert len(truncated.json()["text_embedding"]["segments"][0]["float"]) == 1024


# ------------------------------------------------------------------------------------------------ v2


def test_v2_fixed_segments_last_may_be_shorter(embed_fake: EmbedFake, embed_fake_client: httpx.Client) -> None:
    """Fixed 5 s segments of 12 s audio are 0-5, 5-10, 10-12, per option, plus one asset entry per option."""
    data = ready_v2_data(
        embed_fake,
        embed_fake_client,
        audio_task_body(f"{URL}?duration=12", segmentation={"strategy": "fixed", "fixed": {"duration_sec": 5}}),
    )
    assert spans(data, "audio") == [(0, 5), (5, 10), (10, 12)]
    assert spans(data, "transcription", "asset") == [(0, 12)]
    assert {len(entry["embedding"]) for entry in data} == {512}


def test_v2_dynamic_segments_are_at_least_the_minimum(embed_fake: EmbedFake, embed_fake_client: httpx.Client) -> None:
    """Dynamic segmentation (default min 4 s for marengo3.0 video) never yields a segment below the minimum."""
    data = ready_v2_data(embed_fake, embed_fake_client, video_task_body(f"{URL}?duration=10", embedding_scope=["clip"]))
    assert spans(data, "visual") == [(0, 4), (4, 10)]
    assert len(data) == 2 * 3


def test_v2_range_and_fused(embed_fake: EmbedFake, embed_fake_client: httpx.Client) -> None:
    """start/end bound the segments and `fused_embedding` adds one `fused` entry per segment."""
    body = video_task_body(
        start_sec=10,
        end_sec=22,
        segmentation={"strategy": "fixed", "fixed": {"duration_sec": 6}},
        embedding_option=["visual", "audio"],
        embedding_scope=["clip"],
        embedding_type=["separate_embedding", "fused_embedding"],
    )
    data = ready_v2_data(embed_fake, embed_fake_client, body)
    assert spans(data, "fused") == [(10, 16), (16, 22)]
    assert [entry["embedding_option"] for entry in data] == ["visual", "audio", "fused"] * 2


def test_marengo35_dimension_is_a_prefix(embed_fake_client: httpx.Client) -> None:
    """marengo3.5 vectors default to 512; `embedding_dimension` returns the prefix of the same vector."""
    body: dict[str, Any] = {"input_type": "multi_input", "model_name": "marengo3.5", "multi_input": {"input_text": "x"}}
    full = embed_fake_client.post("/embed-v2", json=body).json()
    short = embed_fake_client.post("/embed-v2", json={**body, "embedding_dimension": 256}).json()
    assert len(full["data"][0]["embedding"]) == 512
    assert short["data"][0]["embedding"] == full["data"][0]["embedding"][:256]
    assert short["metadata"] == {"input_type": "multi_input", "embedding_dimension": 256}
    assert short["usage"] == {"input_tokens": {"text": 1}, "truncated": False}


def test_marengo35_task_defaults_and_uncertainty(embed_fake: EmbedFake, embed_fake_client: httpx.Client) -> None:
    """A marengo3.5 task uses 2 s dynamic segments, visual+audio, the requested dimension and uncertainty."""
    body = {
        **video_task_body(f"{URL}?duration=6", model="marengo3.5", embedding_scope=["local"]),
        "embedding_dimension": 128,
        "embedding_uncertainty": True,
    }
    created = embed_fake_client.post("/embed-v2/tasks", json=body).json()
    assert created["metadata"] == {"embedding_dimension": 128}
    embed_fake.advance(10)
    task = embed_fake_client.get(f"/embed-v2/tasks/{created['_id']}").json()
    assert spans(task["data"], "visual") == [(0, 2), (2, 4), (4, 6)]
    assert {e["embedding_option"] for e in task["data"]} == {"visual", "audio"}
    assert all(len(e["embedding"]) == len(e["embedding_uncertainty"]) == 128 for e in task["data"])
    assert task["usage"] == {"input_tokens": {"video": 60}, "truncated": False}
    assert task["metadata"]["embedding_dimension"] == 128


def test_sync_text_vectors_depend_on_the_text(embed_fake_client: httpx.Client) -> None:
    """The same text embeds to the same vector; another text to another one; nulls for option and times."""

    def embed(text: str) -> dict[str, Any]:
        body = {"input_type": "text", "model_name": "marengo3.0", "text": {"input_text": text}}
        return dict(embed_fake_client.post("/embed-v2", json=body).json()["data"][0])

    dog, dog_again, cat = embed("a dog"), embed("a dog"), embed("a cat")
    assert dog == dog_again
    assert dog["embedding"] != cat["embedding"]
    assert (dog["embedding_option"], dog["embedding_scope"], dog["start_sec"], dog["end_sec"]) == (None,) * 4


def test_sync_video_metadata(embed_fake_client: httpx.Client) -> None:
    """A sync video answer carries metadata: options, scopes, duration, range and the fixed clip length."""
    body = {
        "input_type": "video",
        "model_name": "marengo3.0",
        "video": {
            "media_source": {"url": f"{URL}?duration=8"},
            "segmentation": {"strategy": "fixed", "fixed": {"duration_sec": 4}},
        },
    }
    answer = embed_fake_client.post("/embed-v2", json=body).json()
    assert answer["metadata"] == {
        "input_type": "video",
        "input_url": f"{URL}?duration=8",
        "clip_length": 4,
        "embedding_options": ["visual", "audio", "transcription"],
        "embedding_scopes": ["clip", "asset"],
        "duration": 8.0,
        "start_offset_sec": 0.0,
        "end_offset_sec": 8.0,
    }
    assert len(answer["data"]) == 2 * 3 + 3


@pytest.mark.parametrize(
    ("document", "scopes", "count"),
    [
        ({"media_source": {"url": "https://m.example.com/a.pdf?pages=3"}}, {"page"}, 3),
        (
            {
                "media_source": {"url": "https://m.example.com/a.pdf?pages=2"},
                "segmentation": {"spatial": {"strategy": "quadrants"}},
            },
            {"page"},
            10,
        ),
        ({"media_source": {"url": "https://m.example.com/a.pdf"}, "embedding_scope": ["asset"]}, {"asset"}, 1),
        ({"media_source": {"url": "https://m.example.com/a.md"}}, {"asset"}, 1),
        (
            {
                "media_source": {"url": "https://m.example.com/a.txt?sentences=12"},
                "embedding_scope": ["local"],
                "segmentation": {"sequential": {"strategy": "sentence", "max_sentences": 5, "overlap_sentences": 1}},
            },
            {"chunk"},
            3,
        ),
    ],
)
def test_document_tasks(
    embed_fake: EmbedFake, embed_fake_client: httpx.Client, document: dict[str, Any], scopes: set[str], count: int
) -> None:
    """Documents embed per page (PDF, 5 per page with quadrants), per chunk (txt/md) or as one asset."""
    data = ready_v2_data(
        embed_fake, embed_fake_client, {"input_type": "document", "model_name": "marengo3.5", "document": document}
    )
    assert len(data) == count
    assert {entry["embedding_scope"] for entry in data} == scopes


def test_image_task(embed_fake: EmbedFake, embed_fake_client: httpx.Client) -> None:
    """An image task gives one visual asset embedding."""
    body = {"input_type": "image", "model_name": "marengo3.5", "image": {"media_source": {"asset_id": "img-1"}}}
    (entry,) = ready_v2_data(embed_fake, embed_fake_client, body)
    assert (entry["embedding_option"], entry["embedding_scope"], len(entry["embedding"])) == ("visual", "asset", 512)


def test_hours_of_media(embed_fake: EmbedFake, embed_fake_client: httpx.Client) -> None:
    """Four hours in 2 s segments give 7,200 segments of 512 values, in order and contiguous."""
    body = video_task_body(
        f"{URL}?duration=14400",
        segmentation={"strategy": "fixed", "fixed": {"duration_sec": 2}},
        embedding_option=["visual"],
        embedding_scope=["clip"],
    )
    data = ready_v2_data(embed_fake, embed_fake_client, body)
    assert len(data) == 7200
    assert {len(entry["embedding"]) for entry in data} == {512}
    assert [entry["start_sec"] for entry in data] == [2.0 * i for i in range(7200)]
    assert data[-1]["end_sec"] == 14400


def test_media_longer_than_4_hours_fails_the_task(embed_fake: EmbedFake, embed_fake_client: httpx.Client) -> None:
    """An async task over the 4-hour limit ends failed with the measured overage in `error.message`."""
    task_id = create_v2_task(embed_fake_client, video_task_body(f"{URL}?duration=15000"))
    embed_fake.advance(10)
    message = embed_fake_client.get(f"/embed-v2/tasks/{task_id}").json()["error"]["message"]
    assert message == "Duration (15000.0 seconds) exceeds maximum limit of 14400 seconds (240 minutes)"
