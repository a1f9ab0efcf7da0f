"""`retrieve_arrays`: the float32 matrix and segment table agree with the typed `retrieve` of the same body,
and the parser behind it gives exactly what a full parse gives (or an error) on the edges that matter.

The exactness tests run twice: with simdjson (the fast path) and as if it were not installed (the pure
path); `full_parses` shows whether the fast path proved its result itself. The generated-body property
test is in `test_arrays_property.py`.
"""

from __future__ import annotations

import json
import math
import re
import time
from typing import Any

import httpx
import numpy as np
import pytest

from twelvelabs_embed import EmbeddingArrays, _arrays
from twelvelabs_embed._arrays import ArrayParseError, parse_legacy_arrays, parse_v2_arrays
from twelvelabs_embed.models import EmbeddingTask, Unset, VideoEmbeddingTask

from ._support import TASK_ID, Server, call

MODES = ["sync", "async"]
DIM = 8


def vectors(count: int, seed: int) -> list[list[float]]:
    rng = np.random.default_rng(seed)
    rows = rng.normal(size=(count, DIM)).tolist()
    rows[0][:3] = [1e-8, -0.3333333333333333, 123456.789]  # values float32 must round, not mangle
    return rows


def legacy_body() -> dict[str, Any]:
    rows = vectors(5, seed=1)
    segments = [
        ("visual-text", "clip", 0, 6),
        ("audio", "clip", 6, 12),
        ("hologram", "video", 0, 14.5),  # an option the spec does not know yet
        ("visual-text", "scene", 12, 14.5),  # a scope the spec does not know yet
        ("transcription", "clip", 6, 12),
    ]
    return {
        "_id": TASK_ID,
        "model_name": "marengo3.0",
        "status": "ready",
        "created_at": "2026-07-01T08:00:00.000Z",
        "video_embedding": {
            "metadata": {"input_url": "https://m.example/v.mp4", "video_clip_length": 6, "duration": 14.5},
            "segments": [
                {
                    "embedding_option": option,
                    "float": row,  # not last: key order must not matter
                    "embedding_scope": scope,
                    "start_offset_sec": start,
                    "end_offset_sec": end,
                }
                for (option, scope, start, end), row in zip(segments, rows, strict=True)
            ],
        },
    }


def v2_body() -> dict[str, Any]:
    rows = vectors(6, seed=2)
    items: list[dict[str, Any]] = [
        {"embedding_option": "visual", "embedding_scope": "clip", "start_sec": 0.0, "end_sec": 6.0},
        {"embedding_option": "audio", "embedding_scope": "clip", "start_sec": 6.0, "end_sec": 12.0},
        {"embedding_option": "olfactory", "embedding_scope": "moment", "start_sec": 12.0, "end_sec": 13.25},
        {"embedding_option": "visual", "embedding_scope": "asset", "start_sec": None, "end_sec": None},
        {"embedding_option": None, "embedding_scope": None},
        {"embedding_option": "transcription", "embedding_scope": "clip", "start_sec": 1, "end_sec": 2, "quadrant": "q"},
    ]
    for item, row in zip(items, rows, strict=True):
        item["embedding"] = row
    return {
        "_id": TASK_ID,
        "status": "ready",
        "metadata": {
            "input_type": "video",
            "embedding_options": ["visual", "audio", "transcription"],
            "embedding_scopes": ["clip", "asset"],
            "duration": 13.25,
        },
        "data": items,
        "usage": {"input_tokens": {"video": 12}, "truncated": False},
    }


def encode(body: dict[str, Any], style: str) -> bytes:
    if style == "pretty":
        return json.dumps(body, indent=2).encode()
    if style == "spaced":
        return json.dumps(body, separators=(" , ", " : ")).encode()
    return json.dumps(body, separators=(",", ":")).encode()


def label(value: Any) -> str:
    if value is None or isinstance(value, Unset):
        return ""
    return str(getattr(value, "value", value))


def number(value: Any) -> float:
    return math.nan if value is None or isinstance(value, Unset) else float(value)


def fetch_both(mode: str, kind: str, content: bytes, **kwargs: Any) -> tuple[Any, EmbeddingArrays, Server]:
    """The typed result and the arrays of the same response body."""
    server = Server(_raw(content), _raw(content))
    tasks = (lambda c: c.legacy.tasks) if kind == "legacy" else (lambda c: c.v2.tasks)
    typed = call(mode, server, lambda c: tasks(c).retrieve(TASK_ID, **kwargs))
    arrays = call(mode, server, lambda c: tasks(c).retrieve_arrays(TASK_ID, **kwargs))
    return typed, arrays, server


def _raw(content: bytes) -> httpx.Response:
    return httpx.Response(200, content=content, headers={"content-type": "application/json"})


def assert_same_table(arrays: EmbeddingArrays, rows: list[tuple[list[float], Any, Any, Any, Any]]) -> None:
    assert arrays.vectors.dtype == np.float32
    assert arrays.vectors.shape == (len(rows), DIM)
    assert arrays.dimension == DIM and len(arrays) == len(rows)
    expected = np.asarray([r[0] for r in rows], dtype=np.float32)
    assert np.array_equal(arrays.vectors, expected)
    np.testing.assert_array_equal(arrays.start_sec, np.array([number(r[1]) for r in rows]))
    np.testing.assert_array_equal(arrays.end_sec, np.array([number(r[2]) for r in rows]))
    assert arrays.option.tolist() == [label(r[3]) for r in rows]
    assert arrays.scope.tolist() == [label(r[4]) for r in rows]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("style", ["compact", "pretty", "spaced"])
def test_legacy_arrays_match_typed_retrieve(mode: str, style: str) -> None:
    """Legacy segments: same vectors (as float32), order, offsets, options and scopes, unknown values included."""
    typed, arrays, _ = fetch_both(mode, "legacy", encode(legacy_body(), style))
    assert isinstance(typed, VideoEmbeddingTask)
    segments = typed.video_embedding.segments
    rows = [(s.float_, s.start_offset_sec, s.end_offset_sec, s.embedding_option, s.embedding_scope) for s in segments]
    assert_same_table(arrays, rows)
    assert arrays.task_id == typed.id == TASK_ID
    assert "hologram" in arrays.option.tolist() and "scene" in arrays.scope.tolist()


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("style", ["compact", "pretty", "spaced"])
def test_v2_arrays_match_typed_retrieve(mode: str, style: str) -> None:
    """v2 data: same vectors, order, times (NaN for null), options and scopes ("" for null), unknown values included."""
    typed, arrays, _ = fetch_both(mode, "v2", encode(v2_body(), style))
    assert isinstance(typed, EmbeddingTask)
    rows = [(d.embedding, d.start_sec, d.end_sec, d.embedding_option, d.embedding_scope) for d in typed.data]
    assert_same_table(arrays, rows)
    assert arrays.task_id == TASK_ID
    assert arrays.option.tolist()[2:5] == ["olfactory", "visual", ""]
    assert math.isnan(arrays.start_sec[3]) and arrays.end_sec[2] == 13.25


@pytest.mark.parametrize("mode", MODES)
def test_legacy_arrays_pass_the_option_filter(mode: str) -> None:
    """`retrieve_arrays(embedding_option=[...])` sends the same repeated query parameters as `retrieve`."""
    _, _, server = fetch_both(
        mode, "legacy", encode(legacy_body(), "compact"), embedding_option=["visual-text", "audio"]
    )
    typed_request, arrays_request = server.requests
    assert arrays_request.url.path == f"/v1.3/embed/tasks/{TASK_ID}"
    assert arrays_request.url.params.get_list("embedding_option") == ["visual-text", "audio"]
    assert arrays_request.url == typed_request.url


@pytest.mark.parametrize("mode", MODES)
def test_v2_arrays_of_a_processing_task_are_empty(mode: str) -> None:
    """A task without embeddings yet (`data: null`) gives zero rows, not an error."""
    body = json.dumps({"_id": TASK_ID, "status": "processing", "data": None}).encode()
    typed, arrays, _ = fetch_both(mode, "v2", body)
    assert typed.data is None
    assert len(arrays) == 0 and arrays.start_sec.shape == (0,)


def test_large_result_shape() -> None:
    """Many vectors (1,000 x 512) come back as one contiguous float32 matrix, exactly."""
    count, dim = 1000, 512
    rng = np.random.default_rng(3)
    matrix = rng.normal(size=(count, dim)).astype(np.float32)
    body = {
        "_id": TASK_ID,
        "status": "ready",
        "data": [
            {"embedding": row, "embedding_option": "visual", "embedding_scope": "clip", "start_sec": i * 6.0}
            for i, row in enumerate(matrix.tolist())
        ],
    }
    server = Server(_raw(json.dumps(body).encode()))
    arrays = call("sync", server, lambda c: c.v2.tasks.retrieve_arrays(TASK_ID))
    assert arrays.vectors.shape == (count, dim) and arrays.vectors.flags["C_CONTIGUOUS"]
    assert np.array_equal(arrays.vectors, matrix)
    assert arrays.start_sec[-1] == (count - 1) * 6.0


def test_select_and_segments_follow_the_table() -> None:
    """`select` keeps the rows of one option/scope and `segments()` lists the table row by row."""
    server = Server(_raw(encode(v2_body(), "compact")))
    arrays = call("sync", server, lambda c: c.v2.tasks.retrieve_arrays(TASK_ID))
    visual = arrays.select(option="visual")
    assert len(visual) == 2 and np.array_equal(visual.vectors, arrays.vectors[[0, 3]])
    assert len(arrays.select(option="visual", scope="clip")) == 1
    table = list(arrays.segments())
    assert table[0] == {"start_sec": 0.0, "end_sec": 6.0, "option": "visual", "scope": "clip"}
    assert len(table) == len(arrays)


# ---------------------------------------------------------------- exactness: both paths, pinned edges
PARSE = {"v2": parse_v2_arrays, "legacy": parse_legacy_arrays}


@pytest.fixture(params=["fast", "pure"])
def path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Runs a test with simdjson (the fast path) and as if it were not installed (the pure path)."""
    if request.param == "pure":
        monkeypatch.setattr(_arrays, "_simdjson", None)
    return str(request.param)


@pytest.fixture
def full_parses(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """The bodies that went through the full (pure) parse, whether as the pure path or as the fallback."""
    calls: list[bytes] = []
    real = _arrays._parse_full

    def spy(body: bytes, kind: Any) -> EmbeddingArrays:
        calls.append(body)
        return real(body, kind)

    monkeypatch.setattr(_arrays, "_parse_full", spy)
    return calls


def v2(*items: str, before: str = "", after: str = "") -> bytes:
    """A v2 body whose `data` holds these item texts."""
    return ('{"_id": "t1", ' + before + ' "data": [' + ",".join(items) + "] " + after + "}").encode()


def legacy(*segments: str, before: str = "") -> bytes:
    return ('{"_id": "t1", "video_embedding": {' + before + ' "segments": [' + ",".join(segments) + "]}}").encode()


def rows(arrays: EmbeddingArrays) -> list[list[float]]:
    return arrays.vectors.tolist()  # type: ignore[no-any-return]


def test_escaped_keys_give_every_row(path: str, full_parses: list[bytes]) -> None:
    """Keys written with `\\u` escapes (vector key, list key, outer key) are read like plain ones; the fast
    path proves this itself, without the full parse."""
    body = v2('{"\\u0065mbedding": [1, 2]}', '{"embedding": [3, 4]}', '{"embedd\\u0069ng": [5, 6], "start_sec": 1}')
    body = body.replace(b'"data"', b'"d\\u0061ta"')
    arrays = parse_v2_arrays(body)
    assert rows(arrays) == [[1, 2], [3, 4], [5, 6]] and arrays.start_sec[2] == 1
    old = b'{"video_embedding": {"segm\\u0065nts": [{"\\u0066loat": [1.5]}, {"float": [2.5]}]}}'
    assert rows(parse_legacy_arrays(old.replace(b'"video_', b'"\\u0076ideo_'))) == [[1.5], [2.5]]
    assert full_parses == ([] if path == "fast" else [body, old.replace(b'"video_', b'"\\u0076ideo_')])


def test_a_number_equal_to_the_scan_placeholder_keeps_its_own_row(path: str) -> None:
    """A vector whose number compares equal to the scan's internal placeholder value, under an escaped key
    next to a vector in metadata, is read as itself: no row takes another row's numbers."""
    body = b'{"metadata":{"embedding":[0.5]},"data":[{"\\u0065mbedding":[9.8765432108e17]},{"embedding":[1]}]}'
    arrays = parse_v2_arrays(body)
    assert rows(arrays) == [[np.float32(9.8765432108e17).item()], [1.0]]
    assert arrays == _arrays._parse_full(body, _arrays._V2)


def test_vectors_outside_the_items_are_not_rows(path: str, full_parses: list[bytes]) -> None:
    """More vector arrays than items (in metadata under plain and escaped keys, nested in an item, under a
    key ending in an escaped quote, as text in a string) still give one row per item, in item order."""
    body = v2(
        '{"x\\"embedding": [9, 9], "embedding": [1, 2], "nested": {"embedding": [7, 7]}}',
        '{"note": "\\"embedding\\": [6, 6]", "embedding": [3, 4]}',
        before='"metadata": {"\\u0065mbedding": [8, 8], "embedding": [8, 8, 8]},',
        after=', "usage": {"embedding": []}',
    )
    arrays = parse_v2_arrays(body)
    assert rows(arrays) == [[1, 2], [3, 4]] and len(arrays) == 2 and arrays.dimension == 2
    old = legacy('{"float": [1]}', before='"metadata": {"float": [5, 5, 5], "\\u0066loat": [4]},')
    assert rows(parse_legacy_arrays(old)) == [[1]]
    assert len(full_parses) == (0 if path == "fast" else 2)


@pytest.mark.parametrize("vector", ["[true, 0.5]", '["0.5", 1]', "[null, 1]", "[[1], 2]", "[1, {}]", "[false]", "[[]]"])
@pytest.mark.parametrize("kind", ["v2", "legacy"])
def test_non_numbers_in_a_vector_are_refused(path: str, kind: str, vector: str) -> None:
    """A vector element that is not a JSON number (a boolean, a string, null, an array, an object) is an
    error naming the vector, never a converted value."""
    key = "embedding" if kind == "v2" else "float"
    item = f'{{"{key}": {vector}}}'
    body = v2('{"embedding": [1, 2]}', item) if kind == "v2" else legacy('{"float": [1, 2]}', item)
    where = "data[1].embedding" if kind == "v2" else "video_embedding.segments[1].float"
    with pytest.raises(ArrayParseError, match=re.escape(where)):
        PARSE[kind](body)


@pytest.mark.parametrize(
    "item",
    ['{"embedding": null}', "{}", '{"embedding": "x"}', '{"embedding": 1}', '{"embedding": [1, 2], "embedding": null}'],
)
def test_an_item_without_a_vector_is_refused_not_dropped(path: str, item: str) -> None:
    """An item whose vector is null, missing or not an array (the last of duplicate keys counts) is an
    error naming it: rows never shift against `data[]`."""
    with pytest.raises(ArrayParseError, match=re.escape("data[1].embedding")):
        parse_v2_arrays(v2('{"embedding": [1, 2]}', item, '{"embedding": [3, 4]}'))


def test_a_legacy_segment_without_float_is_refused(path: str) -> None:
    """A legacy segment without `float` is an error naming it (its row would have nothing in it)."""
    with pytest.raises(ArrayParseError, match=re.escape("video_embedding.segments[0].float has no vector")):
        parse_legacy_arrays(legacy('{"embedding_option": "audio"}', '{"float": [1]}'))


def test_duplicate_keys_keep_the_last_value(path: str, full_parses: list[bytes]) -> None:
    """Duplicate keys resolve as in a full parse (the last one wins): for the vector, the list and `_id`."""
    body = (
        b'{"_id": "old", "data": [{"embedding": [0, 0]}], "_id": "new",'
        b' "data": [{"embedding": [1, 2], "embedding": [3, 4], "start_sec": 1, "start_sec": 2}]}'
    )
    arrays = parse_v2_arrays(body)
    assert arrays.task_id == "new" and rows(arrays) == [[3, 4]] and arrays.start_sec.tolist() == [2.0]
    assert full_parses == ([] if path == "fast" else [body])


# (literal, float32 bits) pinned by hand: a full parse reads the nearest double, then rounds to float32.
NUMBER_FORMS = [
    ("-0", 0x00000000),  # an integer: no sign
    ("-0.0", 0x80000000),
    ("-0e0", 0x80000000),
    ("1E2", 0x42C80000),
    ("1e+2", 0x42C80000),
    ("25e-1", 0x40200000),
    ("1e-400", 0x00000000),
    ("3.4028234663852886e38", 0x7F7FFFFF),  # the largest float32
    ("3.4028235677973362e38", 0x7F7FFFFF),  # just under the rounding midpoint to infinity
    ("1.401298464324817e-45", 0x00000001),  # the smallest subnormal
    ("16777217", 0x4B800000),  # 2**24 + 1: ties to even
    ("18446744073709551615", 0x5F800000),  # 2**64 - 1, an unsigned 64-bit integer
    ("18446744073709551616", 0x5F800000),  # beyond 64 bits: read as a double
    ("-9223372036854775809", 0xDF000000),
    ("0.1", 0x3DCCCCCD),
    ("1" * 38, 0x7D05BEC1),
]


def test_number_forms_round_like_a_full_parse(path: str) -> None:
    """Every JSON number form (signs, exponents, negative zero, integers beyond 64 bits, the float32 limits)
    gives the float32 bits of the nearest double, rounded."""
    vector = "[" + ", ".join(literal for literal, _ in NUMBER_FORMS) + "]"
    for arrays in (
        parse_v2_arrays(v2(f'{{"embedding": {vector}}}')),
        parse_legacy_arrays(legacy(f'{{"float": {vector}}}')),
    ):
        assert arrays.vectors.view(np.uint32).tolist() == [[bits for _, bits in NUMBER_FORMS]]


@pytest.mark.parametrize("number", ["1e39", "-3.4028235677973366e38", "1e400", "-1e400", "1" * 400, "1" * 40])
def test_numbers_beyond_float32_are_refused(path: str, number: str) -> None:
    """A number whose float32 rounding is infinite (or that is not even a finite double) is an error."""
    with pytest.raises(ArrayParseError, match=r"float32|not valid JSON"):
        parse_v2_arrays(v2(f'{{"embedding": [1, {number}]}}'))


@pytest.mark.parametrize("wide_first", [True, False])
def test_a_wide_vector_among_narrow_ones_is_refused_in_bounded_memory(
    path: str, wide_first: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One 200,000-wide vector and 20,000 one-wide ones (0.8 MB) are refused as ragged; no array larger
    than the body is ever requested (a matrix sized from the first vector would take 16 GB)."""
    wide = b'{"embedding": [' + b",".join([b"0"] * 200_000) + b"]}"
    narrow = b',{"embedding": [0]}' * 20_000
    body = b'{"data": [' + (wide + narrow if wide_first else narrow[1:] + b"," + wide) + b"]}"
    requested: list[int] = []
    real_empty = np.empty

    def empty(shape: Any, dtype: Any = float, *args: Any, **kwargs: Any) -> Any:
        requested.append(int(np.prod(shape)) * np.dtype(dtype).itemsize)
        return real_empty(shape, dtype, *args, **kwargs)

    monkeypatch.setattr(_arrays.np, "empty", empty)
    with pytest.raises(ArrayParseError, match=r"values|widths differ"):
        parse_v2_arrays(body)
    assert max(requested, default=0) <= 2 * len(body), f"requested {max(requested)} bytes for a {len(body)}-byte body"


def test_the_issue_body_of_373_gib_is_refused_quickly() -> None:
    """The body from the report (one 1,000,000-wide vector, then 100,000 tiny ones, 3.7 MB) is refused
    with a typed error within seconds instead of allocating 373 GiB."""
    body = (
        b'{"data": [{"embedding": ['
        + b",".join([b"0.5"] * 1_000_000)
        + b"]}"
        + b',{"embedding": [0.5]}' * 100_000
        + b"]}"
    )
    started = time.monotonic()
    with pytest.raises(ArrayParseError, match=re.escape("data[1].embedding has 1 values")):
        parse_v2_arrays(body)
    assert time.monotonic() - started < 30


EMPTY_BODIES = {
    "v2": [b'{"_id": "t1", "data": null}', b'{"_id": "t1", "data": []}', b'{"_id": "t1", "status": "processing"}'],
    "legacy": [
        b'{"_id": "t1"}',
        b'{"_id": "t1", "video_embedding": null}',
        b'{"_id": "t1", "video_embedding": {"segments": []}}',
        b'{"_id": "t1", "video_embedding": {"metadata": {"float": [1, 2]}, "segments": null}}',
    ],
}


@pytest.mark.parametrize(("kind", "body"), [(k, b) for k, bodies in EMPTY_BODIES.items() for b in bodies])
def test_an_empty_result_has_a_fixed_shape(path: str, kind: str, body: bytes) -> None:
    """No items (list null, empty or missing) gives a (0, 0) float32 matrix, (0,) columns, and selections of
    it stay empty."""
    arrays = PARSE[kind](body)
    assert arrays.task_id == "t1"
    assert arrays.vectors.shape == (0, 0) and arrays.vectors.dtype == np.float32
    assert len(arrays) == 0 and arrays.dimension == 0 and list(arrays.segments()) == []
    for column, dtype in ((arrays.start_sec, "f"), (arrays.end_sec, "f"), (arrays.option, "U"), (arrays.scope, "U")):
        assert column.shape == (0,) and column.dtype.kind == dtype
    assert arrays.select(option="visual", scope="clip").vectors.shape == (0, 0)


def test_zero_width_vectors_keep_their_rows(path: str) -> None:
    """Items whose vectors are all empty give one row each of width 0, not an empty result."""
    arrays = parse_v2_arrays(v2('{"embedding": []}', '{"embedding": [ ]}'))
    assert arrays.vectors.shape == (2, 0) and len(arrays) == 2 and arrays.dimension == 0


@pytest.mark.parametrize(
    ("body", "where"),
    [
        (v2('{"embedding": [1], "start_sec": "1"}'), "data[0].start_sec"),
        (v2('{"embedding": [1], "end_sec": true}'), "data[0].end_sec"),
        (v2('{"embedding": [1]}', '{"embedding": [1], "embedding_option": 5}'), "data[1].embedding_option"),
        (v2('{"embedding": [1], "embedding_scope": ["clip"]}'), "data[0].embedding_scope"),
        (v2('{"embedding": [1], "embedding_scope": "clip\\u0000"}'), "data[0].embedding_scope"),
        (b'{"_id": 5, "data": []}', "_id"),
        (b'{"data": {}}', "data is an object"),
        (b'{"data": [1]}', "data[0] is a number"),
        (b'{"video_embedding": [], "data": []}', "video_embedding is an array"),
    ],
)
def test_wrong_types_in_the_table_are_refused(path: str, body: bytes, where: str) -> None:
    """A table field, `_id` or list of the wrong type is an error naming it (no silent NaN or "")."""
    parse = parse_legacy_arrays if b"video_embedding" in body else parse_v2_arrays
    with pytest.raises(ArrayParseError, match=re.escape(where)):
        parse(body)


@pytest.mark.parametrize(
    "body", [b"", b"[]", b'"x"', b'{"data": [{"embedding": [1, 2]}', b'{"data": []} x', b"{'a': 1}"]
)
def test_a_body_that_is_not_a_json_object_is_refused(path: str, body: bytes) -> None:
    """Broken JSON, trailing garbage or a non-object body is an error."""
    with pytest.raises(ArrayParseError, match="JSON"):
        parse_v2_arrays(body)


def test_the_placeholder_digits_in_a_body_do_not_change_the_result(full_parses: list[bytes]) -> None:
    """A body already holding the fast path's placeholder digits is still read exactly (the fast path
    defers to the full parse)."""
    body = v2('{"embedding": [1, 2], "note": "98765432108"}', before='"mark": [987654321080000000],')
    assert rows(parse_v2_arrays(body)) == [[1, 2]]
    assert full_parses == [body]


@pytest.mark.parametrize("group_bytes", [1, 5000, 65536, 10**9])
def test_the_fast_path_reads_many_vectors_in_groups(full_parses: list[bytes], group_bytes: int) -> None:
    """1,000 vectors of 64 read by simdjson in groups of any size equal the full parse bit for bit."""
    rng = np.random.default_rng(7)
    matrix = rng.normal(size=(1000, 64)).astype(np.float32)
    body = json.dumps(
        {
            "data": [
                {"embedding": row, "start_sec": i, "embedding_scope": "clip"} for i, row in enumerate(matrix.tolist())
            ]
        }
    ).encode()
    fast = _arrays._parse_fast(body, _arrays._V2, group_bytes)
    assert np.array_equal(fast.vectors.view(np.uint32), matrix.view(np.uint32))
    assert fast.start_sec.tolist() == list(range(1000)) and set(fast.scope.tolist()) == {"clip"}
    assert not full_parses


def test_select_by_scope_and_option() -> None:
    """`select(scope=...)` keeps exactly the rows of that scope, combined with `option=...` it keeps their
    intersection, and a selection with no match keeps the dimension."""
    arrays = parse_v2_arrays(encode(v2_body(), "compact"))
    clip = arrays.select(scope="clip")
    assert clip.scope.tolist() == ["clip", "clip", "clip"] and np.array_equal(clip.vectors, arrays.vectors[[0, 1, 5]])
    assert clip.start_sec.tolist() == [0.0, 6.0, 1.0] and clip.option.tolist() == ["visual", "audio", "transcription"]
    assert np.array_equal(arrays.select(scope="asset").vectors, arrays.vectors[[3]])
    assert np.array_equal(arrays.select(scope="").vectors, arrays.vectors[[4]])  # null scope
    assert len(arrays.select(option="visual", scope="clip")) == 1
    none = arrays.select(option="audio", scope="asset")
    assert none.vectors.shape == (0, DIM) and none.option.shape == (0,) and none.task_id == TASK_ID
    assert np.array_equal(arrays.select().vectors, arrays.vectors)
