"""pytest fixtures for the Embed API fake (registered through the `pytest11` entry point `twelvelabs_embed`).

    def test_polls_until_ready(embed_fake, embed_fake_client):
        task_id = embed_fake_client.post("/embed-v2/tasks", json={...}).json()["_id"]
        embed_fake.clock.advance(10)
        assert embed_fake_client.get(f"/embed-v2/tasks/{task_id}").json()["status"] == "ready"

Configure the fake of one test with a marker: `@pytest.mark.embed_fake(processing_seconds=0, api_keys=None)`
(any keyword argument of `EmbedFake`).

The module imports nothing beyond pytest at load time, so registering it as a pytest11 entry point costs
nothing and does not break pytest for users who installed the package without the `testing` extra.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    import httpx

    from ._fake import EmbedFake
    from ._server import RunningServer

__all__ = ["embed_fake", "embed_fake_client", "embed_fake_server", "pytest_configure"]


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
