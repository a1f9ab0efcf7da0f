"""Bad arguments and failing calls: one line on stderr, no traceback, exit 2 (usage) or 1 (input/API), the
line naming the flag or field at fault, nothing on stdout (so nothing was created), and never the API key."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.processes import free_port

from ._support import API_KEY, WRONG_API_KEY, run_cli
from .conftest import FakeServer

URL = "https://media.example.com/a.mp4"

# (args, exit code, substrings the stderr line must contain); "{tmp}" is a fresh directory; extra env in ENV.
# Exit 2: a usage error (bad flag, value or setting, found before any request); exit 1: the API or the network.
# No line may name a Python parameter (video_clip_length, base64_string, ...): only the CLI's flags.
CASES = [
    pytest.param(["status", "t1"], 2, ["TWELVELABS_API_KEY"], id="missing-api-key"),
    pytest.param(["status", "t1"], 2, ["TWELVELABS_API_KEY", "empty"], id="empty-api-key"),
    pytest.param(
        ["list"], 2, ["TWELVELABS_BASE_URL", "http", "example.com", "--allow-insecure-http"], id="http-to-remote-host"
    ),
    pytest.param(["list"], 1, ["HTTP 401", "api_key_invalid"], id="wrong-api-key"),
    pytest.param(["status", "t1"], 1, ["connection failed", "Connection refused"], id="server-not-running"),
    pytest.param(
        ["create", "--api", "legacy", "--url", URL, "--clip-length", "11"],
        2,
        ["--clip-length", "between 2 and 10"],
        id="clip-length-11",
    ),
    pytest.param(
        ["create", "--api", "legacy", "--url", URL, "--end", "5"],
        2,
        ["--start", "--end", "together"],
        id="end-without-start",
    ),
    pytest.param(
        ["create", "--api", "legacy", "--url", URL, "--file", "{tmp}/a.mp4"],
        2,
        ["--file / --url", "both"],
        id="file-and-url",
    ),
    pytest.param(["create", "--type", "audio"], 2, ["--url / --base64-file / --asset-id", "none"], id="no-v2-source"),
    pytest.param(
        ["create", "--api", "legacy", "--file", "{tmp}/missing.mp4"],
        2,
        ["--file", "not found"],
        id="nonexistent-file",
    ),
    pytest.param(
        ["create", "--api", "legacy", "--file", "{tmp}"], 2, ["--file", "regular file"], id="directory-as-file"
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
    pytest.param(["create", "--url", URL, "--scope", "video"], 2, ["--scope", "'video'"], id="v2-scope-video"),
    pytest.param(
        ["create", "--url", URL, "--start", "9", "--end", "4"],
        2,
        ["--end", "--start", "greater"],
        id="end-before-start",
    ),
    pytest.param(
        ["create", "--model", "marengo3.5", "--url", URL, "--uncertainty", "--scope", "asset"],
        2,
        ["--uncertainty", "--scope"],
        id="uncertainty-with-asset-scope",
    ),
    pytest.param(["get", "t1", "-o", "{tmp}/x.json", "--format", "xml"], 2, ["--format", "'xml'"], id="unknown-format"),
    pytest.param(["get", "t1", "-o", "{tmp}/x.txt"], 2, ["--format", "x.txt"], id="unknown-extension"),
    pytest.param(["get", "t1"], 2, ["-o/--output", "required"], id="get-without-output"),
    pytest.param(["get", "t1", "-o", "-", "--format", "npy"], 2, ["--format", "stdout"], id="npy-to-stdout"),
    pytest.param(["get", "t1", "-o", "-", "--json"], 2, ["--json", "-o -"], id="json-and-stdout-data"),
    pytest.param(
        ["create", "--api", "v2", "--file", "{tmp}/none.mp4"], 2, ["--file", "none.mp4"], id="v2-missing-file"
    ),
    pytest.param(["create", "--url", URL, "--clip-length", "5"], 2, ["--clip-length"], id="v2-with-clip-length"),
    pytest.param(["create", "--url", URL, "--progress"], 2, ["--progress", "--file"], id="v2-progress-no-file"),
    pytest.param(
        ["create", "--api", "legacy", "--url", URL, "--segmentation", "fixed:5"],
        2,
        ["--segmentation", "--api v2"],
        id="legacy-with-segmentation",
    ),
    pytest.param(
        ["create", "--api", "legacy", "--url", URL, "--progress"], 2, ["--progress", "--file"], id="progress-no-file"
    ),
    pytest.param(
        ["create", "--url", URL, "--dimension", "256"],
        2,
        ["--dimension", "marengo3.5"],
        id="dimension-on-marengo30",
    ),
    pytest.param(
        ["create", "--url", URL, "--output", "{tmp}/x.json"], 2, ["--output", "--wait"], id="output-without-wait"
    ),
    pytest.param(["create", "--url", URL, "--timeout", "30"], 2, ["--timeout", "--wait"], id="timeout-without-wait"),
    pytest.param(["create", "--url", URL, "--format", "npy"], 2, ["--format", "--output"], id="format-without-output"),
    pytest.param(["create", "--url", URL, "-q", "--json"], 2, ["-q", "--json"], id="quiet-and-json"),
    pytest.param(["create", "--url", URL, "--wait", "-q", "-o", "-"], 2, ["-q", "-o -"], id="quiet-and-stdout-data"),
    pytest.param(
        ["create", "--url", URL, "--wait", "--timeout", "0"], 2, ["--timeout", "> 0"], id="create-timeout-zero"
    ),
    pytest.param(["wait", "t1", "--timeout", "-1"], 2, ["--timeout", "> 0"], id="wait-timeout-negative"),
    pytest.param(["status", "a/b"], 2, ["TASK_ID", "task id"], id="task-id-with-slash"),
    pytest.param(
        ["get", "t1", "-o", "{tmp}/x.json", "--option", "visual"], 2, ["--option", "legacy"], id="option-on-v2-get"
    ),
    pytest.param(["status", "t1", "--with-embeddings"], 2, ["--with-embeddings", "--json"], id="embeddings-no-json"),
    pytest.param(["list", "--limit", "0"], 2, ["--limit", ">= 1"], id="limit-0"),
    pytest.param(["list"], 2, ["TWELVELABS_API", "'v3'"], id="bad-default-api"),
    pytest.param(["frobnicate"], 2, ["COMMAND", "'frobnicate'"], id="unknown-command"),
    pytest.param(["completion", "powershell"], 2, ["SHELL", "'powershell'"], id="unknown-shell"),
    pytest.param(["fake-server", "--port", "99999"], 2, ["--port", "65535"], id="fake-port-99999"),
    pytest.param(["fake-server", "--port", "-1"], 2, ["--port", "65535"], id="fake-port-negative"),
    pytest.param(["fake-server", "--processing-seconds", "-5"], 2, ["--processing-seconds", ">= 0"], id="fake-neg"),
    pytest.param(["fake-server", "--processing-seconds", "inf"], 2, ["--processing-seconds", "finite"], id="fake-inf"),
    pytest.param(["fake-server", "--upload-duration", "0"], 2, ["--upload-duration", "> 0"], id="fake-upload-0"),
    pytest.param(["fake-server", "--chunk-size", "0"], 2, ["--chunk-size", ">= 1"], id="fake-chunk-size-0"),
    pytest.param(["assets", "upload", "{tmp}/none.mp4"], 2, ["FILE", "none.mp4"], id="asset-upload-missing-file"),
    pytest.param(["assets", "upload", "{tmp}"], 2, ["FILE", "regular file"], id="asset-upload-directory"),
    pytest.param(["assets", "upload", "{tmp}/a.mp4", "-q", "--json"], 2, ["-q", "--json"], id="asset-quiet-and-json"),
    pytest.param(
        ["assets", "upload", "{tmp}/a.mp4", "--no-wait", "--timeout", "5"],
        2,
        ["--timeout", "--wait"],
        id="asset-timeout-without-wait",
    ),
    pytest.param(
        ["assets", "upload", "{tmp}/a.mp4", "--concurrency", "33"], 2, ["--concurrency", "32"], id="asset-concurrency"
    ),
    pytest.param(["assets", "list", "--limit", "0"], 2, ["--limit", ">= 1"], id="asset-limit-0"),
    pytest.param(["assets", "get", "a/b"], 2, ["ASSET_ID"], id="asset-id-with-slash"),
    pytest.param(["assets", "delete"], 2, ["ASSET_ID"], id="asset-delete-no-id"),
    pytest.param(["assets", "get", "6b0c0000000000000000dead"], 1, ["no asset", "6b0c"], id="asset-not-found"),
]
PYTHON_NAMES = re.compile(
    r"video_clip_length|video_file|video_url|video_start_offset_sec|video_end_offset_sec|video_embedding_scope|"
    r"base64_string|asset_id|start_sec|end_sec|embedding_option|embedding_scope|embedding_type|embedding_dimension|"
    r"embedding_uncertainty|time_based_metadata|model_name|input_type|allow_insecure_http|task_id|page_limit|"
    r"[A-Z][a-z]+[A-Z]\w*\.\w+"  # a schema reference such as CreateVideoEmbeddingTaskForm.video_clip_length
)

# Environment per case id: the API key and base URL to use instead of the fake's ("closed-port": nothing listens).
ENV: dict[str, dict[str, str | None]] = {
    "missing-api-key": {"api_key": None},
    "empty-api-key": {"api_key": ""},
    "http-to-remote-host": {"base_url": "http://example.com/v1.3"},
    "wrong-api-key": {"api_key": WRONG_API_KEY},
    "server-not-running": {"base_url": "closed-port"},
    "bad-default-api": {"env": "TWELVELABS_API=v3"},
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
    extra = dict([settings["env"].split("=", 1)]) if "env" in settings else None
    result = run_cli(
        [arg.replace("{tmp}", str(tmp_path)) for arg in args],
        base_url=base_url,
        api_key=settings.get("api_key", API_KEY),
        env=extra,
    )
    line = result.error_line()
    assert result.returncode == code, f"exit {result.returncode}: {line}"
    assert result.stdout == "", result.stdout
    for needle in needles:
        assert needle in line, f"{needle!r} not in {line!r}"
    assert not PYTHON_NAMES.search(line), f"a Python name in {line!r}"
    if code == 2:  # an argparse usage error: prog, the argument, a pointer to --help; no usage block
        assert line.startswith("twelvelabs-embed") and line.endswith("(see --help)"), line
    else:
        assert line.startswith("error: "), line
