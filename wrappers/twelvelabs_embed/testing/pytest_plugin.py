"""pytest fixtures for the Embed API fake (registered through the `pytest11` entry point `twelvelabs_embed`).

    def test_waits_on_the_fake_clock(embed_fake, embed_client):
        task = embed_client.v2.tasks.create(input_type="audio", url="https://example.com/a.mp3")
        embed_client.v2.tasks.wait(task.id)          # sleeps on the fake's clock: returns at once
        assert len(embed_fake.calls("createEmbeddingTaskV2")) == 1

    def test_raw_http(embed_fake, embed_fake_client):
        task_id = embed_fake_client.post("/embed-v2/tasks", json={...}).json()["_id"]
        embed_fake.clock.advance(10)
        assert embed_fake_client.get(f"/embed-v2/tasks/{task_id}").json()["status"] == "ready"

Fixtures: `embed_fake` (the fake), `embed_client` / `async_embed_client` (the package's clients bound to it
in-process, sleeping on its clock), `embed_fake_client` (a raw `httpx.Client` with the key set) and
`embed_fake_server` (the fake over real HTTP on a free port).

Configure the fake of one test with a marker: `@pytest.mark.embed_fake(processing_seconds=0, api_keys=None)`
(any keyword argument of `EmbedFake`).

The module imports nothing beyond pytest at load time, so registering it as a pytest11 entry point costs
nothing and does not break pytest for users who installed the package without the `testing` extra.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    import httpx

    from twelvelabs_embed import AsyncEmbedClient, EmbedClient

    from ._fake import EmbedFake
    from ._server import RunningServer

__all__ = [
    "async_embed_client",
    "embed_client",
    "embed_fake",
    "embed_fake_client",
    "embed_fake_server",
    "pytest_configure",
]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "embed_fake(**options): keyword arguments for the EmbedFake of the `embed_fake` fixture"
    )


@pytest.fixture
def embed_fake(request: pytest.FixtureRequest) -> Iterator[EmbedFake]:
    """A fresh `EmbedFake` on a `FakeClock` (configurable with `@pytest.mark.embed_fake(...)`)."""
    from ._fake import EmbedFake  # imported here: loading the plugin must not need the testing extra

    marker = request.node.get_closest_marker("embed_fake")
    options = dict(marker.kwargs) if marker is not None else {}
    with EmbedFake(**options) as fake:
        yield fake


@pytest.fixture
def embed_fake_client(embed_fake: EmbedFake) -> Iterator[httpx.Client]:
    """An `httpx.Client` bound to `embed_fake` in-process (base URL `.../v1.3`, `x-api-key` set)."""
    with embed_fake.client() as client:
        yield client


@pytest.fixture
def embed_fake_server(embed_fake: EmbedFake) -> Iterator[RunningServer]:
    """`embed_fake` served over real HTTP on a free 127.0.0.1 port (`.base_url`, `.port`)."""
    with embed_fake.run_server() as server:
        yield server


@pytest.fixture
def embed_client(embed_fake: EmbedFake) -> Iterator[EmbedClient]:
    """A `twelvelabs_embed.EmbedClient` bound to `embed_fake` in-process (its key, base URL and transport),
    sleeping on the fake's clock, so `wait()` returns as soon as the fake's tasks are done, without real waiting."""
    from twelvelabs_embed import EmbedClient

    with EmbedClient(
        api_key=embed_fake.api_key,
        base_url=embed_fake.base_url,
        transport=embed_fake.transport(),
        sleep=embed_fake.clock.sleep,
        clock=embed_fake.clock.monotonic,
    ) as client:
        yield client


@pytest.fixture
def async_embed_client(embed_fake: EmbedFake) -> Iterator[AsyncEmbedClient]:
    """A `twelvelabs_embed.AsyncEmbedClient` bound to `embed_fake` in-process, sleeping on the fake's clock.

    A plain fixture (no async plugin needed): use the client inside the test's own event loop
    (`asyncio.run(...)`, pytest-asyncio or anyio); it is closed after the test.
    """
    from twelvelabs_embed import AsyncEmbedClient

    client = AsyncEmbedClient(
        api_key=embed_fake.api_key,
        base_url=embed_fake.base_url,
        transport=embed_fake.async_transport(),
        sleep=embed_fake.clock.async_sleep,
        clock=embed_fake.clock.monotonic,
    )
    try:
        yield client
    finally:
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # the usual case: teardown runs outside any event loop
            asyncio.run(client.aclose())
        # else: inside a running loop (an unusual plugin setup) the client is left to the garbage collector;
        # its in-process transport holds no sockets.
