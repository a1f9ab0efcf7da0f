"""Multipart uploads against the fake: create -> PUT chunks to the upload origin -> report -> complete -> ready,
resuming, expired URLs, the upload origin's rules (no API key, signed headers, ETags) and the documented limits.

Chunks are tiny (`AssetSettings(chunk_size=4)`), so a 10-byte file is three chunks (4 + 4 + 2 bytes).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from twelvelabs_embed.testing import UPLOAD_HOST, AssetSettings, ChunkFaultKind, EmbedFake

from .helpers import generated_client

DATA = b"0123456789"
SMALL = AssetSettings(chunk_size=4, initial_urls=2)


@pytest.fixture
def fake() -> Iterator[EmbedFake]:
    with EmbedFake(asset_settings=SMALL) as instance:
        yield instance


@pytest.fixture
def api(fake: EmbedFake) -> Iterator[httpx.Client]:
    with fake.client() as client:
        yield client


@pytest.fixture
def origin(fake: EmbedFake) -> Iterator[httpx.Client]:
    """A client for the presigned URLs: no base URL, no API key (as a correct uploader sends them)."""
    with fake.upload_client() as client:
        yield client


def start(api: httpx.Client, data: bytes = DATA, **fields: Any) -> dict[str, Any]:
    body = {"filename": "talk.mp4", "type": "video", "total_size": len(data), **fields}
    response = api.post("/assets/multipart-uploads", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def chunk_of(session: dict[str, Any], index: int, data: bytes = DATA) -> bytes:
    size = session["chunk_size"]
    return data[(index - 1) * size : index * size]


def put(origin: httpx.Client, session: dict[str, Any], url: str, body: bytes, **headers: str) -> httpx.Response:
    return origin.put(url, content=body, headers={**session["upload_headers"], **headers})


def more_urls(api: httpx.Client, session: dict[str, Any], start_at: int, count: int) -> dict[int, str]:
    response = api.post(
        f"/assets/multipart-uploads/{session['upload_id']}/presigned-urls", json={"start": start_at, "count": count}
    )
    assert response.status_code == 200, response.text
    return {item["chunk_index"]: item["url"] for item in response.json()["upload_urls"]}


def item(index: int, etag: str, size: int) -> dict[str, Any]:
    return {"chunk_index": index, "proof": etag, "proof_type": "etag", "chunk_size": size}


def report(api: httpx.Client, session: dict[str, Any], items: list[dict[str, Any]]) -> httpx.Response:
    return api.post(f"/assets/multipart-uploads/{session['upload_id']}", json={"completed_chunks": items})


def upload_chunks(
    api: httpx.Client, origin: httpx.Client, session: dict[str, Any], indexes: list[int], data: bytes = DATA
) -> list[dict[str, Any]]:
    """PUT the given chunks (fetching URLs the create answer did not carry); return their report items."""
    urls = {u["chunk_index"]: u["url"] for u in session["upload_urls"]}
    missing = [i for i in indexes if i not in urls]
    if missing:
        urls.update(more_urls(api, session, min(missing), max(missing) - min(missing) + 1))
    items = []
    for index in indexes:
        body = chunk_of(session, index, data)
        response = put(origin, session, urls[index], body)
        assert response.status_code == 200, response.text
        items.append(item(index, response.headers["etag"], len(body)))
    return items


def more_urls_or_none(api: httpx.Client, session: dict[str, Any]) -> str | None:
    response = api.post(
        f"/assets/multipart-uploads/{session['upload_id']}/presigned-urls", json={"start": 2, "count": 1}
    )
    return str(response.json()["upload_urls"][0]["url"]) if response.status_code == 200 else None


def status(api: httpx.Client, session: dict[str, Any], **params: Any) -> dict[str, Any]:
    response = api.get(f"/assets/multipart-uploads/{session['upload_id']}", params=params)
    assert response.status_code == 200, response.text
    return dict(response.json())


# ------------------------------------------------------------------------------------------ lifecycle


def test_create_chooses_chunking_and_hands_out_the_first_urls(fake: EmbedFake, api: httpx.Client) -> None:
    """The session has the fake's chunk size, ceil(size/chunk) chunks, `initial_urls` URLs on the upload
    origin, the upload headers, a 24 h expiry, and reserves a processing multipart asset."""
    session = start(api)
    assert (session["chunk_size"], session["total_chunks"]) == (4, 3)
    assert [u["chunk_index"] for u in session["upload_urls"]] == [1, 2]
    assert all(httpx.URL(u["url"]).host == UPLOAD_HOST for u in session["upload_urls"])
    assert all(u["expires_at"] == "2026-07-01T09:00:00Z" for u in session["upload_urls"])
    assert session["upload_headers"] == {"Content-Type": "application/octet-stream"}
    assert session["expires_at"] == "2026-07-02T08:00:00Z"
    asset = api.get(f"/assets/{session['asset_id']}").json()
    assert (asset["method"], asset["status"], asset["filename"]) == ("multipart", "processing", "talk.mp4")


def test_full_upload_completes_and_the_asset_becomes_ready(
    fake: EmbedFake, api: httpx.Client, origin: httpx.Client
) -> None:
    """PUT every chunk, report the ETags: the report that completes carries `url`, the session is `completed`,
    the asset is processing until the fake's clock passes `processing_seconds`, and the bytes are intact."""
    session = start(api)
    items = upload_chunks(api, origin, session, [1, 2, 3])
    assert [i["proof"] for i in items] == [f'"{hashlib.md5(chunk_of(session, n)).hexdigest()}"' for n in (1, 2, 3)]
    first = report(api, session, items[:2]).json()
    assert "url" not in first and first["total_completed"] == 2 and first["processed_chunks"] == 2
    last = report(api, session, items[2:]).json()
    assert last["total_completed"] == 3 and last["url"].endswith("/talk.mp4")
    assert last["asset_id"] == session["asset_id"]
    state = status(api, session)
    assert (state["status"], state["chunks_completed"], state["chunks_pending"], state["uploaded_size"]) == (
        "completed",
        3,
        0,
        len(DATA),
    )
    assert api.get(f"/assets/{session['asset_id']}").json()["status"] == "processing"
    fake.advance(fake.asset_processing_seconds)
    ready = api.get(f"/assets/{session['asset_id']}").json()
    assert (ready["status"], ready["size"]) == ("ready", len(DATA))
    assert fake.multipart_upload(session["upload_id"]).data() == DATA
    assert fake.asset(session["asset_id"]).data == DATA
    assert api.get("/assets/multipart-uploads").json()["data"] == []  # no longer incomplete


def test_ready_multipart_asset_feeds_a_v2_task(fake: EmbedFake, api: httpx.Client, origin: httpx.Client) -> None:
    """The asset id is usable as `media_source.asset_id` once ready; before that v2 refuses it (nested 400)."""
    session = start(api)
    body = {
        "input_type": "video",
        "model_name": "marengo3.0",
        "video": {"media_source": {"asset_id": session["asset_id"]}},
    }
    early = api.post("/embed-v2/tasks", json=body)
    assert early.status_code == 400
    assert early.json()["error"]["details"]["field"] == "video.media_source.asset_id"
    report(api, session, upload_chunks(api, origin, session, [1, 2, 3]))
    fake.advance(fake.asset_processing_seconds)
    fake.media_durations[session["asset_id"]] = 24.0
    task = api.post("/embed-v2/tasks", json=body)
    assert task.status_code == 202, task.text
    fake.advance(fake.processing_seconds)
    done = api.get(f"/embed-v2/tasks/{task.json()['_id']}").json()
    assert done["status"] == "ready" and done["metadata"]["duration"] == 24.0


def test_chunks_may_be_reported_in_any_order_and_again(api: httpx.Client, origin: httpx.Client) -> None:
    """Reports in any order complete the upload; reporting a chunk again counts it as a duplicate only."""
    session = start(api)
    items = upload_chunks(api, origin, session, [3, 1, 2])
    assert report(api, session, [items[0]]).json()["processed_chunks"] == 1
    again = report(api, session, [items[0], items[1], items[1]]).json()
    assert (again["processed_chunks"], again["duplicate_chunks"], again["total_completed"]) == (1, 2, 2)
    done = report(api, session, items).json()
    assert (done["processed_chunks"], done["duplicate_chunks"], done["total_completed"]) == (1, 2, 3)
    assert "url" in done
    assert "url" in report(api, session, items).json()  # reporting after completion is harmless


def test_unquoted_etag_is_accepted_as_proof(api: httpx.Client, origin: httpx.Client) -> None:
    """The proof may be the ETag with or without its quotes (the documented example is unquoted)."""
    session = start(api)
    items = upload_chunks(api, origin, session, [1, 2, 3])
    items = [{**i, "proof": i["proof"].strip('"')} for i in items]
    assert report(api, session, items).json()["total_completed"] == 3


def test_upload_of_the_same_bytes_again_gives_the_same_etag(api: httpx.Client, origin: httpx.Client) -> None:
    """A PUT is idempotent: the same bytes to the same URL again answer 200 with the same ETag."""
    session = start(api)
    url = session["upload_urls"][0]["url"]
    first = put(origin, session, url, chunk_of(session, 1))
    second = put(origin, session, url, chunk_of(session, 1))
    assert first.status_code == second.status_code == 200
    assert first.headers["etag"] == second.headers["etag"]


# ------------------------------------------------------------------------------------------- resume


def test_resume_from_status_and_the_incomplete_list(fake: EmbedFake, api: httpx.Client, origin: httpx.Client) -> None:
    """After a "crash", the incomplete list names the session and the status tells which chunks are done, so
    only the missing ones are sent again."""
    session = start(api)
    report(api, session, upload_chunks(api, origin, session, [1]))
    upload_chunks(api, origin, session, [2])  # uploaded but not reported before the crash
    listed = api.get("/assets/multipart-uploads").json()
    (entry,) = listed["data"]
    assert entry == {
        "upload_id": session["upload_id"],
        "status": "active",
        "total_size": len(DATA),
        "chunk_size": 4,
        "total_chunks": 3,
        "created_at": "2026-07-01T08:00:00Z",
        "expires_at": "2026-07-02T08:00:00Z",
    }
    state = status(api, session)
    assert [(c["index"], c["status"]) for c in state["uploaded_chunks"]] == [
        (1, "completed"),
        (2, "pending"),
        (3, "pending"),
    ]
    assert state["uploaded_chunks"][0]["uploaded_at"] == "2026-07-01T08:00:00Z"
    assert state["uploaded_chunks"][1]["uploaded_at"] is None
    assert (state["chunks_completed"], state["chunks_pending"], state["uploaded_size"]) == (1, 2, 8)
    before = len(fake.upload_requests)
    missing = [c["index"] for c in state["uploaded_chunks"] if c["status"] != "completed"]
    done = report(api, session, upload_chunks(api, origin, session, missing)).json()
    assert done["total_completed"] == 3
    assert len(fake.upload_requests) - before == 2
    assert fake.multipart_upload(session["upload_id"]).data() == DATA


def test_status_pages_through_the_chunks(api: httpx.Client) -> None:
    """`uploaded_chunks` is paginated with page/page_limit; the counts cover every chunk."""
    session = start(api, data=bytes(30))  # 8 chunks of 4 bytes (the last one 2)
    second = status(api, session, page=2, page_limit=3)
    assert [c["index"] for c in second["uploaded_chunks"]] == [4, 5, 6]
    assert second["page_info"] == {"limit_per_page": 3, "page": 2, "total_page": 3, "total_results": 8}
    assert second["chunks_pending"] == 8


def test_expired_urls_are_refused_and_fresh_ones_work(fake: EmbedFake, api: httpx.Client, origin: httpx.Client) -> None:
    """After the URL lifetime a PUT is refused (403, expired); `presigned-urls` hands out URLs that work."""
    session = start(api)
    fake.advance(SMALL.url_lifetime)
    url = session["upload_urls"][0]["url"]
    refused = put(origin, session, url, chunk_of(session, 1))
    assert refused.status_code == 403
    assert "<Code>AccessDenied</Code>" in refused.text and "Request has expired" in refused.text
    fresh = more_urls(api, session, 1, 3)
    assert sorted(fresh) == [1, 2, 3] and fresh[1] != url
    items = []
    for index, fresh_url in fresh.items():
        response = put(origin, session, fresh_url, chunk_of(session, index))
        assert response.status_code == 200
        items.append(item(index, response.headers["etag"], len(chunk_of(session, index))))
    assert report(api, session, items).json()["total_completed"] == 3


def test_expire_upload_urls_ends_every_url_issued_so_far(
    fake: EmbedFake, api: httpx.Client, origin: httpx.Client
) -> None:
    """`fake.expire_upload_urls()` expires every issued URL at once (an early expiry the client must survive)."""
    session = start(api)
    assert fake.expire_upload_urls(session["upload_id"]) == 2
    assert put(origin, session, session["upload_urls"][1]["url"], chunk_of(session, 2)).status_code == 403
    assert put(origin, session, more_urls(api, session, 2, 1)[2], chunk_of(session, 2)).status_code == 200


def test_session_expires_after_24_hours(fake: EmbedFake, api: httpx.Client, origin: httpx.Client) -> None:
    """A session past its 24 h is `expired`: reports and URL requests are refused (400); a new session works."""
    session = start(api)
    items = upload_chunks(api, origin, session, [1])
    fake.advance(SMALL.session_lifetime)
    assert status(api, session)["status"] == "expired"
    assert api.get("/assets/multipart-uploads").json()["data"][0]["status"] == "expired"
    refused = report(api, session, items)
    assert refused.status_code == 400 and "expired" in refused.json()["message"]
    urls = api.post(f"/assets/multipart-uploads/{session['upload_id']}/presigned-urls", json={"start": 1, "count": 1})
    assert urls.status_code == 400
    assert start(api)["upload_id"] != session["upload_id"]  # the way forward: a new session


def test_urls_of_a_closed_session_answer_no_such_upload(
    fake: EmbedFake, api: httpx.Client, origin: httpx.Client
) -> None:
    """A still-valid URL of an expired or failed session answers 404 NoSuchUpload."""
    fake.asset_settings = AssetSettings(chunk_size=4, url_lifetime=SMALL.session_lifetime * 2)
    expired, failed = start(api), start(api)
    fake.advance(SMALL.session_lifetime)
    fake.fail_upload(failed["upload_id"], "storage error")
    for session in (expired, failed):
        response = put(origin, session, session["upload_urls"][0]["url"], chunk_of(session, 1))
        assert response.status_code == 404 and "<Code>NoSuchUpload</Code>" in response.text
    assert status(api, failed)["status"] == "failed"


# ------------------------------------------------------------------------------------ upload origin


def test_the_upload_origin_refuses_the_api_key(fake: EmbedFake, api: httpx.Client, origin: httpx.Client) -> None:
    """A chunk PUT carrying `x-api-key` is refused 403 and stores nothing; the same PUT without it works."""
    session = start(api)
    url = session["upload_urls"][0]["url"]
    refused = put(origin, session, url, chunk_of(session, 1), **{"x-api-key": fake.api_key})
    assert refused.status_code == 403 and "x-api-key" in refused.text
    assert refused.headers["content-type"] == "application/xml"
    assert fake.multipart_upload(session["upload_id"]).chunk(1).etag is None
    assert put(origin, session, url, chunk_of(session, 1)).status_code == 200
    (first, second) = fake.upload_requests
    assert (first.origin, first.method, first.status, first.header("x-api-key")) == ("upload", "PUT", 403, fake.api_key)
    assert (second.status, second.header("x-api-key"), second.body_size) == (200, None, 4)
    assert all(r.operation is None for r in fake.upload_requests)
    assert fake.calls() == fake.calls("createMultipartUpload")  # API records stay apart


def test_api_client_through_the_fake_transport_would_leak_nothing_to_another_host(fake: EmbedFake) -> None:
    """The in-process transport routes by host: the API host never serves chunk URLs, the upload host never
    serves the API."""
    with fake.client() as api:
        session = start(api)
        assert api.get(f"https://{UPLOAD_HOST}/v1.3/assets").status_code == 403  # x-api-key present: refused
    with fake.upload_client() as plain:
        assert plain.get(f"https://{UPLOAD_HOST}/v1.3/assets").status_code == 405
        wrong_host = session["upload_urls"][0]["url"].replace(UPLOAD_HOST, "embed-fake.test")
        assert plain.put(wrong_host, content=b"0123").status_code == 404


def test_authorization_header_is_refused(api: httpx.Client, origin: httpx.Client) -> None:
    """An `Authorization` header on a presigned PUT is refused (400 InvalidArgument): the URL authenticates."""
    session = start(api)
    response = put(origin, session, session["upload_urls"][0]["url"], b"0123", Authorization="Bearer x")
    assert response.status_code == 400 and "<Code>InvalidArgument</Code>" in response.text


def test_upload_headers_are_signed(fake: EmbedFake, api: httpx.Client, origin: httpx.Client) -> None:
    """Every header of `upload_headers` must be sent exactly: a missing or different one is 403."""
    fake.asset_settings = AssetSettings(
        chunk_size=4, upload_headers={"Content-Type": "application/octet-stream", "x-amz-meta-session": "s1"}
    )
    session = start(api)
    assert session["upload_headers"]["x-amz-meta-session"] == "s1"
    url = session["upload_urls"][0]["url"]
    body = chunk_of(session, 1)
    assert origin.put(url, content=body, headers={"Content-Type": "application/octet-stream"}).status_code == 403
    changed = origin.put(url, content=body, headers={**session["upload_headers"], "Content-Type": "video/mp4"})
    assert changed.status_code == 403 and "SignatureDoesNotMatch" in changed.text
    assert put(origin, session, url, body).status_code == 200


def test_tampered_or_unknown_urls_are_refused(api: httpx.Client, origin: httpx.Client) -> None:
    """A URL whose chunk number or signature was changed is refused 403 SignatureDoesNotMatch."""
    session = start(api)
    url = session["upload_urls"][0]["url"]
    for bad in (url.replace("partNumber=1", "partNumber=2"), url[:-4] + "0000", url.split("?")[0]):
        response = put(origin, session, bad, chunk_of(session, 1))
        assert response.status_code == 403 and "SignatureDoesNotMatch" in response.text, bad


def test_content_length_is_required_and_bounded(fake: EmbedFake, api: httpx.Client, origin: httpx.Client) -> None:
    """A chunk sent without Content-Length (chunked transfer) is 411; one over the chunk size is 400."""
    session = start(api)
    url = session["upload_urls"][0]["url"]
    too_big = put(origin, session, url, b"01234")
    assert too_big.status_code == 400 and "<Code>EntityTooLarge</Code>" in too_big.text

    async def chunked() -> int:
        async def body() -> Any:
            yield b"01"
            yield b"23"

        async with fake.async_upload_client() as client:  # a generator body goes out chunked, no length
            response = await client.put(url, content=body(), headers=session["upload_headers"])
            return response.status_code

    assert asyncio.run(chunked()) == 411


def test_single_use_urls_when_configured(fake: EmbedFake, api: httpx.Client, origin: httpx.Client) -> None:
    """With `single_use_urls`, a URL that received a chunk refuses another PUT (403); by default it does not."""
    fake.asset_settings = AssetSettings(chunk_size=4, single_use_urls=True)
    session = start(api)
    url = session["upload_urls"][0]["url"]
    assert put(origin, session, url, chunk_of(session, 1)).status_code == 200
    assert put(origin, session, url, chunk_of(session, 1)).status_code == 403
    assert put(origin, session, more_urls(api, session, 1, 1)[1], chunk_of(session, 1)).status_code == 200


def test_only_put_is_allowed(api: httpx.Client, origin: httpx.Client) -> None:
    """Other methods on a presigned URL get 405 with `Allow: PUT`."""
    session = start(api)
    response = origin.post(session["upload_urls"][0]["url"], content=b"0123")
    assert (response.status_code, response.headers["allow"]) == (405, "PUT")


# ------------------------------------------------------------------------------------- report rules


def test_etag_mismatch_is_rejected_and_nothing_is_recorded(api: httpx.Client, origin: httpx.Client) -> None:
    """A proof that is not the chunk's ETag fails the whole batch (400 parameter_invalid, flat body)."""
    session = start(api)
    items = upload_chunks(api, origin, session, [1, 2])
    wrong = [items[0], {**items[1], "proof": '"' + "0" * 32 + '"'}]
    response = report(api, session, wrong)
    assert response.status_code == 400
    assert response.json()["code"] == "parameter_invalid" and "proof" in response.json()["message"]
    assert status(api, session)["chunks_completed"] == 0  # all or nothing


def test_report_of_a_chunk_never_uploaded_is_rejected(api: httpx.Client) -> None:
    """Reporting a chunk the origin never received is 400."""
    session = start(api)
    response = report(api, session, [item(1, "d41d8cd98f00b204e9800998ecf8427e", 4)])
    assert response.status_code == 400 and "has not been uploaded" in response.json()["message"]


def test_reported_size_must_match_the_chunk(api: httpx.Client, origin: httpx.Client) -> None:
    """`chunk_size` must be the bytes the chunk should have and received (a short chunk cannot complete)."""
    session = start(api)
    items = upload_chunks(api, origin, session, [1])
    assert report(api, session, [{**items[0], "chunk_size": 3}]).status_code == 400
    short = put(origin, session, session["upload_urls"][1]["url"], b"45")
    assert short.status_code == 200  # the origin does not know sizes; the report does
    response = report(api, session, [item(2, short.headers["etag"], 2)])
    assert response.status_code == 400 and "must have 4 bytes" in response.json()["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"completed_chunks": []}, "completed_chunks"),
        ({"completed_chunks": [item(i % 3 + 1, "x", 4) for i in range(51)]}, "completed_chunks"),
        ({"completed_chunks": [item(0, "x", 4)]}, "completed_chunks[0].chunk_index"),
        ({"completed_chunks": [{**item(1, "x", 4), "proof_type": "md5"}]}, "completed_chunks[0].proof_type"),
        (
            {"completed_chunks": [{"chunk_index": 1, "proof": "x", "proof_type": "etag"}]},
            "completed_chunks[0].chunk_size",
        ),
    ],
    ids=["empty", "51-items", "index-0", "proof-type", "no-size"],
)
def test_report_limits(api: httpx.Client, body: dict[str, Any], field: str) -> None:
    """Batches hold 1-50 chunks with index >= 1, proof type `etag` and a size: anything else is 400."""
    session = start(api)
    response = api.post(f"/assets/multipart-uploads/{session['upload_id']}", json=body)
    assert response.status_code == 400
    assert response.json()["code"] in ("parameter_invalid", "parameter_not_provided")
    assert field.split("[")[0] in response.json()["message"]


@pytest.mark.parametrize(
    ("body", "status_code"),
    [({"start": 1, "count": 51}, 400), ({"start": 0, "count": 1}, 400), ({"start": 3, "count": 2}, 400)],
    ids=["count-over-50", "start-0", "past-the-last-chunk"],
)
def test_url_request_limits(api: httpx.Client, body: dict[str, Any], status_code: int) -> None:
    """`count` is at most 50, `start` at least 1, and the range must stay within `total_chunks`."""
    session = start(api)
    response = api.post(f"/assets/multipart-uploads/{session['upload_id']}/presigned-urls", json=body)
    assert response.status_code == status_code, response.text


def test_unknown_upload_ids_are_404(api: httpx.Client) -> None:
    """Status, report and presigned-urls answer 404 resource_not_exist (flat) for an unknown upload id."""
    base = "/assets/multipart-uploads/507f1f77bcf86cd799439011"
    for response in (
        api.get(base),
        api.post(base, json={"completed_chunks": [item(1, "x", 4)]}),
        api.post(f"{base}/presigned-urls", json={"start": 1, "count": 1}),
    ):
        assert response.status_code == 404
        assert response.json() == {"code": "resource_not_exist", "message": response.json()["message"]}


# -------------------------------------------------------------------------------------------- limits


@pytest.mark.parametrize(
    ("kind", "size", "ok"),
    [
        ("video", 10 * 1024**3, True),
        ("video", 10 * 1024**3 + 1, False),
        ("audio", 10 * 1024**3 + 1, False),
        ("image", 32 * 1024**2, True),
        ("image", 32 * 1024**2 + 1, False),
        ("video", 0, False),
    ],
)
def test_documented_size_limits(kind: str, size: int, ok: bool) -> None:
    """Video/audio up to 10 GB and images up to 32 MB by default; over that (or 0 bytes) is 400."""
    with EmbedFake() as fake, fake.client() as api:
        response = api.post("/assets/multipart-uploads", json={"filename": "f", "type": kind, "total_size": size})
    assert (response.status_code == 201) is ok, response.text
    if not ok:
        assert response.json()["code"] == "parameter_invalid"


def test_a_huge_file_gets_bigger_chunks_not_more_than_max_chunks(api: httpx.Client) -> None:
    """The fake raises the chunk size so that no session needs more than `max_chunks` (10,000) chunks."""
    session = start(api, data=b"", total_size=10 * 1024**3)
    assert session["total_chunks"] <= 10_000
    assert session["chunk_size"] * session["total_chunks"] >= 10 * 1024**3
    assert len(session["upload_urls"]) == SMALL.initial_urls


def test_unknown_fields_and_types_are_rejected(api: httpx.Client) -> None:
    """The create body is closed (unknown field: parameter_unknown) and `type` is video, audio or image."""
    extra = api.post("/assets/multipart-uploads", json={"filename": "f", "type": "video", "total_size": 1, "x": 1})
    assert (extra.status_code, extra.json()["code"]) == (400, "parameter_unknown")
    document = api.post("/assets/multipart-uploads", json={"filename": "f.pdf", "type": "document", "total_size": 1})
    assert document.status_code == 400


# -------------------------------------------------------------------------------------- chunk faults


def test_third_put_fails_once_with_500_then_a_retry_succeeds(
    fake: EmbedFake, api: httpx.Client, origin: httpx.Client
) -> None:
    """`chunk_faults.add("status", nth=3)`: the third PUT answers 500 (the chunk shows `failed` in the status);
    the same PUT again succeeds and the upload completes."""
    fault = fake.chunk_faults.add("status", nth=3)
    session = start(api, data=bytes(range(16)))  # four chunks
    data = bytes(range(16))
    urls = {**{u["chunk_index"]: u["url"] for u in session["upload_urls"]}, **more_urls(api, session, 3, 2)}
    answers = [put(origin, session, urls[i], chunk_of(session, i, data)) for i in (1, 2, 3, 4)]
    assert [a.status_code for a in answers] == [200, 200, 500, 200]
    assert "InternalError" in answers[2].text and fault.hits == 1 and len(fake.chunk_faults) == 0
    state = status(api, session)
    assert state["uploaded_chunks"][2] == {
        "index": 3,
        "status": "failed",
        "uploaded_at": None,
        "updated_at": "2026-07-01T08:00:00Z",
        "error": "Upload failed with status 500",
    }
    assert state["chunks_failed"] == 1
    retry = put(origin, session, urls[3], chunk_of(session, 3, data))
    assert retry.status_code == 200
    items = [
        item(i, a.headers["etag"], 4) for i, a in zip((1, 2, 4), (answers[0], answers[1], answers[3]), strict=True)
    ]
    done = report(api, session, [*items, item(3, retry.headers["etag"], 4)]).json()
    assert done["total_completed"] == 4
    assert fake.upload_requests[2].chunk_fault == ChunkFaultKind.STATUS
    assert fake.multipart_upload(session["upload_id"]).data() == data


def test_dropped_connection_mid_chunk(fake: EmbedFake, api: httpx.Client, origin: httpx.Client) -> None:
    """A `drop` closes the connection part way through the body: the client sees RemoteProtocolError, nothing
    is stored for the chunk (status `failed`), and a retry of the same bytes succeeds."""
    session = start(api)
    fake.chunk_faults.add("drop", chunk_index=2, after_bytes=2)
    url = session["upload_urls"][1]["url"]
    with pytest.raises(httpx.RemoteProtocolError):
        put(origin, session, url, chunk_of(session, 2))
    record = fake.multipart_upload(session["upload_id"]).chunk(2)
    assert (record.etag, record.status, record.error) == (None, "failed", "Upload interrupted")
    assert fake.upload_requests[-1].status is None
    assert put(origin, session, url, chunk_of(session, 2)).status_code == 200


def test_expire_fault_expires_the_uploads_urls_early(fake: EmbedFake, api: httpx.Client, origin: httpx.Client) -> None:
    """An `expire` fault refuses the PUT as expired and expires the session's other URLs too."""
    session = start(api)
    fake.chunk_faults.add("expire", nth=1)
    first, second = (u["url"] for u in session["upload_urls"])
    assert put(origin, session, first, chunk_of(session, 1)).status_code == 403
    assert put(origin, session, second, chunk_of(session, 2)).status_code == 403
    assert put(origin, session, more_urls(api, session, 1, 1)[1], chunk_of(session, 1)).status_code == 200


def test_slow_chunk_times_out_in_process(fake: EmbedFake, api: httpx.Client) -> None:
    """A `slow` chunk PUT longer than the client's read timeout raises ReadTimeout at once (no real wait)."""
    session = start(api)
    fake.chunk_faults.add("slow", delay=30)
    with fake.upload_client(timeout=5) as origin, pytest.raises(httpx.ReadTimeout):
        put(origin, session, session["upload_urls"][0]["url"], chunk_of(session, 1))


def test_chunk_fault_arguments_are_checked(fake: EmbedFake) -> None:
    """Bad fault arguments are errors, not silently ignored faults."""
    with pytest.raises(ValueError):
        fake.chunk_faults.add("melt")
    with pytest.raises(ValueError, match="nth"):
        fake.chunk_faults.add("status", nth=0)
    with pytest.raises(ValueError, match="status"):
        fake.chunk_faults.add("status", status=200)


# ------------------------------------------------------------------------------ generated client, async


def test_generated_client_parses_every_multipart_answer(fake: EmbedFake, origin: httpx.Client) -> None:
    """The generated models parse the fake's create, URL, report, status and list answers (typed, no raw dicts)."""
    from twelvelabs_embed_generated.api.multipart_uploads import (
        create_multipart_upload,
        get_upload_status,
        list_incomplete_uploads,
        report_chunk_batch,
        request_additional_presigned_urls,
    )
    from twelvelabs_embed_generated.models import (
        ChunkStatus,
        CompletedChunk,
        CreateAssetUploadRequest,
        CreateAssetUploadResponse,
        GetUploadStatusResponse,
        MultipartUploadStatus,
        MultipartUploadType,
        ProofType,
        ReportChunkBatchRequest,
        RequestAdditionalPresignedUrlsRequest,
    )

    client = generated_client(fake)
    created = create_multipart_upload.sync_detailed(
        client=client, body=CreateAssetUploadRequest(filename="a.mp4", type_=MultipartUploadType.VIDEO, total_size=10)
    ).parsed
    assert isinstance(created, CreateAssetUploadResponse) and created.total_chunks == 3
    urls = request_additional_presigned_urls.sync_detailed(
        created.upload_id, client=client, body=RequestAdditionalPresignedUrlsRequest(start=1, count=3)
    ).parsed
    assert urls is not None and not isinstance(urls, type(None))
    chunks = []
    for url in urls.upload_urls:  # type: ignore[union-attr]
        body = DATA[(url.chunk_index - 1) * 4 : url.chunk_index * 4]
        etag = origin.put(url.url, content=body, headers=dict(created.upload_headers.additional_properties)).headers[
            "etag"
        ]  # type: ignore[union-attr]
        chunks.append(
            CompletedChunk(chunk_index=url.chunk_index, proof=etag, proof_type=ProofType.ETAG, chunk_size=len(body))
        )
    reported = report_chunk_batch.sync_detailed(
        created.upload_id, client=client, body=ReportChunkBatchRequest(completed_chunks=chunks[:2])
    ).parsed
    assert reported.total_completed == 2  # type: ignore[union-attr]
    state = get_upload_status.sync_detailed(created.upload_id, client=client).parsed
    assert isinstance(state, GetUploadStatusResponse) and state.status is MultipartUploadStatus.ACTIVE
    assert [c.status for c in state.uploaded_chunks] == [
        ChunkStatus.COMPLETED,
        ChunkStatus.COMPLETED,
        ChunkStatus.PENDING,
    ]  # type: ignore[union-attr]
    listed = list_incomplete_uploads.sync_detailed(client=client).parsed
    assert [u.upload_id for u in listed.data] == [created.upload_id]  # type: ignore[union-attr]


def test_async_clients_share_the_state(fake: EmbedFake) -> None:
    """The async API and upload clients run the same flow against the same fake state."""

    async def main() -> dict[str, Any]:
        async with fake.async_client() as api, fake.async_upload_client() as origin:
            session = (
                await api.post(
                    "/assets/multipart-uploads", json={"filename": "a.mp4", "type": "video", "total_size": 4}
                )
            ).json()
            url = session["upload_urls"][0]["url"]
            etag = (await origin.put(url, content=b"abcd", headers=session["upload_headers"])).headers["etag"]
            report_body = {"completed_chunks": [item(1, etag, 4)]}
            answer = await api.post(f"/assets/multipart-uploads/{session['upload_id']}", json=report_body)
            return dict(answer.json())

    assert asyncio.run(main())["total_completed"] == 1
    assert fake.multipart_uploads[0].data() == b"abcd"
