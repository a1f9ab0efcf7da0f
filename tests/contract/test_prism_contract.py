"""Contract tests: the generated client against Prism serving openapi.yaml.

Every operation (nine embedding, nine asset and multipart-upload ones; the latter's calls and spot checks are
in asset_calls.py) is called through the generated `*_detailed` functions:
(a) every named example of every success response (`Prefer: example=<name>`, names read from
    openapi.yaml) parses into the declared model and carries the example's values;
(b) `--dynamic` responses (100 per operation) parse into the declared model, losslessly;
(c) every declared error status (`Prefer: code=<status>`) parses into the declared error model;
(d) a request without the API key gets a 401 parsed as FlatError.

Prism gotchas kept in mind (see /work/shared/toolchain.md): a multipart part name or filename with
`;` kills Prism, so file names are fixed and checked; multipart is slow on Prism (~1 s per MiB), so
files are a few bytes; static mode never emits `null`, so nulls are covered by the named examples
(`data: null`, `embedding_option: null`) and by `--dynamic`.
"""

from __future__ import annotations

import datetime
import io
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import httpx
import pytest
import yaml

from tests.support.processes import ServerProcess
from twelvelabs_embed_generated import AuthenticatedClient, Client, models
from twelvelabs_embed_generated.api.embed_v2 import create_embeddings_v2
from twelvelabs_embed_generated.api.embed_v2_tasks import (
    create_embedding_task_v2,
    get_embedding_task_v2,
    list_embedding_tasks_v2,
)
from twelvelabs_embed_generated.api.legacy_embed import create_legacy_embedding
from twelvelabs_embed_generated.api.legacy_tasks import (
    create_video_embedding_task,
    get_video_embedding_task_status,
    list_video_embedding_tasks,
    retrieve_video_embeddings,
)
from twelvelabs_embed_generated.models import (
    AsyncInputType,
    AsyncVideoInputRequest,
    AudioMediaMetadata,
    CreateEmbeddingsRequest,
    CreateEmbeddingTaskRequest,
    CreateLegacyEmbeddingForm,
    CreateVideoEmbeddingTaskForm,
    DynamicSegmentation,
    DynamicSegmentationParams,
    DynamicSegmentationStrategy,
    EmbeddingOption,
    EmbeddingTask,
    FlatError,
    LegacyEmbeddingOption,
    LegacyEmbeddingScope,
    MediaSource,
    ModelNameV2,
    NestedError,
    ResultEmbeddingScope,
    SyncInputType,
    TaskStatus,
    TextInputRequest,
    VideoMediaMetadata,
)
from twelvelabs_embed_generated.types import File, Response

from .asset_calls import ASSET_CALLS, ASSET_SPOT_CHECKS

pytestmark = pytest.mark.prism

ROOT = Path(__file__).resolve().parents[2]
SPEC: dict[str, Any] = yaml.safe_load((ROOT / "openapi.yaml").read_text())
HTTP_METHODS = ("get", "put", "post", "delete", "patch")
TASK_ID = "64f8d2c7e4a1b37f8a9c5d12"
DYNAMIC_CALLS = 100

# ------------------------------------------------------------------------------- the spec, as data


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = SPEC
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def _spec_operations() -> dict[str, dict[str, Any]]:
    return {
        item[method]["operationId"]: item[method]
        for item in SPEC["paths"].values()
        for method in HTTP_METHODS
        if method in item
    }


OPERATIONS = _spec_operations()


def media(operation_id: str, status: str) -> dict[str, Any]:
    """The application/json media object of a declared response ({} for a response without a body)."""
    content = _resolve(OPERATIONS[operation_id]["responses"][status]).get("content", {})
    return content.get("application/json", {})  # type: ignore[no-any-return]


def declared_model(operation_id: str, status: str) -> type:
    """The generated class of the response schema the spec declares for this status (NoneType: no body)."""
    if "schema" not in media(operation_id, status):
        return type(None)
    name = media(operation_id, status)["schema"]["$ref"].rsplit("/", 1)[1]
    return getattr(models, name)  # type: ignore[no-any-return]


def success_statuses(operation_id: str) -> list[str]:
    return [code for code in OPERATIONS[operation_id]["responses"] if code.startswith("2")]


def success_status(operation_id: str) -> str:
    """The success status Prism answers with (the first declared 2xx)."""
    return success_statuses(operation_id)[0]


def error_statuses(operation_id: str) -> list[str]:
    return [code for code in OPERATIONS[operation_id]["responses"] if not code.startswith("2")]


SUCCESS_EXAMPLES = [
    pytest.param(op, success_status(op), name, id=f"{op}-{name}")
    for op in OPERATIONS
    for name in media(op, success_status(op)).get("examples", {})
]
ERROR_CASES = [pytest.param(op, code, id=f"{op}-{code}") for op in OPERATIONS for code in error_statuses(op)]


def example_value(operation_id: str, status: str, name: str | None = None) -> Any:
    examples = media(operation_id, status)["examples"]
    return _resolve(examples[name if name is not None else next(iter(examples))])["value"]


# --------------------------------------------------------------------------- calling the operations

# Tiny, `;`-free file names and payloads: Prism parses multipart slowly and dies on `;` in a name.
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + bytes(24)
MP4_BYTES = b"\x00\x00\x00\x18ftypmp42" + bytes(16)


def _file(payload: bytes, name: str, mime: str) -> File:
    assert ";" not in name
    return File(payload=io.BytesIO(payload), file_name=name, mime_type=mime)


# operationId -> how to call it; each call builds a fresh body (file payloads are read once).
CALLS: dict[str, Callable[[AuthenticatedClient | Client], Response[Any]]] = {
    "createLegacyEmbedding": lambda c: create_legacy_embedding.sync_detailed(
        client=c,
        body=CreateLegacyEmbeddingForm(
            model_name="marengo3.0", text="a red bicycle", image_file=_file(PNG_BYTES, "pixel.png", "image/png")
        ),
    ),
    "createVideoEmbeddingTask": lambda c: create_video_embedding_task.sync_detailed(
        client=c,
        body=CreateVideoEmbeddingTaskForm(
            model_name="marengo3.0",
            video_file=_file(MP4_BYTES, "clip.mp4", "video/mp4"),
            video_clip_length=6,
            video_embedding_scope=[LegacyEmbeddingScope.CLIP, LegacyEmbeddingScope.VIDEO],
        ),
    ),
    "listVideoEmbeddingTasks": lambda c: list_video_embedding_tasks.sync_detailed(
        client=c, status=TaskStatus.READY, page=1, page_limit=10
    ),
    "getVideoEmbeddingTaskStatus": lambda c: get_video_embedding_task_status.sync_detailed(TASK_ID, client=c),
    "retrieveVideoEmbeddings": lambda c: retrieve_video_embeddings.sync_detailed(
        TASK_ID, client=c, embedding_option=[LegacyEmbeddingOption.VISUAL, LegacyEmbeddingOption.AUDIO]
    ),
    "createEmbeddingsV2": lambda c: create_embeddings_v2.sync_detailed(
        client=c,
        body=CreateEmbeddingsRequest(
            input_type=SyncInputType.TEXT,
            model_name=ModelNameV2.MARENGO3_0,
            text=TextInputRequest(input_text="a red bicycle"),
        ),
    ),
    "createEmbeddingTaskV2": lambda c: create_embedding_task_v2.sync_detailed(
        client=c,
        body=CreateEmbeddingTaskRequest(
            input_type=AsyncInputType.VIDEO,
            model_name=ModelNameV2.MARENGO3_0,
            video=AsyncVideoInputRequest(
                media_source=MediaSource(url="https://example.com/video.mp4"),
                segmentation=DynamicSegmentation(
                    strategy=DynamicSegmentationStrategy.DYNAMIC,
                    dynamic=DynamicSegmentationParams(min_duration_sec=4),
                ),
            ),
        ),
    ),
    "listEmbeddingTasksV2": lambda c: list_embedding_tasks_v2.sync_detailed(client=c, page=2, page_limit=50),
    "getEmbeddingTaskV2": lambda c: get_embedding_task_v2.sync_detailed(TASK_ID, client=c),
    **ASSET_CALLS,
}


@pytest.fixture
def connect() -> Iterator[Callable[..., AuthenticatedClient | Client]]:
    """Build generated clients for a Prism server (closed after the test)."""
    opened: list[AuthenticatedClient | Client] = []

    def _connect(server: ServerProcess, *, prefer: str | None = None, api_key: bool = True) -> Any:
        assert server.is_running(), f"Prism died; last log lines:\n{server.log_tail()}"
        # trust_env=False: a proxy configured in the environment must not intercept loopback calls.
        options: dict[str, Any] = {"timeout": httpx.Timeout(30.0), "httpx_args": {"trust_env": False}}
        client: AuthenticatedClient | Client
        if api_key:
            client = AuthenticatedClient(
                base_url=server.base_url, token="test-key", prefix="", auth_header_name="x-api-key", **options
            )
        else:
            client = Client(base_url=server.base_url, **options)
        if prefer is not None:
            client = client.with_headers({"Prefer": prefer})
        opened.append(client)
        return client

    yield _connect
    for client in opened:
        client.get_httpx_client().close()


# ----------------------------------------------------------------------------------- comparisons

_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def normalized(value: Any) -> Any:
    """JSON-ish data with date-time strings turned into datetimes (`Z` and `+00:00` compare equal)."""
    if isinstance(value, dict):
        return {key: normalized(item) for key, item in value.items()}
    if isinstance(value, list):
        return [normalized(item) for item in value]
    if isinstance(value, str) and _DATE_TIME.match(value):
        return datetime.datetime.fromisoformat(value)
    return value


def assert_fully_parsed(obj: Any, where: str = "$") -> None:
    """No field of a parsed model is a raw dict (the generated union parsers swallow errors that way)."""
    if attrs.has(type(obj)):
        for field in attrs.fields(type(obj)):
            if field.name != "additional_properties":
                assert_fully_parsed(getattr(obj, field.name), f"{where}.{field.name}")
    elif isinstance(obj, list):
        for index, item in enumerate(obj):
            assert_fully_parsed(item, f"{where}[{index}]")
    else:
        assert not isinstance(obj, dict), f"{where} was left as a raw dict: {obj!r}"


def assert_parsed_as(response: Response[Any], status: str, model: type) -> Any:
    body = response.content.decode(errors="replace")
    assert response.status_code == int(status), body
    if model is type(None):  # a success without a body (deleteAsset)
        assert (response.parsed, response.content) == (None, b"")
        return None
    assert isinstance(response.parsed, model), f"parsed {type(response.parsed).__name__}, want {model.__name__}"
    assert_fully_parsed(response.parsed)
    # Lossless: everything the server sent survives the parse (unknown keys in additional_properties).
    assert normalized(response.parsed.to_dict()) == normalized(json.loads(response.content))
    return response.parsed


def test_every_operation_is_called() -> None:
    """The contract tests call exactly the operations of openapi.yaml (eighteen of them)."""
    assert sorted(CALLS) == sorted(OPERATIONS)
    assert len(OPERATIONS) == 18


# --------------------------------------------------------------------------- (a) named examples

# Extra checks on real values of particular examples, beyond the generic equality with the example.
SPOT_CHECKS: dict[tuple[str, str], Callable[[Any], None]] = dict(ASSET_SPOT_CHECKS)


def spot_check(operation_id: str, example: str) -> Callable[[Callable[[Any], None]], Callable[[Any], None]]:
    def register(check: Callable[[Any], None]) -> Callable[[Any], None]:
        SPOT_CHECKS[(operation_id, example)] = check
        return check

    return register


@spot_check("createLegacyEmbedding", "text")
def _(parsed: Any) -> None:
    assert parsed.model_name == "marengo3.0"
    assert [s.float_ for s in parsed.text_embedding.segments] == [[-0.0625, 0.0161, 0.0427, -0.0198]]


@spot_check("createLegacyEmbedding", "audio")
def _(parsed: Any) -> None:
    segments = parsed.audio_embedding.segments
    assert [(s.embedding_option, s.start_offset_sec, s.end_offset_sec) for s in segments] == [
        ("audio", 0, 10),
        ("transcription", 0, 10),
    ]
    assert segments[1].float_ == [0.011, 0.003, -0.028]
    assert parsed.audio_embedding.metadata.input_url == "https://example.com/audio.mp3"


@spot_check("createVideoEmbeddingTask", "created")
def _(parsed: Any) -> None:
    assert parsed.id == "66419a20c70bb578439bd8f4"


@spot_check("listVideoEmbeddingTasks", "page")
def _(parsed: Any) -> None:
    (task,) = parsed.data
    assert task.status is TaskStatus.READY
    assert task.created_at == datetime.datetime(2024, 9, 26, 10, 29, 19, 968000, tzinfo=datetime.UTC)
    assert task.video_embedding.metadata.video_clip_length == 6
    assert task.video_embedding.metadata.video_embedding_scope == ["clip"]
    assert task.video_embedding.metadata.duration == 31.2
    assert (parsed.page_info.page, parsed.page_info.limit_per_page, parsed.page_info.total_results) == (1, 10, 1)


@spot_check("getVideoEmbeddingTaskStatus", "processing")
def _(parsed: Any) -> None:
    assert parsed.status is TaskStatus.PROCESSING


@spot_check("getVideoEmbeddingTaskStatus", "ready")
def _(parsed: Any) -> None:
    assert parsed.status is TaskStatus.READY
    assert parsed.video_embedding.metadata.input_url == "https://example.com/video.mp4"


@spot_check("getVideoEmbeddingTaskStatus", "failed")
def _(parsed: Any) -> None:
    assert parsed.status is TaskStatus.FAILED
    assert parsed.video_embedding.metadata.input_filename == "broken.mp4"


@spot_check("retrieveVideoEmbeddings", "processing")
def _(parsed: Any) -> None:
    assert parsed.status is TaskStatus.PROCESSING
    assert not parsed.video_embedding.segments  # UNSET: no segments while processing


@spot_check("retrieveVideoEmbeddings", "ready")
def _(parsed: Any) -> None:
    segments = parsed.video_embedding.segments
    assert len(segments) == 4
    assert [(s.embedding_option, s.start_offset_sec, s.end_offset_sec) for s in segments] == [
        (LegacyEmbeddingOption.VISUAL, 0, 6),
        (LegacyEmbeddingOption.VISUAL, 6, 12),
        (LegacyEmbeddingOption.AUDIO, 0, 6),
        (LegacyEmbeddingOption.AUDIO, 6, 12),
    ]
    assert all(s.embedding_scope is LegacyEmbeddingScope.CLIP for s in segments)
    assert segments[0].float_ == [-0.06, 0.016, 0.043]
    assert parsed.updated_at == datetime.datetime(2024, 9, 26, 10, 31, 2, 411000, tzinfo=datetime.UTC)


@spot_check("retrieveVideoEmbeddings", "failed")
def _(parsed: Any) -> None:
    assert parsed.status is TaskStatus.FAILED
    assert parsed.video_embedding.metadata.duration == 0


@spot_check("createEmbeddingsV2", "text")
def _(parsed: Any) -> None:
    (item,) = parsed.data
    assert item.embedding == [0.111, 0.234, -0.567, 0.89]
    assert (item.embedding_option, item.embedding_scope, item.start_sec, item.end_sec) == (None, None, None, None)


@spot_check("createEmbeddingsV2", "video")
def _(parsed: Any) -> None:
    assert [d.embedding_option for d in parsed.data] == [
        EmbeddingOption.VISUAL,
        EmbeddingOption.AUDIO,
        EmbeddingOption.TRANSCRIPTION,
    ]
    assert all(d.embedding_scope is ResultEmbeddingScope.CLIP and d.end_sec == 4.2 for d in parsed.data)
    assert isinstance(parsed.metadata, VideoMediaMetadata)
    assert parsed.metadata.duration == 4.2
    assert parsed.metadata.embedding_options == ["visual", "audio", "transcription"]


@spot_check("createEmbeddingTaskV2", "processing")
def _(parsed: Any) -> None:
    assert parsed.id == TASK_ID
    assert parsed.status is TaskStatus.PROCESSING
    assert parsed.data is None


@spot_check("listEmbeddingTasksV2", "page")
def _(parsed: Any) -> None:
    (task,) = parsed.data
    assert task.status is TaskStatus.PROCESSING
    metadata = task.audio_embedding.metadata
    assert metadata.audio_embedding_options == ["audio", "transcription"]
    assert metadata.audio_embedding_scopes == ["clip", "asset"]
    assert metadata.duration == 3600


@spot_check("getEmbeddingTaskV2", "processing")
def _(parsed: Any) -> None:
    assert parsed.status is TaskStatus.PROCESSING
    assert parsed.data is None


@spot_check("getEmbeddingTaskV2", "ready")
def _(parsed: Any) -> None:
    assert parsed.status is TaskStatus.READY
    assert [(d.start_sec, d.end_sec) for d in parsed.data] == [(0, 6), (6, 12)]
    assert parsed.data[1].embedding == [0.011, 0.003, -0.028]
    assert isinstance(parsed.metadata, AudioMediaMetadata)
    assert parsed.metadata.duration == 12


@spot_check("getEmbeddingTaskV2", "failed")
def _(parsed: Any) -> None:
    assert parsed.status is TaskStatus.FAILED
    assert parsed.data is None
    assert parsed.error.message == "failed to fetch or materialize source media"


def test_every_spot_check_names_a_real_example() -> None:
    """Each spot check above refers to an example that exists in openapi.yaml (no stale checks)."""
    known = {(p.values[0], p.values[2]) for p in SUCCESS_EXAMPLES}
    assert set(SPOT_CHECKS) <= known, set(SPOT_CHECKS) - known
    assert len(SUCCESS_EXAMPLES) >= len(OPERATIONS)


@pytest.mark.parametrize(("operation_id", "status", "example"), SUCCESS_EXAMPLES)
def test_named_example_parses_into_declared_model(
    prism_static: ServerProcess, connect: Any, operation_id: str, status: str, example: str
) -> None:
    """Each named success example, served by Prism, parses into the declared model with the example's values."""
    client = connect(prism_static, prefer=f"example={example}")
    response = CALLS[operation_id](client)
    parsed = assert_parsed_as(response, status, declared_model(operation_id, status))
    assert normalized(parsed.to_dict()) == normalized(example_value(operation_id, status, example))
    if (operation_id, example) in SPOT_CHECKS:
        SPOT_CHECKS[(operation_id, example)](parsed)


def test_static_default_response_is_the_first_example(prism_static: ServerProcess, connect: Any) -> None:
    """Without a Prefer header Prism serves the first named example, which the client parses."""
    response = CALLS["getEmbeddingTaskV2"](connect(prism_static))
    parsed = assert_parsed_as(response, "200", EmbeddingTask)
    assert normalized(parsed.to_dict()) == normalized(example_value("getEmbeddingTaskV2", "200"))


@pytest.mark.parametrize("status", ["200", "204"])
def test_every_delete_success_status_parses(prism_static: ServerProcess, connect: Any, status: str) -> None:
    """Both declared successes of deleteAsset (204 in older sources, 200 in the newest) carry no body and parse
    to None, the delete's `force` travelling as a query flag."""
    assert success_statuses("deleteAsset") == ["200", "204"]
    response = CALLS["deleteAsset"](connect(prism_static, prefer=f"code={status}"))
    assert assert_parsed_as(response, status, type(None)) is None


# ------------------------------------------------------------------------- (b) --dynamic responses


@pytest.mark.parametrize("operation_id", sorted(OPERATIONS))
def test_dynamic_responses_parse_into_declared_model(
    prism_dynamic: ServerProcess, connect: Any, operation_id: str
) -> None:
    """100 random --dynamic responses of the operation all parse, losslessly, into the declared model."""
    status = success_status(operation_id)
    model = declared_model(operation_id, status)
    client = connect(prism_dynamic)
    for _ in range(DYNAMIC_CALLS):
        assert_parsed_as(CALLS[operation_id](client), status, model)


def count_objects_with_unknown_keys(obj: Any) -> int:
    """How many parsed objects in the tree hold unknown keys (maps such as input_tokens not counted)."""
    count = 0
    if attrs.has(type(obj)):
        names = [field.name for field in attrs.fields(type(obj))]
        if names != ["additional_properties"] and getattr(obj, "additional_properties", None):
            count += 1
        count += sum(count_objects_with_unknown_keys(getattr(obj, n)) for n in names if n != "additional_properties")
    elif isinstance(obj, list):
        count += sum(count_objects_with_unknown_keys(item) for item in obj)
    return count


@pytest.mark.parametrize("operation_id", ["getEmbeddingTaskV2", "listVideoEmbeddingTasks"])
def test_dynamic_unknown_keys_reach_additional_properties(
    prism_dynamic: ServerProcess, connect: Any, operation_id: str
) -> None:
    """With fillProperties on, Prism adds unknown keys, and they land in `additional_properties` intact."""
    status = success_status(operation_id)
    client = connect(prism_dynamic)
    with_unknown_keys = 0
    for _ in range(DYNAMIC_CALLS):
        parsed = assert_parsed_as(CALLS[operation_id](client), status, declared_model(operation_id, status))
        with_unknown_keys += count_objects_with_unknown_keys(parsed) > 0
    # Measured: about 60-80 % of these bodies carry unknown keys somewhere.
    assert with_unknown_keys > 0


# -------------------------------------------------------------------------- (c) declared errors


@pytest.mark.parametrize(("operation_id", "status"), ERROR_CASES)
def test_declared_error_parses_into_declared_error_model(
    prism_static: ServerProcess, connect: Any, operation_id: str, status: str
) -> None:
    """Each declared error status (`Prefer: code=NNN`) parses into FlatError or NestedError as the spec says."""
    model = declared_model(operation_id, status)
    assert model in (FlatError, NestedError)
    client = connect(prism_static, prefer=f"code={status}")
    response = CALLS[operation_id](client)
    parsed = assert_parsed_as(response, status, model)
    expected = example_value(operation_id, status)
    if isinstance(parsed, NestedError):
        assert (parsed.error.code, parsed.error.message) == (expected["error"]["code"], expected["error"]["message"])
    else:
        assert (parsed.code, parsed.message) == (expected["code"], expected["message"])
    if status == "429":
        assert int(response.headers["Retry-After"]) >= 0
        assert "X-Ratelimit-Dimensions" in response.headers


# ------------------------------------------------------------------------------ (d) no API key


@pytest.mark.parametrize("operation_id", sorted(OPERATIONS))
def test_missing_api_key_gives_flat_401(prism_static: ServerProcess, connect: Any, operation_id: str) -> None:
    """A request without `x-api-key` gets 401, parsed as FlatError with code `api_key_invalid`."""
    client = connect(prism_static, api_key=False)
    response = CALLS[operation_id](client)
    parsed = assert_parsed_as(response, "401", FlatError)
    assert parsed.code == "api_key_invalid"
    assert "API key" in parsed.message


def test_prism_is_still_alive(prism_static: ServerProcess, prism_dynamic: ServerProcess) -> None:
    """Both Prism servers survived the whole contract run (no multipart crash)."""
    assert prism_static.is_running(), prism_static.log_tail()
    assert prism_dynamic.is_running(), prism_dynamic.log_tail()
