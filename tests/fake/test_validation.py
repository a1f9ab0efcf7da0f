"""Server-side validation: every rule answers with the real error code in the operation's error-body family."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from twelvelabs_embed.testing import EmbedFake

from .helpers import LEGACY_ID, VIDEO_URL, audio_task_body, create_legacy_task, form, video_task_body


def assert_flat(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """The answer has `status` and the flat body `{code, message}` with `code`."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"code", "message"}, body
    assert body["code"] == code, body
    assert body["message"]
    return dict(body)


def assert_nested(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """The answer has `status` and the nested body `{error: {code, message, details?}}` with `code`."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) <= {"code", "message", "details"}, body
    assert body["error"]["code"] == code, body
    assert body["error"]["message"]
    return dict(body["error"])


# --------------------------------------------------------------------------------------- legacy task form

BASE = {"model_name": "marengo3.0", "video_url": VIDEO_URL}
LEGACY_TASK_CASES: list[tuple[str, dict[str, Any], str]] = [
    ("missing model", {"video_url": VIDEO_URL}, "parameter_not_provided"),
    ("unknown model", {**BASE, "model_name": "marengo9"}, "parameter_invalid"),
    ("no media", {"model_name": "marengo3.0"}, "parameter_not_provided"),
    ("clip too short", {**BASE, "video_clip_length": 1}, "parameter_invalid"),
    ("clip too long", {**BASE, "video_clip_length": 11}, "parameter_invalid"),
    ("clip not a number", {**BASE, "video_clip_length": "six"}, "parameter_invalid"),
    ("clip infinite", {**BASE, "video_clip_length": "1e999"}, "parameter_invalid"),
    ("end before start", {**BASE, "video_start_offset_sec": 20, "video_end_offset_sec": 10}, "parameter_invalid"),
    ("end equals start", {**BASE, "video_start_offset_sec": 10, "video_end_offset_sec": 10}, "parameter_invalid"),
    ("start without end", {**BASE, "video_start_offset_sec": 10}, "parameter_not_provided"),
    ("end without start", {**BASE, "video_end_offset_sec": 10}, "parameter_not_provided"),
    ("range shorter than clip", {**BASE, "video_start_offset_sec": 0, "video_end_offset_sec": 5}, "parameter_invalid"),
    ("negative start", {**BASE, "video_start_offset_sec": -1, "video_end_offset_sec": 10}, "parameter_invalid"),
    ("scope without clip", {**BASE, "video_embedding_scope": "video"}, "parameter_invalid"),
    ("unknown scope", {**BASE, "video_embedding_scope": "frame"}, "parameter_invalid"),
    ("repeated scope", {**BASE, "video_embedding_scope": ["clip", "clip"]}, "parameter_invalid"),
    ("repeated model", {**BASE, "model_name": ["marengo3.0", "marengo3.0"]}, "parameter_invalid"),
    ("url not a uri", {**BASE, "video_url": "no scheme"}, "parameter_invalid"),
    ("unknown field", {**BASE, "video_embedding_scopes": "clip"}, "parameter_unknown"),
]


@pytest.mark.parametrize(
    ("fields", "code"), [case[1:] for case in LEGACY_TASK_CASES], ids=[c[0] for c in LEGACY_TASK_CASES]
)
def test_legacy_task_form_rules(
    embed_fake: EmbedFake, embed_fake_client: httpx.Client, fields: dict[str, Any], code: str
) -> None:
    """Each invalid legacy task form is answered 400 with its code in the flat body, and no task is created."""
    response = embed_fake_client.post("/embed/tasks", files=form(**fields))
    assert_flat(response, 400, code)
    assert embed_fake.tasks == []


def test_legacy_task_needs_multipart(embed_fake_client: httpx.Client) -> None:
    """A JSON body on the multipart endpoint is rejected with a flat parameter_invalid."""
    response = embed_fake_client.post("/embed/tasks", json={"model_name": "marengo3.0", "video_url": VIDEO_URL})
    assert_flat(response, 400, "parameter_invalid")


def test_legacy_task_accepts_an_upload(embed_fake: EmbedFake, embed_fake_client: httpx.Client) -> None:
    """A `video_file` upload creates a task whose metadata names the file."""
    task_id = create_legacy_task(embed_fake_client, video_file=("clip.mp4", b"\x00" * 1024, "video/mp4"))
    metadata = embed_fake_client.get(f"/embed/tasks/{task_id}/status").json()["video_embedding"]["metadata"]
    assert metadata["input_filename"] == "clip.mp4"
    assert "input_url" not in metadata


def test_legacy_task_url_wins_over_upload(embed_fake_client: httpx.Client) -> None:
    """When both `video_url` and `video_file` are sent, the URL is used."""
    task_id = create_legacy_task(
        embed_fake_client, video_url=VIDEO_URL, video_file=("clip.mp4", b"\x00" * 16, "video/mp4")
    )
    metadata = embed_fake_client.get(f"/embed/tasks/{task_id}/status").json()["video_embedding"]["metadata"]
    assert metadata["input_url"] == VIDEO_URL
    assert "input_filename" not in metadata


# --------------------------------------------------------------------------------------- legacy sync embed

LEGACY_EMBED_CASES: list[tuple[str, dict[str, Any], str]] = [
    ("no modality", {"model_name": "marengo3.0"}, "parameter_not_provided"),
    ("missing model", {"text": "a dog"}, "parameter_not_provided"),
    ("unknown model", {"model_name": "marengo3.5", "text": "a dog"}, "parameter_invalid"),
    ("empty text", {"model_name": "marengo3.0", "text": " "}, "parameter_invalid"),
    (
        "negative audio offset",
        {"model_name": "marengo3.0", "audio_url": VIDEO_URL, "audio_start_offset_sec": -1},
        "parameter_invalid",
    ),
    ("bad truncate", {"model_name": "marengo3.0", "text": "a", "text_truncate": "middle"}, "parameter_invalid"),
    ("not a uri", {"model_name": "marengo3.0", "image_url": "not a uri"}, "parameter_invalid"),
    ("unknown field", {"model_name": "marengo3.0", "text": "a", "video_url": VIDEO_URL}, "parameter_unknown"),
]


@pytest.mark.parametrize(
    ("fields", "code"), [case[1:] for case in LEGACY_EMBED_CASES], ids=[c[0] for c in LEGACY_EMBED_CASES]
)
def test_legacy_embed_form_rules(embed_fake_client: httpx.Client, fields: dict[str, Any], code: str) -> None:
    """Each invalid POST /embed form is answered 400 with its code in the flat body."""
    assert_flat(embed_fake_client.post("/embed", files=form(**fields)), 400, code)


def test_legacy_embed_reports_per_modality_failures_inside_200(embed_fake_client: httpx.Client) -> None:
    """An unfetchable image is reported in `image_embedding.error_message` while the text still embeds."""
    response = embed_fake_client.post(
        "/embed", files=form(model_name="marengo3.0", text="a dog", image_url="ftp://x.example.com/a.png")
    )
    assert response.status_code == 200
    body = response.json()
    assert body["image_embedding"]["error_message"] == "Image file is not valid."
    assert len(body["text_embedding"]["segments"]) == 1


# --------------------------------------------------------------------------------------- legacy ids


@pytest.mark.parametrize("path", ["/embed/tasks/{id}/status", "/embed/tasks/{id}"])
@pytest.mark.parametrize("task_id", ["not-an-id", "0123456789abcdef0123456", "", "0123456789abcdef01234567z"])
def test_malformed_legacy_id_is_400(embed_fake_client: httpx.Client, path: str, task_id: str) -> None:
    """A legacy task id that is not 24 hex characters is answered 400 parameter_invalid (flat), not 404."""
    assert_flat(embed_fake_client.get(path.format(id=task_id)), 400, "parameter_invalid")


@pytest.mark.parametrize("path", ["/embed/tasks/{id}/status", "/embed/tasks/{id}"])
def test_unknown_legacy_id_is_404(embed_fake_client: httpx.Client, path: str) -> None:
    """A well-formed legacy id that does not exist is answered 404 resource_not_exist (flat)."""
    assert_flat(embed_fake_client.get(path.format(id=LEGACY_ID)), 404, "resource_not_exist")


def test_retrieve_rejects_unknown_and_foreign_embedding_options(embed_fake_client: httpx.Client) -> None:
    """`embedding_option` outside the enum, or not produced by the task's model, is a flat parameter_invalid."""
    task_id = create_legacy_task(embed_fake_client)
    unknown = embed_fake_client.get(f"/embed/tasks/{task_id}", params={"embedding_option": "smell"})
    assert_flat(unknown, 400, "parameter_invalid")
    foreign = embed_fake_client.get(f"/embed/tasks/{task_id}", params={"embedding_option": "visual-text"})
    assert_flat(foreign, 400, "parameter_invalid")


# --------------------------------------------------------------------------------------- lists


@pytest.mark.parametrize("path", ["/embed/tasks", "/embed-v2/tasks"])
@pytest.mark.parametrize(
    "params",
    [
        {"page": "0"},
        {"page": "one"},
        {"page_limit": "51"},
        {"page_limit": "0"},
        {"status": "done"},
        {"started_at": "yesterday"},
        {"ended_at": "2026-07-01T08:00:00"},
        {"page": ["1", "2"]},
    ],
)
def test_list_parameter_rules(embed_fake_client: httpx.Client, path: str, params: dict[str, Any]) -> None:
    """Invalid list parameters are answered 400 parameter_invalid with the flat body, on both lists."""
    assert_flat(embed_fake_client.get(path, params=params), 400, "parameter_invalid")


def test_unknown_query_parameters_are_ignored(embed_fake_client: httpx.Client) -> None:
    """A query parameter the API does not know does not change the answer."""
    assert embed_fake_client.get("/embed-v2/tasks", params={"sort": "asc"}).status_code == 200


# --------------------------------------------------------------------------------------- v2 sync

TEXT = {"input_type": "text", "model_name": "marengo3.0", "text": {"input_text": "a dog"}}
IMAGE_SOURCE = {"url": "https://m.example.com/a.jpg"}

V2_SYNC_CASES: list[tuple[str, dict[str, Any], int, str, str | None]] = [
    (
        "missing input_type",
        {"model_name": "marengo3.0", "text": {"input_text": "a"}},
        400,
        "parameter_not_provided",
        "input_type",
    ),
    ("missing model", {"input_type": "text", "text": {"input_text": "a"}}, 400, "parameter_not_provided", "model_name"),
    ("unknown field", {**TEXT, "mode": "fast"}, 400, "parameter_unknown", "mode"),
    (
        "unknown nested field",
        {**TEXT, "text": {"input_text": "a", "lang": "en"}},
        400,
        "parameter_unknown",
        "text.lang",
    ),
    ("unknown model", {**TEXT, "model_name": "marengo2.7"}, 400, "parameter_invalid", "model_name"),
    ("sibling missing", {"input_type": "text", "model_name": "marengo3.0"}, 400, "parameter_not_provided", "text"),
    ("extra sibling", {**TEXT, "image": {"media_source": IMAGE_SOURCE}}, 400, "parameter_invalid", "image"),
    ("3.5 with text", {**TEXT, "model_name": "marengo3.5"}, 400, "parameter_invalid", "model_name"),
    ("dimension with 3.0", {**TEXT, "embedding_dimension": 256}, 400, "parameter_invalid", "embedding_dimension"),
    ("auto_truncate with 3.0", {**TEXT, "auto_truncate": True}, 400, "parameter_invalid", "auto_truncate"),
    ("empty text", {**TEXT, "text": {"input_text": ""}}, 400, "parameter_invalid", "text.input_text"),
    (
        "two media sources",
        {
            "input_type": "image",
            "model_name": "marengo3.0",
            "image": {"media_source": {**IMAGE_SOURCE, "asset_id": "a1"}},
        },
        400,
        "parameter_invalid",
        "image.media_source",
    ),
    (
        "empty media source",
        {"input_type": "image", "model_name": "marengo3.0", "image": {"media_source": {}}},
        400,
        "parameter_invalid",
        "image.media_source",
    ),
    (
        "bad base64",
        {"input_type": "image", "model_name": "marengo3.0", "image": {"media_source": {"base64_string": "%%%"}}},
        400,
        "parameter_invalid",
        "image.media_source.base64_string",
    ),
    (
        "end before start",
        {
            "input_type": "audio",
            "model_name": "marengo3.0",
            "audio": {"media_source": IMAGE_SOURCE, "start_sec": 5, "end_sec": 5},
        },
        400,
        "parameter_invalid",
        "audio.end_sec",
    ),
    (
        "segment too long",
        {
            "input_type": "video",
            "model_name": "marengo3.0",
            "video": {
                "media_source": IMAGE_SOURCE,
                "segmentation": {"strategy": "fixed", "fixed": {"duration_sec": 12}},
            },
        },
        400,
        "parameter_invalid",
        None,
    ),
    (
        "fused with one option",
        {
            "input_type": "video",
            "model_name": "marengo3.0",
            "video": {
                "media_source": IMAGE_SOURCE,
                "embedding_option": ["visual"],
                "embedding_type": ["fused_embedding"],
            },
        },
        400,
        "parameter_invalid",
        "video.embedding_type",
    ),
    (
        "sync video too long",
        {
            "input_type": "video",
            "model_name": "marengo3.0",
            "video": {"media_source": {"url": VIDEO_URL + "?duration=601"}},
        },
        400,
        "parameter_invalid",
        "video.media_source",
    ),
    (
        "multi_input empty",
        {"input_type": "multi_input", "model_name": "marengo3.0", "multi_input": {}},
        400,
        "parameter_not_provided",
        "multi_input",
    ),
    (
        "3.0 multi_input video",
        {
            "input_type": "multi_input",
            "model_name": "marengo3.0",
            "multi_input": {"media_sources": [{"media_type": "video", "url": VIDEO_URL}]},
        },
        400,
        "parameter_invalid",
        "multi_input.media_sources[0].media_type",
    ),
    (
        "unknown reference",
        {
            "input_type": "multi_input",
            "model_name": "marengo3.0",
            "multi_input": {
                "input_text": "like <@cat>",
                "media_sources": [{"media_type": "image", "name": "dog", "url": VIDEO_URL}],
            },
        },
        400,
        "parameter_invalid",
        "multi_input.input_text",
    ),
    (
        "source without media",
        {
            "input_type": "multi_input",
            "model_name": "marengo3.0",
            "multi_input": {"media_sources": [{"media_type": "image"}]},
        },
        400,
        "parameter_invalid",
        "multi_input.media_sources[0]",
    ),
    (
        "3.5 long video",
        {
            "input_type": "multi_input",
            "model_name": "marengo3.5",
            "multi_input": {"media_sources": [{"media_type": "video", "url": VIDEO_URL}]},
        },
        413,
        "payload_too_large",
        None,
    ),
    (
        "3.5 mixed types without text",
        {
            "input_type": "multi_input",
            "model_name": "marengo3.5",
            "multi_input": {
                "media_sources": [
                    {"media_type": "image", "url": VIDEO_URL},
                    {"media_type": "audio", "url": VIDEO_URL + "?duration=5"},
                ]
            },
        },
        400,
        "parameter_invalid",
        "multi_input.media_sources",
    ),
    (
        "3.5 pdf with text",
        {
            "input_type": "multi_input",
            "model_name": "marengo3.5",
            "multi_input": {
                "input_text": "x",
                "media_sources": [{"media_type": "document", "url": "https://m.example.com/a.pdf"}],
            },
        },
        400,
        "parameter_invalid",
        "multi_input.media_sources",
    ),
    (
        "3.5 text too long",
        {"input_type": "multi_input", "model_name": "marengo3.5", "multi_input": {"input_text": "word " * 2001}},
        400,
        "parameter_invalid",
        "multi_input.input_text",
    ),
]


@pytest.mark.parametrize(
    ("body", "status", "code", "field"), [case[1:] for case in V2_SYNC_CASES], ids=[c[0] for c in V2_SYNC_CASES]
)
def test_v2_sync_rules(
    embed_fake_client: httpx.Client, body: dict[str, Any], status: int, code: str, field: str | None
) -> None:
    """Each invalid POST /embed-v2 body is answered with its status and code in the nested body."""
    error = assert_nested(embed_fake_client.post("/embed-v2", json=body), status, code)
    if field is not None:
        assert error["details"]["field"] == field


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"{not json", "application/json"),
        (b"[1, 2]", "application/json"),
        (b'{"a": NaN}', "application/json"),
        (b"input_type=text", "application/x-www-form-urlencoded"),
    ],
)
@pytest.mark.parametrize("path", ["/embed-v2", "/embed-v2/tasks"])
def test_v2_bodies_must_be_json_objects(
    embed_fake_client: httpx.Client, path: str, content: bytes, content_type: str
) -> None:
    """Malformed JSON, a non-object, NaN or a non-JSON content type is a nested parameter_invalid."""
    response = embed_fake_client.post(path, content=content, headers={"content-type": content_type})
    assert_nested(response, 400, "parameter_invalid")


def test_long_text_is_truncated_when_asked(embed_fake_client: httpx.Client) -> None:
    """marengo3.5 text over the token limit with `auto_truncate: true` embeds and reports the truncation."""
    body = {
        "input_type": "multi_input",
        "model_name": "marengo3.5",
        "auto_truncate": True,
        "multi_input": {"input_text": "word " * 2001},
    }
    response = embed_fake_client.post("/embed-v2", json=body)
    assert response.status_code == 200
    assert response.json()["usage"] == {
        "input_tokens": {"text": 2000},
        "truncated": True,
        "truncation_reason": "model_context_window",
    }


# --------------------------------------------------------------------------------------- v2 async

PDF = {"url": "https://m.example.com/a.pdf"}
TXT = {"url": "https://m.example.com/a.txt"}


def doc(source: dict[str, Any], **document: Any) -> dict[str, Any]:
    return {"input_type": "document", "model_name": "marengo3.5", "document": {"media_source": source, **document}}


V2_ASYNC_CASES: list[tuple[str, dict[str, Any], str, str | None]] = [
    ("sibling missing", {"input_type": "video", "model_name": "marengo3.0"}, "parameter_not_provided", "video"),
    (
        "extra sibling",
        {**video_task_body(), "audio": {"media_source": {"url": VIDEO_URL}}},
        "parameter_invalid",
        "audio",
    ),
    ("document with 3.0", {**doc(PDF), "model_name": "marengo3.0"}, "parameter_invalid", "model_name"),
    (
        "image with 3.0",
        {"input_type": "image", "model_name": "marengo3.0", "image": {"media_source": PDF}},
        "parameter_invalid",
        "model_name",
    ),
    (
        "uncertainty with 3.0",
        {**video_task_body(), "embedding_uncertainty": True},
        "parameter_invalid",
        "embedding_uncertainty",
    ),
    (
        "temporal with 3.0",
        video_task_body(segmentation={"temporal": {"strategy": "fixed", "fixed": {"duration_sec": 4}}}),
        "parameter_invalid",
        "video.segmentation",
    ),
    (
        "3.0 shape with 3.5",
        video_task_body(model="marengo3.5", segmentation={"strategy": "fixed", "fixed": {"duration_sec": 4}}),
        "parameter_invalid",
        "video.segmentation",
    ),
    (
        "dynamic audio with 3.0",
        audio_task_body(segmentation={"strategy": "dynamic", "dynamic": {"min_duration_sec": 3}}),
        "parameter_invalid",
        None,
    ),
    (
        "transcription with 3.5",
        video_task_body(model="marengo3.5", embedding_option=["visual", "transcription"]),
        "parameter_invalid",
        "video.embedding_option",
    ),
    ("local with 3.0", video_task_body(embedding_scope=["local"]), "parameter_invalid", "video.embedding_scope"),
    (
        "3.5 fused without metadata",
        video_task_body(model="marengo3.5", embedding_type=["fused_embedding"]),
        "parameter_not_provided",
        "video.time_based_metadata",
    ),
    (
        "metadata without fused",
        video_task_body(model="marengo3.5", time_based_metadata=[{"start": 0, "end": 1, "text": "x"}]),
        "parameter_invalid",
        "video.time_based_metadata",
    ),
    (
        "metadata end before start",
        video_task_body(
            model="marengo3.5",
            embedding_type=["fused_embedding"],
            time_based_metadata=[{"start": 5, "end": 1, "text": "x"}],
        ),
        "parameter_invalid",
        "video.time_based_metadata[0].end",
    ),
    (
        "uncertainty with asset scope",
        {**video_task_body(model="marengo3.5"), "embedding_uncertainty": True},
        "parameter_invalid",
        "video.embedding_scope",
    ),
    (
        "dimension too large",
        {**video_task_body(model="marengo3.5"), "embedding_dimension": 1024},
        "parameter_invalid",
        "embedding_dimension",
    ),
    ("fused document", doc(PDF, embedding_type=["fused_embedding"]), "parameter_invalid", "document.embedding_type"),
    (
        "pdf with sequential",
        doc(PDF, embedding_option=["text"], segmentation={"sequential": {"strategy": "sentence", "max_sentences": 3}}),
        "parameter_invalid",
        "document.segmentation.sequential",
    ),
    (
        "txt with spatial",
        doc(TXT, segmentation={"spatial": {"strategy": "standard"}}),
        "parameter_invalid",
        "document.segmentation.spatial",
    ),
    (
        "txt local without sequential",
        doc(TXT, embedding_scope=["local"]),
        "parameter_not_provided",
        "document.segmentation.sequential",
    ),
    (
        "overlap not below max",
        doc(
            TXT,
            embedding_scope=["local"],
            segmentation={"sequential": {"strategy": "sentence", "max_sentences": 2, "overlap_sentences": 2}},
        ),
        "parameter_invalid",
        "document.segmentation.sequential.overlap_sentences",
    ),
    (
        "pdf text local",
        doc(PDF, embedding_option=["text"], embedding_scope=["local"]),
        "parameter_invalid",
        "document.embedding_scope",
    ),
    ("empty segmentation", doc(PDF, segmentation={}), "parameter_invalid", None),
    ("uncertainty with pdf", {**doc(PDF), "embedding_uncertainty": True}, "parameter_invalid", "embedding_uncertainty"),
]


@pytest.mark.parametrize(
    ("body", "code", "field"), [case[1:] for case in V2_ASYNC_CASES], ids=[c[0] for c in V2_ASYNC_CASES]
)
def test_v2_async_rules(
    embed_fake: EmbedFake, embed_fake_client: httpx.Client, body: dict[str, Any], code: str, field: str | None
) -> None:
    """Each invalid POST /embed-v2/tasks body is answered 400 with its code in the nested body, creating nothing."""
    error = assert_nested(embed_fake_client.post("/embed-v2/tasks", json=body), 400, code)
    if field is not None:
        assert error["details"]["field"] == field
    assert embed_fake.tasks == []


@pytest.mark.parametrize("task_id", ["64f8d2c7e4a1b37f8a9c5d12", "not-an-id"])
def test_unknown_v2_task_is_nested_404(embed_fake_client: httpx.Client, task_id: str) -> None:
    """GET /embed-v2/tasks/{id} of an unknown (or malformed) id is 404 resource_not_exist, nested."""
    assert_nested(embed_fake_client.get(f"/embed-v2/tasks/{task_id}"), 404, "resource_not_exist")


def test_unknown_path_and_method(embed_fake_client: httpx.Client) -> None:
    """An unknown path is a JSON 404; a known path with the wrong method is a 405 listing the allowed ones."""
    assert embed_fake_client.get("/embed-v3").status_code == 404
    response = embed_fake_client.delete("/embed/tasks")
    assert response.status_code == 405
    assert set(response.headers["allow"].split(", ")) == {"GET", "HEAD", "POST"}
