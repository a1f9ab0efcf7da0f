"""Fixtures of the batch tests: a fresh fake served over real HTTP on a thread, on wall-clock time with a short
clock (tasks take a fraction of a second), and a fast poll schedule."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from twelvelabs_embed import PollPolicy
from twelvelabs_embed.batch import BatchResult, run
from twelvelabs_embed.testing import EmbedFake, RunningServer, WallClock

API_KEY = "test-key"
FAST_POLL = PollPolicy(initial_interval=0.1, multiplier=1.5, max_interval=0.5, jitter=0.1)


@dataclass
class LiveFake:
    """A fake and its running server; `run` runs a batch against it."""

    fake: EmbedFake
    server: RunningServer

    @property
    def base_url(self) -> str:
        return self.server.base_url

    def run(self, inputs: Any, out: Path, **kwargs: Any) -> BatchResult:
        kwargs.setdefault("poll", FAST_POLL)
        kwargs.setdefault("durable", False)
        return run(inputs, out, api_key=API_KEY, base_url=self.base_url, **kwargs)

    def creates(self, operation: str = "createEmbeddingTaskV2") -> list[Any]:
        return [r for r in self.fake.calls(operation) if r.status is not None and r.status < 300]


@pytest.fixture(scope="session")
def warm_fake() -> None:
    """The fake's first URL validation builds a grammar (seconds on a busy machine): pay it once, up front."""
    with EmbedFake() as fake, fake.client() as http:
        body = {"input_type": "video", "model_name": "marengo3.0", "video": {"media_source": {"url": "https://a.b/c"}}}
        http.post("/embed-v2/tasks", json=body).raise_for_status()


@pytest.fixture
def live(warm_fake: None) -> Iterator[LiveFake]:
    fake = EmbedFake(clock=WallClock(), processing_seconds=0.2, upload_duration=12, url_duration=12)
    with fake.run_server() as server:
        yield LiveFake(fake, server)
    fake.close()


def write_media(folder: Path, names_and_bytes: dict[str, bytes]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, data in names_and_bytes.items():
        path = folder / name
        path.write_bytes(data)
        paths.append(path)
    return paths
