"""Bad input the wrapper-level table (tests/wrapper/test_validation.py) does not already cover.

Categories: NaN / +inf / -inf in every numeric argument and setting, wrong types, empty strings,
oversize base64 for every input kind, and directories or other non-regular files given as uploads.
Each row runs against the sync and the async client, wired to a transport that fails the test if a
request leaves the client: a row passes only when the call raises `ValidationError` (or
`ConfigurationError` for client settings) naming the argument, before any request.

`test_rejected_input_summary` counts the rows of both tables by category and writes
reports/bad-input.json (rendered into docs/ROBUSTNESS.md). CLI argument errors are covered by tests/cli
and are not counted here.
"""

from __future__ import annotations

import asyncio
import inspect
import math
import os
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.wrapper import test_validation as wrapper_table
from twelvelabs_embed import (
    AsyncEmbedClient,
    ConfigurationError,
    EmbedClient,
    PollPolicy,
    RetryPolicy,
    Timeouts,
    ValidationError,
    dynamic_segments,
    fixed_segments,
)
from twelvelabs_embed import _validation as rules
from twelvelabs_embed._polling import Waiter

from ._support import API_KEY, write_report

URL = "https://media.example.com/clip.mp4"
TASK_ID = "64f8d2c7e4a1b37f8a9c5d12"
V35 = "marengo3.5"
NON_FINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


@dataclass(frozen=True)
class Row:
    category: str
    id: str
    op: Callable[[Any, Path], Any]  # (client, tmp dir) -> call
    field: str
    fragment: str = ""


# ---------------------------------------------------------------- NaN / inf in every numeric argument
# (argument label, field named by the error, call taking the value)
NUMERIC: list[tuple[str, str, Callable[[Any, Any], Any]]] = [
    ("legacy-create-clip-length", "video_clip_length",
     lambda c, x: c.legacy.tasks.create(video_url=URL, video_clip_length=x)),
    ("legacy-create-start-offset", "video_start_offset_sec",
     lambda c, x: c.legacy.tasks.create(video_url=URL, video_start_offset_sec=x, video_end_offset_sec=30)),
    ("legacy-create-end-offset", "video_end_offset_sec",
     lambda c, x: c.legacy.tasks.create(video_url=URL, video_start_offset_sec=0, video_end_offset_sec=x)),
    ("legacy-embed-audio-offset", "audio_start_offset_sec",
     lambda c, x: c.legacy.embeddings.create(audio_url=URL, audio_start_offset_sec=x)),
    ("v2task-start", "start_sec", lambda c, x: c.v2.tasks.create(input_type="video", url=URL, start_sec=x)),
    ("v2task-end", "end_sec", lambda c, x: c.v2.tasks.create(input_type="audio", url=URL, end_sec=x)),
    ("v2task-dimension", "embedding_dimension",
     lambda c, x: c.v2.tasks.create(input_type="video", url=URL, model_name=V35, embedding_dimension=x)),
    ("v2task-metadata-start", "time_based_metadata[0].start",
     lambda c, x: c.v2.tasks.create(input_type="video", url=URL, model_name=V35, embedding_type=["fused_embedding"],
                                    time_based_metadata=[{"start": x, "end": 1, "text": "goal"}])),
    ("v2task-metadata-end", "time_based_metadata[0].end",
     lambda c, x: c.v2.tasks.create(input_type="video", url=URL, model_name=V35, embedding_type=["fused_embedding"],
                                    time_based_metadata=[{"start": 0, "end": x, "text": "goal"}])),
    ("v2task-fixed-duration", "segmentation.fixed.duration_sec",
     lambda c, x: c.v2.tasks.create(input_type="video", url=URL,
                                    segmentation={"strategy": "fixed", "fixed": {"duration_sec": x}})),
    ("v2task-dynamic-min-duration", "segmentation.dynamic.min_duration_sec",
     lambda c, x: c.v2.tasks.create(input_type="video", url=URL,
                                    segmentation={"strategy": "dynamic", "dynamic": {"min_duration_sec": x}})),
    ("v2task-document-max-sentences", "document_segmentation.sequential.max_sentences",
     lambda c, x: c.v2.tasks.create(input_type="document", url=URL, model_name=V35,
                                    document_segmentation={"sequential": {"max_sentences": x}})),
    ("v2task-document-overlap", "document_segmentation.sequential.overlap_sentences",
     lambda c, x: c.v2.tasks.create(input_type="document", url=URL, model_name=V35,
                                    document_segmentation={"sequential": {"max_sentences": 3,
                                                                           "overlap_sentences": x}})),
    ("v2embed-start", "start_sec", lambda c, x: c.v2.embeddings.create(input_type="audio", url=URL, start_sec=x)),
    ("v2embed-end", "end_sec", lambda c, x: c.v2.embeddings.create(input_type="video", url=URL, end_sec=x)),
    ("v2embed-dimension", "embedding_dimension",
     lambda c, x: c.v2.embeddings.create(input_type="multi_input", model_name=V35, text="t", embedding_dimension=x)),
    ("v2embed-fixed-duration", "segmentation.fixed.duration_sec",
     lambda c, x: c.v2.embeddings.create(input_type="audio", url=URL,
                                         segmentation={"strategy": "fixed", "fixed": {"duration_sec": x}})),
    ("legacy-list-page", "page", lambda c, x: c.legacy.tasks.list(page=x)),
    ("legacy-list-page-limit", "page_limit", lambda c, x: c.legacy.tasks.list(page_limit=x)),
    ("v2-list-page", "page", lambda c, x: c.v2.tasks.list(page=x)),
    ("v2-list-page-limit", "page_limit", lambda c, x: c.v2.tasks.list(page_limit=x)),
    ("legacy-iter-page-limit", "page_limit", lambda c, x: c.legacy.tasks.iter(page_limit=x)),
    ("v2-iter-page-limit", "page_limit", lambda c, x: c.v2.tasks.iter(page_limit=x)),
    ("legacy-iter-max-items", "max_items", lambda c, x: c.legacy.tasks.iter(max_items=x)),
    ("v2-iter-max-items", "max_items", lambda c, x: c.v2.tasks.iter(max_items=x)),
    ("legacy-wait-timeout", "timeout", lambda c, x: c.legacy.tasks.wait_for_done(TASK_ID, timeout=x)),
    ("v2-wait-timeout", "timeout", lambda c, x: c.v2.tasks.wait(TASK_ID, timeout=x)),
    ("legacy-create-and-wait-timeout", "timeout",
     lambda c, x: c.legacy.tasks.create_and_wait(video_url=URL, timeout=x)),
    ("v2-create-and-wait-timeout", "timeout",
     lambda c, x: c.v2.tasks.create_and_wait(input_type="video", url=URL, timeout=x)),
    ("fixed-segments-helper", "segmentation.fixed.duration_sec", lambda c, x: fixed_segments(x)),
    ("dynamic-segments-helper", "segmentation.dynamic.min_duration_sec", lambda c, x: dynamic_segments(x)),
]  # fmt: skip

# Rows of tests/wrapper/test_validation.py that already cover one (argument, value): not repeated here.
COVERED_BY_WRAPPER_TABLE = {
    ("legacy-create-clip-length", "nan"): "legacy-clip-nan",
    ("legacy-create-clip-length", "inf"): "legacy-clip-inf",
    ("legacy-create-end-offset", "nan"): "legacy-end-nan",
    ("legacy-embed-audio-offset", "-inf"): "embed-audio-offset-inf",
    ("v2task-dimension", "nan"): "v2task-dimension-nan",
    ("v2task-metadata-start", "nan"): "v2task-time-metadata-start-nan",
    ("v2task-start", "nan"): "v2task-start-nan",
    ("v2task-end", "inf"): "v2task-end-inf",
    ("v2embed-start", "nan"): "v2embed-video-start-nan",
    ("v2-list-page-limit", "nan"): "v2-list-page-limit-nan",
    ("legacy-wait-timeout", "nan"): "legacy-wait-timeout-nan",
}


def _numeric_rows() -> list[Row]:
    rows = []
    for label, field, call in NUMERIC:
        for name, value in NON_FINITE.items():
            if (label, name) in COVERED_BY_WRAPPER_TABLE:
                continue
            rows.append(Row("non-finite number", f"{label}-{name}", lambda c, d, call=call, x=value: call(c, x), field))
    return rows


# ---------------------------------------------------------------- wrong types
WRONG_TYPES = [
    Row("wrong type", "status-id-int", lambda c, d: c.legacy.tasks.status(123), "task_id", "must be a string"),
    Row("wrong type", "retrieve-id-bytes", lambda c, d: c.v2.tasks.retrieve(b"abc"), "task_id", "must be a string"),
    Row("wrong type", "wait-id-list", lambda c, d: c.v2.tasks.wait([TASK_ID]), "task_id", "must be a string"),
    Row("wrong type", "retrieve-arrays-id-dict", lambda c, d: c.legacy.tasks.retrieve_arrays({"id": 1}),
        "task_id", "must be a string"),
    Row("wrong type", "legacy-url-bytes", lambda c, d: c.legacy.tasks.create(video_url=URL.encode()),
        "video_url", "must be a string"),
    Row("wrong type", "v2task-url-int", lambda c, d: c.v2.tasks.create(input_type="video", url=42), "url",
        "must be a string"),
    Row("wrong type", "legacy-model-float", lambda c, d: c.legacy.tasks.create(video_url=URL, model_name=3.0),
        "model_name", "must be a string"),
    Row("wrong type", "v2task-model-float", lambda c, d: c.v2.tasks.create(input_type="video", url=URL, model_name=3.5),
        "model_name", "must be one of"),
    Row("wrong type", "v2task-input-type-none", lambda c, d: c.v2.tasks.create(input_type=None, url=URL),
        "input_type", "must be one of"),
    Row("wrong type", "v2task-option-int",
        lambda c, d: c.v2.tasks.create(input_type="video", url=URL, embedding_option=5),
        "embedding_option", "must be a list"),
    Row("wrong type", "v2task-option-bytes",
        lambda c, d: c.v2.tasks.create(input_type="video", url=URL, embedding_option=b"visual"),
        "embedding_option", "must be a list"),
    Row("wrong type", "v2task-scope-set",
        lambda c, d: c.v2.tasks.create(input_type="video", url=URL, embedding_scope={"clip"}),
        "embedding_scope", "must be a list"),
    Row("wrong type", "legacy-scope-dict",
        lambda c, d: c.legacy.tasks.create(video_url=URL, video_embedding_scope={"clip": True}),
        "video_embedding_scope", "must be a list"),
    Row("wrong type", "v2task-segmentation-string",
        lambda c, d: c.v2.tasks.create(input_type="video", url=URL, segmentation="fixed"), "segmentation", "must be"),
    Row("wrong type", "v2task-fixed-duration-string",
        lambda c, d: c.v2.tasks.create(input_type="video", url=URL,
                                       segmentation={"strategy": "fixed", "fixed": {"duration_sec": "6"}}),
        "segmentation.fixed.duration_sec", "whole number"),
    Row("wrong type", "v2task-fixed-duration-fraction", lambda c, d: fixed_segments(6.5),
        "segmentation.fixed.duration_sec", "whole number"),
    Row("wrong type", "v2task-metadata-dict",
        lambda c, d: c.v2.tasks.create(input_type="video", url=URL, model_name=V35, embedding_type=["fused_embedding"],
                                       time_based_metadata={"start": 0, "end": 1, "text": "t"}),
        "time_based_metadata", "non-empty list"),
    Row("wrong type", "v2task-metadata-text-int",
        lambda c, d: c.v2.tasks.create(input_type="video", url=URL, model_name=V35, embedding_type=["fused_embedding"],
                                       time_based_metadata=[{"start": 0, "end": 1, "text": 7}]),
        "time_based_metadata[0].text", "must be a string"),
    Row("wrong type", "v2task-base64-bytes",
        lambda c, d: c.v2.tasks.create(input_type="audio", base64_string=b"AAAA"), "base64_string", "must be a string"),
    Row("wrong type", "v2task-uncertainty-string",
        lambda c, d: c.v2.tasks.create(input_type="video", url=URL, model_name=V35, embedding_uncertainty="yes"),
        "embedding_uncertainty", "true or false"),
    Row("wrong type", "v2task-dimension-bool",
        lambda c, d: c.v2.tasks.create(input_type="video", url=URL, model_name=V35, embedding_dimension=True),
        "embedding_dimension", "whole number"),
    Row("wrong type", "v2task-document-segmentation-list",
        lambda c, d: c.v2.tasks.create(input_type="document", url=URL, model_name=V35,
                                       document_segmentation=["spatial"]),
        "document_segmentation", "must be"),
    Row("wrong type", "v2embed-text-int", lambda c, d: c.v2.embeddings.create(input_type="text", text=5),
        "text", "must be a string"),
    Row("wrong type", "v2embed-auto-truncate-int",
        lambda c, d: c.v2.embeddings.create(input_type="multi_input", model_name=V35, text="t", auto_truncate=1),
        "auto_truncate", "true or false"),
    Row("wrong type", "v2embed-media-sources-dict",
        lambda c, d: c.v2.embeddings.create(input_type="multi_input", model_name=V35,
                                            media_sources={"media_type": "image", "url": URL}),
        "media_sources", "non-empty list"),
    Row("wrong type", "v2embed-media-source-string",
        lambda c, d: c.v2.embeddings.create(input_type="multi_input", media_sources=[URL]),
        "media_sources[0]", "must be a mapping"),
    Row("wrong type", "legacy-embed-text-list", lambda c, d: c.legacy.embeddings.create(text=["a cat"]),
        "text", "must be a string"),
    Row("wrong type", "legacy-file-bytes", lambda c, d: c.legacy.tasks.create(video_file=b"\x00\x01"),
        "video_file", "file path or a binary file object"),
    Row("wrong type", "legacy-embed-audio-file-int", lambda c, d: c.legacy.embeddings.create(audio_file=3),
        "audio_file", "file path or a binary file object"),
    Row("wrong type", "list-page-string", lambda c, d: c.v2.tasks.list(page="1"), "page", "whole number"),
    Row("wrong type", "list-page-bool", lambda c, d: c.legacy.tasks.list(page=True), "page", "whole number"),
    Row("wrong type", "list-started-at-int", lambda c, d: c.v2.tasks.list(started_at=1767225600),
        "started_at", "datetime or an RFC 3339 string"),
    Row("wrong type", "list-status-int", lambda c, d: c.legacy.tasks.list(status=1), "status", "must be one of"),
    Row("wrong type", "iter-max-items-float", lambda c, d: c.v2.tasks.iter(max_items=2.5), "max_items", "whole number"),
    Row("wrong type", "iter-max-items-bool", lambda c, d: c.legacy.tasks.iter(max_items=True), "max_items",
        "whole number"),
    Row("wrong type", "wait-timeout-string", lambda c, d: c.v2.tasks.wait(TASK_ID, timeout="60"), "timeout",
        "must be a number"),
    Row("wrong type", "wait-callback-string", lambda c, d: c.legacy.tasks.wait_for_done(TASK_ID, callback="print"),
        "callback", "must be callable"),
]  # fmt: skip

# ---------------------------------------------------------------- empty strings
EMPTY = [
    Row("empty string", "legacy-video-url", lambda c, d: c.legacy.tasks.create(video_url=""), "video_url"),
    Row("empty string", "legacy-model", lambda c, d: c.legacy.tasks.create(video_url=URL, model_name=""), "model_name"),
    Row("empty string", "legacy-embed-image-url", lambda c, d: c.legacy.embeddings.create(image_url=""), "image_url"),
    Row("empty string", "legacy-embed-audio-url", lambda c, d: c.legacy.embeddings.create(audio_url=""), "audio_url"),
    Row("empty string", "legacy-embed-model", lambda c, d: c.legacy.embeddings.create(text="a", model_name=""),
        "model_name"),
    Row("empty string", "legacy-status-id", lambda c, d: c.legacy.tasks.status(""), "task_id"),
    Row("empty string", "legacy-wait-id", lambda c, d: c.legacy.tasks.wait_for_done(""), "task_id"),
    Row("empty string", "v2-retrieve-id", lambda c, d: c.v2.tasks.retrieve(""), "task_id"),
    Row("empty string", "v2-retrieve-arrays-id-blank", lambda c, d: c.v2.tasks.retrieve_arrays("  "), "task_id"),
    Row("empty string", "v2-wait-id", lambda c, d: c.v2.tasks.wait(""), "task_id"),
    Row("empty string", "v2task-input-type", lambda c, d: c.v2.tasks.create(input_type="", url=URL), "input_type"),
    Row("empty string", "v2task-model", lambda c, d: c.v2.tasks.create(input_type="video", url=URL, model_name=""),
        "model_name"),
    Row("empty string", "v2task-url", lambda c, d: c.v2.tasks.create(input_type="video", url=""), "url"),
    Row("empty string", "v2task-base64", lambda c, d: c.v2.tasks.create(input_type="audio", base64_string=""),
        "base64_string"),
    Row("empty string", "v2task-asset-id", lambda c, d: c.v2.tasks.create(input_type="video", asset_id=""), "asset_id"),
    Row("empty string", "v2task-option",
        lambda c, d: c.v2.tasks.create(input_type="video", url=URL, embedding_option=""),
        "embedding_option[0]"),
    Row("empty string", "v2task-scope-item",
        lambda c, d: c.v2.tasks.create(input_type="audio", url=URL, embedding_scope=["clip", ""]),
        "embedding_scope[1]"),
    Row("empty string", "v2task-metadata-text",
        lambda c, d: c.v2.tasks.create(input_type="video", url=URL, model_name=V35, embedding_type=["fused_embedding"],
                                       time_based_metadata=[{"start": 0, "end": 1, "text": ""}]),
        "time_based_metadata[0].text"),
    Row("empty string", "v2task-document-spatial-strategy",
        lambda c, d: c.v2.tasks.create(input_type="document", url=URL, model_name=V35,
                                       document_segmentation={"spatial": {"strategy": ""}}),
        "document_segmentation.spatial.strategy"),
    Row("empty string", "v2embed-text-image-text",
        lambda c, d: c.v2.embeddings.create(input_type="text_image", url=URL, text=" "), "text"),
    Row("empty string", "v2embed-image-url", lambda c, d: c.v2.embeddings.create(input_type="image", url=""), "url"),
    Row("empty string", "v2embed-multi-text", lambda c, d: c.v2.embeddings.create(input_type="multi_input", text=""),
        "text"),
    Row("empty string", "v2embed-multi-source-name",
        lambda c, d: c.v2.embeddings.create(input_type="multi_input",
                                            media_sources=[{"media_type": "image", "url": URL, "name": ""}]),
        "media_sources[0].name"),
    Row("empty string", "v2embed-multi-source-url",
        lambda c, d: c.v2.embeddings.create(input_type="multi_input",
                                            media_sources=[{"media_type": "image", "url": ""}]),
        "media_sources[0].url"),
    Row("empty string", "v2embed-multi-media-type",
        lambda c, d: c.v2.embeddings.create(input_type="multi_input", media_sources=[{"media_type": "", "url": URL}]),
        "media_sources[0].media_type"),
    Row("empty string", "list-status", lambda c, d: c.v2.tasks.list(status=""), "status"),
    Row("empty string", "list-started-at", lambda c, d: c.legacy.tasks.list(started_at=""), "started_at"),
    Row("empty string", "list-ended-at", lambda c, d: c.v2.tasks.iter(ended_at=""), "ended_at"),
    Row("empty string", "legacy-file-path", lambda c, d: c.legacy.tasks.create(video_file=""), "video_file"),
]  # fmt: skip


# ---------------------------------------------------------------- oversize base64
def b64_of_size(decoded_bytes: int) -> str:
    """A syntactically valid base64 string that decodes to `decoded_bytes` bytes."""
    return "A" * (4 * math.ceil(decoded_bytes / 3))


AV, IMAGE = rules.BASE64_AV_MAX_BYTES, rules.BASE64_IMAGE_MAX_BYTES
OVERSIZE = [
    Row("oversize base64", "v2task-audio",
        lambda c, d: c.v2.tasks.create(input_type="audio", base64_string=b64_of_size(AV + 3)),
        "base64_string", f"the limit is {AV} bytes"),
    Row("oversize base64", "v2task-image",
        lambda c, d: c.v2.tasks.create(input_type="image", model_name=V35, base64_string=b64_of_size(IMAGE + 3)),
        "base64_string", f"the limit is {IMAGE} bytes"),
    Row("oversize base64", "v2embed-text-image",
        lambda c, d: c.v2.embeddings.create(input_type="text_image", text="a", base64_string=b64_of_size(IMAGE + 3)),
        "base64_string", f"the limit is {IMAGE} bytes"),
    Row("oversize base64", "v2embed-audio",
        lambda c, d: c.v2.embeddings.create(input_type="audio", base64_string=b64_of_size(AV + 3)),
        "base64_string", f"the limit is {AV} bytes"),
    Row("oversize base64", "v2embed-video",
        lambda c, d: c.v2.embeddings.create(input_type="video", base64_string=b64_of_size(AV + 3)),
        "base64_string", f"the limit is {AV} bytes"),
    Row("oversize base64", "v2embed-multi-source",
        lambda c, d: c.v2.embeddings.create(
            input_type="multi_input", media_sources=[{"media_type": "image", "base64_string": b64_of_size(IMAGE + 3)}]
        ),
        "media_sources[0].base64_string", f"the limit is {IMAGE} bytes"),
    Row("oversize base64", "limit-exactly-plus-one-byte",
        lambda c, d: c.v2.tasks.create(input_type="video", base64_string=b64_of_size(AV + 1)),
        "base64_string", f"the limit is {AV} bytes"),
]  # fmt: skip


# ---------------------------------------------------------------- directories and other non-regular files
def _symlink_to_directory(root: Path) -> Path:
    link = root / "link-to-dir.mp4"
    if not link.exists():
        link.symlink_to(root / "a-directory.mp4", target_is_directory=True)
    return link


DIRECTORIES = [
    Row("directory", "legacy-video-file-path-object",
        lambda c, d: c.legacy.tasks.create(video_file=d / "a-directory.mp4"),
        "video_file", "must be a regular file"),
    Row("directory", "legacy-embed-audio-file",
        lambda c, d: c.legacy.embeddings.create(audio_file=d / "a-directory.mp4"),
        "audio_file", "must be a regular file"),
    Row("directory", "legacy-embed-image-file-str",
        lambda c, d: c.legacy.embeddings.create(image_file=str(d / "a-directory.mp4")),
        "image_file", "must be a regular file"),
    Row("directory", "legacy-video-file-symlink-to-dir",
        lambda c, d: c.legacy.tasks.create(video_file=_symlink_to_directory(d)),
        "video_file", "must be a regular file"),
    Row("directory", "legacy-video-file-dot", lambda c, d: c.legacy.tasks.create(video_file="."),
        "video_file", "must be a regular file"),
    Row("directory", "legacy-video-file-char-device", lambda c, d: c.legacy.tasks.create(video_file=os.devnull),
        "video_file", "must be a regular file"),
    Row("directory", "legacy-video-file-fifo", lambda c, d: c.legacy.tasks.create(video_file=d / "a-fifo.mp4"),
        "video_file", "must be a regular file"),
]  # fmt: skip

ROWS = [*_numeric_rows(), *WRONG_TYPES, *EMPTY, *OVERSIZE, *DIRECTORIES]


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "a-directory.mp4").mkdir()
    os.mkfifo(tmp_path / "a-fifo.mp4")
    return tmp_path


def _refuse(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"a request left the client: {request.method} {request.url}")


def run_row(mode: str, row: Row, workdir: Path) -> tuple[BaseException | None, list[float]]:
    """Run the call of `row` in `mode`; return what it raised and the sleeps it asked for."""
    sleeps: list[float] = []
    options: dict[str, Any] = {
        "base_url": "https://api.test/v1.3",
        "retry": RetryPolicy(max_retries=0),
        "clock": lambda: 0.0,
    }
    if mode == "sync":
        with EmbedClient(API_KEY, transport=httpx.MockTransport(_refuse), sleep=sleeps.append, **options) as client:
            try:
                result = row.op(client, workdir)
                if isinstance(result, Iterator):
                    next(result)
            except Exception as error:
                return error, sleeps
        return None, sleeps

    async def asleep(seconds: float) -> None:
        sleeps.append(seconds)

    async def main() -> BaseException | None:
        async with AsyncEmbedClient(API_KEY, transport=httpx.MockTransport(_refuse), sleep=asleep, **options) as client:
            try:
                result = row.op(client, workdir)
                if inspect.isawaitable(result):
                    await result
                elif hasattr(result, "__anext__"):
                    await result.__anext__()
            except Exception as error:
                return error
        return None

    return asyncio.run(main()), sleeps


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("row", ROWS, ids=[f"{r.category.replace(' ', '-')}:{r.id}" for r in ROWS])
def test_bad_input_is_refused_before_any_request(mode: str, row: Row, workdir: Path) -> None:
    """The call raises ValidationError naming the argument (and the rule), sends nothing and sleeps not at all."""
    error, sleeps = run_row(mode, row, workdir)
    assert isinstance(error, ValidationError), f"{row.id}: expected ValidationError, got {error!r}"
    assert error.field == row.field, f"{row.id}: {error}"
    assert str(error).startswith(f"{row.field}: ")
    assert row.fragment in str(error)
    if row.category == "non-finite number":
        assert "finite" in str(error) or "whole number" in str(error) or "must be a number" in str(error)
    assert sleeps == []
    assert API_KEY not in str(error)


def test_document_base64_limit_applies() -> None:
    """A document's base64 is checked against the document limit (512 MiB; lowered here to keep memory small)."""
    limit = 1024 * 1024
    saved = rules.BASE64_DOCUMENT_MAX_BYTES
    rules.BASE64_DOCUMENT_MAX_BYTES = limit
    try:
        row = Row("oversize base64", "v2task-document",
                  lambda c, d: c.v2.tasks.create(input_type="document", model_name=V35,
                                                 base64_string=b64_of_size(limit + 3)),
                  "base64_string", f"the limit is {limit} bytes")  # fmt: skip
        error, _ = run_row("sync", row, Path("."))
    finally:
        rules.BASE64_DOCUMENT_MAX_BYTES = saved
    assert isinstance(error, ValidationError) and row.fragment in str(error)


# ---------------------------------------------------------------- client settings (ConfigurationError)
SETTINGS: list[tuple[str, Callable[[float], Any]]] = [
    *[
        (f"Timeouts.{name}", lambda x, name=name: Timeouts(**{name: x}))
        for name in ("connect", "read", "write", "pool")
    ],
    *[
        (f"RetryPolicy.{name}", lambda x, name=name: RetryPolicy(**{name: x}))
        for name in ("max_retries", "initial_delay", "multiplier", "max_delay", "jitter", "max_retry_after")
    ],
    *[
        (f"PollPolicy.{name}", lambda x, name=name: PollPolicy(**{name: x}))
        for name in ("initial_interval", "multiplier", "max_interval", "max_delay_fraction", "jitter", "timeout")
    ],
]
# +inf is a meaningful PollPolicy.max_delay_fraction ("no cap relative to the time waited"), so it is accepted;
# `test_infinite_delay_fraction_keeps_the_schedule_finite` checks that it cannot break the schedule.
ACCEPTED_SETTINGS = {("PollPolicy.max_delay_fraction", "inf")}


@pytest.mark.parametrize("value", list(NON_FINITE), ids=list(NON_FINITE))
@pytest.mark.parametrize("setting", [name for name, _ in SETTINGS])
def test_non_finite_setting_is_refused(setting: str, value: str) -> None:
    """A NaN or infinite client setting raises ConfigurationError naming the setting."""
    make = dict(SETTINGS)[setting]
    if (setting, value) in ACCEPTED_SETTINGS:
        make(NON_FINITE[value])
        return
    with pytest.raises(ConfigurationError, match=setting.replace(".", r"\.")):
        make(NON_FINITE[value])


def test_infinite_delay_fraction_keeps_the_schedule_finite() -> None:
    """With max_delay_fraction=inf every poll interval stays finite and within [initial, max] (no NaN at t=0)."""
    policy = PollPolicy(max_delay_fraction=math.inf, initial_interval=2, max_interval=60, jitter=0)
    clock = [0.0]
    waiter = Waiter("t", policy, clock=lambda: clock[0], rand=lambda: 0.0)
    for _ in range(30):
        waiter.observed("processing", None)
        delay = waiter.delay_after_pending()
        assert math.isfinite(delay) and 2 <= delay <= 60
        clock[0] += delay


# ---------------------------------------------------------------- the summary
# Ids of tests/wrapper/test_validation.py whose name alone would put them in the wrong category.
WRAPPER_OVERRIDES = {
    "legacy-file-empty": "empty file",
    "legacy-scope-empty": "rule (range, enum, combination, format)",  # an empty list, not an empty string
}


def _wrapper_category(case_id: str) -> str:
    """The category of a row of tests/wrapper/test_validation.py, from its id."""
    if case_id in WRAPPER_OVERRIDES:
        return WRAPPER_OVERRIDES[case_id]
    if case_id.endswith(("-nan", "-inf")):
        return "non-finite number"
    if "directory" in case_id:
        return "directory"
    if "too-large" in case_id:
        return "oversize base64" if "base64" in case_id else "oversize file"
    if case_id.endswith(("-empty", "-blank", "-empty-id")) or "blank" in case_id:
        return "empty string"
    if case_id.endswith(("-string", "-bool", "-none-id", "-not-callable", "-wrong-type", "-text-mode")):
        return "wrong type"
    return "rule (range, enum, combination, format)"


def test_rejected_input_summary() -> None:
    """Counts every rejected-input row (this table and the wrapper table) by category into reports/bad-input.json."""
    wrapper_ids = {case.id for case in wrapper_table.CASES}
    assert set(WRAPPER_OVERRIDES) <= wrapper_ids
    for (label, value), case_id in COVERED_BY_WRAPPER_TABLE.items():  # the skipped rows really exist there
        assert case_id in wrapper_ids, case_id
        assert label in {entry[0] for entry in NUMERIC} and value in NON_FINITE
    here = Counter(row.category for row in ROWS)
    here["oversize base64"] += 1  # test_document_base64_limit_applies
    settings = sum(1 for name, _ in SETTINGS for value in NON_FINITE if (name, value) not in ACCEPTED_SETTINGS)
    here["non-finite setting"] += settings
    wrapper = Counter(_wrapper_category(case.id) for case in wrapper_table.CASES)
    total = here + wrapper
    assert len(ROWS) == len({(r.category, r.id) for r in ROWS})
    assert here["non-finite number"] >= 3 * len(NUMERIC) - len(COVERED_BY_WRAPPER_TABLE)
    write_report(
        "bad-input.json",
        {
            "by_category": dict(sorted(total.items())),
            "robustness_table": dict(sorted(here.items())),
            "wrapper_table": dict(sorted(wrapper.items())),
            "total": sum(total.values()),
            "numeric_arguments": len(NUMERIC),
            "settings": len(SETTINGS),
            "modes": ["sync", "async"],
            "not_counted": "CLI argument errors (tests/cli)",
        },
    )
