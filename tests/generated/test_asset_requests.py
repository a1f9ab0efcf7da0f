"""The generated asset and multipart-upload requests, checked on the wire (no server).

`POST /assets` is multipart/form-data with booleans: `templates/property_templates/boolean_property.py.jinja`
makes them travel as `true`/`false` (the upstream template sends Python's "True"/"False"). The JSON
operations must send exact wire names, repeated query keys for the list filters, and no `force` unless set.
"""

from __future__ import annotations

import io
import json
from urllib.parse import parse_qsl

import httpx
import pytest

from twelvelabs_embed_generated.api.assets import create_asset, delete_asset, list_assets
from twelvelabs_embed_generated.api.multipart_uploads import (
    create_multipart_upload,
    report_chunk_batch,
    request_additional_presigned_urls,
)
from twelvelabs_embed_generated.models import (
    Asset,
    AssetStatus,
    AssetType,
    AssetUploadMethod,
    CompletedChunk,
    CreateAssetForm,
    CreateAssetUploadRequest,
    MultipartUploadType,
    ProofType,
    ReportChunkBatchRequest,
    RequestAdditionalPresignedUrlsRequest,
    UserMetadata,
)
from twelvelabs_embed_generated.types import UNSET, File

from .test_multipart_fixes import Recorder, boundary_of, client_with, parse_multipart

ASSET = {"_id": "6298d673f1090f1100476d4c", "status": "processing", "method": "direct"}


class Created(Recorder):
    """A recorder answering 201 Created, as the two create operations do."""

    def __call__(self, request: httpx.Request) -> httpx.Response:
        super().__call__(request)
        return httpx.Response(201, json=self.json)


@pytest.mark.parametrize(("value", "wire"), [(True, b"true"), (False, b"false")])
def test_asset_form_booleans_travel_as_lowercase_text(value: bool, wire: bytes) -> None:
    """enable_hls / enable_thumbnail are sent as `true`/`false`, never Python's `True`/`False`."""
    recorder = Created(ASSET)
    form = CreateAssetForm(
        method=AssetUploadMethod.URL,
        url="https://example.com/a.mp4",
        enable_hls=value,
        enable_thumbnail=value,
    )
    response = create_asset.sync_detailed(client=client_with(recorder), body=form)
    assert isinstance(response.parsed, Asset) and response.parsed.status is AssetStatus.PROCESSING
    parts = {p.name: p.data for p in parse_multipart(recorder.last)}
    assert parts == {
        "method": b"url",
        "url": b"https://example.com/a.mp4",
        "enable_hls": wire,
        "enable_thumbnail": wire,
    }


def test_asset_form_direct_upload_sends_the_file_and_leaves_unset_fields_out() -> None:
    """A direct upload sends method, the file part (name, type, bytes) and user_metadata text; nothing unset."""
    recorder = Created(ASSET)
    payload = bytes(range(256)) * 4 + b"\r\n--+++\r\n"
    form = CreateAssetForm(
        method=AssetUploadMethod.DIRECT,
        file=File(payload=io.BytesIO(payload), file_name="talk.mp4", mime_type="video/mp4"),
        user_metadata=json.dumps({"topic": "talks", "rank": 3}),
        url=UNSET,
        filename=UNSET,
    )
    create_asset.sync_detailed(client=client_with(recorder), body=form)
    parts = {p.name: p for p in parse_multipart(recorder.last)}
    assert set(parts) == {"method", "file", "user_metadata"}
    assert (parts["file"].data, parts["file"].filename) == (payload, "talk.mp4")
    assert parts["file"].headers["content-type"] == "video/mp4"
    assert json.loads(parts["user_metadata"].data) == {"topic": "talks", "rank": 3}
    assert boundary_of(recorder.last) != "+++"
    assert b"None" not in recorder.last.content


def test_list_assets_repeats_filter_keys() -> None:
    """asset_ids and asset_types are sent as repeated query keys, enum values by value."""
    recorder = Recorder({"data": [], "page_info": {"page": 1}})
    list_assets.sync_detailed(
        client=client_with(recorder),
        asset_ids=["a1", "a2"],
        asset_types=[AssetType.VIDEO, AssetType.AUDIO],
        filename="talk",
        page=2,
        page_limit=50,
    )
    query = parse_qsl(recorder.last.url.query.decode())
    assert sorted(query) == sorted(
        [
            ("asset_ids", "a1"),
            ("asset_ids", "a2"),
            ("asset_types", "video"),
            ("asset_types", "audio"),
            ("filename", "talk"),
            ("page", "2"),
            ("page_limit", "50"),
        ]
    )


@pytest.mark.parametrize(("force", "query"), [(UNSET, b""), (True, b"force=true"), (False, b"force=false")])
def test_delete_asset_sends_force_only_when_set(force: object, query: bytes) -> None:
    """deleteAsset has no default for `force`: it is sent only when given, as `true`/`false`."""
    recorder = Recorder(None)
    delete_asset.sync_detailed("6298d673f1090f1100476d4c", client=client_with(recorder), force=force)  # type: ignore[arg-type]
    assert recorder.last.method == "DELETE"
    assert recorder.last.url.path == "/v1.3/assets/6298d673f1090f1100476d4c"
    assert recorder.last.url.query == query


def test_multipart_upload_json_bodies_use_the_wire_names() -> None:
    """Create, report and presigned-URL requests carry exactly the documented JSON keys."""
    recorder = Created({"upload_id": "u1", "asset_id": "a1", "chunk_size": 5, "total_chunks": 1})
    client = client_with(recorder)
    metadata = UserMetadata()
    metadata["topic"] = "talks"
    metadata["tags"] = ["a", "b"]
    create_multipart_upload.sync_detailed(
        client=client,
        body=CreateAssetUploadRequest(
            filename="talk.mp4",
            type_=MultipartUploadType.VIDEO,
            total_size=5,
            enable_hls=False,
            user_metadata=metadata,
        ),
    )
    assert json.loads(recorder.last.content) == {
        "filename": "talk.mp4",
        "type": "video",
        "total_size": 5,
        "enable_hls": False,
        "user_metadata": {"topic": "talks", "tags": ["a", "b"]},
    }
    chunk = CompletedChunk(
        chunk_index=1, proof="d41d8cd98f00b204e9800998ecf8427e", proof_type=ProofType.ETAG, chunk_size=5
    )
    report_chunk_batch.sync_detailed("u1", client=client, body=ReportChunkBatchRequest(completed_chunks=[chunk]))
    assert recorder.last.url.path == "/v1.3/assets/multipart-uploads/u1"
    assert json.loads(recorder.last.content) == {
        "completed_chunks": [
            {"chunk_index": 1, "proof": "d41d8cd98f00b204e9800998ecf8427e", "proof_type": "etag", "chunk_size": 5}
        ]
    }
    request_additional_presigned_urls.sync_detailed(
        "u1", client=client, body=RequestAdditionalPresignedUrlsRequest(start=21, count=10)
    )
    assert recorder.last.url.path == "/v1.3/assets/multipart-uploads/u1/presigned-urls"
    assert json.loads(recorder.last.content) == {"start": 21, "count": 10}
