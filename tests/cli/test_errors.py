"""Bad arguments and failing calls: one line on stderr, no traceback, exit 2 (usage) or 1 (input/API), the
line naming the flag or field at fault, nothing on stdout (so nothing was created), and never the API key."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.processes import free_port

from ._support import API_KEY, WRONG_API_KEY, run_cli
from .conftest import FakeServer

URL = "https://media.example.com/a.mp4"

# (args, exit code, substrings the stderr line must contain); "{tmp}" is a fresh directory; extra env in ENV.
CASES = [
    pytest.param(["status", "t1"], 1, ["TWELVELABS_API_KEY"], id="missing-api-key"),
    pytest.param(["status", "t1"], 1, ["TWELVELABS_API_KEY", "empty"], id="empty-api-key"),
    pytest.param(["list"], 1, ["TWELVELABS_BASE_URL", "http", "example.com"], id="http-to-remote-host"),
    pytest.param(["list"], 1, ["HTTP 401", "api_key_invalid"], id="wrong-api-key"),
    pytest.param(["status", "t1"], 1, ["connection failed", "Connection refused"], id="server-not-running"),
    pytest.param(["status", "6b00000000000000000000ff"], 1, ["HTTP 404", "not found"], id="unknown-task-id"),
    pytest.param(
        ["create", "--api", "legacy", "--url", URL, "--clip-length", "11"],
        1,
        ["video_clip_length", "between 2 and 10"],
        id="clip-length-11",
    ),
    pytest.param(
        ["create", "--api", "legacy", "--url", URL, "--end", "5"],
        1,
        ["video_end_offset_sec", "together"],
        id="end-without-start",
    ),
    pytest.param(
        ["create", "--api", "legacy", "--url", URL, "--file", "{tmp}/a.mp4"],
        1,
        ["video_file / video_url", "both"],
        id="file-and-url",
    ),
    pytest.param(["create", "--type", "audio"], 1, ["url / base64_string / asset_id", "none"], id="no-v2-source"),
    pytest.param(
        ["create", "--api", "legacy", "--file", "{tmp}/missing.mp4"],
        1,
        ["video_file", "not found"],
        id="nonexistent-file",
    ),
    pytest.param(
        ["create", "--api", "legacy", "--file", "{tmp}"], 1, ["video_file", "regular file"], id="directory-as-file"
    ),
    pytest.param(
        ["create", "--url", URL, "--segmentation", "fixed:20"],
        2,
        ["--segmentation", "fixed:<2-10>"],
        id="segmentation-fixed-20",
    ),
    pytest.param(
        ["create", "--url", URL, "--segmentation", "foo"], 2, ["--segmentation", "'foo'"], id="segmentation-foo"
    ),
    pytest.param(["create", "--url", URL, "--start", "nan"], 2, ["--start", "finite"], id="start-nan"),
    pytest.param(["get", "t1", "-o", "{tmp}/x.json", "--format", "xml"], 2, ["--format", "'xml'"], id="unknown-format"),
    pytest.param(["get", "t1", "-o", "{tmp}/x.txt"], 1, ["--format", "x.txt"], id="unknown-extension"),
    pytest.param(["create", "--api", "v2", "--file", "{tmp}/a.mp4"], 1, ["--file", "--base64-file"], id="v2-with-file"),
    pytest.param(["create", "--url", URL, "--clip-length", "5"], 1, ["--clip-length"], id="v2-with-clip-length"),
    pytest.param(
        ["create", "--api", "legacy", "--url", URL, "--segmentation", "fixed:5"],
        1,
        ["--segmentation", "--api v2"],
        id="legacy-with-segmentation",
    ),
    pytest.param(
        ["create", "--url", URL, "--dimension", "256"],
        1,
        ["embedding_dimension", "marengo3.5"],
        id="dimension-on-marengo30",
    ),
    pytest.param(
        ["create", "--url", URL, "--output", "{tmp}/x.json"], 1, ["--output", "--wait"], id="output-without-wait"
    ),
    pytest.param(["create", "--url", URL, "--timeout", "30"], 1, ["--timeout", "--wait"], id="timeout-without-wait"),
    pytest.param(["create", "--url", URL, "--format", "npy"], 1, ["--format", "--output"], id="format-without-output"),
    pytest.param(
        ["create", "--url", URL, "--wait", "--timeout", "0"], 2, ["--timeout", "> 0"], id="create-timeout-zero"
    ),
    pytest.param(["wait", "t1", "--timeout", "-1"], 2, ["--timeout", "> 0"], id="wait-timeout-negative"),
    pytest.param(
        ["get", "t1", "-o", "{tmp}/x.json", "--option", "visual"], 1, ["--option", "legacy"], id="option-on-v2-get"
    ),
    pytest.param(["list", "--limit", "0"], 1, ["--limit", ">= 1"], id="limit-0"),
    pytest.param(["frobnicate"], 2, ["COMMAND", "'frobnicate'"], id="unknown-command"),
]

# Environment per case id: the API key and base URL to use instead of the fake's ("closed-port": nothing listens).
ENV: dict[str, dict[str, str | None]] = {
    "missing-api-key": {"api_key": None},
    "empty-api-key": {"api_key": ""},
    "http-to-remote-host": {"base_url": "http://example.com/v1.3"},
    "wrong-api-key": {"api_key": WRONG_API_KEY},
    "server-not-running": {"base_url": "closed-port"},
}


@pytest.mark.parametrize(("args", "code", "needles"), CASES)
def test_bad_input_gives_one_line(
    request: pytest.FixtureRequest, fake: FakeServer, tmp_path: Path, args: list[str], code: int, needles: list[str]
) -> None:
    """The CLI rejects the input with one clear stderr line and the documented exit code."""
    settings = ENV.get(request.node.callspec.id, {})
    (tmp_path / "a.mp4").write_bytes(b"\x00" * 1024)
    base_url = settings.get("base_url", fake.base_url)
    if base_url == "closed-port":
        base_url = f"http://127.0.0.1:{free_port()}/v1.3"  # free a moment ago, so nothing listens: refused
    result = run_cli(
        [arg.replace("{tmp}", str(tmp_path)) for arg in args],
        base_url=base_url,
        api_key=settings.get("api_key", API_KEY),
    )
    line = result.error_line()
    assert result.returncode == code, f"exit {result.returncode}: {line}"
    assert result.stdout == "", result.stdout
    for needle in needles:
        assert needle in line, f"{needle!r} not in {line!r}"
    if code == 2:  # an argparse usage error: prog, the argument, a pointer to --help; no usage block
        assert line.startswith("twelvelabs-embed") and line.endswith("(see --help)"), line
    else:
        assert line.startswith("error: "), line
