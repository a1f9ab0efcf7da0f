"""Assets against the fake: direct upload and URL creation, processing -> ready on the clock, list filters and
pagination, retrieve, delete (force / 409), the documented limits, and assets as v2 `media_source.asset_id`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from twelvelabs_embed.testing import AssetSettings, EmbedFake

from .helpers import LEGACY_ID, generated_client

MP4 = b"\x00\x00\x00\x18ftypmp42" + bytes(16)


@pytest.fixture
def fake() -> Iterator[EmbedFake]:
    with EmbedFake() as instance:
        yield instance


@pytest.fixture
def api(fake: EmbedFake) -> Iterator[httpx.Client]:
    with fake.client() as client:
        yield client


def direct(
    api: httpx.Client, data: bytes = MP4, name: str = "talk.mp4", mime: str = "video/mp4", **fields: Any
) -> httpx.Response:
    parts: list[Any] = [("method", (None, "direct")), ("file", (name, data, mime))]
    parts += [(key, (None, str(value))) for key, value in fields.items()]
    return api.post("/assets", files=parts)


def by_url(api: httpx.Client, url: str, **fields: Any) -> httpx.Response:
    parts: list[Any] = [("method", (None, "url")), ("url", (None, url))]
    parts += [(key, (None, str(value))) for key, value in fields.items()]
    return api.post("/assets", files=parts)


def v2_video(asset_id: str) -> dict[str, Any]:
    return {"input_type": "video", "model_name": "marengo3.0", "video": {"media_source": {"asset_id": asset_id}}}


# ------------------------------------------------------------------------------------------ create


def test_direct_upload_creates_a_processing_asset_that_becomes_ready(fake: EmbedFake, api: httpx.Client) -> None:
    """`method=direct` answers 201 with the asset processing; after `processing_seconds` it is ready with size,
    duration and technical metadata; the bytes are kept."""
    created = direct(api)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body == {
        "_id": body["_id"],
        "method": "direct",
        "status": "processing",
        "filename": "talk.mp4",
        "file_type": "video/mp4",
        "created_at": "2026-07-01T08:00:00Z",
    }
    fake.advance(fake.processing_seconds)
    ready = api.get(f"/assets/{body['_id']}").json()
    assert (ready["status"], ready["size"], ready["duration"]) == ("ready", len(MP4), fake.upload_duration)
    assert ready["technical_metadata"]["file_size_bytes"] == len(MP4)
    assert fake.asset(body["_id"]).data == MP4


def test_url_asset_and_its_options(fake: EmbedFake, api: httpx.Client) -> None:
    """`method=url` takes the URL's duration, the given filename, user metadata (JSON text) and HLS/thumbnail
    requests, which show `pending` while processing and a URL once ready."""
    created = by_url(
        api,
        "https://media.example.com/clip.mp4?duration=42",
        filename="My clip.mp4",
        enable_hls="true",
        enable_thumbnail="false",
        user_metadata=json.dumps({"topic": "talks", "rank": 3, "tags": ["a", "b"], "empty": ""}),
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["method"], body["filename"], body["hls"]) == ("url", "My clip.mp4", {"status": "pending"})
    assert body["user_metadata"] == {"topic": "talks", "rank": 3, "tags": ["a", "b"]}
    assert "thumbnail" not in body
    fake.advance(fake.processing_seconds)
    ready = api.get(f"/assets/{body['_id']}").json()
    assert ready["duration"] == 42.0
    assert ready["hls"]["status"] == "ready" and ready["hls"]["manifest_url"].endswith(".m3u8")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://media.example.com/clip.mp4", "could not be fetched"),
        ("https://media.example.com/clip.mp4?fail=corrupt%20file", "corrupt file"),
        ("https://media.example.com/clip.mp4?size=4294967297", "exceeds the limit"),
    ],
    ids=["not-http", "fail", "over-4-GiB"],
)
def test_url_assets_that_fail(fake: EmbedFake, api: httpx.Client, url: str, message: str) -> None:
    """Media problems are not 400s: the asset is created and ends `failed` with `error.message`."""
    asset_id = by_url(api, url).json()["_id"]
    fake.advance(fake.processing_seconds)
    failed = api.get(f"/assets/{asset_id}").json()
    assert failed["status"] == "failed" and message in failed["error"]["message"]
    assert "technical_metadata" not in failed


def test_fail_asset_on_request(fake: EmbedFake, api: httpx.Client) -> None:
    """`fake.fail_asset()` makes an asset end failed with the given message."""
    asset_id = direct(api).json()["_id"]
    fake.fail_asset(asset_id, "playability check failed")
    fake.advance(fake.processing_seconds)
    assert api.get(f"/assets/{asset_id}").json()["error"] == {"message": "playability check failed"}


@pytest.mark.parametrize(
    ("parts", "code", "text"),
    [
        ([("method", (None, "direct"))], "parameter_not_provided", "file"),
        ([("method", (None, "url"))], "parameter_not_provided", "url"),
        ([("method", (None, "url")), ("url", (None, "https://a.example/x.mp4")), ("file", ("x.mp4", MP4, "video/mp4"))],
         "parameter_invalid", "file"),
        ([("method", (None, "upload")), ("url", (None, "https://a.example/x.mp4"))], "parameter_invalid", "method"),
        ([("url", (None, "https://a.example/x.mp4"))], "parameter_not_provided", "method"),
        ([("method", (None, "url")), ("url", (None, "https://a.example/x.mp4")), ("enable_hls", (None, "yes"))],
         "parameter_invalid", "enable_hls"),
        ([("method", (None, "url")), ("url", (None, "https://a.example/x.mp4")), ("user_metadata", (None, "[1]"))],
         "parameter_invalid", "user_metadata"),
        ([("method", (None, "url")), ("url", (None, "https://a.example/x.mp4")), ("filename", (None, "x" * 256))],
         "parameter_invalid", "filename"),
        ([("method", (None, "url")), ("url", (None, "https://a.example/x.mp4")), ("color", (None, "red"))],
         "parameter_unknown", "color"),
        ([("method", (None, "direct")), ("file", ("a.zip", b"PK\x03\x04", "application/zip"))], "parameter_invalid",
         "not supported"),
        ([("method", (None, "direct")), ("file", ("a.mp4", b"", "video/mp4"))], "parameter_invalid", "empty"),
    ],
    ids=["no-file", "no-url", "both", "bad-method", "no-method", "bad-boolean", "metadata-not-object",
         "filename-256", "unknown-field", "zip", "empty-file"],
)  # fmt: skip
def test_create_rejects_bad_forms(api: httpx.Client, fake: EmbedFake, parts: list[Any], code: str, text: str) -> None:
    """Each malformed create form is a 400 with the documented code (flat body), and no asset is made."""
    response = api.post("/assets", files=parts)
    assert response.status_code == 400, response.text
    assert response.json()["code"] == code and text in response.json()["message"]
    assert set(response.json()) == {"code", "message"}
    assert fake.assets == []


def test_create_needs_a_multipart_body(api: httpx.Client) -> None:
    """A JSON body is refused: `POST /assets` is multipart/form-data, even for URLs."""
    response = api.post("/assets", json={"method": "url", "url": "https://a.example/x.mp4"})
    assert response.status_code == 400 and "multipart/form-data" in response.json()["message"]


@pytest.mark.parametrize(
    ("name", "mime", "size", "ok"),
    [
        ("a.mp4", "video/mp4", 2000, True),
        ("a.mp4", "video/mp4", 2001, False),
        ("a.mp3", "audio/mpeg", 2001, False),
        ("a.png", "image/png", 1000, True),
        ("a.png", "image/png", 1001, False),
        ("a.pdf", "application/pdf", 1500, True),
        ("a.pdf", "application/pdf", 1501, False),
    ],
)
def test_direct_upload_limits(name: str, mime: str, size: int, ok: bool) -> None:
    """Direct uploads are limited per kind (video/audio 200 MB, images 32 MB, documents 200 MB by default;
    shrunk here): one byte over is 400 and points to the multipart upload."""
    settings = AssetSettings(direct_media_limit=2000, image_limit=1000, document_direct_limit=1500)
    with EmbedFake(asset_settings=settings) as fake, fake.client() as api:
        response = direct(api, data=b"x" * size, name=name, mime=mime)
    assert (response.status_code == 201) is ok, response.text
    if not ok:
        assert response.json()["code"] == "parameter_invalid" and "limit" in response.json()["message"]


def test_default_limits_are_the_documented_ones() -> None:
    """Defaults: 200 MiB direct video/audio, 4 GiB by URL, 32 MiB images, 10 GiB multipart, 1 h URLs, 24 h sessions."""
    settings = AssetSettings()
    mib, gib = 1024**2, 1024**3
    assert (settings.direct_media_limit, settings.url_media_limit, settings.image_limit) == (
        200 * mib,
        4 * gib,
        32 * mib,
    )
    assert (settings.multipart_media_limit, settings.multipart_image_limit) == (10 * gib, 32 * mib)
    assert (settings.url_lifetime, settings.session_lifetime, settings.max_chunks) == (3600, 86400, 10_000)
    with pytest.raises(ValueError, match="delete_status"):
        AssetSettings(delete_status=202)


def test_create_asset_can_be_rate_limited_on_its_own() -> None:
    """A `RateLimit` on `createAsset` answers 429 with Retry-After (flat body) and creates nothing."""
    from twelvelabs_embed.testing import RateLimit

    with EmbedFake(rate_limit=RateLimit(limit=1, operations={"createAsset"})) as fake, fake.client() as api:
        assert direct(api).status_code == 201
        limited = direct(api)
        assert limited.status_code == 429 and limited.headers["retry-after"]
        assert limited.json()["code"] == "too_many_requests"
        assert len(fake.assets) == 1


# ------------------------------------------------------------------------------------ list, get, delete


def test_list_is_newest_first_with_filters_and_pages(fake: EmbedFake, api: httpx.Client) -> None:
    """The list is newest first; asset_ids/asset_types repeat, filename matches case-insensitively; pages."""
    ids = []
    for name, mime in (("Intro.mp4", "video/mp4"), ("song.mp3", "audio/mpeg"), ("cover.png", "image/png")):
        ids.append(direct(api, name=name, mime=mime).json()["_id"])
        fake.advance(1)
    everything = api.get("/assets").json()
    assert [a["_id"] for a in everything["data"]] == ids[::-1]
    assert everything["page_info"] == {"limit_per_page": 10, "page": 1, "total_page": 1, "total_results": 3}
    audio_or_image = api.get("/assets", params=[("asset_types", "audio"), ("asset_types", "image")]).json()
    assert [a["_id"] for a in audio_or_image["data"]] == [ids[2], ids[1]]
    assert [a["_id"] for a in api.get("/assets", params={"filename": "INTRO"}).json()["data"]] == [ids[0]]
    chosen = api.get("/assets", params=[("asset_ids", ids[0]), ("asset_ids", ids[2])]).json()
    assert sorted(a["_id"] for a in chosen["data"]) == sorted([ids[0], ids[2]])
    page = api.get("/assets", params={"page": 2, "page_limit": 2}).json()
    assert [a["_id"] for a in page["data"]] == [ids[0]]
    assert page["page_info"] == {"limit_per_page": 2, "page": 2, "total_page": 2, "total_results": 3}


@pytest.mark.parametrize("params", [{"page_limit": 51}, {"page": 0}, {"asset_types": "text"}])
def test_list_rejects_bad_query_values(api: httpx.Client, params: dict[str, Any]) -> None:
    """page_limit is 1-50, page >= 1 and asset_types one of image/video/audio/document (400 otherwise)."""
    assert api.get("/assets", params=params).status_code == 400


def test_unknown_asset_is_404(api: httpx.Client) -> None:
    """Retrieving or deleting an unknown id is 404 resource_not_exist in the flat body."""
    for response in (api.get(f"/assets/{LEGACY_ID}"), api.delete(f"/assets/{LEGACY_ID}")):
        assert response.status_code == 404
        assert response.json()["code"] == "resource_not_exist"


def test_delete_answers_204_and_the_asset_is_gone(fake: EmbedFake, api: httpx.Client) -> None:
    """A delete answers 204 without a body (200 with `delete_status=200`); the asset is no longer listed."""
    asset_id = direct(api).json()["_id"]
    deleted = api.delete(f"/assets/{asset_id}")
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert api.get(f"/assets/{asset_id}").status_code == 404
    assert api.get("/assets").json()["data"] == []
    fake.asset_settings = AssetSettings(delete_status=200)
    assert api.delete(f"/assets/{direct(api).json()['_id']}").status_code == 200


def test_delete_of_an_asset_in_use_needs_force(fake: EmbedFake, api: httpx.Client) -> None:
    """An asset referenced by indexed assets is not deleted (409) unless `force=true`."""
    asset_id = direct(api).json()["_id"]
    fake.mark_asset_in_use(asset_id)
    refused = api.delete(f"/assets/{asset_id}")
    assert refused.status_code == 409 and refused.json()["code"] == "asset_in_use"
    assert api.delete(f"/assets/{asset_id}", params={"force": "false"}).status_code == 409
    assert api.delete(f"/assets/{asset_id}", params={"force": "true"}).status_code == 204


# --------------------------------------------------------------------------------- v2 media_source


def test_ready_asset_is_usable_in_v2_and_others_are_refused(fake: EmbedFake, api: httpx.Client) -> None:
    """v2 takes a ready asset (its duration from `media_durations`); a processing, failed or deleted asset is
    a nested 400 naming `video.media_source.asset_id`."""
    ready_id = direct(api).json()["_id"]
    failing_id = direct(api).json()["_id"]
    fake.fail_asset(failing_id)
    processing = api.post("/embed-v2/tasks", json=v2_video(ready_id))
    assert processing.status_code == 400 and "processing" in processing.json()["error"]["message"]
    fake.advance(fake.processing_seconds)
    fake.media_durations[ready_id] = 90.0
    accepted = api.post("/embed-v2/tasks", json=v2_video(ready_id))
    assert accepted.status_code == 202, accepted.text
    fake.advance(fake.processing_seconds)
    assert api.get(f"/embed-v2/tasks/{accepted.json()['_id']}").json()["metadata"]["duration"] == 90.0
    failed = api.post("/embed-v2/tasks", json=v2_video(failing_id))
    assert failed.status_code == 400 and "failed" in failed.json()["error"]["message"]
    api.delete(f"/assets/{ready_id}")
    gone = api.post("/embed-v2/tasks", json=v2_video(ready_id))
    assert gone.status_code == 400
    assert gone.json()["error"]["details"]["field"] == "video.media_source.asset_id"


def test_sync_embeddings_resolve_assets_too(fake: EmbedFake, api: httpx.Client) -> None:
    """The sync v2 endpoint refuses a processing asset as well (the same lookup)."""
    asset_id = direct(api, name="cat.png", mime="image/png").json()["_id"]
    body = {"input_type": "image", "model_name": "marengo3.0", "image": {"media_source": {"asset_id": asset_id}}}
    assert api.post("/embed-v2", json=body).status_code == 400
    fake.advance(fake.processing_seconds)
    assert api.post("/embed-v2", json=body).status_code == 200


def test_unknown_asset_ids_are_lenient_unless_strict(api: httpx.Client) -> None:
    """By default an id the fake never issued is taken as a ready asset; `strict_asset_ids` refuses it."""
    assert api.post("/embed-v2/tasks", json=v2_video("asset-from-elsewhere")).status_code == 202
    with EmbedFake(asset_settings=AssetSettings(strict_asset_ids=True)) as strict, strict.client() as client:
        refused = client.post("/embed-v2/tasks", json=v2_video("asset-from-elsewhere"))
        assert refused.status_code == 400 and "no asset" in refused.json()["error"]["message"]


# ------------------------------------------------------------------------------------ generated client


def test_generated_client_parses_asset_answers(fake: EmbedFake) -> None:
    """The generated models parse the fake's asset answers: statuses as enums, dates as datetimes, no raw dicts."""
    import io

    from twelvelabs_embed_generated.api.assets import create_asset, delete_asset, list_assets, retrieve_asset
    from twelvelabs_embed_generated.models import Asset, AssetList, AssetStatus, AssetUploadMethod, CreateAssetForm
    from twelvelabs_embed_generated.types import File

    client = generated_client(fake)
    form = CreateAssetForm(
        method=AssetUploadMethod.DIRECT,
        file=File(payload=io.BytesIO(MP4), file_name="talk.mp4", mime_type="video/mp4"),
        enable_thumbnail=True,
    )
    created = create_asset.sync_detailed(client=client, body=form)
    assert created.status_code == 201 and isinstance(created.parsed, Asset)
    assert created.parsed.status is AssetStatus.PROCESSING
    fake.advance(fake.processing_seconds)
    ready = retrieve_asset.sync_detailed(created.parsed.id, client=client).parsed
    assert isinstance(ready, Asset) and ready.status is AssetStatus.READY
    assert ready.created_at is not None and ready.created_at.tzinfo is not None
    assert ready.thumbnail.representative_url.endswith(".jpg")  # type: ignore[union-attr]
    assert ready.technical_metadata.video_codec == "h264"  # type: ignore[union-attr]
    listed = list_assets.sync_detailed(client=client).parsed
    assert isinstance(listed, AssetList) and [a.id for a in listed.data] == [created.parsed.id]  # type: ignore[union-attr]
    deleted = delete_asset.sync_detailed(created.parsed.id, client=client)
    assert deleted.status_code == 204 and deleted.parsed is None
