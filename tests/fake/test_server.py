"""The fake over real HTTP: as a uvicorn subprocess (`python -m twelvelabs_embed.testing`) and on a thread."""

from __future__ import annotations

import inspect
import logging
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.processes import ServerProcess, start_on_free_port
from twelvelabs_embed.testing import (
    DEFAULT_API_KEY,
    DEFAULT_MEDIA_DURATION,
    DEFAULT_PORT,
    DEFAULT_PROCESSING_SECONDS,
    READY_PREFIX,
    EmbedFake,
    RunningServer,
    serve,
)
from twelvelabs_embed.testing import _server as server_module
from twelvelabs_embed.testing.__main__ import main as entry_point_main
from twelvelabs_embed.testing.__main__ import parser as entry_point_parser
from twelvelabs_embed.testing._app import REQUEST_LOGGER

from .helpers import VIDEO_URL, form, video_task_body

KEY = "subprocess-key"


@pytest.fixture(scope="module")
def fake_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """The fake served by uvicorn in its own process group on a free port (tasks ready at once)."""
    log = tmp_path_factory.mktemp("fake-server") / "fake.log"
    server = start_on_free_port(
        lambda port: [
            sys.executable,
            "-m",
            "twelvelabs_embed.testing",
            "--port",
            str(port),
            "--api-key",
            KEY,
            "--processing-seconds",
            "0",
        ],
        log_path=log,
        health_path="/openapi.yaml",
    )
    try:
        yield server
    finally:
        server.stop()


def test_subprocess_prints_a_ready_line(fake_process: ServerProcess) -> None:
    """Once listening, the server prints one line with its base URL and key."""
    httpx.get(f"{fake_process.base_url}/openapi.yaml", timeout=10)
    lines = [line for line in Path(fake_process.log_path).read_text().splitlines() if line.startswith(READY_PREFIX)]
    assert len(lines) == 1
    assert f"base_url={fake_process.base_url}/v1.3" in lines[0]
    assert f"api_key={KEY}" in lines[0]
    assert " upload_origin=http://127.0.0.1:" in lines[0]  # the presigned chunk URLs' own port


def test_subprocess_serves_the_api(fake_process: ServerProcess) -> None:
    """Over real HTTP the fake creates, lists and returns tasks, and rejects a wrong key."""
    base = f"{fake_process.base_url}/v1.3"
    with httpx.Client(base_url=base, headers={"x-api-key": KEY}, timeout=10, trust_env=False) as client:
        legacy = client.post("/embed/tasks", files=form(model_name="marengo3.0", video_url=VIDEO_URL))
        assert legacy.status_code == 200
        v2 = client.post("/embed-v2/tasks", json=video_task_body())
        assert v2.status_code == 202
        task = client.get(f"/embed-v2/tasks/{v2.json()['_id']}").json()
        assert task["status"] == "ready" and len(task["data"][0]["embedding"]) == 512
        assert legacy.json()["_id"] in [item["_id"] for item in client.get("/embed/tasks").json()["data"]]
        assert client.get("/embed/tasks", headers={"x-api-key": "wrong"}).status_code == 401
    spec = httpx.get(f"{fake_process.base_url}/openapi.yaml", timeout=10, trust_env=False)
    assert spec.headers["content-type"].startswith("application/yaml")
    assert spec.text.startswith("openapi: 3.1.0")


def client_for(server: RunningServer, **kwargs: object) -> httpx.Client:
    return httpx.Client(
        base_url=server.base_url,
        headers={"x-api-key": server.fake.api_key},
        trust_env=False,
        **kwargs,  # type: ignore[arg-type]
    )


def test_thread_server_shares_the_fake_clock(embed_fake: EmbedFake, embed_fake_server: RunningServer) -> None:
    """A fake served on a thread keeps its FakeClock: tasks finish when the test advances it."""
    with client_for(embed_fake_server, timeout=10) as client:
        task_id = client.post("/embed-v2/tasks", json=video_task_body()).json()["_id"]
        assert client.get(f"/embed-v2/tasks/{task_id}").json()["status"] == "processing"
        embed_fake.advance(10)
        assert client.get(f"/embed-v2/tasks/{task_id}").json()["status"] == "ready"


def test_real_dropped_connection(embed_fake: EmbedFake, embed_fake_server: RunningServer) -> None:
    """Over real HTTP a drop closes the socket: httpx raises RemoteProtocolError, and the server keeps serving."""
    embed_fake.faults.add("drop", operation="createEmbeddingTaskV2", processed=True)
    with client_for(embed_fake_server, timeout=10) as client:
        with pytest.raises(httpx.RemoteProtocolError):
            client.post("/embed-v2/tasks", json=video_task_body())
        assert client.get("/embed-v2/tasks").json()["page_info"]["total_results"] == 1
    assert len(embed_fake.tasks) == 1


def test_real_truncated_body(embed_fake: EmbedFake, embed_fake_server: RunningServer) -> None:
    """Over real HTTP a truncated body ends the connection early: httpx raises RemoteProtocolError."""
    embed_fake.faults.add("truncated", operation="listVideoEmbeddingTasks")
    with client_for(embed_fake_server, timeout=10) as client:
        with pytest.raises(httpx.RemoteProtocolError):
            client.get("/embed/tasks")
        assert client.get("/embed/tasks").status_code == 200


def test_real_slow_answer_times_out(embed_fake: EmbedFake, embed_fake_server: RunningServer) -> None:
    """Over real HTTP a slow answer really waits, so a short client timeout raises ReadTimeout."""
    embed_fake.faults.add("slow", operation="listVideoEmbeddingTasks", delay=1)
    with client_for(embed_fake_server, timeout=0.2) as client, pytest.raises(httpx.ReadTimeout):
        client.get("/embed/tasks")


def test_real_status_and_html_faults(embed_fake: EmbedFake, embed_fake_server: RunningServer) -> None:
    """Status and HTML faults look the same over real HTTP as in-process."""
    embed_fake.faults.add("status", operation="listEmbeddingTasksV2", status=429, retry_after=7)
    embed_fake.faults.add("html", operation="listEmbeddingTasksV2", status=504)
    with client_for(embed_fake_server, timeout=10) as client:
        limited = client.get("/embed-v2/tasks")
        assert (limited.status_code, limited.headers["retry-after"]) == (429, "7")
        assert limited.json() == {"code": "too_many_requests", "message": limited.json()["message"]}
        page = client.get("/embed-v2/tasks")
        assert page.status_code == 504 and "<h1>504 Gateway Timeout</h1>" in page.text


def test_served_fake_logs_each_request_to_stderr(tmp_path: Path) -> None:
    """`python -m twelvelabs_embed.testing` logs method, path, status and duration of each request to stderr
    (stdout carries only the ready line), and never the API key."""
    stderr_path = tmp_path / "stderr.log"
    with stderr_path.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "twelvelabs_embed.testing", "--port", "0", "--api-key", KEY],
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            start_new_session=True,
        )
    try:
        assert process.stdout is not None
        ready = process.stdout.readline()  # the server prints it once listening (or exits, ending the pipe)
        match = re.search(r"base_url=(\S+)", ready)
        assert match, ready + stderr_path.read_text()
        with httpx.Client(base_url=match.group(1), headers={"x-api-key": KEY}, timeout=30, trust_env=False) as client:
            assert client.post("/embed-v2/tasks", json=video_task_body()).status_code == 202
            assert client.get("/embed/tasks", params={"page": 2}).status_code == 200
            assert client.get("/embed/tasks", headers={"x-api-key": "wrong"}).status_code == 401
            assert client.get("/no-such-path").status_code == 404
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    assert process.stdout.read() == ""  # nothing but the ready line on stdout
    log = stderr_path.read_text()
    lines = [match.groups() for match in REQUEST_LINE.finditer(log)]
    assert [(method, path, status) for method, path, status, _ in lines] == [
        ("POST", "/v1.3/embed-v2/tasks", "202"),
        ("GET", "/v1.3/embed/tasks", "200"),
        ("GET", "/v1.3/embed/tasks", "401"),
        ("GET", "/v1.3/no-such-path", "404"),
    ]
    assert all(float(ms) >= 0 for *_, ms in lines)
    assert KEY not in log and "wrong" not in log


REQUEST_LINE = re.compile(r"^\S+ \S+ (GET|POST) (\S+) (\d{3}|-) (\d+\.\d) ms$", re.M)


def test_request_records_name_status_and_fault(
    embed_fake: EmbedFake, embed_fake_client: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    """Each request is one INFO record on `twelvelabs_embed.testing.requests`, naming an injected fault."""
    embed_fake.faults.add("status", operation="listEmbeddingTasksV2", status=503)
    with caplog.at_level(logging.INFO, logger=REQUEST_LOGGER):
        embed_fake_client.get("/embed-v2/tasks")
        embed_fake_client.get("/embed-v2/tasks")
    messages = [record.getMessage() for record in caplog.records if record.name == REQUEST_LOGGER]
    assert len(messages) == 2
    assert re.fullmatch(r"GET /v1\.3/embed-v2/tasks 503 \d+\.\d ms \(fault: status\)", messages[0])
    assert re.fullmatch(r"GET /v1\.3/embed-v2/tasks 200 \d+\.\d ms", messages[1])


def test_request_log_can_be_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """`--quiet` serves without the request log; by default the entry point logs requests."""
    calls: list[dict[str, object]] = []
    monkeypatch.setattr(server_module, "serve", lambda *args, **kwargs: calls.append(kwargs))
    entry_point_main(["--quiet"])
    entry_point_main([])
    assert [call["log_requests"] for call in calls] == [False, True]


def test_one_set_of_defaults() -> None:
    """`serve()`, `EmbedFake` and the entry point share the defaults of `_defaults.py`."""
    serve_defaults = {name: p.default for name, p in inspect.signature(serve).parameters.items()}
    fake_defaults = {name: p.default for name, p in inspect.signature(EmbedFake).parameters.items()}
    args = entry_point_parser().parse_args([])
    assert (serve_defaults["port"], args.port) == (DEFAULT_PORT, DEFAULT_PORT)
    assert serve_defaults["processing_seconds"] == fake_defaults["processing_seconds"] == DEFAULT_PROCESSING_SECONDS
    assert args.processing_seconds == DEFAULT_PROCESSING_SECONDS
    assert serve_defaults["api_key"] == fake_defaults["api_keys"] == args.api_key == DEFAULT_API_KEY
    for name in ("url_duration", "upload_duration"):
        assert serve_defaults[name] == fake_defaults[name] == DEFAULT_MEDIA_DURATION
    assert args.media_duration == DEFAULT_MEDIA_DURATION
    with EmbedFake() as fake:
        assert (fake.processing_seconds, fake.api_key, fake.upload_duration) == (10.0, "test-key", 60.0)
    assert DEFAULT_PORT == 4020
