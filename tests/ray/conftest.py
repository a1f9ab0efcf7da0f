"""Fixtures of the Ray tests: one local Ray cluster for the session (this machine's 2 CPUs, no dashboard), and a
real fake-server process with a rate limit on every operation and a short clock (tasks ready in 0.3 s)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import ray

from tests.batch._support import BatchServer, start_batch_server

#: Requests per second the fake admits (every operation counts).
LIMIT, WINDOW = 40, 1.0


@dataclass(frozen=True)
class RayCluster:
    """The session's local Ray cluster: its GCS address (a driver in another process joins it with RAY_ADDRESS)
    and its folder of logs."""

    address: str
    temp_dir: Path

    def logs_mention(self, text: str) -> list[Path]:
        """The files of the cluster's logs that contain `text`."""
        return [
            path
            for path in self.temp_dir.rglob("*")
            if path.is_file() and "logs" in path.parts and text.encode() in path.read_bytes()
        ]


@pytest.fixture(scope="session")
def ray_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RayCluster]:
    """A local Ray cluster on this machine's 2 CPUs, without the dashboard; shut down at the end of the session."""
    os.environ.pop("RAY_ADDRESS", None)  # a cluster of our own, even where the environment names another
    temp_dir = tmp_path_factory.mktemp("ray")
    context = ray.init(
        num_cpus=2,
        include_dashboard=False,
        log_to_driver=False,
        configure_logging=False,
        _temp_dir=str(temp_dir),
    )
    try:
        yield RayCluster(context.address_info["gcs_address"], temp_dir)
    finally:
        ray.shutdown()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BatchServer]:
    started = start_batch_server(
        tmp_path_factory.mktemp("ray-fake"), limit=LIMIT, window=WINDOW, fault_rate=0.0, processing_seconds=0.3
    )
    try:
        yield started
    finally:
        started.process.stop()


def urls(count: int, prefix: str) -> list[dict[str, object]]:
    """`count` manifest rows of URL items (durations of 6 to 12 s: 1 to 3 segments each)."""
    return [
        {"source": f"https://media.example/{prefix}/clip-{i}.mp4?duration={6 + i % 7}", "option": "visual"}
        for i in range(count)
    ]
