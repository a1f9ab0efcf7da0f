"""The two generator-template fixes for multipart requests, checked on the wire (no server).

openapi-python-client 0.29.1 sets `Content-Type: multipart/form-data; boundary=+++` itself, so a file
containing `\\r\\n--+++` corrupts the body, and it sends an optional part that is `None` as the text
"None". `templates/` removes both; these tests capture the request the generated endpoint functions
send through an `httpx.MockTransport` and parse the body back with python-multipart.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

import httpx
import pytest
from python_multipart import MultipartParser
from python_multipart.multipart import parse_options_header

from twelvelabs_embed_generated import AuthenticatedClient
from twelvelabs_embed_generated.api.legacy_embed import create_legacy_embedding
from twelvelabs_embed_generated.api.legacy_tasks import create_video_embedding_task
from twelvelabs_embed_generated.models import (
    CreateLegacyEmbeddingForm,
    CreateVideoEmbeddingTaskForm,
    LegacyEmbeddingResponse,
    LegacyEmbeddingScope,
    TextTruncate,
    VideoEmbeddingTaskCreated,
)
from twelvelabs_embed_generated.types import UNSET, File

BASE_URL = "https://api.test/v1.3"

# Every byte value, then the sequences that broke the fixed boundary, then near-misses of a
# random httpx boundary (32 hex digits) and of the multipart terminator.
NASTY_BYTES = (
    bytes(range(256))
    + b"\r\n--+++\r\nContent-Disposition: form-data; name=\"model_name\"\r\n\r\nevil\r\n--+++--\r\n"
    + b"\r\n--" + b"0123456789abcdef" * 2 + b"\r\n"
    + b"\r\n--" + b"f" * 32 + b"--\r\n"
    + b"--\r\n\r\n--\r\n"
    + b"\r\n--+++"
)  # fmt: skip


@dataclass
class Part:
    headers: dict[str, str] = field(default_factory=dict)
    data: bytes = b""

    @property
    def disposition(self) -> dict[bytes, bytes]:
        _, options = parse_options_header(self.headers["content-disposition"])
        return options

    @property
    def name(self) -> str:
        return self.disposition[b"name"].decode()

    @property
    def filename(self) -> str | None:
        value = self.disposition.get(b"filename")
        return None if value is None else value.decode()


def boundary_of(request: httpx.Request) -> str:
    content_type, options = parse_options_header(request.headers["content-type"])
    assert content_type == b"multipart/form-data"
    return options[b"boundary"].decode()


def parse_multipart(request: httpx.Request) -> list[Part]:
    """Split a captured multipart body into its parts, byte-exact."""
    parts: list[Part] = []
    header_field = bytearray()
    header_value = bytearray()
    data = bytearray()

    def on_part_begin() -> None:
        parts.append(Part())
        data.clear()

    def on_header_field(buf: bytes, start: int, end: int) -> None:
        header_field.extend(buf[start:end])

    def on_header_value(buf: bytes, start: int, end: int) -> None:
        header_value.extend(buf[start:end])

    def on_header_end() -> None:
        parts[-1].headers[header_field.decode().lower()] = header_value.decode()
        header_field.clear()
        header_value.clear()

    def on_part_data(buf: bytes, start: int, end: int) -> None:
        data.extend(buf[start:end])

    def on_part_end() -> None:
        parts[-1].data = bytes(data)

    parser = MultipartParser(
        boundary_of(request),
        {  # type: ignore[arg-type]
            "on_part_begin": on_part_begin,
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_part_data": on_part_data,
            "on_part_end": on_part_end,
        },
    )
    body = request.read()
    assert parser.write(body) == len(body)
    parser.finalize()
    return parts


class Recorder:
    """An httpx MockTransport handler that keeps every request and answers with a canned body."""

    def __init__(self, json: object) -> None:
        self.requests: list[httpx.Request] = []
        self.json = json

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        return httpx.Response(200, json=self.json)

    @property
    def last(self) -> httpx.Request:
        return self.requests[-1]


def client_with(recorder: Recorder) -> AuthenticatedClient:
    client = AuthenticatedClient(base_url=BASE_URL, token="test-key", prefix="", auth_header_name="x-api-key")
    # set_httpx_client replaces the generated client's headers, so the key goes on the injected client.
    client.set_httpx_client(
        httpx.Client(
            base_url=BASE_URL,
            transport=httpx.MockTransport(recorder),
            headers={"x-api-key": "test-key"},
        )
    )
    return client


@pytest.fixture
def task_recorder() -> Recorder:
    return Recorder({"_id": "66419a20c70bb578439bd8f4"})


@pytest.fixture
def embed_recorder() -> Recorder:
    return Recorder({"model_name": "marengo3.0", "text_embedding": {"segments": [{"float": [0.5]}]}})


def send_video_task(recorder: Recorder, form: CreateVideoEmbeddingTaskForm) -> list[Part]:
    response = create_video_embedding_task.sync_detailed(client=client_with(recorder), body=form)
    assert response.status_code == 200
    assert isinstance(response.parsed, VideoEmbeddingTaskCreated)
    assert response.parsed.id == "66419a20c70bb578439bd8f4"
    return parse_multipart(recorder.last)


def test_video_task_uses_a_random_boundary_not_the_fixed_one(task_recorder: Recorder) -> None:
    """Each create_video_embedding_task request carries its own httpx boundary, never `+++`."""
    for _ in range(2):
        form = CreateVideoEmbeddingTaskForm(model_name="marengo3.0", video_url="https://example.com/v.mp4")
        create_video_embedding_task.sync_detailed(client=client_with(task_recorder), body=form)
    boundaries = [boundary_of(request) for request in task_recorder.requests]
    assert "+++" not in boundaries
    assert all(re.fullmatch(r"[0-9a-f]{32}", b) for b in boundaries), boundaries
    assert boundaries[0] != boundaries[1]
    # Exactly one Content-Type header, the one httpx wrote for the body it built.
    assert task_recorder.last.headers.get_list("content-type") == [f"multipart/form-data; boundary={boundaries[1]}"]
    assert task_recorder.last.headers["x-api-key"] == "test-key"


def test_legacy_embed_uses_a_random_boundary_not_the_fixed_one(embed_recorder: Recorder) -> None:
    """The other multipart operation, create_legacy_embedding, does not send the fixed boundary either."""
    form = CreateLegacyEmbeddingForm(model_name="marengo3.0", text="a cat on a mat")
    response = create_legacy_embedding.sync_detailed(client=client_with(embed_recorder), body=form)
    assert isinstance(response.parsed, LegacyEmbeddingResponse)
    boundary = boundary_of(embed_recorder.last)
    assert boundary != "+++"
    assert re.fullmatch(r"[0-9a-f]{32}", boundary)
    parts = {part.name: part.data for part in parse_multipart(embed_recorder.last)}
    assert parts["model_name"] == b"marengo3.0"
    assert parts["text"] == b"a cat on a mat"


def test_file_with_boundary_like_bytes_arrives_byte_exact(task_recorder: Recorder) -> None:
    """A video whose bytes contain `\\r\\n--+++` and other boundary-like sequences is parsed back unchanged."""
    form = CreateVideoEmbeddingTaskForm(
        model_name="marengo3.0",
        video_file=File(payload=io.BytesIO(NASTY_BYTES), file_name="clip.mp4", mime_type="video/mp4"),
        video_clip_length=4,
        video_embedding_scope=[LegacyEmbeddingScope.CLIP],
    )
    parts = send_video_task(task_recorder, form)
    names = [p.name for p in parts]
    assert names.count("model_name") == 1
    assert names.count("video_file") == 1
    by_name = {p.name: p for p in parts}
    video = by_name["video_file"]
    assert video.data == NASTY_BYTES
    assert video.filename == "clip.mp4"
    assert video.headers["content-type"] == "video/mp4"
    # The fake part smuggled inside the file did not become a form field.
    assert by_name["model_name"].data == b"marengo3.0"
    assert by_name["video_clip_length"].data == b"4"
    assert by_name["video_embedding_scope"].data == b"clip"


def test_large_binary_file_round_trips(task_recorder: Recorder) -> None:
    """A 256 KiB file of every byte value repeated survives the multipart encoding unchanged."""
    payload = bytes(range(256)) * 1024
    form = CreateVideoEmbeddingTaskForm(
        model_name="marengo3.0", video_file=File(payload=io.BytesIO(payload), file_name="big.mp4")
    )
    parts = send_video_task(task_recorder, form)
    (video,) = [p for p in parts if p.name == "video_file"]
    assert video.data == payload
    assert video.filename == "big.mp4"


def test_video_embedding_scope_is_a_repeated_form_field(task_recorder: Recorder) -> None:
    """`video_embedding_scope=[clip, video]` travels as two parts of the same name, in order."""
    form = CreateVideoEmbeddingTaskForm(
        model_name="marengo3.0",
        video_url="https://example.com/v.mp4",
        video_embedding_scope=[LegacyEmbeddingScope.CLIP, LegacyEmbeddingScope.VIDEO],
    )
    parts = send_video_task(task_recorder, form)
    scopes = [p for p in parts if p.name == "video_embedding_scope"]
    assert [p.data for p in scopes] == [b"clip", b"video"]
    assert all(p.filename is None for p in scopes)
    assert not any(p.name in {"video_embedding_scope[]", "video_embedding_scopes"} for p in parts)
    assert not any(b"[" in p.data for p in scopes)  # not a JSON array in one part


@pytest.mark.parametrize("absent", [UNSET, None], ids=["unset", "none"])
def test_optional_video_task_fields_left_out_when_unset_or_none(task_recorder: Recorder, absent: object) -> None:
    """Optional video-task fields that are UNSET or None are not sent at all (never as the text "None")."""
    form = CreateVideoEmbeddingTaskForm(
        model_name="marengo3.0",
        video_url="https://example.com/v.mp4",
        video_file=absent,  # type: ignore[arg-type]
        video_start_offset_sec=absent,  # type: ignore[arg-type]
        video_end_offset_sec=absent,  # type: ignore[arg-type]
        video_clip_length=absent,  # type: ignore[arg-type]
        video_embedding_scope=absent,  # type: ignore[arg-type]
    )
    parts = send_video_task(task_recorder, form)
    assert [(p.name, p.data) for p in parts] == [
        ("model_name", b"marengo3.0"),
        ("video_url", b"https://example.com/v.mp4"),
    ]
    assert b"None" not in task_recorder.last.content


@pytest.mark.parametrize("absent", [UNSET, None], ids=["unset", "none"])
def test_optional_legacy_embed_fields_left_out_when_unset_or_none(embed_recorder: Recorder, absent: object) -> None:
    """Optional legacy-embed fields (files, URLs, offsets, enums) that are UNSET or None are not sent."""
    form = CreateLegacyEmbeddingForm(
        model_name="marengo3.0",
        text="hello",
        image_url=absent,  # type: ignore[arg-type]
        image_file=absent,  # type: ignore[arg-type]
        audio_url=absent,  # type: ignore[arg-type]
        audio_file=absent,  # type: ignore[arg-type]
        audio_start_offset_sec=absent,  # type: ignore[arg-type]
        text_truncate=absent,  # type: ignore[arg-type]
    )
    create_legacy_embedding.sync_detailed(client=client_with(embed_recorder), body=form)
    parts = parse_multipart(embed_recorder.last)
    assert [(p.name, p.data) for p in parts] == [("model_name", b"marengo3.0"), ("text", b"hello")]
    assert b"None" not in embed_recorder.last.content


def test_set_optional_fields_are_sent_as_text_parts(embed_recorder: Recorder) -> None:
    """The same optional fields, when set, are sent: numbers as decimal text, enums by value, files as files."""
    form = CreateLegacyEmbeddingForm(
        model_name="marengo3.0",
        audio_file=File(payload=io.BytesIO(b"RIFF\x00\x01"), file_name="a.wav", mime_type="audio/wav"),
        audio_start_offset_sec=2.5,
        text_truncate=TextTruncate.END,
    )
    create_legacy_embedding.sync_detailed(client=client_with(embed_recorder), body=form)
    parts = {p.name: p for p in parse_multipart(embed_recorder.last)}
    assert set(parts) == {"model_name", "audio_file", "audio_start_offset_sec", "text_truncate"}
    assert parts["audio_start_offset_sec"].data == b"2.5"
    assert parts["text_truncate"].data == b"end"
    assert parts["audio_file"].data == b"RIFF\x00\x01"
    assert parts["audio_file"].filename == "a.wav"
