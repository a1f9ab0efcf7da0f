"""The package around the fake: the shipped spec copy, the ASGI factory, the pytest plugin, the public names."""

from __future__ import annotations

import asyncio
import hashlib
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

import twelvelabs_embed.testing as testing
from twelvelabs_embed import AsyncEmbedClient, EmbedClient
from twelvelabs_embed.testing import EmbedFake, FakeApp, WallClock, create_app, packaged_spec_bytes
from twelvelabs_embed_generated import _spec as generated_spec

ROOT = Path(__file__).resolve().parents[2]


def test_packaged_spec_is_the_repository_spec() -> None:
    """The fake's default spec (shipped by the generated client) is byte-identical to openapi.yaml."""
    assert packaged_spec_bytes() == (ROOT / "openapi.yaml").read_bytes()


def test_packaged_spec_is_the_one_the_client_was_generated_from() -> None:
    """The shipped spec has the SHA-256 recorded by the generated client, so fake and client agree."""
    assert hashlib.sha256(packaged_spec_bytes()).hexdigest() == generated_spec.SPEC_SHA256


def test_spec_is_served_for_schemathesis(embed_fake_client: httpx.Client) -> None:
    """GET /openapi.yaml (outside /v1.3, no key needed) returns the spec the fake validates against."""
    response = embed_fake_client.get("https://embed-fake.test/openapi.yaml", headers={"x-api-key": ""})
    assert response.status_code == 200
    assert response.content == packaged_spec_bytes()


def test_another_spec_file_can_be_served(tmp_path: Path) -> None:
    """`spec_path` makes the fake serve and validate against another copy of the spec."""
    spec = tmp_path / "openapi.yaml"
    spec.write_bytes(packaged_spec_bytes().replace(b"title: TwelveLabs Embed API", b"title: Local copy"))
    with EmbedFake(spec_path=spec) as fake, fake.client() as client:
        assert b"title: Local copy" in client.get("http://x/openapi.yaml").content
        assert client.get("/embed/tasks").status_code == 200


def test_create_app_is_a_wall_clock_factory() -> None:
    """`create_app()` builds a Starlette app on wall-clock time, usable as a uvicorn factory or over ASGI."""
    app = create_app()
    assert isinstance(app, FakeApp)
    assert isinstance(app.fake.clock, WallClock)

    async def main() -> int:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t/v1.3") as client:
            response = await client.get("/embed/tasks", headers={"x-api-key": app.fake.api_key})
            return response.status_code

    assert asyncio.run(main()) == 200


def test_advance_needs_a_fake_clock() -> None:
    """`EmbedFake.advance` refuses to move a wall clock instead of silently doing nothing."""
    with EmbedFake(clock=WallClock()) as fake, pytest.raises(TypeError):
        fake.advance(1)


def test_plugin_fixtures_are_wired(embed_fake: EmbedFake, embed_fake_client: httpx.Client) -> None:
    """The `embed_fake_client` fixture talks to the `embed_fake` of the same test with its key."""
    embed_fake_client.get("/embed/tasks")
    (request,) = embed_fake.requests
    assert request.header("x-api-key") == embed_fake.api_key
    assert str(embed_fake_client.base_url) == embed_fake.base_url + "/"


@pytest.mark.embed_fake(api_keys="marker-key", processing_seconds=3)
def test_marker_configures_the_fixture(embed_fake: EmbedFake) -> None:
    """`@pytest.mark.embed_fake(...)` passes its keyword arguments to the fixture's EmbedFake."""
    assert embed_fake.api_key == "marker-key"
    assert embed_fake.processing_seconds == 3


def test_public_names_are_importable_and_sorted() -> None:
    """Every name in `__all__` is lazily importable, and the list is sorted (so additions are deliberate)."""
    assert testing.__all__ == sorted(testing.__all__, key=lambda name: (not name.isupper(), name))
    assert set(testing.__all__) == set(testing._MODULES)
    for name in testing.__all__:
        assert getattr(testing, name) is not None, name
    with pytest.raises(AttributeError):
        testing.NoSuchName  # noqa: B018


def test_plugin_loads_without_the_testing_extra() -> None:
    """The pytest11 plugin module imports without starlette/uvicorn, so it cannot break users' pytest."""
    code = (
        "import sys\n"
        "for name in ('starlette', 'uvicorn', 'multipart', 'python_multipart', 'jsonschema'):\n"
        "    sys.modules[name] = None\n"
        "import twelvelabs_embed.testing.pytest_plugin as plugin\n"
        "assert callable(plugin.pytest_configure)\n"
        "try:\n"
        "    from twelvelabs_embed.testing import EmbedFake\n"
        "except ImportError:\n"
        "    print('needs-extra')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "needs-extra"


def test_embed_client_fixture_is_a_ready_client(embed_fake: EmbedFake, embed_client: EmbedClient) -> None:
    """`embed_client` is an EmbedClient on the test's fake, sleeping on its clock: create, wait, retrieve."""
    task = embed_client.v2.tasks.create(input_type="audio", url="https://example.com/a.mp3?duration=30")
    done = embed_client.v2.tasks.wait(task.id)
    assert done.status == "ready"
    assert embed_fake.clock.monotonic() >= embed_fake.processing_seconds  # waited on the fake clock
    assert len(embed_client.v2.tasks.retrieve_arrays(task.id)) > 0
    assert [request.operation for request in embed_fake.calls("createEmbeddingTaskV2")] == ["createEmbeddingTaskV2"]
    assert {request.header("x-api-key") for request in embed_fake.requests} == {embed_fake.api_key}


def test_async_embed_client_fixture_is_a_ready_client(
    embed_fake: EmbedFake, async_embed_client: AsyncEmbedClient
) -> None:
    """`async_embed_client` is an AsyncEmbedClient on the test's fake, usable in the test's own event loop."""

    async def scenario() -> int:
        task = await async_embed_client.v2.tasks.create(input_type="video", url="https://example.com/v.mp4")
        await async_embed_client.v2.tasks.wait(task.id)
        return len(await async_embed_client.v2.tasks.retrieve_arrays(task.id))

    assert asyncio.run(scenario()) > 0
    assert embed_fake.status(embed_fake.tasks[0].id) == "ready"


@pytest.mark.embed_fake(api_keys="marker-key")
def test_embed_client_follows_the_marker(embed_fake: EmbedFake, embed_client: EmbedClient) -> None:
    """The client fixture uses the key the marker configured, so the fake accepts it."""
    assert embed_client.legacy.tasks.list().page_info is not None
    assert embed_fake.requests[0].header("x-api-key") == "marker-key"
