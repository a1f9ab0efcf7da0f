"""Input meant to break the fake: deeply nested JSON bodies and invalid settings get clear errors, never a
500, a RecursionError or a traceback."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from typing import Any

import httpx
import pytest

from twelvelabs_embed.testing import EmbedFake, serve
from twelvelabs_embed.testing.__main__ import main
from twelvelabs_embed.testing._parsing import MAX_JSON_DEPTH, json_depth_exceeds

JSON = {"content-type": "application/json"}
DEPTH_MESSAGE = f"The request body nests arrays or objects deeper than {MAX_JSON_DEPTH} levels."
V2_JSON_OPERATIONS = [("createEmbeddingTaskV2", "/embed-v2/tasks"), ("createEmbeddingsV2", "/embed-v2")]


@pytest.mark.parametrize(("operation", "path"), V2_JSON_OPERATIONS)
@pytest.mark.parametrize(
    "body",
    [b"[" * 100_000, b"[" * 100_000 + b"]" * 100_000, b'{"a":' * 100_000 + b"1" + b"}" * 100_000],
    ids=["open-arrays", "closed-arrays", "objects"],
)
def test_deeply_nested_json_is_a_nested_400(
    embed_fake: EmbedFake, embed_fake_client: httpx.Client, operation: str, path: str, body: bytes
) -> None:
    """A body nested 100,000 deep is answered 400 parameter_invalid in the operation's nested error shape."""
    answer = embed_fake_client.post(path, content=body, headers=JSON)
    assert answer.status_code == 400
    assert answer.json() == {"error": {"code": "parameter_invalid", "message": DEPTH_MESSAGE}}
    assert [request.operation for request in embed_fake.requests] == [operation]
    assert embed_fake.tasks == []


def nested_value(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = [value]
    return value


def test_depth_limit_is_exact(embed_fake_client: httpx.Client) -> None:
    """A body exactly `MAX_JSON_DEPTH` deep is parsed and judged by the schema; one level more is refused."""
    base = {"input_type": "text", "model_name": "marengo3.0", "text": {"input_text": "a cat"}}
    at_limit = embed_fake_client.post("/embed-v2", json={**base, "extra": nested_value(MAX_JSON_DEPTH - 1)})
    assert at_limit.status_code == 400
    assert at_limit.json()["error"]["code"] == "parameter_unknown"
    assert at_limit.json()["error"]["details"] == {"field": "extra"}
    beyond = embed_fake_client.post("/embed-v2", json={**base, "extra": nested_value(MAX_JSON_DEPTH)})
    assert beyond.json() == {"error": {"code": "parameter_invalid", "message": DEPTH_MESSAGE}}


def test_brackets_inside_strings_do_not_count(embed_fake_client: httpx.Client) -> None:
    """Brackets and escaped quotes inside a JSON string are text, not nesting: the request succeeds."""
    text = '\\"' + "[{" * 200
    body = {"input_type": "text", "model_name": "marengo3.0", "text": {"input_text": text}}
    answer = embed_fake_client.post("/embed-v2", json=body)
    assert answer.status_code == 200, answer.text
    assert len(answer.json()["data"][0]["embedding"]) == 512


@pytest.mark.parametrize(
    ("raw", "deeper"),
    [
        (b"[" * 64 + b"]" * 64, False),
        (b"[" * 65 + b"]" * 65, True),
        (b"[" * 65, True),  # unterminated still counts
        (b'["' + b"[" * 100 + b'"]', False),
        (b'["\\"' + b"[" * 100 + b'"]', False),  # an escaped quote does not end the string
        (b'["\\\\"' + b"[" * 100, True),  # an escaped backslash does: the brackets are outside
        (b"[" * 40 + b"]" * 40 + b"{" * 40 + b"}" * 40, False),  # many brackets, shallow
    ],
)
def test_json_depth_scan(raw: bytes, deeper: bool) -> None:
    """The depth scan counts only brackets outside strings, with JSON's escapes."""
    assert json_depth_exceeds(raw) is deeper


def test_depth_scan_agrees_with_a_full_parse() -> None:
    """On valid JSON the scan agrees with the nesting depth a full parse sees, around the limit."""

    def depth(value: object) -> int:
        if isinstance(value, list):
            return 1 + max((depth(item) for item in value), default=0)
        if isinstance(value, dict):
            return 1 + max((depth(item) for item in value.values()), default=0)
        return 0

    for levels in range(MAX_JSON_DEPTH - 2, MAX_JSON_DEPTH + 3):
        document = {"s": "]}[{" * 30, "v": nested_value(levels - 1), "w": [{"x": '\\"]'}]}
        raw = json.dumps(document).encode()
        assert json_depth_exceeds(raw) is (depth(json.loads(raw)) > MAX_JSON_DEPTH)


# ---------------------------------------------------------------------------------------------- settings


@pytest.mark.parametrize(
    ("options", "name"),
    [
        ({"processing_seconds": -5}, "processing_seconds"),
        ({"processing_seconds": math.nan}, "processing_seconds"),
        ({"processing_seconds": math.inf}, "processing_seconds"),
        ({"processing_seconds": "5"}, "processing_seconds"),
        ({"url_duration": 0}, "url_duration"),
        ({"upload_duration": -1.0}, "upload_duration"),
        ({"upload_duration": math.nan}, "upload_duration"),
        ({"audio_metadata_spelling": "plural"}, "audio_metadata_spelling"),
    ],
)
def test_embed_fake_rejects_invalid_settings(options: dict[str, Any], name: str) -> None:
    """Invalid EmbedFake settings raise ValueError naming the parameter."""
    with pytest.raises(ValueError, match=f"^{name} must"):
        EmbedFake(**options)


@pytest.mark.parametrize(
    ("options", "name"),
    [
        ({"port": 99999}, "port"),
        ({"port": -1}, "port"),
        ({"port": 80.5}, "port"),
        ({"processing_seconds": -5}, "processing_seconds"),
        ({"url_duration": math.inf}, "url_duration"),
    ],
)
def test_serve_rejects_invalid_settings_before_serving(options: dict[str, Any], name: str) -> None:
    """`serve()` raises ValueError naming the parameter (it would otherwise block, serving)."""
    with pytest.raises(ValueError, match=f"^{name} must"):
        serve(**options)


@pytest.mark.parametrize(
    ("argv", "flag"),
    [
        (["--port", "99999"], "--port"),
        (["--port", "http"], "--port"),
        (["--processing-seconds", "-5"], "--processing-seconds"),
        (["--processing-seconds", "nan"], "--processing-seconds"),
        (["--media-duration", "0"], "--media-duration"),
        (["--rate-limit", "-1"], "--rate-limit"),
        (["--audio-metadata-spelling", "plural"], "--audio-metadata-spelling"),
    ],
)
def test_entry_point_usage_errors(argv: list[str], flag: str, capsys: pytest.CaptureFixture[str]) -> None:
    """`python -m twelvelabs_embed.testing` refuses bad values as usage errors (exit 2) naming the flag."""
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: python -m twelvelabs_embed.testing")
    assert f"argument {flag}" in err
    assert "Traceback" not in err


def test_entry_point_usage_error_as_a_process() -> None:
    """As a real process, `--port 99999` prints usage and the reason on stderr and exits 2, no traceback."""
    result = subprocess.run(
        [sys.executable, "-m", "twelvelabs_embed.testing", "--port", "99999", "--processing-seconds", "1"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "argument --port: expected an integer port from 0 to 65535, got '99999'" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
