"""Real `twelvelabs-embed fake-server` processes for the CLI tests, and tasks prepared on them.

Each server runs in its own process group (tests/support/processes.py) on a free loopback port and is
stopped, group and all, when the session ends. Tasks that a test only reads are created through the
library (fast polling, no subprocess); every command under test runs the console script as a subprocess.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from tests.support.processes import ServerProcess, start_on_free_port
from twelvelabs_embed import EmbedClient, PollPolicy

from ._support import API_KEY, CLI, Result, run_cli

UPLOAD_DURATION = 20  # seconds the fake assumes for uploads, base64 media and assets
FAILURE_REASON = "media is corrupt at 00:07"


@dataclass
class FakeServer:
    """A running fake server and helpers to drive it."""

    process: ServerProcess

    @property
    def base_url(self) -> str:
        return f"{self.process.base_url}/v1.3"

    def cli(self, *args: str, **kwargs: Any) -> Result:
        """Run `twelvelabs-embed *args` against this server."""
        return run_cli(args, base_url=self.base_url, **kwargs)

    def client(self) -> EmbedClient:
        """A library client for this server that polls fast (for preparing and checking tasks)."""
        poll = PollPolicy(initial_interval=0.05, max_interval=0.2, jitter=0, timeout=60)
        return EmbedClient(api_key=API_KEY, base_url=self.base_url, poll=poll)


def start_fake(log_dir: Path, name: str, processing_seconds: float) -> FakeServer:
    """Start `twelvelabs-embed fake-server` for real and return once it answers HTTP."""

    def command(port: int) -> list[str]:
        return [
            str(CLI),
            "fake-server",
            "--port",
            str(port),
            "--api-key",
            API_KEY,
            "--processing-seconds",
            f"{processing_seconds:g}",
            "--upload-duration",
            str(UPLOAD_DURATION),
        ]

    process = start_on_free_port(command, log_path=log_dir / f"{name}.log", health_path="/openapi.yaml")
    return FakeServer(process)


@pytest.fixture(scope="session")
def fake(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeServer]:
    """The fake most tests use: tasks stay `processing` for 1 s."""
    server = start_fake(tmp_path_factory.mktemp("fake-server"), "fake", 1)
    try:
        yield server
    finally:
        server.process.stop()


@pytest.fixture(scope="session")
def slow_fake(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeServer]:
    """A fake whose tasks stay `processing` for an hour (for deterministic processing/timeout tests)."""
    server = start_fake(tmp_path_factory.mktemp("slow-fake-server"), "slow", 3600)
    try:
        yield server
    finally:
        server.process.stop()


@dataclass(frozen=True)
class Tasks:
    """Finished tasks on the `fake` server, created through the library."""

    v2_ready: str
    v2_failed: str
    legacy_ready: str
    legacy_failed: str
    image_ready: str  # marengo3.5 image: its one vector has no start/end


@pytest.fixture(scope="session")
def tasks(fake: FakeServer) -> Tasks:
    """One ready and one failed task of each API, and a ready image task, all finished."""
    with fake.client() as client:
        v2_ready = client.v2.tasks.create(
            input_type="video",
            url="https://media.example.com/clip.mp4?duration=14",
            embedding_option=["visual", "audio"],
        ).id
        v2_failed = client.v2.tasks.create(
            input_type="video", url=f"https://media.example.com/bad.mp4?fail={quote(FAILURE_REASON)}"
        ).id
        legacy_ready = client.legacy.tasks.create(
            video_url="https://media.example.com/legacy.mp4?duration=18", video_embedding_scope=["clip", "video"]
        ).id
        legacy_failed = client.legacy.tasks.create(video_url="https://media.example.com/legacy.mp4?fail=broken").id
        image_ready = client.v2.tasks.create(
            input_type="image", model_name="marengo3.5", url="https://media.example.com/photo.png"
        ).id
        client.v2.tasks.wait(v2_ready)
        client.v2.tasks.wait(image_ready)
        client.v2.tasks.wait(v2_failed, raise_on_failure=False)
        client.legacy.tasks.wait_for_done(legacy_ready)
        client.legacy.tasks.wait_for_done(legacy_failed, raise_on_failure=False)
    return Tasks(v2_ready, v2_failed, legacy_ready, legacy_failed, image_ready)
