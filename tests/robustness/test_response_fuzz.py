"""Random valid response bodies, for every response schema of openapi.yaml, parsed by the generated models and
by the wrapper.

Every response of the operations (success and error, read from openapi.yaml) is covered: its schema
is wrapped as the JSON request body of a dummy operation in a throw-away OpenAPI document, and schemathesis'
own positive strategy draws bodies from it (tests/robustness/_bodies.py, toolchain.md §7; hypothesis-jsonschema
is broken with the hypothesis pinned here). The bodies are drawn once per module on two worker processes.
Each body is first checked against the schema with jsonschema (so "valid" is proven, not assumed), then:

- parsed by the generated model's `from_dict`, and the result is really typed: no nested object left as a
  raw dict, no date-time left as a string (the generated union parsers swallow errors silently);
- parsed by the wrapper for *every* (operation, status) declaring the schema, in its one choke point
  (`_responses.parse` with the operation's generated module): a 2xx returns the declared model, a non-2xx
  raises the typed error of its status with the body's code and message (and the generated client parses
  the error body into its model); every success body, and one declared error per body in rotation, also
  go end to end: served by an `httpx.MockTransport` to a real `EmbedClient`;
- for task bodies, also read by the fast array parser (`retrieve_arrays`), which returns arrays or raises
  `ResponseParseError` (ragged vectors), nothing else.

`RESPONSE_EXAMPLES` bodies per schema in `make test` (`ASSET_RESPONSE_EXAMPLES` for the schemas only the
asset and multipart-upload operations declare); `FUZZ_EXAMPLES=<n>` (every schema) for a long run; `FUZZ_SEED=<n>`
repeats a run (the seed of every run is in failure messages and reports/response-fuzz.json). A hand-written
table of forward-compatibility bodies (unknown enum values, extra fields everywhere, nulls where allowed)
goes through the same checks.
"""

from __future__ import annotations

import datetime
import importlib
import json
import os
import random
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import attrs
import httpx
import jsonschema
import pytest
import referencing
import referencing.jsonschema
import yaml

from twelvelabs_embed import EmbedClient, ResponseParseError, RetryPolicy
from twelvelabs_embed._errors import APIStatusError, status_error_class
from twelvelabs_embed._responses import parse
from twelvelabs_embed_generated import Client, models
from twelvelabs_embed_generated.types import ApiRequest, Unset

from ._bodies import draw_many
from ._support import API_KEY, SPEC_PATH, SecretGuard, fuzz_examples, write_report

# A warning is a finding too (e.g. numpy's overflow warning when a number does not fit float32).
pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

RESPONSE_EXAMPLES = fuzz_examples(150)  # per schema in `make test`; `make fuzz` draws FUZZ_EXAMPLES (500)
# The asset/upload bodies carry no vectors and are drawn slowly (nested nullable objects, ~50 fields of
# technical metadata): fewer of them keep `make test` within its budget; `make fuzz` draws FUZZ_EXAMPLES.
ASSET_RESPONSE_EXAMPLES = fuzz_examples(30)
FUZZ_SEED = int(os.environ.get("FUZZ_SEED") or random.randrange(2**32))
SPEC: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text())
SCHEMAS: dict[str, Any] = SPEC["components"]["schemas"]
TASK_ID = "64f8d2c7e4a1b37f8a9c5d12"
URL = "https://media.example.com/clip.mp4"


@dataclass(frozen=True)
class Declared:
    """One declared response: an operation, a status and the component schema of its JSON body."""

    operation: str
    method: str
    path: str
    tag: str
    status: int
    schema: str


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def declared_responses() -> list[Declared]:
    """Every (operation, status, schema) of openapi.yaml, with `$ref` responses resolved."""
    found = []
    for path, item in SPEC["paths"].items():
        for method, operation in item.items():
            for status, response in operation["responses"].items():
                if "$ref" in response:
                    response = SPEC["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
                if "content" not in response:
                    continue  # a success without a body (deleteAsset): nothing to parse
                schema = response["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
                found.append(
                    Declared(operation["operationId"], method.upper(), path, operation["tags"][0], int(status), schema)
                )
    return found


DECLARED = declared_responses()


def _as_call(model: Any) -> ApiRequest[Any]:
    """A request whose declared success model is `model` (what a generated `build_request` gives)."""
    return ApiRequest(operation="fuzzed", success=model.__name__, kwargs={}, parse_success=model.from_dict)


BY_SCHEMA: dict[str, list[Declared]] = defaultdict(list)
for _declared in DECLARED:
    BY_SCHEMA[_declared.schema].append(_declared)
SCHEMA_NAMES = sorted(BY_SCHEMA)

# How each operation is called through the wrapper (the served body answers it, whatever the arguments).
CALLS: dict[str, Callable[[EmbedClient], Any]] = {
    "createLegacyEmbedding": lambda c: c.legacy.embeddings.create(text="a cat"),
    "createVideoEmbeddingTask": lambda c: c.legacy.tasks.create(video_url=URL),
    "listVideoEmbeddingTasks": lambda c: c.legacy.tasks.list(),
    "getVideoEmbeddingTaskStatus": lambda c: c.legacy.tasks.status(TASK_ID),
    "retrieveVideoEmbeddings": lambda c: c.legacy.tasks.retrieve(TASK_ID),
    "createEmbeddingsV2": lambda c: c.v2.embeddings.create(input_type="text", text="a cat"),
    "createEmbeddingTaskV2": lambda c: c.v2.tasks.create(input_type="video", url=URL),
    "listEmbeddingTasksV2": lambda c: c.v2.tasks.list(),
    "getEmbeddingTaskV2": lambda c: c.v2.tasks.retrieve(TASK_ID),
    "createAsset": lambda c: c.assets.create_from_url(URL),
    "listAssets": lambda c: c.assets.list(),
    "retrieveAsset": lambda c: c.assets.retrieve(TASK_ID),
    "deleteAsset": lambda c: c.assets.delete(TASK_ID),
}
# Operations no public method maps one to one (the multipart-upload steps inside `assets.upload`, and the
# incomplete-upload listing): their bodies go through the generated models and the wrapper's parse choke
# point, not end to end (tests/robustness/test_upload_faults.py drives them through `upload` on the fake).
GENERATED_ONLY = {
    "createMultipartUpload",
    "listIncompleteUploads",
    "getUploadStatus",
    "reportChunkBatch",
    "requestAdditionalPresignedUrls",
}
ARRAY_CALLS: dict[str, Callable[[EmbedClient], Any]] = {
    "retrieveVideoEmbeddings": lambda c: c.legacy.tasks.retrieve_arrays(TASK_ID),
    "getEmbeddingTaskV2": lambda c: c.v2.tasks.retrieve_arrays(TASK_ID),
}

# ---------------------------------------------------------------- the validator
_REGISTRY = referencing.Registry().with_resource(
    "urn:spec", referencing.jsonschema.DRAFT202012.create_resource({"components": {"schemas": SCHEMAS}})
)


def validator(name: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(
        {"$ref": f"urn:spec#/components/schemas/{name}"},
        registry=_REGISTRY,
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    )


# ---------------------------------------------------------------- checks
def untyped_parts(obj: Any, where: str = "$") -> Iterator[str]:
    """Places where a parsed model still holds raw JSON: a dict (outside `additional_properties`) or a
    date-time attribute that is not a datetime."""
    if attrs.has(type(obj)):
        for attribute in attrs.fields(type(obj)):
            value = getattr(obj, attribute.name)
            if attribute.name == "additional_properties" or isinstance(value, Unset):
                continue
            if attribute.name.endswith("_at") and value is not None and not isinstance(value, datetime.datetime):
                yield f"{where}.{attribute.name} = {value!r} (not a datetime)"
            yield from untyped_parts(value, f"{where}.{attribute.name}")
    elif isinstance(obj, dict):
        yield f"{where} is a raw dict {json.dumps(obj)[:120]}"
    elif isinstance(obj, list):
        for index, item in enumerate(obj):
            yield from untyped_parts(item, f"{where}[{index}]")


class Served:
    """An `EmbedClient` whose MockTransport answers with whatever body and status are set on it."""

    def __init__(self) -> None:
        self.status = 200
        self.body: Any = None
        self.client = EmbedClient(
            API_KEY,
            base_url="https://api.test/v1.3",
            transport=httpx.MockTransport(lambda request: httpx.Response(self.status, json=self.body)),
            retry=RetryPolicy(max_retries=0),
        )


FIGURES: dict[str, Any] = {"schemas": {}, "forward_compat_bodies": 0}


MODULES = {
    d.operation: importlib.import_module(
        f"twelvelabs_embed_generated.api.{d.tag.replace('-', '_')}.{_snake(d.operation)}"
    )
    for d in DECLARED
}
GENERATED_CLIENT = Client(base_url="https://api.test/v1.3")


def _rotating_errors(name: str) -> list[Declared]:
    return [d for d in BY_SCHEMA[name] if d.operation in GENERATED_ONLY and d.status >= 300]


def checks_per_body(name: str) -> int:
    """(operation, status) parses per body: every declaration, but one turn for the rotating ones."""
    rotating = _rotating_errors(name)
    return len(BY_SCHEMA[name]) - len(rotating) + (1 if rotating else 0)


def check_body(name: str, body: Any, served: Served, guard: SecretGuard, tally: Counter[str]) -> None:
    """Every check of the module docstring, for one body of schema `name`.

    Each (operation, status) declaring the schema parses the body in the wrapper's one choke point
    (`_responses.parse` with the operation's generated module); one of them, in turn, also goes end to end
    through `EmbedClient` and its transport, and every success body does. The error statuses of the
    generated-only operations (dozens of flat-error declarations) take turns: one of them per body.
    """
    model = getattr(models, name)
    parsed = model.from_dict(body)
    problems = list(untyped_parts(parsed))
    assert not problems, f"{name}.from_dict left raw JSON: {problems[:3]}\nbody: {json.dumps(body)[:500]}"
    parsed.to_dict()
    tally["generated"] += 1
    served.body = body
    end_to_end = BY_SCHEMA[name][tally["generated"] % len(BY_SCHEMA[name])]
    rotating = _rotating_errors(name)
    turn = rotating[tally["generated"] % len(rotating)] if rotating else None
    for declared in BY_SCHEMA[name]:
        if declared in rotating and declared is not turn:
            continue
        served.status = declared.status
        request = httpx.Request(declared.method, "https://api.test/v1.3" + declared.path)
        response = httpx.Response(declared.status, json=body, request=request)
        through_client = (declared is end_to_end or declared.status < 300) and declared.operation in CALLS
        if 200 <= declared.status < 300:
            result = parse(response, _as_call(model))
            assert isinstance(result, model) and not list(untyped_parts(result))
            if through_client:
                result = CALLS[declared.operation](served.client)
                assert isinstance(result, model), f"{declared.operation} returned {type(result).__name__}"
                tally["end_to_end"] += 1
            if declared.operation in ARRAY_CALLS:
                try:
                    ARRAY_CALLS[declared.operation](served.client)
                    tally["arrays"] += 1
                except ResponseParseError as error:  # ragged vectors: a typed error, nothing else
                    tally["arrays_refused"] += 1
                    guard.inspect(error)
        else:
            error_class = status_error_class(declared.status)
            with pytest.raises(error_class) as caught:
                parse(response, _as_call(model))
            errors = [caught.value]
            generated = MODULES[declared.operation]._parse_response(client=GENERATED_CLIENT, response=response)
            assert isinstance(generated, model)  # the generated client parses the error body too
            if through_client:
                with pytest.raises(error_class) as caught:
                    CALLS[declared.operation](served.client)
                errors.append(caught.value)
                tally["end_to_end"] += 1
            inner = body.get("error") if name == "NestedError" else body
            for error in errors:
                assert isinstance(error, APIStatusError) and error.status_code == declared.status
                if isinstance(inner, dict) and isinstance(inner.get("code"), str):
                    assert error.code == inner["code"]
                if isinstance(inner, dict) and isinstance(inner.get("message"), str):
                    assert error.message == inner["message"]
            guard.inspect(errors[-1])
        tally["wrapper"] += 1


ASSET_OPERATIONS = GENERATED_ONLY | {"createAsset", "listAssets", "retrieveAsset", "deleteAsset"}


def examples_for(name: str) -> int:
    """How many bodies of schema `name` are drawn: fewer for schemas only asset/upload operations declare."""
    if all(declared.operation in ASSET_OPERATIONS for declared in BY_SCHEMA[name]):
        return ASSET_RESPONSE_EXAMPLES
    return RESPONSE_EXAMPLES


@pytest.fixture(scope="module")
def drawn() -> dict[str, list[Any]]:
    """`examples_for(name)` bodies per schema, drawn once for the module on two worker processes."""
    # Slowest schemas first, so both workers stay busy until the end.
    order = sorted(SCHEMA_NAMES, key=lambda name: -len(json.dumps(SCHEMAS[name])))
    return draw_many(order, {name: examples_for(name) for name in order}, FUZZ_SEED)


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_random_valid_bodies_parse(name: str, drawn: dict[str, list[Any]], secret_guard: SecretGuard) -> None:
    """Every random valid body of this schema parses into typed models and through the wrapper for every
    operation and status that declares it."""
    check = validator(name)
    served = Served()
    tally: Counter[str] = Counter()
    distinct: set[str] = set()
    for index, body in enumerate(drawn[name]):
        where = f"{name} body #{index} (FUZZ_SEED={FUZZ_SEED} reproduces the run): {json.dumps(body)[:800]}"
        errors = sorted(check.iter_errors(body), key=str)
        assert not errors, f"schemathesis drew an invalid body: {errors[0].message}\n{where}"
        distinct.add(json.dumps(body, sort_keys=True))
        try:
            check_body(name, body, served, secret_guard, tally)
        except AssertionError as failure:
            raise AssertionError(f"{failure}\n{where}") from None
    assert tally["generated"] >= examples_for(name)
    assert tally["wrapper"] == tally["generated"] * checks_per_body(name)
    FIGURES["schemas"][name] = {
        "bodies": tally["generated"],
        "distinct": len(distinct),
        "responses": [f"{d.operation} {d.status}" for d in BY_SCHEMA[name]],
        "wrapper_parses": tally["wrapper"],
        "end_to_end_client_calls": tally["end_to_end"],
        "arrays_parsed": tally["arrays"],
        "arrays_refused_typed": tally["arrays_refused"],
    }
    secret_guard.inspect(served.client)


def test_every_declared_response_is_fuzzed() -> None:
    """The fuzzed schemas cover every response with a body of all eighteen operations (none is skipped)."""
    operations = {d.operation for d in DECLARED}
    assert operations == set(CALLS) | GENERATED_ONLY, operations ^ (set(CALLS) | GENERATED_ONLY)
    assert not set(CALLS) & GENERATED_ONLY
    assert {d.schema for d in DECLARED} == set(SCHEMA_NAMES)
    assert all(d.status < 300 for d in DECLARED if d.schema not in ("FlatError", "NestedError"))
    assert len([d for d in DECLARED if d.status < 300]) == 17  # deleteAsset's 200/204 have no body


# ---------------------------------------------------------------- forward compatibility
NEW = {"added_later": {"nested": [1, "two", None]}, "another_new_key": True}
V2_ITEM = {
    "embedding": [0.1, -0.2, 0.3],
    "embedding_option": "smell",  # an option this spec does not know
    "embedding_scope": "scene",
    "start_sec": None,
    "end_sec": None,
    "start_page_number": None,
    "end_page_number": None,
    "quadrant": "center",
    "chunk_index": None,
    "embedding_uncertainty": [0.0, 0.1, 0.2],
    **NEW,
}
V2_NULLS = {
    "embedding": [0.5, 0.5, 0.5],
    "embedding_option": None,
    "embedding_scope": None,
    "start_sec": None,
    "end_sec": None,
    "quadrant": None,
}
USAGE = {"input_tokens": {"video": 10, "hologram": 3}, "truncated": True, "truncation_reason": "a_new_reason", **NEW}
LEGACY_META = {"input_url": URL, "video_clip_length": 6, "video_embedding_scope": ["clip", "scene"], **NEW}
ASSET_NULLS = {
    "method": None,
    "status": None,
    "filename": None,
    "file_type": None,
    "created_at": None,
    "user_metadata": None,
    "source": None,
    "size": None,
    "duration": None,
    "hls": None,
    "thumbnail": None,
    "technical_metadata": None,
    "error": None,
}
ASSET_NEWER = {
    "_id": TASK_ID,
    "method": "drive_sync",  # values this spec does not know
    "status": "archived",
    "created_at": "2026-07-01T08:00:00.5+02:00",
    "user_metadata": {"n": 1, "nested": {"a": [1]}},
    "source": {"type": "webhook", "details": {"provider": "dropbox", "source_id": None, **NEW}, **NEW},
    "hls": {"status": "queued", **NEW},
    "thumbnail": {"representative_url": None, "status": "error"},
    "technical_metadata": {"video_codec": "av2", "video_streams": [{"codec": "av2", **NEW}], "hdr_format": "x", **NEW},
    "error": {"message": "m", **NEW},
    **NEW,
}
CHUNK_NEWER = {"index": 1, "status": "verifying", "uploaded_at": None, "updated_at": None, "error": None, **NEW}
URL_NULLS = {"chunk_index": None, "url": None, "expires_at": None}
ASSET_FORWARD: dict[str, list[dict[str, Any]]] = {
    "Asset": [ASSET_NEWER, {"_id": TASK_ID, **ASSET_NULLS}],
    "AssetList": [{"data": [ASSET_NEWER, {"_id": TASK_ID}], "page_info": {"page": 1, **NEW}, **NEW}, {}],
    "CreateAssetUploadResponse": [
        {
            "upload_id": "u",
            "asset_id": "a",
            "chunk_size": 5,
            "total_chunks": 1,
            "upload_urls": [URL_NULLS, {"chunk_index": 1, "url": URL, "expires_at": "2026-07-01T09:00:00Z", **NEW}],
            "upload_headers": {"Content-Type": "application/octet-stream", "x-amz-acl": "private"},
            "expires_at": None,
            **NEW,
        },
        {"upload_id": "u", "asset_id": "a", "chunk_size": 5, "total_chunks": 1, "upload_urls": None,
         "upload_headers": None},
    ],
    "ListIncompleteUploadsResponse": [
        {
            "data": [
                {"upload_id": "u", "status": "paused", "total_size": 1, "chunk_size": 1, "total_chunks": 1, **NEW},
                {"upload_id": "v", "status": "expired", "total_size": 1, "chunk_size": 1, "total_chunks": 1,
                 "created_at": None, "expires_at": None},
            ],
            "page_info": {},
            **NEW,
        }
    ],
    "GetUploadStatusResponse": [
        {"status": "paused", "uploaded_chunks": [CHUNK_NEWER], "page_info": None, "total_size": None, **NEW},
        {"upload_id": None, "status": None, "uploaded_chunks": None, "created_at": None, "updated_at": None},
    ],
    "ReportChunkBatchResponse": [
        {"url": None, "asset_id": None, "processed_chunks": None, "duplicate_chunks": None, "total_completed": None},
        {"url": URL, "total_completed": 3, **NEW},
    ],
    "RequestAdditionalPresignedUrlsResponse": [
        {"upload_urls": [URL_NULLS], "generated_at": None, "expires_at": None, "start_index": None, **NEW},
    ],
}  # fmt: skip
FORWARD: dict[str, list[dict[str, Any]]] = {
    "EmbeddingTask": [
        {"_id": TASK_ID, "status": "queued", "data": None, **NEW},
        {
            "_id": TASK_ID,
            "status": "ready",
            "created_at": "2026-07-01T08:00:00.123456789Z",
            "updated_at": "2026-07-01T08:00:00+02:00",
            "metadata": {"input_type": "hologram", "depth": 3, **NEW},
            "data": [V2_ITEM, V2_NULLS],
            "usage": USAGE,
            "error": {"message": "none", **NEW},
        },
        {
            "_id": TASK_ID,
            "status": "ready",
            "metadata": {
                "input_type": "video",
                "embedding_options": ["visual", "smell"],
                "embedding_scopes": [],
                "duration": 1.5,
                "clip_length": 6,
                **NEW,
            },
            "data": [],
        },
    ],
    "EmbeddingTaskCreated": [
        {"_id": TASK_ID, "status": "accepted", "data": None, "metadata": {"embedding_dimension": 512, **NEW}, **NEW},
        {"_id": TASK_ID, "status": "processing"},
    ],
    "EmbeddingSuccessResponse": [
        {"data": [V2_ITEM, V2_NULLS], "metadata": {"input_type": "smellovision", **NEW}, "usage": USAGE, **NEW},
        {"data": [], "metadata": {"input_type": "text_image", **NEW}},
    ],
    "EmbeddingTaskList": [
        {
            "data": [
                {"_id": TASK_ID, "status": "archived", "hologram_embedding": {"metadata": {}}, **NEW},
                {"_id": TASK_ID, "status": "ready", "video_embedding": {"metadata": LEGACY_META, **NEW}},
            ],
            "page_info": {"page": 1, "total_page": 1, "next_page_token": "abc", **NEW},
            **NEW,
        },
        {"data": []},
    ],
    "VideoEmbeddingTask": [
        {
            "_id": TASK_ID,
            "status": "reprocessing",
            "created_at": "2026-07-01T08:00:00Z",
            "video_embedding": {
                "metadata": LEGACY_META,
                "segments": [
                    {
                        "start_offset_sec": 0,
                        "end_offset_sec": 6,
                        "embedding_option": "visual-text-2",
                        "embedding_scope": "scene",
                        "float": [0.1, 0.2],
                        **NEW,
                    },
                ],
                **NEW,
            },
            **NEW,
        }
    ],
    "VideoEmbeddingTaskStatus": [
        {"_id": TASK_ID, "status": "paused", "video_embedding": {"metadata": LEGACY_META, **NEW}, **NEW}
    ],
    "VideoEmbeddingTaskCreated": [{"_id": TASK_ID, **NEW}],
    "LegacyEmbeddingResponse": [
        {
            "model_name": "marengo4.0",
            "video_embedding": {"segments": []},
            "audio_embedding": {
                "segments": [{"embedding_option": "music", "float": [0.1], **NEW}],
                "metadata": {"input_url": URL, **NEW},
            },
            "text_embedding": {"segments": [{"float": [0.2], **NEW}], "error_message": "", **NEW},
            **NEW,
        }
    ],
    "FlatError": [{}, {"code": "brand_new_code", "message": "m", "docs_url": "https://x", "trace": {"a": 1}}],
    **ASSET_FORWARD,
    "NestedError": [
        {"error": {"code": "brand_new_code", "message": "m", "details": {"deep": {"er": [1]}}, **NEW}, **NEW}
    ],
}


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_forward_compatible_bodies_parse(name: str, secret_guard: SecretGuard) -> None:
    """Bodies from a newer server (unknown enum values, extra keys at every level, nulls) parse everywhere."""
    check = validator(name)
    served = Served()
    tally: Counter[str] = Counter()
    for body in FORWARD[name]:
        assert not list(check.iter_errors(body)), f"the forward-compatible {name} body must be valid"
        check_body(name, body, served, secret_guard, tally)
    FIGURES["forward_compat_bodies"] += len(FORWARD[name])


def test_unknown_values_survive_parsing() -> None:
    """An unknown status, option or scope comes back as the server's string, and extra keys are kept."""
    task = models.EmbeddingTask.from_dict(FORWARD["EmbeddingTask"][1])
    assert task.status == "ready" and not isinstance(task.data, Unset) and task.data is not None
    assert task.data[0].embedding_option == "smell" and task.data[0].embedding_scope == "scene"
    assert task.data[0].quadrant == "center" and task.data[0]["added_later"] == NEW["added_later"]
    assert isinstance(task.metadata, models.OtherMediaMetadata) and task.metadata.input_type == "hologram"
    queued = models.EmbeddingTask.from_dict(FORWARD["EmbeddingTask"][0])
    assert queued.status == "queued" and queued["another_new_key"] is True
    legacy = models.VideoEmbeddingTask.from_dict(FORWARD["VideoEmbeddingTask"][0])
    assert legacy.status == "reprocessing"
    assert not isinstance(legacy.video_embedding, Unset) and not isinstance(legacy.video_embedding.segments, Unset)
    assert legacy.video_embedding.segments[0].embedding_option == "visual-text-2"


def test_unknown_asset_and_upload_values_survive_parsing() -> None:
    """Unknown asset, rendition, session and chunk statuses come back as the server's strings; nulls as None."""
    asset = models.Asset.from_dict(ASSET_NEWER)
    assert (asset.status, asset.method) == ("archived", "drive_sync")
    assert asset.hls.status == "queued" and asset.thumbnail.status is models.AssetDerivativeStatus.ERROR  # type: ignore[union-attr]
    assert asset.technical_metadata["hdr_format"] == "x"  # type: ignore[index]
    empty = models.Asset.from_dict({"_id": TASK_ID, **ASSET_NULLS})
    assert empty.status is None and empty.created_at is None and empty.technical_metadata is None
    state = models.GetUploadStatusResponse.from_dict(ASSET_FORWARD["GetUploadStatusResponse"][0])
    assert state.status == "paused" and state.uploaded_chunks[0].status == "verifying"  # type: ignore[index]


def test_vector_beyond_float32_is_refused_typed() -> None:
    """A valid number too large for float32 gives ResponseParseError from retrieve_arrays, not a silent inf."""
    served = Served()
    served.body = {"_id": TASK_ID, "status": "ready", "data": [{"embedding": [1e39, 0.5]}]}
    with pytest.raises(ResponseParseError, match="float32"):
        served.client.v2.tasks.retrieve_arrays(TASK_ID)
    assert served.client.v2.tasks.retrieve(TASK_ID).data[0].embedding == [1e39, 0.5]  # type: ignore[index,union-attr]


@pytest.fixture(scope="module", autouse=True)
def _report() -> Iterator[None]:
    yield
    if FIGURES["schemas"]:
        FIGURES["examples_per_schema"] = RESPONSE_EXAMPLES
        FIGURES["examples_per_asset_schema"] = ASSET_RESPONSE_EXAMPLES
        FIGURES["seed"] = FUZZ_SEED
        FIGURES["declared_responses"] = len(DECLARED)
        FIGURES["bodies_total"] = sum(s["bodies"] for s in FIGURES["schemas"].values())
        FIGURES["wrapper_parses_total"] = sum(s["wrapper_parses"] for s in FIGURES["schemas"].values())
        write_report("response-fuzz.json", FIGURES)
