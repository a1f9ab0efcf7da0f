"""Argument validation: every rule raises `ValidationError(field, rule)` before any request leaves the client.

Each row of `CASES` is one invalid call; it runs against the sync and the async client, both wired
to a recording `MockTransport` that must see zero requests. `test_valid_calls_do_send` runs valid
calls through the same harness, so a zero count means "refused", not "the recorder saw nothing".
"""

from __future__ import annotations

import asyncio
import inspect
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import httpx
import pytest

from twelvelabs_embed import ServerError, ValidationError
from twelvelabs_embed._validation import BASE64_AV_MAX_BYTES, BASE64_IMAGE_MAX_BYTES, LEGACY_UPLOAD_MAX_BYTES

from ._support import NO_RETRY, TASK_ID, FakeClock, Server, call, make_async_client, make_client

NAN = math.nan
INF = math.inf
URL = "https://media.example.com/clip.mp4"


class Files:
    """Paths on disk for the file rules (sparse files stand in for huge uploads)."""

    def __init__(self, root: Path) -> None:
        self.video = root / "clip.mp4"
        self.video.write_bytes(b"\x00\x00\x00\x18ftypmp42 small video")
        self.missing = root / "missing.mp4"
        self.directory = root / "a-directory.mp4"
        self.directory.mkdir()
        self.empty = root / "empty.mp4"
        self.empty.write_bytes(b"")
        self.huge_video = self._sparse(root / "huge.mp4", LEGACY_UPLOAD_MAX_BYTES + 1)
        self.huge_image = self._sparse(root / "huge.png", BASE64_IMAGE_MAX_BYTES + 1)
        self.opened: list[IO[Any]] = []

    @staticmethod
    def _sparse(path: Path, size: int) -> Path:
        with path.open("wb") as handle:
            handle.truncate(size)
        return path

    def text_mode(self) -> IO[str]:
        handle = self.video.open("r", encoding="latin-1")
        self.opened.append(handle)
        return handle


def b64_of_size(decoded_bytes: int) -> str:
    """A syntactically valid base64 string that decodes to `decoded_bytes` bytes."""
    return "A" * (4 * math.ceil(decoded_bytes / 3))


@dataclass(frozen=True)
class Case:
    id: str
    op: Callable[[Any, Files], Any]
    field: str
    fragment: str


def v2_meta(**entry: Any) -> list[dict[str, Any]]:
    return [{"start": 0, "end": 1, "text": "a goal", **entry}]


CASES = [
    # ---------------------------------------------------------------- legacy task create (POST /embed/tasks)
    Case("legacy-clip-below-2", lambda c, f: c.legacy.tasks.create(video_url=URL, video_clip_length=1),
         "video_clip_length", "between 2 and 10"),
    Case("legacy-clip-above-10", lambda c, f: c.legacy.tasks.create(video_url=URL, video_clip_length=10.5),
         "video_clip_length", "between 2 and 10"),
    Case("legacy-clip-nan", lambda c, f: c.legacy.tasks.create(video_url=URL, video_clip_length=NAN),
         "video_clip_length", "finite"),
    Case("legacy-clip-inf", lambda c, f: c.legacy.tasks.create(video_url=URL, video_clip_length=INF),
         "video_clip_length", "finite"),
    Case("legacy-clip-string", lambda c, f: c.legacy.tasks.create(video_url=URL, video_clip_length="6"),
         "video_clip_length", "must be a number"),
    Case("legacy-start-negative",
         lambda c, f: c.legacy.tasks.create(video_url=URL, video_start_offset_sec=-1, video_end_offset_sec=10),
         "video_start_offset_sec", ">= 0"),
    Case("legacy-start-bool",
         lambda c, f: c.legacy.tasks.create(video_url=URL, video_start_offset_sec=True, video_end_offset_sec=10),
         "video_start_offset_sec", "must be a number"),
    Case("legacy-end-before-start",
         lambda c, f: c.legacy.tasks.create(video_url=URL, video_start_offset_sec=20, video_end_offset_sec=10),
         "video_end_offset_sec", "greater than video_start_offset_sec"),
    Case("legacy-end-equals-start",
         lambda c, f: c.legacy.tasks.create(video_url=URL, video_start_offset_sec=10, video_end_offset_sec=10),
         "video_end_offset_sec", "greater than"),
    Case("legacy-start-without-end", lambda c, f: c.legacy.tasks.create(video_url=URL, video_start_offset_sec=1),
         "video_end_offset_sec", "must be given together"),
    Case("legacy-end-without-start", lambda c, f: c.legacy.tasks.create(video_url=URL, video_end_offset_sec=30),
         "video_start_offset_sec", "must be given together"),
    Case("legacy-span-shorter-than-clip",
         lambda c, f: c.legacy.tasks.create(
             video_url=URL, video_start_offset_sec=0, video_end_offset_sec=4, video_clip_length=5
         ),
         "video_end_offset_sec", "at least the clip length (5 s)"),
    Case("legacy-span-shorter-than-default-clip",
         lambda c, f: c.legacy.tasks.create(video_url=URL, video_start_offset_sec=0, video_end_offset_sec=5),
         "video_end_offset_sec", "at least the clip length (6 s)"),
    Case("legacy-end-nan",
         lambda c, f: c.legacy.tasks.create(video_url=URL, video_start_offset_sec=0, video_end_offset_sec=NAN),
         "video_end_offset_sec", "finite"),
    Case("legacy-no-source", lambda c, f: c.legacy.tasks.create(), "video_file / video_url", "none was given"),
    Case("legacy-two-sources", lambda c, f: c.legacy.tasks.create(video_url=URL, video_file=f.video),
         "video_file / video_url", "both were given"),
    Case("legacy-url-ftp", lambda c, f: c.legacy.tasks.create(video_url="ftp://media.example.com/a.mp4"),
         "video_url", "http(s)"),
    Case("legacy-url-relative", lambda c, f: c.legacy.tasks.create(video_url="clip.mp4"), "video_url", "http(s)"),
    Case("legacy-file-missing", lambda c, f: c.legacy.tasks.create(video_file=f.missing),
         "video_file", "file not found"),
    Case("legacy-file-directory", lambda c, f: c.legacy.tasks.create(video_file=str(f.directory)),
         "video_file", "must be a regular file"),
    Case("legacy-file-empty", lambda c, f: c.legacy.tasks.create(video_file=f.empty), "video_file", "file is empty"),
    Case("legacy-file-too-large", lambda c, f: c.legacy.tasks.create(video_file=f.huge_video),
         "video_file", f"the limit is {LEGACY_UPLOAD_MAX_BYTES} bytes"),
    Case("legacy-file-text-mode", lambda c, f: c.legacy.tasks.create(video_file=f.text_mode()),
         "video_file", "binary mode"),
    Case("legacy-file-wrong-type", lambda c, f: c.legacy.tasks.create(video_file=123),
         "video_file", "file path or a binary file object"),
    Case("legacy-scope-unknown",
         lambda c, f: c.legacy.tasks.create(video_url=URL, video_embedding_scope=["clip", "scene"]),
         "video_embedding_scope[1]", "must be one of 'clip', 'video'"),
    Case("legacy-scope-empty", lambda c, f: c.legacy.tasks.create(video_url=URL, video_embedding_scope=[]),
         "video_embedding_scope", "must not be empty"),
    Case("legacy-scope-repeated",
         lambda c, f: c.legacy.tasks.create(video_url=URL, video_embedding_scope=["clip", "clip"]),
         "video_embedding_scope", "must not repeat"),
    Case("legacy-model-empty", lambda c, f: c.legacy.tasks.create(video_url=URL, model_name=" "),
         "model_name", "must not be empty"),
    # ---------------------------------------------------------------- legacy sync embed (POST /embed)
    Case("embed-no-input", lambda c, f: c.legacy.embeddings.create(),
         "text / image_url / image_file / audio_url / audio_file", "at least one input"),
    Case("embed-two-images", lambda c, f: c.legacy.embeddings.create(image_url=URL, image_file=f.video),
         "image_url / image_file", "not both"),
    Case("embed-two-audios", lambda c, f: c.legacy.embeddings.create(audio_url=URL, audio_file=f.video),
         "audio_url / audio_file", "not both"),
    Case("embed-audio-url-file-scheme", lambda c, f: c.legacy.embeddings.create(audio_url="file:///tmp/a.wav"),
         "audio_url", "http(s)"),
    Case("embed-image-url-ftp", lambda c, f: c.legacy.embeddings.create(image_url="ftp://x.example/a.png"),
         "image_url", "http(s)"),
    Case("embed-audio-offset-negative",
         lambda c, f: c.legacy.embeddings.create(audio_url=URL, audio_start_offset_sec=-0.5),
         "audio_start_offset_sec", ">= 0"),
    Case("embed-audio-offset-inf",
         lambda c, f: c.legacy.embeddings.create(audio_url=URL, audio_start_offset_sec=-INF),
         "audio_start_offset_sec", "finite"),
    Case("embed-audio-offset-without-audio",
         lambda c, f: c.legacy.embeddings.create(text="a cat", audio_start_offset_sec=1),
         "audio_start_offset_sec", "only applies to an audio input"),
    Case("embed-image-file-missing", lambda c, f: c.legacy.embeddings.create(image_file=f.missing),
         "image_file", "file not found"),
    Case("embed-image-file-directory", lambda c, f: c.legacy.embeddings.create(image_file=f.directory),
         "image_file", "must be a regular file"),
    Case("embed-image-file-too-large", lambda c, f: c.legacy.embeddings.create(image_file=f.huge_image),
         "image_file", f"the limit is {BASE64_IMAGE_MAX_BYTES} bytes"),
    Case("embed-text-blank", lambda c, f: c.legacy.embeddings.create(text="   "), "text", "must not be empty"),
    # ---------------------------------------------------------------- v2 task create (POST /embed-v2/tasks)
    Case("v2task-input-type-unknown", lambda c, f: c.v2.tasks.create(input_type="hologram", url=URL),
         "input_type", "must be one of"),
    Case("v2task-model-unknown", lambda c, f: c.v2.tasks.create(input_type="video", url=URL, model_name="marengo9"),
         "model_name", "must be one of 'marengo3.0', 'marengo3.5'"),
    Case("v2task-no-source", lambda c, f: c.v2.tasks.create(input_type="video"),
         "url / base64_string / asset_id", "none was given"),
    Case("v2task-two-sources", lambda c, f: c.v2.tasks.create(input_type="video", url=URL, asset_id="asset1"),
         "url / base64_string / asset_id", "got url, asset_id"),
    Case("v2task-three-sources",
         lambda c, f: c.v2.tasks.create(input_type="audio", url=URL, asset_id="a1", base64_string="AAAA"),
         "url / base64_string / asset_id", "got url, base64_string, asset_id"),
    Case("v2task-url-ftp", lambda c, f: c.v2.tasks.create(input_type="video", url="ftp://x.example/v.mp4"),
         "url", "http(s)"),
    Case("v2task-base64-invalid", lambda c, f: c.v2.tasks.create(input_type="video", base64_string="!!!!"),
         "base64_string", "not valid base64"),
    Case("v2task-base64-too-large",
         lambda c, f: c.v2.tasks.create(input_type="video", base64_string=b64_of_size(BASE64_AV_MAX_BYTES + 3)),
         "base64_string", f"the limit is {BASE64_AV_MAX_BYTES} bytes"),
    Case("v2task-asset-id-with-slash", lambda c, f: c.v2.tasks.create(input_type="video", asset_id="a/../b"),
         "asset_id", "must be a task id"),
    Case("v2task-fixed-below-2",
         lambda c, f: c.v2.tasks.create(
             input_type="video", url=URL, segmentation={"strategy": "fixed", "fixed": {"duration_sec": 1}}
         ),
         "segmentation.fixed.duration_sec", "between 2 and 10"),
    Case("v2task-fixed-above-10",
         lambda c, f: c.v2.tasks.create(
             input_type="audio", url=URL, segmentation={"strategy": "fixed", "fixed": {"duration_sec": 11}}
         ),
         "segmentation.fixed.duration_sec", "between 2 and 10"),
    Case("v2task-dynamic-below-2",
         lambda c, f: c.v2.tasks.create(
             input_type="video", url=URL, segmentation={"strategy": "dynamic", "dynamic": {"min_duration_sec": 1}}
         ),
         "segmentation.dynamic.min_duration_sec", "between 2 and 5"),
    Case("v2task-dynamic-above-5",
         lambda c, f: c.v2.tasks.create(
             input_type="video", url=URL, segmentation={"strategy": "dynamic", "dynamic": {"min_duration_sec": 6}}
         ),
         "segmentation.dynamic.min_duration_sec", "between 2 and 5"),
    Case("v2task-strategy-unknown",
         lambda c, f: c.v2.tasks.create(input_type="video", url=URL, segmentation={"strategy": "hybrid"}),
         "segmentation.strategy", "must be 'fixed' or 'dynamic'"),
    Case("v2task-audio-dynamic-on-3.0",
         lambda c, f: c.v2.tasks.create(
             input_type="audio", url=URL, segmentation={"strategy": "dynamic", "dynamic": {"min_duration_sec": 3}}
         ),
         "segmentation.strategy", "only 'fixed'"),
    Case("v2task-temporal-on-3.0",
         lambda c, f: c.v2.tasks.create(
             input_type="video",
             url=URL,
             segmentation={"temporal": {"strategy": "fixed", "fixed": {"duration_sec": 6}}},
         ),
         "segmentation.temporal", "needs model_name 'marengo3.5'"),
    Case("v2task-dimension-on-3.0",
         lambda c, f: c.v2.tasks.create(input_type="video", url=URL, embedding_dimension=256),
         "embedding_dimension", "marengo3.5 only"),
    Case("v2task-dimension-zero",
         lambda c, f: c.v2.tasks.create(input_type="video", url=URL, model_name="marengo3.5", embedding_dimension=0),
         "embedding_dimension", "between 1 and 512"),
    Case("v2task-dimension-nan",
         lambda c, f: c.v2.tasks.create(
             input_type="video", url=URL, model_name="marengo3.5", embedding_dimension=NAN
         ),
         "embedding_dimension", "whole number"),
    Case("v2task-time-metadata-on-3.0",
         lambda c, f: c.v2.tasks.create(input_type="video", url=URL, time_based_metadata=v2_meta()),
         "time_based_metadata", "marengo3.5 only"),
    Case("v2task-time-metadata-start-nan",
         lambda c, f: c.v2.tasks.create(
             input_type="video",
             url=URL,
             model_name="marengo3.5",
             embedding_type=["fused_embedding"],
             time_based_metadata=v2_meta(start=NAN),
         ),
         "time_based_metadata[0].start", "finite"),
    Case("v2task-document-on-3.0", lambda c, f: c.v2.tasks.create(input_type="document", url=URL),
         "input_type", "'document' needs model_name 'marengo3.5'"),
    Case("v2task-image-on-3.0", lambda c, f: c.v2.tasks.create(input_type="image", url=URL),
         "input_type", "'image' needs model_name 'marengo3.5'"),
    Case("v2task-transcription-on-3.5",
         lambda c, f: c.v2.tasks.create(
             input_type="video", url=URL, model_name="marengo3.5", embedding_option=["visual", "transcription"]
         ),
         "embedding_option", "'transcription' is marengo3.0 only"),
    Case("v2task-uncertainty-on-3.0",
         lambda c, f: c.v2.tasks.create(input_type="video", url=URL, embedding_uncertainty=True),
         "embedding_uncertainty", "marengo3.5 only"),
    Case("v2task-document-segmentation-on-video",
         lambda c, f: c.v2.tasks.create(input_type="video", url=URL, document_segmentation={"spatial": {}}),
         "document_segmentation", "applies only to input_type 'document'"),
    Case("v2task-start-negative", lambda c, f: c.v2.tasks.create(input_type="video", url=URL, start_sec=-1),
         "start_sec", ">= 0"),
    Case("v2task-end-before-start",
         lambda c, f: c.v2.tasks.create(input_type="video", url=URL, start_sec=30, end_sec=10),
         "end_sec", "greater than start_sec"),
    Case("v2task-start-nan", lambda c, f: c.v2.tasks.create(input_type="video", url=URL, start_sec=NAN),
         "start_sec", "finite"),
    Case("v2task-end-inf", lambda c, f: c.v2.tasks.create(input_type="audio", url=URL, end_sec=INF),
         "end_sec", "finite"),
    Case("v2task-option-unknown",
         lambda c, f: c.v2.tasks.create(input_type="video", url=URL, embedding_option=["smell"]),
         "embedding_option[0]", "must be one of"),
    Case("v2task-scope-local-on-3.0",
         lambda c, f: c.v2.tasks.create(input_type="video", url=URL, embedding_scope=["local"]),
         "embedding_scope[0]", "must be one of 'clip', 'asset'"),
    # ---------------------------------------------------------------- v2 sync embed (POST /embed-v2)
    Case("v2embed-input-type-unknown", lambda c, f: c.v2.embeddings.create(input_type="smell", text="x"),
         "input_type", "must be one of"),
    Case("v2embed-text-missing", lambda c, f: c.v2.embeddings.create(input_type="text"), "text", "is required"),
    Case("v2embed-text-blank", lambda c, f: c.v2.embeddings.create(input_type="text", text=""),
         "text", "must not be empty"),
    Case("v2embed-text-with-media", lambda c, f: c.v2.embeddings.create(input_type="text", text="x", url=URL),
         "url / base64_string / asset_id", "takes no media source"),
    Case("v2embed-text-image-without-text", lambda c, f: c.v2.embeddings.create(input_type="text_image", url=URL),
         "text", "is required"),
    Case("v2embed-image-no-source", lambda c, f: c.v2.embeddings.create(input_type="image"),
         "url / base64_string / asset_id", "none was given"),
    Case("v2embed-image-base64-too-large",
         lambda c, f: c.v2.embeddings.create(
             input_type="image", base64_string=b64_of_size(BASE64_IMAGE_MAX_BYTES + 3)
         ),
         "base64_string", f"the limit is {BASE64_IMAGE_MAX_BYTES} bytes"),
    Case("v2embed-video-two-sources",
         lambda c, f: c.v2.embeddings.create(input_type="video", url=URL, base64_string="AAAA"),
         "url / base64_string / asset_id", "got url, base64_string"),
    Case("v2embed-video-dynamic-above-5",
         lambda c, f: c.v2.embeddings.create(
             input_type="video", url=URL, segmentation={"strategy": "dynamic", "dynamic": {"min_duration_sec": 6}}
         ),
         "segmentation.dynamic.min_duration_sec", "between 2 and 5"),
    Case("v2embed-video-start-nan",
         lambda c, f: c.v2.embeddings.create(input_type="video", url=URL, start_sec=NAN),
         "start_sec", "finite"),
    Case("v2embed-3.5-text", lambda c, f: c.v2.embeddings.create(input_type="text", text="x", model_name="marengo3.5"),
         "input_type", "only 'multi_input'"),
    Case("v2embed-auto-truncate-on-3.0",
         lambda c, f: c.v2.embeddings.create(input_type="text", text="x", auto_truncate=True),
         "auto_truncate", "marengo3.5 only"),
    Case("v2embed-dimension-on-3.0",
         lambda c, f: c.v2.embeddings.create(input_type="text", text="x", embedding_dimension=256),
         "embedding_dimension", "marengo3.5 only"),
    Case("v2embed-media-sources-on-text",
         lambda c, f: c.v2.embeddings.create(input_type="text", text="x", media_sources=[]),
         "media_sources", "only to input_type 'multi_input'"),
    Case("v2embed-start-on-text", lambda c, f: c.v2.embeddings.create(input_type="text", text="x", start_sec=1),
         "start_sec", "applies only to input_type 'audio' or 'video'"),
    Case("v2embed-multi-too-many-sources",
         lambda c, f: c.v2.embeddings.create(
             input_type="multi_input",
             model_name="marengo3.5",
             media_sources=[{"media_type": "image", "url": URL}] * 11,
         ),
         "media_sources", "at most 10"),
    Case("v2embed-multi-source-ftp",
         lambda c, f: c.v2.embeddings.create(
             input_type="multi_input", model_name="marengo3.5", media_sources=[{"media_type": "image", "url": "ftp://x"}]
         ),
         "media_sources[0].url", "http(s)"),
    Case("v2embed-multi-video-on-3.0",
         lambda c, f: c.v2.embeddings.create(
             input_type="multi_input", media_sources=[{"media_type": "video", "url": URL}]
         ),
         "media_sources[0].media_type", "need model_name 'marengo3.5'"),
    # ---------------------------------------------------------------- list / iter
    Case("legacy-list-page-limit-0", lambda c, f: c.legacy.tasks.list(page_limit=0),
         "page_limit", "between 1 and 50"),
    Case("v2-list-page-limit-51", lambda c, f: c.v2.tasks.list(page_limit=51), "page_limit", "between 1 and 50"),
    Case("v2-list-page-limit-nan", lambda c, f: c.v2.tasks.list(page_limit=NAN), "page_limit", "whole number"),
    Case("v2-list-page-limit-string", lambda c, f: c.v2.tasks.list(page_limit="10"), "page_limit", "whole number"),
    Case("legacy-list-page-0", lambda c, f: c.legacy.tasks.list(page=0), "page", ">= 1"),
    Case("v2-list-status-unknown", lambda c, f: c.v2.tasks.list(status="done"),
         "status", "must be one of 'failed', 'processing', 'ready'"),
    Case("legacy-list-started-at-garbage", lambda c, f: c.legacy.tasks.list(started_at="yesterday"),
         "started_at", "RFC 3339"),
    Case("v2-list-ended-before-started",
         lambda c, f: c.v2.tasks.list(started_at="2026-07-02T00:00:00Z", ended_at="2026-07-01T00:00:00Z"),
         "ended_at", "must be after started_at"),
    Case("legacy-iter-page-limit-100", lambda c, f: c.legacy.tasks.iter(page_limit=100),
         "page_limit", "between 1 and 50"),
    Case("v2-iter-max-items-negative", lambda c, f: c.v2.tasks.iter(max_items=-1), "max_items", ">= 0"),
    Case("v2-iter-status-unknown", lambda c, f: c.v2.tasks.iter(status="queued"), "status", "must be one of"),
    # ---------------------------------------------------------------- retrieve / status / wait
    Case("legacy-retrieve-empty-id", lambda c, f: c.legacy.tasks.retrieve(""), "task_id", "must not be empty"),
    Case("legacy-status-none-id", lambda c, f: c.legacy.tasks.status(None), "task_id", "must be a string"),
    Case("v2-retrieve-id-with-slash", lambda c, f: c.v2.tasks.retrieve("abc/../def"), "task_id", "must be a task id"),
    Case("v2-retrieve-arrays-id-with-query", lambda c, f: c.v2.tasks.retrieve_arrays("abc?x=1"),
         "task_id", "must be a task id"),
    Case("legacy-retrieve-option-unknown", lambda c, f: c.legacy.tasks.retrieve(TASK_ID, embedding_option=["smell"]),
         "embedding_option[0]", "must be one of"),
    Case("legacy-retrieve-arrays-option-repeated",
         lambda c, f: c.legacy.tasks.retrieve_arrays(TASK_ID, embedding_option=["audio", "audio"]),
         "embedding_option", "must not repeat"),
    Case("v2-wait-timeout-negative", lambda c, f: c.v2.tasks.wait(TASK_ID, timeout=-1),
         "timeout", "greater than 0"),
    Case("legacy-wait-timeout-nan", lambda c, f: c.legacy.tasks.wait_for_done(TASK_ID, timeout=NAN),
         "timeout", "finite"),
    Case("v2-wait-callback-not-callable", lambda c, f: c.v2.tasks.wait(TASK_ID, callback=42),
         "callback", "must be callable"),
    Case("v2-create-and-wait-timeout-zero",
         lambda c, f: c.v2.tasks.create_and_wait(input_type="video", url=URL, timeout=0),
         "timeout", "greater than 0"),
    Case("legacy-create-and-wait-timeout-negative",
         lambda c, f: c.legacy.tasks.create_and_wait(video_url=URL, timeout=-5),
         "timeout", "greater than 0"),
    Case("legacy-create-and-wait-option-unknown",
         lambda c, f: c.legacy.tasks.create_and_wait(video_url=URL, embedding_option=["smell"]),
         "embedding_option[0]", "must be one of"),
    Case("v2-create-and-wait-bad-create-arg",
         lambda c, f: c.v2.tasks.create_and_wait(input_type="video", url=URL, start_sec=-3),
         "start_sec", ">= 0"),
]  # fmt: skip


@pytest.fixture
def files(tmp_path: Path) -> Iterator[Files]:
    made = Files(tmp_path)
    yield made
    for handle in made.opened:
        handle.close()


def _refused(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"a request left the client: {request.method} {request.url}")


def run_case(mode: str, case: Case, files: Files) -> tuple[ValidationError, Server, FakeClock]:
    """Run an invalid call in `mode`; return the ValidationError, the recording server and the clock."""
    server = Server(default=_refused)
    clock = FakeClock()
    if mode == "sync":
        with make_client(server, clock=clock) as client, pytest.raises(ValidationError) as info:
            case.op(client, files)
        return info.value, server, clock

    async def main() -> ValidationError:
        async with make_async_client(server, clock=clock) as client:
            with pytest.raises(ValidationError) as caught:
                result = case.op(client, files)
                if inspect.isawaitable(result):
                    await result
            return caught.value

    return asyncio.run(main()), server, clock


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_invalid_argument_is_refused_before_any_request(mode: str, case: Case, files: Files) -> None:
    """Each invalid argument raises ValidationError naming the field and the rule, and sends nothing."""
    error, server, clock = run_case(mode, case, files)
    assert server.requests == []
    assert clock.sleeps == []
    assert error.field == case.field
    assert case.fragment in str(error)
    assert str(error).startswith(f"{case.field}: ")
    assert isinstance(error, ValueError)


def test_table_is_large_and_ids_are_unique() -> None:
    """The table keeps at least 40 invalid inputs, each with a distinct id."""
    assert len(CASES) >= 40
    assert len({c.id for c in CASES}) == len(CASES)


VALID = [
    ("legacy-create-url", lambda c, f: c.legacy.tasks.create(video_url=URL, video_clip_length=6)),
    ("legacy-create-file", lambda c, f: c.legacy.tasks.create(video_file=f.video, video_embedding_scope="clip")),
    ("legacy-create-span", lambda c, f: c.legacy.tasks.create(
        video_url=URL, video_start_offset_sec=0, video_end_offset_sec=6, video_clip_length=6)),
    ("embed-text", lambda c, f: c.legacy.embeddings.create(text="a cat")),
    ("embed-audio-offset-zero", lambda c, f: c.legacy.embeddings.create(audio_url=URL, audio_start_offset_sec=0)),
    ("v2task-video", lambda c, f: c.v2.tasks.create(
        input_type="video", url=URL, segmentation={"strategy": "dynamic", "dynamic": {"min_duration_sec": 5}})),
    ("v2task-base64", lambda c, f: c.v2.tasks.create(input_type="audio", base64_string="AAAA")),
    ("v2task-3.5-document", lambda c, f: c.v2.tasks.create(
        input_type="document", url=URL, model_name="marengo3.5", embedding_dimension=256)),
    ("v2embed-text", lambda c, f: c.v2.embeddings.create(input_type="text", text="x")),
    ("v2-list", lambda c, f: c.v2.tasks.list(page_limit=50, status="ready")),
    ("legacy-list", lambda c, f: c.legacy.tasks.list(page_limit=1)),
    ("v2-retrieve", lambda c, f: c.v2.tasks.retrieve(TASK_ID)),
    ("legacy-status", lambda c, f: c.legacy.tasks.status(TASK_ID)),
]  # fmt: skip


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("op", [op for _, op in VALID], ids=[name for name, _ in VALID])
def test_valid_calls_do_send(mode: str, op: Callable[[Any, Files], Any], files: Files) -> None:
    """Boundary-valid calls pass validation and reach the transport, so the zero counts above are meaningful."""
    server = Server(default=lambda request: httpx.Response(500, json={"code": "stop", "message": "recorded"}))
    with pytest.raises(ServerError):
        call(mode, server, lambda c: op(c, files), retry=NO_RETRY)
    assert len(server.requests) == 1
